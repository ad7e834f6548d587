"""YAML front matter at the top of a Markdown or plain-text seed."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import yaml

from .dates import date_from_value
from .errors import SeedError
from .urls import clean_url, is_http_url

# An article's front matter is a few lines; 64 KiB is far more than any
# holds, and libyaml reads it in milliseconds.
FRONT_MATTER_MAX_CHARS = 64 * 1024
_PRINTABLE_INT_BITS = 14_000  # under sys.int_info.default_max_str_digits (4,300) decimal digits

_BLOCK = re.compile(
    r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE
)
_URL_KEYS = (
    "url", "original_url", "original url", "canonical_url", "source_url", "source", "link",
)
_DATE_KEYS = ("date", "published", "published_at", "publication_date", "pubdate")


class AliasRefused(yaml.constructor.ConstructorError):
    """An alias in front matter: refused rather than expanded."""


class _NoAliasLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader that refuses aliases (``*name``).

    An alias shares a node; nine aliases of nine aliases… expand to billions
    of values once the title is turned into text (456 bytes took 24 GB).
    Front matter never needs one. libyaml (CSafeLoader) also caps nesting,
    where the pure-Python loader recursed until RecursionError. A value
    YAML cannot build (an impossible date, a number too long to print)
    stays text rather than failing the whole seed.
    """

    def construct_object(self, node, deep=False):
        # Every node is built once; a node met again is an alias (or a cycle).
        if node in self.constructed_objects or node in self.recursive_objects:
            raise AliasRefused(None, None, "an alias (*name) repeats a value", node.start_mark)
        return super().construct_object(node, deep)

    def _or_text(self, node, construct):
        # "date: 2020-13-45" or a 5,000-digit number raised ValueError from
        # the constructor; kept as text, the fields below judge it.
        try:
            return construct(self, node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)

    def _timestamp(self, node):
        return self._or_text(node, yaml.constructor.SafeConstructor.construct_yaml_timestamp)

    def _int(self, node):
        number = self._or_text(node, yaml.constructor.SafeConstructor.construct_yaml_int)
        # Python will not print an int of over 4,300 digits (a hex or base-60
        # one is built without the check): such a "number" stays text.
        if isinstance(number, int) and number.bit_length() > _PRINTABLE_INT_BITS:
            return self.construct_scalar(node)
        return number


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _NoAliasLoader._timestamp)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:int", _NoAliasLoader._int)


@dataclass(frozen=True)
class FrontMatter:
    url: str | None = None
    title: str | None = None
    published: datetime.date | None = None


def split_front_matter(text: str) -> tuple[FrontMatter | None, str]:
    """(front matter, rest of the text); (None, text) when there is none.

    A leading ``---`` that is not a YAML mapping is a Markdown rule, not front
    matter, so the text is left whole. Front matter over
    FRONT_MATTER_MAX_CHARS, or with an alias, is a SeedError: the seed says
    something we will not read.
    """
    match = _BLOCK.match(text)
    if match is None:
        return None, text
    block = match.group(1)
    if len(block) > FRONT_MATTER_MAX_CHARS:
        raise SeedError(f"front matter of {len(block):,} characters: at most "
                        f"{FRONT_MATTER_MAX_CHARS:,} are read; shorten it")
    try:
        data = yaml.load(block, Loader=_NoAliasLoader)  # noqa: S506 - a safe loader, aliases refused
    except AliasRefused as refused:
        line = refused.problem_mark.line + 2 if refused.problem_mark else 0  # after the opening ---
        raise SeedError(f"front matter uses a YAML alias of the value on line {line}: aliases are not "
                        "expanded; write the value out") from None
    except yaml.YAMLError:
        return None, text
    except RecursionError:  # the pure-Python loader, where libyaml is missing
        raise SeedError("front matter nested too deeply to read") from None
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
