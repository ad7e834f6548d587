"""Package WARC files into one WACZ (py-wacz), its page list being the archive's articles.

py-wacz writes the CDXJ index, ``datapackage.json`` with every file's hash,
and ``datapackage-digest.json``; we give it ``pages.jsonl``: one line per
article whose page was captured (its URL and WARC-Date as archived, the
title the seeds give), read from the article records, instead of its guess
of every HTML page.

Before py-wacz runs, the files are read and checked as ``archiver audit``
reads them: a damaged file, a file still being written (``.open``), two
files of one name (a WACZ holds ``archive/NAME`` once) or a file that is no
WARC stop the packaging with a :class:`WaczError` whose message names the
file and the fix. A revisit whose original is in another file of the folder
(a deduplicated re-crawl) brings that file along, so the WACZ replays alone.

py-wacz runs in a child process (``python -m wacz``, its documented command
line): importing it appends ``"warcinfo"`` to cdxj-indexer's class-wide
``DEFAULT_RECORDS``, which would change the index lines our own writer
computes (archiver/warc/cdxj.py) in any process that imported both; and it
prints its progress on stdout.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archiver.warc import OPEN_SUFFIX
from archiver.warc.filereader import MARKED_TRUNCATED
from archiver.warc.index import ArchiveIndex, IntegrityProblem, url_key
from archiver.warc.reader import read_archives

logger = logging.getLogger(__name__)

WACZ_SUFFIX = ".wacz"
PAGES_PATH = "pages/pages.jsonl"
# The suffixes pywb's `wb-manager add --unpack-wacz` takes out of a WACZ.
WARC_SUFFIXES = (".warc", ".warc.gz")
PAGES_HEADER = {"format": "json-pages-1.0", "id": "articles", "title": "Articles"}


class WaczError(Exception):
    """The files cannot be packaged; the message names the file and the fix, in one line."""


class WaczNotWritten(WaczError):
    """The files were fine, but the WACZ could not be written (py-wacz failed, the disk is full…)."""


def unpack(path: Path, into: Path) -> list[Path]:
    """The WARC files of a WACZ (its ``archive/`` folder), extracted into ``into``; WaczError if it is none."""
    try:
        wacz = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise WaczError(f"{path}: not a readable WACZ (zip) file: {error}") from None
    with wacz:
        names = [n for n in wacz.namelist() if n.startswith("archive/") and not n.endswith("/")]
        if not names:
            raise WaczError(f"{path}: a zip file with no archive/ folder, not a WACZ")
        found = []
        for name in names:
            target = into / Path(name).name
            try:
                with wacz.open(name) as source, open(target, "wb") as out:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # a member cut or corrupt
                raise WaczError(f"{path}: {name} cannot be read out of it: {error}") from None
            except OSError as error:  # the disk, not the WACZ
                raise WaczError(f"{path}: cannot unpack {name} into {into}: {error.strerror or error}; "
                                "give TMPDIR a folder with room for its WARC files") from None
            found.append(target)
        return found


@contextmanager
def waczs_unpacked(paths: Sequence[str]) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """``paths`` with each .wacz file among them replaced by its WARC files, unpacked for the while.

    Yields (paths, errors, notes): a WACZ that cannot be read is an error
    naming it; each one read is a note saying where its files came from.
    Unpacked under the system's temporary folder (TMPDIR), one folder a WACZ.
    """
    if not any(p.lower().endswith(WACZ_SUFFIX) for p in paths):
        yield list(paths), [], []
        return
    with tempfile.TemporaryDirectory(prefix="archiver-unpacked-") as scratch:
        out: list[str] = []
        errors: list[str] = []
        notes: list[str] = []
        for number, raw in enumerate(paths):
            if not raw.lower().endswith(WACZ_SUFFIX):
                out.append(raw)
                continue
            if not Path(raw).is_file():
                errors.append(f"{raw}: no such file")
                continue
            folder = Path(scratch) / str(number)
            folder.mkdir()
            try:
                out += [str(p) for p in unpack(Path(raw), folder)]
            except WaczError as error:
                errors.append(str(error))
                continue
            notes.append(f"The WARC files of {raw} were read out of its archive/ folder: "
                         "a record's file is named as it is there.")
        yield out, errors, notes


@dataclass(frozen=True)
class Page:
    """One line of pages.jsonl: an article's page as it was captured."""

    url: str  # WARC-Target-URI of the capture (py-wacz matches it against the records)
    date: str  # WARC-Date of the capture
    title: str | None

    def to_json(self) -> dict[str, str]:
        line = {"url": self.url, "ts": self.date}
        if self.title:
            line["title"] = self.title
        return line


