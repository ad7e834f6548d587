"""Response bodies back as the server meant them: every coding undone, within limits.

Every body the analysis reads comes through :func:`record_payload`. warcio's
``content_stream()`` has no size limit and hands back the raw bytes of a
coding it does not know; here a body that inflates past
``MAX_DECODED_BYTES`` (a decompression bomb), a corrupt stream or an unknown
coding raises :class:`UndecodableBody` with the reason, so the report can say
why a page could not be read instead of judging an empty text.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from io import BytesIO
from types import ModuleType

from archiver.warc.warcio_internals import ChunkedDataReader

# A body inflated beyond this is treated as a decompression bomb, not an
# article: extraction runs in worker processes that must not exhaust memory.
MAX_DECODED_BYTES = 64 * 1024 * 1024

class UndecodableBody(ValueError):
    """The stored body cannot be turned back into what the server meant; the message says why."""


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# br and zstd are optional here: scrapy pulls them in, but a body that needs a
# missing decoder should fail that one page, not the import of this module.
_brotli = _optional_module("brotli")
_zstd = _optional_module("compression.zstd") or _optional_module("backports.zstd")


def _inflate(data: bytes, wbits: int, coding: str) -> bytes:
    """Decompress zlib-family data, every gzip member, within the size limit."""
    out = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(data, MAX_DECODED_BYTES + 1 - len(out))
        except zlib.error as error:
            raise UndecodableBody(f"corrupt {coding} body: {error}") from None
        if len(out) > MAX_DECODED_BYTES:
            raise UndecodableBody(f"{coding} body inflates beyond {MAX_DECODED_BYTES} bytes")
        if not inflater.eof:
            raise UndecodableBody(f"corrupt {coding} body: truncated stream")
        data = inflater.unused_data
        # Concatenated gzip members form one body (RFC 1952); NUL padding
        # after the last member is common and harmless.
        if wbits != zlib.MAX_WBITS | 16 or not data.strip(b"\x00"):
            return bytes(out)


def _gunzip(data: bytes) -> bytes:
    return _inflate(data, zlib.MAX_WBITS | 16, "gzip")


def _deflate(data: bytes) -> bytes:
    # RFC 9110 deflate is zlib-wrapped, but some servers send raw deflate.
    try:
        return _inflate(data, zlib.MAX_WBITS, "deflate")
    except UndecodableBody as zlib_error:
        try:
            return _inflate(data, -zlib.MAX_WBITS, "deflate")
        except UndecodableBody:
            raise zlib_error from None


def _unbrotli(data: bytes) -> bytes:
    if _brotli is None:
        raise UndecodableBody("brotli body, but the brotli module is not installed")
    try:
        out = _brotli.decompress(data)
    except _brotli.error as error:
        raise UndecodableBody(f"corrupt br body: {error or 'invalid stream'}") from None
    if len(out) > MAX_DECODED_BYTES:
        raise UndecodableBody(f"br body inflates beyond {MAX_DECODED_BYTES} bytes")
    return out


def _unzstd(data: bytes) -> bytes:
    if _zstd is None:
        raise UndecodableBody("zstd body, but no zstd module is installed")
    decompressor = _zstd.ZstdDecompressor()
    try:
        out = decompressor.decompress(data, MAX_DECODED_BYTES + 1)
    except _zstd.ZstdError as error:
        raise UndecodableBody(f"corrupt zstd body: {error}") from None
    if len(out) > MAX_DECODED_BYTES:
        raise UndecodableBody(f"zstd body inflates beyond {MAX_DECODED_BYTES} bytes")
    if not decompressor.eof:
        raise UndecodableBody("corrupt zstd body: truncated stream")
    return out


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _deflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
_NO_CODING = frozenset({"", "identity", "none"})


def decode_body(body: bytes, content_encoding: str | None) -> bytes:
    """Undo the Content-Encoding of an archived response body.

    Several codings ("gzip, br") were applied in the order listed, so they
    are undone from last to first. An unknown coding, a missing decoder or a
    corrupt body raises UndecodableBody saying which and why.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    for coding in reversed(codings):
        if coding in _NO_CODING:
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise UndecodableBody(f"unsupported Content-Encoding: {coding}")
        body = decoder(body)
    return body


def record_payload(record) -> bytes:
    """The decoded payload of a warcio response record, de-chunked where it was stored chunked."""
    raw = record.raw_stream.read(MAX_DECODED_BYTES + 1)
    if len(raw) > MAX_DECODED_BYTES:
        raise UndecodableBody(f"stored body is larger than {MAX_DECODED_BYTES} bytes")
    http = record.http_headers
    if http is None:
        return raw
    if (http.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        # Other tools store chunked bodies as sent; a body that does not
        # parse as chunks is read as it is, as browsers and pywb do.
        raw = ChunkedDataReader(BytesIO(raw)).read()
    return decode_body(raw, http.get_header("Content-Encoding"))
