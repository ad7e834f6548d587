"""From an archived HTTP response body to the facts of the article it shows.

The chain is ``decode_body`` (undo Content-Encoding), ``html_text`` (bytes to
str) and ``page_facts`` (trafilatura for the text and metadata, archiver.pubdate
for the publication date). ``extract_page`` runs all three; it is a module-level
function of plain arguments so that it pickles into a process pool.
"""

from __future__ import annotations

import datetime
import logging
import re

import charset_normalizer
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.xml import xmltotxt
from w3lib.encoding import html_to_unicode

from archiver.analysis.links import BodyLink, refs_of
from archiver.analysis.model import DateSource, PageFacts
from archiver.analysis.trafilatura_internals import (
    Document,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
)
from archiver.pubdate import publication_date
from archiver.warc.decode import decode_body

logger = logging.getLogger(__name__)


def _detect_encoding(body: bytes) -> str | None:
    match = charset_normalizer.from_bytes(body).best()
    return match.encoding if match is not None else None


def html_text(body: bytes, content_type: str | None) -> str:
    """Decode HTML bytes the way a browser would.

    w3lib tries a BOM, the HTTP charset, then <meta charset>; only a page that
    declares nothing is left to charset_normalizer's guess.
    """
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_detect_encoding)
    return text


# --- the publication date ------------------------------------------------------


def _published(tree: HtmlElement, html: str, url: str | None) -> tuple[datetime.date | None, DateSource | None]:
    """The page's publication date and the markup it came from (archiver.pubdate)."""
    try:
        stamp = publication_date(tree, url, html)
    # Heuristics over hostile markup: a failure here must not lose the text.
    except Exception as error:  # noqa: BLE001
        logger.debug("date extraction failed for %s: %r", url, error)
        return None, None
    return (stamp.day, DateSource(stamp.source)) if stamp else (None, None)


def page_date(html: str, url: str | None) -> tuple[datetime.date | None, DateSource | None]:
    """The publication date page_facts finds, alone: the same parse, the same reading."""
    try:
        tree = trafilatura.load_html(html)
    except Exception as error:  # noqa: BLE001
        logger.debug("unparsable HTML for %s: %r", url, error)
        return None, None
    return _published(tree, html, url) if tree is not None else (None, None)


def _metadata(tree: HtmlElement) -> Document:
    """Title, author and site name, as trafilatura's extract_metadata finds them first.

    Its own version also runs htmldate (we date pages above, and name the
    source), searches bylines for an author with many XPaths (5.8 ms a page;
    here the first ``rel="author"`` link is taken) and reads categories, tags
    and licence: 20% of the extraction time for nothing we use.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # trafilatura's rule: a one-word author is a handle
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as error:  # noqa: BLE001 - bugs in trafilatura's JSON-LD reader
        logger.debug("JSON-LD metadata unreadable: %r", error)
    if not metadata.author:
        metadata.author = next((_clean(a.text_content()) for a in tree.iterfind(".//a[@rel='author']")), None)
    metadata.title = metadata.title or extract_title(tree)
    metadata.sitename = metadata.sitename or extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
    return metadata


# --- the titles a page shows ------------------------------------------------

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_NOT_SHOWN = {"head", "template", "noscript", "script", "style"}


def _hidden(element: HtmlElement) -> bool:
    return (element.tag in _NOT_SHOWN or element.get("hidden") is not None
            or element.get("aria-hidden", "").lower() == "true"
            or bool(_HIDDEN_STYLE.search(element.get("style", ""))))


def _visible_h1(tree: HtmlElement) -> str | None:
    """The first <h1> a reader sees: a page's headline, whatever its <title> says."""
    for h1 in tree.iter("h1"):
        if not any(map(_hidden, (h1, *h1.iterancestors()))):
            text = _clean(h1.text_content())
            if text:
                return text
    return None


def _titles(tree: HtmlElement, title: str | None) -> tuple[str, ...]:
    """Every title of the page: the chosen one, <title>, og:title, the visible h1.

    Sites word them differently ("Home | Site" beside the headline), and a
    link's anchor may quote any of them.
    """
    title_element = tree.find(".//head//title")
    og_titles = tree.xpath("//meta[@property='og:title' or @name='og:title']/@content")
    found = (
        title,
        title_element.text_content() if title_element is not None else None,
        next((t for t in og_titles if t.strip()), None),
        _visible_h1(tree),
    )
    return tuple(dict.fromkeys(t for t in map(_clean, found) if t))


def _clean(value: object) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text or None


def page_facts(html: str, url: str | None) -> PageFacts:
    """Title, author, site name, publication date and main text of a page."""
    return page_facts_and_links(html, url)[0]


def page_facts_and_links(html: str, url: str | None) -> tuple[PageFacts, list[BodyLink]]:
    """Page facts and the links of its article body, from one trafilatura pass.

    Never raises: junk yields PageFacts() holding whatever could be found.
    The text keeps one paragraph per block, separated by a blank line, since
    a single newline in a seed copy means a hard wrap, not a paragraph end.
    """
    # Parse once, and never hand htmldate a str: it downloads a str that
    # looks like a URL, and an archived body can be exactly that.
    try:
        tree = trafilatura.load_html(html)
    except Exception as error:  # noqa: BLE001
        logger.debug("unparsable HTML for %s: %r", url, error)
        return PageFacts(), []
    if tree is None:
        return PageFacts(), []

    published, source = _published(tree, html, url)
    try:
        metadata = _metadata(tree)
    except Exception as error:  # noqa: BLE001
        logger.debug("metadata extraction failed for %s: %r", url, error)
        metadata = Document()
    titles = _titles(tree, _clean(metadata.title))
    try:
        # No url: links are resolved by refs_of. output_format="txt": the text
        # is rendered below, once, without the links trafilatura would inline.
        document = trafilatura.bare_extraction(
            tree, with_metadata=False, include_comments=False, include_links=True, output_format="txt"
        )
    except Exception as error:  # noqa: BLE001
        logger.debug("text extraction failed for %s: %r", url, error)
        document = None
    if document is None:
        return PageFacts(title=_clean(metadata.title), author=_clean(metadata.author),
                         sitename=_clean(metadata.sitename), published=published,
                         published_source=source, titles=titles), []

    links: list[BodyLink] = []
    text = ""
    if document.body is not None:
        links = refs_of(document.body, url)
        etree.strip_tags(document.body, "ref")
        text = xmltotxt(document.body, False) or ""
    paragraphs = (line.strip() for line in text.splitlines())
    return PageFacts(
        title=_clean(metadata.title),
        author=_clean(metadata.author),
        sitename=_clean(metadata.sitename),
        published=published,
        published_source=source,
        text="\n\n".join(p for p in paragraphs if p),
        titles=titles,
    ), links


def extract_page(
    body: bytes, content_type: str | None, content_encoding: str | None, url: str | None
) -> PageFacts:
    """Facts of one archived HTML response; UndecodableBody if undecodable."""
    return page_facts(html_text(decode_body(body, content_encoding), content_type), url)
