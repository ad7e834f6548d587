"""One :class:`~archiver.config.ArchiverConfig` per crawler, shared by every component.

The first component to ask builds it (``scrapy crawl`` asks before the crawl
starts, so a bad value stops it with one line); the others get the same
object, so the default report folder and job are named once per crawl.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from archiver.config import ArchiverConfig, SettingError

_configs: WeakKeyDictionary[Crawler, ArchiverConfig] = WeakKeyDictionary()


def config_of(crawler: Crawler) -> ArchiverConfig:
    """The crawler's config, built from its settings the first time it is asked for."""
    config = _configs.get(crawler)
    if config is None:
        config = _configs[crawler] = ArchiverConfig.from_settings(crawler.settings)
    return config


def config_or_exit(settings: Mapping[str, Any] | BaseSettings | None, exit_status: int) -> ArchiverConfig:
    """The config of a command's settings; a bad value ends the command with one line, no traceback."""
    try:
        return ArchiverConfig.from_settings(settings if settings is not None else {})
    except SettingError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(exit_status) from None
