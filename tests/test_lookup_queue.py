"""Archived-copy lookups never hold the crawl: their own queue, budget and give-up rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.analysis.analyse import analyse
from archiver.crawl.lookups import LookupQueue
from archiver.warc import records
from archiver.warc.reader import read_archives
from tests.warcs import WarcBuilder

pytestmark = pytest.mark.fast

ARCHIVE = "https://archive.example/timegate/"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def queue(**kwargs) -> LookupQueue[str]:
    return LookupQueue(ARCHIVE, **kwargs)


def test_no_more_in_flight_than_the_archive_allows():
    q = queue(concurrency=2)
    for n in range(5):
        q.add(f"http://dead.example/{n}", f"lookup {n}")
    assert q.ready() == ["lookup 0", "lookup 1"]
    assert q.ready() == []  # two in flight
    q.answered(404)  # "no capture" is an answer, not a failure
    assert q.ready() == ["lookup 2"]


def test_one_lookup_per_link_in_a_run():
    q = queue()
    assert q.add("http://dead.example/a#top", "first")
    assert not q.add("http://dead.example/a", "again")  # the same link, whatever its fragment
    assert q.ready() == ["first"]


def test_a_name_that_does_not_resolve_stops_the_archive_at_once():
    q = queue(concurrency=1)
    for n in range(4):
        q.add(f"http://dead.example/{n}", n)
    q.ready()
    q.failed("dns_error", "DNS lookup failed: archive.example")
    assert q.ready() == []
    assert q.stop is not None and "did not resolve" in q.stop.reason and q.stop.unasked == 3
    assert not q.add("http://dead.example/later", 9)
    final = q.final_stop()
    assert final is not None and final.unasked == 4  # the three queued and the one after


def test_failures_in_a_row_stop_the_archive_and_an_answer_resets_the_count():
    q = queue(concurrency=1, max_failures=3)
    for n in range(10):
        q.add(f"http://dead.example/{n}", n)
    q.ready()
    q.failed("connection_error", "Connection refused")
    q.ready()
    q.failed("timeout", "took longer than 10 s")
    q.ready()
    q.answered(302)  # an answer: the archive is there
    q.ready()
    q.answered(503)
    q.ready()
    q.answered(429)
    assert q.stop is None
    assert q.ready() == [5]
    q.failed("timeout", "took longer than 10 s")
    assert q.ready() == []
    assert q.stop is not None
    assert q.stop.reason == "3 lookups in a row failed, the last with took longer than 10 s"
    assert q.stop.unasked == 4


def test_what_is_queued_when_the_budget_runs_out_is_not_asked():
    clock = Clock()
    q = queue(concurrency=1, budget=30.0, clock=clock)
    for n in range(3):
        q.add(f"http://dead.example/{n}", n)
    assert q.remaining() == 30.0  # counted from the first lookup sent
    clock.now += 1000
    assert q.ready() == [0]
    clock.now += 20
    assert q.remaining() == pytest.approx(10.0)
    q.answered(200)
    clock.now += 11
    assert q.ready() == []
    assert q.stop is not None and q.stop.reason == "the archive lookups' budget of 30 s ran out"
    assert q.stop.unasked == 2


def test_the_stop_is_archived_and_the_report_says_it_once(tmp_path: Path):
    with WarcBuilder(tmp_path) as warc:
        for _ in range(2):  # a resumed crawl may write it twice
            warc.writer.write([records.lookups_stopped_record(
                warc.writer.builder, ARCHIVE, "its name did not resolve (no such host)", 7, warc.moment)])
    index = read_archives([warc.path])
    assert index.problems == []
    stopped = index.lookups_stopped
    assert [(s.archive, s.reason, s.unasked) for s in stopped] == \
        [(ARCHIVE, "its name did not resolve (no such host)", 7)] * 2
    notes = [n for n in analyse(index).notes if ARCHIVE in n]
    assert len(notes) == 1
    assert "not asked again" in notes[0] and "did not resolve" in notes[0] and "7 lookup(s)" in notes[0]
