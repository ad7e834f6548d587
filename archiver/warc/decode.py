"""Response bodies back as the server meant them: every coding undone, within limits.

Every body the analysis reads comes through :func:`record_payload`. warcio's
``content_stream()`` has no size limit and hands back the raw bytes of a
coding it does not know; here a body that inflates past
``MAX_DECODED_BYTES`` (a decompression bomb, or a page too large to read:
``ARCHIVER_READ_MAX_SIZE`` sets the limit), a corrupt stream or an unknown
coding raises :class:`UndecodableBody` with the reason, so the report can say
why a page could not be read instead of judging an empty text.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from io import BytesIO
from types import ModuleType

from archiver.warc import DEFAULT_READ_MAX_SIZE
from archiver.warc.warcio_internals import ChunkedDataReader

# A body inflated beyond this is treated as a decompression bomb, not an
# article: extraction runs in worker processes that must not exhaust memory.
MAX_DECODED_BYTES = DEFAULT_READ_MAX_SIZE


class UndecodableBody(ValueError):
    """The stored body cannot be turned back into what the server meant; the message says why."""


class _OverLimit(UndecodableBody):
    """A body that decodes, but to more than MAX_DECODED_BYTES."""


class TooLargeToRead(UndecodableBody):
    """A stored body larger than the limit: the page was not read."""


def _limit(limit: int | None) -> int:
    # Read when called, not when defined: the setting's default is this module's constant.
    return MAX_DECODED_BYTES if limit is None else limit


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# br and zstd are optional here: scrapy pulls them in, but a body that needs a
# missing decoder should fail that one page, not the import of this module.
_brotli = _optional_module("brotli")
_zstd = _optional_module("compression.zstd") or _optional_module("backports.zstd")


# Decoders grow their output buffer by copying it: asked for the whole limit
# at once, a bomb costs twice the limit. Asked for steps of this size, and
# the steps joined at the end, a bomb costs the limit once; a page under a
# step (almost every page) is a single step, never copied.
OUTPUT_STEP = 4 * 1024 * 1024


class _Output:
    """Decoded steps of one coding, refused once they pass MAX_DECODED_BYTES."""

    def __init__(self, coding: str, limit: int | None = None) -> None:
        self.coding = coding
        self.limit = _limit(limit)
        self.parts: list[bytes] = []
        self.size = 0

    def room(self) -> int:
        """How much the next step may decode: one byte past the limit shows a bomb."""
        return min(OUTPUT_STEP, self.limit + 1 - self.size)

    def add(self, part: bytes) -> None:
        self.parts.append(part)
        self.size += len(part)
        if self.size > self.limit:
            raise _OverLimit(f"{self.coding} body inflates beyond {self.limit} bytes")

    def body(self) -> bytes:
        return b"".join(self.parts)


def _inflate(data: bytes, wbits: int, coding: str, limit: int | None = None) -> bytes:
    """Decompress zlib-family data, every gzip member, within the size limit."""
    output = _Output(coding, limit)
    while True:
        inflater = zlib.decompressobj(wbits)
        while not inflater.eof:
            room = output.room()
            try:
                part = inflater.decompress(data, room)
            except zlib.error as error:
                raise UndecodableBody(f"corrupt {coding} body: {error}") from None
            output.add(part)
            data = inflater.unconsumed_tail
            if len(part) < room and not data:  # less than asked for and no input left: the end
                break
        if not inflater.eof:
            raise UndecodableBody(f"corrupt {coding} body: truncated stream")
        data = inflater.unused_data
        # Concatenated gzip members form one body (RFC 1952); NUL padding
        # after the last member is common and harmless.
        if wbits != zlib.MAX_WBITS | 16 or not data.strip(b"\x00"):
            return output.body()


def _gunzip(data: bytes, limit: int | None = None) -> bytes:
    return _inflate(data, zlib.MAX_WBITS | 16, "gzip", limit)


def _deflate(data: bytes, limit: int | None = None) -> bytes:
    # RFC 9110 deflate is zlib-wrapped, but some servers send raw deflate.
    # A bomb in either form is the body's trouble; otherwise the zlib reading's
    # error says more than the raw reading's of the same bytes.
    try:
        return _inflate(data, zlib.MAX_WBITS, "deflate", limit)
    except _OverLimit:
        raise
    except UndecodableBody as zlib_error:
        try:
            return _inflate(data, -zlib.MAX_WBITS, "deflate", limit)
        except _OverLimit:
            raise
        except UndecodableBody:
            raise zlib_error from None


def _unbrotli(data: bytes, limit: int | None = None) -> bytes:
    if _brotli is None:
        raise UndecodableBody("brotli body, but the brotli module is not installed")
    # brotli.decompress() has no limit: a few KB inflate to gigabytes in one
    # call. The streaming decoder stops near output_buffer_limit and hands
    # out the rest on later calls with no input.
    decompressor = _brotli.Decompressor()
    output = _Output("br", limit)
    pending = data
    try:
        while True:
            part = decompressor.process(pending, output_buffer_limit=output.room())
            pending = b""
            output.add(part)
            if decompressor.is_finished():
                return output.body()
            if decompressor.can_accept_more_data():  # every byte read, the stream not ended
                raise UndecodableBody("corrupt br body: truncated stream")
            if not part:  # output held back, yet none handed out: never loop on it
                raise UndecodableBody("corrupt br body: the decoder stopped making progress")
    except _brotli.error as error:
        raise UndecodableBody(f"corrupt br body: {error or 'invalid stream'}") from None
    except TypeError:  # brotli before 1.2 has no output_buffer_limit
        raise UndecodableBody("br body, but the installed brotli module cannot decode within a "
                              "size limit: install brotli 1.2 or later") from None


def _unzstd(data: bytes, limit: int | None = None) -> bytes:
    if _zstd is None:
        raise UndecodableBody("zstd body, but no zstd module is installed")
    decompressor = _zstd.ZstdDecompressor()
    output = _Output("zstd", limit)
    pending = data
    while not decompressor.eof:
        try:
            output.add(decompressor.decompress(pending, output.room()))
        except _zstd.ZstdError as error:
            raise UndecodableBody(f"corrupt zstd body: {error}") from None
        pending = b""
        if not decompressor.eof and decompressor.needs_input:  # every byte read, the frame not ended
            raise UndecodableBody("corrupt zstd body: truncated stream")
    return output.body()


_DECODERS: dict[str, Callable[[bytes, int | None], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _deflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
_NO_CODING = frozenset({"", "identity", "none"})


def decode_body(body: bytes, content_encoding: str | None, limit: int | None = None) -> bytes:
    """Undo the Content-Encoding of an archived response body.

    Several codings ("gzip, br") were applied in the order listed, so they
    are undone from last to first. An unknown coding, a missing decoder or a
    corrupt body raises UndecodableBody saying which and why. ``limit``:
    the most bytes a coding may decode to (by default MAX_DECODED_BYTES).
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    for coding in reversed(codings):
        if coding in _NO_CODING:
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise UndecodableBody(f"unsupported Content-Encoding: {coding}")
        body = decoder(body, limit)
    return body


def record_payload(record, limit: int | None = None) -> bytes:
    """The decoded payload of a warcio response record, de-chunked where it was stored chunked.

    A stored body larger than ``limit`` raises TooLargeToRead, one that
    decodes past it UndecodableBody; nothing more than the limit is ever held.
    """
    limit = _limit(limit)
    raw = record.raw_stream.read(limit + 1)
    if len(raw) > limit:
        raise TooLargeToRead(f"the page is too large to read: its stored body is larger than {limit} bytes "
                             "(ARCHIVER_READ_MAX_SIZE)")
    http = record.http_headers
    if http is None:
        return raw
    if (http.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        # Other tools store chunked bodies as sent; a body that does not
        # parse as chunks is read as it is, as browsers and pywb do.
        raw = ChunkedDataReader(BytesIO(raw)).read()
    # A coding that inflates past the limit keeps decode_body's reason (a bomb).
    return decode_body(raw, http.get_header("Content-Encoding"), limit)
