"""URL helpers shared by the seed parsers and the grouping stage.

Stored URLs stay as the seed gives them (only the wrapping a human or a text
export adds is removed); the loose key is for comparison only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote, urljoin, urlsplit

from w3lib.url import canonicalize_url

from .model import SeedLink

# Quotes and angle brackets never belong to a URL in running text; they are
# what surrounds it.
_WHITESPACE = re.compile(r"\s")  # str.isspace's characters, searched in C
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)

_TRAILING_PUNCTUATION = ".,;:!?'\"*_"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_TAIL = _TRAILING_PUNCTUATION + ">" + "".join(_CLOSERS)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Trailing ids such as "a69185" are site internals, not words of the title.
_SLUG_ID = re.compile(r"(?:[a-z]{1,2}\d{3,}|\d{5,})")
_SLUG_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.IGNORECASE)


def clean_url(raw: str) -> str:
    """Remove what surrounds a URL in prose: <...>, and trailing punctuation.

    A closing bracket is kept when the URL opened it, as in Wikipedia's
    ``/wiki/Idlib_(city)``.
    """
    url = raw.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    # The tail made only of punctuation and closers is cut with str methods,
    # not a character at a time: a URL followed by 10 MB of ")" took minutes.
    body = url.rstrip(_TAIL)
    tail = url[len(body):]
    end = len(body)
    for closer, opener in _CLOSERS.items():
        if closer not in tail:
            continue
        # Read from the right, closers are cut while they outnumber their
        # openers: of one kind, the tail keeps its first `matched` from the
        # left, and the rightmost closer kept, of any kind, ends the cut.
        matched = body.count(opener) - body.count(closer)
        if matched <= 0:
            continue
        position = -1
        for _ in range(min(matched, tail.count(closer))):
            position = tail.index(closer, position + 1)
        end = max(end, len(body) + position + 1)
    return url[:end]


def is_http_url(candidate: str) -> bool:
    if not candidate or _WHITESPACE.search(candidate):
        return False
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def find_urls(text: str) -> list[str]:
    """http(s) URLs in running text, in order, cleaned."""
    found = []
    for match in URL_IN_TEXT.finditer(text):
        url = clean_url(match.group())
        if is_http_url(url):
            found.append(url)
    return found


def urls_only(line: str) -> list[str] | None:
    """The URLs of a line made of nothing but URLs, else None."""
    tokens = line.split()
    if not tokens:
        return None
    urls = []
    for token in tokens:  # stops at the first word that is not a URL: most lines are prose
        url = clean_url(token)
        if not is_http_url(url):
            return None
        urls.append(url)
    return urls


def resolve(url: str, base: str | None) -> str:
    """Make a relative link absolute when the page's own URL is known."""
    if base is None or urlsplit(url).scheme:
        return url
    try:
        return urljoin(base, url)
    except ValueError:
        return url


# Grouping compares every link of every copy; the same URLs come back often.
@lru_cache(maxsize=65536)
def loose_key(url: str) -> str:
    """A comparison key under which trivial variants of one URL are equal.

    http/https, ``www.``, a trailing slash, the fragment, default ports,
    percent-encoding and query order do not make a different page here.
    """
    try:
        canonical = canonicalize_url(url.strip(), keep_fragments=False)
        parts = urlsplit(canonical)
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return canonical
    host = (parts.hostname or "").lower().removeprefix("www.")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"http://{host}{parts.path.rstrip('/')}{query}"


def slug_tokens(url: str) -> list[str]:
    """Words of the last path segment, which news sites build from the title."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return []
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return []
    slug = _SLUG_EXTENSION.sub("", unquote(segments[-1]))
    tokens = re.findall(r"[^\W_]+", slug.lower())
    if tokens and _SLUG_ID.fullmatch(tokens[-1]):
        tokens.pop()
    return tokens


def unique_links(links: Iterable[SeedLink]) -> tuple[SeedLink, ...]:
    """Drop repeats; a bare mention of a URL adds nothing to a richer one."""
    result: dict[SeedLink, None] = {}  # an ordered set
    urls: set[str] = set()
    for link in links:
        bare = link.url is not None and link.anchor_text is None and not link.related
        if link in result or (bare and link.url in urls):
            continue
        result[link] = None
        if link.url is not None:
            urls.add(link.url)
    return tuple(result)
