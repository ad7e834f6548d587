"""Tell an unreachable network apart from a crawl full of dead links.

When every host failed to resolve and none answered, the machine is
offline (or its DNS is broken): the failures say nothing about the links.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from archiver.crawl import signals as archiver_signals
from archiver.warc.vocab import FailureKind

logger = logging.getLogger(__name__)


def network_unreachable(answered: set[str], unresolved: set[str]) -> bool:
    return bool(unresolved) and not answered


class NetworkReachability:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.answered: set[str] = set()
        self.unresolved: set[str] = set()
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.fetch_failed, signal=archiver_signals.fetch_failed)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkReachability:
        return cls(crawler)

    def response_downloaded(self, response: Response, request: Request) -> None:
        self.answered.add(urlsplit(request.url).netloc)

    def fetch_failed(self, request: Request, kind: str, exception: BaseException) -> None:
        if kind == FailureKind.DNS_ERROR:
            self.unresolved.add(urlsplit(request.url).netloc)

    def spider_closed(self) -> None:
        unreachable = network_unreachable(self.answered, self.unresolved)
        self.crawler.stats.set_value("archiver/network/unreachable", unreachable)
        if unreachable:
            logger.warning(
                "The network looked unreachable: every host (%d) failed to resolve and none "
                "answered. Failures were recorded, but they say nothing about the links; "
                "crawl again when the machine is online.",
                len(self.unresolved),
            )
