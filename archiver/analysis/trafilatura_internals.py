"""trafilatura's undocumented functions that the extraction uses, in one place.

trafilatura documents ``extract``, ``bare_extraction`` (and the ``.body``
tree of the Document it returns), ``extract_metadata``, ``load_html`` and
``trafilatura.xml.xmltotxt`` (its "Core functions" page); those are
imported where they are used. The names below are not documented and may
change in any release: pyproject.toml bounds trafilatura below its next
minor version, and tests/test_library_internals.py imports each of them and
checks how it is called, so a release that drops one fails by name.

- ``trafilatura.metadata.examine_meta``, ``extract_meta_json``,
  ``extract_title``, ``extract_sitename``: the first steps of the public
  ``extract_metadata``. That one also runs htmldate (we date pages
  ourselves, and name the source), searches bylines with many XPaths
  (5.8 ms a page) and reads categories, tags and licence: 20% of the
  extraction time, for fields the report does not use.
- ``trafilatura.settings.Document``: what those functions take and return.
- ``trafilatura.utils``' ``HTML_PARSER``, ``INVALID_XML_CHARS``, ``DOCTYPE_TAG``,
  ``FAULTY_HTML``, ``is_dubious_html`` and ``fromstring_bytes``: the steps of the
  public ``load_html`` for a str, which :func:`load_html` below takes in the
  same order, the same tree for the same text (tests/test_extract.py holds it
  on every branch; it was checked on the 740 real pages of ../shared/eval too).
  Only its first repair is skipped when it has nothing to do: a regular
  expression run over the whole page to delete control characters, a fifth
  of the time a linked page's titles and date take, found absent five times
  faster on the page's bytes.
"""

from __future__ import annotations

import logging

from lxml.html import HtmlElement, fromstring
from trafilatura.metadata import examine_meta, extract_meta_json, extract_sitename, extract_title
from trafilatura.settings import Document
from trafilatura.utils import (
    DOCTYPE_TAG,
    FAULTY_HTML,
    HTML_PARSER,
    INVALID_XML_CHARS,
    fromstring_bytes,
    is_dubious_html,
)

logger = logging.getLogger(__name__)

__all__ = ["Document", "examine_meta", "extract_meta_json", "extract_sitename", "extract_title",
           "is_dubious_html", "load_html"]

# What INVALID_XML_CHARS matches below U+0080: in UTF-8 such a byte is only ever that character.
_INVALID_XML_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def _has_invalid_xml_chars(html: str) -> bool:
    """``INVALID_XML_CHARS.search(html) is not None``, without a regular expression's scan."""
    encoded = html.encode("utf-8", "surrogatepass")
    return (len(encoded.translate(None, _INVALID_XML_BYTES)) != len(encoded)
            or "\ufffe" in html or "\uffff" in html)


def _repair_faulty_html(html: str, beginning: str) -> str:
    """``trafilatura.utils.repair_faulty_html``."""
    if _has_invalid_xml_chars(html):
        html = INVALID_XML_CHARS.sub("", html)
    # libxml2/LXML issue: https://bugs.launchpad.net/lxml/+bug/1955915
    if "doctype" in beginning:
        firstline, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    # self-closing <html/> in the first lines
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            html = FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    return html


def load_html(html: str) -> HtmlElement | None:
    """``trafilatura.load_html(html)`` for a str (see above): the same tree, or None."""
    beginning = html[:50].lower()
    check_flag = is_dubious_html(beginning)
    html = _repair_faulty_html(html, beginning)
    tree = None
    fallback_parse = False
    try:
        tree = fromstring(html, parser=HTML_PARSER)
    except ValueError:
        # "Unicode strings with encoding declaration are not supported."
        tree = fromstring_bytes(html)
        fallback_parse = True
    except Exception as error:  # noqa: BLE001 - as trafilatura: logged, and the bytes tried next
        logger.debug("lxml could not parse the page: %r", error)
        tree = None
    if (tree is None or len(tree) < 1) and not fallback_parse:
        tree = fromstring_bytes(html)
    if tree is not None and check_flag and len(tree) < 2:
        logger.debug("not HTML: no html tag, and %d element(s) parsed", len(tree))
        tree = None  # as trafilatura, which logs it as "parsed tree length"
    return tree
