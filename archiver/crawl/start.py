"""Start requests handed to the scheduler as soon as the spider gives them.

Scrapy's engine takes one start request per turn of the event loop while
the downloader has room (it waits for its next call after each, so that
the request can go out first), and all the rest at once when it has none.
A turn of the loop is short at first and longer as responses arrive: on a
web of 200 hosts, the 200th host's first request left 8 to 12 s after the
first's, and the slowest hosts, whose turn it happened to be last, ended
the crawl late by as much. Handed over here, every start request is in the
scheduler within the first turn, and the downloader-aware priority queue
gives each host its first request (its robots.txt first) at once.

This middleware sits next to the engine (order 10, before Scrapy's
``StartSpiderMiddleware`` at 25): every other spider middleware has
processed a request before it is handed over, as the engine would, with
``ExecutionEngine.crawl()``, as the engine does. Items are passed on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

ORDER = 10


class StartHandOver:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartHandOver:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        engine = self.crawler.engine
        assert engine is not None  # the crawl has started: start() is being read
        async for request_or_item in start:
            if isinstance(request_or_item, Request):
                engine.crawl(request_or_item)
            else:
                yield request_or_item
