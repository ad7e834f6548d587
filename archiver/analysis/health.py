"""Link health: what became of a URL, judged from the archive alone.

A status names what happened (the vocabulary of report.json); a verdict
says what it means. One run cannot tell a bot block, a rate limit, a 5xx
or a timeout from a dead link, so those are ``uncertain``; so is every
failure of a run whose network was down.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from archiver.warc.index import ArchiveIndex, Capture, FetchFailure, url_key
from archiver.analysis.model import LINK_STATUSES, WarcLocation

MAX_REDIRECTS = 30
FETCHABLE = ("http", "https")

ALIVE = {"ok", "redirected"}
DEAD = {"gone", "client_error", "soft_404", "too_many_redirects", "tls_error", "dns_error"}
# A DNS failure says something about a link only when other hosts resolved.
DEAD_ONLY_ONLINE = {"dns_error"}

BLOCKING_CODES = {401, 403, 451, 999}
NOT_FOUND_PATH = re.compile(r"(^|/)(404|not[-_]?found|page[-_]not[-_]found|error[-_]?404)(\.\w+)?/?$", re.I)


@dataclass(frozen=True)
class Resolution:
    """Where a URL led: its redirect chain and how it ended."""

    status: str
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    capture: Capture | None = None  # the response the chain ended in
    first: WarcLocation | None = None  # the record of the first hop
    detail: str | None = None


def bot_challenge(capture: Capture) -> bool:
    # Cloudflare marks its challenge pages; LinkedIn answers 999.
    return (capture.header("cf-mitigated") or "").lower() == "challenge"


def status_for(capture: Capture) -> str:
    code = capture.status
    if bot_challenge(capture) or code in BLOCKING_CODES:
        return "blocked"
    if 200 <= code < 300:
        return "ok"
    if code in (404, 410):
        return "gone"
    if code == 429:
        return "rate_limited"
    if 400 <= code < 500:
        return "client_error"
    # 5xx, and a 3xx with no usable Location: the server's fault either way.
    return "server_error"


def verdict_for(status: str, network_reachable: bool = True) -> str:
    if status in ALIVE:
        return "alive"
    if status in DEAD and (network_reachable or status not in DEAD_ONLY_ONLINE):
        return "dead"
    return "uncertain"


def _latest(capture: Capture | None, failure: FetchFailure | None) -> Capture | FetchFailure | None:
    """A retry that succeeded wins over the attempt that failed, and the reverse."""
    if capture is None or failure is None:
        return capture or failure
    return failure if failure.date > capture.date else capture


def _failure_status(failure: FetchFailure) -> str:
    return failure.kind if failure.kind in LINK_STATUSES else "connection_error"


def resolve(url: str, index: ArchiveIndex) -> Resolution:
    """Follow ``url`` through the archive's redirects to where it ended."""
    if urlsplit(url).scheme.lower() not in FETCHABLE:
        return Resolution("unsupported", detail=f"{urlsplit(url).scheme or 'no'} scheme is not fetched")
    redirects: list[str] = []
    seen = {url_key(url)}
    current = url
    first: WarcLocation | None = None
    while True:
        outcome = _latest(index.capture(current), index.failure(current))
        if outcome is not None and first is None:
            first = outcome.location
        final = current if redirects else None
        if isinstance(outcome, FetchFailure):
            return Resolution(_failure_status(outcome), None, final, tuple(redirects), None, first,
                              outcome.message or None)
        if outcome is None:
            detail = "redirect target not in the archive" if redirects else "not in the archive"
            return Resolution("not_checked", None, final, tuple(redirects), None, first, detail)
        capture = outcome
        location = capture.header("Location")
        if 300 <= capture.status < 400 and location:
            target = urljoin(current, location.strip())
            if url_key(target) in seen or len(redirects) >= MAX_REDIRECTS:
                return Resolution("too_many_redirects", capture.status, target, tuple(redirects),
                                  capture, first, f"redirect loop back to {target}")
            gave_up = index.failure(current)
            if index.capture(target) is None and index.failure(target) is None and gave_up \
                    and gave_up.kind == "too_many_redirects":
                return Resolution("too_many_redirects", capture.status, target, tuple(redirects),
                                  capture, first, gave_up.message or None)
            seen.add(url_key(target))
            redirects.append(target)
            current = target
            continue
        status = status_for(capture)
        if status == "ok" and redirects:
            status = "redirected"
        return Resolution(status, capture.status, capture.url, tuple(redirects), capture, first)


def redirect_soft_404(url: str, resolution: Resolution) -> str | None:
    """Evidence from the redirect chain that a 2xx answer means "not found"."""
    if resolution.status != "redirected" or not resolution.final_url:
        return None
    start, end = urlsplit(url), urlsplit(resolution.final_url)
    if end.path in ("", "/") and start.path not in ("", "/"):
        return f"redirected to the site's root ({resolution.final_url})"
    if NOT_FOUND_PATH.search(end.path) and not NOT_FOUND_PATH.search(start.path):
        return f"redirected to a not-found page ({resolution.final_url})"
    return None


@functools.lru_cache(maxsize=1 << 16)  # asked for every link of every page
def directory_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    return parts.netloc.lower(), path.rsplit("/", 1)[0] + "/"
