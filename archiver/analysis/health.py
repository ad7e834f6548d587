"""Link health: what became of a URL, judged from the archive alone.

A status names what happened (the vocabulary of report.json); a verdict
says what it means. One run cannot tell a bot block, a rate limit, a 5xx
or a timeout from a dead link, so those are ``uncertain``; so is every
failure of a run whose network was down.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

from archiver.analysis.model import LinkStatus, Verdict, WarcLocation
from archiver.warc.index import ArchiveIndex, Capture, FetchFailure, url_key
from archiver.warc.vocab import FailureKind

MAX_REDIRECTS = 30
FETCHABLE = ("http", "https")

ALIVE = frozenset({LinkStatus.OK, LinkStatus.REDIRECTED})
DEAD = frozenset({LinkStatus.GONE, LinkStatus.CLIENT_ERROR, LinkStatus.SOFT_404, LinkStatus.TOO_MANY_REDIRECTS,
                  LinkStatus.TLS_ERROR, LinkStatus.DNS_ERROR})
# A DNS failure says something about a link only when other hosts resolved.
DEAD_ONLY_ONLINE = frozenset({LinkStatus.DNS_ERROR})

# The status of a fetch that got no response, by its failure kind.
FAILURE_STATUS: dict[str, LinkStatus] = {
    FailureKind.DNS_ERROR: LinkStatus.DNS_ERROR,
    FailureKind.CONNECTION_ERROR: LinkStatus.CONNECTION_ERROR,
    FailureKind.TIMEOUT: LinkStatus.TIMEOUT,
    FailureKind.TLS_ERROR: LinkStatus.TLS_ERROR,
    FailureKind.TOO_MANY_REDIRECTS: LinkStatus.TOO_MANY_REDIRECTS,
    FailureKind.ROBOTS_DISALLOWED: LinkStatus.ROBOTS_DISALLOWED,
    FailureKind.EXCLUDED: LinkStatus.EXCLUDED,
    FailureKind.UNSUPPORTED: LinkStatus.UNSUPPORTED,
    # A body over DOWNLOAD_MAXSIZE: the server answered, but no response was
    # kept, so nothing says whether the page is still there.
    FailureKind.TOO_LARGE: LinkStatus.CONNECTION_ERROR,
    # A requisite over ARCHIVER_REQUISITE_MAXSIZE, skipped: the same, for a link to it.
    FailureKind.OVER_SIZE_LIMIT: LinkStatus.CONNECTION_ERROR,
}

BLOCKING_CODES = {401, 403, 451, 999}
NOT_FOUND_PATH = re.compile(r"(^|/)(404|not[-_]?found|page[-_]not[-_]found|error[-_]?404)(\.\w+)?/?$", re.I)


@dataclass(frozen=True)
class Resolution:
    """Where a URL led: its redirect chain and how it ended."""

    status: LinkStatus
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    capture: Capture | None = None  # the response the chain ended in
    first: WarcLocation | None = None  # the record of the first hop
    detail: str | None = None
    # The first hop's WARC-Date when it is a response (what a replay tool shows),
    # None when the first hop is a fetch failure or not archived.
    first_captured: str | None = None


def bot_challenge(capture: Capture) -> bool:
    # Cloudflare marks its challenge pages; LinkedIn answers 999.
    return (capture.header("cf-mitigated") or "").lower() == "challenge"


def status_for(capture: Capture) -> LinkStatus:
    code = capture.status
    if bot_challenge(capture) or code in BLOCKING_CODES:
        return LinkStatus.BLOCKED
    if 200 <= code < 300:
        return LinkStatus.OK
    if code in (404, 410):
        return LinkStatus.GONE
    if code == 429:
        return LinkStatus.RATE_LIMITED
    if 400 <= code < 500:
        return LinkStatus.CLIENT_ERROR
    # 5xx, and a 3xx with no usable Location: the server's fault either way.
    return LinkStatus.SERVER_ERROR


def verdict_for(status: LinkStatus, network_reachable: bool = True) -> Verdict:
    if status in ALIVE:
        return Verdict.ALIVE
    if status in DEAD and (network_reachable or status not in DEAD_ONLY_ONLINE):
        return Verdict.DEAD
    return Verdict.UNCERTAIN


def _latest(capture: Capture | None, failure: FetchFailure | None) -> Capture | FetchFailure | None:
    """A retry that succeeded wins over the attempt that failed, and the reverse."""
    if capture is None or failure is None:
        return capture or failure
    return failure if failure.date > capture.date else capture


def _failure_status(failure: FetchFailure) -> LinkStatus:
    # Another tool's word for a failure says only that no response came back.
    return FAILURE_STATUS.get(failure.kind, LinkStatus.CONNECTION_ERROR)


def resolve(url: str, index: ArchiveIndex) -> Resolution:
    """Follow ``url`` through the archive's redirects to where it ended."""
    resolution = _follow(url, index)
    first = _latest(index.capture(url), index.failure(url)) if resolution.first else None
    if isinstance(first, Capture):
        return replace(resolution, first_captured=first.date)
    return resolution


