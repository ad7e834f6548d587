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

Only for a crawl of few articles (at most ``PENDING_PER_SLOT`` times
``CONCURRENT_REQUESTS``, 1,024 at the add-on's 256: a link check, a
newsroom's day), and while the scheduler holds fewer requests than that
(its own stats: ``scheduler/enqueued`` less ``scheduler/dequeued``); the
rest go to the engine the usual way, which takes them when the downloader
has room. Links are taken in turn by
host (spider.host_interleaved), so the first ones reach every host. A list
of 50,000 URLs is 50,000 articles of no links, and there the hand-over of
even its first 128 requests raised the crawl's peak memory from 230 MiB to
312 MiB (the target: 1.5× the 186 MiB of 5,000 URLs) for a reason not
found in the time we had; with the middleware in place and handing nothing
over it stayed at 230 MiB.

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
PENDING_PER_SLOT = 4


class StartHandOver:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.most_pending = PENDING_PER_SLOT * crawler.settings.getint("CONCURRENT_REQUESTS")
        self.many_articles: bool | None = None  # known at the first request: start() counts them first

    def _pending(self) -> int:
        stats = self.crawler.stats
        assert stats is not None
        return int(stats.get_value("scheduler/enqueued", 0)) - int(stats.get_value("scheduler/dequeued", 0))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartHandOver:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        engine = self.crawler.engine
        assert engine is not None  # the crawl has started: start() is being read
        async for request_or_item in start:
            if isinstance(request_or_item, Request) and self.many_articles is None:
                stats = self.crawler.stats
                articles = int(stats.get_value("archiver/articles_count", 0)) if stats is not None else 0
                self.many_articles = articles > self.most_pending
            if isinstance(request_or_item, Request) and not self.many_articles \
                    and self._pending() < self.most_pending:
                engine.crawl(request_or_item)
            else:
                yield request_or_item
