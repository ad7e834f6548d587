"""Reading a WARC in segments on several cores gives what one sequential read gives."""

import datetime
import os

import pytest

from archiver.warc import segments, vocab
from archiver.warc.reader import read_archives
from archiver.warc.records import HttpExchange, exchange_records, failure_record, json_metadata_record
from archiver.warc.writer import RollingWarcWriter
from tests.warcs import html_exchange

pytestmark = pytest.mark.fast

MOMENT = datetime.datetime(2026, 11, 22, 10, 30, 15, tzinfo=datetime.UTC)


def page(n: int) -> HttpExchange:
    body = (f"<html><title>page {n}</title><p>" + f"word{n} " * 300 + "</p></html>").encode()
    return html_exchange(f"http://news.example/{n}", body, status=200 if n % 7 else 404,
                         content_type="text/html", moment=MOMENT)


@pytest.fixture
def warc(tmp_path):
    writer = RollingWarcWriter(tmp_path, "seg", 10**9, {"software": "tests"})
    for n in range(300):
        writer.write(exchange_records(writer.builder, page(n)))
        if n % 50 == 0:
            writer.write([failure_record(writer.builder, f"http://gone.example/{n}", "dns_error",
                                         error="DNSLookupError", message="no host", attempt=1, moment=MOMENT)])
    writer.close()
    [path] = writer.closed_files
    return path


@pytest.fixture
def small_segments(monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_BYTES", 20_000)
    monkeypatch.setattr(segments, "PARALLEL_MIN_BYTES", 0)


def summary(index):
    return (sorted((k, [(c.url, c.status, c.location.offset, c.payload_digest) for c in v])
                   for k, v in index.captures.items()),
            sorted((k, [(f.url, f.kind, f.location.offset) for f in v]) for k, v in index.failures.items()),
            [(p.filename, p.offset, p.problem) for p in index.problems], index.unreadable)


def test_cuts_fall_on_record_starts(warc, small_segments):
    plan = segments.plan([warc], 2)
    assert len(plan) > 5
    offsets = {c.location.offset for cs in read_archives([warc]).captures.values() for c in cs}
    for segment in plan[1:]:
        with open(warc, "rb") as stream:
            assert segments._inflates_to_warc(stream, segment.start)
        # every cut is a request or response record start (pairs are written together)
        assert segment.start in offsets or any(0 < o - segment.start < 400 for o in offsets)


def test_parallel_read_equals_sequential_read(warc, small_segments):
    assert summary(read_archives([warc], workers=2)) == summary(read_archives([warc], workers=1))
    assert sum(len(v) for v in read_archives([warc], workers=2).captures.values()) == 300


def damage(path, at: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[at:at + len(data)] = data
    path.write_bytes(bytes(raw))


def test_damage_is_reported_the_same_in_parallel(warc, small_segments):
    size = warc.stat().st_size
    damage(warc, size // 3, b"\x00" * 40)      # a member that no longer inflates
    damage(warc, 2 * size // 3, b"\xff" * 8)
    sequential = summary(read_archives([warc], workers=1))
    assert sequential[2], "the damage must show"
    assert summary(read_archives([warc], workers=2)) == sequential


def test_a_cut_that_is_not_a_record_start_falls_back_to_one_piece(warc, small_segments, monkeypatch):
    real = segments.cuts

    def wrong(path, size):
        return [c + 5 if i == 2 else c for i, c in enumerate(real(path, size))]

    monkeypatch.setattr(segments, "cuts", wrong)
    assert summary(read_archives([warc], workers=2)) == summary(read_archives([warc], workers=1))


def test_many_files_and_an_unreadable_one(warc, small_segments, tmp_path):
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(os.urandom(5000))
    assert summary(read_archives([warc, junk], workers=2)) == summary(read_archives([warc, junk], workers=1))
    assert read_archives([warc, junk], workers=2).unreadable == ["junk.warc.gz"]


def test_an_integrity_pass_keeps_the_problems_and_nothing_else(warc, small_segments):
    """``problems_only`` (``audit --integrity-only``) checks what a full read checks."""
    writer = RollingWarcWriter(warc.parent, "art", 10**9, {"software": "tests"})
    writer.write([json_metadata_record(writer.builder, vocab.ARTICLE_URN + "http://news.example/1",
                                       ["not", "an article"], MOMENT)])
    writer.write(exchange_records(writer.builder, page(1)))
    writer.close()
    [articles] = writer.closed_files
    size = warc.stat().st_size
    damage(warc, size // 2, b"\x00" * 40)
    full = read_archives([warc, articles], workers=1)
    problems = [(p.filename, p.offset, p.problem) for p in full.problems]
    assert any("not a JSON object" in p for _, _, p in problems) and len(problems) >= 2
    for workers in (1, 2):
        kept = read_archives([warc, articles], workers=workers, problems_only=True)
        assert [(p.filename, p.offset, p.problem) for p in kept.problems] == problems
        assert not kept.captures and not kept.failures and not kept.articles
