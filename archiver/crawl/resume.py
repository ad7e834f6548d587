"""Resuming a job killed with SIGKILL: ``-s JOBDIR=…``.

Scrapy's own JOBDIR state does not survive SIGKILL: its disk queue is
written out on a clean close, and its seen-set already holds every request
that was scheduled, so a restart drops them. Here, what was scheduled is
appended to a journal as it happens, and what was done is read from the
job's WARC files, which are the source of truth anyway. A restart fetches
what was scheduled and not archived, once.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archiver.analysis.articles import recorded
from archiver.crawl.scrapy_internals import JOBDIR_STATE
from archiver.seeds.model import Article, SeedDocument, SeedProblem
from archiver.warc import OPEN_SUFFIX
from archiver.warc.filereader import GZIP_MAGIC, member_complete
from archiver.warc.index import ArchiveIndex, url_key
from archiver.warc.reader import read_archives
from archiver.warc.vocab import META_KEY, CrawlRole, article_uri

logger = logging.getLogger(__name__)

JOURNAL = "archiver-journal.jsonl"
WARC_LIST = "archiver-warcs.txt"


class Journal:
    """Append-only files in JOBDIR: scheduled requests, and the job's WARC files."""

    def __init__(self, jobdir: str | os.PathLike) -> None:
        self.folder = Path(jobdir)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.requests_path = self.folder / JOURNAL
        self.warcs_path = self.folder / WARC_LIST

    def exists(self) -> bool:
        return self.requests_path.exists() or self.warcs_path.exists()

    def _append(self, path: Path, line: str) -> None:
        # One unbuffered write per line: SIGKILL can cut at most that line.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def scheduled(self, url: str, role: CrawlRole) -> None:
        entry = {"url": url, META_KEY: role.to_meta()}
        self._append(self.requests_path, json.dumps(entry, ensure_ascii=False))

    def warc_opened(self, path: Path) -> None:
        self._append(self.warcs_path, str(Path(path).resolve()))

    def scheduled_requests(self) -> dict[str, CrawlRole]:
        """url -> its role, the first time each URL was scheduled."""
        out: dict[str, CrawlRole] = {}
        if not self.requests_path.exists():
            return out
        for line in self.requests_path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # the line SIGKILL cut
            if entry.get("url") not in out:
                out[entry["url"]] = CrawlRole.from_meta(entry.get(META_KEY))
        return out

    def warc_files(self) -> list[Path]:
        """The job's files as they are now: closed names, or .open where not closed."""
        if not self.warcs_path.exists():
            return []
        files = []
        for line in dict.fromkeys(self.warcs_path.read_text(encoding="utf-8").splitlines()):
            final = Path(line)
            open_file = final.with_name(final.name + OPEN_SUFFIX)
            if final.exists():
                files.append(final)
            elif open_file.exists():
                files.append(open_file)
        return files


def whole_records_end(path: Path) -> int:
    """Where the last whole record of a file ends: a cut record after it is not whole.

    warcio reads a gzip member cut inside its 8-byte trailer (CRC and
    size) as whole: the last member is inflated to its end to be sure.
    """
    end = last = 0
    with open(path, "rb") as stream:
        gzipped = stream.read(3) == GZIP_MAGIC
        stream.seek(0)
        iterator = ArchiveIterator(stream)
        try:
            for record in iterator:
                last = iterator.offset
                iterator.read_to_end(record)  # in blocks, undecoded: memory stays flat
                end = iterator.offset
        except Exception as error:  # noqa: BLE001 - the cut record is the expected damage
            logger.info("%s ends in a cut record (%s)", path, type(error).__name__)
        if gzipped and end > last and not member_complete(stream, last):
            end = last
    return end


def _cut(path: Path) -> bool:
    """Cut a file after its last whole record; whether anything was cut."""
    end, size = whole_records_end(path), path.stat().st_size
    if end >= size:
        return False
    with open(path, "r+b") as stream:
        stream.truncate(end)
    logger.warning("Recovered %s: kept %d bytes of whole records, dropped a cut record of %d bytes",
                   path, end, size - end)
    return True


def cut_partial_tail(path: Path) -> bool:
    """A closed file that ends in a cut record (a full disk) is cut and indexed again: its URL is fetched again."""
    if not _cut(path):
        return False
    from archiver.warc.cdxj import index_warc

    index_warc(path)
    return True


def recover_open_file(path: Path) -> Path:
    """Cut an .open file to its last whole record, close it and index it."""
    _cut(path)
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    from archiver.warc.cdxj import index_path_of

    index = index_path_of(final)
    index.with_name(index.name + OPEN_SUFFIX).unlink(missing_ok=True)  # a half index a full disk left
    os.replace(path, final)
    from archiver.warc.cdxj import index_warc

    index_warc(final)
    return final


@dataclass
class ResumeState:
    """What a restarted job knows: what to fetch, what not to fetch again."""

    done: set[str] = field(default_factory=set)  # url keys with a final record
    pending: dict[str, CrawlRole] = field(default_factory=dict)  # scheduled, not archived
    index: ArchiveIndex | None = None  # the job's archive so far

    def is_done(self, url: str) -> bool:
        return url_key(url) in self.done

    # Seeds added or edited between the killed run and this one: the killed run
    # archived the seeds it read, so only what differs is archived again.
    def unarchived_seeds(self, documents: Iterable[SeedDocument]) -> list[SeedDocument]:
        archived = {(seed.name, seed.content) for seed in self.index.seeds} if self.index else set()
        return [d for d in documents if (d.name, d.content) not in archived]

    def unarchived_problems(self, problems: Iterable[SeedProblem]) -> list[SeedProblem]:
        archived = {(p.name, p.reason) for p in self.index.seed_problems} if self.index else set()
        return [p for p in problems if (p.name, p.reason) not in archived]

    def unrecorded_articles(self, articles: Iterable[Article]) -> list[Article]:
        """Articles the job's archive holds no record of as they are now."""
        archived = {(a.uri, a.article) for a in self.index.articles} if self.index else set()
        return [a for a in articles if (article_uri(a.url, a.seeds), recorded(a)) not in archived]


def resume_state(journal: Journal) -> ResumeState:
    files = [recover_open_file(p) if p.name.endswith(OPEN_SUFFIX) else p for p in journal.warc_files()]
    index = read_archives(files)
    # A closed file may end in a record a full disk cut (before the writer
    # learnt to cut it back itself): its URL must not count as archived.
    damaged = {problem.filename for problem in index.problems if problem.offset is not None}
    if [path for path in files if path.name in damaged and cut_partial_tail(path)]:
        index = read_archives(files)
    done = set(index.captures) | set(index.failures)
    pending = {url: role for url, role in journal.scheduled_requests().items() if url_key(url) not in done}
    return ResumeState(done, pending, index)


def discard_scrapy_job_state(jobdir: Path) -> None:
    """Drop Scrapy's queue and seen-set of a killed run: the journal replaces them.

    After SIGKILL the queue's index is missing or stale, and the seen-set
    holds every request that was scheduled, fetched or not: kept, they would
    drop exactly the requests a resume must make.
    """
    for name in JOBDIR_STATE:
        path = jobdir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
