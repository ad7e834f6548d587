"""From an archived HTTP response body to the facts of the article it shows.

The chain is ``decode_body`` (undo Content-Encoding), ``html_text`` (bytes to
str) and ``page_facts`` (trafilatura for the text and metadata, archiver.pubdate
for the publication date, ``visible_text`` for everything a reader sees).
``extract_page`` runs all three; it is a module-level function of plain
arguments so that it pickles into a process pool.
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
    is_dubious_html,
    load_html,
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


def _published(tree: HtmlElement, html: str, url: str | None
               ) -> tuple[datetime.date | None, DateSource | None, str | None]:
    """The page's publication date and the markup it came from (archiver.pubdate); else why not read."""
    try:
        stamp = publication_date(tree, url, html)
    # Heuristics over hostile markup: a failure here must not lose the text.
    except Exception as error:  # noqa: BLE001
        logger.debug("date extraction failed for %s: %r", url, error)
        return None, None, _failed("the date search", error)
    return (stamp.day, DateSource(stamp.source), None) if stamp else (None, None, None)


def _failed(what: str, error: Exception) -> str:
    """A reason for the report: which reading failed, and the error that stopped it."""
    return f"{what} failed on its markup: {type(error).__name__}: {str(error)[:200]}"


def parse_html(html: str, url: str | None) -> HtmlElement | None:
    """The page's tree as trafilatura parses it; None when it is not HTML.

    One parse serves every reading of a page: page_facts_and_links reads it
    and never changes it (trafilatura's extraction copies it, and so does the
    date pass's text search), and the requisites are read from it too.
    """
    try:
        return load_html(html)
    except Exception as error:  # noqa: BLE001
        logger.debug("unparsable HTML for %s: %r", url, error)
        return None


def page_date(html: str, url: str | None) -> tuple[datetime.date | None, DateSource | None]:
    """The publication date page_facts finds, alone: the same parse, the same reading."""
    tree = parse_html(html, url)
    return _published(tree, html, url)[:2] if tree is not None else (None, None)


def why_not_parsed(html: str) -> str:
    """Why parse_html gave no tree: trafilatura's two refusals, in its words' sense."""
    if not html.strip():
        return "the page is empty"
    if is_dubious_html(html[:50].lower()):
        return "the page's markup has no <html> tag and too little to read as an HTML page"
    return "the page's markup could not be parsed as HTML"


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


# --- the whole visible text ---------------------------------------------------

# Not shown by a browser: <head>, scripts, styles, templates (inert until a
# script clones them), and what the markup itself hides (the hidden attribute,
# an inline display:none or visibility:hidden), as Readability (behind most
# web clippers) does: sites keep copies of the article there for search
# engines (schema.org microdata), and a paragraph the site has since changed
# must not be found in one. What a stylesheet hides cannot be told without it
# and stays. <noscript> stays: text outside
# the article cannot lower a seed's score, and Blogger pages carry the whole
# post there (1 of the 16 real pages with 20+ words of <noscript>, the rest
# navigation or "turn on JavaScript"). Comments are gone already:
# trafilatura's parser drops them.
_NOT_RENDERED = frozenset({"head", "script", "style", "template"})
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Elements that flow inside a line: no break around them, so that a drop cap
# ("<span>T</span>he") stays one word. Every other element is a block.
_INLINE = frozenset(
    "a abbr b bdi bdo big cite code data del dfn em font i img ins kbd label mark nobr q rp rt"
    " ruby s samp small span strike strong sub sup time tt u var wbr".split()
)
# Marks a block boundary while the pieces are gathered: a control character
# pages do not use (one that did would only split a block). Not a newline,
# which in the source is only a space.
_BLOCK = "\x1e"


def _hidden_by_markup(element: HtmlElement) -> bool:
    if element.tag in _NOT_RENDERED or element.get("hidden") is not None:
        return True
    style = element.get("style")
    return style is not None and _HIDING_STYLE.search(style) is not None


def visible_text(tree: HtmlElement) -> str:
    """Every text a reader of the page sees, one block per paragraph, blank lines between.

    A seed copy is often more than trafilatura's main text, which leaves out
    ledes, captions, embedded posts and bodies split into many blocks; this
    text has them. An iterative walk, not recursion: nesting depth is the
    page's to choose.
    """
    pieces: list[str] = []
    add = pieces.append
    skipped = None  # the hidden element whose subtree was skipped: its "end" comes next
    walk = etree.iterwalk(tree, events=("start", "end", "comment", "pi"))
    for event, element in walk:
        if event == "start":
            if _hidden_by_markup(element):
                skipped = element
                walk.skip_subtree()  # its "end" still comes, with the tail
                continue
            if element.tag not in _INLINE:
                add(_BLOCK)
            if text := element.text:
                add(text)
        elif event == "end":
            # A hidden element makes no box: the text around it runs on.
            if element is skipped:
                skipped = None
            elif element.tag not in _INLINE:
                add(_BLOCK)
            if element is not tree and (tail := element.tail):
                add(tail)
        elif tail := element.tail:  # a comment or processing instruction
            add(tail)
    blocks = (" ".join(block.split()) for block in "".join(pieces).split(_BLOCK))
    return "\n\n".join(block for block in blocks if block)


