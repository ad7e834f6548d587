"""The browser's decisions that need no browser (issue 14): which pages, which headers, a missing Chromium."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from archiver.config import ArchiverConfig
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
