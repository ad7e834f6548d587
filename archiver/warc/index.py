"""What an archive holds, found apart from loading it (as pywb's warcserver does).

An :class:`ArchiveIndex` is filled by :mod:`archiver.warc.reader`: captures
and failures by URL, seeds and article records, and every integrity problem.
Bodies are not kept: a :class:`Capture` says where its record is, and
:meth:`ArchiveIndex.payload_of` where its payload is (a revisit's original).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from w3lib.url import canonicalize_url

from archiver.warc.articles import RecordedArticle
from archiver.warc.replaycheck import ArticleReplay


@functools.lru_cache(maxsize=1 << 16)
def url_key(url: str) -> str:
    """The key URLs are looked up by: fragments and query order do not matter.

    Cached: an analysis asks for the key of each link several times, and
    w3lib's canonicalisation takes 20 µs.
    """
    try:
        return canonicalize_url(url, keep_fragments=False)
    except ValueError:
        return url


@dataclass(frozen=True)
class WarcLocation:
    """A record: the file's name and the record's offset in it."""

    filename: str
    offset: int


@dataclass(frozen=True)
class IntegrityProblem:
    filename: str
    offset: int | None
    problem: str


@dataclass(frozen=True)
class Capture:
    """One archived HTTP response."""

    url: str
    date: str  # WARC-Date
    status: int
    headers: tuple[tuple[str, str], ...]
    location: WarcLocation
    payload_digest: str | None = None
    probe: bool = False  # a soft-404 probe of ours
    revisit_of: str | None = None  # WARC-Refers-To-Target-URI of a revisit
    revisit_date: str | None = None  # WARC-Refers-To-Date of a revisit
    lookup: tuple[str, str, str] | None = None  # (link, kind, before) of an archive lookup
    requisite_of: str | None = None  # a page requisite of ours: the page it serves

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == lname:
                return value
        return None


@dataclass(frozen=True)
class FetchFailure:
    """A fetch that got no response, from one of our metadata records."""

    url: str
    kind: str  # a FailureKind, or another tool's word
    message: str
    attempt: int
    location: WarcLocation
    date: str = ""  # WARC-Date


@dataclass(frozen=True)
class SeedRecord:
    name: str
    content: bytes
    location: WarcLocation


@dataclass(frozen=True)
class SeedProblem:
    """A seed the crawl skipped, and why (a ``seed-problem`` metadata record)."""

    name: str
    reason: str
    location: WarcLocation


@dataclass(frozen=True)
class LookupsStopped:
    """A web archive the crawl stopped asking (``urn:archiver:archive-lookups:`` metadata)."""

    archive: str  # its endpoint
    reason: str
    unasked: int  # lookups queued when it stopped, not made
    location: WarcLocation


@dataclass(frozen=True)
class ArticleRecord:
    """An article as the crawl saw it (``urn:archiver:article:`` JSON metadata)."""

    uri: str
    article: RecordedArticle
    location: WarcLocation
    date: str = ""  # WARC-Date: of several crawls' records of one article, the latest is kept


@dataclass(frozen=True)
class ReplayCheckRecord:
    """An article's replay check (``urn:archiver:replay-check:`` JSON metadata)."""

    result: ArticleReplay
    location: WarcLocation
    date: str = ""  # WARC-Date: of several checks of one article, the latest is the one reported


@dataclass(frozen=True)
class RenderingRecord:
    """A resource record of a page's rendering (screenshot, thumbnail, rendered DOM)."""

    url: str  # the page's URL
    uri: str  # the record's URN (vocab.SCREENSHOT_URN + url …)
    media_type: str
    length: int  # payload bytes
    location: WarcLocation
    concurrent_to: str | None  # the page's response record's WARC-Record-ID
    date: str = ""
    payload: bytes | None = None  # kept for a thumbnail small enough for the report, else None


@dataclass(frozen=True)
class BrowserFailure:
    """Why the browser's rendering of a page failed or is incomplete (a BROWSER_URN record)."""

    url: str
    kind: str  # a vocab.BrowserFailureKind
    message: str
    location: WarcLocation
    date: str = ""


