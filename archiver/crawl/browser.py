"""Render fetched pages in headless Chromium, every byte it loads fetched by the crawl (``ARCHIVER_BROWSER``).

Playwright drives Debian's chromium (``executable_path``; nothing downloads
a browser). Each request the page makes is intercepted (``page.route``) and
downloaded through Scrapy's engine, so the downloader middlewares apply as
to any request: the capture middleware archives the bytes the server sent,
robots.txt, politeness, retries and the private-address guard hold. The
browser gets the response Scrapy decoded (HttpCompressionMiddleware sits
above the capture), with its Content-Encoding dropped. The page's own HTML
is the response the spider was handed: it is never fetched twice.

A rendering scrolls to the end of the page (lazy images, IntersectionObserver),
waits for the network to settle within ``ARCHIVER_BROWSER_TIMEOUT``, never
lets the page navigate away, and sends ``page_rendered`` (screenshot,
thumbnail, DOM) and, when it failed or is incomplete, ``browser_failed``:
the capture middleware writes both; the crawl goes on either way.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from archiver.config import ArchiverConfig
from archiver.crawl import signals as archiver_signals
from archiver.crawl.capture import RECORD_ID_META
from archiver.crawl.errors import CannotStart
from archiver.crawl.failures import failure_message
from archiver.warc.records import Rendering
from archiver.warc.screenshots import SCROLL_PAUSE_MS, SCROLL_TO_END, THUMBNAIL_QUALITY, VIEWPORT, thumbnail_clip
from archiver.warc.vocab import META_KEY, BrowserFailureKind, CrawlRole

logger = logging.getLogger(__name__)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]
PAGES_AT_ONCE = 2  # two Chromium tabs keep a 2-core machine busy without starving the crawl
QUIET_SECONDS = 0.5  # no request in flight for this long: the network has settled
EVIDENCE_TIMEOUT_MS = 15_000  # the screenshot and the DOM, after the page's own time limit
LAUNCH_TIMEOUT_MS = 60_000  # Chromium takes 4 s to start on a busy 2-core machine; one that hangs is a crash
MESSAGE_CHARS = 300
CACHE_BYTES = 64 << 20  # decoded bodies kept for pages that ask for them again
# How long the browser waits for a requisite the spider has asked for (archiver/crawl/spider.py)
# before downloading it itself: a request some middleware dropped without a word must not hang the page.
EXPECTED_WAIT_SECONDS = 20.0
# What the browser gets and Scrapy already undid (or will redo): the body is decoded and whole.
DROPPED_RESPONSE_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
# What Scrapy sets itself (its User-Agent names us; its cookie jar and Accept-Encoding are its own).
DROPPED_REQUEST_HEADERS = {"user-agent", "cookie", "accept-encoding", "host", "connection", "content-length"}


class BrowserMissing(CannotStart):
    """ARCHIVER_BROWSER is on and the browser or its driver is not installed."""


def check_browser(config: ArchiverConfig) -> None:
    """Fail at start, in one line, when the browser cannot run."""
    executable = config.chromium
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        raise BrowserMissing(f"ARCHIVER_BROWSER is on but {executable} is not an executable Chromium: install "
                             "Debian's chromium package (apt-get install chromium) or set "
                             "ARCHIVER_CHROMIUM")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        raise BrowserMissing("ARCHIVER_BROWSER is on but Playwright is not installed: "
                             "pip install 'news-archiver[browser]'") from None


@dataclass(frozen=True)
class Fetched:
    """A response as the browser gets it."""

    status: int
    headers: dict[str, str]
    body: bytes


def browser_headers(response: Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name in response.headers:
        key = name.decode("latin-1")
        if key.lower() in DROPPED_RESPONSE_HEADERS:
            continue
        values = [v.decode("latin-1") for v in response.headers.getlist(name)]
        # Playwright takes repeated Set-Cookie headers on separate lines.
        headers[key] = ("\n" if key.lower() == "set-cookie" else ", ").join(values)
    return headers


def fetched_of(response: Response) -> Fetched:
    return Fetched(response.status, browser_headers(response), response.body)


class PageRenderer:
    """One Chromium for the crawl, launched when the spider opens (again after a crash); a fresh context per page."""

    def __init__(self, crawler: Crawler, config: ArchiverConfig) -> None:
        check_browser(config)
        self.crawler = crawler
        self.config = config
        self._playwright: Any = None
        self._browser: Any = None
        self._launching = asyncio.Lock()
        self._tabs = asyncio.Semaphore(PAGES_AT_ONCE)
        # URL -> the download, shared by every page that asks for it: one download per URL.
        self._fetches: OrderedDict[str, asyncio.Future[Fetched]] = OrderedDict()
        self._cached_bytes = 0
        # URL -> the response of a requisite request the spider has yielded, still on its way.
        self._expected: dict[str, asyncio.Future[Fetched]] = {}
        self._early: asyncio.Future | None = None

    def wants(self, role: CrawlRole, response: Response) -> bool:
        """Whether this response is a page the browser renders."""
        if role.probe or role.lookup_for or not 200 <= response.status < 300:
            return False
        if b"html" not in (response.headers.get("Content-Type") or b"").lower():
            return False
        return role.depth == 0 or self.config.browser_pages == "all"

    def launch_early(self) -> None:
        """Start Chromium while the seeds load (spider_opened): a second or more off the first page."""
        self._early = asyncio.ensure_future(self._launched())
        # A failure is the first page's to report (as a crash), not this task's.
        self._early.add_done_callback(lambda task: task.cancelled() or task.exception())

    async def _launched(self):
        async with self._launching:
            if self._browser is None or not self._browser.is_connected():
                from playwright.async_api import async_playwright

                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=str(self.config.chromium), args=ARGS, headless=True,
                    timeout=LAUNCH_TIMEOUT_MS)
            return self._browser

    async def close(self) -> None:
        if self._early is not None and not self._early.done():
            self._early.cancel()
        if self._browser is not None:
            try:
                await self._browser.close()
            except Exception:  # noqa: BLE001 - a crashed browser has nothing left to close
                pass
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    def _failed(self, url: str, kind: BrowserFailureKind, message: str, concurrent_to: str | None) -> None:
        # Playwright's messages go on with a call log and the browser's output: the first line says it.
        message = message.strip().splitlines()[0][:MESSAGE_CHARS] if message.strip() else kind.value
        logger.warning("Browser: %s %s: %s", kind, url, message)
        self.crawler.signals.send_catch_log(archiver_signals.browser_failed, url=url, kind=str(kind),
                                            message=message, concurrent_to=concurrent_to)

    async def render(self, response: Response, role: CrawlRole) -> str | None:
        """Render the page of ``response``; its DOM, or None when nothing could be rendered."""
        concurrent_to = response.meta.get(RECORD_ID_META)
        async with self._tabs:
            try:
                browser = await self._launched()
                context = await browser.new_context(
                    viewport=VIEWPORT, user_agent=self.crawler.settings.get("USER_AGENT"),
                    service_workers="block", accept_downloads=False)
            except Exception as error:  # noqa: BLE001 - a browser that will not start is a finding
                self._failed(response.url, BrowserFailureKind.CRASH, f"{type(error).__name__}: {error}",
                             concurrent_to)
                return None
            try:
                return await _PageVisit(self, context, response, role, concurrent_to).run()
            except Exception as error:  # noqa: BLE001 - one page's failure must not stop the crawl
                crashed = not browser.is_connected() or "crash" in str(error).lower()
                kind = BrowserFailureKind.CRASH if crashed else BrowserFailureKind.ERROR
                self._failed(response.url, kind, f"{type(error).__name__}: {error}", concurrent_to)
                return None
            finally:
                try:
                    await context.close()
                except Exception:  # noqa: BLE001 - gone with a crashed browser
                    pass

    def expect(self, url: str) -> None:
        """The spider has yielded a requisite request for ``url``: the browser waits for its response.

        A page's requisites (archiver/analysis/requisites.py) are fetched by the
        spider as the browser loads the page; without this the browser would
        download the same script or image a second time, and the WARC hold it twice.
        """
        key = f"GET {url}"
        if key not in self._fetches and key not in self._expected:
            self._expected[key] = asyncio.get_running_loop().create_future()

    def arrived(self, url: str, response: Response | None = None, error: BaseException | None = None) -> None:
        """The spider's requisite request for ``url`` ended: its response (or its failure) answers the browser."""
        future = self._expected.pop(f"GET {url}", None)
        if future is None or future.done():
            return
        if response is not None:
            future.set_result(fetched_of(response))
            self._fetches[f"GET {url}"] = future
            self._account(future)
        else:
            future.set_exception(error or IgnoreRequest(f"the requisite {url} was not fetched"))
            future.exception()  # retrieved: a page that never asks for it leaves no "never retrieved" log

    def dropped(self, request: scrapy.Request) -> None:
        """The scheduler dropped a request (the dupefilter): a requisite it was fetched as is not coming."""
        future = self._expected.pop(f"GET {request.url}", None)
        if future is not None and not future.done():
            # Fetched before as something else (a linked page): the browser downloads it itself.
            future.cancel()

    def fetch(self, request: scrapy.Request) -> asyncio.Future[Fetched]:
        """The download of ``request`` through the engine, shared with every earlier ask for its URL."""
        key = f"{request.method} {request.url}"
        cacheable = request.method in ("GET", "HEAD")
        found = self._fetches.get(key) if cacheable else None
        if found is not None:
            self._fetches.move_to_end(key)
            return found
        expected = self._expected.get(key) if cacheable else None
        if expected is not None:
            return asyncio.ensure_future(self._await_expected(expected, request))
        future = asyncio.ensure_future(self._download(request))
        if cacheable:
            self._fetches[key] = future
            future.add_done_callback(lambda done: self._account(done))
        return future

    def remember(self, url: str, fetched: Fetched) -> None:
        """A response the crawl already has (the page itself): the browser is answered from it."""
        future: asyncio.Future[Fetched] = asyncio.get_running_loop().create_future()
        future.set_result(fetched)
        self._fetches[f"GET {url}"] = future
        self._account(future)

    def _account(self, done: asyncio.Future[Fetched]) -> None:
        if done.cancelled() or done.exception() is not None:
            return
        self._cached_bytes += len(done.result().body)
        while self._cached_bytes > CACHE_BYTES and len(self._fetches) > 1:
            _, oldest = self._fetches.popitem(last=False)
            if oldest.done() and not oldest.cancelled() and oldest.exception() is None:
                self._cached_bytes -= len(oldest.result().body)

    async def _await_expected(self, expected: asyncio.Future[Fetched], request: scrapy.Request) -> Fetched:
        """The spider's response for a requisite; the browser's own download if it never comes."""
        try:
            return await asyncio.wait_for(asyncio.shield(expected), EXPECTED_WAIT_SECONDS)
        except TimeoutError:
            logger.debug("Browser: %s did not come from the spider in %g s; downloading it",
                         request.url, EXPECTED_WAIT_SECONDS)
        except asyncio.CancelledError:
            if not expected.cancelled():
                raise  # this wait itself was cancelled, not the spider's request
        return await self._download(request)

    async def _download(self, request: scrapy.Request) -> Fetched:
        engine = self.crawler.engine
        assert engine is not None  # pages are rendered while the crawl runs
        try:
            response = await engine.download_async(request)
        except BaseException as error:
            # Archived like a failure of the spider's own requests (once: see capture.request_failed).
            if isinstance(error, Exception):
                self.crawler.signals.send_catch_log(archiver_signals.request_failed, request=request,
                                                    exception=error)
            raise
        self.crawler.stats.inc_value("archiver/browser/request_count")
        return fetched_of(response)


