"""What the analysis finds: the typed interface between analysis and report.

Every finding that comes from an archived record carries its location
(file name and offset), so it can be traced back to the evidence.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from archiver.warc.index import IntegrityProblem, WarcLocation

SCHEMA_VERSION = 1

# Link status vocabulary of report.json.
LINK_STATUSES = (
    "ok",
    "redirected",
    "gone",
    "client_error",
    "blocked",
    "rate_limited",
    "server_error",
    "soft_404",
    "dns_error",
    "connection_error",
    "timeout",
    "tls_error",
    "too_many_redirects",
    "robots_disallowed",
    "excluded",
    "unsupported",
    "not_checked",
)
VERDICTS = ("alive", "dead", "uncertain")
TEXT_VERDICTS = ("unchanged", "edited", "rewritten", "different_page")


@dataclass(frozen=True)
class PageFacts:
    """What extraction finds in one archived HTML page."""

    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    published: datetime.date | None = None
    # where the date came from: "json-ld", "meta", "time", "text", "url" …
    published_source: str | None = None
    text: str = ""  # the main text (trafilatura), one paragraph per block
    # Everything a reader sees (no <head>, scripts, styles, templates), for
    # comparing seeds; empty when not asked for (pages other than articles).
    visible_text: str = ""


@dataclass(frozen=True)
class TextComparison:
    """One seed copy against the live text (or against another seed copy)."""

    seed: str
    other: str  # "live" or another seed's name
    similarity: float
    verdict: str  # one of TEXT_VERDICTS
    missing_paragraphs: tuple[str, ...] = ()  # in the seed, not in the other text (nor anywhere on the live page)
    added_paragraphs: tuple[str, ...] = ()  # in the other text (the live page's main text), not in the seed


@dataclass(frozen=True)
class ArchivedCopy:
    """A capture of a URL in a web archive, suggested for a dead or uncertain link."""

    url: str  # the memento: where the archived copy can be read
    captured: datetime.datetime  # its Memento-Datetime
    source: str  # the TimeGate or API asked


@dataclass(frozen=True)
class LinkReport:
    url: str
    anchor_text: str | None
    found_in: tuple[str, ...]  # seed names, and "live" for the live page's body
    status: str  # one of LINK_STATUSES
    verdict: str  # one of VERDICTS
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()  # every URL after the first, in order
    date: datetime.date | None = None
    date_source: str | None = None
    url_date: datetime.date | None = None
    page_date: datetime.date | None = None
    page_date_source: str | None = None
    date_mismatch: bool = False
    title: str | None = None  # the target page's title
    title_mismatch: bool | None = None
    warc: WarcLocation | None = None
    detail: str | None = None  # why: an error message, the soft-404 evidence …
    # From the history of earlier runs (None when no history is kept).
    first_seen: datetime.datetime | None = None
    last_alive: datetime.datetime | None = None
    failing_since: datetime.datetime | None = None
    consecutive_failures: int | None = None
    revived: bool = False  # confirmed dead before, alive now
    archived_copy: ArchivedCopy | None = None


@dataclass(frozen=True)
class ArticleReport:
    url: str | None
    seeds: tuple[str, ...]
    title: str | None
    published: datetime.date | None
    published_source: str | None
    original: LinkReport | None
    text_similarity: float | None  # the best seed copy against the live text
    text_verdict: str | None
    comparisons: tuple[TextComparison, ...] = ()  # each seed against live, and seeds pairwise
    date_findings: tuple[str, ...] = ()  # seed date against live date, URL date against page date
    links: tuple[LinkReport, ...] = ()
    # sha1 of the live text's lowercased words: equal across runs when the
    # article's words are, whatever the markup, ads or timestamps around them.
    live_text_fingerprint: str | None = None


@dataclass(frozen=True)
class RunChanges:
    """What changed since the previous run recorded in the history."""

    previous_run: datetime.datetime | None
    newly_dead: tuple[str, ...] = ()
    revived: tuple[str, ...] = ()
    text_changed: tuple[str, ...] = ()  # article URLs whose live text changed since the last capture
    new_date_mismatches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    generated: datetime.datetime
    network_reachable: bool
    archives: tuple[str, ...]  # the WARC files read
    articles: tuple[ArticleReport, ...] = ()
    integrity: tuple[IntegrityProblem, ...] = ()
    date_grace_days: int = 1
    notes: tuple[str, ...] = field(default=())  # run-level remarks, e.g. network unreachable
    changes: RunChanges | None = None  # None when no history is kept
