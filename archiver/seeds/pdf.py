"""PDF seeds: an article printed to PDF; read as if it were copied text."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject

from archiver.analysis.model import DateSource

from .errors import SeedError
from .model import SeedDocument, SeedLink
from .text import scan_text
from .urls import clean_url, unique_links

MEDIA_TYPE = "application/pdf"
NO_TEXT = "no text could be extracted from the PDF (scanned image?)"


def _open(content: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise SeedError("unreadable PDF: encrypted, it needs a password")
    return reader


def _annotation_links(reader: PdfReader) -> list[SeedLink]:
    links = []
    for page in reader.pages:
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else None
        if not isinstance(annotations, ArrayObject):
            continue
        for reference in annotations:
            annotation = reference.get_object()
            if not isinstance(annotation, DictionaryObject):
                continue
            action = annotation.get("/A")
            action = action.get_object() if action is not None else None
            if isinstance(action, DictionaryObject) and "/URI" in action:
                uri = action["/URI"].get_object()
                text = uri.decode("utf-8", "replace") if isinstance(uri, bytes) else str(uri)
                if url := clean_url(text):
                    links.append(SeedLink(url))
    return links


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings and log lines about the flaws it repairs.

    The seed either reads or becomes a SeedProblem with pypdf's reason, so
    the noise adds nothing, and a Python warning must not escape (tests run
    with warnings as errors).
    """
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        pypdf_logger.setLevel(level)


def _read(content: bytes) -> tuple[str, list[SeedLink]]:
    with _quiet_pypdf():
        try:
            reader = _open(content)
            pages = [page.extract_text() or "" for page in reader.pages]
            return "\n".join(pages), _annotation_links(reader)
        except SeedError:
            raise
        except (PyPdfError, DependencyError) as error:
            raise SeedError(f"unreadable PDF: {error or type(error).__name__}") from None
        except Exception as error:  # noqa: BLE001 - pypdf raises built-ins on malformed files
            raise SeedError(f"unreadable PDF: {type(error).__name__}: {error}") from None


def parse_pdf(name: str, content: bytes) -> SeedDocument:
    text, annotation_links = _read(content)
    scan = scan_text(text)
    if not scan.text and scan.url is None:
        raise SeedError(NO_TEXT)
    return SeedDocument(
        name=name,
        format="pdf",
        media_type=MEDIA_TYPE,
        content=content,
        text=scan.text,
        url=scan.url,
        published=scan.published,
        published_source=DateSource.BYLINE if scan.published is not None else None,
        links=unique_links([*scan.links, *annotation_links]),
    )
