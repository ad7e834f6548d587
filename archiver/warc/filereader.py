"""Read one WARC file, or one segment of it, into an :class:`ArchiveIndex`.

One streaming pass: every record's digests are checked, every response's
stored Content-Length is compared with its payload, and a bad gzip member or
a truncated record is reported by offset. Reading resumes at the next gzip
member (or, uncompressed, the next line ``WARC/1.x``), so one bad record
does not hide the rest of a file. Bodies are not
kept: a :class:`Capture` says where its record is.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from collections.abc import Callable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archiver.warc import replaycheck, vocab
from archiver.warc.articles import ArticleFormatError, from_json
from archiver.warc.index import (
    ArchiveIndex,
    ArticleRecord,
    BrowserFailure,
    Capture,
    FetchFailure,
    IntegrityProblem,
    LookupsStopped,
    ProblemsIndex,
    RenderingRecord,
    ReplayCheckRecord,
    SeedProblem,
    SeedRecord,
    WarcLocation,
)
from archiver.warc.warcio_internals import entity_digest_matches

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
# Seeds, article records and failure fields are small; a metadata record
# bigger than this is another tool's (a crawl log) and is only checked.
SMALL_RECORD_BYTES = 16 << 20
# A thumbnail the report can show inline (a data: image); a bigger one is only located.
THUMBNAIL_BYTES = 64 << 10
RENDERING_URNS = (vocab.SCREENSHOT_URN, vocab.THUMBNAIL_URN, vocab.RENDERED_DOM_URN,
                  vocab.REPLAY_SCREENSHOT_URN, vocab.REPLAY_THUMBNAIL_URN)
THUMBNAIL_URNS = (vocab.THUMBNAIL_URN, vocab.REPLAY_THUMBNAIL_URN)
GZIP_MAGIC = b"\x1f\x8b\x08"
# A whole record that says its payload was cut (WARC-Truncated: length…): a
# problem for the report, but no damage to the file.
MARKED_TRUNCATED = "record marked WARC-Truncated"


def parse_warc_fields(payload: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip().lower(), value.strip())
    return fields


def _clean_uri(uri: str | None) -> tuple[str, bool]:
    # wget 1.19.4 wrote <angle brackets> around the URI, which breaks pywb.
    if uri and uri.startswith("<") and uri.endswith(">"):
        return uri[1:-1], True
    return uri or "", False


def _read_all(stream) -> int:
    """Read a stream to its end (which completes the digest check); its length."""
    total = 0
    while True:
        piece = stream.read(CHUNK)
        if not piece:
            return total
        total += len(piece)


class _FileReader:
    """Index one file, or the records of one that start in [start, end).

    ``problem`` collects what is wrong with it. A segment's reader stops at
    the first record at or after ``end`` and says where that was (``reached``):
    the caller checks that it is where the next segment starts.
    """

    def __init__(self, index: ArchiveIndex, path: Path, on_progress: Callable[[int], None] | None,
                 start: int = 0, end: int | None = None, name: str | None = None):
        self.index = index
        self.path = path
        self.name = name or path.name
        self.on_progress = on_progress
        self.position = 0
        self.records = 0
        self.start, self.end = start, end
        self.reached: int | None = None
        self.arc = self.name.removesuffix(".open").endswith((".arc", ".arc.gz"))

    def problem(self, offset: int | None, text: str) -> None:
        self.index.problems.append(IntegrityProblem(self.name, offset, text))

    def read(self) -> None:
        self.read_segment()
        if not self.records:
            no_record_read(self.index, self.path)
        if self.on_progress:
            self.on_progress(self.path.stat().st_size - self.position)

    def read_segment(self) -> None:
        if self.name.endswith(".open") and self.start == 0:
            self.problem(None, "file not closed (.open): the crawl writing it was interrupted; "
                               "records after the last whole one are lost")
        with open(self.path, "rb") as stream:
            gzipped = stream.read(3) == GZIP_MAGIC
            start: int | None = self.start
            while start is not None:
                if self.end is not None and start >= self.end:
                    self.reached = start
                    return
                start = self._read_from(stream, start, gzipped)

    def _read_from(self, stream, start: int, gzipped: bool) -> int | None:
        """Read records from ``start``; where to resume after damage, or None."""
        stream.seek(start)
        iterator = ArchiveIterator(stream, check_digests=True)
        last: int | None = None
        try:
            for record in iterator:
                if self.end is not None and iterator.offset >= self.end:
                    self.reached = iterator.offset
                    return None
                # get_record_offset() would read the record to its end first.
                if record.format != "warc" and not self.arc:
                    # warcio reads any line of five words as an ARC header.
                    self.problem(iterator.offset, "not a WARC record (it reads only as ARC)")
                    continue
                last = iterator.offset
                fields = header_fields(record.rec_headers)
                if record.format == "warc" and (missing := _missing_headers(fields)):
                    # warcio parses whatever header lines there are: a header cut
                    # short reads as a record without a type or a length.
                    self.problem(last, f"truncated or malformed WARC header: no {', '.join(missing)}")
                    continue
                if record.rec_type in TARGET_URI_TYPES and not fields.get("warc-target-uri"):
                    # Nothing can look such a record up: pywb would not replay it.
                    self.problem(last, f"{record.rec_type} record without a WARC-Target-URI: not read")
                    continue
                self._record(record, fields, last)
                self.records += 1
                self._progress(stream.tell())
        except Exception as error:  # noqa: BLE001 - warcio raises what a damaged header makes it raise
            damaged = max(iterator.offset, start)
            self.problem(damaged, _describe(error, stream, damaged, gzipped))
            return next_gzip_member(stream, damaged + 1) if gzipped else next_plain_record(stream, damaged + 1)
        if self.end is not None:
            return None  # the file ended before the segment did: reached stays None
        # warcio stops without a word at a gzip member cut short.
        size = os.fstat(stream.fileno()).st_size
        stream.seek(iterator.offset)
        if stream.read(16).strip(b"\r\n"):
            self.problem(iterator.offset, f"truncated record: the last {size - iterator.offset} "
                                          "bytes of the file cannot be read")
        elif gzipped and last is not None and not member_complete(stream, last):
            # warcio has what it needs before a member's CRC and size: a file
            # cut inside those last 8 bytes reads whole.
            self.problem(last, "truncated record: its gzip member ends before its checksum")
        elif not gzipped and last is not None and (short := _plain_shortfall(stream, last, size)):
            # warcio forgives a missing end-of-record CRLF CRLF: a cut can.
            self.problem(last, f"truncated record: {short} bytes of its end are missing")
        return None

    def _progress(self, position: int) -> None:
        if self.on_progress and position > self.position:
            self.on_progress(position - self.position)
            self.position = position

    def _record(self, record, fields: dict[str, str], offset: int) -> None:
        rec_type = record.rec_type
        uri, bracketed = _clean_uri(fields.get("warc-target-uri"))
        if bracketed:
            self.problem(offset, "WARC-Target-URI in angle brackets (as wget 1.19.4 wrote): "
                                 "pywb cannot replay it")
        location = WarcLocation(self.name, offset)
        if rec_type == "resource" and uri.startswith(RENDERING_URNS):
            self._rendering(record, fields, uri, offset, location)
            return
        if rec_type == "metadata" or (rec_type == "resource" and uri.startswith(vocab.SEED_URN)):
            payload = record.raw_stream.read(SMALL_RECORD_BYTES)
            rest = _read_all(record.raw_stream)
            self._block(record, fields, offset, len(payload) + rest)
            if rest:
                if uri.startswith("urn:archiver:"):
                    self.problem(offset, f"{rec_type} record {uri} is larger than "
                                         f"{SMALL_RECORD_BYTES} bytes: not read")
                return  # another tool's big metadata (crawl logs, outlinks): not ours to read
            self._small_record(rec_type, uri, payload, location, fields.get("warc-date", ""))
            return
        http = record.http_headers
        body_length = _read_all(record.raw_stream)
        self._block(record, fields, offset, body_length)
        if rec_type in ("response", "revisit") and isinstance(http, StatusAndHeaders):
            self._capture(record, fields, uri, http, body_length, location)

    def _rendering(self, record, fields: dict[str, str], uri: str, offset: int, location: WarcLocation) -> None:
        """A screenshot, thumbnail or rendered DOM: located, not read (a thumbnail kept if small)."""
        prefix = next(p for p in RENDERING_URNS if uri.startswith(p))
        payload = record.raw_stream.read(THUMBNAIL_BYTES + 1) if prefix in THUMBNAIL_URNS else b""
        length = len(payload) + _read_all(record.raw_stream)
        self._block(record, fields, offset, length)
        self.index.add_rendering(prefix, RenderingRecord(
            url=uri[len(prefix):], uri=uri, media_type=fields.get("content-type", ""),
            length=length, location=location, concurrent_to=fields.get("warc-concurrent-to"),
            date=fields.get("warc-date", ""),
            payload=payload if payload and length <= THUMBNAIL_BYTES else None,
        ))

    def _block(self, record, fields: dict[str, str], offset: int, read: int) -> None:
        checker = record.digest_checker
        if checker.passed is False:
            problems = checker.problems
            if any(p.startswith("payload digest failed") for p in problems) and self._entity_digest_sound(
                    record, fields, offset):
                problems = [p for p in problems if not p.startswith("payload digest failed")]
            for problem in problems:
                self.problem(offset, f"digest mismatch: {problem}")
        declared = fields.get("content-length")
        http_length = record.http_headers.total_len if record.http_headers else 0
        if declared and declared.isdigit() and read + http_length < int(declared):
            self.problem(offset, f"truncated record: {read + http_length} of {declared} bytes")
        truncated = fields.get("warc-truncated")
        if truncated:
            self.problem(offset, f"{MARKED_TRUNCATED}: {truncated}")

    def _entity_digest_sound(self, record, fields: dict[str, str], offset: int) -> bool:
        """A chunked response whose payload digest is of its body de-chunked, as WARC/1.1 defines it.

        Read again from the file: the record's bytes went to warcio's digests.
        """
        http = record.http_headers
        declared = fields.get("warc-payload-digest")
        if not declared or not http or (http.get_header("Transfer-Encoding") or "").lower() != "chunked":
            return False
        with open(self.path, "rb") as stream:
            stream.seek(offset)
            again = next(iter(ArchiveIterator(stream)))
            return entity_digest_matches(again.raw_stream, declared)

    def _capture(self, record, fields: dict[str, str], uri: str, http: StatusAndHeaders, body_length: int,
                 location: WarcLocation) -> None:
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            self.problem(location.offset, f"response without an HTTP status line: {uri}")
            return
        headers = tuple((k, v) for k, v in http.headers)
        chunked = (http.get_header("Transfer-Encoding") or "").lower() == "chunked"
        declared = http.get_header("Content-Length")
        if record.rec_type == "response" and declared is not None and not chunked:
            if not declared.strip().isdigit() or int(declared) != body_length:
                self.problem(
                    location.offset,
                    f"HTTP Content-Length {declared.strip()} but the payload has "
                    f"{body_length} bytes: replay will break ({uri})",
                )
        revisit = record.rec_type == "revisit"
        self.index.add_capture(Capture(
            url=uri,
            date=fields.get("warc-date", ""),
            status=status,
            headers=headers,
            location=location,
            payload_digest=fields.get("warc-payload-digest"),
            probe=bool(fields.get(vocab.PROBE_HEADER.lower())),
            revisit_of=fields.get("warc-refers-to-target-uri") if revisit else None,
            revisit_date=fields.get("warc-refers-to-date") if revisit else None,
            lookup=_lookup(fields),
            requisite_of=fields.get(vocab.REQUISITE_OF_HEADER.lower()) or None,
        ))

    def _small_record(self, rec_type: str, uri: str, payload: bytes, location: WarcLocation,
                      date: str) -> None:
        if rec_type == "resource":
            self.index.seeds.append(SeedRecord(vocab.seed_name(uri), payload, location))
            return
        if rec_type != "metadata":
            return
        if uri.startswith(vocab.ARTICLE_URN):
            self._article(uri, payload, location, date)
            return
        if uri.startswith(vocab.REPLAY_CHECK_URN):
            self._replay_check(uri, payload, location, date)
            return
        if uri.startswith(vocab.SEED_URN):
            reason = parse_warc_fields(payload).get(vocab.FIELD_SEED_PROBLEM)
            if reason:
                self.index.seed_problems.append(SeedProblem(vocab.seed_name(uri), reason, location))
            return
        if uri.startswith(vocab.BROWSER_URN):
            fields = parse_warc_fields(payload)
            self.index.add_browser_failure(BrowserFailure(
                url=uri[len(vocab.BROWSER_URN):], kind=fields.get(vocab.FIELD_BROWSER_FAILURE, ""),
                message=fields.get(vocab.FIELD_ERROR_MESSAGE, ""), location=location, date=date))
            return
        if uri.startswith(vocab.LOOKUPS_URN):
            fields = parse_warc_fields(payload)
            reason, unasked = fields.get(vocab.FIELD_LOOKUPS_STOPPED), fields.get(vocab.FIELD_LOOKUPS_UNASKED, "0")
            if reason:
                self.index.lookups_stopped.append(LookupsStopped(
                    uri[len(vocab.LOOKUPS_URN):], reason, int(unasked) if unasked.isdigit() else 0, location))
            return
        if uri.startswith("urn:"):
            return
        fields = parse_warc_fields(payload)
        kind = fields.get(vocab.FIELD_FETCH_FAILURE)
        if kind and not uri:
            self.problem(location.offset, f"metadata record of a fetch failure ({_printable(kind)}) "
                                          "without a WARC-Target-URI: not read")
            return
        if kind:
            attempt = fields.get(vocab.FIELD_ATTEMPT, "1")
            self.index.add_failure(FetchFailure(
                url=uri, kind=kind, message=fields.get(vocab.FIELD_ERROR_MESSAGE, ""),
                attempt=int(attempt) if attempt.isdigit() else 1, location=location, date=date,
            ))

    def _article(self, uri: str, payload: bytes, location: WarcLocation, date: str) -> None:
        """One article (a JSON object, see archiver.warc.articles) per record."""
        try:
            data = json.loads(payload)
        except ValueError as error:
            self.problem(location.offset, f"article record {uri} is not JSON: {error}")
            return
        if not isinstance(data, dict):
            self.problem(location.offset, f"article record {uri} is not a JSON object")
            return
        try:
            article = from_json(data)
        except ArticleFormatError as error:
            self.problem(location.offset, f"article record {uri} cannot be read: {error}")
            return
        if uri != vocab.article_uri(article.url, article.seeds):
            self.problem(location.offset, f"article record {uri} holds another article "
                                          f"({vocab.article_uri(article.url, article.seeds)}): not read")
            return
        self.index.add_article(ArticleRecord(uri, article, location, date))

    def _replay_check(self, uri: str, payload: bytes, location: WarcLocation, date: str) -> None:
        """One article's replay check (JSON, see archiver.warc.replaycheck) per record."""
        try:
            result = replaycheck.from_json(json.loads(payload))
        except ValueError as error:  # JSONDecodeError and ReplayCheckFormatError alike
            self.problem(location.offset, f"replay-check record {uri} cannot be read: {error}")
            return
        if uri != vocab.replay_check_uri(result.url):
            self.problem(location.offset, f"replay-check record {uri} holds another page ({result.url}): not read")
            return
        self.index.replay_checks.append(ReplayCheckRecord(result, location, date))


