"""The writer's read-back gives the index that reading the closed files gives (archiver.warc.readback)."""

import datetime

import pytest

from archiver.analysis import analyse as analysis
from archiver.analysis.pages import ExamineAhead, PageJob, examine, examine_all
from archiver.warc import OPEN_SUFFIX
from archiver.warc.readback import ReadBack
from archiver.warc.reader import read_archives
from archiver.warc.records import HttpExchange, exchange_records, failure_record, resource_record
from archiver.warc.writer import RollingWarcWriter
from tests.warcs import html_exchange

pytestmark = pytest.mark.fast

MOMENT = datetime.datetime(2026, 12, 1, 22, 0, 0, tzinfo=datetime.UTC)


def page(n: int) -> HttpExchange:
    body = (f"<html><title>page {n}</title><p>" + f"word{n} " * 200 + "</p></html>").encode()
    return html_exchange(f"http://news.example/{n}", body, status=200 if n % 7 else 404,
                         content_type="text/html", moment=MOMENT,
                         # A record the reader has a problem with, as a cut download is.
                         truncated="length" if n % 40 == 3 else None)


def crawl(writer: RollingWarcWriter, read_back: ReadBack, pages: int, idle_every: int = 3) -> int:
    """Write as the writer process does, reading back every few batches (when its pipe would be idle)."""
    pieces = 0
    read_back.write(writer, [resource_record(writer.builder, "urn:archiver:seed:a.md", b"# A", "text/markdown",
                                             MOMENT)])
    for n in range(pages):
        read_back.write(writer, list(exchange_records(writer.builder, page(n))))
        if n % 25 == 0:
            read_back.write(writer, [failure_record(writer.builder, f"http://gone.example/{n}", "dns_error",
                                                    error="DNSLookupError", message="no host", attempt=1,
                                                    moment=MOMENT)])
        if n % idle_every == 0:
            while read_back.pending() or read_back.examining():
                if read_back.examining():
                    read_back.examine_once()  # the writer process examines first, a page at a time
                    continue
                read_back.step_once()
                pieces += 1
    read_back.close(writer)
    return pieces


def test_read_back_index_is_the_index_of_the_closed_files(tmp_path):
    # Small files and small pieces: rollovers, and pieces of several records.
    writer = RollingWarcWriter(tmp_path, "rb", 40_000, {"software": "tests"})
    read_back = ReadBack(step=5_000)
    pieces = crawl(writer, read_back, 200)
    files = writer.closed_files
    assert len(files) > 3 and pieces > len(files)  # rolled over, and read in pieces while writing
    known = read_back.indexes()
    assert set(known) == set(files)
    read = read_archives(files)
    assert read.problems  # the truncated records: the read-back must say so too
    assert read_archives(files, known=known) == read


def test_read_back_reads_the_file_on_disk_not_what_was_meant(tmp_path):
    writer = RollingWarcWriter(tmp_path, "rb", 10**9, {"software": "tests"})
    read_back = ReadBack(step=10_000)
    for n in range(30):
        read_back.write(writer, list(exchange_records(writer.builder, page(n))))
    # Damage a record the read-back has not read yet: its problem shows, as a sequential read shows it.
    [current] = tmp_path.glob(f"*{OPEN_SUFFIX}")
    middle = current.stat().st_size // 2
    with open(current, "r+b") as stream:
        stream.seek(middle)
        stream.write(b"\x00" * 64)
    while read_back.pending():
        read_back.step_once()
    read_back.close(writer)
    [path] = writer.closed_files
    read = read_archives([path])
    assert any(p.offset is not None for p in read.problems)
    assert path in read_back.indexes()  # read back in pieces all the same: they join up
    assert read_archives([path], known=read_back.indexes()) == read


def test_a_failed_write_hands_over_nothing(tmp_path, monkeypatch):
    writer = RollingWarcWriter(tmp_path, "rb", 10**9, {"software": "tests"})
    read_back = ReadBack(step=10_000)
    for n in range(10):
        read_back.write(writer, list(exchange_records(writer.builder, page(n))))

    def disk_full(records):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "write", disk_full)
    with pytest.raises(OSError):
        read_back.write(writer, list(exchange_records(writer.builder, page(10))))
    monkeypatch.undo()
    read_back.close(writer)
    assert writer.closed_files
    assert read_back.indexes() == {}  # the report reads the files itself


def test_pages_examined_ahead_are_what_the_report_would_examine(tmp_path):
    writer = RollingWarcWriter(tmp_path, "ex", 40_000, {"software": "tests"})
    read_back = ReadBack(step=5_000, examine=ExamineAhead())
    crawl(writer, read_back, 200)
    examined = {key: ahead for index in read_back.indexes().values() for key, ahead in index.examined.items()}
    # 2xx pages only (every 7th is a 404), examined under .open or after their file closed;
    # a file's last piece is read at the close, and its pages are examined then.
    assert len(examined) == sum(1 for n in range(200) if n % 7)
    for (name, offset), ahead in examined.items():
        job = PageJob(str(tmp_path / name), offset, ahead.url, want_text=False)
        assert ahead.serves(job)
        assert ahead.result == examine(job)
        assert ahead.result.facts is not None and ahead.result.facts.title
        # An article's or a probe's job (main text, links) is not served.
        assert not ahead.serves(PageJob(job.path, offset, ahead.url))
        assert not ahead.serves(PageJob(job.path, offset, ahead.url, want_links=True, want_text=False))


def test_the_report_takes_the_pages_examined_ahead(tmp_path, monkeypatch):
    writer = RollingWarcWriter(tmp_path, "ex", 40_000, {"software": "tests"})
    read_back = ReadBack(step=5_000, examine=ExamineAhead())
    crawl(writer, read_back, 120)
    index = read_archives(writer.closed_files, known=read_back.indexes())
    asked: list[PageJob] = []

    def counting(jobs, workers=None):
        asked.extend(jobs)
        return examine_all(jobs, workers)

    monkeypatch.setattr(analysis, "examine_all", counting)
    work = analysis._Analysis(index, analysis.AnalysisOptions(workers=1))
    jobs = [job for n in range(120)
            if (job := work.job(work.resolve(f"http://news.example/{n}"), want_text=False)) is not None]
    work.examine(jobs)
    assert {(j.path, j.offset) for j in jobs} == set(work.pages)
    assert len(asked) < len(jobs) / 2  # the rest came from the writer
    assert {key: work.pages[key] for key in work.pages} == examine_all(jobs, 1)
