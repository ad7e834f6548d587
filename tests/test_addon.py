"""The add-on's defaults give way to whatever the user sets."""

import pytest
from scrapy.settings import Settings

from archiver.crawl.addon import SPIDER_CONCURRENT_ITEMS, Archiver

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
