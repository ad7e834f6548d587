"""The front door for reading archives: find the files, read and check them all.

Big gzipped files are read on every core (:mod:`archiver.warc.segments`);
the result is that of a sequential read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from archiver.warc import segments
from archiver.warc.decode import record_payload
from archiver.warc.filereader import read_file
from archiver.warc.index import ArchiveIndex, ProblemsIndex


def warc_files(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[str]]:
    """The WARC files named or found under folders, and the names that are none."""
    found: list[Path] = []
    unusable: list[str] = []
    suffixes = (".warc", ".warc.gz", ".warc.open", ".warc.gz.open", ".arc", ".arc.gz")
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found.extend(_files_under(path, suffixes, unusable))
            elif path.is_file():
                found.append(path)
            else:
                unusable.append(f"{raw}: no such file or folder")
        except OSError as error:  # a name too long, a loop of links…
            unusable.append(f"{raw}: {error.strerror or error}")
    return found, unusable


def _files_under(folder: Path, suffixes: tuple[str, ...], unusable: list[str]) -> list[Path]:
    """The archive files anywhere under ``folder``, sorted; a folder that cannot be listed is said.

    Path.rglob passes over a folder it may not list without a word: its
    files would be missing from the audit, which would still exit 0.
    """
    def cannot_list(error: OSError) -> None:
        unusable.append(f"{error.filename}: cannot list the folder ({error.strerror or error}): "
                        "its files are not read")

    found = [Path(top) / name
             for top, _folders, files in os.walk(folder, onerror=cannot_list)
             for name in files if name.endswith(suffixes)]
    return sorted(p for p in found if p.is_file())


def read_archives(paths: Iterable[Path], on_progress: Callable[[int], None] | None = None,
                  workers: int = 1, known: Mapping[Path, ArchiveIndex] | None = None,
                  problems_only: bool = False) -> ArchiveIndex:
    """Read and check every file; with ``workers`` > 1 and enough bytes, in parallel.

    ``known``: files read already, by the process that wrote them
    (:mod:`archiver.warc.readback`): their indexes are taken, in their place.
    ``problems_only``: keep only the problems (:class:`ProblemsIndex`), for an integrity pass.
    """
    paths = [Path(p) for p in paths]
    index = ProblemsIndex() if problems_only else ArchiveIndex()
    for path in paths:
        index.files.append(path.name)
        index.paths[path.name] = path
    read = {_same_file(path): part for path, part in (known or {}).items()}
    if any(_same_file(path) in read for path in paths):
        for path in paths:
            part = read.get(_same_file(path))
            if part is None:
                read_file(index, path, on_progress)
            else:
                index.merge(part)
        return index
    if workers > 1:
        plan = segments.plan(paths, workers, problems_only)
        if plan is not None:
            segments.read_in_parallel(index, plan, workers, on_progress)
            return index
    for path in paths:
        read_file(index, path, on_progress)
    return index


def _same_file(path: Path) -> str:
    return os.path.realpath(path)


def read_body(path: Path, offset: int, limit: int | None = None) -> bytes:
    """The body of the response record at ``offset``: de-chunked and decoded, within limits.

    Raises UndecodableBody (an unknown coding, a corrupt or oversized body)
    or OSError / ValueError for a record that cannot be read.
    """
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as stream:
        stream.seek(offset)
        return record_payload(next(iter(ArchiveIterator(stream))), limit)