def _lookup(fields: dict[str, str]) -> tuple[str, str, str] | None:
    """(link, kind, before) of a web archive's answer the crawl archived, or None."""
    link = fields.get(vocab.LOOKUP_FOR_HEADER.lower())
    if not link:
        return None
    return (link, fields.get(vocab.LOOKUP_KIND_HEADER.lower(), ""),
            fields.get(vocab.LOOKUP_BEFORE_HEADER.lower(), ""))


# WARC/1.1 section 5: the named fields every record must have.
REQUIRED_HEADERS = ("WARC-Type", "WARC-Record-ID", "WARC-Date", "Content-Length")


# WARC/1.1, the WARC-Target-URI field: these records must name their URI; a metadata record
# may, a warcinfo record may not.
TARGET_URI_TYPES = frozenset({"response", "resource", "request", "revisit", "conversion", "continuation"})


def header_fields(headers: StatusAndHeaders) -> dict[str, str]:
    """A record's header fields by lower-case name, the first of a repeated one kept
    (what ``get_header`` answers), built once a record rather than scanned for each name."""
    return {name.lower(): value for name, value in reversed(headers.headers)}


def _missing_headers(fields: dict[str, str]) -> list[str]:
    return [name for name in REQUIRED_HEADERS if not fields.get(name.lower())]


