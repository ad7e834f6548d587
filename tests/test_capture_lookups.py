"""The history is asked for a revisit's original only where one can be: a first crawl into a new folder asks little."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archiver.crawl.capture import WarcCaptureMiddleware

pytestmark = pytest.mark.fast


class Capture:
    """The capture middleware with its writer and its history's lookups counted, not run."""

    def __init__(self, tmp_path: Path, warc_dir: Path) -> None:
        crawler = get_crawler(Spider, settings_dict={
            "ARCHIVER_WARC_DIR": str(warc_dir),
            "ARCHIVER_REPORT_DIR": str(tmp_path / "report"),
            "ARCHIVER_HISTORY_URL": f"sqlite:///{tmp_path / 'history.sqlite'}",
        })
        self.middleware = WarcCaptureMiddleware.from_crawler(crawler)
        self.asked: list[str] = []
        assert self.middleware.history is not None
        history = self.middleware.history
        find = history.find_capture

        def counted(url: str, digest: str, folder: str | None = None):
            self.asked.append(url)
            return find(url, digest, folder)

        history.find_capture = counted  # type: ignore[method-assign]
        self.middleware._write = lambda *args, **kwargs: Future()  # type: ignore[method-assign]

    def fetched(self, url: str) -> None:
        request = Request(url)
        self.middleware.process_response(request, HtmlResponse(url, body=b"<p>a page</p>", request=request))

    def close(self) -> None:
        assert self.middleware.history is not None
        self.middleware.history.close()


def test_a_first_crawl_into_a_new_folder_asks_only_about_urls_it_captured_already(tmp_path):
    capture = Capture(tmp_path, tmp_path / "warcs")
    try:
        for n in range(3):
            capture.fetched(f"http://a.example/{n}")
        assert capture.asked == []
        capture.fetched("http://a.example/1")  # fetched again in this crawl: it may be a revisit
        assert capture.asked == ["http://a.example/1"]
    finally:
        capture.close()


def test_a_folder_with_warc_files_has_every_url_asked_about(tmp_path):
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    (warcs / "archiver-earlier-00000.warc.gz").write_bytes(b"")
    capture = Capture(tmp_path, warcs)
    try:
        for n in range(3):
            capture.fetched(f"http://a.example/{n}")
        assert capture.asked == [f"http://a.example/{n}" for n in range(3)]
    finally:
        capture.close()
