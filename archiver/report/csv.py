"""links.csv: one row per link, the article's own page included (role "original")."""

from __future__ import annotations

import csv
import io

from archiver.analysis.model import ArticleReport, LinkReport, Report
from archiver.report._common import iso_date, optional_datetime

COLUMNS = (
    "article_url",
    "url",
    "anchor_text",
    "found_in",
    "status",
    "verdict",
    "http_status",
    "final_url",
    "redirects",
    "date",
    "date_source",
    "url_date",
    "page_date",
    "date_mismatch",
    "title",
    "title_mismatch",
    "warc_filename",
    "warc_offset",
    "detail",
    "role",  # "original" for the article's own page, "link" for a link in it
    "text_unavailable",  # original rows: why the article has no text verdict
    # From the history of earlier runs: empty when no history is kept.
    "confirmed",  # a dead link: true (confirmed) or false (awaiting confirmation)
    "confirmation",
    "first_seen",
    "last_alive",
    "failing_since",
    "consecutive_failures",
    "revived",
    "archived_copy",
    "archived_copy_captured",
)

# A spreadsheet would read a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA_FIRST = frozenset("".join(_FORMULA_START))


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula; other values pass."""
    if not isinstance(value, str) or not value:
        return value
    # Most cells start with a letter or a digit: decided on the first character.
    if value[0] in _FORMULA_FIRST or (value[0].isspace() and value.lstrip().startswith(_FORMULA_START[:4])):
        return "'" + value
    return value


# Excel and LibreOffice hold at most this many characters in a cell: a longer
# one is cut on opening, or spills into the next row, without a word.
CELL_MAX_CHARS = 32_767


def capped_cell(value: object) -> object:
    """A text cell cut to fit CELL_MAX_CHARS, the cut said at its end; other values pass.

    Cut before :func:`safe_cell`, whose leading quote still fits, so the
    count said is the count of the value itself.
    """
    if not isinstance(value, str) or len(str(safe_cell(value))) <= CELL_MAX_CHARS:
        return value
    # The note's length depends on the number kept: sized for the largest.
    room = CELL_MAX_CHARS - 1 - len(f" [cut: {len(value):,} characters, the first {CELL_MAX_CHARS:,} kept]")
    return value[:room] + f" [cut: {len(value):,} characters, the first {room:,} kept]"


def _bool(value: bool | None) -> str:
    if value is None:
        return ""
    return "true" if value else "false"


def _row(article: ArticleReport, link: LinkReport, role: str) -> list[object]:
    row = [
        article.url or "",
        link.url,
        link.anchor_text or "",
        ";".join(link.found_in),
        link.status,
        link.verdict,
        "" if link.http_status is None else int(link.http_status),
        link.final_url or "",
        " -> ".join(link.redirects),
        iso_date(link.date) or "",
        link.date_source or "",
        iso_date(link.url_date) or "",
        iso_date(link.page_date) or "",
        _bool(link.date_mismatch),
        link.title or "",
        _bool(link.title_mismatch),
        "" if link.warc is None else link.warc.filename,
        "" if link.warc is None else int(link.warc.offset),
        link.detail or "",
        role,
        (article.text_unavailable or "") if role == "original" else "",
        _bool(link.confirmed),
        link.confirmation or "",
        optional_datetime(link.first_seen) or "",
        optional_datetime(link.last_alive) or "",
        optional_datetime(link.failing_since) or "",
        "" if link.consecutive_failures is None else int(link.consecutive_failures),
        _bool(link.revived),
        link.archived_copy.url if link.archived_copy else "",
        optional_datetime(link.archived_copy.captured) or "" if link.archived_copy else "",
    ]
    return [safe_cell(capped_cell(value)) for value in row]


def render_csv(report: Report) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # RFC 4180: CRLF line ends, minimal quoting
    writer.writerow(COLUMNS)
    for article in report.articles:
        if article.original is not None:
            writer.writerow(_row(article, article.original, "original"))
        for link in article.links:
            writer.writerow(_row(article, link, "link"))
    return buffer.getvalue()