class _PageVisit:
    """One page in one browser context: route, load, scroll, settle, keep the evidence."""

    def __init__(self, renderer: PageRenderer, context: Any, response: Response, role: CrawlRole,
                 concurrent_to: str | None) -> None:
        self.renderer = renderer
        self.context = context
        self.response = response
        self.role = CrawlRole(role.depth + 1, role.article)  # what the page's requisites are fetched for
        self.concurrent_to = concurrent_to
        self.in_flight = 0
        self.requests = 0
        self.last_activity = asyncio.get_running_loop().time()
        self.navigated = False  # the page's own navigation has been asked for: no other is let through
        self.page: Any = None

    async def run(self) -> str | None:
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        renderer, response = self.renderer, self.response
        timeout = renderer.config.browser_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        renderer.remember(response.url, fetched_of(response))
        page = self.page = await self.context.new_page()
        page.on("popup", self._popup)
        await page.route("**/*", self._route)
        await page.route_web_socket("**/*", _refuse_websocket)
        problem: tuple[BrowserFailureKind, str] | None = None
        try:
            await page.goto(response.url, wait_until="load", timeout=timeout * 1000)
        except PlaywrightTimeout:
            problem = (BrowserFailureKind.TIMEOUT, f"the page did not load within {timeout:g} s "
                                                   "(ARCHIVER_BROWSER_TIMEOUT); rendered as it was")
        if problem is None:
            try:
                await asyncio.wait_for(page.evaluate(SCROLL_TO_END, SCROLL_PAUSE_MS),
                                       max(0.1, deadline - loop.time()))
            except TimeoutError:
                problem = (BrowserFailureKind.UNSETTLED, f"scrolling to the end took more than {timeout:g} s "
                                                         "(ARCHIVER_BROWSER_TIMEOUT); rendered as it was")
        if problem is None and not await self._settled(deadline):
            problem = (BrowserFailureKind.UNSETTLED,
                       f"the network never went quiet for {QUIET_SECONDS:g} s within {timeout:g} s "
                       f"(ARCHIVER_BROWSER_TIMEOUT; {self.in_flight} requests in flight at the end, "
                       f"{self.requests} asked for in all); rendered as it was")
        screenshot = await page.screenshot(full_page=True, type="png", timeout=EVIDENCE_TIMEOUT_MS)
        thumbnail = await self._thumbnail(page)
        dom = await page.content()
        renderer.crawler.signals.send_catch_log(archiver_signals.page_rendered, rendering=Rendering(
            url=response.url, concurrent_to=self.concurrent_to, screenshot=screenshot, thumbnail=thumbnail,
            dom=dom, rendered_at=datetime.datetime.now(datetime.UTC)))
        if problem is not None:
            renderer._failed(response.url, problem[0], problem[1], self.concurrent_to)
        return dom

    async def _settled(self, deadline: float) -> bool:
        """Wait for no request in flight for QUIET_SECONDS; False at the deadline."""
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            if self.in_flight == 0 and loop.time() - self.last_activity >= QUIET_SECONDS:
                return True
            await asyncio.sleep(0.05)
        return False

    async def _thumbnail(self, page) -> bytes:
        """The first screen, scaled down by Chromium itself (no image library needed)."""
        session = await self.context.new_cdp_session(page)
        try:
            shot = await session.send("Page.captureScreenshot", {
                "format": "jpeg", "quality": THUMBNAIL_QUALITY, "clip": thumbnail_clip()})
        finally:
            await session.detach()
        return base64.b64decode(shot["data"])

    async def _popup(self, popup) -> None:
        await popup.close()  # window.open: a page of its own, not this one

    async def _route(self, route, request) -> None:
        self.in_flight += 1
        self.requests += 1
        self.last_activity = asyncio.get_running_loop().time()
        try:
            await self._answer(route, request)
        finally:
            self.in_flight -= 1
            self.last_activity = asyncio.get_running_loop().time()

    async def _answer(self, route, request) -> None:
        from playwright.async_api import Error as PlaywrightError

        if request.is_navigation_request() and request.frame == self.page.main_frame:
            if self.navigated:
                # A script's redirect, a reload, a form: the page stays the page the crawl fetched.
                await route.abort("aborted")
                return
            self.navigated = True
        headers = {k: v for k, v in (await request.all_headers()).items()
                   if k.lower() not in DROPPED_REQUEST_HEADERS and not k.startswith(":")}
        scrapy_request = scrapy.Request(
            request.url, method=request.method, headers=headers, body=request.post_data_buffer or b"",
            meta={META_KEY: self.role}, dont_filter=True)
        try:
            fetched = await self.renderer.fetch(scrapy_request)
        except IgnoreRequest:
            await _quietly(route.abort("blockedbyclient"))
            return
        except Exception as error:  # noqa: BLE001 - archived as a failure; the page gets an error
            logger.debug("Browser request %s failed: %s", request.url, failure_message(error))
            await _quietly(route.abort("failed"))
            return
        try:
            await route.fulfill(status=fetched.status, headers=fetched.headers, body=fetched.body)
        except PlaywrightError:
            pass  # the page was closed (its time was up) before this answer came


async def _quietly(awaitable) -> None:
    from playwright.async_api import Error as PlaywrightError

    try:
        await awaitable
    except PlaywrightError:
        pass  # the page is gone


async def _refuse_websocket(websocket) -> None:
    # Never connected: a socket's traffic could not go through the downloader and into the WARC.
    await websocket.close()
