"""The writer's low-priority helper examines pages read back while the crawl runs (archiver.warc.examiner)."""

import dataclasses
import datetime
import os
import time

import pytest

from archiver.analysis import analyse as analysis
from archiver.analysis.pages import ExamineAhead, PageJob, examine
from archiver.warc import records
from archiver.warc.articles import RecordedArticle, RecordedLink, to_json
from archiver.warc.examiner import start_examiner
from archiver.warc.process import WarcWriterProcess, WriterSettings
from archiver.warc.readback import ReadBack
from archiver.warc.reader import read_archives
from archiver.warc.records import HttpExchange, exchange_records, json_metadata_record
from archiver.warc.vocab import article_uri
from archiver.warc.writer import RollingWarcWriter
from tests.warcs import html_exchange

MOMENT = datetime.datetime(2026, 12, 2, 4, 0, 0, tzinfo=datetime.UTC)
ARTICLE = "http://news.example/article"


def page(url: str, body: str, status: int = 200) -> HttpExchange:
    return html_exchange(url, body.encode(), status=status, moment=MOMENT)


def linked(n: int) -> HttpExchange:
    return page(f"http://news.example/{n}", f"<html><head><title>Linked {n}</title>"
                f"<meta property='article:published_time' content='2020-02-0{n % 9 + 1}'></head>"
                f"<body><h1>Story {n}</h1><p>{'words ' * 80}</p></body></html>")


def article_page() -> HttpExchange:
    links = "".join(f"<p>See <a href='/{n}'>story {n}</a> for more of what happened there.</p>" for n in range(20))
    return page(ARTICLE, "<html><head><title>The article</title></head><body><article><h1>The article</h1>"
                f"<p>{'Long enough text for an article body. ' * 30}</p>{links}</article></body></html>")


def article_record(builder):
    recorded = RecordedArticle(ARTICLE, "The article", None, None, ("a.md",),
                               tuple(RecordedLink(f"http://news.example/{n}", f"story {n}", False, ("a.md",))
                                     for n in range(20)))
    return json_metadata_record(builder, article_uri(ARTICLE, ("a.md",)), to_json(recorded), MOMENT)


def write_crawl(writer: RollingWarcWriter, read_back: ReadBack, pages: int) -> None:
    """As a crawl writes: its article records first, then the article's page and its links' pages."""
    read_back.write(writer, [article_record(writer.builder)])
    read_back.write(writer, list(exchange_records(writer.builder, article_page())))
    for n in range(pages):
        read_back.write(writer, list(exchange_records(writer.builder, linked(n))))
    while read_back.pending():
        read_back.step_once()


def wait_for_helper(read_back: ReadBack, timeout: float = 60) -> None:
    """Between records, as the writer does, until the helper has sent back everything it was given."""
    deadline = time.monotonic() + timeout
    while read_back.articles_to_examine or read_back.to_examine or read_back.helper.sent:
        assert time.monotonic() < deadline, "the helper sent nothing back"
        read_back.share_examining()
        time.sleep(0.01)


def test_the_helper_examines_links_and_articles_as_the_report_would(tmp_path):
    process, link = start_examiner(ExamineAhead())
    try:
        writer = RollingWarcWriter(tmp_path, "ex", 10**9, {"software": "tests"})
        read_back = ReadBack(step=5_000, examine=ExamineAhead(), helper=link)
        write_crawl(writer, read_back, 12)
        wait_for_helper(read_back)
        read_back.close(writer)
    finally:
        process.kill()
        process.join()
    [path] = writer.closed_files
    [index] = read_back.indexes().values()
    # The last piece of the file is read at the close, and its page examined then.
    assert len(index.examined) == 13
    index = read_archives([path], known=read_back.indexes())
    work = analysis._Analysis(index, analysis.AnalysisOptions(workers=1))
    article_job = work.job(work.resolve(ARTICLE), want_links=True)
    ahead = index.examined[(path.name, article_job.offset)]
    assert ahead.article and ahead.serves(article_job)
    assert not ahead.serves(PageJob(article_job.path, article_job.offset, ARTICLE, want_text=False))
    assert ahead.result == examine(article_job)
    assert len(ahead.result.links) == 20 and ahead.result.facts.text and ahead.result.requisites == ()
    for n in range(12):
        job = work.job(work.resolve(f"http://news.example/{n}"), want_text=False)
        ahead = index.examined[(path.name, job.offset)]
        assert not ahead.article and ahead.serves(job)
        assert ahead.result == examine(job)
        assert f"Linked {n}" in ahead.result.facts.titles