def member_complete(stream, offset: int) -> bool:
    """Does the gzip member at ``offset`` inflate to its end, checksum included?"""
    stream.seek(offset)
    inflater = zlib.decompressobj(wbits=31)
    try:
        while not inflater.eof:
            block = stream.read(CHUNK)
            if not block:
                return False
            inflater.decompress(block, 1)  # output is not kept: a bomb costs nothing
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, CHUNK)
    except zlib.error:
        return False
    return True


def no_record_read(index: ArchiveIndex, path: Path) -> None:
    """Say why a file gave no record: damaged from its start, or not an archive at all."""
    arc = path.name.removesuffix(".open").endswith((".arc", ".arc.gz"))
    if arc or _starts_like_a_warc(path):
        index.problems.append(IntegrityProblem(
            path.name, None, "no WARC record could be read: damaged from its start"))
    else:
        # Unreadable input (exit status 2 when no file is better), not a finding in an archive.
        index.unreadable.append(path.name)
        index.problems.append(IntegrityProblem(
            path.name, None, "no WARC record could be read: not a WARC file"))


def _starts_like_a_warc(path: Path) -> bool:
    """Do the file's first bytes (inflated, if gzip) begin as a WARC does, even cut short?"""
    with open(path, "rb") as stream:
        head = stream.read(4096)
    if head[:2] == GZIP_MAGIC[:2]:
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, 16)
        except zlib.error:
            return False
    head = head.lstrip(b"\r\n")[:5]
    return b"WARC/".startswith(head)


