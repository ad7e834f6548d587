"""``scrapy crawl`` with ``--fail-on``: a non-zero exit status for CI-style use.

The crawl's own exit status says whether it ran; ``--fail-on dead,date_mismatch,new``
makes it 1 when the report has findings of those kinds, as ``scrapy audit`` does.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from archiver.audit import parse_fail_on
from archiver.config import SettingError
from archiver.crawl.settings import config_of, config_or_exit
from archiver.findings import EXIT_FINDINGS, FINDING_KINDS
from archiver.warc import WRITE_FAILED


class Command(ScrapyCrawlCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--fail-on", metavar="KINDS",
            help="exit 1 when the report has findings of these kinds: "
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

    # Scrapy's undocumented hook (see archiver/crawl/scrapy_internals.py): the
    # crawler is gone from crawler_process.crawlers once the crawl is over.
    def _create_crawler(self, spidercls):
        self.crawler = super()._create_crawler(spidercls)
        # Built before the crawl starts: a bad value in the spider's
        # custom_settings is reported here, not as a traceback from the crawl.
        config_of(self.crawler)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().run(args, opts)
        except SettingError as error:
            print(f"error: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        if self.exitcode or self.crawler is None:
            return
        if self.crawler.stats.get_value("finish_reason") == WRITE_FAILED:
            # Fetched but not archived: not a run to take for a clean one.
            print("scrapy crawl: stopped, WARC records could not be written: "
                  f"{self.crawler.stats.get_value('archiver/warc/write_failed')}", file=sys.stderr)
            self.exitcode = 1
            return
        if not self.fail_on:
            return
        stats = self.crawler.stats
        found = {k: stats.get_value(f"archiver/report/findings/{k}", 0) for k in sorted(self.fail_on)}
        if any(found.values()):
            listed = ", ".join(f"{n} {k}" for k, n in found.items() if n)
            print(f"scrapy crawl: findings asked for by --fail-on: {listed}", file=sys.stderr)
            self.exitcode = EXIT_FINDINGS
