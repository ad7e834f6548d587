"""Markdown seeds, e.g. an article exported from a web page by a read-later tool."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from archiver.analysis.model import DateSource

from .dates import date_from_line
from .frontmatter import split_front_matter
from .model import SeedDocument, SeedLink
from .text import ORIGINAL_URL, RELATED, related_links
from .urls import find_urls, is_http_url, resolve, unique_links

MEDIA_TYPE = "text/markdown; charset=utf-8"
_BYLINE = re.compile(r"^by\s+\S", re.IGNORECASE)
_BYLINE_MAX = 100
# Metadata lines sit above the body; deeper down they are body text.
_BYLINE_WINDOW = 2
_DATE_WINDOW = 3
_PLACEHOLDERS = {"", "#"}


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    # markdown-it percent-encodes hrefs for HTML output; the seed's own
    # spelling of a URL is what we keep.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    return md


_MD = _markdown()


@dataclass
class _Item:
    href: str
    anchor: str | None
    bare: bool  # a URL written out in the text, not a Markdown link


@dataclass
class _Block:
    kind: str  # "heading", "paragraph" or "code"
    text: str
    outside_links: str = ""
    items: list[_Item] = field(default_factory=list)


def _inline_block(kind: str, token: Token) -> _Block:
    text: list[str] = []
    outside: list[str] = []
    items: list[_Item] = []
    href: str | None = None
    anchor: list[str] = []
    for child in token.children or []:
        if child.type == "link_open":
            href, anchor = str(child.attrs.get("href", "")), []
            continue
        if child.type == "link_close" and href is not None:
            words = " ".join("".join(anchor).split())
            items.append(_Item(href, words if words and words != href else None, False))
            href = None
            outside.append(" ")
            continue
        if child.type in ("text", "code_inline"):
            piece = child.content
        elif child.type in ("softbreak", "hardbreak"):
            piece = "\n"
        else:
            continue
        text.append(piece)
        if href is not None:
            anchor.append(piece)
        else:
            outside.append(piece)
            items.extend(_Item(url, None, True) for url in find_urls(piece))
    return _Block(kind, "".join(text).strip(), "".join(outside), items)


def _blocks(tokens: list[Token]) -> list[_Block]:
    blocks = []
    kind = "paragraph"
    for token in tokens:
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "heading_close":
            kind = "paragraph"
        elif token.type == "inline":
            blocks.append(_inline_block(kind, token))
        elif token.type in ("fence", "code_block"):
            blocks.append(_Block("code", token.content.strip("\n")))
    return blocks


def _link(item: _Item, related: bool = False) -> SeedLink | None:
    href = item.href.strip()
    if href in _PLACEHOLDERS or href.lower().startswith("javascript:"):
        return SeedLink(None, item.anchor, related) if item.anchor else None
    if href.startswith("#"):
        return None  # a jump inside the page itself
    return SeedLink(href, item.anchor, related)


def _links(block: _Block, related: bool = False) -> list[SeedLink]:
    return [link for item in block.items if (link := _link(item, related)) is not None]


def _is_byline(text: str) -> bool:
    return len(text) <= _BYLINE_MAX and _BYLINE.match(text) is not None


def _block_urls(block: _Block) -> list[str]:
    return [item.href for item in block.items if is_http_url(item.href)]


def _only_urls(block: _Block) -> bool:
    """A paragraph that is just pasted URLs belongs to the links, not the body."""
    if not block.items or not all(item.bare for item in block.items):
        return False
    leftover = block.outside_links
    for item in block.items:
        leftover = leftover.replace(item.href, " ")
    return re.search(r"\w", leftover) is None


def parse_markdown(name: str, content: bytes, text: str) -> SeedDocument:
    front_matter, body = split_front_matter(text)
    blocks = [block for block in _blocks(_MD.parse(body)) if block.text or block.items]
    title: str | None = None
    url: str | None = None
    published: datetime.date | None = None
    paragraphs: list[str] = []
    links: list[SeedLink] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        near_top = len(paragraphs)
        if block.kind == "heading" and title is None and near_top == 0:
            title = " ".join(block.text.split())
            links.extend(_links(block))
        elif original := ORIGINAL_URL.match(block.text):
            found = _block_urls(block) or find_urls(original.group(1))
            if not found and index < len(blocks) and (found := _block_urls(blocks[index])):
                index += 1
            if found and url is None:
                url, found = found[0], found[1:]
            links.extend(SeedLink(other) for other in found)
        elif related := RELATED.match(block.text):
            links.extend(_links(block, related=True) or related_links(related.group(1).rstrip()))
        elif near_top < _BYLINE_WINDOW and _is_byline(block.text):
            links.extend(_links(block))
        elif published is None and near_top < _DATE_WINDOW and (day := date_from_line(block.text)):
            published = day
        elif _only_urls(block):
            links.extend(_links(block))
        else:
            paragraphs.append(block.text)
            links.extend(_links(block))
    source = DateSource.BYLINE if published is not None else None
    if front_matter is not None:
        url = front_matter.url or url
        title = front_matter.title or title
        if front_matter.published is not None:
            published, source = front_matter.published, DateSource.FRONT_MATTER
    links = [
        SeedLink(resolve(link.url, url), link.anchor_text, link.related) if link.url else link
        for link in links
    ]
    return SeedDocument(
        name=name,
        format="markdown",
        media_type=MEDIA_TYPE,
        content=content,
        text="\n\n".join(paragraphs),
        url=url,
        title=title,
        published=published,
        published_source=source,
        links=unique_links(links),
    )
