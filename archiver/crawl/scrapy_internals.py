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

Relied on in place, where there is nothing to define:

- ``BaseRunSpiderCommand._create_crawler()`` (archiver/crawl/commands/crawl.py):
  the only place the ``crawl`` command hands out the crawler it runs, whose
  stats ``--fail-on`` reads when the crawl is over.
- ``RedirectMiddleware.process_response()`` and
  ``MetaRefreshMiddleware.process_response()`` return at once (they are not
  coroutines), so the ``IgnoreRequest`` they raise when they give up is
  caught by our subclasses in archiver/crawl/failures.py; the same holds for
  ``RetryMiddleware.process_response()`` and ``process_exception()``, whose
  answer archiver/crawl/retry.py inspects before it waits.
- ``RetryMiddleware.retry_http_codes``: the codes it retries, as it parsed
  them from ``RETRY_HTTP_CODES``; archiver/crawl/retry.py looks at
  ``Retry-After`` only on an answer Scrapy would retry.
"""

from __future__ import annotations

from scrapy import Request

RETRY_TIMES_META = "retry_times"
JOBDIR_STATE = ("requests.queue", "requests.seen")


def retries_of(request: Request) -> int:
    """How many times Scrapy's retry middleware has retried this request so far."""
    return request.meta.get(RETRY_TIMES_META, 0)
