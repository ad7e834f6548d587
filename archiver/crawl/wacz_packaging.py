"""``ARCHIVER_WACZ = True``: package the crawl's WARC files into one WACZ when they are closed.

Runs on ``warcs_closed``, once the writer process has closed and indexed
every file (archiver/crawl/capture.py), beside the report. The WACZ is
named after the crawl's first WARC file (``warcs/NAME.wacz``): unique, as
WARC names are, and a resumed job (JOBDIR) packages all its runs' files
again into the same name. A failure is one error line and the stat
``archiver/wacz/failed``, which makes ``scrapy crawl`` exit 1: the files are
whole, and ``archiver wacz`` packages them later.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.crawl import signals as archiver_signals
from archiver.crawl.resume import Journal
from archiver.crawl.settings import config_of
from archiver.warc import OPEN_SUFFIX
from archiver.warc.wacz_package import PAGES_PATH, WACZ_SUFFIX, WaczError, package

logger = logging.getLogger(__name__)

FAILED_STAT = "archiver/wacz/failed"  # read by scrapy crawl's exit status
PATH_STAT = "archiver/wacz/path"
PAGES_STAT = "archiver/wacz/pages_count"


def wacz_name(warcs: list[Path]) -> Path:
    """The crawl's WACZ: beside its first WARC file, named after it."""
    first = min(warcs, key=lambda p: p.name)
    return first.with_name(first.name.removesuffix(".gz").removesuffix(".warc") + WACZ_SUFFIX)


class WaczPackager:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        if not config.wacz:
            raise NotConfigured("ARCHIVER_WACZ is off")
        if not config.warc_enabled:
            # Said, not only raised: Scrapy does not log why an extension is off.
            logger.warning("No WACZ: ARCHIVER_WACZ is on but ARCHIVER_WARC_ENABLED is off, so no WARC file is written")
            raise NotConfigured("ARCHIVER_WARC_ENABLED is off: no WARC file to package")
        self.crawler = crawler
        self.lines: list[str] = []
        crawler.signals.connect(self.warcs_closed, signal=archiver_signals.warcs_closed)
        # Logged with the report's summary, the crawl's last lines.
        crawler.signals.connect(self.log_summary, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WaczPackager:
        return cls(crawler)

    def warcs_closed(self, paths: list[Path]) -> None:
        stats = self.crawler.stats
        if stats.get_value("archiver/warc/write_failed"):
            self._failed("WARC records could not be written, so the archive is not whole")
            return
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir:  # a resumed job: its WACZ holds every run's files
            paths = [p for p in Journal(jobdir).warc_files() if not p.name.endswith(OPEN_SUFFIX)]
        if not paths:
            self.lines = ["No WACZ: no WARC file was written"]
            return
        output = wacz_name(paths)
        try:
            packaged = package(paths, output, workers=os.cpu_count() or 1)
        except WaczError as error:
            self._failed(f"{error}; package the files later with `archiver wacz {output.parent} -o FILE.wacz`")
            return
        stats.set_value(PATH_STAT, str(packaged.path))
        stats.set_value(PAGES_STAT, len(packaged.pages))
        self.lines = [packaged.summary()]
        if packaged.unlisted:
            self.lines.append(f"Not in the WACZ's {PAGES_PATH}: {len(packaged.unlisted)} articles "
                              "whose page was not captured (the report says why)")
        self.lines += [f"Will not replay from the WACZ: {why}" for why in packaged.unresolved]
        for why in packaged.unlisted:
            logger.debug("Not in %s: %s", PAGES_PATH, why)

    def _failed(self, message: str) -> None:
        logger.error("No WACZ: %s", message)
        self.crawler.stats.set_value(FAILED_STAT, message)
        self.lines = [f"No WACZ: {message}"]

    def log_summary(self) -> None:
        for line in self.lines:
            logger.info(line)
