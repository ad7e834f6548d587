"""Plain-text seeds: an article copied out of a PDF or a web page.

Line breaks are kept as they are: the comparison stage tokenises, and joining
a hyphenated line break ("M4-" / "M5") would invent a word.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from archiver.analysis.model import DateSource

from .dates import date_from_line
from .frontmatter import split_front_matter
from .model import SeedDocument, SeedLink
from .urls import URL_IN_TEXT, find_urls, unique_links, urls_only

MEDIA_TYPE = "text/plain; charset=utf-8"
# A byline date sits above the body; further down a lone date is content.
DATE_WINDOW = 10

ORIGINAL_URL = re.compile(r"^\s*original\s+url\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
# Greedy to the end, the caller strips: a lazy group before "\s*$" rescanned
# the trailing whitespace at every step, quadratic in a line of spaces.
RELATED = re.compile(r"^\s*related(?:\s+articles?)?\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class TextScan:
    text: str
    url: str | None = None
    published: datetime.date | None = None
    links: tuple[SeedLink, ...] = ()


def related_links(rest: str) -> list[SeedLink]:
    """Links of a "Related article: Title [URL]" line; without URL a placeholder."""
    urls = find_urls(rest)
    title = URL_IN_TEXT.sub(" ", rest).strip(" \t-–—|:<>()") or None
    if urls:
        return [SeedLink(url, title, related=True) for url in urls]
    return [SeedLink(None, title, related=True)] if title else []


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index].strip():
            return index
    return None


def scan_text(text: str) -> TextScan:
    """Split plain text into the article body and what the seed says about it."""
    lines = text.splitlines()
    kept: list[str] = []
    links: list[SeedLink] = []
    url: str | None = None
    published: datetime.date | None = None
    nonblank_seen = 0
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip():
            kept.append("")
            continue
        nonblank_seen += 1
        if original := ORIGINAL_URL.match(line):
            found = find_urls(original.group(1))
            following = _next_nonblank(lines, index)
            if not found and following is not None and (alone := urls_only(lines[following])):
                found = alone
                index = following + 1
            if found and url is None:
                url, found = found[0], found[1:]
            links.extend(SeedLink(other) for other in found)
            continue
        if related := RELATED.match(line):
            links.extend(related_links(related.group(1).rstrip()))
            continue
        if alone := urls_only(line):
            links.extend(SeedLink(found) for found in alone)
            continue
        if published is None and nonblank_seen <= DATE_WINDOW:
            published = date_from_line(line)
            if published is not None:
                continue
        links.extend(SeedLink(found) for found in find_urls(line))
        kept.append(line.rstrip())
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return TextScan(body, url, published, unique_links(links))


def parse_text(name: str, content: bytes, text: str) -> SeedDocument:
    front_matter, body = split_front_matter(text)
    scan = scan_text(body)
    url, title, published, source = scan.url, None, scan.published, None
    if published is not None:
        source = DateSource.BYLINE
    if front_matter is not None:
        url = front_matter.url or url
        title = front_matter.title
        if front_matter.published is not None:
            published, source = front_matter.published, DateSource.FRONT_MATTER
    return SeedDocument(
        name=name,
        format="text",
        media_type=MEDIA_TYPE,
        content=content,
        text=scan.text,
        url=url,
        title=title,
        published=published,
        published_source=source,
        links=scan.links,
    )