def _plain_shortfall(stream, offset: int, size: int) -> int:
    """How many bytes an uncompressed file lacks to hold the record at ``offset`` whole."""
    stream.seek(offset)
    head = stream.read(1 << 16)
    end = head.find(b"\r\n\r\n")
    length = re.search(rb"\r\ncontent-length:[ \t]*(\d+)", head[:end], re.I) if end >= 0 else None
    if length is None:
        return 0  # reported already as a header without a length
    expected = offset + end + 4 + int(length.group(1)) + 4
    return max(0, expected - size)


def next_gzip_member(stream, after: int, accept: Callable[[int], bool] | None = None) -> int | None:
    """The offset of the first gzip header at or after ``after`` that ``accept`` (if given) takes.

    ``accept`` may move the stream; the search seeks back itself.
    """
    position = after
    while True:
        stream.seek(position)
        block = stream.read(CHUNK)
        if len(block) < len(GZIP_MAGIC):
            return None
        found = block.find(GZIP_MAGIC)
        while found >= 0:
            if accept is None or accept(position + found):
                return position + found
            found = block.find(GZIP_MAGIC, found + 1)
        # A header cut by the end of the block is found by the next read.
        position += len(block) - len(GZIP_MAGIC) + 1


PLAIN_RECORD_START = re.compile(rb"(?:^|\n)(WARC/1\.[01]\r?\n)")


