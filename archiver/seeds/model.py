"""What a seed tells us: the typed interface between seed parsing and the crawl.

Seed parsers produce :class:`SeedDocument`; grouping merges copies of one
article into an :class:`Article`. Nothing here knows about Scrapy or WARC.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SeedLink:
    """A link as one seed shows it.

    ``url`` is None for a placeholder such as ``[title](#)``: the anchor text
    is kept and waits for a URL that another copy of the article may give.
    """

    url: str | None
    anchor_text: str | None = None
    related: bool = False  # from a "Related article:" line


@dataclass(frozen=True)
class SeedDocument:
    """One seed file, parsed.

    ``content`` is the file's bytes exactly as read, so that the archive can
    store the very bytes that were analysed.
    """

    name: str  # file name as the user knows it, relative to the seed root
    format: str  # "markdown", "text", "html", "pdf" or "urls"
    media_type: str  # of ``content``, for the WARC resource record
    content: bytes
    text: str  # the article text, markup removed, as the seed gives it
    url: str | None = None  # the article's original URL
    title: str | None = None
    published: datetime.date | None = None
    published_source: str | None = None  # DateSource: FRONT_MATTER, BYLINE, META or URL
    links: tuple[SeedLink, ...] = ()
    # A URL list holds many articles: one original URL each, no text.
    listed_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeedProblem:
    """A seed that could not be used, and why."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class ArticleLink:
    """A link of an article, merged over all its seed copies."""

    url: str | None
    anchor_text: str | None = None
    related: bool = False
    found_in: tuple[str, ...] = ()  # seed names


@dataclass(frozen=True)
class Article:
    """One article, with every seed copy that shows it."""

    url: str | None
    title: str | None = None
    published: datetime.date | None = None
    published_source: str | None = None
    seeds: tuple[str, ...] = ()  # seed names
    links: tuple[ArticleLink, ...] = field(default=())
