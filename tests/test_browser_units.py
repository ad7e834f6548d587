"""The browser's decisions that need no browser (issue 14): which pages, which headers, a missing Chromium."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from archiver.config import ArchiverConfig
from archiver.crawl import browser as browser_module
from archiver.crawl.browser import BrowserMissing, PageRenderer, browser_headers, check_browser
from archiver.warc.vocab import CrawlRole

pytestmark = pytest.mark.fast

URL = "http://news.example/story"
# Any executable file passes the start-up check; nothing is launched here.
ANY_EXECUTABLE = Path("/bin/sh")


def _renderer(pages: str = "articles") -> PageRenderer:
    config = dataclasses.replace(ArchiverConfig.defaults(), browser=True, browser_pages=pages,
                                 chromium=ANY_EXECUTABLE)
    return PageRenderer(get_crawler(), config)


def _html(status: int = 200, content_type: bytes = b"text/html; charset=utf-8") -> TextResponse:
    return HtmlResponse(URL, status=status, headers={"Content-Type": content_type}, body=b"<html></html>",
                        request=Request(URL))


def test_articles_are_rendered_and_linked_pages_only_with_all() -> None:
    articles, everything = _renderer(), _renderer("all")
    assert articles.wants(CrawlRole(0, URL), _html())
    assert not articles.wants(CrawlRole(1, URL), _html())
    assert everything.wants(CrawlRole(1, URL), _html())


@pytest.mark.parametrize(("role", "response"), [
    (CrawlRole(0, URL, probe=True), _html()),  # a soft-404 probe
    (CrawlRole(0, URL, lookup_for=URL, lookup_kind="timegate"), _html()),  # a web archive's answer
    (CrawlRole(0, URL), _html(status=404)),
    (CrawlRole(0, URL), _html(status=301)),
    (CrawlRole(0, URL), _html(content_type=b"application/pdf")),
])
def test_what_is_not_a_page_to_render(role, response) -> None:
    assert not _renderer("all").wants(role, response)


def test_the_browser_gets_decoded_bodies_without_their_coding() -> None:
    response = TextResponse(URL, body=b"body", headers=[
        (b"Content-Type", b"text/css"), (b"Content-Encoding", b"gzip"), (b"Content-Length", b"999"),
        (b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"), (b"Vary", b"Accept-Encoding")])
    headers = {k.lower(): v for k, v in browser_headers(response).items()}
    assert headers == {"content-type": "text/css", "set-cookie": "a=1\nb=2", "vary": "Accept-Encoding"}


def test_a_missing_chromium_is_one_line_naming_the_package(tmp_path) -> None:
    config = dataclasses.replace(ArchiverConfig.defaults(), browser=True,
                                 chromium=tmp_path / "chromium")
    with pytest.raises(BrowserMissing) as raised:
        check_browser(config)
    message = str(raised.value)
    assert "\n" not in message and "apt-get install chromium" in message and str(tmp_path / "chromium") in message


# A page's requisites are fetched by the spider while the browser loads the page:
# the browser is answered by the spider's response, so each is downloaded once.
SCRIPT = "http://news.example/app.js"


def _downloads(renderer: PageRenderer, monkeypatch) -> list[str]:
    asked: list[str] = []

    async def download(request):
        asked.append(request.url)
        return browser_module.Fetched(200, {}, b"downloaded by the browser")

    monkeypatch.setattr(renderer, "_download", download)
    return asked


def test_a_requisite_the_spider_fetches_answers_the_browser(monkeypatch) -> None:
    async def run():
        renderer = _renderer()
        asked = _downloads(renderer, monkeypatch)
        renderer.expect(SCRIPT)
        waiting = renderer.fetch(Request(SCRIPT))
        await asyncio.sleep(0)
        assert not waiting.done()  # the spider's response is on its way
        renderer.arrived(SCRIPT, TextResponse(SCRIPT, body=b"from the spider",
                                              headers={"Content-Type": "application/javascript"}))
        assert (await waiting).body == b"from the spider"
        assert (await renderer.fetch(Request(SCRIPT))).body == b"from the spider"  # and kept for the next page
        return asked

    assert asyncio.run(run()) == []


def test_a_requisite_that_failed_fails_in_the_browser_too(monkeypatch) -> None:
    async def run():
        renderer = _renderer()
        asked = _downloads(renderer, monkeypatch)
        renderer.expect(SCRIPT)
        waiting = renderer.fetch(Request(SCRIPT))
        renderer.arrived(SCRIPT, error=IgnoreRequest("Forbidden by robots.txt"))
        with pytest.raises(IgnoreRequest, match="robots.txt"):
            await waiting
        return asked

    assert asyncio.run(run()) == []


def test_a_requisite_the_scheduler_dropped_is_downloaded_by_the_browser(monkeypatch) -> None:
    async def run():
        renderer = _renderer()
        asked = _downloads(renderer, monkeypatch)
        renderer.expect(SCRIPT)
        waiting = renderer.fetch(Request(SCRIPT))
        renderer.dropped(Request(SCRIPT))  # the dupefilter: fetched before as a linked page
        assert (await waiting).body == b"downloaded by the browser"
        return asked

    assert asyncio.run(run()) == [SCRIPT]


def test_a_requisite_that_never_comes_is_downloaded_by_the_browser(monkeypatch) -> None:
    monkeypatch.setattr(browser_module, "EXPECTED_WAIT_SECONDS", 0.05)

    async def run():
        renderer = _renderer()
        asked = _downloads(renderer, monkeypatch)
        renderer.expect(SCRIPT)
        assert (await renderer.fetch(Request(SCRIPT))).body == b"downloaded by the browser"
        return asked

    assert asyncio.run(run()) == [SCRIPT]
