"""The Scrapy add-on that turns a Scrapy project into an archiver.

``ADDONS = {"archiver.addon.Archiver": 0}`` (or ``archiver.crawl.addon.Archiver``) enables our components at
documented orders and sets the defaults the crawl relies on, at add-on
priority: whatever the project, the spider or the command line sets wins.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError
from scrapy.settings import BaseSettings

from archiver import __version__
from archiver.config import ArchiverConfig
from archiver.crawl.addresses import PrivateAddressMiddleware
from archiver.crawl.capture import WarcCaptureMiddleware
from archiver.crawl.failures import (
    TypedHttpCompressionMiddleware,
    TypedMetaRefreshMiddleware,
    TypedRedirectMiddleware,
    TypedRobotsTxtMiddleware,
)
from archiver.crawl.network import NetworkReachability
from archiver.crawl.reporting import ReportWriter
from archiver.crawl.retry import BackoffRetryMiddleware
from archiver.crawl.settings import config_of
from archiver.crawl.start import ORDER as START_HAND_OVER_ORDER
from archiver.crawl.start import StartHandOver
from archiver.crawl.wacz_packaging import WaczPackager

# Downloader side of every Scrapy middleware that changes a response or
# hides an attempt (HttpCompression 590, Redirect 600, Retry 550), and of
# HttpProxyMiddleware (750), whose decision the address check needs.
CAPTURE_ORDER = 950
RETRY_ORDER = 550
ADDRESS_CHECK_ORDER = 760

# Scrapy's orders (DOWNLOADER_MIDDLEWARES_BASE).
TYPED_REPLACEMENTS = (
    (RobotsTxtMiddleware, TypedRobotsTxtMiddleware, 100),
    (MetaRefreshMiddleware, TypedMetaRefreshMiddleware, 580),
    (RedirectMiddleware, TypedRedirectMiddleware, 600),
    (HttpCompressionMiddleware, TypedHttpCompressionMiddleware, 590),
)

PROJECT_URL = "https://pypi.org/project/news-archiver/"
# Scrapy's default DOWNLOAD_MAXSIZE is 1 GiB, and a body is held whole, and
# copied, in memory: a 500 MB page took a crawl past 1 GB. No news page comes
# near this; HttpCompressionMiddleware stops a gzip bomb at the same size.
NEWS_DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
SPIDER_CONCURRENT_ITEMS = 8

# Polite per host, broad across hosts (Scrapy's "Broad Crawls" guide): an
# article links pages on hundreds of hosts, each of which gets at most two
# requests at a time, paced by AutoThrottle, after its robots.txt.
# Set at add-on priority, so a project, spider or -s setting wins. The DNS
# thread pool and timeout are read by the crawler process, before any
# add-on runs: they are in archiver/settings.py.
PER_HOST_CONCURRENCY = 2
CRAWL_DEFAULTS: dict[str, object] = {
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS_PER_DOMAIN": PER_HOST_CONCURRENCY,
    # Scrapy's 16 capped a 200-host crawl at 8 hosts at a time; the
    # per-host limit, not this one, is what keeps us polite.
    "CONCURRENT_REQUESTS": 256,
    # The slot of the host whose queue is shortest in the downloader goes
    # first, so one big host cannot starve the others (Scrapy 2.19's
    # default too; said here because the crawl relies on it).
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
    # AutoThrottle keeps a host's delay at least its latency divided by the
    # target, and raises it when the host slows down (and never lowers it
    # on an error answer): back-off stays. A target equal to the per-host
    # limit lets both requests a host allows be in flight (a target of one
    # halved every host's pace). The start delay is what a host waits
    # between requests until its first answer sets the pace, and that first
    # answer is its robots.txt, fetched alone before any other request to
    # the host. Scrapy's 5 s held a host of 10 links for most of a minute;
    # even 0.5 s, halved answer by answer, made a 60-host crawl take 2.3
    # times as long as without AutoThrottle (bench/realweb.py). Not 0:
    # Scrapy 2.19 counts a request against its host's limit only once its
    # download task starts, so a slot without a delay sends every request
    # queued for it at once (8 at a host whose robots.txt had failed, in
    # tests/test_realweb.py); any delay sends them one at a time.
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.05,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": float(PER_HOST_CONCURRENCY),
    # The same reason, for every slot: AutoThrottle never goes below
    # DOWNLOAD_DELAY, and a crawl with AutoThrottle off keeps it. At 0, a host
    # with 300 queued links got 256 requests at once (CONCURRENT_REQUESTS)
    # whatever CONCURRENT_REQUESTS_PER_DOMAIN said. 10 ms caps a host at 100
    # requests a second and lets the per-host limit hold.
    "DOWNLOAD_DELAY": 0.01,
    "DOWNLOAD_TIMEOUT": 30,
    "RETRY_TIMES": 2,
}


def user_agent(contact_url: str | None) -> str:
    return f"news-archiver/{__version__} (+{contact_url or PROJECT_URL})"


class Archiver:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Archiver:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        # The crawler's one config (its job names the Redis keys); given bare
        # settings and no crawler, the same declarations read them.
        config = config_of(self.crawler) if self.crawler is not None else ArchiverConfig.from_settings(settings)
        settings.setdefault_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", WarcCaptureMiddleware, CAPTURE_ORDER
        )
        settings.setdefault_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", PrivateAddressMiddleware, ADDRESS_CHECK_ORDER
        )
        # Scrapy's own retry, replaced in its place (550) by one that waits.
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", RetryMiddleware, None)
        settings.setdefault_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", BackoffRetryMiddleware, RETRY_ORDER
        )
        # Scrapy's robots.txt and redirect middlewares, replaced in their
        # places by ones whose refusals say what they are by their type.
        for scrapy_class, ours, order in TYPED_REPLACEMENTS:
            settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", scrapy_class, None)
            settings.setdefault_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", ours, order)
        for name, value in CRAWL_DEFAULTS.items():
            settings.set(name, value, priority="addon")
        settings.setdefault_in_component_priority_dict("SPIDER_MIDDLEWARES", StartHandOver, START_HAND_OVER_ORDER)
        settings.setdefault_in_component_priority_dict("EXTENSIONS", NetworkReachability, 0)
        settings.setdefault_in_component_priority_dict("EXTENSIONS", ReportWriter, 0)
        settings.setdefault_in_component_priority_dict("EXTENSIONS", WaczPackager, 0)
        settings.set(
            "DUPEFILTER_CLASS", "archiver.crawl.dupefilters.RedirectHopDupeFilter", priority="addon"
        )
        if config.redis_url:
            # Imported only here: scrapy-redis is needed only for distributed crawls.
            from archiver.crawl.distributed import redis_settings

            for name, value in redis_settings(config).items():
                settings.set(name, value, priority="addon")
        # Scrapy 2.13+ starts CONCURRENT_ITEMS asyncio tasks for every response
        # of an async callback, whatever it yields (scrapy/scrapy#5182): the
        # default 100 made a 2,000-page crawl 1.5 times slower. Our spider
        # yields a few requests and no items.
        settings.set("CONCURRENT_ITEMS", SPIDER_CONCURRENT_ITEMS, priority="addon")
        # Scrapy's remote control (an HTTP server running any Python code
        # given with its token) and telnet console: nothing here needs
        # them, and a crawl of untrusted pages should not offer them. A user
        # who wants one turns it on in the project or on the command line.
        settings.set("TELNETCONSOLE_ENABLED", False, priority="addon")
        settings.set("REMOTE_CONTROL_ENABLED", False, priority="addon")
        settings.set("DOWNLOAD_MAXSIZE", NEWS_DOWNLOAD_MAXSIZE, priority="addon")
        # A 404 is a finding to archive and report, not a response to drop.
        settings.set("HTTPERROR_ALLOW_ALL", True, priority="addon")
        settings.set(
            "USER_AGENT", user_agent(config.contact_url), priority="addon"
        )
        # A name that does not resolve will not resolve a second later;
        # retrying it only slows an offline run down (lychee does the same).
        retry_exceptions = [
            e
            for e in settings.getlist("RETRY_EXCEPTIONS")
            if e not in (CannotResolveHostError, "scrapy.exceptions.CannotResolveHostError")
        ]
        settings.set("RETRY_EXCEPTIONS", retry_exceptions, priority="addon")
