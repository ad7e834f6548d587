"""Several crawl processes, one queue: scrapy-redis, set up for our jobs.

With ``ARCHIVER_REDIS_URL`` set, the add-on puts scrapy-redis' scheduler and
dupefilter in place of Scrapy's. Queue and seen-set keys are named after
the config's job (``ARCHIVER_JOB``, else Scrapyd's job, else the UTC date;
the history records the runs under the same name), and persist when a
process closes: the first process to run out of work must not flush the
queue its peers are still working on.

scrapy-redis documents its settings and classes, not their insides; this
is the one module that touches them (pyproject.toml bounds its version,
tests/test_library_internals.py checks each piece): the ``stats`` attribute
its ``Scheduler.from_crawler`` sets, its ``Scheduler.open`` logging through
``Spider.log()``, and the ``key`` of its queue.
"""

from __future__ import annotations

import logging
import warnings

from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy_redis.dupefilter import RFPDupeFilter as RedisDupeFilter
from scrapy_redis.scheduler import Scheduler

from archiver.config import ArchiverConfig
from archiver.crawl.dupefilters import RedirectHopMixin

logger = logging.getLogger(__name__)

# What Scrapy 2.19 says when scrapy-redis' Scheduler.open() calls Spider.log().
SPIDER_LOG_DEPRECATION = r"Spider\.log\(\) is deprecated"


def redis_settings(config: ArchiverConfig) -> dict[str, object]:
    job = config.job
    return {
        "SCHEDULER": "archiver.crawl.distributed.RedisScheduler",
        "DUPEFILTER_CLASS": "archiver.crawl.distributed.RedirectHopRedisDupeFilter",
        "REDIS_URL": config.redis_url,
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"archiver:{job}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"archiver:{job}:%(spider)s:dupefilter",
    }


class RedirectHopRedisDupeFilter(RedirectHopMixin, RedisDupeFilter):
    pass


class _StatsWithoutSpider:
    """scrapy-redis passes ``spider=`` to the stats collector, deprecated in Scrapy 2.19."""

    def __init__(self, stats) -> None:
        self._stats = stats

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider=None) -> None:  # noqa: ARG002
        self._stats.inc_value(key, count, start)


class RedisScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.stats = _StatsWithoutSpider(crawler.stats)
        return scheduler

    def open(self, spider) -> None:
        # scrapy-redis' own open(), which says "Resuming crawl" through
        # Spider.log(), deprecated in Scrapy 2.19: that one warning is
        # silenced here, and the news is logged below instead.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=SPIDER_LOG_DEPRECATION,
                                    category=ScrapyDeprecationWarning)
            super().open(spider)
        if len(self):
            logger.info("Joining job %s: %d requests already queued", self.queue.key, len(self))