def next_plain_record(stream, after: int) -> int | None:
    """The offset of the first line ``WARC/1.0`` or ``WARC/1.1`` at or after ``after``, in an uncompressed file.

    A body may hold that line too (an archived WARC): a false start reads
    as one more damaged record, and the search goes on after it.
    """
    position = after
    while True:
        stream.seek(max(position - 1, 0))
        block = stream.read(CHUNK + 1)
        if len(block) <= 1:
            return None
        first = 0 if position == 0 else 1  # block[0] is the byte before: only a newline to match
        for found in PLAIN_RECORD_START.finditer(block):
            if found.start(1) >= first:
                return max(position - 1, 0) + found.start(1)
        # A start cut by the end of the block is found by the next read.
        position += max(len(block) - 16, 1)


def _printable(text: str, limit: int = 120) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text.strip())
    return text[:limit] + ("…" if len(text) > limit else "")


def _type_without_target_uri(start: bytes) -> str | None:
    """The type of the record ``start`` begins, if that type needs a WARC-Target-URI it lacks."""
    head = start.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    fields = dict((name.strip().lower(), value.strip()) for name, _, value in
                  (line.partition(":") for line in head.splitlines()[1:]))
    rec_type = fields.get("warc-type", "")
    return rec_type if rec_type in TARGET_URI_TYPES and not fields.get("warc-target-uri") else None


def _describe(error: BaseException, stream, offset: int, gzipped: bool) -> str:
    """Name the damage: a gzip member that does not inflate, or a record that does not parse."""
    stream.seek(offset)
    start = stream.read(CHUNK)
    if gzipped:
        try:
            start = zlib.decompressobj(wbits=31).decompress(start)
        except zlib.error as inflate_error:
            return f"bad gzip member: {inflate_error}"
    if (without_uri := _type_without_target_uri(start)) is not None:
        # warcio's HTTP header parser fails on the missing URI with an AttributeError.
        return f"{without_uri} record without a WARC-Target-URI: not read"
    reason = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
    return f"unreadable record: {_printable(reason)}"


def read_file(index: ArchiveIndex, path: Path, on_progress: Callable[[int], None] | None = None) -> None:
    try:
        _FileReader(index, path, on_progress).read()
    except OSError as error:
        index.unreadable.append(path.name)
        index.problems.append(IntegrityProblem(path.name, None, f"cannot read: {error.strerror or error}"))


def read_segment(path: Path, start: int, end: int | None, name: str | None = None,
                 problems_only: bool = False) -> tuple[ArchiveIndex, int, int | None]:
    """The index of the records that start in [start, end); how many; where reading stopped.

    ``name``: the file's name in the index, when it is read under another
    (a file still being written, before its ``.open`` suffix goes).
    ``problems_only``: a :class:`ProblemsIndex`, for an integrity pass.
    """
    index = ProblemsIndex() if problems_only else ArchiveIndex()
    reader = _FileReader(index, path, None, start, end, name)
    reader.read_segment()
    return index, reader.records, reader.reached
