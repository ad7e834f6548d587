"""``scrapy crawl seeds``: every article of the seeds, what its page needs to be displayed, and its links."""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import chain, zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from archiver.analysis.links import body_links
from archiver.analysis.memento import lookup_request
from archiver.analysis.pages import PageJob, examine
from archiver.analysis.requisites import Requisite, RequisiteKind, html_requisites, stylesheet_requisites
from archiver.config import ArchiverConfig
from archiver.crawl import signals as archiver_signals
from archiver.crawl.errors import SeedPathMissing
from archiver.crawl.failures import classify_failure
from archiver.crawl.lookups import LookupQueue
from archiver.crawl.probes import Probe, ProbePlan
from archiver.crawl.resume import Journal, ResumeState, discard_scrapy_job_state, resume_state
from archiver.crawl.settings import config_of
from archiver.seeds import ArticleLink, group_articles, load_seeds, shown_name
from archiver.warc.children import QuietSpawnContext, pool_worker_setup
from archiver.warc.index import url_key
from archiver.warc.vocab import META_KEY, CrawlRole, FailureKind

if TYPE_CHECKING:
    from archiver.crawl.browser import PageRenderer

FETCHABLE_SCHEMES = ("http", "https")
# Requisites are fetched before other pages in the queue: close in time to
# the page they serve, so that the archived page looks as it did.
REQUISITE_PRIORITY = 1
# The first pages' body links are found in a thread of the crawl's process;
# past these, in spawned workers (trafilatura holds the GIL: a thread would
# share the event loop's core).
BODY_LINKS_IN_THREAD = 4
# Failures worth an archived copy; robots and exclusions are our own choice.
LOOKUP_FAILURES = {FailureKind.DNS_ERROR, FailureKind.CONNECTION_ERROR, FailureKind.TIMEOUT,
                   FailureKind.TLS_ERROR, FailureKind.TOO_MANY_REDIRECTS}


def fetchable(url: str | None) -> TypeGuard[str]:
    return bool(url) and urlsplit(url).scheme.lower() in FETCHABLE_SCHEMES


def host_interleaved(links: Iterable[ArticleLink]) -> list[ArticleLink]:
    """``links`` taken in turn from each host: every host's first, then every host's second…

    An article lists its links as its text has them, often many on one host
    together. In that order, the first ``CONCURRENT_REQUESTS`` of them went
    to the downloader at once and held its room while they waited their
    turn at a few hosts, two at a time; the other hosts, the slowest among
    them, got their first request seconds later. Taken in turn, every host
    starts at once (its robots.txt first) and the scheduler keeps feeding
    each. Hosts keep the order they first appear in, and each host its links'.
    """
    by_host: dict[str, list[ArticleLink]] = {}
    for link in links:
        by_host.setdefault(_host_of(link.url), []).append(link)
    return [link for link in chain.from_iterable(zip_longest(*by_host.values())) if link is not None]


def _host_of(url: str | None) -> str:
    try:
        return (urlsplit(url).hostname or "") if url else ""
    except ValueError:  # "http://[::1": not fetchable, its request will say so; any turn will do
        return ""


def role_of(request: scrapy.Request | None) -> CrawlRole:
    return CrawlRole.from_meta(request.meta.get(META_KEY) if request is not None else None)


