"""The words our archives are written in: URNs, headers, fields and kinds.

Writer and reader both spell them from here, so what the crawl writes is
what the analysis looks for. :class:`CrawlRole` is what a request carries
through the crawl (``request.meta["archiver"]``), into the resume journal,
and into the WARC headers of the records it produced.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, unquote

# Records whose target is not a URL of the web but one of ours.
SEED_URN = "urn:archiver:seed:"  # resource: a seed file; metadata: why it was skipped
ARTICLE_URN = "urn:archiver:article:"  # metadata (JSON, archiver.warc.articles): an article as the crawl saw it
# metadata (JSON, archiver.warc.replaycheck): what an article's replay through pywb asked for and missed
REPLAY_CHECK_URN = "urn:archiver:replay-check:"
# A page as headless Chromium rendered it (ARCHIVER_BROWSER): resource records
# whose WARC-Concurrent-To is the page's response record. URNs, not the page's
# URL, so that replay serves the bytes the server sent, never our rendering.
SCREENSHOT_URN = "urn:archiver:screenshot:"  # resource, image/png: the full page
THUMBNAIL_URN = "urn:archiver:thumbnail:"  # resource, image/jpeg: its first screen, small, for the report
RENDERED_DOM_URN = "urn:archiver:rendered-dom:"  # resource, text/html: the DOM after scripts ran
# The replay check's own photographs of the replayed page (archiver.warc.screenshots
# says how both sides take them): resource records whose WARC-Concurrent-To is
# the check's urn:archiver:replay-check: record.
REPLAY_SCREENSHOT_URN = "urn:archiver:replay-screenshot:"  # resource, image/png: the full replayed page
REPLAY_THUMBNAIL_URN = "urn:archiver:replay-thumbnail:"  # resource, image/jpeg: its first screen, small
BROWSER_URN = "urn:archiver:browser:"  # metadata (warc-fields): why a rendering failed or is incomplete
PNG_TYPE = "image/png"
JPEG_TYPE = "image/jpeg"
RENDERED_DOM_TYPE = "text/html; charset=utf-8"
# metadata: a web archive the crawl stopped asking for copies of failing links, and why
LOOKUPS_URN = "urn:archiver:archive-lookups:"

# Our WARC headers on records of URLs no seed links to.
PROBE_HEADER = "WARC-Archiver-Probe"  # value: PROBE_SOFT_404
PROBE_SOFT_404 = "soft-404"
# A web archive's answer about a failing link: which link, which protocol, before when.
LOOKUP_FOR_HEADER = "WARC-Archiver-Lookup-For"
LOOKUP_KIND_HEADER = "WARC-Archiver-Lookup-Kind"
LOOKUP_BEFORE_HEADER = "WARC-Archiver-Lookup-Before"
# A page requisite (image, stylesheet, font, script, frame…): the page it serves,
# and what was done with its body (archiver.analysis.requisites.RequisiteKind).
REQUISITE_OF_HEADER = "WARC-Archiver-Requisite-Of"
REQUISITE_KIND_HEADER = "WARC-Archiver-Requisite-Kind"

# application/warc-fields names of our metadata records.
WARC_FIELDS_TYPE = "application/warc-fields"
JSON_TYPE = "application/json"
FIELD_FETCH_FAILURE = "fetch-failure"
FIELD_ERROR_CLASS = "error-class"
FIELD_ERROR_MESSAGE = "error-message"
FIELD_ATTEMPT = "attempt"
FIELD_SEED_PROBLEM = "seed-problem"
FIELD_BROWSER_FAILURE = "browser-failure"  # a BrowserFailureKind
FIELD_LOOKUPS_STOPPED = "lookups-stopped"  # why the archive was not asked again
FIELD_LOOKUPS_UNASKED = "lookups-unasked"  # lookups queued then, not made

# The key of request.meta that holds a CrawlRole's fields.
META_KEY = "archiver"


class FailureKind(StrEnum):
    """Why a fetch ended without an HTTP response (``fetch-failure:`` field)."""

    DNS_ERROR = "dns_error"
    CONNECTION_ERROR = "connection_error"
    TIMEOUT = "timeout"
    TLS_ERROR = "tls_error"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    ROBOTS_DISALLOWED = "robots_disallowed"
    EXCLUDED = "excluded"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    # A page requisite larger than ARCHIVER_REQUISITE_MAXSIZE: skipped, on purpose.
    OVER_SIZE_LIMIT = "over_size_limit"


class BrowserFailureKind(StrEnum):
    """Why a rendering failed or is incomplete (``browser-failure:`` field of a BROWSER_URN record)."""

    CRASH = "crash"  # the browser or its page died; the next page gets a new browser
    TIMEOUT = "timeout"  # the page did not load within ARCHIVER_BROWSER_TIMEOUT: nothing rendered
    UNSETTLED = "unsettled"  # loaded, but its network never went quiet: rendered as it was at the limit
    ERROR = "error"  # anything else the browser reported


def seed_uri(name: str) -> str:
    return SEED_URN + quote(name)


def seed_name(uri: str) -> str:
    return unquote(uri[len(SEED_URN):])


def article_uri(url: str | None, seeds: tuple[str, ...] | list[str]) -> str:
    """An article's URN: its URL, or (for an article with none) its seeds."""
    return ARTICLE_URN + (url or quote(",".join(seeds)))


