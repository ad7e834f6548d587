"""Merging the seed copies of one article, and their links, into Articles."""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

from archiver.analysis.model import DateSource

from .dates import date_from_url
from .model import Article, ArticleLink, SeedDocument
from .urls import loose_key, slug_tokens

SHINGLE_SIZE = 4
# Share of the smaller copy's shingles found in the other: a copy that lost
# its headings, captions or a paragraph to a PDF export still clears it.
SAME_TEXT = 0.5
# A URL slug names the article it links to; a placeholder's anchor text is
# that title, perhaps with a suffix such as ", Russia Says".
SLUG_MATCH = 0.8
# Shorter slugs ("news", "idlib") would match any anchor that has the word.
MIN_SLUG_TOKENS = 3
_SOURCE_RANK: dict[str, int] = {DateSource.FRONT_MATTER: 0, DateSource.META: 1, DateSource.BYLINE: 2, DateSource.URL: 3}
_TITLE_FORMATS = ("markdown", "html")


@dataclass
class _Node:
    """One seed document, or one URL of a URL list."""

    order: int
    seed: str
    doc: SeedDocument | None
    url: str | None


@dataclass
class _Link:
    url: str | None
    anchor: str | None
    related: bool
    position: int
    found_in: set[str] = field(default_factory=set)


class _Groups:
    """Union-find that never joins two groups with different article URLs."""

    def __init__(self, nodes: list[_Node]) -> None:
        self.parent = list(range(len(nodes)))
        self.key: list[str | None] = [loose_key(node.url) if node.url else None for node in nodes]

    def find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def union(self, first: int, second: int) -> None:
        a, b = self.find(first), self.find(second)
        if a == b or (self.key[a] and self.key[b] and self.key[a] != self.key[b]):
            return
        low, high = min(a, b), max(a, b)
        self.parent[high] = low
        self.key[low] = self.key[low] or self.key[high]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _shingles(text: str) -> set[tuple[str, ...]]:
    tokens = _words(text)
    return {tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(len(tokens) - SHINGLE_SIZE + 1)}


def _similar_pairs(nodes: list[_Node]) -> list[tuple[float, int, int]]:
    """(containment, i, j) for every pair of copies with near-identical text."""
    shingles = {node.order: _shingles(node.doc.text) for node in nodes if node.doc is not None}
    # An inverted index counts shared shingles without comparing every pair.
    holders: dict[tuple[str, ...], list[int]] = defaultdict(list)
    pairs = []
    for order, own in shingles.items():
        shared = Counter(chain.from_iterable(holders[s] for s in own if s in holders))
        for other, count in shared.items():
            score = count / min(len(own), len(shingles[other]))
            if score >= SAME_TEXT:
                pairs.append((score, other, order))
        for shingle in own:
            holders[shingle].append(order)
    return sorted(pairs, key=lambda pair: (-pair[0], pair[1], pair[2]))


def _nodes(docs: Sequence[SeedDocument]) -> list[_Node]:
    nodes: list[_Node] = []
    for doc in sorted(docs, key=lambda doc: doc.name):
        if doc.format == "urls":
            for url in doc.listed_urls:
                nodes.append(_Node(len(nodes), doc.name, None, url))
        else:
            nodes.append(_Node(len(nodes), doc.name, doc, doc.url))
    return nodes


def _rank(source: str | None) -> int:
    return _SOURCE_RANK.get(source, len(_SOURCE_RANK)) if source else len(_SOURCE_RANK)


def _published(
    docs: list[SeedDocument], url: str | None
) -> tuple[datetime.date | None, str | None]:
    candidates = [
        (_rank(doc.published_source), order, doc.published, doc.published_source)
        for order, doc in enumerate(docs)
        if doc.published is not None
    ]
    if (day := date_from_url(url)) is not None:
        candidates.append((_rank(DateSource.URL), len(docs), day, DateSource.URL))
    if not candidates:
        return None, None
    _, _, published, source = min(candidates, key=lambda candidate: candidate[:2])
    return published, source


