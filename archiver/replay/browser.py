"""One archived article opened through pywb in headless Chromium; every request it makes, judged.

Why frameless rewriting replay (``/check/<timestamp>/<url>``) and not pywb's
proxy mode: it is how a reader opens the archive (docs/replay.md), so the
check sees what a reader would; and each request the page makes is then
either a replay URL of pywb's (``<timestamp><modifier>_/<original URL>``),
answered by pywb alone, or a request to another host, which means the page
escaped pywb's rewriting and would reach the live web. Both are exact: the
original URL is read back from the replay URL, and pywb marks an answer
from the archive with ``Memento-Datetime`` (its "URL not found" page has
none, while a 404 archived as such has it). In proxy mode every request
would go to pywb whatever the page did, and an escape could not be seen.

Nothing reaches the live web: every request to a host other than pywb's is
aborted by Playwright's routing, and recorded. The page's Content-Security-
Policy (pywb sends one that allows only itself) is bypassed so that such
requests reach the routing to be recorded, instead of being dropped unseen.
"""

from __future__ import annotations

import base64
import datetime
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.warc.replaycheck import ArticleReplay, MissingResource
from archiver.warc.screenshots import SCROLL_PAUSE_MS, SCROLL_TO_END, THUMBNAIL_QUALITY, VIEWPORT, thumbnail_clip

# Chromium's switches for a headless run that asks nothing of Google's servers.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-domain-reliability", "--no-pings",
                 # pywb is on 127.0.0.1: no proxy the environment names stands between.
                 "--no-proxy-server",
                 # As the crawl's browser: no scrollbar in either screenshot.
                 "--hide-scrollbars", "--mute-audio"]
SCREENSHOT_TIMEOUT_MS = 15_000
_ANY_URL = re.compile(".*")
_REPLAY_PATH = re.compile(r"(?P<timestamp>\d{0,14})(?P<modifier>[a-z]{2}_)?/(?P<url>.+)", re.DOTALL)


class BrowserError(Exception):
    """Playwright or Chromium is missing or would not start; one line that names the fix."""