class SeedsSpider(scrapy.Spider):
    """Arguments: ``-a seeds=PATH`` (a file or folder, default ``ARCHIVER_SEEDS``)."""

    name = "seeds"
    # Set by from_crawler, before the crawl starts.
    config: ArchiverConfig
    seeds_path: Path
    journal: Journal | None
    resumed: ResumeState | None
    renderer: PageRenderer | None  # ARCHIVER_BROWSER

    def __init__(self, *args, seeds: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seeds_arg = seeds
        self.probes = ProbePlan()
        self.article_dates: dict[str | None, datetime.date | None] = {}
        self.articles_by_key: dict[str, str] = {}  # url key -> the article's URL
        self.least_depth: dict[str, int] = {}  # url key -> the least depth it was requested at
        self._pool: ProcessPoolExecutor | None = None
        self._body_link_pages = 0  # pages asked for their body links so far
        self.lookups: LookupQueue[scrapy.Request] | None = None
        self._lookup_stop_said = False

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = config_of(crawler)
        spider.seeds_path = Path(spider.seeds_arg or spider.config.seeds)
        if not spider.seeds_path.exists():
            # Fail before the crawl starts: `scrapy crawl` then exits with 1.
            raise SeedPathMissing(
                f"seed path {spider.seeds_path} does not exist: "
                "pass -a seeds=PATH or set ARCHIVER_SEEDS"
            )
        spider.renderer = None
        if spider.config.browser:
            # Imported only when on: Playwright is an extra. A missing browser stops the crawl here.
            from archiver.crawl.browser import PageRenderer

            spider.renderer = PageRenderer(crawler, spider.config)
            crawler.signals.connect(spider.renderer.launch_early, signal=signals.spider_opened)
            crawler.signals.connect(spider.renderer.close, signal=signals.spider_closed)
            crawler.signals.connect(spider.renderer.dropped, signal=signals.request_dropped)
        config = spider.config
        if config.archive_lookup:
            spider.lookups = LookupQueue(config.archive_endpoint, config.archive_concurrency,
                                         config.archive_budget, config.archive_max_failures)
        spider.journal, spider.resumed = None, None
        jobdir = crawler.settings.get("JOBDIR")
        if jobdir:
            spider.journal = Journal(jobdir)
            if spider.journal.exists():
                # Before any component writes: the killed run's .open file is
                # cut to its last whole record and closed here.
                spider.resumed = resume_state(spider.journal)
                discard_scrapy_job_state(Path(jobdir))
            crawler.signals.connect(spider._scheduled, signal=signals.request_scheduled)
        return spider

    def _scheduled(self, request: scrapy.Request) -> None:
        assert self.journal is not None  # connected only with a JOBDIR
        self.journal.scheduled(request.url, role_of(request))

    def _send(self, signal, **kwargs) -> None:
        self.crawler.signals.send_catch_log(signal, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        path = self.seeds_path
        documents, problems = load_seeds(path)
        stats = self.crawler.stats
        resumed = self.resumed
        for problem in problems:
            self.logger.warning("Skipped seed %s", problem)
            stats.inc_value("archiver/seeds/skipped_count")
        for problem in resumed.unarchived_problems(problems) if resumed else problems:
            self._send(archiver_signals.seed_skipped, problem=problem)
        stats.inc_value("archiver/seeds/loaded_count", len(documents))
        for document in resumed.unarchived_seeds(documents) if resumed else documents:
            self._send(archiver_signals.seed_loaded, document=document)
        articles = group_articles(documents)
        self.article_dates = {a.url: a.published for a in articles}
        # A URL that is an article is fetched as one, whichever request for
        # it comes first: another article's link to it must not take its place.
        self.articles_by_key = {url_key(a.url): a.url for a in articles if fetchable(a.url)}
        if resumed:
            self.logger.info("Resuming job: %d URLs archived already, %d scheduled and not archived",
                             len(resumed.done), len(resumed.pending))
            for url, role in resumed.pending.items():
                if role.lookup_for:
                    # Asked again through the lookup queue, as in the killed run.
                    for lookup in self._archive_lookup_for(role.lookup_for, role):
                        yield lookup
                    continue
                request = self._request(url, role)
                if request is not None:
                    yield request
            async for request in self._links_of_archived_pages():
                yield request
        self.logger.info(
            "Loaded %d seeds from %s: %d articles, %d seeds skipped",
            len(documents), shown_name(os.fspath(path)), len(articles), len(problems),
        )
        stats.inc_value("archiver/articles_count", len(articles))
        if to_record := resumed.unrecorded_articles(articles) if resumed else articles:
            self._send(archiver_signals.articles_loaded, articles=to_record)
        for article in articles:
            if not fetchable(article.url):
                self.logger.warning(
                    "Article from %s has no URL to fetch; only its links are checked",
                    ", ".join(article.seeds),
                )
            elif request := self._request(article.url, CrawlRole(0, article.url)):
                yield request
            if self.config.depth < 1:
                continue
            for link in host_interleaved(article.links):
                if fetchable(link.url) and (request := self._request(link.url, CrawlRole(1, article.url))):
                    yield request

    def _request(self, url: str, role: CrawlRole) -> scrapy.Request | None:
        """A request in its strongest role; None when a resumed job has it archived.

        The dupefilter keeps the first request for a URL and drops the rest,
        so the first must carry the strongest role the URL has: an article's
        own (depth 0, its links followed), else the least depth it was
        reached at (remembered for parse, for a request already queued).
        """
        if self.resumed and self.resumed.is_done(url):
            return None
        if role.requisite:
            return self._requisite_request(url, role)
        if not (role.probe or role.lookup_for):
            key = url_key(url)
            if key in self.articles_by_key:
                role = CrawlRole(0, self.articles_by_key[key])
            best = self.least_depth.get(key)
            if best is None or role.depth < best:
                self.least_depth[key] = role.depth
        return scrapy.Request(url, callback=self.parse, errback=self.failed,
                              meta={META_KEY: role}, dont_filter=role.probe)

    def _requisite_request(self, url: str, role: CrawlRole) -> scrapy.Request:
        """A requisite, within ARCHIVER_REQUISITE_MAXSIZE: a larger one fails as over_size_limit.

        Scrapy cancels a download whose Content-Length (or, without one, whose
        bytes received so far) exceeds ``download_maxsize``: the body is not
        downloaded, and the capture middleware archives the skip.
        """
        meta: dict[str, object] = {META_KEY: role}
        if self.config.requisite_maxsize:
            meta["download_maxsize"] = self.config.requisite_maxsize
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta,
                              priority=REQUISITE_PRIORITY)

    def _wants_requisites(self, role: CrawlRole) -> bool:
        scope = self.config.requisites
        return scope == "all" or (scope == "articles" and role.depth == 0)

    def _requisite_requests(self, found: list[Requisite], role: CrawlRole, page: str):
        for requisite in found:
            request = self._request(requisite.url, CrawlRole(
                role.depth, role.article, requisite=requisite.kind, requisite_of=page))
            if request is not None:
                if self.renderer is not None:
                    self.renderer.expect(request.url)  # the browser is answered by this request's response
                yield request

    def _requisites_within(self, response: Response, role: CrawlRole):
        """A fetched requisite's own: a stylesheet's url() and @import, a frame's page requisites."""
        if not 200 <= response.status < 300 or role.requisite == RequisiteKind.RESOURCE:
            return
        page = role.requisite_of or role.article or response.url
        if role.requisite == RequisiteKind.STYLESHEET:
            content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
            found = stylesheet_requisites(response.body, content_type, response.url)
        elif role.requisite == RequisiteKind.FRAME and isinstance(response, HtmlResponse):
            found = html_requisites(response.text, response.url, frames=False)  # one level deep
        else:
            return
        yield from self._requisite_requests(found, role, page)

    async def _links_of_archived_pages(self):
        """Links and requisites of pages archived before the kill, which their parse may not have scheduled."""
        assert self.resumed is not None and self.resumed.index is not None and self.journal is not None
        index = self.resumed.index
        scheduled = self.journal.scheduled_requests()
        for url, role in scheduled.items():
            capture = index.capture(url)
            if role.probe or role.lookup_for or role.requisite or capture is None:
                continue
            follow, requisites = role.depth < self.config.depth, self._wants_requisites(role)
            if not (follow or requisites) or not 200 <= capture.status < 300 or capture.revisit_of:
                continue
            result = examine(PageJob(str(index.path_of(capture.location)), capture.location.offset,
                                     capture.url, want_links=True))
            if requisites:
                page = role.article if role.depth == 0 and role.article else capture.url
                for request in self._requisite_requests(list(result.requisites), role, page):
                    yield request
            for link in result.links if follow else ():
                if fetchable(link.url):
                    request = self._request(link.url, CrawlRole(role.depth + 1, role.article))
                    if request is not None:
                        yield request

    async def parse(self, response: Response):
        assert response.request is not None  # a downloaded response knows its request
        role = role_of(response.request)
        if role.requisite:
            if self.renderer is not None:
                self.renderer.arrived(response.request.meta.get("redirect_urls", [response.url])[0], response)
            # Not a link: no probe, no archive lookup, no links followed.
            for request in self._requisites_within(response, role):
                yield request
            return
        if role.lookup_for:
            if self.lookups is not None:
                self.lookups.answered(response.status)
                for lookup in self._send_lookups():
                    yield lookup
            return
        if role.probe:
            return
        if response.status >= 400:
            for lookup in self._archive_lookup(response.request, role):
                yield lookup
        if response.status >= 300:
            return
        if isinstance(response, HtmlResponse) and self._wants_requisites(role):
            found = html_requisites(response.text, response.url)
            # The page they serve: the article (as its seeds name it), or a linked page.
            page = role.article if role.depth == 0 and role.article else response.url
            for request in self._requisite_requests(found, role, page):
                yield request
        asked = self._asked(response.request)
        if self.config.soft404_probes:
            for probe in self._probe_requests(self.probes.page_answered(asked, role.depth)):
                yield probe
        depth = min(role.depth, self.least_depth.get(url_key(asked), role.depth))
        follow = depth < self.config.depth and isinstance(response, TextResponse)
        if follow:
            for link in await self._body_links(response.text, response.url):
                if fetchable(link.url):
                    request = self._request(link.url, CrawlRole(depth + 1, role.article))
                    if request is not None:
                        yield request
        if self.renderer is not None and self.renderer.wants(CrawlRole(depth, role.article), response):
            # After the links: they are on their way while the browser works.
            dom = await self.renderer.render(response, CrawlRole(depth, role.article))
            if follow and dom is not None:
                # Links a script wrote; those of the HTML are dropped as duplicates.
                for link in await self._body_links(dom, response.url):
                    if fetchable(link.url):
                        request = self._request(link.url, CrawlRole(depth + 1, role.article))
                        if request is not None:
                            yield request

    async def _body_links(self, html: str, url: str):
        """trafilatura is CPU-bound: off the crawl's event loop, in worker processes once pages are many.

        Workers are spawned only for the pages after the first few: a
        link check of one article (the peers' work) asks one page for its
        links (0.4 s of trafilatura for 2,000 links), and two workers
        started for it held those links back a second more while they
        imported trafilatura, and cost more CPU than the page.
        """
        self._body_link_pages += 1
        if self._pool is None and self._body_link_pages <= BODY_LINKS_IN_THREAD:
            return await asyncio.to_thread(body_links, html, url)
        if self._pool is None:
            # spawn, not fork: the crawling process runs threads.
            self._pool = ProcessPoolExecutor(
                max_workers=os.cpu_count() or 1, mp_context=QuietSpawnContext(),
                # Workers outlive neither a signal's graceful close nor a SIGKILL of the crawl.
                initializer=pool_worker_setup, initargs=(os.getpid(),),
            )
        return await asyncio.wrap_future(self._pool.submit(body_links, html, url))

    def closed(self, reason: str) -> None:
        stop = self.lookups.final_stop() if self.lookups is not None else None
        if stop is not None:
            self.crawler.stats.set_value("archiver/archive_lookup/unasked_count", stop.unasked)
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    @staticmethod
    def _asked(request: scrapy.Request) -> str:
        """The URL a request first asked for, before any redirect."""
        return request.meta.get("redirect_urls", [request.url])[0]

    def _probe_requests(self, probes: list[Probe]) -> Iterator[scrapy.Request]:
        """Soft-404 probes (archiver.crawl.probes says which are sent, and when)."""
        for probe in probes:
            request = self._request(probe.url, CrawlRole(probe.depth, None, probe=True))
            if request is not None:
                self.crawler.stats.inc_value("archiver/soft404/probe_count")
                yield request

    def failed(self, failure: Failure):
        # Most failures are archived already; one raised after the capture
        # middleware saw the response (a redirect loop) is archived now.
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy for errbacks
        error = failure.value
        assert error is not None
        self._send(archiver_signals.request_failed, request=request, exception=error)
        self.logger.info("Could not fetch %s: %s", request.url, failure.getErrorMessage())
        role = role_of(request)
        if role.requisite and self.renderer is not None:
            self.renderer.arrived(request.meta.get("redirect_urls", [request.url])[0], error=error)
        kind = classify_failure(error)
        if role.lookup_for:
            if self.lookups is not None:
                self.lookups.failed(kind, failure.getErrorMessage())
                yield from self._send_lookups()
        elif kind in LOOKUP_FAILURES and not (role.probe or role.requisite):
            yield from self._archive_lookup(request, role)

    def _archive_lookup(self, request: scrapy.Request, role: CrawlRole) -> list[scrapy.Request]:
        """Ask a web archive for the capture closest before the article's date.

        The answer is archived like any response (marked with the link it is
        for); the analysis turns it into the suggested archived copy. The
        lookup waits in its own queue (archiver/crawl/lookups.py): what is
        returned is what may be sent now.
        """
        return self._archive_lookup_for(request.meta.get("redirect_urls", [request.url])[0], role)

    def _archive_lookup_for(self, target: str, role: CrawlRole) -> list[scrapy.Request]:
        kind = self.config.archive_lookup
        if not kind or self.lookups is None:
            return []
        before = self.article_dates.get(role.article)
        try:
            lookup = lookup_request(self.config.archive_endpoint, kind, target, before)
        except ValueError as error:
            self.logger.warning("No archive lookup for %s: %s", target, error)
            return []
        lookup_role = CrawlRole(role.depth, role.article, lookup_for=target, lookup_kind=kind,
                                lookup_before=before)
        # The TimeGate's redirect is the answer: keep it, do not follow it.
        # No retries: a failing archive is given up on, not asked three times.
        queued = self.lookups.add(target, scrapy.Request(
            lookup.url, headers=lookup.headers, callback=self.parse, errback=self.failed, dont_filter=True,
            meta={META_KEY: lookup_role, "dont_redirect": True, "handle_httpstatus_all": True,
                  "dont_retry": True}))
        if queued:
            self.crawler.stats.inc_value(f"archiver/archive_lookup/{kind}_count")
        return self._send_lookups()

    def _send_lookups(self) -> list[scrapy.Request]:
        assert self.lookups is not None
        ready = self.lookups.ready()
        for request in ready:
            # No lookup outlives the budget by more than a second.
            request.meta["download_timeout"] = min(self.config.archive_timeout,
                                                   max(1.0, self.lookups.remaining()))
        stop = self.lookups.stop
        if stop is not None and not self._lookup_stop_said:
            self._lookup_stop_said = True
            self.logger.warning("Archive lookups stopped: %s is not asked again in this run: %s; "
                                "%d queued lookups were not made", stop.endpoint, stop.reason, stop.unasked)
            self.crawler.stats.set_value("archiver/archive_lookup/stopped", stop.reason)
            self._send(archiver_signals.archive_lookups_stopped, stop=stop)
        return ready