def _follow(url: str, index: ArchiveIndex) -> Resolution:
    if urlsplit(url).scheme.lower() not in FETCHABLE:
        return Resolution(LinkStatus.UNSUPPORTED, detail=f"{urlsplit(url).scheme or 'no'} scheme is not fetched")
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
            return Resolution(LinkStatus.NOT_CHECKED, None, final, tuple(redirects), None, first, detail)
        capture = outcome
        location = capture.header("Location")
        if 300 <= capture.status < 400 and location:
            target = urljoin(current, location.strip())
            if url_key(target) in seen or len(redirects) >= MAX_REDIRECTS:
                return Resolution(LinkStatus.TOO_MANY_REDIRECTS, capture.status, target, tuple(redirects),
                                  capture, first, f"redirect loop back to {target}")
            gave_up = index.failure(current)
            if index.capture(target) is None and index.failure(target) is None and gave_up \
                    and gave_up.kind == FailureKind.TOO_MANY_REDIRECTS:
                return Resolution(LinkStatus.TOO_MANY_REDIRECTS, capture.status, target, tuple(redirects),
                                  capture, first, gave_up.message or None)
            seen.add(url_key(target))
            redirects.append(target)
            current = target
            continue
        status = status_for(capture)
        if status == LinkStatus.OK and redirects:
            status = LinkStatus.REDIRECTED
        return Resolution(status, capture.status, capture.url, tuple(redirects), capture, first)


def redirect_soft_404(url: str, resolution: Resolution) -> str | None:
    """Evidence from the redirect chain that a 2xx answer means "not found"."""
    if resolution.status != LinkStatus.REDIRECTED or not resolution.final_url:
        return None
    start, end = urlsplit(url), urlsplit(resolution.final_url)
    if end.path in ("", "/") and start.path not in ("", "/"):
        return f"redirected to the site's root ({resolution.final_url})"
    if NOT_FOUND_PATH.search(end.path) and not NOT_FOUND_PATH.search(start.path):
        return f"redirected to a not-found page ({resolution.final_url})"
    return None


# A run of digits in a folder: a date, an id, a page number.
_DIGITS = re.compile(r"[0-9]+")


@functools.lru_cache(maxsize=1 << 16)  # asked for every link of every page
def url_shape(url: str) -> tuple[str, str]:
    """The host and folder shape of ``url``: its folder with every run of digits as ``0``.

    One soft-404 probe answers for every folder of a shape: a site's
    /2024/05/12/ and /2024/05/13/ (or /story-118/ and /story-907/) are served
    by the same code, and so answer a missing page the same way. The crawl
    probes per shape and the analysis finds a link's probe by it, from the
    probe's archived URL alone.
    """
    parts = urlsplit(url)
    folder = (parts.path or "/").rsplit("/", 1)[0] + "/"
    return parts.netloc.lower(), _DIGITS.sub("0", folder)
