"""What the analysis finds: the typed interface between analysis and report.

Every finding that comes from an archived record carries its location
(file name and offset), so it can be traced back to the evidence.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from archiver.warc.index import IntegrityProblem, WarcLocation
from archiver.warc.replaycheck import ArticleReplay

REPLAY_NOT_CHECKED = ("replay not checked: the archive holds no replay check of this article "
                      "(run archiver replay-check on it, or crawl with ARCHIVER_REPLAY_CHECK = True)")

# report.json's schema. 2: a link's verdict is this run's alone, the history adds
# confirmed and confirmation; the summary splits dead links; changes name their series.
SCHEMA_VERSION = 2


class LinkStatus(StrEnum):
    """What became of a link: report.json's ``status`` (README, "Link status and verdict")."""

    OK = "ok"
    REDIRECTED = "redirected"
    GONE = "gone"
    CLIENT_ERROR = "client_error"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    SOFT_404 = "soft_404"
    DNS_ERROR = "dns_error"
    CONNECTION_ERROR = "connection_error"
    TIMEOUT = "timeout"
    TLS_ERROR = "tls_error"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    ROBOTS_DISALLOWED = "robots_disallowed"
    EXCLUDED = "excluded"
    UNSUPPORTED = "unsupported"
    NOT_CHECKED = "not_checked"


class Verdict(StrEnum):
    """What a link's status means (archiver.analysis.health.verdict_for)."""

    ALIVE = "alive"
    DEAD = "dead"
    UNCERTAIN = "uncertain"


class TextVerdict(StrEnum):
    """How far a seed copy is from the other text (archiver.analysis.compare.text_verdict)."""

    UNCHANGED = "unchanged"
    EDITED = "edited"
    REWRITTEN = "rewritten"
    DIFFERENT_PAGE = "different_page"


class DateSource(StrEnum):
    """Where a date came from.

    - a page's date (``PageFacts.published_source``, a link's
      ``page_date_source``): JSON_LD, META, TIME, URL or TEXT;
    - a seed's date (``published_source`` of a seed document): FRONT_MATTER,
      BYLINE, META (an HTML seed's meta tags) or URL;
    - a link's ``date_source``: PAGE (its page's date) or URL (its own URL's);
    - an article's ``published_source``: its seed's source; else
      ``page:<page source>`` (:func:`page_date_source`, e.g. ``page:meta``)
      when the live page dated it; else URL.
    """

    JSON_LD = "json-ld"
    META = "meta"
    TIME = "time"
    URL = "url"
    TEXT = "text"
    # A copyright year: found in a page but dropped (it dates the site), never reported.
    COPYRIGHT = "copyright"
    FRONT_MATTER = "front_matter"
    BYLINE = "byline"
    PAGE = "page"


def page_date_source(source: str | None) -> str:
    """An article's ``published_source`` when its live page gave the date: ``page:<source>``."""
    return f"{DateSource.PAGE}:{source}"


class RequisiteState(StrEnum):
    """What became of a page requisite (archiver.analysis.completeness)."""

    ARCHIVED = "archived"  # a 2xx response is in the archive, after any redirects
    FAILED = "failed"  # an HTTP error, or a fetch that got no response
    SKIPPED = "skipped"  # over ARCHIVER_REQUISITE_MAXSIZE: not downloaded, on purpose
    MISSING = "missing"  # not in the archive at all: never fetched (ARCHIVER_REQUISITES, another tool)


# The vocabularies in order, for counts and checks.
LINK_STATUSES = tuple(LinkStatus)
VERDICTS = tuple(Verdict)
TEXT_VERDICTS = tuple(TextVerdict)
REQUISITE_STATES = tuple(RequisiteState)


@dataclass(frozen=True)
class PageFacts:
    """What extraction finds in one archived HTML page."""

    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    published: datetime.date | None = None
    published_source: DateSource | None = None
    text: str = ""  # the main text (trafilatura), one paragraph per block
    # Every title the page gives (<title>, og:title, the visible h1 …), ``title`` first.
    titles: tuple[str, ...] = ()
    # Everything a reader sees (no <head>, scripts, styles, templates), for
    # comparing seeds; empty when not asked for (pages other than articles).
    visible_text: str = ""
    # What could not be read, and why: (part, reason), the part "page" (not
    # parsed at all), "date", "metadata" (title and author) or "text". An
    # empty field with no reason here was looked for and is not on the page.
    unread: tuple[tuple[str, str], ...] = ()

    def why_unread(self, part: str) -> str | None:
        """Why ``part`` (or the whole page) could not be read, or None."""
        return next((reason for name, reason in self.unread if name in (part, "page")), None)


@dataclass(frozen=True)
class TextComparison:
    """One seed copy against the live text (or against another seed copy)."""

    seed: str
    other: str  # "live" or another seed's name
    similarity: float
    verdict: TextVerdict
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
    status: LinkStatus
    verdict: Verdict
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()  # every URL after the first, in order
    date: datetime.date | None = None
    date_source: DateSource | None = None  # PAGE or URL
    date_unavailable: str | None = None  # why ``date`` is null
    url_date: datetime.date | None = None
    page_date: datetime.date | None = None
    page_date_source: DateSource | None = None
    date_mismatch: bool = False
    title: str | None = None  # the target page's title
    title_mismatch: bool | None = None
    warc: WarcLocation | None = None
    # The WARC-Date of that record when it is a response: with the URL, what a
    # replay tool (pywb) needs to show the capture. None for a fetch failure.
    captured: datetime.datetime | None = None
    detail: str | None = None  # why: an error message, the soft-404 evidence …
    # From the history of earlier runs (None when no history is kept; the
    # summary then says why). ``verdict`` stays this run's: a dead link is
    # confirmed (True) or awaiting confirmation (False); None for other verdicts.
    confirmed: bool | None = None
    confirmation: str | None = None  # "awaiting confirmation: failing 1 of 3 checks …" or "confirmed: …"
    first_seen: datetime.datetime | None = None
    last_alive: datetime.datetime | None = None
    failing_since: datetime.datetime | None = None
    consecutive_failures: int | None = None
    revived: bool = False  # confirmed dead at its last check, alive now
    archived_copy: ArchivedCopy | None = None