@dataclass
class ArchiveIndex:
    files: list[str] = field(default_factory=list)
    captures: dict[str, list[Capture]] = field(default_factory=dict)
    failures: dict[str, list[FetchFailure]] = field(default_factory=dict)
    seeds: list[SeedRecord] = field(default_factory=list)
    seed_problems: list[SeedProblem] = field(default_factory=list)
    articles: list[ArticleRecord] = field(default_factory=list)
    replay_checks: list[ReplayCheckRecord] = field(default_factory=list)
    lookups_stopped: list[LookupsStopped] = field(default_factory=list)
    problems: list[IntegrityProblem] = field(default_factory=list)
    # A page's renderings by URL key: (URN prefix -> the last record of that kind).
    renderings: dict[str, dict[str, RenderingRecord]] = field(default_factory=dict)
    browser_failures: dict[str, list[BrowserFailure]] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)  # file name -> path
    unreadable: list[str] = field(default_factory=list)  # files that gave no record at all
    # Pages the crawl's WARC writer or its helper examined, by (file name, offset):
    # archiver.analysis.pages.ExaminedAhead, which the report takes for the same job.
    examined: dict[tuple[str, int], Any] = field(default_factory=dict)
    _cdxj: dict[tuple[str, str], tuple[Path, int]] | None = field(default=None, repr=False)
    # Where else an original may be: (url, payload digest) -> candidate (file, offset)
    # locations, e.g. the history's captures. Asked last, and only for revisits.
    locate_original: Callable[[str, str], Iterable[tuple[Path, int]]] | None = field(default=None, repr=False)

    def add_capture(self, capture: Capture) -> None:
        self.captures.setdefault(url_key(capture.url), []).append(capture)

    def add_article(self, article: ArticleRecord) -> None:
        self.articles.append(article)

    def add_failure(self, failure: FetchFailure) -> None:
        self.failures.setdefault(url_key(failure.url), []).append(failure)

    def add_rendering(self, prefix: str, record: RenderingRecord) -> None:
        self.renderings.setdefault(url_key(record.url), {})[prefix] = record

    def add_browser_failure(self, failure: BrowserFailure) -> None:
        self.browser_failures.setdefault(url_key(failure.url), []).append(failure)

    def rendering(self, url: str) -> dict[str, RenderingRecord]:
        """The page's last screenshot, thumbnail and rendered DOM, by URN prefix (none: empty)."""
        return self.renderings.get(url_key(url), {})

    def merge(self, part: ArchiveIndex) -> None:
        """Add what another index (a segment's) found, after what this one holds."""
        for key, kinds in part.renderings.items():
            self.renderings.setdefault(key, {}).update(kinds)
        for key, browser_failures in part.browser_failures.items():
            self.browser_failures.setdefault(key, []).extend(browser_failures)
        for key, captures in part.captures.items():
            self.captures.setdefault(key, []).extend(captures)
        for key, failures in part.failures.items():
            self.failures.setdefault(key, []).extend(failures)
        self.seeds.extend(part.seeds)
        self.seed_problems.extend(part.seed_problems)
        self.articles.extend(part.articles)
        self.replay_checks.extend(part.replay_checks)
        self.lookups_stopped.extend(part.lookups_stopped)
        self.problems.extend(part.problems)
        self.examined.update(part.examined)

    def capture(self, url: str) -> Capture | None:
        """The last attempt at a URL: retries end in it."""
        found = self.captures.get(url_key(url))
        return found[-1] if found else None

    def replay_check(self, url: str) -> ArticleReplay | None:
        """The latest replay check of a page, by WARC-Date (ISO 8601 sorts as text)."""
        found = [r for r in self.replay_checks if url_key(r.result.url) == url_key(url)]
        return max(found, key=lambda r: r.date).result if found else None

    def failure(self, url: str) -> FetchFailure | None:
        found = self.failures.get(url_key(url))
        return found[-1] if found else None

    def all_captures(self) -> Iterable[Capture]:
        for captures in self.captures.values():
            yield from captures

    def path_of(self, location: WarcLocation) -> Path:
        return self.paths[location.filename]

    def payload_of(self, capture: Capture) -> tuple[Path, int] | None:
        """Where the body of a capture is: its own record, or what a revisit refers to."""
        if capture.revisit_of is None:
            return self.path_of(capture.location), capture.location.offset
        for candidate in self.captures.get(url_key(capture.revisit_of), []):
            if candidate.revisit_of is None and candidate.payload_digest == capture.payload_digest:
                return self.path_of(candidate.location), candidate.location.offset
        return self._indexed_original(capture) or self._located_original(capture)

    def _located_original(self, capture: Capture) -> tuple[Path, int] | None:
        if self.locate_original is None or not capture.payload_digest:
            return None
        for path, offset in self.locate_original(capture.revisit_of or "", capture.payload_digest):
            if path.is_file():
                return path, offset
        return None

    def unresolved_revisit(self, capture: Capture) -> str:
        """Why a revisit's payload cannot be found: what it refers to and where it was looked for."""
        looked = "the files read and the .cdxj indexes beside them"
        if self.locate_original is not None:
            looked += ", and the history's capture locations"
        return (f"revisit of {capture.url} refers to {capture.revisit_of} captured "
                f"{capture.revisit_date or 'at an unknown date'} (payload {capture.payload_digest}), "
                f"which is not in {looked}")

    def _indexed_original(self, capture: Capture) -> tuple[Path, int] | None:
        # An earlier job's file, found through the CDXJ index written beside it.
        from archiver.warc.cdxj import read_originals

        if self._cdxj is None:
            self._cdxj = {}
            folders = {path.parent for path in self.paths.values()}
            for folder in sorted(folders):
                for index_file in sorted(folder.glob("*.cdxj")):
                    for (url, digest), where in read_originals(index_file):
                        self._cdxj.setdefault((url_key(url), digest), where)
        return self._cdxj.get((url_key(capture.revisit_of or ""), capture.payload_digest or ""))


class ProblemsIndex(ArchiveIndex):
    """An index that keeps only what an integrity pass prints: its problems.

    Every record is still read and checked as for a full index (the problems
    are the same), but captures, failures, renderings and articles are
    dropped as they come: no URL is canonicalised, and a segment's reader
    sends back a few problems instead of every record's description.
    """

    def add_capture(self, capture: Capture) -> None:
        pass

    def add_article(self, article: ArticleRecord) -> None:
        pass

    def add_failure(self, failure: FetchFailure) -> None:
        pass

    def add_rendering(self, prefix: str, record: RenderingRecord) -> None:
        pass

    def add_browser_failure(self, failure: BrowserFailure) -> None:
        pass
