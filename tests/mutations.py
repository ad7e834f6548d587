"""Damaged WARC files made from sound ones: a seeded corpus for the audit to survive.

:func:`mutants` turns a real ``.warc.gz`` (one gzip member per record) into
damaged copies: cuts at and around record and member boundaries, byte flips
in compressed and plain data, corrupt WARC headers (a 26-digit
Content-Length, a missing WARC-Target-URI, an unknown version, a header line
of a megabyte…), members out of order or repeated, junk between them, and
bombs (an HTTP body that inflates to 1 GiB, a record block of 1 GiB stored
in a megabyte). Every mutant is damaged in a way the integrity pass can
see: nothing that leaves a valid file (a cut exactly between records, a flip
of a gzip header's timestamp) is made, except the odd headers warcio reads
as valid (:data:`ODD_BUT_READABLE`), named ``-odd-`` and only to be survived.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import re
import zlib
from base64 import b32encode
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from warcio.archiveiterator import ArchiveIterator

MB = 1024 * 1024
BOMB_BYTES = 1024 * MB


@dataclass(frozen=True)
class Mutant:
    name: str  # a file name: what was done, and a number
    data: bytes


def members(blob: bytes) -> list[bytes]:
    """The gzip members of a ``.warc.gz``, one a record, as they are stored."""
    starts = []
    with io.BytesIO(blob) as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            starts.append(iterator.offset)
            iterator.read_to_end(record)
    return [blob[start:end] for start, end in zip(starts, [*starts[1:], len(blob)])]


def _recompress(plain: bytes) -> bytes:
    return gzip.compress(plain, 6)


def _header_end(plain: bytes) -> int:
    return plain.index(b"\r\n\r\n") + 4


def _sha1(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode()


def _record(headers: list[tuple[str, str]], block: bytes) -> bytes:
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return b"WARC/1.1\r\n" + lines.encode() + b"\r\n" + block + b"\r\n\r\n"


def _bomb_member(block_head: bytes, filler: bytes, count: int, uri: str, rec_type: str,
                 content_type: str = "application/http; msgtype=response") -> bytes:
    """One record, one gzip member: its block is ``block_head`` then ``count`` copies of ``filler``.

    Deflated once per piece: after a full flush the compressor starts afresh,
    so every copy of ``filler`` deflates to the same bytes, which are repeated.
    """
    length = len(block_head) + len(filler) * count
    head = _record([("WARC-Type", rec_type), ("WARC-Record-ID", f"<urn:uuid:{hashlib.md5(uri.encode()).hexdigest()}>"),
                    ("WARC-Date", "2026-11-22T10:30:15Z"), ("WARC-Target-URI", uri),
                    ("Content-Type", content_type),
                    ("Content-Length", str(length))], b"")[:-4] + block_head  # the block follows
    tail = b"\r\n\r\n"
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    piece = packer.compress(filler) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(filler, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(filler) * count + len(tail)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return (gzip_header + first + piece * count + last
            + crc.to_bytes(4, "little") + (size % (1 << 32)).to_bytes(4, "little"))


def http_body_bomb(uri: str) -> bytes:
    """A response whose HTTP body, gzip-coded, inflates to 1 GiB: about 1 MB stored."""
    spaces = gzip.compress(b" " * MB, 9)
    body = gzip.compress(b"<html><body><p>", 9) + spaces * (BOMB_BYTES // MB)
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    return _recompress(_record([("WARC-Type", "response"), ("WARC-Record-ID", "<urn:uuid:bomb-http>"),
                                ("WARC-Date", "2026-11-22T10:30:15Z"), ("WARC-Target-URI", uri),
                                ("WARC-Block-Digest", _sha1(http)),
                                ("Content-Type", "application/http; msgtype=response"),
                                ("Content-Length", str(len(http)))], http))


def block_bomb(uri: str) -> bytes:
    """A response whose plain HTML body is 1 GiB of spaces: one gzip member of about 1 MB."""
    http_head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % (BOMB_BYTES + 15)
    return _bomb_member(http_head + b"<html><body><p>", b" " * MB, BOMB_BYTES // MB, uri, "response")


# Corruptions of one record's WARC header; each leaves something the reader must see.
HEADER_CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "length-26-digits": lambda h: re.sub(rb"Content-Length: \d+", b"Content-Length: " + b"9" * 26, h),
    "length-negative": lambda h: re.sub(rb"Content-Length: \d+", b"Content-Length: -5", h),
    "length-words": lambda h: re.sub(rb"Content-Length: \d+", b"Content-Length: lots", h),
    "length-short": lambda h: re.sub(rb"Content-Length: (\d+)",
                                     lambda m: b"Content-Length: %d" % max(0, int(m.group(1)) - 7), h),
    "length-long": lambda h: re.sub(rb"Content-Length: (\d+)",
                                    lambda m: b"Content-Length: %d" % (int(m.group(1)) + 50), h),
    "no-length": lambda h: re.sub(rb"Content-Length: \d+\r\n", b"", h),
    "no-target-uri": lambda h: re.sub(rb"WARC-Target-URI: [^\r]*\r\n", b"", h),
    "no-type": lambda h: re.sub(rb"WARC-Type: [^\r]*\r\n", b"", h),
    "no-date": lambda h: re.sub(rb"WARC-Date: [^\r]*\r\n", b"", h),
    "unknown-version": lambda h: h.replace(b"WARC/1.1", b"WARC/9.9", 1).replace(b"WARC/1.0", b"WARC/9.9", 1),
    "no-version": lambda h: h.split(b"\r\n", 1)[1],
    "megabyte-line": lambda h: h.replace(b"\r\n", b"\r\nX-Junk: " + b"j" * MB + b"\r\n", 1),
    "binary-header": lambda h: h.replace(b"\r\n", b"\r\n\x00\xff\xfe: \x80\x81\r\n", 1),
    "no-colons": lambda h: h.replace(b": ", b" ", 3),
    "lf-only": lambda h: h.replace(b"\r\n", b"\n"),
}


# Hostile, but a WARC reader may take them as they are: LF line ends (warcio
# forgives them), a field of binary junk, a field of a megabyte.
ODD_BUT_READABLE = frozenset({"lf-only", "binary-header", "megabyte-line"})
ODD = "-odd-"


def _flip(data: bytearray, rng: random.Random, start: int, end: int, count: int) -> None:
    for _ in range(count):
        at = rng.randrange(start, end)
        data[at] ^= rng.randrange(1, 256)


def mutants(blob: bytes, seed: int, count: int) -> Iterator[Mutant]:
    """``count`` damaged copies of a sound ``.warc.gz`` and of its uncompressed form."""
    rng = random.Random(seed)
    stored = members(blob)
    plains = [gzip.decompress(m) for m in stored]
    plain_blob = b"".join(plains)
    member_starts = [sum(map(len, stored[:k])) for k in range(len(stored))]
    plain_starts = [sum(map(len, plains[:k])) for k in range(len(plains))]
    makers: list[Callable[[], tuple[str, bytes]]] = []

    def near_boundary(compressed: bool) -> tuple[str, bytes]:
        data, starts = (blob, member_starts) if compressed else (plain_blob, plain_starts)
        boundary = rng.choice([*starts[1:], len(data)])
        cut = boundary + rng.choice([-9, -8, -5, -3, -2, -1, 1, 2, 3, 10, 30])
        cut = min(max(cut, 1), len(data) - 1)
        if cut in starts:
            cut -= 1
        return f"cut-near-boundary-at-{cut}.warc{'.gz' if compressed else ''}", data[:cut]

    def anywhere(compressed: bool) -> tuple[str, bytes]:
        data, starts = (blob, member_starts) if compressed else (plain_blob, plain_starts)
        cut = rng.randrange(1, len(data))
        while cut in starts:
            cut = rng.randrange(1, len(data))
        return f"cut-at-{cut}.warc{'.gz' if compressed else ''}", data[:cut]

    def flip_compressed() -> tuple[str, bytes]:
        k = rng.randrange(len(stored))
        member = bytearray(stored[k])
        # Past the 10-byte gzip header (whose timestamp and OS byte nobody checks).
        _flip(member, rng, 10, len(member), rng.choice([1, 1, 2, 8]))
        return f"flip-member-{k}.warc.gz", b"".join([*stored[:k], bytes(member), *stored[k + 1:]])

    def flip_block() -> tuple[str, bytes]:
        # Inside a record's block, which its WARC-Block-Digest covers.
        candidates = [k for k, p in enumerate(plains) if b"WARC-Block-Digest" in p[:_header_end(p)]
                      and len(p) - 4 > _header_end(p)]
        k = rng.choice(candidates)
        plain = bytearray(plains[k])
        _flip(plain, rng, _header_end(plains[k]), len(plain) - 4, rng.choice([1, 3]))
        compressed = rng.random() < 0.5
        parts = [*plains[:k], bytes(plain), *plains[k + 1:]]
        if compressed:
            data = b"".join([*stored[:k], _recompress(bytes(plain)), *stored[k + 1:]])
        else:
            data = b"".join(parts)
        return f"flip-block-{k}.warc{'.gz' if compressed else ''}", data

    def corrupt_header() -> tuple[str, bytes]:
        name = rng.choice(sorted(HEADER_CORRUPTIONS))
        k = rng.randrange(1, len(plains))  # past the warcinfo: any record
        end = _header_end(plains[k])
        head = HEADER_CORRUPTIONS[name](plains[k][:end])
        plain = head + plains[k][end:]
        if name == "no-target-uri" and b"WARC-Type: metadata\r\n" in head:
            plain = plains[k]  # WARC/1.1: a metadata record may name no URI, so that is no damage
        if plain == plains[k]:  # the record lacked what was to be corrupted: take its type line
            plain = HEADER_CORRUPTIONS["no-type"](plains[k][:end]) + plains[k][end:]
        compressed = rng.random() < 0.5
        if compressed:
            data = b"".join([*stored[:k], _recompress(plain), *stored[k + 1:]])
        else:
            data = b"".join([*plains[:k], plain, *plains[k + 1:]])
        kind = "odd-header" if name in ODD_BUT_READABLE else "header"
        return f"{kind}-{name}-{k}.warc{'.gz' if compressed else ''}", data

    def reorder() -> tuple[str, bytes]:
        kind = rng.choice(["junk-between", "junk-gzip-between", "half-member-between"])
        k = rng.randrange(1, len(stored))
        if kind == "junk-between":
            extra = bytes(rng.randrange(256) for _ in range(rng.choice([1, 17, 500])))
        elif kind == "junk-gzip-between":
            extra = gzip.compress(b"not a WARC record at all\r\n\r\n")
        else:
            extra = stored[rng.randrange(len(stored))][: rng.randrange(3, 40)]
        return f"{kind}-{k}.warc.gz", b"".join([*stored[:k], extra, *stored[k:]])

    makers += [lambda: near_boundary(True), lambda: near_boundary(False), lambda: anywhere(True),
               lambda: anywhere(False), flip_compressed, flip_block, flip_block, corrupt_header,
               corrupt_header, corrupt_header, reorder]
    made: set[str] = set()
    number = 0
    while len(made) < count:
        name, data = rng.choice(makers)()
        if name in made:
            continue
        made.add(name)
        number += 1
        yield Mutant(f"{number:03d}-{name}", data)


def seed_bomb() -> bytes:
    """An archived seed (our ``urn:archiver:seed:`` resource) of 1 GiB: one member of about 1 MB."""
    return _bomb_member(b"https://news.example/a\n", b" " * MB, BOMB_BYTES // MB,
                        "urn:archiver:seed:huge.txt", "resource", "text/plain")


def metadata_bomb(uri: str) -> bytes:
    """One of our failure metadata records, of 1 GiB."""
    return _bomb_member(b"fetch-failure: timeout\r\n", b" " * MB, BOMB_BYTES // MB, uri, "metadata",
                        "application/warc-fields")


def bombs(blob: bytes, bomb_uri: str) -> list[Mutant]:
    """A sound archive with a bomb added: an HTTP body, a record block, a seed and a metadata record of 1 GiB."""
    return [Mutant("901-bomb-http-body.warc.gz", blob + http_body_bomb(bomb_uri)),
            Mutant("902-bomb-record-block.warc.gz", blob + block_bomb(bomb_uri)),
            Mutant("903-bomb-seed-record.warc.gz", blob + seed_bomb()),
            Mutant("904-bomb-metadata-record.warc.gz", blob + metadata_bomb("urn:archiver:article:" + bomb_uri))]
