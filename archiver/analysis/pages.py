"""Examine archived HTML pages: facts and body links, on every core.

Workers are handed a file name and an offset and read the record
themselves, so bodies never cross a process boundary. Extraction is
CPU-bound (lxml, trafilatura, htmldate): a process pool, not threads.
Bodies are read through the bounded decoder (:mod:`archiver.warc.decode`):
a decompression bomb or an unknown coding becomes a reason, not a worker
that exhausts memory or a page judged on its compressed bytes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archiver.analysis.compare import text_fingerprint
from archiver.analysis.extract import html_text, page_facts_and_links, parse_html
from archiver.analysis.links import BodyLink
from archiver.analysis.model import PageFacts
from archiver.analysis.requisites import Requisite, html_requisites, tree_requisites
from archiver.warc.children import worker_pool
from archiver.warc.decode import TooLargeToRead, UndecodableBody, record_payload
from archiver.warc.index import Capture

logger = logging.getLogger(__name__)

# What a page costs to examine, in CPU seconds (the benchmarks' 50 kB pages,
# the record's reading included): trafilatura's main text 15 ms, titles and
# date from the markup alone 1.3 ms.
FULL_PAGE_SECONDS = 0.015
CHEAP_PAGE_SECONDS = 0.0013
# A spawned worker imports lxml, trafilatura and htmldate before its first
# page (0.4-0.7 s of CPU, a second of wall time on a busy machine), while
# this process works on. Below this much work the pages are examined
# in-process only. At 1.5 s, the link check's report (1,284 linked pages
# left by the writer, 1.7 s estimated) took 0.90x the time on an idle 2-core
# machine, but about 1.2x with another job on both cores (2026-12-02): kept at 3 s.
SPAWN_FROM_SECONDS = 3.0
# Pages a worker takes at a time: small, so that the caller, which takes
# chunks from the other end, and the workers finish together.
CHUNK_PAGES = 8


@dataclass(frozen=True)
class PageJob:
    path: str
    offset: int
    url: str
    want_links: bool = False  # an article's page: its links, visible text, fingerprint and requisites
    read_limit: int | None = None  # bytes of body read at most (ARCHIVER_READ_MAX_SIZE); None: the default
    # trafilatura's main text, for a judgement that reads it (an article's,
    # a soft-404 comparison with a probe). Without it a page gets its titles
    # and date from its markup and the date pass: what a link's judgements need.
    want_text: bool = True


@dataclass(frozen=True)
class PageResult:
    facts: PageFacts | None = None  # None: not an HTML page, or not read (error, undecodable)
    links: tuple[BodyLink, ...] = ()
    error: str | None = None  # the record could not be read, or its HTML not parsed
    # Why the body could not be decoded (unknown coding, corrupt, over the
    # size limit): the page exists but its text is unknown.
    undecodable: str | None = None
    fingerprint: str | None = None  # of an article's text, for the history (want_links pages)
    requisites: tuple[Requisite, ...] = ()  # what an article's page needs to be displayed (want_links pages)
    too_large: bool = False  # undecodable because the stored body is over the read limit


def is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return "html" in content_type.lower()
    return body.lstrip()[:1] == b"<"


def examine(job: PageJob) -> PageResult:
    try:
        with open(job.path, "rb") as stream:
            stream.seek(job.offset)
            record = next(iter(ArchiveIterator(stream)))
            content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
            if record.rec_type == "resource":
                # A rendered DOM: UTF-8 whatever charset its <meta> still names (the server's bytes had it).
                content_type = record.rec_headers.get_header("Content-Type")
            if content_type and not is_html(content_type, b""):
                return PageResult()  # not read, so nothing to decode
            body = record_payload(record, job.read_limit)
    except TooLargeToRead as error:
        return PageResult(undecodable=str(error), too_large=True)
    except UndecodableBody as error:
        return PageResult(undecodable=str(error))
    except Exception as error:  # noqa: BLE001 - a bad record is a finding, not a crash
        return PageResult(error=f"cannot read the archived page: {type(error).__name__}: {error}")
    if not is_html(content_type, body):
        return PageResult()
    try:
        html = html_text(body, content_type)
        tree = parse_html(html, job.url)  # one parse for the facts and the requisites
        # Only an article's page is compared with seeds, so only it keeps its visible text.
        facts, found = page_facts_and_links(html, job.url, with_visible_text=job.want_links,
                                            with_text=job.want_links or job.want_text, tree=tree)
        links = tuple(found) if job.want_links else ()
        # An article's fingerprint is worked out here, in parallel: 0.1 ms for 45 kB of ASCII text.
        fingerprint = text_fingerprint(facts.text) if job.want_links and facts.text.strip() else None
        requisites = () if not job.want_links else tuple(
            tree_requisites(tree, job.url) if tree is not None else html_requisites(html, job.url))
    except Exception as error:  # noqa: BLE001 - junk HTML must not stop a report
        return PageResult(error=f"cannot extract the page: {type(error).__name__}: {error}")
    return PageResult(facts, links, fingerprint=fingerprint, requisites=requisites)


@dataclass(frozen=True)
class ExaminedAhead:
    """A page examined before the report asked for it: as a link's page (no main text) or as an article's.

    The crawl's WARC writer process and its helper do it while the crawl runs
    (:mod:`archiver.warc.readback`), on the record as read back from disk: the
    report takes it for the same job instead of reading and parsing the page again.
    """

    url: str
    read_limit: int | None
    result: PageResult
    article: bool = False  # examined as an article's page: links, main text, visible text, requisites

    def serves(self, job: PageJob) -> bool:
        if self.article:
            wanted = job.want_links and job.want_text
        else:
            wanted = not job.want_links and not job.want_text
        return wanted and job.url == self.url and job.read_limit == self.read_limit


@dataclass(frozen=True)
class ExamineAhead:
    """What the writer process calls on each capture it reads back (pickled to it).

    Only what the report will examine is: a 2xx HTML response of its own,
    not a probe (compared by its text) nor a revisit (its payload is another
    record's, found by the report). ``article``: the capture is of an article
    the archive has a record of, whose page the report examines whole.
    """

    read_limit: int | None = None

    def __call__(self, path: Path, capture: Capture, article: bool = False) -> ExaminedAhead | None:
        content_type = capture.header("Content-Type")
        if (not 200 <= capture.status < 300 or capture.probe or capture.revisit_of is not None
                or capture.requisite_of or not content_type or not is_html(content_type, b"")):
            return None
        result = examine(PageJob(str(path), capture.location.offset, capture.url, want_links=article,
                                 read_limit=self.read_limit, want_text=article))
        if result.error:
            return None  # the report tries again, and says why if it fails too
        return ExaminedAhead(capture.url, self.read_limit, result, article)

    def worth_finishing(self, pages: int, articles: int) -> bool:
        # What the report would examine in one process (more, and it spreads
        # the pages over every core): the writer and its helper take it at the
        # close instead, on two cores, while the crawl waits for the writer anyway.
        return pages * CHEAP_PAGE_SECONDS + articles * FULL_PAGE_SECONDS < SPAWN_FROM_SECONDS


def estimated_seconds(jobs: Iterable[PageJob]) -> float:
    """The CPU seconds these pages should take to examine in one process."""
    return sum(FULL_PAGE_SECONDS if job.want_links or job.want_text else CHEAP_PAGE_SECONDS for job in jobs)


def examine_all(jobs: Iterable[PageJob], workers: int | None = None) -> dict[tuple[str, int], PageResult]:
    """Examine pages: in this process, helped by ``workers`` - 1 spawned ones when the work pays for them."""
    unique: dict[tuple[str, int], PageJob] = {}
    for job in jobs:
        # One record asked for twice is examined once, for everything either asked.
        other = unique.get((job.path, job.offset))
        unique[(job.path, job.offset)] = job if other is None else replace(
            job, want_links=job.want_links or other.want_links, want_text=job.want_text or other.want_text)
    todo = list(unique.values())
    workers = workers or os.cpu_count() or 1
    if workers == 1 or estimated_seconds(todo) < SPAWN_FROM_SECONDS:
        return {(job.path, job.offset): examine(job) for job in todo}
    chunks = [todo[i:i + CHUNK_PAGES] for i in range(0, len(todo), CHUNK_PAGES)]
    results: list[list[PageResult] | None] = [None] * len(chunks)
    with worker_pool(workers - 1) as pool:
        futures = [pool.submit(_examine_chunk, chunk) for chunk in chunks]
        # This process works too, from the last chunk back, while the helpers
        # start and take chunks from the first: no core waits on an import,
        # and a chunk no helper has taken yet is cancelled and done here.
        for i in reversed(range(len(chunks))):
            if not futures[i].cancel():
                break  # a helper has it; so it has every chunk before it
            results[i] = _examine_chunk(chunks[i])
        for i, future in enumerate(futures):
            if results[i] is None:
                results[i] = future.result()
    return {(job.path, job.offset): result
            for chunk, done in zip(chunks, results) for job, result in zip(chunk, done or ())}


def _examine_chunk(jobs: list[PageJob]) -> list[PageResult]:
    return [examine(job) for job in jobs]
