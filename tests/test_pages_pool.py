"""Pages are examined in-process unless their work pays for spawned helpers; either way, the same results."""

import datetime
import time

import pytest

from archiver.analysis import pages
from archiver.analysis.pages import PageJob, examine_all
from archiver.warc.reader import read_archives
from archiver.warc.records import HttpExchange, exchange_records
from archiver.warc.writer import RollingWarcWriter
from tests.warcs import html_exchange

MOMENT = datetime.datetime(2026, 12, 1, 22, 0, 0, tzinfo=datetime.UTC)


def page(n: int) -> HttpExchange:
    body = (f"<html><head><title>Story {n}</title></head><body><h1>Story {n}</h1>"
            f"<p>Published on 2020-03-0{n % 9 + 1}. " + f"The council met again about item {n}. " * 40 +
            f"<a href='/other/{n}'>other</a></p></body></html>").encode()
    return html_exchange(f"http://news.example/{n}", body, moment=MOMENT)


@pytest.fixture
def jobs(tmp_path):
    writer = RollingWarcWriter(tmp_path, "pool", 10**9, {"software": "tests"})
    for n in range(40):
        writer.write(exchange_records(writer.builder, page(n)))
    writer.close()
    index = read_archives(writer.closed_files)
    return [PageJob(str(index.path_of(c.location)), c.location.offset, c.url,
                    want_links=n % 3 == 0, want_text=n % 2 == 0)
            for n, c in enumerate(sorted((cs[-1] for cs in index.captures.values()), key=lambda c: c.url))]


@pytest.mark.fast
def test_cheap_pages_spawn_no_worker(jobs, monkeypatch):
    cheap = [PageJob(j.path, j.offset, j.url, want_text=False) for j in jobs]
    assert pages.estimated_seconds(cheap) < pages.SPAWN_FROM_SECONDS

    def no_pool(workers):
        raise AssertionError("a worker was spawned for pages judged from their markup")

    monkeypatch.setattr(pages, "worker_pool", no_pool)
    results = examine_all(cheap, workers=2)
    assert len(results) == len(cheap)
    assert all(r.facts is not None and r.facts.title for r in results.values())


def test_helpers_and_the_caller_give_the_in_process_results(jobs, monkeypatch):
    alone = examine_all(jobs, workers=1)
    monkeypatch.setattr(pages, "SPAWN_FROM_SECONDS", 0.0)  # spawn whatever the work
    monkeypatch.setattr(pages, "CHUNK_PAGES", 2)  # many chunks: the caller and the helper both take some
    done_here = []
    examine = pages.examine

    def slowly(job):
        # This process only (the helper imports the module afresh): the helper
        # has time to start and take chunks from the other end.
        time.sleep(0.2)
        done_here.append(job)
        return examine(job)

    monkeypatch.setattr(pages, "examine", slowly)
    shared = examine_all(jobs, workers=2)
    assert shared == alone
    assert 0 < len(done_here) < len(jobs)  # both worked
    assert any(r.links for r in shared.values())  # the article pages' links came back
