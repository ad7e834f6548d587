"""Name the kind of a failed fetch (:class:`FailureKind`) from the exception's type.

Scrapy 2.19 wraps Twisted's errors in its own (``CannotResolveHostError``,
``DownloadFailedError`` …); a TLS failure or a reset is only visible in the
wrapped cause, so the whole chain is examined. Scrapy raises a bare
``IgnoreRequest`` for both robots.txt and a redirect loop, so the add-on
puts subclasses of those two middlewares in their place that raise typed
exceptions (:class:`RobotsDisallowed`, :class:`TooManyRedirects`); no kind
is read from an error's wording. A robots.txt that cannot be fetched is one
WARNING line per host (:class:`RobotsTxtUnavailable`), not an error with a
traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    UnsupportedURLSchemeError,
)
from scrapy.http import Response
from twisted.internet import defer
from twisted.internet import error as txerror
from twisted.web.client import ResponseFailed

from archiver.crawl.scrapy_internals import ROBOTSTXT_LOGGER, robotstxt_download_error
from archiver.warc.vocab import FailureKind


class ExcludedRequest(IgnoreRequest):
    """A request we refuse to send (a private address, for one)."""


class RobotsDisallowed(IgnoreRequest):
    """robots.txt forbids the URL."""


class TooManyRedirects(IgnoreRequest):
    """A redirect loop, or more hops than REDIRECT_MAX_TIMES."""


class RobotsTxtUnavailable(logging.Filter):
    """Scrapy's ERROR and traceback for a robots.txt it could not download, as one WARNING line.

    Nothing went wrong with the crawl: Scrapy then fetches the host's URLs as
    if robots.txt allowed them, and their own failures are archived and
    reported. Offline, every host logged a 70-line traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        found = robotstxt_download_error(record)
        if found is not None:
            request, error = found
            record.msg = ("Could not fetch robots.txt of %(host)s (%(error)s): "
                          "its URLs are fetched as if it allowed them")
            record.args = {"host": urlsplit(request.url).netloc, "error": str(error) or type(error).__name__}
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.exc_info, record.exc_text = None, None
        return True


# One filter for every crawler of the process: adding it again is a no-op.
ROBOTS_TXT_UNAVAILABLE = RobotsTxtUnavailable()


class TypedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt check, raising :class:`RobotsDisallowed`.

    Its ``process_request`` raises IgnoreRequest only for a URL robots.txt
    forbids: a robots.txt that cannot be fetched allows everything, and is
    logged as one WARNING line (:class:`RobotsTxtUnavailable`).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # NotConfigured unless ROBOTSTXT_OBEY
        logging.getLogger(ROBOTSTXT_LOGGER).addFilter(ROBOTS_TXT_UNAVAILABLE)

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        try:
            await super().process_request(request)
        except IgnoreRequest as refused:
            raise RobotsDisallowed(str(refused)) from None


class _GivingUpTyped:
    """A redirect middleware whose giving up raises :class:`TooManyRedirects`."""

    def process_response(self, request: Request, response: Response):
        try:
            return super().process_response(request, response)  # type: ignore[misc]
        except TooManyRedirects:
            raise
        except IgnoreRequest as gave_up:
            raise TooManyRedirects(str(gave_up)) from None


class BodyTooLarge(IgnoreRequest):
    """A compressed body that inflates past DOWNLOAD_MAXSIZE (a decompression bomb)."""


class TypedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, raising :class:`BodyTooLarge` where it gives up.

    The only IgnoreRequest HttpCompressionMiddleware raises is for a body
    that inflates past DOWNLOAD_MAXSIZE; bare, it would read as ``excluded``.
    """

    def process_response(self, request: Request, response: Response):  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except IgnoreRequest as gave_up:
            raise BodyTooLarge(str(gave_up)) from None


class TypedRedirectMiddleware(_GivingUpTyped, RedirectMiddleware):  # type: ignore[misc]
    """Scrapy's redirects, raising :class:`TooManyRedirects` when it gives up."""


