"""Scrapy's retries, with backoff and ``Retry-After``.

Scrapy retries at once; a server that answered 429 or 503 asked for time.
This waits ``Retry-After`` when the server gave one and it is within
``ARCHIVER_RETRY_AFTER_MAX``, else ``ARCHIVER_RETRY_BACKOFF`` seconds doubling
with each attempt. A longer ``Retry-After`` is not waited for: the answer is
kept (the link is reported rate limited) rather than stalling the crawl.
Waiting is awaited, so only this request waits.

A host that has never answered, and one of whose requests has used all its
retries, gets no more retries in this run: its other requests are tried
once each. Retrying every link of a host that resets or drops every
connection tripled the time spent on it, and asked it three times as often.

The same holds from a host's first request, its robots.txt, when the host
took the request and then closed the connection without an answer, or let
it time out: every link of the host waits for robots.txt, so each retry
held them all for as long again (two retries and their back-off: 15 s at a
host that drops a connection after 4 s, before its first link). Such a
robots.txt is tried once and its host's other requests once each. A
robots.txt refused or reset keeps its retries: those failures come at
once and cost its links little. Either way a robots.txt that cannot be
fetched lets the host's URLs be fetched as if it allowed them (Scrapy's rule).
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached

from archiver.config import ArchiverConfig
from archiver.crawl.failures import closed_unanswered
from archiver.crawl.scrapy_internals import retries_of
from archiver.crawl.settings import config_of

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime.datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    now = now or datetime.datetime.now(datetime.UTC)
    return max(0.0, (when - now).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings, config: ArchiverConfig) -> None:
        super().__init__(settings)  # Scrapy's RETRY_* settings
        self.backoff = config.retry_backoff
        self.retry_after_max = config.retry_after_max
        self.answered: set[str] = set()  # hosts that sent any response
        self.unresponsive: set[str] = set()  # hosts that never answered a request's last retry

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings, config_of(crawler))
        middleware.crawler = crawler
        return middleware

    def _delay(self, request: Request) -> float:
        return self.backoff * 2 ** retries_of(request)

    # Coroutines in place of RetryMiddleware's plain methods: Scrapy 2.13+ awaits either.
    async def process_response(  # type: ignore[override]
            self, request: Request, response: Response) -> Request | Response:
        self.answered.add(_host(request))
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.retry_after_max:
            self.crawler.stats.inc_value("archiver/retry/retry_after_too_long_count")
            return response
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            await asyncio.sleep(asked if asked is not None else self._delay(request))
        return retry

    async def process_exception(  # type: ignore[override]
            self, request: Request, exception: Exception) -> Request | Response | None:
        host = _host(request)
        if host in self.unresponsive:
            self.crawler.stats.inc_value("archiver/retry/unresponsive_host_count")
            return None
        if _is_robots_txt(request) and host not in self.answered and closed_unanswered(exception) \
                and not request.meta.get("dont_retry", False):
            self.unresponsive.add(host)
            self.crawler.stats.inc_value("archiver/retry/robots_txt_not_retried_count")
            # Worded without "robots.txt": Scrapy's one line per host says that robots.txt failed.
            logger.info("%s took the request for its robots rules and closed it unanswered or let it time out: "
                        "not retried, its other requests are tried once each", host)
            return None
        retry = super().process_exception(request, exception)
        if retry is None and host not in self.answered and isinstance(exception, self.exceptions_to_retry) \
                and not request.meta.get("dont_retry", False):
            self.unresponsive.add(host)
            logger.info("%s has not answered any request, the last after %d attempts: "
                        "its other requests are tried once each", host, retries_of(request) + 1)
        if isinstance(retry, Request):
            await asyncio.sleep(self._delay(request))
        return retry


def _host(request: Request) -> str:
    return urlparse_cached(request).netloc.lower()


def _is_robots_txt(request: Request) -> bool:
    return urlparse_cached(request).path == "/robots.txt"
