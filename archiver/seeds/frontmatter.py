"""YAML front matter at the top of a Markdown or plain-text seed."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import yaml

from .dates import date_from_value
from .urls import clean_url, is_http_url

_BLOCK = re.compile(
    r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE
)
_URL_KEYS = (
    "url", "original_url", "original url", "canonical_url", "source_url", "source", "link",
)
_DATE_KEYS = ("date", "published", "published_at", "publication_date", "pubdate")


@dataclass(frozen=True)
class FrontMatter:
    url: str | None = None
    title: str | None = None
    published: datetime.date | None = None


def split_front_matter(text: str) -> tuple[FrontMatter | None, str]:
    """(front matter, rest of the text); (None, text) when there is none.

    A leading ``---`` that is not a YAML mapping is a Markdown rule, not front
    matter, so the text is left whole.
    """
    match = _BLOCK.match(text)
    if match is None:
        return None, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None, text
    if not isinstance(data, dict):
        return None, text
    fields = {str(key).strip().lower(): value for key, value in data.items()}
    return _fields(fields), text[match.end():]


def _fields(fields: dict[str, object]) -> FrontMatter:
    url = None
    for key in _URL_KEYS:
        value = fields.get(key)
        if isinstance(value, str) and is_http_url(clean_url(value)):
            url = clean_url(value)
            break
    raw_title = fields.get("title")
    title = str(raw_title).strip() if raw_title is not None else ""
    published = None
    for key in _DATE_KEYS:
        published = date_from_value(fields.get(key))
        if published is not None:
            break
    return FrontMatter(
        url=url,
        title=title or None,
        published=published,
    )
