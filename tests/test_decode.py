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


# --- decoding in steps, within the limit ----------------------------------------------


def encoders() -> dict[str, tuple[str, object]]:
    """Content-Encoding -> (coding, compress function), for the modules installed."""
    found = {
        "gzip": ("gzip", gzip.compress),
        "deflate": ("deflate", zlib.compress),
        "raw deflate": ("deflate", raw_deflate),
        "two gzip members": ("gzip", lambda data: gzip.compress(data[:3000]) + gzip.compress(data[3000:])),
    }
    if decode._brotli is not None:
        found["br"] = ("br", decode._brotli.compress)
    if decode._zstd is not None:
        found["zstd"] = ("zstd", decode._zstd.compress)
    return found


@pytest.mark.fast
@pytest.mark.parametrize("name", list(encoders()))
def test_a_body_decoded_in_many_steps_is_whole(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(decode, "OUTPUT_STEP", 100)
    coding, compress = encoders()[name]
    body = HTML * 4
    assert len(body) > 100 * decode.OUTPUT_STEP
    assert decode_body(compress(body), coding) == body


@pytest.mark.fast
@pytest.mark.parametrize("name", list(encoders()))
def test_every_coding_refuses_a_body_past_the_limit(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(decode, "OUTPUT_STEP", 100)
    monkeypatch.setattr(decode, "MAX_DECODED_BYTES", len(HTML) - 1)
    coding, compress = encoders()[name]
    with pytest.raises(UndecodableBody, match=f"^{coding} body inflates beyond {len(HTML) - 1} bytes$"):
        decode_body(compress(HTML), coding)
    monkeypatch.setattr(decode, "MAX_DECODED_BYTES", len(HTML))  # exactly at the limit is allowed
    assert decode_body(compress(HTML), coding) == HTML


@pytest.mark.fast
@pytest.mark.parametrize("name", ["gzip", "br", "zstd"])
def test_a_truncated_stream_is_named_in_small_steps(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(decode, "OUTPUT_STEP", 100)
    if name not in encoders():
        pytest.skip(f"no {name} module")
    coding, compress = encoders()[name]
    with pytest.raises(UndecodableBody, match=f"corrupt {coding} body"):
        decode_body(compress(HTML)[: len(compress(HTML)) // 2], coding)


@pytest.mark.fast
def test_a_brotli_bomb_is_refused_without_inflating_it_all() -> None:
    brotli = pytest.importorskip("brotli")
    compressor = brotli.Compressor(quality=5)
    chunk = bytes(1 << 20)
    # 1 GiB of zeros in about 2 KB: brotli.decompress() would build all of it.
    bomb = b"".join(compressor.process(chunk) for _ in range(1024)) + compressor.finish()
    assert len(bomb) < 10_000
    with pytest.raises(UndecodableBody, match=f"br body inflates beyond {decode.MAX_DECODED_BYTES} bytes"):
        decode_body(bomb, "br")
