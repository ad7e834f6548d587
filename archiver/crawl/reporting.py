"""Write the report at the end of a crawl, from the WARC files it wrote.

The report is computed from the archive, not from the crawl's memory:
it is the report ``scrapy audit`` gives over the same files.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.analysis.analyse import AnalysisOptions
from archiver.analysis.model import Report, Verdict
from archiver.audit import FINDING_KINDS, classified_findings, run_audit, uncertain_links
from archiver.config import JOB_FROM_SETTING
from archiver.crawl import signals as archiver_signals
from archiver.crawl.resume import Journal
from archiver.crawl.settings import config_of
from archiver.report.json import NO_HISTORY
from archiver.summary import summary_lines
from archiver.warc import OPEN_SUFFIX

if TYPE_CHECKING:  # SQLAlchemy is imported only when a history is kept
    from archiver.history import History
    from archiver.warc.index import ArchiveIndex

logger = logging.getLogger(__name__)

INTERRUPTED_NOTE = ("The crawl was interrupted (SIGTERM or Ctrl-C) before it finished: what it had "
                    "not fetched by then is not in the archive, and its links are judged without it")


class ReportWriter:
    def __init__(self, crawler: Crawler) -> None:
        self.config = config_of(crawler)
        if not self.config.report_enabled and not self.config.replay_check:
            raise NotConfigured("ARCHIVER_REPORT_ENABLED and ARCHIVER_REPLAY_CHECK are off")
        self.crawler = crawler
        # Imported here: SQLAlchemy costs a crawl 0.4 s to start, for nothing when off.
        from archiver.history import DeadPolicy

        self.policy = DeadPolicy(self.config.dead_after_checks, self.config.dead_after_days)
        self.started = datetime.datetime.now(datetime.UTC)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.warcs_closed, signal=archiver_signals.warcs_closed)
        # The last lines of the crawl's log: after Scrapy's stats, once the engine has stopped.
        self.summary: list[str] = []
        self.replay_summary: list[str] = []
        crawler.signals.connect(self.log_summary, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReportWriter:
        return cls(crawler)

    def _apply_history(self, history: History, report: Report) -> Report:
        # The run is recorded under the job the Redis keys are named after. Its
        # series is that job only when ARCHIVER_JOB names it: a job named by
        # Scrapyd or the date is one crawl, and its series is the same seeds.
        return history.apply(report, checked_at=self.started, policy=self.policy,
                             job=self.config.job, job_is_series=self.config.job_from == JOB_FROM_SETTING)

    @staticmethod
    def _originals(history: History, url: str, digest: str) -> list[tuple[Path, int]]:
        """Where the history saw this payload archived: a revisit's original, in any folder."""
        return [(Path(ref.folder) / ref.filename, ref.offset)
                for ref in history.capture_locations(url, digest) if ref.folder]

    def spider_opened(self) -> None:
        self.started = datetime.datetime.now(datetime.UTC)

    def warcs_closed(self, paths: list[Path], reason: str = "finished",
                     indexes: dict[Path, ArchiveIndex] | None = None) -> None:
        """``indexes``: the files the writer read back (archiver.warc.readback); the others are read here."""
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir:
            # A resumed job: the report covers every run of it.
            paths = [p for p in Journal(jobdir).warc_files() if not p.name.endswith(OPEN_SUFFIX)]
        if not paths:
            logger.warning("No WARC file was written: no report")
            self.summary = ["No report: no WARC file was written"]
            return
        if self.config.replay_check:
            # Before the report, which reads the check's records from the archive.
            paths = [*paths, self._replay_check(paths, indexes)]
        if not self.config.report_enabled:
            return
        # The files the writer read back are not read again (archiver.warc.readback).
        self.crawler.stats.set_value("archiver/report/read_back_files", sum(1 for p in paths if p in (indexes or {})))
        # Pages the writer or its helper examined (ArchiveIndex.examined): the report takes them as they are.
        self.crawler.stats.set_value("archiver/report/pages_examined_ahead",
                                     sum(len(index.examined) for index in (indexes or {}).values()))
        options = AnalysisOptions(self.config.date_grace_days, replay_url=self.config.replay_url,
                                  read_limit=self.config.read_max_size)
        # Scrapy closes the spider with "shutdown" on SIGTERM or Ctrl-C.
        notes = (INTERRUPTED_NOTE,) if reason == "shutdown" else ()
        if self.config.history:
            from archiver.history import History

            # One connection for the whole report: revisits may ask it once each.
            with History.open(self.config.history) as history:
                result = run_audit(paths, output=self.config.report_dir, options=options,
                                   history=functools.partial(self._apply_history, history),
                                   originals=functools.partial(self._originals, history), notes=notes,
                                   known=indexes)
        else:
            result = run_audit(paths, output=self.config.report_dir, options=options, notes=notes, known=indexes)
        stats = self.crawler.stats
        stats.set_value("archiver/report/findings_count", len(result.findings))
        report = result.report
        if report is None or result.report_dir is None:
            logger.error("No report: %s", "; ".join(result.errors))
            self.summary = [f"No report: {'; '.join(result.errors)}"]
            return
        links = [l for a in report.articles for l in ([a.original] if a.original else []) + list(a.links)]
        for verdict in Verdict:
            stats.set_value(f"archiver/report/links_count/{verdict}",
                            sum(1 for l in links if l.verdict == verdict))
        dead = [l for l in links if l.verdict == Verdict.DEAD]
        if report.changes is not None:  # a history was kept: dead links are confirmed or await it
            confirmed = sum(1 for l in dead if l.confirmed)
            stats.set_value("archiver/report/dead_count/confirmed", confirmed)
            stats.set_value("archiver/report/dead_count/awaiting_confirmation", len(dead) - confirmed)
            logger.info("Dead links: %d (%d confirmed, %d awaiting confirmation)",
                        len(dead), confirmed, len(dead) - confirmed)
        else:
            logger.info("Dead links: %d (%s)", len(dead), NO_HISTORY)
        stats.set_value("archiver/report/date_mismatch_count", sum(l.date_mismatch for l in links))
        # Read by `scrapy crawl --fail-on`.
        kinds = Counter(kind for kind, _ in classified_findings(report) + uncertain_links(report))
        for kind in FINDING_KINDS:
            stats.set_value(f"archiver/report/findings/{kind}", kinds.get(kind, 0))
        logger.info("Report written to %s: %d findings", result.report_dir, len(result.findings))
        self.summary = [*notes, *summary_lines(report, result.report_dir)]

    def _replay_check(self, paths: list[Path], indexes: dict[Path, ArchiveIndex] | None) -> Path:
        """Replay each article through pywb in Chromium; its results go into a WARC file of their own."""
        from archiver.replay.check import (
            ReplayCheckError,
            ReplayCheckOptions,
            check_pages,
            pages_to_check,
            skipped_on_purpose,
            summary,
            write_results,
        )
        from archiver.warc.reader import read_archives
        from archiver.warc.replaycheck import ArticleReplay

        options = ReplayCheckOptions(self.config.pywb_bin, self.config.chromium, self.config.replay_check_timeout,
                                     self.config.replay_check_max_pages)
        index = read_archives(paths, workers=os.cpu_count() or 1, known=indexes)
        pages, skipped = pages_to_check(index), skipped_on_purpose(index)
        outcome: list[list[ArticleReplay]] = []
        failed: list[str] = []

        def run() -> None:
            try:
                outcome.append(check_pages(paths, pages, options, skipped=skipped))
            except ReplayCheckError as error:
                failed.append(str(error))
            except Exception as error:  # noqa: BLE001 - the crawl still ends with its report, saying why
                logger.debug("Replay check failed", exc_info=True)
                failed.append(f"{type(error).__name__}: {error}")

        # Playwright's synchronous API refuses a thread whose asyncio loop runs
        # (Scrapy's reactor's): the check runs in a thread of its own, and the
        # crawl's end waits for it as it waits for the report.
        worker = threading.Thread(target=run, name="replay-check")
        worker.start()
        worker.join()
        if failed:
            # Each article then says why it was not judged: the report shows it, not a blank.
            logger.error("Replay check could not run: %s", failed[0])
            results = [ArticleReplay(url, timestamp or "", error=f"the replay check could not run: {failed[0]}")
                       for url, timestamp in pages]
        else:
            results = outcome[0]
        stats = self.crawler.stats
        stats.set_value("archiver/replay_check/articles_count", len(results))
        stats.set_value("archiver/replay_check/missing_count", sum(len(r.missing) for r in results))
        stats.set_value("archiver/replay_check/escaped_count", sum(len(r.escaped) for r in results))
        stats.set_value("archiver/replay_check/skipped_count", sum(len(r.skipped) for r in results))
        stats.set_value("archiver/replay_check/not_judged_count", sum(1 for r in results if r.error))
        written = write_results(paths[0].parent, self.config.warc_prefix, results,
                                gzip_level=self.config.warc_gzip_level)
        logger.info("%s; written to %s", summary(results), written)
        if not self.config.report_enabled:  # else the report's summary says it
            self.replay_summary = [summary(results)]
        return written

    def log_summary(self) -> None:
        for line in self.summary + self.replay_summary:
            logger.info(line)
