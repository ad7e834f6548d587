"""Tests for archiver.warc.decode: every Content-Encoding undone, within limits."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from archiver.warc import decode
from archiver.warc.decode import UndecodableBody, decode_body

pytestmark = pytest.mark.fast

# --- Content-Encoding ----------------------------------------------------------

HTML = (Path(__file__).resolve().parent / "analysis_fixtures" / "news_page.html").read_bytes()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoded", "coding"),
    [
        (gzip.compress(HTML), "gzip"),
        (gzip.compress(HTML), "X-GZIP"),
        (zlib.compress(HTML), "deflate"),
        (raw_deflate(HTML), "deflate"),
        # two gzip members make one body (RFC 1952)
        (gzip.compress(HTML[:500]) + gzip.compress(HTML[500:]), "gzip"),
        (HTML, "identity"),
        (HTML, None),
        (HTML, ""),
        (gzip.compress(zlib.compress(HTML)), "deflate, gzip"),
    ],
)
def test_decode_body(encoded: bytes, coding: str | None) -> None:
    assert decode_body(encoded, coding) == HTML


def test_decode_body_brotli_after_gzip() -> None:
    brotli = pytest.importorskip("brotli")
    assert decode_body(brotli.compress(gzip.compress(HTML)), "gzip, br") == HTML


def test_decode_body_without_brotli_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "_brotli", None)
    with pytest.raises(UndecodableBody, match="brotli"):
        decode_body(b"\x0b\x02\x80hello\x03", "br")


def test_decode_body_zstd() -> None:
    if decode._zstd is None:
        pytest.skip("no zstd module")
    assert decode_body(decode._zstd.compress(HTML), "zstd") == HTML


@pytest.mark.parametrize(
    ("body", "coding", "reason"),
    [
        (b"this is not gzip at all", "gzip", r"corrupt gzip body: .*header"),
        (gzip.compress(HTML)[:200], "gzip", "corrupt gzip body: truncated stream"),
        (gzip.compress(HTML)[:-8] + b"\0" * 8, "gzip", "corrupt gzip body: .*incorrect data check"),
        (b"\xff" * 40, "deflate", "corrupt deflate body: .*header"),
        (b"not brotli", "br", "corrupt br body"),
        (HTML, "compress", "unsupported Content-Encoding: compress"),
    ],
)
def test_decode_body_failure_keeps_the_reason(body: bytes, coding: str, reason: str) -> None:
    if coding == "br" and decode._brotli is None:
        pytest.skip("no brotli module")
    with pytest.raises(UndecodableBody, match=reason):
        decode_body(body, coding)


def test_decode_body_refuses_a_decompression_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "MAX_DECODED_BYTES", 1000)
    with pytest.raises(UndecodableBody, match="beyond 1000 bytes"):
        decode_body(gzip.compress(b"\0" * 5000), "gzip")


