"""Scrapy's undocumented behaviour that the crawl relies on, in one place.

Our components use Scrapy's documented interfaces: the component methods
(``process_request``, ``process_response``, ``process_exception``,
``from_crawler``), signals, settings and the documented ``Request.meta``
keys (``redirect_urls``, ``dont_retry`` …). What follows is not documented
and may change in any release: pyproject.toml bounds Scrapy below its next
minor version, and tests/test_library_internals.py checks each piece by name.

Defined here (the crawl reads them from here):

- :data:`RETRY_TIMES_META`: ``get_retry_request()`` counts the retries of a
  request in this meta key; Scrapy documents ``max_retry_times``, not the
  count. It numbers an attempt in a failure record and sets the backoff.
- :data:`JOBDIR_STATE`: the files Scrapy's scheduler (``requests.queue``)
  and dupefilter (``requests.seen``) keep in ``JOBDIR``, which a resume
  drops (archiver/crawl/resume.py says why). Scrapy's docstrings call them
  "an implementation detail" that "may change without a warning".
- :func:`robotstxt_download_error`: ``RobotsTxtMiddleware.robot_parser()``
  logs a robots.txt it could not download (once per host) at ERROR with a
  traceback, through the logger named after its module
  (:data:`ROBOTSTXT_LOGGER`), its arguments a mapping holding the request
  that needed robots.txt (``request``) and the exception (``f_exception``).
  Offline, that is one traceback per host for a failure the crawl records
  and reports anyway: archiver/crawl/failures.py rewrites the record as one
  WARNING line.

Relied on in place, where there is nothing to define:

- The engine's reading of ``Spider.start()``: a request is scheduled with
  ``ExecutionEngine.crawl()`` and, while the downloader has room, the next
  is read only after the engine's next call (one turn of the event loop).
  archiver/crawl/start.py hands start requests to ``crawl()`` itself, as
  the engine would, without that wait.
- ``scrapy crawl``'s ``Command.run()``, which archiver/crawl/commands/crawl.py
  repeats in order to keep the crawl's outcome (the asyncio Task or
  Deferred of ``crawler_process.crawl()``, whose exception Scrapy leaves
  unretrieved): ``BaseRunSpiderCommand._create_crawler()``, then
  ``crawler_process.crawl(crawler, **opts.spargs)`` and ``start()``, exit
  status 1 when ``crawler_process.bootstrap_failed``. ``_create_crawler()``
  is also where the crawler whose stats ``--fail-on`` reads is had: it is
  gone from ``crawler_process.crawlers`` once the crawl is over.
- ``RedirectMiddleware.process_response()`` and
  ``MetaRefreshMiddleware.process_response()`` return at once (they are not
  coroutines), so the ``IgnoreRequest`` they raise when they give up is
  caught by our subclasses in archiver/crawl/failures.py; the same holds for
  ``RetryMiddleware.process_response()`` and ``process_exception()``, whose
  answer archiver/crawl/retry.py inspects before it waits.
- ``RetryMiddleware.retry_http_codes``: the codes it retries, as it parsed
  them from ``RETRY_HTTP_CODES``; archiver/crawl/retry.py looks at
  ``Retry-After`` only on an answer Scrapy would retry.

Worked around, not relied on: ``ScrapyHelpFormatter`` (``scrapy CMD -h``)
takes any wrapped help line that ends in a colon for a heading, title-cases
and underlines it; our commands' help texts have no ": " (tests/test_logs.py
renders them at every width).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

RETRY_TIMES_META = "retry_times"
JOBDIR_STATE = ("requests.queue", "requests.seen")
ROBOTSTXT_LOGGER = RobotsTxtMiddleware.__module__  # it logs through logging.getLogger(__name__)


def retries_of(request: Request) -> int:
    """How many times Scrapy's retry middleware has retried this request so far."""
    return request.meta.get(RETRY_TIMES_META, 0)


def robotstxt_download_error(record: logging.LogRecord) -> tuple[Request, BaseException] | None:
    """The request and the exception of Scrapy's log record of a robots.txt it could not download, else None."""
    args = record.args
    if record.name != ROBOTSTXT_LOGGER or not record.exc_info or not isinstance(args, Mapping):
        return None
    request, error = args.get("request"), args.get("f_exception")
    if isinstance(request, Request) and isinstance(error, BaseException):
        return request, error
    return None
