"""Name the kind of a failed fetch, in the vocabulary of the report.

Scrapy 2.19 wraps Twisted's errors in its own (``CannotResolveHostError``,
``DownloadFailedError`` …); a TLS failure or a reset is only visible in the
wrapped cause, so the whole chain is examined.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    UnsupportedURLSchemeError,
)
from twisted.internet import error as txerror
from twisted.web._newclient import ResponseFailed

DNS_ERROR = "dns_error"
CONNECTION_ERROR = "connection_error"
TIMEOUT = "timeout"
TLS_ERROR = "tls_error"
TOO_MANY_REDIRECTS = "too_many_redirects"
ROBOTS_DISALLOWED = "robots_disallowed"
EXCLUDED = "excluded"
UNSUPPORTED = "unsupported"
TOO_LARGE = "too_large"

FAILURE_KINDS = (
    DNS_ERROR,
    CONNECTION_ERROR,
    TIMEOUT,
    TLS_ERROR,
    TOO_MANY_REDIRECTS,
    ROBOTS_DISALLOWED,
    EXCLUDED,
    UNSUPPORTED,
    TOO_LARGE,
)


class ExcludedRequest(IgnoreRequest):
    """A request we refuse to send (a private address, for one)."""


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


def classify_failure(exc: BaseException) -> str:
    """The failure kind of an exception raised while fetching a URL."""
    if isinstance(exc, ExcludedRequest):
        return EXCLUDED
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return ROBOTS_DISALLOWED
        if "max redirections" in text:
            return TOO_MANY_REDIRECTS
        return EXCLUDED
    if isinstance(exc, (UnsupportedURLSchemeError, NotSupported)):
        return UNSUPPORTED
    chain = list(_chain(exc))
    if any(_is_tls(e) for e in chain):
        return TLS_ERROR
    if any(isinstance(e, (CannotResolveHostError, txerror.DNSLookupError)) for e in chain):
        return DNS_ERROR
    if any(
        isinstance(e, (DownloadTimeoutError, txerror.TimeoutError, TimeoutError)) for e in chain
    ):
        return TIMEOUT
    if isinstance(exc, DownloadCancelledError) and "max size" in str(exc):
        return TOO_LARGE
    # Refused, reset, closed early, data loss: the server was reached or
    # was not, but no usable response came back.
    return CONNECTION_ERROR
