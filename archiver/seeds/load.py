"""Reading seed files: one file into a SeedDocument, a folder into many."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from archiver.analysis.model import DateSource

from .dates import date_from_url
from .detect import decode, is_binary, is_html, is_pdf, text_format
from .errors import SeedError
from .html import parse_html
from .markdown import parse_markdown
from .model import SeedDocument, SeedProblem
from .text import parse_text
from .urllist import parse_url_list

logger = logging.getLogger(__name__)

# markdown-it-py reads 100-300 KB of ordinary Markdown a second and far less
# of text made of brackets (10 KB/s): a longer Markdown seed is read as
# plain text, its URLs kept, their anchor texts not. A quarter of a
# megabyte is some 40,000 words, longer than any news article.
MARKDOWN_MAX_CHARS = 256 * 1024
# A seed is read whole and archived as it is: an article, a saved page, a
# PDF or a URL list is far below this; a disk image named .txt is not.
SEED_MAX_BYTES = 64 * 1024**2
NO_URL = "no URL found: give the article's URL in an 'Original url:' line or front matter"
_TEXT_PARSERS = {"urls": parse_url_list, "markdown": parse_markdown, "text": parse_text}


def _parse(name: str, content: bytes) -> SeedDocument:
    if not content:
        raise SeedError("empty file")
    if is_pdf(name, content):
        # pypdf takes 0.1 s to import, paid only by a crawl that has a PDF seed.
        from .pdf import parse_pdf

        return parse_pdf(name, content)
    if is_binary(content):
        raise SeedError("binary file, not a text seed")
    if is_html(name, content):
        return parse_html(name, content)
    text = decode(content)
    if not text.strip():
        raise SeedError("empty file (only whitespace)")
    kind = text_format(name, text)
    if kind == "markdown" and len(text) > MARKDOWN_MAX_CHARS:
        logger.warning("Seed %s is %s characters of Markdown, over %s: read as plain text "
                       "(its URLs are kept, not their anchor texts)",
                       name, f"{len(text):,}", f"{MARKDOWN_MAX_CHARS:,}")
        kind = "text"
    return _TEXT_PARSERS[kind](name, content, text)


def parse_seed(name: str, content: bytes) -> SeedDocument:
    """Parse one seed; raise SeedError when it cannot be used."""
    doc = _parse(name, content)
    if doc.format == "urls":
        return doc
    if doc.url is None and not doc.text.strip():
        raise SeedError(NO_URL)
    if doc.published is None and (day := date_from_url(doc.url)) is not None:
        doc = dataclasses.replace(doc, published=day, published_source=DateSource.URL)
    return doc


def shown_name(name: str) -> str:
    """A file name as text that can be written anywhere: bytes that are not UTF-8 as ``\\xff``.

    Python keeps such bytes as lone surrogates, which no UTF-8 writer (the
    WARC, report.json, a log) accepts; the file itself is opened by its Path.
    """
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _seed_files(root: Path) -> list[tuple[str, Path]]:
    if root.is_file():
        return [(shown_name(root.name), root)]
    found = []
    for folder, dirs, files in os.walk(root):
        # Hidden entries are tool litter (.gitkeep, .DS_Store, .git), never seeds.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file_name in files:
            path = Path(folder, file_name)
            # is_file() also keeps out FIFOs and sockets, which reading would hang on.
            if not file_name.startswith(".") and path.is_file():
                found.append((shown_name(path.relative_to(root).as_posix()), path))
    return sorted(found)


def _read(path: Path) -> bytes:
    """A seed's bytes; a file larger than any seed is refused before it is read."""
    with open(path, "rb") as handle:
        content = handle.read(SEED_MAX_BYTES + 1)
    if len(content) > SEED_MAX_BYTES:
        raise SeedError(f"over {SEED_MAX_BYTES:,} bytes, larger than any seed: not read "
                        "(split a URL list; give a large page by its URL)")
    return content


def load_seeds(path: str | os.PathLike[str]) -> tuple[list[SeedDocument], list[SeedProblem]]:
    """Parse a seed file, or every seed file under a folder, sorted by name.

    Every seed that cannot be used becomes a SeedProblem and the rest goes on;
    only a path that does not exist at all is an error.
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"seed path not found: {os.fspath(path)!r}")
    docs: list[SeedDocument] = []
    problems: list[SeedProblem] = []
    for name, file_path in _seed_files(root):
        try:
            docs.append(parse_seed(name, _read(file_path)))
        except SeedError as error:
            problems.append(SeedProblem(name, str(error)))
        except OSError as error:
            problems.append(SeedProblem(name, f"cannot read the file: {error.strerror or error}"))
        except Exception as error:  # noqa: BLE001 - one odd seed must not stop the run
            logger.exception("seed %s could not be parsed", name)
            reason = f"could not be parsed: {type(error).__name__}: {error}"
            problems.append(SeedProblem(name, reason))
    return docs, problems