def replay_check_uri(url: str) -> str:
    return REPLAY_CHECK_URN + url


def rendering_uri(prefix: str, url: str) -> str:
    """The URN of a rendering record of ``url``: SCREENSHOT_URN + url and the like."""
    return prefix + url


@dataclass(frozen=True)
class CrawlRole:
    """Why a request is made: the article it serves, its depth, and what kind of fetch.

    ``depth`` 0 is an article's own page, 1 a page it links to. A probe is a
    random sibling URL fetched to detect soft 404s; a lookup asks a web
    archive about ``lookup_for``, a link that failed. A requisite is what
    the page ``requisite_of`` needs to be displayed (an image, a stylesheet,
    a frame…), ``requisite`` saying what kind; it is no link.
    """

    depth: int = 0
    article: str | None = None
    probe: bool = False
    lookup_for: str | None = None
    lookup_kind: str | None = None  # "timegate" or "wayback"
    lookup_before: datetime.date | None = None
    requisite: str | None = None  # a RequisiteKind: "resource", "stylesheet" or "frame"
    requisite_of: str | None = None  # the page it serves: an article's, or (with "all") a linked one

    def to_meta(self) -> dict[str, object]:
        """Plain JSON-able fields, for request.meta and the resume journal."""
        meta: dict[str, object] = {"depth": self.depth, "article": self.article}
        if self.probe:
            meta["probe"] = True
        if self.lookup_for:
            meta.update(lookup_for=self.lookup_for, lookup_kind=self.lookup_kind,
                        lookup_before=self.lookup_before.isoformat() if self.lookup_before else None)
        if self.requisite:
            meta.update(requisite=self.requisite, requisite_of=self.requisite_of)
        return meta

    @classmethod
    def from_meta(cls, meta: CrawlRole | Mapping[str, object] | None) -> CrawlRole:
        """A request's role from ``request.meta[META_KEY]``, or what :meth:`to_meta` wrote."""
        if isinstance(meta, CrawlRole):
            return meta
        meta = meta or {}
        depth = meta.get("depth", 0)
        before = meta.get("lookup_before")
        article = meta.get("article")
        lookup_for = meta.get("lookup_for")
        lookup_kind = meta.get("lookup_kind")
        requisite = meta.get("requisite")
        requisite_of = meta.get("requisite_of")
        return cls(
            depth=depth if isinstance(depth, int) else 0,
            article=article if isinstance(article, str) else None,
            probe=bool(meta.get("probe")),
            lookup_for=lookup_for if isinstance(lookup_for, str) else None,
            lookup_kind=lookup_kind if isinstance(lookup_kind, str) else None,
            lookup_before=datetime.date.fromisoformat(before) if isinstance(before, str) and before else None,
            requisite=requisite if isinstance(requisite, str) and requisite else None,
            requisite_of=requisite_of if isinstance(requisite_of, str) else None,
        )

    def warc_headers(self) -> tuple[tuple[str, str], ...]:
        """The WARC headers that say why a URL no seed links to was fetched (a probe, a lookup, a requisite)."""
        if self.probe:
            return ((PROBE_HEADER, PROBE_SOFT_404),)
        if self.lookup_for:
            return ((LOOKUP_FOR_HEADER, self.lookup_for), (LOOKUP_KIND_HEADER, self.lookup_kind or ""),
                    (LOOKUP_BEFORE_HEADER, self.lookup_before.isoformat() if self.lookup_before else ""))
        if self.requisite:
            return ((REQUISITE_OF_HEADER, self.requisite_of or self.article or ""),
                    (REQUISITE_KIND_HEADER, self.requisite))
        return ()
