"""CDXJ indexes: the lines cdxj-indexer writes, written as records are, and read back.

The writer knows each record's URL, offset and length as it writes it, so
its index lines cost nothing like re-reading the file at close (about 1 ms
a record). :func:`cdxj_line` gives exactly the line cdxj-indexer (default
fields and records) would; a test holds the two equal. cdxj-indexer's own
sorter (``SortingWriter``) is used for its external sort.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from tempfile import NamedTemporaryFile

import surt

from archiver.warc.vocab import WARC_FIELDS_TYPE
from archiver.warc.warcio_internals import iso_date_to_timestamp

# cdxj-indexer documents its command line and CDXJIndexer(...).process_all();
# the rest used here is its undocumented inside, used in this module only
# (pyproject.toml bounds its version; tests/test_library_internals.py names
# each piece): CDXJIndexer.DEFAULT_RECORDS (the record types it indexes),
# CDXJIndexer.RE_SPACE (where a MIME type ends), and SortingWriter (its
# external sort: sortedlist, write_to_temp, write_to_file, out, flush).
#
# cdxj_indexer.main imports its AMF support, whose pyamf imports pkg_resources
# (deprecated, gone from setuptools 81): with setuptools 80, which Scrapyd
# needs, every crawl's writer process printed the deprecation warning. The
# user can do nothing about it, and pyamf does without pkg_resources.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning,
                            module="pyamf")
    from cdxj_indexer.main import CDXJIndexer, SortingWriter

INDEXED_TYPES = frozenset(CDXJIndexer.DEFAULT_RECORDS)
_MIME_END = CDXJIndexer.RE_SPACE
# Index lines kept in memory before a sorted run goes to disk: memory stays
# flat however many records a file holds (100,000 lines are 33 MB).
INDEX_BUFFER_CHARS = 4 << 20


def _url_key(url: str) -> str:
    """The SURT key, or the URL itself when surt refuses it: cdxj-indexer's rule."""
    try:
        return surt.surt(url)
    except Exception:  # noqa: BLE001 - any refusal, as cdxj-indexer's bare except
        return url


@dataclass(frozen=True)
class RecordLocation:
    """Where the writer put a record: the key a finding is traced back with."""

    filename: str
    offset: int
    length: int


def index_path_of(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj")


def index_warc(path: Path) -> Path:
    """Write a sorted CDXJ index beside a closed WARC file, by reading it (cdxj-indexer)."""
    index_path = index_path_of(path)
    with open(index_path, "w", encoding="utf-8") as out:
        CDXJIndexer(out, [str(path)], sort=True).process_all()
    return index_path


def cdxj_line(record, location: RecordLocation) -> str | None:
    """The line cdxj-indexer (default fields and records) writes for a record, or None.

    Same fields in the same order, same filters: request records and
    ``application/warc-fields`` metadata are not indexed.
    """
    rec_type = record.rec_type
    if rec_type not in INDEXED_TYPES:
        return None
    headers = record.rec_headers
    if rec_type in ("resource", "metadata") and headers.get_header("Content-Type") == WARC_FIELDS_TYPE:
        return None
    url = headers.get_header("WARC-Target-URI")
    entry = {"url": url}
    if rec_type == "revisit":
        entry["mime"] = "warc/revisit"
    else:
        mime = (record.http_headers.get_header("Content-Type") if rec_type == "response" and record.http_headers
                else headers.get_header("Content-Type"))
        if mime:
            entry["mime"] = _MIME_END.split(mime, 1)[0].strip()
    if rec_type in ("response", "revisit") and record.http_headers:
        entry["status"] = record.http_headers.get_statuscode()
    digest = headers.get_header("WARC-Payload-Digest")
    if digest:
        entry["digest"] = digest
    entry.update(length=str(location.length), offset=str(location.offset), filename=location.filename)
    timestamp = iso_date_to_timestamp(headers.get_header("WARC-Date"))
    return f"{_url_key(url)} {timestamp} {json.dumps(entry)}\n"


class IndexLines(SortingWriter):
    """cdxj-indexer's external sort, with its sorted runs beside the WARC file, not in /tmp."""

    def __init__(self, folder: Path) -> None:
        super().__init__(None, INDEX_BUFFER_CHARS)
        self.folder = folder

    def write_to_temp(self) -> str:
        self.sortedlist.sort()
        with NamedTemporaryFile("w", encoding="utf-8", dir=self.folder, prefix=".cdxj-run-",
                                delete=False) as run:
            self.write_to_file(self.sortedlist, run)
        return run.name

    def write_sorted(self, path: Path) -> None:
        with open(path, "w", encoding="utf-8") as self.out:
            self.flush()  # merges the runs and removes them


def read_originals(index_file: Path) -> Iterator[tuple[tuple[str, str], tuple[Path, int]]]:
    """Originals (not revisits) listed in a .cdxj: ((url, digest), (file, offset)) for files that exist."""
    try:
        with open(index_file, encoding="utf-8") as lines:
            for line in lines:
                parts = line.split(" ", 2)
                if len(parts) < 3:
                    continue
                try:
                    entry = json.loads(parts[2])
                except ValueError:
                    continue
                if entry.get("mime") == "warc/revisit" or "digest" not in entry or "url" not in entry:
                    continue
                path = index_file.parent / entry.get("filename", "")
                if path.is_file():
                    yield (entry["url"], entry["digest"]), (path, int(entry.get("offset", 0)))
    except OSError:
        return
