"""Helpers shared by the report formats: value formatting and atomic writes."""

from __future__ import annotations

import datetime
import functools
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archiver.analysis.model import (
    ArticleReport,
    Completeness,
    LinkReport,
    Report,
    TextComparison,
    TextVerdict,
    Verdict,
)
from archiver.warc.replaycheck import ArticleReplay

# C0/C1 control characters other than tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


ESCAPED = "blocked: it would have left the replay server for the live web"


def replay_summary(replay: ArticleReplay) -> str:
    """An article's replay check in a line: its counts, when and through what, or why it was not judged."""
    line = (f"{len(replay.archived)} resources archived, {len(replay.missing)} missing in replay, "
            f"{len(replay.escaped)} requests leaving the replay server")
    if replay.skipped:
        line += f", {len(replay.skipped)} skipped by the crawl on purpose (not archived)"
    if replay.timestamp:
        line += f" (capture {replay.timestamp}"
        line += f", {replay.replay}, checked {replay.checked_at})" if replay.replay else ")"
    return line + (f"; not judged: {replay.error}" if replay.error else "")


def iso_date(value: datetime.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat()


def utc(value: datetime.datetime) -> datetime.datetime:
    """The time in UTC; a naive time is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def iso_datetime(value: datetime.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second."""
    return utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def optional_datetime(value: datetime.datetime | None) -> str | None:
    return None if value is None else iso_datetime(value)


def human_datetime(value: datetime.datetime) -> str:
    return utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def completeness_line(completeness: Completeness) -> str:
    """An article's page requisites in a line: "12 found: 11 archived, 0 failed, 1 skipped, 0 missing"."""
    return (f"{completeness.found} found: {completeness.archived} archived, {completeness.failed} failed, "
            f"{completeness.skipped} skipped, {completeness.missing} missing")


def confirmation_mark(link: LinkReport) -> str | None:
    """A dead link's short qualifier beside its verdict: "confirmed" or "awaiting confirmation"."""
    if link.verdict != Verdict.DEAD or link.confirmed is None:
        return None
    return "confirmed" if link.confirmed else "awaiting confirmation"


def history_notes(link: LinkReport) -> list[str]:
    """What the history of earlier runs says about a link, as plain text (escape it)."""
    notes = []
    if link.confirmation:
        # It names the failing streak already: no "failing since" note besides.
        notes.append(link.confirmation)
    if link.revived:
        notes.append("revived: dead before, alive again")
    if link.failing_since is not None and not link.confirmation:
        failures = link.consecutive_failures or 0
        notes.append(f"failing since {iso_date(utc(link.failing_since))}, {plural(failures, 'check')}")
    if link.last_alive is not None and link.verdict != Verdict.ALIVE:
        notes.append(f"last alive {iso_date(utc(link.last_alive))}")
    return notes


def elide(text: str, limit: int = 72) -> str:
    """``text`` whole when short, else its start and end around an ellipsis (URLs differ at both ends)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def replay_url(collection: str | None, link: LinkReport) -> str | None:
    """pywb's URL for the capture behind a link: ``<collection><YYYYmmddHHMMSS>/<url>``."""
    if not collection or link.captured is None or not is_web_url(link.url):
        return None
    return f"{collection}{utc(link.captured):%Y%m%d%H%M%S}/{link.url}"


# Statuses that mean nothing was asked of the link's host.
_NOT_FETCHED = frozenset({"unsupported", "excluded", "not_checked", "robots_disallowed"})


def network_line(report: Report) -> str:
    """What the network did during the run, in words: how many hosts answered."""
    links = [link for a in report.articles for link in ((a.original,) if a.original else ()) + a.links]
    asked: set[str] = set()
    answered: set[str] = set()
    for link in links:
        host = (urlsplit(link.url).hostname or "") if is_web_url(link.url) else ""
        if not host or link.status in _NOT_FETCHED:
            continue
        asked.add(host)
        if link.http_status is not None:
            answered.add(host)
    if not asked:
        return "nothing was fetched: no link was asked of any host"
    if not report.network_reachable:
        return f"network unreachable: every host failed to resolve, none of {plural(len(asked), 'host')} answered"
    return f"network reachable: {len(answered)} of {plural(len(asked), 'host')} answered"


def round_float(value: float | None, places: int = 4) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, places)


def format_similarity(value: float | None) -> str:
    value = round_float(value)
    return "" if value is None else f"{value:.4f}"


# A report repeats the same URLs, statuses and titles thousands of times:
# the text helpers below are pure, and cached (a bounded cache).
CACHE_SIZE = 1 << 16


def clean(text: str | None) -> str:
    """Text without control characters and with whitespace collapsed to one line."""
    if not text:
        return ""
    return _clean(str(text))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _clean(text: str) -> str:
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def shorten(text: str | None, limit: int = 200) -> str:
    """One line of at most ``limit`` characters, cut at a word where possible."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space].rstrip()
    return cut + "…"


@functools.lru_cache(maxsize=CACHE_SIZE)
def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host: the only kind made into a link."""
    if not url or _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` via ``path.tmp`` and a rename."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return path


@dataclass
class Findings:
    """What a fact-checker looks at first, each with its article's number (1-based)."""

    dead: list[tuple[int, LinkReport]]  # the articles' own pages too
    dated_after: list[tuple[int, ArticleReport, LinkReport]]
    changed_copies: list[tuple[int, TextComparison]]  # seed copies that no longer match
    title_mismatches: list[tuple[int, LinkReport]]


def findings_of(report: Report) -> Findings:
    found = Findings([], [], [], [])
    for number, article in enumerate(report.articles, 1):
        own = (article.original,) if article.original else ()
        found.dead += [(number, link) for link in own + article.links if link.verdict == Verdict.DEAD]
        found.dated_after += [(number, article, link) for link in article.links if link.date_mismatch]
        found.changed_copies += [(number, c) for c in article.comparisons if c.verdict != TextVerdict.UNCHANGED]
        found.title_mismatches += [(number, link) for link in article.links if link.title_mismatch]
    return found