@dataclass
class Packaged:
    path: Path
    files: list[Path]  # the WARC files in archive/
    pages: list[Page]
    unlisted: list[str] = field(default_factory=list)  # articles not in pages.jsonl, each with why
    originals: list[Path] = field(default_factory=list)  # files added for the originals of revisits
    unresolved: list[str] = field(default_factory=list)  # revisits whose original is nowhere: they will not replay

    def summary(self) -> str:
        added = f" ({len(self.originals)} holding originals of revisits)" if self.originals else ""
        if self.pages:
            listed = f"{_count(len(self.pages), 'article')} in {PAGES_PATH}"
        elif self.unlisted:  # py-wacz writes no page list without a page
            listed = f"no {PAGES_PATH}: no article's page was captured"
        else:
            listed = (f"no {PAGES_PATH}: the files hold no article records (another tool wrote them?); "
                      "--seeds lists the seeds' articles")
        return f"WACZ written to {self.path}: {_count(len(self.files), 'WARC file')}{added}, {listed}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def article_pages(index: ArchiveIndex, seeded: Sequence[tuple[str | None, str | None]] = ()
                  ) -> tuple[list[Page], list[str]]:
    """The pages of the archive's articles, and why each article left out is left out.

    An article read in several crawls' records is listed once, at its last
    capture (a retry ends in it), with its latest record's title. ``seeded``
    (URL, title) are articles from seeds given beside the files (another
    tool's archive has no article records), listed after the recorded ones.
    """
    articles = [(r.article.url, r.article.title) for r in sorted(index.articles, key=lambda r: r.date)]
    recorded = {url_key(url) for url, _ in articles if url}
    articles += [(url, title) for url, title in seeded if not url or url_key(url) not in recorded]
    pages: dict[str, Page] = {}
    unlisted: dict[str, str] = {}
    for url, title in articles:
        if url is None:
            unlisted[f"title:{title}"] = f"article {title!r}: the seeds give no URL, so nothing was fetched"
            continue
        key = url_key(url)
        capture = index.capture(url)
        if capture is None:
            failure = index.failure(url)
            why = f"{failure.kind}: {failure.message}" if failure else "no capture and no recorded failure"
            unlisted[key] = f"{url}: not captured ({why})"
            continue
        unlisted.pop(key, None)
        pages[key] = Page(capture.url, capture.date, title)
    return list(pages.values()), list(unlisted.values())


def pages_jsonl(pages: list[Page]) -> str:
    lines = [PAGES_HEADER, *(page.to_json() for page in pages)]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def check_files(files: list[Path]) -> None:
    """What a WACZ cannot hold, found before anything is read."""
    by_name: dict[str, Path] = {}
    for path in files:
        if path.name.endswith(OPEN_SUFFIX):
            raise WaczError(f"{path}: still being written, or left by a crawl that was killed; "
                            "let the crawl finish (or resume it with the same JOBDIR), then package it")
        if not path.name.endswith(WARC_SUFFIXES):
            raise WaczError(f"{path}: not a WARC file (.warc or .warc.gz); give WARC files or folders holding them")
        if path.name in by_name:
            raise WaczError(f"{by_name[path.name]} and {path}: a WACZ holds one file of each name "
                            "(archive/NAME); package them separately, or rename one")
        by_name[path.name] = path


def damage(index: ArchiveIndex) -> list[IntegrityProblem]:
    """The integrity problems that make a file unfit for a WACZ: all but records that declare a cut payload.

    A response the crawl got cut short is archived whole, marked
    WARC-Truncated; it replays as what was received.
    """
    return [p for p in index.problems if not p.problem.startswith(MARKED_TRUNCATED)]


def _refuse_damaged(index: ArchiveIndex) -> None:
    problems = damage(index)
    if problems:
        first = problems[0]
        where = f" at offset {first.offset}" if first.offset is not None else ""
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise WaczError(f"{index.paths.get(first.filename, first.filename)}: {first.problem}{where}{more}; "
                        "a WACZ of a damaged file would not replay it: leave the file out "
                        "(`archiver audit --integrity-only` lists every problem)")


def _originals(index: ArchiveIndex, files: list[Path]) -> tuple[list[Path], list[str]]:
    """Files outside ``files`` holding the originals of revisits in them, and the revisits without one."""
    inside = {path.resolve() for path in files}
    extra: dict[Path, None] = {}
    unresolved = []
    for capture in index.all_captures():
        if capture.revisit_of is None:
            continue
        where = index.payload_of(capture)
        if where is None:
            unresolved.append(index.unresolved_revisit(capture))
        elif where[0].resolve() not in inside:
            extra[where[0]] = None
    return list(extra), unresolved


