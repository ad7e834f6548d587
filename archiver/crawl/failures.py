"""Name the kind of a failed fetch (:class:`FailureKind`) from the exception's type.

Scrapy 2.19 wraps Twisted's errors in its own (``CannotResolveHostError``,
``DownloadFailedError`` …); a TLS failure or a reset is only visible in the
wrapped cause, so the whole chain is examined. Scrapy raises a bare
``IgnoreRequest`` for both robots.txt and a redirect loop, so the add-on
puts subclasses of those two middlewares in their place that raise typed
exceptions (:class:`RobotsDisallowed`, :class:`TooManyRedirects`); no kind
is read from an error's wording.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy import Request
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

from archiver.warc.vocab import FailureKind


class ExcludedRequest(IgnoreRequest):
    """A request we refuse to send (a private address, for one)."""


class RobotsDisallowed(IgnoreRequest):
    """robots.txt forbids the URL."""


class TooManyRedirects(IgnoreRequest):
    """A redirect loop, or more hops than REDIRECT_MAX_TIMES."""


class TypedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt check, raising :class:`RobotsDisallowed`.

    Its ``process_request`` raises IgnoreRequest only for a URL robots.txt
    forbids: a robots.txt that cannot be fetched allows everything.
    """

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        try:
            await super().process_request(request)
        except IgnoreRequest as refused:
            raise RobotsDisallowed(str(refused)) from None


class TypedRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, raising :class:`TooManyRedirects` when it gives up."""

    def process_response(self, request: Request, response: Response):  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except TooManyRedirects:
            raise
        except IgnoreRequest as gave_up:
            raise TooManyRedirects(str(gave_up)) from None


class TypedMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refresh, raising :class:`TooManyRedirects` when it gives up."""

    def process_response(self, request: Request, response: Response):  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except TooManyRedirects:
            raise
        except IgnoreRequest as gave_up:
            raise TooManyRedirects(str(gave_up)) from None


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


def classify_failure(exc: BaseException) -> FailureKind:
    """The failure kind of an exception raised while fetching a URL."""
    if isinstance(exc, RobotsDisallowed):
        return FailureKind.ROBOTS_DISALLOWED
    if isinstance(exc, TooManyRedirects):
        return FailureKind.TOO_MANY_REDIRECTS
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
