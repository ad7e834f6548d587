"""What gets every host of a broad crawl going at once: start order, start hand-over, robots.txt retries.

In process, no server: the realistic web (tests/test_realweb.py, bench/realweb.py)
shows the same on a crawl.
"""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadConnectionRefusedError, DownloadFailedError, DownloadTimeoutError
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived

from archiver.crawl.retry import BackoffRetryMiddleware
from archiver.crawl.spider import host_interleaved
from archiver.crawl.start import StartHandOver
from archiver.seeds import ArticleLink

pytestmark = pytest.mark.fast


def links(*urls: str | None) -> list[ArticleLink]:
    return [ArticleLink(url) for url in urls]


def test_links_are_taken_in_turn_from_each_host():
    given = links("http://a.example/1", "http://a.example/2", "http://a.example/3",
                  "http://B.example/1", "http://c.example/1", "http://c.example/2", None)
    assert [link.url for link in host_interleaved(given)] == [
        "http://a.example/1", "http://B.example/1", "http://c.example/1", None,
        "http://a.example/2", "http://c.example/2",
        "http://a.example/3",
    ]


def test_a_link_whose_host_cannot_be_read_keeps_its_place_among_the_others():
    given = links("http://a.example/1", "http://[::1/broken", "http://a.example/2", "http://b.example/1")
    assert [link.url for link in host_interleaved(given)] == [
        "http://a.example/1", "http://[::1/broken", "http://b.example/1", "http://a.example/2"]


def test_every_link_is_kept_once_whatever_the_order():
    given = links(*(f"http://h{n % 7}.example/{n}" for n in range(100)))
    taken = host_interleaved(given)
    assert sorted(link.url or "" for link in taken) == sorted(link.url or "" for link in given)
    # the first seven are the seven hosts' first links
    assert {link.url for link in taken[:7]} == {f"http://h{n}.example/{n}" for n in range(7)}


class RecordingEngine:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawled: list[Request] = []
        self.crawler = crawler

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("scheduler/enqueued")  # as the scheduler counts it


def test_start_requests_are_handed_to_the_engine_and_items_passed_on():
    crawler = get_crawler(Spider)
    engine = RecordingEngine()
    crawler.engine = engine  # type: ignore[assignment]
    requests = [Request(f"http://h{n}.example/") for n in range(5)]

    async def start():
        yield requests[0]
        yield {"an": "item"}
        for request in requests[1:]:
            yield request

    async def read():
        return [o async for o in StartHandOver.from_crawler(crawler).process_start(start())]

    assert asyncio.run(read()) == [{"an": "item"}]
    assert engine.crawled == requests


def retry_middleware() -> BackoffRetryMiddleware:
    crawler = get_crawler(Spider, settings_dict={"ARCHIVER_RETRY_BACKOFF": 0})
    crawler.spider = Spider.from_crawler(crawler, name="tests")
    return BackoffRetryMiddleware.from_crawler(crawler)


def never_answered(closed: Exception) -> DownloadFailedError:
    """Scrapy's error for a request whose connection closed before any answer, as Scrapy 2.19 wraps it."""
    error = DownloadFailedError(str(closed))
    error.__cause__ = ResponseNeverReceived([Failure(closed)])
    return error


def failed(middleware: BackoffRetryMiddleware, url: str, error: Exception) -> Request | Response | None:
    return asyncio.run(middleware.process_exception(Request(url), error))


@pytest.mark.parametrize("error", [never_answered(ConnectionDone()), DownloadTimeoutError("30 s")])
def test_a_robots_txt_closed_unanswered_is_tried_once_and_so_are_its_hosts_links(error):
    middleware = retry_middleware()
    assert failed(middleware, "http://hang.example/robots.txt", error) is None
    assert failed(middleware, "http://hang.example/page", never_answered(ConnectionDone())) is None
    # another host's requests keep their retries
    assert isinstance(failed(middleware, "http://other.example/page", never_answered(ConnectionDone())), Request)


@pytest.mark.parametrize("error", [never_answered(ConnectionLost()), DownloadConnectionRefusedError()])
def test_a_robots_txt_reset_or_refused_keeps_its_retries(error):
    middleware = retry_middleware()
    retried = failed(middleware, "http://reset.example/robots.txt", error)
    assert isinstance(retried, Request) and retried.url == "http://reset.example/robots.txt"
    assert isinstance(failed(middleware, "http://reset.example/page", error), Request)


def test_a_host_that_answered_once_keeps_its_robots_txt_retries():
    middleware = retry_middleware()
    request = Request("http://flaky.example/page")
    asyncio.run(middleware.process_response(request, Response(request.url, status=200, request=request)))
    retried = failed(middleware, "http://flaky.example/robots.txt", never_answered(ConnectionDone()))
    assert isinstance(retried, Request)


def through_hand_over(crawler: Crawler, given: list[Request]) -> list[Request]:
    """What StartHandOver passes on to the engine's usual path, the rest handed over."""

    async def start():
        for request in given:
            yield request

    async def read():
        return [o async for o in StartHandOver.from_crawler(crawler).process_start(start())]

    return asyncio.run(read())


def test_start_requests_are_handed_over_only_while_the_scheduler_holds_few():
    # 50,000 seed URLs must not all sit in the scheduler at once.
    crawler = get_crawler(Spider, settings_dict={"CONCURRENT_REQUESTS": 2})
    engine = RecordingEngine(crawler)
    crawler.engine = engine  # type: ignore[assignment]
    requests = [Request(f"http://h{n}.example/") for n in range(20)]
    passed_on = through_hand_over(crawler, requests)
    assert engine.crawled == requests[:8]  # 4 per slot of CONCURRENT_REQUESTS
    assert passed_on == requests[8:]  # the engine takes these at its own pace


def test_a_crawl_of_many_articles_hands_nothing_over():
    # A list of 50,000 URLs: handing its requests over cost peak memory.
    crawler = get_crawler(Spider, settings_dict={"CONCURRENT_REQUESTS": 2})
    engine = RecordingEngine()
    crawler.engine = engine  # type: ignore[assignment]
    assert crawler.stats is not None
    crawler.stats.set_value("archiver/articles_count", 9)  # more than 4 per slot
    requests = [Request(f"http://h{n}.example/") for n in range(20)]
    assert through_hand_over(crawler, requests) == requests
    assert engine.crawled == []