class TypedMetaRefreshMiddleware(_GivingUpTyped, MetaRefreshMiddleware):  # type: ignore[misc]
    """Scrapy's meta refresh, raising :class:`TooManyRedirects` when it gives up."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        if isinstance(current, ResponseFailed):
            todo.extend(f.value for f in current.reasons if isinstance(f.value, BaseException))


def _is_tls(exc: BaseException) -> bool:
    if isinstance(exc, txerror.SSLError):
        return True
    module = type(exc).__module__ or ""
    return module.startswith(("OpenSSL", "ssl", "service_identity"))


def _tls_reason(exc: BaseException) -> str:
    # pyOpenSSL's Error carries [(library, function, reason), ...].
    args = exc.args[0] if exc.args and isinstance(exc.args[0], list) else None
    if args and all(isinstance(a, tuple) for a in args):
        return "; ".join(": ".join(str(p) for p in a if p) for a in args)
    return str(exc) or type(exc).__name__


def failure_message(exc: BaseException) -> str:
    """The reason a fetch failed, in one line a person can read.

    Twisted's ResponseFailed prints as a list of Failure reprs
    ("[<twisted.python.failure.Failure OpenSSL.SSL.Error: …>]"): the
    reason inside is what the report shows.
    """
    chain = list(_chain(exc))
    tls = next((e for e in chain if _is_tls(e)), None)
    if tls is not None:
        return f"TLS handshake failed: {_tls_reason(tls)}"
    text = " ".join(str(exc).split())
    if "<twisted.python.failure.Failure" in text or not text:
        inner = [e for e in chain[1:] if " ".join(str(e).split())]
        if inner:
            return f"{type(inner[-1]).__name__}: {' '.join(str(inner[-1]).split())}"
        return type(exc).__name__
    return text


def closed_unanswered(exc: BaseException) -> bool:
    """The host took the request and then closed the connection cleanly without an answer, or let it time out.

    Not a reset (Twisted's ConnectionLost, a sibling of ConnectionDone) nor a
    refused connection: those come at once.
    """
    return any(isinstance(e, (txerror.ConnectionDone, DownloadTimeoutError, txerror.TimeoutError, TimeoutError))
               for e in _chain(exc))


def classify_failure(exc: BaseException) -> FailureKind:
    """The failure kind of an exception raised while fetching a URL."""
    if isinstance(exc, RobotsDisallowed):
        return FailureKind.ROBOTS_DISALLOWED
    if isinstance(exc, TooManyRedirects):
        return FailureKind.TOO_MANY_REDIRECTS
    if isinstance(exc, BodyTooLarge):
        return FailureKind.TOO_LARGE
    if isinstance(exc, IgnoreRequest):
        return FailureKind.EXCLUDED  # ours, an offsite filter, a cache-only miss…
    if isinstance(exc, (UnsupportedURLSchemeError, NotSupported)):
        return FailureKind.UNSUPPORTED
    chain = list(_chain(exc))
    if any(_is_tls(e) for e in chain):
        return FailureKind.TLS_ERROR
    if any(isinstance(e, (CannotResolveHostError, txerror.DNSLookupError)) for e in chain):
        return FailureKind.DNS_ERROR
    if any(isinstance(e, (DownloadTimeoutError, txerror.TimeoutError, TimeoutError)) for e in chain):
        return FailureKind.TIMEOUT
    # Scrapy's download handlers raise DownloadCancelledError themselves only
    # for DOWNLOAD_MAXSIZE; a cancelled Deferred reaches us wrapped, as its cause.
    if isinstance(exc, DownloadCancelledError) and not any(
            isinstance(e, defer.CancelledError) for e in chain):
        return FailureKind.TOO_LARGE
    # Refused, reset, closed early, data loss: the server was reached or
    # was not, but no usable response came back.
    return FailureKind.CONNECTION_ERROR
