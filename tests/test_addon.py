"""The add-on's defaults give way to whatever the user sets."""

import pytest
from scrapy.settings import Settings

from archiver.crawl.addon import NEWS_DOWNLOAD_MAXSIZE, SPIDER_CONCURRENT_ITEMS, Archiver

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