def test_the_writer_itself_never_examines_an_article(tmp_path):
    # Without the helper, an article (17 ms, up to half a second) is left to the
    # report: the writer takes only what fits between two records.
    writer = RollingWarcWriter(tmp_path, "ex", 10**9, {"software": "tests"})
    read_back = ReadBack(step=5_000, examine=ExamineAhead())
    write_crawl(writer, read_back, 5)
    while read_back.examining():
        read_back.examine_once()
    read_back.close(writer)
    [index] = read_back.indexes().values()
    assert index.examined and not any(ahead.article for ahead in index.examined.values())


def test_the_helper_runs_only_on_idle_cpu(tmp_path):
    process, link = start_examiner(ExamineAhead())
    try:
        deadline = time.monotonic() + 60
        while os.sched_getscheduler(process.pid) != os.SCHED_IDLE:
            assert time.monotonic() < deadline, "the helper never lowered its priority"
            time.sleep(0.01)
    finally:
        link.close()
        process.join(timeout=60)
    assert process.exitcode == 0  # it ends when the writer's end of its input closes


def test_a_helper_that_died_loses_nothing(tmp_path):
    process, link = start_examiner(ExamineAhead())
    process.kill()
    process.join()
    writer = RollingWarcWriter(tmp_path, "ex", 10**9, {"software": "tests"})
    read_back = ReadBack(step=5_000, examine=ExamineAhead(), helper=link)
    write_crawl(writer, read_back, 6)
    read_back.share_examining()  # the send fails: the helper is given up
    assert link.broken
    while read_back.examining():
        read_back.examine_once()  # the writer examines the links' pages itself
    read_back.close(writer)
    [path] = writer.closed_files
    index = read_archives([path], known=read_back.indexes())
    # At the close, with nothing left to write, the writer examines the article's page itself.
    assert sum(ahead.article for ahead in index.examined.values()) == 1 and len(index.examined) == 7
    options = analysis.AnalysisOptions(workers=1)
    report = analysis.analyse(index, options=options, generated=MOMENT)
    assert report == analysis.analyse(read_archives([path]), options=options, generated=MOMENT)
    assert report.articles[0].original.verdict == "alive"
    assert [link.title for link in report.articles[0].links] == [f"Story {n}" for n in range(6)] + [None] * 14


@pytest.mark.parametrize("pages", [0, 40])
def test_the_writer_process_kills_its_helper_when_it_closes(tmp_path, pages):
    process = WarcWriterProcess(WriterSettings(tmp_path, "proc", 10**9, {"software": "tests"}, read_back=True,
                                               examine_ahead=ExamineAhead()))
    examiner = process._examiner
    assert examiner is not None and examiner.is_alive()
    process.write(records.json_metadata_record, article_uri(ARTICLE, ("a.md",)),
                  to_json(RecordedArticle(ARTICLE, None, None, None, ("a.md",), ())), MOMENT)
    for n in range(pages):
        process.write(records.exchange_records, linked(n))
    closed = process.close()
    assert not examiner.is_alive()
    [path] = closed.files
    known = read_archives([path], known=closed.indexes)
    assert dataclasses.replace(known, examined={}) == read_archives([path])
    assert len(known.examined) == pages  # the few left at the close were examined then
    for key, ahead in known.examined.items():
        assert ahead.result == examine(PageJob(str(tmp_path / key[0]), key[1], ahead.url, want_text=False))
