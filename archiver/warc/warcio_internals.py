"""warcio's undocumented parts that the archive code relies on, in one place.

warcio documents ``StatusAndHeaders``, ``ArchiveIterator`` and ``WARCWriter``
(its API reference) and the record fields its README reads (``rec_type``,
``rec_headers``, ``http_headers``, ``raw_stream``). What follows is not
documented and may change in any release: pyproject.toml bounds warcio
below its next minor version, and tests/test_library_internals.py checks
each piece by name.

Defined or imported here (the rest of the package imports them from here):

- :class:`RawHttpHeaders` relies on ``WARCWriter`` calling
  ``StatusAndHeaders.compute_headers_buffer()`` before it digests and
  writes a record, and writing the ``headers_buff`` it sets.
- ``warcio.bufferedreaders.ChunkedDataReader`` de-chunks a body stored
  chunked by another tool, falling back to the bytes as they are when they
  do not parse as chunks (as browsers and pywb read them); so does
  :func:`entity_digest_matches` before it digests the body.
- ``warcio.exceptions.ArchiveLoadFailed``: what ``ArchiveIterator`` raises
  at a record it cannot parse.
- ``warcio.timeutils.datetime_to_iso_date`` and ``iso_date_to_timestamp``:
  WARC-Date as warcio writes it, and the 14-digit timestamp of a CDXJ line
  as cdxj-indexer computes it.

Read in place, where a wrapper would only rename them:

- ``ArchiveIterator.offset`` (archiver/warc/filereader.py,
  archiver/crawl/resume.py): where the iterator stands, that is, the start
  of the record it just yielded, before that record is read.
  ``get_record_offset()`` would read the record to its end first, and the
  reader reads the record after it knows where it starts.
- ``ArcWarcRecord.digest_checker`` with ``passed`` and ``problems``
  (filereader.py): what ``ArchiveIterator(check_digests=True)`` found, the
  way ``warcio check`` reads it.
- ``StatusAndHeaders.total_len`` (filereader.py): the length of the HTTP
  header block as parsed, to tell a truncated record from a whole one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import BinaryIO

from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date, iso_date_to_timestamp

__all__ = ["ArchiveLoadFailed", "ChunkedDataReader", "RawHttpHeaders", "datetime_to_iso_date",
           "entity_digest_matches", "iso_date_to_timestamp"]

READ_SIZE = 1 << 16


def entity_digest_matches(chunked_body: BinaryIO, declared: str) -> bool:
    """Whether ``declared`` is the digest of a chunked body with its chunk framing removed.

    WARC/1.1 (6.3.2) defines an HTTP response's payload as its entity-body
    with any transfer-encoding removed, and warcprox digests it so; warcio
    (``warcio check``) and wget digest the bytes as stored (warcio issue 75).
    Either is a sound record.
    """
    algorithm, _, value = declared.partition(":")
    try:
        digester = hashlib.new(algorithm.strip().lower())
    except ValueError:  # an unknown algorithm: warcio has said so already
        return False
    expected = _digest_bytes(value.strip(), digester.digest_size)
    if expected is None:
        return False
    body = ChunkedDataReader(chunked_body)
    while block := body.read(READ_SIZE):
        digester.update(block)
    return digester.digest() == expected


def _digest_bytes(value: str, size: int) -> bytes | None:
    """A digest value in any encoding of RFC 4648 that WARC writers use: base32, hex or base64.

    Only one of them decodes to the algorithm's digest size.
    """
    for decode in (base64.b32decode, bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(value)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == size:
            return raw
    return None


class RawHttpHeaders(StatusAndHeaders):
    """HTTP headers that serialise to the bytes that crossed the wire.

    warcio percent-encodes header values that are not ASCII; that changes
    what the server sent, so values are kept as latin-1 text (one character
    per byte) and encoded back the same way.
    """

    def compute_headers_buffer(self, header_filter=None):  # noqa: ARG002 - warcio's signature
        self.headers_buff = self.to_bytes(encoding="latin-1")
