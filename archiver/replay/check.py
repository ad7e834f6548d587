"""The replay check: each archived article opened through pywb in Chromium, and what its replay misses.

Used by ``archiver replay-check`` (archiver/cli.py) and, with
``ARCHIVER_REPLAY_CHECK``, at the end of a crawl (archiver/crawl/reporting.py),
which writes each article's result into the archive
(:func:`write_results`, archiver/warc/replaycheck.py).
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from archiver.replay.browser import BrowserError, ReplayBrowser, preflight
from archiver.replay.pywb import ReplayServer, ReplayServerError, find_pywb
from archiver.warc import records
from archiver.warc.index import ArchiveIndex, url_key
from archiver.warc.replaycheck import ArticleReplay, MissingResource, to_json
from archiver.warc.vocab import FailureKind, replay_check_uri

DEFAULT_CHROMIUM = Path("/usr/bin/chromium")


class ReplayCheckError(Exception):
    """The check cannot run at all (no pywb, no browser, unreadable input): one line naming the fix."""


@dataclass(frozen=True)
class ReplayCheckOptions:
    pywb_bin: Path | None = None  # None: the checkout's .venv-pywb, else wayback on the PATH
    chromium: Path = DEFAULT_CHROMIUM
    timeout: float = 30.0  # seconds per page
    max_pages: int = 100


def timestamp_of(warc_date: str) -> str:
    """pywb's 14 digits from a WARC-Date (2026-11-22T10:30:15Z -> 20261122103015)."""
    return "".join(c for c in warc_date if c.isdigit())[:14]


def pages_to_check(index: ArchiveIndex, urls: Iterable[str] = ()) -> list[tuple[str, str | None]]:
    """(URL, timestamp of its capture or None) for each article, then each URL asked for, once each."""
    wanted = [record.article.url for record in index.articles if record.article.url] + list(urls)
    pages: list[tuple[str, str | None]] = []
    for url in dict.fromkeys(wanted):
        capture = index.capture(url)
        pages.append((url, timestamp_of(capture.date) if capture is not None else None))
    return pages


def skipped_on_purpose(index: ArchiveIndex) -> dict[str, str]:
    """Why each URL the crawl skipped by rule is not in the archive, by url_key.

    A page requisite over ARCHIVER_REQUISITE_MAXSIZE (the article's 30 MB
    video) is recorded as skipped and never fetched: its replayed page still
    asks for it, and pywb has nothing to answer. That is the archive as the
    crawl meant it (the completeness figure counts it as skipped), so the
    replay check reports it apart, with the crawl's own reason, and not as a
    missing resource. A URL that was captured after all (another crawl of the
    files) is archived, not skipped: pywb answers it.
    """
    skipped: dict[str, str] = {}
    for failures in index.failures.values():
        last = failures[-1]
        if last.kind == FailureKind.OVER_SIZE_LIMIT and index.capture(last.url) is None:
            skipped[url_key(last.url)] = last.message
    return skipped


def set_skipped_apart(result: ArticleReplay, skipped: Mapping[str, str]) -> ArticleReplay:
    """The result with each missing resource the crawl skipped on purpose moved to ``skipped``."""
    if not skipped:
        return result
    apart = [m for m in result.missing if url_key(m.url) in skipped]
    if not apart:
        return result
    return replace(result, missing=[m for m in result.missing if url_key(m.url) not in skipped],
                   skipped=[MissingResource(m.url, m.status, "skipped, not archived on purpose: "
                                            + skipped[url_key(m.url)]) for m in apart])


def check_pages(warcs: list[Path], pages: list[tuple[str, str | None]], options: ReplayCheckOptions,
                workdir: Path | None = None, skipped: Mapping[str, str] | None = None) -> list[ArticleReplay]:
    """One result per page, in order; pages past ``max_pages`` say so instead of being opened.

    ``skipped``: what the crawl left out on purpose (:func:`skipped_on_purpose`), reported apart from missing.
    """
    results: list[ArticleReplay] = []
    to_open: list[tuple[str, str]] = []
    for url, timestamp in pages:
        if timestamp is None:
            results.append(ArticleReplay(url, "", error="no capture of the article in the archive: nothing to replay"))
        elif len(to_open) >= options.max_pages:
            results.append(ArticleReplay(url, timestamp, error=(
                f"not checked: the check opens at most {options.max_pages} pages "
                "(ARCHIVER_REPLAY_CHECK_MAX_PAGES, --max-pages)")))
        else:
            to_open.append((url, timestamp))
    if not to_open:
        return results
    if not options.timeout > 0:
        raise ReplayCheckError("the replay check's page timeout (ARCHIVER_REPLAY_CHECK_TIMEOUT, --timeout) "
                               "must be more than 0 seconds")
    try:
        preflight(options.chromium)
        bindir = find_pywb(options.pywb_bin)
        with tempfile.TemporaryDirectory(prefix="replay-check-", dir=workdir) as root:
            with ReplayServer(bindir, warcs, Path(root)) as server, \
                    ReplayBrowser(options.chromium, server.origin, server.prefix, options.timeout,
                                  server.version) as browser:
                opened = [browser.check(url, timestamp, server.replay_url(timestamp, url))
                          for url, timestamp in to_open]
    except (ReplayServerError, BrowserError) as error:
        raise ReplayCheckError(str(error)) from None
    by_url = {r.url: set_skipped_apart(r, skipped or {}) for r in opened}
    order = [url for url, _ in pages]
    return sorted(results + list(by_url.values()), key=lambda r: order.index(r.url))


def write_results(folder: Path, prefix: str, results: list[ArticleReplay], *, gzip_level: int) -> Path:
    """A WARC file of one JSON metadata record per article (and the replay's screenshots), beside the crawl's."""
    from archiver.warc.writer import RollingWarcWriter

    writer = RollingWarcWriter(folder, f"{prefix}-replay-check", 10**12, {"software": "news-archiver replay check"},
                               gzip_level=gzip_level)
    moment = datetime.datetime.now(datetime.UTC)
    batch = []
    for r in results:
        batch += records.replay_check_records(writer.builder, replay_check_uri(r.url), to_json(r),
                                              r.screenshot, r.thumbnail, r.url, moment)
    writer.write(batch)
    writer.close()
    return writer.closed_files[-1]


def summary(results: list[ArticleReplay]) -> str:
    missing = sum(len(r.missing) for r in results)
    escaped = sum(len(r.escaped) for r in results)
    unjudged = sum(1 for r in results if r.error)
    skipped = sum(len(r.skipped) for r in results)
    line = (f"Replay check: {len(results)} articles, {sum(len(r.archived) for r in results)} resources "
            f"archived, {missing} missing in replay, {escaped} requests leaving the replay server")
    if skipped:
        line += f", {skipped} skipped by the crawl on purpose (not archived)"
    return line + (f", {unjudged} articles not fully judged" if unjudged else "")


def text_lines(results: list[ArticleReplay]) -> list[str]:
    """Per article: its counts, then each missing resource and escape, indented."""
    lines = []
    for r in results:
        lines.append(f"{r.url} ({r.timestamp or 'not archived'}): {len(r.archived)} archived, "
                     f"{len(r.missing)} missing, {len(r.escaped)} escaped"
                     + (f", {len(r.skipped)} skipped on purpose" if r.skipped else ""))
        if r.error:
            lines.append(f"  not judged: {r.error}")
        lines += [f"  missing: {m.url}: {m.why}" for m in r.missing]
        lines += [f"  escaped: {url}: blocked (it would have left the replay server)" for url in r.escaped]
        lines += [f"  skipped: {m.url}: {m.why}" for m in r.skipped]
    return lines