def _clean(value: object) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text or None


def page_facts(html: str, url: str | None, *, with_visible_text: bool = True) -> PageFacts:
    """Title, author, site name, publication date, main and visible text of a page."""
    return page_facts_and_links(html, url, with_visible_text=with_visible_text)[0]


def page_facts_and_links(
    html: str, url: str | None, *, with_visible_text: bool = True, with_text: bool = True,
    tree: HtmlElement | None = None,
) -> tuple[PageFacts, list[BodyLink]]:
    """Page facts and the links of its article body, from one trafilatura pass.

    Never raises: junk yields PageFacts() holding whatever could be found.
    The text keeps one paragraph per block, separated by a blank line, since
    a single newline in a seed copy means a hard wrap, not a paragraph end.
    ``with_visible_text=False`` leaves ``visible_text`` empty: only articles
    are compared with seeds, and a link target's would only cost memory.
    ``with_text=False`` skips trafilatura's main-text extraction (about
    17 ms a page, most of the cost): ``text`` stays empty and no body links
    are returned; titles and the date come from the markup and the date
    pass as they do otherwise, to the byte. ``tree`` is ``parse_html(html)``
    when the caller has it already; it is only read.
    """
    # Parse once, and never hand htmldate a str: it downloads a str that
    # looks like a URL, and an archived body can be exactly that.
    if tree is None:
        tree = parse_html(html, url)
    if tree is None:
        return PageFacts(unread=(("page", why_not_parsed(html)),)), []

    # The tree is only read: trafilatura extracts from a copy of it, and the
    # date pass's text search prunes a copy (the caller's requisites read it too).
    visible = visible_text(tree) if with_visible_text else ""
    unread: list[tuple[str, str]] = []
    published, source, date_failure = _published(tree, html, url)
    if date_failure:
        unread.append(("date", date_failure))
    try:
        metadata = _metadata(tree)
    except Exception as error:  # noqa: BLE001
        logger.debug("metadata extraction failed for %s: %r", url, error)
        metadata = Document()
        unread.append(("metadata", _failed("reading the title and author", error)))
    titles = _titles(tree, _clean(metadata.title))
    if not with_text:
        return PageFacts(title=_clean(metadata.title), author=_clean(metadata.author),
                         sitename=_clean(metadata.sitename), published=published,
                         published_source=source, titles=titles, visible_text=visible,
                         unread=tuple(unread)), []
    try:
        # No url: links are resolved by refs_of. output_format="txt": the text
        # is rendered below, once, without the links trafilatura would inline.
        document = trafilatura.bare_extraction(
            tree, with_metadata=False, include_comments=False, include_links=True, output_format="txt"
        )
    except Exception as error:  # noqa: BLE001
        logger.debug("text extraction failed for %s: %r", url, error)
        document = None
        unread.append(("text", _failed("trafilatura's main-text extraction", error)))
    if document is None:
        return PageFacts(title=_clean(metadata.title), author=_clean(metadata.author),
                         sitename=_clean(metadata.sitename), published=published,
                         published_source=source, titles=titles, visible_text=visible,
                         unread=tuple(unread)), []

    links: list[BodyLink] = []
    text = ""
    body = getattr(document, "body", None)  # a Document, since as_dict is not asked for
    if body is not None:
        links = refs_of(body, url)
        etree.strip_tags(body, "ref")
        text = xmltotxt(body, False) or ""
    paragraphs = (line.strip() for line in text.splitlines())
    return PageFacts(
        title=_clean(metadata.title),
        author=_clean(metadata.author),
        sitename=_clean(metadata.sitename),
        published=published,
        published_source=source,
        text="\n\n".join(p for p in paragraphs if p),
        titles=titles,
        visible_text=visible,
        unread=tuple(unread),
    ), links


def extract_page(
    body: bytes, content_type: str | None, content_encoding: str | None, url: str | None
) -> PageFacts:
    """Facts of one archived HTML response; UndecodableBody if undecodable."""
    return page_facts(html_text(decode_body(body, content_encoding), content_type), url)
