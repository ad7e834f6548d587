"""Checks on WARC files that tests share: what `warcio check` misses too."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter


def warcio_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True, text=True,
    )


def read_records(path: Path) -> list[dict]:
    """Every record of a file with its offset, headers and payload bytes."""
    out = []
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, no_record_parse=False, arc2warc=False)
        for record in iterator:
            payload = record.content_stream().read() if record.http_headers else record.raw_stream.read()
            out.append({
                "offset": iterator.get_record_offset(),
                "type": record.rec_type,
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "rec_headers": record.rec_headers,
                "http_headers": record.http_headers,
                "payload": payload,
            })
    return out


def raw_payload(path: Path, offset: int) -> tuple[bytes, bytes]:
    """(HTTP header block, body) of the record at offset, bytes as stored."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        data = stream.read()
    # One gzip member only: GzipFile would read on into the next records.
    member = zlib.decompressobj(wbits=31).decompress(data)
    _, _, block = member.partition(b"\r\n\r\n")
    head, _, body = block.partition(b"\r\n\r\n")
    return head, body.removesuffix(b"\r\n\r\n")


def stored_length_problems(path: Path) -> list[str]:
    """Response records whose HTTP Content-Length is not their payload's length."""
    problems = []
    for record in read_records(path):
        if record["type"] != "response":
            continue
        head, body = raw_payload(path, record["offset"])
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and int(value) != len(body):
                problems.append(f"{record['uri']}: Content-Length {int(value)} != {len(body)}")
    return problems


def without(source: Path, url: str, target: Path) -> Path:
    """A copy of a WARC file without the records of one URL."""
    with open(source, "rb") as inp, open(target, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for record in ArchiveIterator(inp):
            if record.rec_headers.get_header("WARC-Target-URI") != url:
                writer.write_record(record)
    return target