def _title(docs: list[SeedDocument]) -> str | None:
    titled = [doc for doc in docs if doc.title]
    titled.sort(key=lambda doc: doc.format not in _TITLE_FORMATS)  # stable: name order kept
    return titled[0].title if titled else None


def _slug_score(link: _Link, placeholder: _Link) -> float:
    anchor = " ".join(_words(placeholder.anchor or ""))
    if link.anchor and " ".join(_words(link.anchor)) == anchor:
        return 1.0
    slug = set(slug_tokens(link.url or ""))
    if len(slug) < MIN_SLUG_TOKENS:
        return 0.0
    return len(slug & set(anchor.split())) / len(slug)


def _match_placeholders(with_url: list[_Link], placeholders: list[_Link]) -> list[_Link]:
    """Give placeholders the URL another copy shows; return those left over."""
    pairs = []
    for link in with_url:
        for placeholder in placeholders:
            score = _slug_score(link, placeholder)
            if score >= SLUG_MATCH:
                pairs.append((-score, link.position, placeholder.position, link, placeholder))
    pairs.sort(key=lambda pair: pair[:3])
    linked: set[int] = set()
    used: set[int] = set()
    for _, _, _, link, placeholder in pairs:
        if id(link) in linked or id(placeholder) in used:
            continue
        linked.add(id(link))
        used.add(id(placeholder))
        link.anchor = link.anchor or placeholder.anchor
        link.related = link.related or placeholder.related
        link.found_in |= placeholder.found_in
        link.position = min(link.position, placeholder.position)
    return [placeholder for placeholder in placeholders if id(placeholder) not in used]


def _links(docs: list[SeedDocument], own_url: str | None) -> tuple[ArticleLink, ...]:
    own_key = loose_key(own_url) if own_url else None
    by_url: dict[str, _Link] = {}
    by_anchor: dict[str, _Link] = {}
    position = 0
    for doc in docs:
        for seed_link in doc.links:
            position += 1
            if seed_link.url is not None:
                key = loose_key(seed_link.url)
                if key == own_key:
                    continue
                link = by_url.setdefault(key, _Link(seed_link.url, None, False, position))
            elif seed_link.anchor_text:
                anchor = " ".join(_words(seed_link.anchor_text))
                link = by_anchor.setdefault(anchor, _Link(None, None, False, position))
            else:
                continue
            link.anchor = link.anchor or seed_link.anchor_text
            link.related = link.related or seed_link.related
            link.found_in.add(doc.name)
    with_url = list(by_url.values())
    merged = with_url + _match_placeholders(with_url, list(by_anchor.values()))
    merged.sort(key=lambda link: link.position)
    return tuple(
        ArticleLink(link.url, link.anchor, link.related, tuple(sorted(link.found_in)))
        for link in merged
    )


def _article(nodes: list[_Node]) -> Article:
    docs = [node.doc for node in nodes if node.doc is not None]
    url = next((node.url for node in nodes if node.url), None)
    published, source = _published(docs, url)
    return Article(
        url=url,
        title=_title(docs),
        published=published,
        published_source=source,
        seeds=tuple(sorted({node.seed for node in nodes})),
        links=_links(docs, url),
    )


def group_articles(docs: Sequence[SeedDocument]) -> list[Article]:
    """One Article per article, whatever number of seed copies show it.

    Copies are the same article when their original URLs match loosely or
    their texts are near-identical; a copy without URL takes the URL of the
    copy it matches. Two copies with different URLs stay apart even with
    similar text: syndicated wire stories are different pages to archive.
    """
    nodes = _nodes(docs)
    groups = _Groups(nodes)
    first_with_key: dict[str, int] = {}
    for node in nodes:
        key = groups.key[node.order]
        if key is not None:
            groups.union(first_with_key.setdefault(key, node.order), node.order)
    for _, i, j in _similar_pairs(nodes):
        groups.union(i, j)
    members: dict[int, list[_Node]] = defaultdict(list)
    for node in nodes:
        members[groups.find(node.order)].append(node)
    # Roots are the lowest order in their group, so this is first-seed order.
    return [_article(members[root]) for root in sorted(members)]
