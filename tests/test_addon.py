"""The add-on's defaults give way to whatever the user sets."""

import pytest
from scrapy.settings import Settings

from archiver.crawl.addon import (
    CRAWL_DEFAULTS,
    NEWS_DOWNLOAD_MAXSIZE,
    PER_HOST_CONCURRENCY,
    SPIDER_CONCURRENT_ITEMS,
    Archiver,
)

pytestmark = pytest.mark.fast


def settings_with_addon(**user) -> Settings:
    settings = Settings()
    settings.setdict(user, priority="project")
    Archiver().update_settings(settings)
    return settings


def test_item_concurrency_is_lowered_for_a_spider_that_yields_requests():
    assert settings_with_addon().getint("CONCURRENT_ITEMS") == SPIDER_CONCURRENT_ITEMS < 100


def test_a_project_setting_wins_over_the_addon():
    settings = settings_with_addon(CONCURRENT_ITEMS=50, HTTPERROR_ALLOW_ALL=False)
    assert settings.getint("CONCURRENT_ITEMS") == 50
    assert settings.getbool("HTTPERROR_ALLOW_ALL") is False


def test_remote_control_and_telnet_are_off_unless_the_user_turns_them_on():
    # Scrapy's own defaults turn both on: the add-on, not settings.py, turns them off.
    assert Settings().getbool("REMOTE_CONTROL_ENABLED") and Settings().getbool("TELNETCONSOLE_ENABLED")
    settings = settings_with_addon()
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    chosen = settings_with_addon(REMOTE_CONTROL_ENABLED=True, TELNETCONSOLE_ENABLED=True)
    assert chosen.getbool("REMOTE_CONTROL_ENABLED") and chosen.getbool("TELNETCONSOLE_ENABLED")


def test_download_size_is_bounded_for_news_pages_unless_the_user_says_otherwise():
    assert settings_with_addon().getint("DOWNLOAD_MAXSIZE") == NEWS_DOWNLOAD_MAXSIZE
    assert NEWS_DOWNLOAD_MAXSIZE < Settings().getint("DOWNLOAD_MAXSIZE")  # Scrapy's 1 GiB
    assert settings_with_addon(DOWNLOAD_MAXSIZE=0).getint("DOWNLOAD_MAXSIZE") == 0


def test_decompression_gives_up_with_a_typed_refusal():
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware

    from archiver.crawl.failures import TypedHttpCompressionMiddleware

    middlewares = settings_with_addon().getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares.get(HttpCompressionMiddleware) is None
    assert middlewares.get(TypedHttpCompressionMiddleware) == 590


def test_crawl_defaults_are_polite_per_host_and_broad_across_hosts():
    settings = settings_with_addon()
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == PER_HOST_CONCURRENCY == 2
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    # AutoThrottle never aims at more requests in flight than a host allows.
    assert settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") <= PER_HOST_CONCURRENCY
    # Many hosts at a time: far more than Scrapy's 16.
    assert settings.getint("CONCURRENT_REQUESTS") >= 100
    assert settings["SCHEDULER_PRIORITY_QUEUE"] == "scrapy.pqueues.DownloaderAwarePriorityQueue"


@pytest.mark.parametrize(("name", "value"), [
    ("ROBOTSTXT_OBEY", False),
    ("CONCURRENT_REQUESTS", 16),
    ("CONCURRENT_REQUESTS_PER_DOMAIN", 8),
    ("AUTOTHROTTLE_ENABLED", False),
    ("AUTOTHROTTLE_START_DELAY", 5.0),
    ("AUTOTHROTTLE_TARGET_CONCURRENCY", 1.0),
    ("SCHEDULER_PRIORITY_QUEUE", "scrapy.pqueues.ScrapyPriorityQueue"),
    ("DOWNLOAD_TIMEOUT", 180),
    ("RETRY_TIMES", 0),
    ("DOWNLOAD_DELAY", 0.0),
])
def test_every_crawl_default_gives_way_to_a_user_setting(name, value):
    assert name in CRAWL_DEFAULTS
    assert CRAWL_DEFAULTS[name] != value  # else the test could not fail
    for priority in ("project", "spider", "cmdline"):
        settings = Settings()
        settings.set(name, value, priority=priority)
        Archiver().update_settings(settings)
        assert settings[name] == value, f"{name} set at {priority} priority"


def test_the_project_settings_leave_crawl_defaults_to_the_addon():
    # A value in archiver/settings.py (project priority) would hide the
    # add-on's default from every user of the add-on in another project.
    from archiver import settings as project_settings

    assert not set(CRAWL_DEFAULTS) & set(vars(project_settings))


def test_process_level_settings_are_in_the_project_settings():
    # Read by the crawler process before add-ons run: the add-on cannot set them.
    from archiver import settings as project_settings

    assert project_settings.REACTOR_THREADPOOL_MAXSIZE > 10  # Scrapy's default
    assert project_settings.DNS_TIMEOUT < 60  # Scrapy's default
