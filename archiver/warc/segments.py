"""Read big gzipped WARC files on every core, a segment of records each.

Every record of a ``.warc.gz`` is its own gzip member, so a file can be cut
where a member starts and each piece read and checked on its own. A cut is
put at the first gzip header after a target offset whose data inflates to
``WARC/``; the reader of the piece before it must then stop exactly there.
If it does not (a damaged member, or a header that was only a look-alike),
the file is read again from its start, in one piece, as before.

Results are merged in file and offset order, so the index, its problems and
their order are those of a sequential read.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archiver.warc.children import worker_pool
from archiver.warc.filereader import (
    GZIP_MAGIC,
    next_gzip_member,
    no_record_read,
    read_file,
    read_segment,
)
from archiver.warc.index import ArchiveIndex

SEGMENT_BYTES = 64 << 20  # a few seconds of reading: enough pieces to keep every core busy
PARALLEL_MIN_BYTES = 32 << 20  # below this, starting processes costs more than it saves


@dataclass(frozen=True)
class Segment:
    path: Path
    start: int
    end: int | None  # None: to the end of the file
    problems_only: bool = False  # see ProblemsIndex


def _inflates_to_warc(stream, offset: int) -> bool:
    stream.seek(offset)
    try:
        return zlib.decompressobj(wbits=31).decompress(stream.read(512), 16).startswith(b"WARC/")
    except zlib.error:
        return False


def member_start_after(stream, target: int) -> int | None:
    """The first offset at or after ``target`` where a WARC gzip member starts."""
    return next_gzip_member(stream, target, lambda offset: _inflates_to_warc(stream, offset))


def cuts(path: Path, size: int) -> list[int]:
    """Where to cut a file into pieces of about SEGMENT_BYTES."""
    starts = [0]
    with open(path, "rb") as stream:
        if stream.read(3) != GZIP_MAGIC:
            return starts  # an uncompressed WARC has no member to cut at
        for k in range(1, size // SEGMENT_BYTES + 1):
            found = member_start_after(stream, max(k * SEGMENT_BYTES, starts[-1] + 1))
            if found is None or found >= size:
                break
            starts.append(found)
    return starts


def plan(paths: list[Path], workers: int, problems_only: bool = False) -> list[Segment] | None:
    """The segments to read, or None when one process will do."""
    sizes = {}
    for path in paths:
        try:
            sizes[path] = path.stat().st_size
        except OSError:
            sizes[path] = 0  # read_file reports it
    if workers < 2 or sum(sizes.values()) < PARALLEL_MIN_BYTES:
        return None
    segments: list[Segment] = []
    for path in paths:
        starts = cuts(path, sizes[path]) if sizes[path] > SEGMENT_BYTES else [0]
        ends: list[int | None] = [*starts[1:], None]
        segments.extend(Segment(path, start, end, problems_only) for start, end in zip(starts, ends))
    return segments


def _read(segment: Segment) -> tuple[ArchiveIndex, int, int | None]:
    return read_segment(segment.path, segment.start, segment.end, problems_only=segment.problems_only)


def read_in_parallel(index: ArchiveIndex, segments: list[Segment], workers: int,
                     on_progress: Callable[[int], None] | None) -> None:
    with worker_pool(workers) as pool:
        futures = [pool.submit(_read, segment) for segment in segments]
        by_file: dict[Path, list] = {}
        for segment, future in zip(segments, futures):
            by_file.setdefault(segment.path, []).append((segment, future))
        for path, pieces in by_file.items():
            results: list | None = []
            for _segment, future in pieces:
                try:
                    results.append(future.result())  # type: ignore[union-attr]  # None only after break
                except OSError:
                    results = None
                    break
            if results is None or not _consistent([s for s, _ in pieces], results):
                # Read it again in one piece: sequential reading says what is wrong.
                read_file(index, path)
            else:
                for part, _, _ in results:
                    index.merge(part)
                if not sum(records for _, records, _ in results):
                    no_record_read(index, path)
            if on_progress:
                on_progress(sum((s.end or _size(path)) - s.start for s, _ in pieces))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _consistent(pieces: list[Segment], results: list) -> bool:
    """Did each piece's reader stop exactly where the next piece starts?"""
    return all(reached == segment.end for segment, (_, _, reached) in zip(pieces, results)
               if segment.end is not None)
