"""``scrapy crawl``: Scrapy's command, ending in one line when the crawl cannot start.

The crawl's own exit status says whether it ran: 1, with one line naming the
setting or path and the fix, when it cannot start (a bad setting, no seeds
there, a folder it cannot write), or when the WACZ asked for could not be
written. ``--fail-on dead,date_mismatch,new`` makes
it 1 when the report has findings of those kinds, as ``scrapy audit`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from archiver import skip_last_collection
from archiver.audit import parse_fail_on
from archiver.config import SettingError
from archiver.crawl.errors import is_startup_error
from archiver.crawl.settings import config_of, config_or_exit
from archiver.crawl.wacz_packaging import FAILED_STAT as WACZ_FAILED_STAT
from archiver.findings import EXIT_FINDINGS, EXIT_INTERRUPTED, FINDING_KINDS
from archiver.warc import WRITE_FAILED

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        # No colon in a help text: Scrapy's help formatter takes a line
        # ending in one for a heading and title-cases it.
        parser.add_argument(
            "--fail-on", metavar="KINDS",
            help="exit 1 when the report has findings of these kinds, a comma-separated list of "
                 + ", ".join(FINDING_KINDS) + " or any",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            self.fail_on = parse_fail_on(opts.fail_on)
        except ValueError as error:
            raise UsageError(str(error)) from None
        # A bad -s value ends the command here, before Scrapy logs a line.
        config_or_exit(self.settings, 1)
        self.crawler: Crawler | None = None
        self.cannot_start: BaseException | None = None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # raises Scrapy's usage errors
            return
        # Scrapy's run() (see archiver/crawl/scrapy_internals.py), keeping the
        # crawler, whose stats --fail-on reads once the crawl is over, and the
        # crawl's outcome: Scrapy leaves an exception raised while the crawl
        # starts to asyncio, which prints "Task exception was never retrieved"
        # and a traceback around our one-line message.
        try:
            self.crawler = self._create_crawler(args[0])
            # Built before the crawl starts: a bad value in the spider's
            # custom_settings is reported here, not as a traceback from the crawl.
            config_of(self.crawler)
        except SettingError as error:
            print(f"error: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        assert self.crawler_process is not None
        outcome = self.crawler_process.crawl(self.crawler, **opts.spargs)
        if isinstance(outcome, asyncio.Future):
            outcome.add_done_callback(self._task_done)
        elif isinstance(outcome, Deferred):  # a Twisted reactor other than the asyncio one
            outcome.addErrback(self._deferred_failed)
        self.crawler_process.start()
        skip_last_collection()
        if self.cannot_start is not None:
            # Printed, not logged: the last line, and on the terminal even with LOG_FILE.
            print(f"error: {self.cannot_start}", file=sys.stderr)
            self.exitcode = 1
            return
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        self._exit_status_of_the_report(self.crawler)

    def _task_done(self, task: asyncio.Future) -> None:
        # Retrieving the exception is what keeps asyncio from printing it.
        self._crawl_raised(None if task.cancelled() else task.exception())

    def _deferred_failed(self, failure: Failure) -> None:
        self._crawl_raised(failure.value)

    def _crawl_raised(self, error: BaseException | None) -> None:
        """An exception ended the crawl (while it started): ours in one line, any other with its traceback."""
        if error is None:
            return
        if is_startup_error(error):
            self.cannot_start = error
        else:
            logger.error("The crawl failed", exc_info=error)

    def _exit_status_of_the_report(self, crawler: Crawler) -> None:
        stats = crawler.stats
        if stats.get_value("finish_reason") == WRITE_FAILED:
            # Fetched but not archived: not a run to take for a clean one.
            print("scrapy crawl: stopped, WARC records could not be written: "
                  f"{stats.get_value('archiver/warc/write_failed')}", file=sys.stderr)
            self.exitcode = 1
            return
        if stats.get_value(WACZ_FAILED_STAT):
            # Asked for and not written: a scheduled job must not take the run for a whole one.
            print(f"scrapy crawl: the WACZ could not be written: {stats.get_value(WACZ_FAILED_STAT)}",
                  file=sys.stderr)
            self.exitcode = 1
            return
        if stats.get_value("finish_reason") == "shutdown":
            # Scrapy's reason when SIGTERM or Ctrl-C stopped it: the files are
            # closed and the report (if any) says so, but the crawl is not whole.
            print("scrapy crawl: interrupted (SIGTERM or Ctrl-C) before the crawl finished; "
                  "its WARC files are closed; the report, if written, covers what was fetched", file=sys.stderr)
            self.exitcode = EXIT_INTERRUPTED
            return
        if not self.fail_on:
            return
        found = {k: stats.get_value(f"archiver/report/findings/{k}", 0) for k in sorted(self.fail_on)}
        if any(found.values()):
            listed = ", ".join(f"{n} {k}" for k, n in found.items() if n)
            print(f"scrapy crawl: findings asked for by --fail-on: {listed}", file=sys.stderr)
            self.exitcode = EXIT_FINDINGS