@dataclass(frozen=True)
class RequisiteProblem:
    """A requisite of an article's page that is not in the archive as a 2xx response, and why."""

    url: str
    state: RequisiteState  # FAILED, SKIPPED or MISSING
    reason: str
    warc: WarcLocation | None = None  # the failure record or error response, when there is one


@dataclass(frozen=True)
class Completeness:
    """How much of what an article's page needs to be displayed is in the archive.

    ``found`` counts every requisite of the page, of its stylesheets (what they
    import, in turn) and of its frames (one level deep), each URL once; the
    others split it: found = archived + failed + skipped + missing.
    """

    found: int
    archived: int
    failed: int
    skipped: int
    missing: int
    problems: tuple[RequisiteProblem, ...] = ()  # every one not archived, in order of discovery


@dataclass(frozen=True)
class RecordRef:
    """A record of the archive, by URN and place: evidence the report points to."""

    uri: str
    location: WarcLocation
    length: int  # payload bytes


class TextSource(StrEnum):
    """Where an article's live text was read (report.json's ``rendering.text_from``)."""

    HTML = "html"  # the HTML the server sent
    RENDERED_DOM = "rendered_dom"  # the browser's DOM: the HTML had no article text of its own


@dataclass(frozen=True)
class PageRendering:
    """An article page as the browser rendered it (ARCHIVER_BROWSER): its evidence records."""

    screenshot: RecordRef | None
    thumbnail: RecordRef | None
    rendered_dom: RecordRef | None
    text_from: TextSource
    failures: tuple[tuple[str, str], ...] = ()  # (BrowserFailureKind, message) of this crawl's tries
    # The thumbnail's JPEG, for report.html's data: image; None when over the size cap.
    thumbnail_jpeg: bytes | None = field(default=None, repr=False, compare=False)
    # The replay check's screenshot of the page and the share of its pixels that match
    # ours (archiver.analysis.screenshots); when there is no similarity, why.
    replay_screenshot: RecordRef | None = None
    replay_similarity: float | None = None
    replay_similarity_unavailable: str | None = None
    replay_thumbnail_jpeg: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ArticleReport:
    url: str | None
    seeds: tuple[str, ...]
    title: str | None
    published: datetime.date | None
    published_source: str | None  # a DateSource, or page:<DateSource> (see DateSource)
    original: LinkReport | None
    text_similarity: float | None  # the best seed copy against the live text
    text_verdict: TextVerdict | None
    comparisons: tuple[TextComparison, ...] = ()  # each seed against live, and seeds pairwise
    date_findings: tuple[str, ...] = ()  # seed date against live date, URL date against page date
    links: tuple[LinkReport, ...] = ()
    # sha1 of the live text's lowercased words: equal across runs when the
    # article's words are, whatever the markup, ads or timestamps around them.
    live_text_fingerprint: str | None = None
    # Why text_verdict is null ("text unavailable: <reason>"): the page was not
    # archived, could not be decoded, is not HTML, or no seed has text.
    text_unavailable: str | None = None
    # What the article's page needs to be displayed, and how much of it is archived;
    # None when that cannot be told, requisites_unavailable saying why.
    requisites: Completeness | None = None
    requisites_unavailable: str | None = None
    # The latest replay check of the article's page in the archive (archiver replay-check,
    # ARCHIVER_REPLAY_CHECK); when there is none, replay_unavailable says why.
    replay: ArticleReplay | None = None
    replay_unavailable: str = REPLAY_NOT_CHECKED
    # None: the page was not rendered (ARCHIVER_BROWSER off, or another tool's archive).
    rendering: PageRendering | None = None


@dataclass(frozen=True)
class RunChanges:
    """What changed since the previous run of the same series (the same job, or the same seeds).

    Each URL is compared with its last result in a run of the series.
    """

    previous_run: datetime.datetime | None
    newly_dead: tuple[str, ...] = ()  # confirmed dead now, not at the series' last check of it
    revived: tuple[str, ...] = ()  # alive now, confirmed dead at the series' last check of it
    text_changed: tuple[str, ...] = ()  # article URLs whose live text changed since the last capture
    new_date_mismatches: tuple[str, ...] = ()
    # Which runs count as the same job, said so that it reads after "the previous
    # run of": "job 'weekly'", "the same 3 seeds". It names the comparison and is
    # no change itself, so it takes no part in equality.
    series: str | None = field(default=None, compare=False)


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
    # Seeds the crawl could not use, (name, reason), from the archive's seed-problem records.
    skipped_seeds: tuple[tuple[str, str], ...] = ()
    # A pywb collection URL ending in "/" (ARCHIVER_REPLAY_URL): report.html links
    # each capture to <replay_url><14-digit timestamp>/<url>. None: no replay links.
    replay_url: str | None = None