@dataclass
class _Requests:
    """What one page asked for, as the events arrive."""

    archived: dict[str, None] = field(default_factory=dict)  # ordered set
    missing: dict[str, MissingResource] = field(default_factory=dict)
    escaped: dict[str, None] = field(default_factory=dict)
    document_error: str | None = None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def preflight(chromium: Path) -> None:
    """Fail before pywb is started when the browser side cannot run."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise BrowserError("the replay check needs Playwright's Python package: "
                           "pip install 'news-archiver[browser]' (it drives the system's chromium; "
                           "no `playwright install` needed)") from None
    if not chromium.is_file():
        raise BrowserError(f"no Chromium at {chromium}: install Debian's chromium package "
                           "(apt-get install chromium) or name it with --chromium / ARCHIVER_CHROMIUM")


class ReplayBrowser:
    """``with ReplayBrowser(chromium, origin, prefix, timeout) as browser: browser.check(url, ts, replay_url)``."""

    def __init__(self, chromium: Path, origin: str, prefix: str, timeout: float, replay: str = "pywb") -> None:
        self.chromium, self.origin, self.prefix = chromium, origin, prefix
        self.timeout = timeout
        self.replay = f"{replay} (frameless) in Chromium"
        self._playwright: Any = None
        self._browser: Any = None

    def __enter__(self) -> ReplayBrowser:
        preflight(self.chromium)
        from playwright.sync_api import Error, sync_playwright

        try:
            self._playwright = sync_playwright().start()
        except Error as error:  # Playwright's driver (a Node.js program in its package) did not start
            raise BrowserError(f"Playwright did not start: {_first_line(error)}; reinstall it "
                               "(pip install --force-reinstall 'news-archiver[browser]')") from None
        try:
            self._browser = self._playwright.chromium.launch(executable_path=str(self.chromium),
                                                             args=CHROMIUM_ARGS, headless=True)
        except Error as error:
            self._playwright.stop()
            raise BrowserError(f"Chromium ({self.chromium}) did not start: {_first_line(error)}; install or repair "
                               "Debian's chromium package (apt-get install chromium)") from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()

    def _original(self, url: str) -> str | None:
        """The original URL a replay URL asks for; None for any other URL of pywb's."""
        if not url.startswith(self.prefix):
            return None
        match = _REPLAY_PATH.fullmatch(url[len(self.prefix):])
        return match["url"] if match else None

    def check(self, url: str, timestamp: str, replay_url: str) -> ArticleReplay:
        from playwright.sync_api import Error, TimeoutError

        seen = _Requests()
        result = ArticleReplay(url, timestamp, datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                               self.replay)
        try:
            # A fresh context per article: nothing cached from the one before hides a request.
            # The crawl's window size (archiver.warc.screenshots): the two screenshots are compared.
            context = self._browser.new_context(bypass_csp=True, service_workers="block", viewport=VIEWPORT)
        except Error as error:  # the browser is gone (crashed, killed)
            result.error = f"the browser could not open the page: {_first_line(error)}"
            return result
        try:
            context.route("**/*", lambda route: self._route(route, seen))
            # Routing does not see WebSockets: they are routed apart, and one to
            # another host is answered by no one (never connected) and recorded.
            context.route_web_socket(_ANY_URL, lambda socket: self._route_socket(socket, seen))
            page = context.new_page()
            page.on("response", lambda response: self._response(response, page, seen))
            page.on("requestfailed", lambda request: self._failed(request, page, seen))
            deadline = time.monotonic() + self.timeout
            try:
                page.goto(replay_url, wait_until="load", timeout=self.timeout * 1000)
                # Lazy images load when scrolled to, screen by screen as the crawl's browser
                # scrolls; then wait until nothing more is asked for.
                page.evaluate(SCROLL_TO_END, SCROLL_PAUSE_MS)
                left = max(deadline - time.monotonic(), 0.5)
                page.wait_for_load_state("networkidle", timeout=left * 1000)
            except TimeoutError:
                result.error = (f"the replayed page was still loading after {self.timeout:g} s "
                                "(ARCHIVER_REPLAY_CHECK_TIMEOUT): requests after that are not judged")
            except Error as error:
                result.error = f"the replayed page did not load: {_first_line(error)}"
            self._photograph(context, page, result)
        finally:
            try:
                context.close()
            except Error:
                pass  # a browser that died: its context is gone with it
        if seen.document_error and result.error is None:
            result.error = seen.document_error
        result.missing = list(seen.missing.values())
        result.archived = [u for u in seen.archived if u not in seen.missing]
        result.escaped = list(seen.escaped)
        return result

    def _photograph(self, context: Any, page: Any, result: ArticleReplay) -> None:
        """The replayed page's full-page PNG and first-screen JPEG, taken as the crawl's browser takes its own."""
        from playwright.sync_api import Error

        try:
            result.screenshot = page.screenshot(full_page=True, type="png", timeout=SCREENSHOT_TIMEOUT_MS)
            session = context.new_cdp_session(page)
            try:
                shot = session.send("Page.captureScreenshot", {
                    "format": "jpeg", "quality": THUMBNAIL_QUALITY, "clip": thumbnail_clip()})
            finally:
                session.detach()
            result.thumbnail = base64.b64decode(shot["data"])
        except Error as error:  # a page that crashed or never painted
            result.screenshot_error = f"the replay check could not take the screenshot: {_first_line(error)}"

    def _route(self, route: Any, seen: _Requests) -> None:
        request_url = route.request.url
        if request_url.startswith(self.origin + "/"):
            route.continue_()
        else:
            seen.escaped[request_url] = None
            route.abort("blockedbyclient")

    def _route_socket(self, socket: Any, seen: _Requests) -> None:
        parts = urlsplit(socket.url)
        if parts.hostname == "127.0.0.1" and parts.port == urlsplit(self.origin).port:
            socket.connect_to_server()
        else:
            seen.escaped[socket.url] = None
            socket.close(code=1008, reason="blocked by the replay check")

    def _response(self, response: Any, page: Any, seen: _Requests) -> None:
        request = response.request
        if not request.url.startswith(self.origin + "/"):
            return
        if request.url.startswith(self.origin + "/static/"):
            return  # pywb's own scripts (wombat.js): not the page's
        archived = "memento-datetime" in response.headers
        if request.is_navigation_request() and request.frame == page.main_frame:
            if not archived and not 300 <= response.status < 400:
                seen.document_error = f"the article itself is not in the replay (pywb answered {response.status})"
            return
        original = self._original(request.url)
        if original is None:
            seen.missing.setdefault(request.url, MissingResource(
                request.url, response.status,
                f"asked of the replay server outside its collection (pywb answered {response.status}): "
                "a URL pywb's rewriting did not reach"))
        elif archived:
            seen.archived[original] = None
        elif 300 <= response.status < 400:
            return  # pywb's own redirect to the capture nearest the timestamp: the next request is judged
        else:
            seen.missing.setdefault(original, MissingResource(
                original, response.status,
                "not in the archive" if response.status == 404
                else f"pywb answered {response.status} without Memento-Datetime (not from the archive)"))

    def _failed(self, request: Any, page: Any, seen: _Requests) -> None:
        if not request.url.startswith(self.origin + "/") or request.url.startswith(self.origin + "/static/"):
            return  # an escape (recorded by the routing) or pywb's own script
        if request.is_navigation_request() and request.frame == page.main_frame:
            return  # the article itself: page.goto says why it did not load
        original = self._original(request.url) or request.url
        if original not in seen.archived:
            seen.missing.setdefault(original, MissingResource(
                original, None, f"the request failed in the browser: {request.failure or 'no reason given'}"))
