"""HTML seeds: a news page saved from the browser."""

from __future__ import annotations

import codecs
import datetime
import json
import logging
import re
from collections.abc import Iterator

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from w3lib.encoding import html_body_declared_encoding

from archiver.analysis.model import DateSource

from .dates import date_from_value
from .detect import decode
from .errors import SeedError
from .model import SeedDocument, SeedLink
from .urls import clean_url, is_http_url, resolve, unique_links

logger = logging.getLogger(__name__)

# In order of trust: the publisher's own statement of the publication date.
_DATE_META = (
    "article:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "dc.date",
    "dcterms.date",
    "dc.date.issued",
)


def _space(text: str | None) -> str:
    return " ".join((text or "").split())


def _encoding(content: bytes) -> str:
    declared = html_body_declared_encoding(content)
    try:
        return codecs.lookup(declared).name if declared else "utf-8"
    except LookupError:
        return "utf-8"


def _meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip(), content.strip())
    return found


def _page_url(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = clean_url(link.get("href") or "")
            if is_http_url(href):
                return href
    og_url = clean_url(meta.get("og:url", ""))
    return og_url if is_http_url(og_url) else None


def _title(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    candidates = [meta.get("og:title")]
    candidates += [element.text_content() for element in tree.iter("title", "h1")]
    for candidate in candidates:
        if title := _space(candidate):
            return title
    return None


def _json_ld_dates(tree: lxml.html.HtmlElement) -> Iterator[object]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            pending: list[object] = [json.loads(script.text or "")]
        except ValueError:
            continue
        while pending:
            node = pending.pop(0)
            if isinstance(node, dict):
                if "datePublished" in node:
                    yield node["datePublished"]
                pending.extend(node.values())
            elif isinstance(node, list):
                pending.extend(node)


def _published(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> datetime.date | None:
    candidates: list[object] = [meta[key] for key in _DATE_META if key in meta]
    candidates += list(_json_ld_dates(tree))
    candidates += [time.get("datetime") for time in tree.iter("time")]
    for candidate in candidates:
        if (day := date_from_value(candidate)) is not None:
            return day
    # url="" keeps htmldate from reading the date out of the canonical URL:
    # that is a weaker source, which grouping ranks as "url".
    found = find_date(tree, extensive_search=False, original_date=True, url="")
    return datetime.date.fromisoformat(found) if found else None


def _links(tree: lxml.html.HtmlElement, base: str | None) -> list[SeedLink]:
    links = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        text = _space(anchor.text_content()) or _space(anchor.get("title")) or None
        links.append(SeedLink(resolve(href, base), text))
    return links


def _body_text(tree: lxml.html.HtmlElement) -> str:
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    bodies = tree.xpath("//body")
    raw = (bodies[0] if bodies else tree).text_content()
    lines = [_space(line) for line in raw.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _article_text(html: str, tree: lxml.html.HtmlElement) -> str:
    try:
        extracted = trafilatura.extract(html, include_comments=False, include_tables=True)
    except Exception:  # noqa: BLE001 - heuristics on arbitrary markup; the fallback is fine
        logger.debug("trafilatura failed, using the page's body text", exc_info=True)
        extracted = None
    return extracted.strip() if extracted else _body_text(tree)


def parse_html(name: str, content: bytes) -> SeedDocument:
    encoding = _encoding(content)
    html = decode(content, encoding)
    if not html.strip():
        raise SeedError("empty file (only whitespace)")
    # Parsing re-encoded bytes with a fixed encoding: lxml refuses str input
    # carrying an XML encoding declaration, and a stale <meta charset> must
    # not override what was decoded above.
    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise SeedError(f"unreadable HTML: {error}") from None
    meta = _meta(tree)
    url = _page_url(tree, meta)
    bases = [base.get("href") for base in tree.iter("base") if base.get("href")]
    link_base = resolve(bases[0], url) if bases else url
    published = _published(tree, meta)
    links = _links(tree, link_base)
    return SeedDocument(
        name=name,
        format="html",
        media_type=f"text/html; charset={encoding}",
        content=content,
        text=_article_text(html, tree),
        url=url,
        title=_title(tree, meta),
        published=published,
        published_source=DateSource.META if published is not None else None,
        links=unique_links(links),
    )
