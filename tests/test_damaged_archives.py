"""A crawl's WARC cut anywhere inside a record is always reported.

A file cut inside a record's WARC header, its HTTP header, its body or a
gzip member's trailer, or only a few bytes long, gzipped or not: the
integrity pass names the file and the offset. A cut exactly between two
records leaves a valid, shorter file, and nothing is reported.
"""

from __future__ import annotations

import gzip
import io
import random
import re
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc import segments
from archiver.warc.reader import read_archives
from tests.conftest import PROJECT, run_crawl
from tests.site import ARTICLE_PATH


def record_starts(blob: bytes) -> set[int]:
    """Offsets where records start, and the end: the cuts that leave a valid file."""
    with io.BytesIO(blob) as stream:
        iterator = ArchiveIterator(stream)
        starts = {0}
        for _ in iterator:
            starts.add(iterator.offset)
    return starts | {len(blob)}


@pytest.fixture(scope="module")
def crawl(site, tmp_path_factory):
    """Two real crawls of the fixture site: one page alone (a small file), and an article with its links."""
    root = tmp_path_factory.mktemp("damaged")
    small_seeds = root / "one.txt"
    small_seeds.write_text(site.url(ARTICLE_PATH) + "\n")
    small = run_crawl(small_seeds, root / "small", {"ARCHIVER_DEPTH": "0", "ARCHIVER_SOFT404_PROBES": "False"})
    assert small.returncode == 0, small.log
    big_seeds = root / "article.txt"
    big_seeds.write_text(site.url(ARTICLE_PATH) + "\n")
    big = run_crawl(big_seeds, root / "big")
    assert big.returncode == 0, big.log
    [small_warc] = small.warcs
    [big_warc] = big.warcs
    return small_warc, big_warc


def problems_after_cut(blob: bytes, cut: int, path) -> list:
    path.write_bytes(blob[:cut])
    return read_archives([path]).problems


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_every_cut_of_a_small_file_is_reported(crawl, tmp_path, compressed):
    small_warc, _ = crawl
    blob = small_warc.read_bytes() if compressed else gzip.decompress(small_warc.read_bytes())
    assert read_archives([small_warc]).problems == []
    boundaries = record_starts(blob)
    assert len(boundaries) > 6  # warcinfo, seed, article, robots.txt and page exchanges
    target = tmp_path / ("cut.warc.gz" if compressed else "cut.warc")
    silent = [cut for cut in range(1, len(blob))
              if cut not in boundaries and not problems_after_cut(blob, cut, target)]
    assert silent == []
    # A cut between two records is a valid, shorter file.
    for cut in sorted(boundaries - {0}):
        assert problems_after_cut(blob, cut, target) == [], cut


def test_hundreds_of_cuts_of_a_bigger_file_are_reported(crawl, tmp_path, monkeypatch):
    _, big_warc = crawl
    blob = big_warc.read_bytes()
    boundaries = record_starts(blob)
    cuts = sorted(random.Random(20200206).sample(sorted(set(range(1, len(blob))) - boundaries), 300))
    target = tmp_path / "cut.warc.gz"
    silent = [cut for cut in cuts if not problems_after_cut(blob, cut, target)]
    assert silent == []
    # Read in segments on two cores, as a big file is: the same answer.
    monkeypatch.setattr(segments, "SEGMENT_BYTES", 4_000)
    monkeypatch.setattr(segments, "PARALLEL_MIN_BYTES", 0)
    for cut in cuts[::60]:
        target.write_bytes(blob[:cut])
        assert read_archives([target], workers=2).problems, cut


def audit_integrity(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archiver.cli", "audit", "--integrity-only", *map(str, paths)],
                          cwd=PROJECT, capture_output=True, text=True, timeout=120)


