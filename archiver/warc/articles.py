"""The article record: one article as the crawl saw it (``urn:archiver:article:`` JSON).

The crawl writes one per article when its seeds are loaded; the analysis
reads them back as the truth about the archive's articles (grouping, title,
date, links), so an old archive reads the same whatever the grouping code
has become since. The fields are defined here once, over plain values:
the seeds' own types stay out of the archive's contract.

Format 1::

    {"format": 1, "url": str|null, "title": str|null,
     "published": "YYYY-MM-DD"|null, "published_source": str|null,
     "seeds": [str], "links": [{"url": str|null, "anchor_text": str|null,
                                "related": bool, "found_in": [str]}]}

Records written before the ``format`` field existed hold the same fields
and are read as format 1.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

FORMAT = 1
FORMAT_KEY = "format"


class ArticleFormatError(ValueError):
    """An article record this archiver cannot read; the message says why."""


@dataclass(frozen=True)
class RecordedLink:
    url: str | None  # None: a placeholder link the seeds give only an anchor text for
    anchor_text: str | None
    related: bool
    found_in: tuple[str, ...]  # seed names


@dataclass(frozen=True)
class RecordedArticle:
    url: str | None
    title: str | None
    published: datetime.date | None
    published_source: str | None
    seeds: tuple[str, ...]  # seed names
    links: tuple[RecordedLink, ...]


def to_json(article: RecordedArticle) -> dict:
    return {
        FORMAT_KEY: FORMAT,
        "url": article.url,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "published_source": article.published_source,
        "seeds": list(article.seeds),
        "links": [
            {"url": link.url, "anchor_text": link.anchor_text, "related": link.related,
             "found_in": list(link.found_in)}
            for link in article.links
        ],
    }


def from_json(data: object) -> RecordedArticle:
    """The article a record's JSON holds; ArticleFormatError names what is wrong."""
    if not isinstance(data, dict):
        raise ArticleFormatError("not a JSON object")
    version = data.get(FORMAT_KEY, FORMAT)
    if type(version) is not int or version != FORMAT:  # JSON's true is not format 1
        raise ArticleFormatError(f"format {version!r}, and this archiver reads format {FORMAT} "
                                 "(a newer news-archiver wrote it?)")
    published = _optional_str(data, "published")
    try:
        day = datetime.date.fromisoformat(published) if published is not None else None
    except ValueError:
        raise ArticleFormatError(f'"published" is not a YYYY-MM-DD date: {published!r}') from None
    links = _field(data, "links", list)
    return RecordedArticle(
        url=_optional_str(data, "url"),
        title=_optional_str(data, "title"),
        published=day,
        published_source=_optional_str(data, "published_source"),
        seeds=_names(data, "seeds"),
        links=tuple(_link(link, n) for n, link in enumerate(links, 1)),
    )


def _link(data: object, number: int) -> RecordedLink:
    if not isinstance(data, dict):
        raise ArticleFormatError(f"link {number} is not a JSON object")
    try:
        return RecordedLink(url=_optional_str(data, "url"), anchor_text=_optional_str(data, "anchor_text"),
                            related=_field(data, "related", bool), found_in=_names(data, "found_in"))
    except ArticleFormatError as error:
        raise ArticleFormatError(f"link {number}: {error}") from None


def _field(data: dict, name: str, kind: type):
    if name not in data:
        raise ArticleFormatError(f'field "{name}" is missing')
    value = data[name]
    if not isinstance(value, kind):
        raise ArticleFormatError(f'field "{name}" is not a {_json_type(kind)}: {value!r}')
    return value


def _optional_str(data: dict, name: str) -> str | None:
    if name not in data:
        raise ArticleFormatError(f'field "{name}" is missing')
    value = data[name]
    if value is not None and not isinstance(value, str):
        raise ArticleFormatError(f'field "{name}" is neither a string nor null: {value!r}')
    return value


def _names(data: dict, name: str) -> tuple[str, ...]:
    values = _field(data, name, list)
    if not all(isinstance(value, str) for value in values):
        raise ArticleFormatError(f'field "{name}" is not a list of strings')
    return tuple(values)


def _json_type(kind: type) -> str:
    return {list: "list", bool: "boolean", str: "string"}[kind]
