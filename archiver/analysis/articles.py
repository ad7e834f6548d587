"""Which articles an archive holds: its article records first, grouping only for the rest.

An archive's article records say how the crawl grouped its seeds, and with
what title, date and links. They are the truth: re-grouping the archived
seeds with today's code would change an old archive's report whenever the
grouping code changes. Seeds that no record covers (archives written by
another tool or before article records existed, a record that could not be
read, seeds given on the command line) are grouped, and the report says so.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence

from archiver.seeds import Article, ArticleLink, SeedDocument, group_articles
from archiver.seeds.urls import loose_key
from archiver.warc.articles import RecordedArticle, RecordedLink
from archiver.warc.index import ArticleRecord


def recorded(article: Article) -> RecordedArticle:
    """What the crawl writes of an article (archiver.warc.articles.to_json makes it JSON)."""
    return RecordedArticle(
        url=article.url, title=article.title, published=article.published,
        published_source=article.published_source, seeds=tuple(article.seeds),
        links=tuple(RecordedLink(link.url, link.anchor_text, link.related, tuple(link.found_in))
                    for link in article.links),
    )


def from_record(article: RecordedArticle) -> Article:
    return Article(
        url=article.url, title=article.title, published=article.published,
        published_source=article.published_source, seeds=article.seeds,
        links=tuple(ArticleLink(link.url, link.anchor_text, link.related, link.found_in)
                    for link in article.links),
    )


def latest_records(records: Iterable[ArticleRecord]) -> list[RecordedArticle]:
    """One article per URN: several crawls into one folder each wrote theirs.

    The latest by WARC-Date wins (reading order breaks ties); the list keeps
    the order in which the articles were first seen.
    """
    chosen: dict[str, tuple[tuple[datetime.datetime, int], ArticleRecord]] = {}
    for position, record in enumerate(records):
        when = (_warc_date(record.date), position)
        if record.uri not in chosen or when > chosen[record.uri][0]:
            chosen[record.uri] = (when, record)
    return [record.article for _, record in chosen.values()]


def _warc_date(value: str) -> datetime.datetime:
    # Parsed, not compared as text: "…:15Z" sorts after "…:15.5Z".
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def choose_articles(records: Sequence[ArticleRecord],
                    docs: Sequence[SeedDocument]) -> tuple[list[Article], tuple[str, ...]]:
    """The articles to report on, and a note when seeds had to be grouped.

    ``docs`` are the archived seeds and those given on the command line.
    """
    if not records:
        grouped = group_articles(docs)
        return grouped, (NO_RECORDS,) if grouped else ()
    articles = [from_record(article) for article in latest_records(records)]
    covered = {name for article in articles for name in article.seeds}
    uncovered = {doc.name for doc in docs} - covered
    if not uncovered:
        return articles, ()
    owners = _Owners(articles)
    # Grouped with every seed, covered or not, so that an uncovered copy of a
    # recorded article (same URL, near-identical text) is found to be one.
    for group in group_articles(docs):
        new = {name for name in group.seeds if name in uncovered}
        if not new:
            continue  # the records say how these seeds group
        owner = owners.of(group)
        if owner is None:
            articles.append(group)  # only uncovered seeds: a new article
        else:
            articles[owner] = _joined(articles[owner], group, new)
    return articles, (_uncovered_note(sorted(uncovered)),)


NO_RECORDS = ("The archive has no article records (another tool's, or its crawl stopped before "
              "writing them): the seeds were grouped into articles by this version of the archiver.")
NAMES_IN_NOTE = 5


def _uncovered_note(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_IN_NOTE])
    if len(names) > NAMES_IN_NOTE:
        shown += f" and {len(names) - NAMES_IN_NOTE} more"
    seeds = "seed" if len(names) == 1 else "seeds"
    return (f"No article record covers the {seeds} {shown}: grouped into articles by this "
            "version of the archiver, not as the crawl saw them.")


class _Owners:
    """The recorded article a group of seeds joins: the one with its URL, else one sharing a seed.

    URLs compare as grouping compares them (http/https, ``www.``… alike).
    Groups hold distinct seeds and distinct URLs, so only recorded articles
    can own one.
    """

    def __init__(self, articles: list[Article]) -> None:
        self.by_url: dict[str, int] = {}
        self.by_seed: dict[str, int] = {}
        for i, article in enumerate(articles):
            if article.url:
                self.by_url.setdefault(loose_key(article.url), i)
            for name in article.seeds:
                self.by_seed.setdefault(name, i)

    def of(self, group: Article) -> int | None:
        if group.url and (owner := self.by_url.get(loose_key(group.url))) is not None:
            return owner
        return next((self.by_seed[name] for name in group.seeds if name in self.by_seed), None)


def _joined(article: Article, group: Article, new: set[str]) -> Article:
    """A recorded article with the uncovered seeds of its group added.

    What the record says stays; the new seeds add their names (for the text
    comparison), their links, and what the record did not know.
    """
    links = list(article.links)
    for link in group.links:
        found = tuple(name for name in link.found_in if name in new)
        if not found:
            continue
        same = next((i for i, known in enumerate(links) if _same_link(known, link)), None)
        if same is None:
            links.append(dataclasses.replace(link, found_in=found))
        else:
            known = links[same]
            links[same] = dataclasses.replace(
                known, anchor_text=known.anchor_text or link.anchor_text,
                found_in=known.found_in + tuple(f for f in found if f not in known.found_in))
    published, source = article.published, article.published_source
    if published is None:
        published, source = group.published, group.published_source
    return dataclasses.replace(
        article, url=article.url or group.url, title=article.title or group.title,
        published=published, published_source=source,
        seeds=article.seeds + tuple(sorted(new)), links=tuple(links),
    )


def _same_link(known: ArticleLink, link: ArticleLink) -> bool:
    if known.url and link.url:
        return loose_key(known.url) == loose_key(link.url)
    return known.url is None and link.url is None and known.anchor_text == link.anchor_text