def test_archiver_audit_names_the_file_and_offset(crawl, tmp_path):
    small_warc, _ = crawl
    blob = small_warc.read_bytes()
    plain = gzip.decompress(blob)
    starts = sorted(record_starts(plain) - {0, len(plain)})
    inside_header = starts[1] + 20  # inside the second record's WARC header
    files = {
        "header.warc": plain[:inside_header],
        "body.warc": plain[:-10],
        "trailer.warc.gz": blob[:-3],  # the last gzip member's size field
        "fragment.warc.gz": blob[:100],
        "three.warc.gz": blob[:3],
        "fragment.warc": plain[:100],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = audit_integrity(*(tmp_path / name for name in files))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for name in files:
        assert f"{name}\n  " in result.stdout, (name, result.stdout)
    assert f"header.warc\n  offset {starts[1]}: truncated or malformed WARC header" in result.stdout
    # Each file alone: exit 1 and its name.
    for name in ("trailer.warc.gz", "three.warc.gz"):
        alone = audit_integrity(tmp_path / name)
        assert alone.returncode == 1 and name in alone.stdout, alone.stdout


@pytest.mark.fast
@pytest.mark.parametrize("damage", [b"Content-Length: lots", b"Content-Length: 99999999999999999999999999",
                                    b"Content-Length: 3"])
def test_an_uncompressed_file_is_read_on_after_a_damaged_record(tmp_path, damage):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=False)
    offsets = []
    for n in range(5):
        offsets.append(stream.tell())
        body = b"<html><p>page %d</p></html>" % n
        writer.write_record(writer.create_warc_record(
            f"http://x.example/{n}", "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
    data = stream.getvalue()
    head = data[offsets[2]:data.index(b"\r\n\r\n", offsets[2])]
    damaged = re.sub(rb"Content-Length: \d+", damage, head)
    path = tmp_path / "damaged.warc"
    path.write_bytes(data[:offsets[2]] + damaged + data[offsets[2] + len(head):])
    index = read_archives([path])
    assert index.problems
    assert min(p.offset for p in index.problems if p.offset is not None) >= offsets[2]
    # the records after the damaged one are read, as they would be after a bad gzip member
    for n in (0, 1, 3, 4):
        assert index.capture(f"http://x.example/{n}") is not None, n


@pytest.mark.fast
@pytest.mark.parametrize("rec_type", ["response", "resource", "request", "revisit", "metadata"])
def test_a_record_without_its_target_uri_is_a_problem_where_the_standard_wants_one(tmp_path, rec_type):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=False)
    offsets = []
    for n in range(3):
        offsets.append(stream.tell())
        kind = rec_type if n == 1 else "response"
        body = b"GET /1 HTTP/1.1\r\nHost: x.example\r\n\r\n" if kind == "request" else b"<p>page %d</p>" % n
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"http://x.example/{n}", kind, payload=io.BytesIO(body), length=len(body),
            http_headers=http if kind in ("response", "revisit") else None,
            warc_content_type="text/html" if kind not in ("response", "revisit") else None))
    data = stream.getvalue()
    path = tmp_path / "no-uri.warc"
    path.write_bytes(data[:offsets[1]]
                     + re.sub(rb"WARC-Target-URI: [^\r]*\r\n", b"", data[offsets[1]:offsets[2]]) + data[offsets[2]:])
    index = read_archives([path])
    problems = [(p.offset, p.problem) for p in index.problems]
    if rec_type == "metadata":  # WARC/1.1: a metadata record may name no URI
        assert problems == []
    else:
        assert problems == [(offsets[1], f"{rec_type} record without a WARC-Target-URI: not read")]
    for n in (0, 2):
        assert index.capture(f"http://x.example/{n}") is not None, n
    assert index.capture("") is None


@pytest.mark.fast
def test_a_failure_record_without_its_target_uri_is_a_problem_not_a_failure_of_no_url(tmp_path):
    from warcio.warcwriter import WARCWriter

    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=False)
    body = b"fetch-failure: timeout\r\nerror-message: took too long\r\n"
    writer.write_record(writer.create_warc_record(
        "", "metadata", payload=io.BytesIO(body), length=len(body), warc_content_type="application/warc-fields"))
    path = tmp_path / "failure.warc"
    path.write_bytes(re.sub(rb"WARC-Target-URI: [^\r]*\r\n", b"", stream.getvalue()))
    index = read_archives([path])
    assert [(p.offset, p.problem) for p in index.problems] == [
        (0, "metadata record of a fetch failure (timeout) without a WARC-Target-URI: not read")]
    assert index.failures == {}