def package(files: list[Path], output: Path, *, workers: int = 1,
            seeded: Sequence[tuple[str | None, str | None]] = ()) -> Packaged:
    """Write ``output`` (a .wacz) from ``files``; WaczError says why it could not.

    ``seeded``: (URL, title) of articles from seeds given beside the files (see article_pages).
    """
    if output.suffix != WACZ_SUFFIX:
        raise WaczError(f"{output}: a WACZ's name ends in .wacz (ReplayWeb.page and pywb know it by it)")
    # A file named twice (a folder and a file in it) is packaged once.
    unique: dict[Path, Path] = {}
    for path in files:
        unique.setdefault(path.resolve(), path)
    files = list(unique.values())
    if not files:
        raise WaczError("no WARC file to package")
    check_files(files)
    # Written beside its final name and renamed: a .wacz there is always whole.
    partial = output.with_name(f".{output.name}.partial")
    try:  # a folder that cannot take it is known before the files are read
        output.parent.mkdir(parents=True, exist_ok=True)
        partial.touch()
    except OSError as error:
        raise WaczError(f"cannot write {output}: {error.strerror or error}; give it a writable folder") from None
    try:
        return _package(files, output, partial, workers, seeded)
    finally:
        partial.unlink(missing_ok=True)


def _package(files: list[Path], output: Path, partial: Path, workers: int,
             seeded: Sequence[tuple[str | None, str | None]]) -> Packaged:
    index = read_archives(files, workers=workers)
    _refuse_damaged(index)
    pages, unlisted = article_pages(index, seeded)
    originals, unresolved = _originals(index, files)
    if originals:
        check_files([*files, *originals])
        _refuse_damaged(read_archives(originals, workers=workers))
    everything = [*files, *originals]
    try:
        with tempfile.TemporaryDirectory(prefix="archiver-wacz-") as scratch:
            pages_file = Path(scratch) / "pages.jsonl"
            pages_file.write_text(pages_jsonl(pages), encoding="utf-8")
            _run_py_wacz(["create", "-o", str(partial), "-p", str(pages_file), *map(str, everything)])
            listed = _listed_pages(partial)
            if len(listed) != len(pages):
                missing = sorted({p.url for p in pages} - {line.get("url") for line in listed})
                raise WaczNotWritten(f"py-wacz listed {len(listed)} of {len(pages)} article pages "
                                     f"(not {', '.join(missing[:3])}): please report it")
            os.replace(partial, output)
    except OSError as error:
        raise WaczNotWritten(f"cannot write {output}: {error.strerror or error}; "
                             "give it a writable folder with free space") from None
    return Packaged(output, everything, pages, unlisted, originals, unresolved)


def _run_py_wacz(arguments: list[str]) -> str:
    """py-wacz's command line, in a child process (see the module's docstring); its output."""
    try:
        done = subprocess.run([sys.executable, "-m", "wacz", *arguments], capture_output=True, text=True,
                              errors="replace", check=False, env=_child_environment())
    except OSError as error:
        raise WaczNotWritten(f"cannot run py-wacz ({sys.executable} -m wacz): {error}") from None
    output = done.stdout + done.stderr
    logger.debug("py-wacz %s: %s", arguments[0], output)
    if done.returncode != 0:
        if "No module named wacz" in output:
            raise WaczNotWritten("py-wacz is not installed: pip install 'wacz>=0.6,<0.7' "
                                 "(news-archiver depends on it)")
        lines = [line for line in output.splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise WaczNotWritten(f"py-wacz {arguments[0]} failed: {last}")
    return output


def _child_environment() -> dict[str, str]:
    # py-wacz's warnings (pyamf's pkg_resources, its unclosed files) are its
    # own: with a test's PYTHONWARNINGS=error they would fail its run.
    return {**os.environ, "PYTHONWARNINGS": "ignore"}


def _listed_pages(wacz: Path) -> list[dict]:
    with zipfile.ZipFile(wacz) as package_file:
        if PAGES_PATH not in package_file.namelist():
            return []
        lines = package_file.read(PAGES_PATH).decode("utf-8").splitlines()
    return [entry for entry in map(json.loads, lines[1:]) if isinstance(entry, dict)]


def validate(wacz: Path) -> tuple[bool, str]:
    """py-wacz's own check (``wacz validate``): the files, their hashes, the datapackage."""
    try:
        output = _run_py_wacz(["validate", "-f", str(wacz)])
    except WaczError as error:
        return False, str(error)
    return "Validation succeeded" in output, output
