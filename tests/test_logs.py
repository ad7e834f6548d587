"""What a person reads: log lines without tracebacks, help that renders, a summary last.

In-process: the robots.txt log line, the summary's lines, the help texts at
every terminal width, and the import that used to print a pkg_resources
warning. The crawls and audits that show these end to end are in
test_crawl_guard.py (offline), test_config.py (cannot start) and test_audit.py.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import CannotResolveHostError
from scrapy.utils.test import get_crawler

from archiver.analysis.model import ArticleReport, LinkReport, LinkStatus, Report, Verdict
from archiver.findings import FindingKind
from archiver.summary import summary_lines
from archiver.warc.index import IntegrityProblem

pytestmark = pytest.mark.fast

PROJECT = Path(__file__).resolve().parent.parent


# --- robots.txt that cannot be fetched: one WARNING line per host ---------------

class UnreachableEngine:
    """An engine whose every download fails as an offline one does; counts the attempts."""

    def __init__(self) -> None:
        self.downloads: list[str] = []

    async def download_async(self, request: Request):
        self.downloads.append(request.url)
        raise CannotResolveHostError(f"DNS lookup failed: no results for hostname lookup: {request.url}")


def robots_log(middleware_class, caplog, urls) -> tuple[list[logging.LogRecord], UnreachableEngine]:
    crawler = get_crawler(Spider, settings_dict={"ROBOTSTXT_OBEY": True})
    crawler.engine = engine = UnreachableEngine()
    middleware = middleware_class.from_crawler(crawler)

    async def fetch_all() -> None:
        for url in urls:
            await middleware.process_request(Request(url))  # allowed: no robots.txt

    with caplog.at_level(logging.DEBUG, logger="scrapy.downloadermiddlewares.robotstxt"):
        asyncio.run(fetch_all())
    return [r for r in caplog.records if r.name == "scrapy.downloadermiddlewares.robotstxt"], engine


def test_a_robots_txt_that_cannot_be_fetched_is_one_warning_line_per_host(caplog) -> None:
    from archiver.crawl.failures import TypedRobotsTxtMiddleware

    urls = ["https://news.example/a", "https://news.example/b", "https://other.example/c"]
    records, engine = robots_log(TypedRobotsTxtMiddleware, caplog, urls)
    assert engine.downloads == ["https://news.example/robots.txt", "https://other.example/robots.txt"]
    assert [(r.levelname, r.exc_info) for r in records] == [("WARNING", None), ("WARNING", None)]
    first = records[0].getMessage()
    assert first.startswith("Could not fetch robots.txt of news.example (DNS lookup failed")
    assert first.endswith("its URLs are fetched as if it allowed them") and "\n" not in first
    assert "other.example" in records[1].getMessage()
    formatted = logging.Formatter().format(records[0])
    assert "Traceback" not in formatted and "\n" not in formatted


def test_scrapy_alone_logs_the_same_failure_as_an_error_with_a_traceback(caplog) -> None:
    """What the filter is for, and proof that it is what changes the record."""
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

    from archiver.crawl.failures import ROBOTS_TXT_UNAVAILABLE

    robots_logger = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    robots_logger.removeFilter(ROBOTS_TXT_UNAVAILABLE)  # put there by any of our middlewares
    try:
        records, _ = robots_log(RobotsTxtMiddleware, caplog, ["https://news.example/a"])
    finally:
        robots_logger.addFilter(ROBOTS_TXT_UNAVAILABLE)
    assert [r.levelname for r in records] == ["ERROR"]
    assert records[0].exc_info is not None


def test_other_records_of_the_robots_logger_pass_unchanged() -> None:
    from archiver.crawl.failures import ROBOTS_TXT_UNAVAILABLE

    record = logging.LogRecord("scrapy.downloadermiddlewares.robotstxt", logging.DEBUG, __file__, 1,
                               "Forbidden by robots.txt: %(request)s", ({"request": Request("http://a.example/")},),
                               None)
    assert ROBOTS_TXT_UNAVAILABLE.filter(record) is True
    assert (record.levelname, record.msg) == ("DEBUG", "Forbidden by robots.txt: %(request)s")


# --- the summary ----------------------------------------------------------------

def link(url: str, verdict: Verdict, status: LinkStatus, **fields) -> LinkReport:
    return LinkReport(url=url, anchor_text=None, found_in=("clip.md",), status=status, verdict=verdict, **fields)


def article(url: str, seeds: tuple[str, ...], original: LinkReport | None, links: tuple[LinkReport, ...],
            published: datetime.date | None = None) -> ArticleReport:
    return ArticleReport(url=url, seeds=seeds, title=None, published=published, published_source=None,
                         original=original, text_similarity=None, text_verdict=None, links=links)


def report(network_reachable: bool = True) -> Report:
    first = article("http://news.example/2020/01/01/a", ("a.md", "a.txt"),
                    link("http://news.example/2020/01/01/a", Verdict.ALIVE, LinkStatus.OK), (
                        link("http://x.example/1", Verdict.DEAD, LinkStatus.GONE),
                        link("http://x.example/2024/05/05/later", Verdict.ALIVE, LinkStatus.OK,
                             date=datetime.date(2024, 5, 5), date_mismatch=True),
                        link("http://x.example/3", Verdict.UNCERTAIN, LinkStatus.TIMEOUT),
                    ), published=datetime.date(2020, 1, 1))
    second = article("http://news.example/b", ("b.md", "a.md"),
                     link("http://news.example/b", Verdict.UNCERTAIN, LinkStatus.DNS_ERROR), ())
    return Report(generated=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC), network_reachable=network_reachable,
                  archives=("a.warc.gz",), articles=(first, second),
                  integrity=(IntegrityProblem("a.warc.gz", 10, "digest mismatch"),))


def test_summary_counts_articles_links_by_verdict_and_findings_by_kind(tmp_path) -> None:
    assert summary_lines(report(), tmp_path / "report") == [
        "Articles: 2, from 3 seeds; their pages 1 alive, 0 dead, 1 uncertain",
        "Links: 3; 1 alive, 1 dead, 1 uncertain",
        "Findings: 3; 1 integrity, 1 dead, 1 date_mismatch",
        f"Report: {tmp_path / 'report' / 'report.html'}",
    ]


def test_summary_counts_the_findings_fail_on_asked_for(tmp_path) -> None:
    lines = summary_lines(report(), tmp_path, frozenset({FindingKind.UNCERTAIN, FindingKind.DEAD}))
    assert lines[2] == "Findings: 3; 2 uncertain, 1 dead"


def test_summary_says_when_the_network_was_down_and_when_there_is_nothing(tmp_path) -> None:
    lines = summary_lines(report(network_reachable=False), tmp_path)
    assert lines[1].endswith("; the network looked unreachable, so none is called dead")
    empty = Report(generated=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC), network_reachable=True,
                   archives=("a.warc.gz",))
    assert summary_lines(empty, tmp_path)[:3] == [
        "Articles: 0, no seeds", "Links: 0; 0 alive, 0 dead, 0 uncertain", "Findings: 0"]


# --- help texts -------------------------------------------------------------------

def scrapy_help(command_module: str, width: int, monkeypatch) -> str:
    """The help ``scrapy COMMAND -h`` prints, built as scrapy.cmdline builds it, at a terminal width."""
    import importlib

    from scrapy.cmdline import ScrapyArgumentParser
    from scrapy.commands import ScrapyHelpFormatter
    from scrapy.settings import Settings

    monkeypatch.setenv("COLUMNS", str(width))
    command = importlib.import_module(command_module).Command()
    command.settings = Settings()
    parser = ScrapyArgumentParser(formatter_class=ScrapyHelpFormatter, usage="scrapy x", conflict_handler="resolve",
                                  description=command.long_desc())
    command.add_options(parser)
    return parser.format_help()


@pytest.mark.parametrize("command_module", ["archiver.crawl.commands.crawl", "archiver.crawl.commands.audit"])
def test_scrapy_help_has_only_its_own_headings_at_any_width(command_module, monkeypatch) -> None:
    # Scrapy's formatter underlines a line that ends in a colon as a heading:
    # a help text of ours wrapped there came out title-cased and underlined.
    # Below 60 columns Scrapy's own "-L LEVEL ... (default: INFO)" does it.
    for width in range(60, 201):
        lines = scrapy_help(command_module, width, monkeypatch).splitlines()
        headings = [above for above, line in zip(lines, lines[1:], strict=False)
                    if line and set(line) <= {"=", "-"}]
        assert headings == ["Usage", "Options", "Global Options"], (width, headings)
    assert "--fail-on KINDS" in "\n".join(lines)


def test_the_audit_page_documents_every_audit_option() -> None:
    import argparse

    from archiver.cli import add_audit_arguments

    parser = argparse.ArgumentParser()
    add_audit_arguments(parser, paths=False)
    audit_section = (PROJECT / "docs" / "audit.md").read_text(encoding="utf-8")
    undocumented = [action.option_strings for action in parser._actions
                    if action.option_strings and "--help" not in action.option_strings
                    and not any(f"`{option}" in audit_section for option in action.option_strings)]
    assert undocumented == []


# --- audit messages name the command that was typed ------------------------------

def test_audit_errors_begin_with_the_command_typed(tmp_path, capsys) -> None:
    import argparse

    from archiver.cli import add_audit_arguments, audit_from_arguments
    from archiver.config import ArchiverConfig

    parser = argparse.ArgumentParser()
    add_audit_arguments(parser)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    opts = parser.parse_args([str(tmp_path), "-o", str(blocker / "report")])
    status = audit_from_arguments(opts, ArchiverConfig.defaults, sys.stdout, sys.stderr, prog="scrapy audit")
    assert status == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"scrapy audit: cannot write the report to {blocker / 'report'}: "
                                f"{blocker} is not a folder; give -o a writable folder"]
    assert not (blocker.parent / "report").exists()


# --- no pkg_resources warning from our imports -------------------------------------

def test_importing_the_cdxj_module_prints_no_warning() -> None:
    # pyamf, which cdxj-indexer imports, imports the deprecated pkg_resources;
    # with setuptools < 81 (Scrapyd's pin) that printed a warning in every
    # crawl's writer process. Python's default filters, as a user runs it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-W", "default", "-c", "import archiver.warc.cdxj"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
