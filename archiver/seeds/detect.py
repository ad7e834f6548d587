"""Which kind of seed a file is, judged by its content as well as its name.

File names lie (Markdown saved as .txt, a page saved without extension), so
the content decides whenever it is unambiguous; the extension breaks ties.
"""

from __future__ import annotations

import codecs
import re
from pathlib import PurePath

from .errors import SeedError
from .frontmatter import split_front_matter
from .urls import clean_url, is_http_url

SNIFF_BYTES = 8192

_HTML_EXTENSIONS = {".html", ".htm", ".xhtml", ".shtml"}
_MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_START = re.compile(
    rb"\A(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_HTML_PARTS = re.compile(rb"<(?:head|body)[\s>]", re.IGNORECASE)
# Each marker's repeated part stops at the character that starts the next
# try ("[" for a link), so a search is linear: with "[^\]\n]+" a line of
# 200,000 "[" was scanned to its end from every one of them (60 s).
_MARKDOWN_MARKERS = (
    re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE),  # ATX heading
    re.compile(r"\[[^\[\]\n]+\]\([^)\[\n]*\)"),  # [text](url)
    re.compile(r"\*\*[^*\n]+\*\*"),  # **bold**
)


def extension(name: str) -> str:
    return PurePath(name).suffix.lower()


def is_pdf(name: str, content: bytes) -> bool:
    return extension(name) == ".pdf" or content.lstrip().startswith(b"%PDF-")


def is_binary(content: bytes) -> bool:
    # Text never holds NUL; images, archives and office files do early on.
    return b"\x00" in content[:SNIFF_BYTES]


def is_html(name: str, content: bytes) -> bool:
    if extension(name) in _HTML_EXTENSIONS:
        return True
    head = content[:1024].removeprefix(codecs.BOM_UTF8).lstrip()
    return bool(_HTML_START.match(head) or _HTML_PARTS.search(head))


def decode(content: bytes, encoding: str = "utf-8") -> str:
    """The text of a seed; a BOM is accepted, undecodable bytes are not."""
    body = content
    offset = 0
    if codecs.lookup(encoding).name == "utf-8" and content.startswith(codecs.BOM_UTF8):
        body = content[len(codecs.BOM_UTF8):]
        offset = len(codecs.BOM_UTF8)
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        label = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
        byte = error.object[error.start]
        raise SeedError(
            f"not valid {label} text (byte 0x{byte:02x} at offset {error.start + offset})"
        ) from None


def is_url_list(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    return bool(entries) and all(is_http_url(clean_url(line)) for line in entries)


def text_format(name: str, text: str) -> str:
    """The kind of a decoded, non-HTML seed: "urls", "markdown" or "text".

    Front matter alone does not make a seed Markdown: plain text copied from
    a PDF may carry it too, and must keep its line breaks.
    """
    front_matter, body = split_front_matter(text)
    if front_matter is None and is_url_list(text):
        return "urls"
    if extension(name) in _MARKDOWN_EXTENSIONS:
        return "markdown"
    if any(marker.search(body) for marker in _MARKDOWN_MARKERS):
        return "markdown"
    return "text"
