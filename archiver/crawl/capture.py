"""Write every HTTP exchange, failure and seed of a crawl to WARC files.

The middleware sits at order 950, on the downloader side of Scrapy's own
middlewares, so it sees each response as it came off the wire: before
``HttpCompressionMiddleware`` decodes the body (and leaves a stale
Content-Length), before ``RedirectMiddleware`` swallows a 3xx and before
``RetryMiddleware`` drops a 5xx it will retry. Exceptions reach its
``process_exception`` first for the same reason, once per attempt.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import tempfile
import weakref
from concurrent.futures import Future
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.utils.defer import deferred_from_coro

from archiver import __version__
from archiver.analysis.articles import recorded
from archiver.analysis.pages import ExamineAhead
from archiver.audit import unwritable_folder
from archiver.crawl import signals as archiver_signals
from archiver.crawl.errors import FolderNotWritable
from archiver.crawl.failures import classify_failure, failure_message
from archiver.crawl.resume import Journal
from archiver.crawl.scrapy_internals import retries_of
from archiver.crawl.settings import config_of
from archiver.seeds.model import Article, SeedDocument, SeedProblem
from archiver.warc import OPEN_SUFFIX, WRITE_FAILED, records
from archiver.warc.articles import to_json
from archiver.warc.process import WarcWriterProcess, WriterSettings
from archiver.warc.vocab import META_KEY, CrawlRole, FailureKind, article_uri, seed_uri

if TYPE_CHECKING:  # SQLAlchemy costs a crawl 0.4 s to start: imported only when a history is kept
    from archiver.crawl.lookups import LookupStop
    from archiver.history import CaptureRef, History
    from archiver.warc.index import ArchiveIndex

logger = logging.getLogger(__name__)

SOFTWARE = f"news-archiver/{__version__} (Scrapy/{scrapy.__version__}; warcio/{version('warcio')})"


# Set on an exception once its failure is archived: the same exception can
# reach both process_exception and, through a spider's errback, the signal.
RECORDED = "_archiver_recorded"
# request.meta key: the WARC-Record-ID of the response (or revisit) record of
# the request's last attempt, for records written later about it (a rendering).
RECORD_ID_META = "archiver_record_id"
ARTICLES_PER_BATCH = 1_000
RECORD_BATCH = 500  # captures recorded in the history per transaction
WARC_SUFFIXES = (".warc", ".warc.gz", ".warc" + OPEN_SUFFIX, ".warc.gz" + OPEN_SUFFIX)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _holds_warcs(folder: Path) -> bool:
    """Whether ``folder`` has a WARC file (or one left open) at its top level, where the writer puts them."""
    try:
        with os.scandir(folder) as entries:
            return any(entry.name.endswith(WARC_SUFFIXES) for entry in entries)
    except OSError:
        return True  # cannot tell: the history is asked, as before


def _header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    # getlist, not headers[k]: a repeated header (Set-Cookie) is kept whole.
    return [(name, value) for name in headers for value in headers.getlist(name)]


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = config_of(crawler)
        if not self.config.warc_enabled:
            raise NotConfigured("ARCHIVER_WARC_ENABLED is off")
        settings = crawler.settings
        jobdir = settings.get("JOBDIR")
        self._journal: Journal | None = Journal(jobdir) if jobdir else None
        self.warcinfo = {
            "software": SOFTWARE,
            "hostname": socket.gethostname(),
            "format": "WARC File Format 1.1",
            "conformsTo": records.CONFORMS_TO,
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "operator": self.config.contact_url,
        }
        self._check_folder(self.config.warc_dir)
        if self.config.report_enabled:
            # The report is written from these files when the crawl ends:
            # a folder it cannot go to is better known before the crawl.
            why = unwritable_folder(self.config.report_dir)
            if why:
                raise FolderNotWritable(f"cannot write the report to {self.config.report_dir}: {why}; "
                                        "set ARCHIVER_REPORT_DIR to a writable folder")
        self.folder = str(self.config.warc_dir.resolve())  # where revisits may find their originals
        self._writer: WarcWriterProcess | None = None  # started when the spider opens
        self._stopping = False
        self.closed_files: list[Path] = []
        self.read_back: dict[Path, ArchiveIndex] = {}  # closed files' indexes, read back by the writer
        # Deduplicated re-crawls: a payload archived before for the same URL,
        # in this job or an earlier one, is written as a revisit.
        self.history: History | None = None
        # Captures on disk that the history has not recorded yet: (url, digest) -> where.
        self._unrecorded: dict[tuple[str, str], CaptureRef] = {}
        # URLs (their hashes) captured by this crawl, when the folder had no
        # WARC file as it started: a revisit's original must be a file in this
        # folder (_original), so then only this crawl's own captures can be,
        # and the history is asked about no other URL. None: ask about every one.
        self._captured_here: set[int] | None = None
        if self.config.history and self.config.dedup:
            # Imported only when used: SQLAlchemy costs a crawl 0.4 s to start.
            from archiver.history import History

            self.history = History.open(self.config.history)
            if not _holds_warcs(self.config.warc_dir):
                self._captured_here = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.seed_loaded, signal=archiver_signals.seed_loaded)
        crawler.signals.connect(self.seed_skipped, signal=archiver_signals.seed_skipped)
        crawler.signals.connect(self.articles_loaded, signal=archiver_signals.articles_loaded)
        crawler.signals.connect(self.request_failed, signal=archiver_signals.request_failed)
        crawler.signals.connect(self.page_rendered, signal=archiver_signals.page_rendered)
        crawler.signals.connect(self.browser_failed, signal=archiver_signals.browser_failed)
        # Scrapy cancels a body with no Content-Length once it passes
        # DOWNLOAD_MAXSIZE, but the error it raises says neither why nor how much.
        self.download_maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self._received: weakref.WeakKeyDictionary[Request, int] = weakref.WeakKeyDictionary()
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(self.archive_lookups_stopped, signal=archiver_signals.archive_lookups_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def _warcinfo_fields(self) -> dict[str, str]:
        fields = dict(self.warcinfo)
        if self.crawler.spider is not None:
            fields["isPartOf"] = self.crawler.spider.name
        return fields

    @staticmethod
    def _check_folder(folder: Path) -> None:
        """Fail before the crawl fetches anything it could not archive."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise FolderNotWritable(f"cannot write WARC files to {folder}: {error.strerror or error}; "
                          "set ARCHIVER_WARC_DIR to a writable folder") from None

    def _write_failed(self, message: str) -> None:
        """A record could not be written (disk full…): stop, rather than fetch what cannot be kept.

        Called from the writer's listener thread; the engine is the reactor's.
        """
        if not self._stopping:
            self._stopping = True
            from twisted.internet import reactor  # the one Scrapy installed, not a default one

            reactor.callFromThread(self._stop, message)

    def _stop(self, message: str) -> None:
        logger.error("Stopping the crawl: WARC records could not be written (%s). Free the disk or "
                     "fix ARCHIVER_WARC_DIR; with JOBDIR the job resumes where it stopped.", message)
        self.crawler.stats.set_value("archiver/warc/write_failed", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=WRITE_FAILED))

    @property
    def writer(self) -> WarcWriterProcess:
        if self._writer is None:
            config = self.config
            self._writer = WarcWriterProcess(WriterSettings(
                directory=config.warc_dir, prefix=config.warc_prefix, max_size=config.warc_max_size,
                warcinfo=self._warcinfo_fields(), index=config.warc_index,
                gzip_level=config.warc_gzip_level,
                on_open=self._journal.warc_opened if self._journal else None,
                # The report's index, read from the files while the writer is idle,
                # and its linked pages examined then too.
                read_back=config.report_enabled,
                examine_ahead=ExamineAhead(config.read_max_size) if config.report_enabled else None,
            ), on_error=self._write_failed)
        return self._writer

    def _write(self, recipe, *args, locations: bool = False, **kwargs) -> Future | None:
        """Records are built and written in the writer process: see archiver.warc.process."""
        return self.writer.write(recipe, *args, locations=locations, **kwargs)

    def process_response(self, request: Request, response: Response) -> Response:
        self._received.pop(request, None)
        if "cached" in response.flags:
            return response  # not fetched now: HttpCacheMiddleware answered
        exchange = records.HttpExchange(
            url=request.url,
            method=request.method,
            request_headers=_header_pairs(request.headers),
            request_body=request.body,
            protocol=response.protocol or "HTTP/1.1",
            status=response.status,
            response_headers=_header_pairs(response.headers),
            body=response.body,
            fetched_at=_now(),
            ip_address=str(response.ip_address) if response.ip_address else None,
            truncated="length" if "dataloss" in response.flags else None,
            extra_warc_headers=CrawlRole.from_meta(request.meta.get(META_KEY)).warc_headers(),
            record_id=records.new_record_id(),
        )
        request.meta[RECORD_ID_META] = exchange.record_id
        # Hashing the body only pays when a history can say it was seen before.
        if self.history is None:
            self._write(records.exchange_records, exchange)
            return response
        digest = records.payload_digest(exchange.body)
        if len(self._unrecorded) >= RECORD_BATCH:
            self._record_captures()
        # A query a response held the event loop for 1 to 2.5 ms: on a first
        # crawl into a new folder, a URL seen for the first time asks none.
        captured_here = self._captured_here
        if captured_here is None or hash(exchange.url) in captured_here:
            earlier = self._original(self.history, exchange.url, digest)
        else:
            earlier = None
        if captured_here is not None:
            captured_here.add(hash(exchange.url))
        if earlier is not None:
            self._write(records.revisit_records, exchange, earlier.url, earlier.warc_date)
            return response
        written = self._write(records.exchange_records, exchange, locations=True)
        assert written is not None  # asked for with locations=True
        date = records.warc_date(exchange.fetched_at)
        written.add_done_callback(lambda done: self._remember(done, exchange.url, digest, date))
        return response

    def _original(self, history: History, url: str, digest: str) -> CaptureRef | None:
        """An earlier capture of this payload that a revisit may refer to, or None.

        Only one in this crawl's WARC folder, whose file is still there (closed,
        or still being written): a revisit whose original lies elsewhere cannot
        be replayed or read from the folder, so the full response is archived.
        """
        earlier = self._unrecorded.get((url, digest))
        if earlier is None:
            earlier = history.find_capture(url, digest, self.folder)
        if earlier is None:
            return None
        path = Path(self.folder) / earlier.filename
        if path.exists() or path.with_name(path.name + OPEN_SUFFIX).exists():
            return earlier
        return None

    def _remember(self, written: Future, url: str, digest: str, date: str) -> None:
        """Once the response is on disk, the history will know where (for later revisits).

        Called in the writer's result thread: only noted here, recorded in
        batches from the crawl's thread (_record_captures). One transaction
        a capture, from another thread than the crawl's lookups, made both
        wait on SQLite's lock: it held the crawl's event loop for 17 ms a
        response, the largest cost of a crawl of 200 hosts.
        """
        if written.exception() is None and self.history is not None:
            from archiver.history import CaptureRef  # imported already: a history is kept

            response = written.result()[1]
            # A plain dict's item assignment is atomic (the GIL): no lock needed.
            self._unrecorded[(url, digest)] = CaptureRef(url, digest, date, response.filename,
                                                         response.offset, self.folder)

    def _record_captures(self) -> None:
        if self.history is None or not self._unrecorded:
            return
        # A snapshot: the writer's thread may add more while the batch is written.
        batch = dict(self._unrecorded)
        self.history.record_captures(list(batch.values()))
        for key in batch:
            self._unrecorded.pop(key, None)

    def bytes_received(self, data: bytes, request: Request) -> None:
        self._received[request] = self._received.get(request, 0) + len(data)

    def _over_maxsize(self, request: Request) -> str | None:
        """Why a download was cancelled, when it was for passing DOWNLOAD_MAXSIZE unannounced."""
        limit = request.meta.get("download_maxsize", self.download_maxsize)
        received = self._received.get(request, 0)
        if limit and received > limit:
            return (f"cancelled after {received} bytes: the response is larger than "
                    f"DOWNLOAD_MAXSIZE ({limit} bytes) and was not downloaded")
        return None

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.request_failed(request, exception)
        return None

    def request_failed(self, request: Request, exception: BaseException) -> None:
        """Archive a failure once, whichever way it reached us first."""
        if getattr(exception, RECORDED, False):
            return
        setattr(exception, RECORDED, True)
        kind = classify_failure(exception)
        message = failure_message(exception)
        too_large = self._over_maxsize(request) if kind == FailureKind.CONNECTION_ERROR else None
        if too_large is not None:
            kind, message = FailureKind.TOO_LARGE, too_large
        self._received.pop(request, None)  # a retry starts its count again
        if kind == FailureKind.TOO_LARGE and self.config.requisite_maxsize \
                and CrawlRole.from_meta(request.meta.get(META_KEY)).requisite:
            # The spider set the requisite's download_maxsize: a skip by our rule, not a failure.
            kind = FailureKind.OVER_SIZE_LIMIT
            message = f"skipped, larger than ARCHIVER_REQUISITE_MAXSIZE: {message}"
        self.crawler.stats.inc_value(f"archiver/fetch/failure_count/{kind}")
        self._write(
            records.failure_record,
            request.url,
            kind,
            error=type(exception).__name__,
            message=message,
            attempt=retries_of(request) + 1,
            moment=_now(),
        )
        self.crawler.signals.send_catch_log(
            archiver_signals.fetch_failed, request=request, kind=kind, exception=exception
        )

    def page_rendered(self, rendering: records.Rendering) -> None:
        self.crawler.stats.inc_value("archiver/browser/rendered_count")
        self._write(records.rendering_records, rendering)

    def browser_failed(self, url: str, kind: str, message: str, concurrent_to: str | None) -> None:
        self.crawler.stats.inc_value(f"archiver/browser/failure_count/{kind}")
        self._write(records.browser_failure_record, url, kind, message=message, concurrent_to=concurrent_to,
                    moment=_now())

    def seed_loaded(self, document: SeedDocument) -> None:
        self._write(records.resource_record, seed_uri(document.name), document.content,
                    document.media_type, _now())

    def seed_skipped(self, problem: SeedProblem) -> None:
        self._write(records.seed_problem_record, seed_uri(problem.name), problem.reason, _now())

    def archive_lookups_stopped(self, stop: LookupStop) -> None:
        self._write(records.lookups_stopped_record, stop.endpoint, stop.reason, stop.unasked, _now())

    def articles_loaded(self, articles: list[Article]) -> None:
        # In batches: one hand-over per article cost a 5,000-URL crawl 6% of
        # its time; one for all of a million would be one huge pickle.
        moment = _now()
        for start in range(0, len(articles), ARTICLES_PER_BATCH):
            batch = [(article_uri(a.url, a.seeds), to_json(recorded(a)))
                     for a in articles[start:start + ARTICLES_PER_BATCH]]
            self._write(records.json_metadata_records, batch, moment)

    def spider_opened(self) -> None:
        # Started now, not at the first record: the writer process imports
        # for half a second while the seeds load, instead of holding up the
        # first records (and the crawl, once the pipe is full).
        self.writer  # noqa: B018 - the property starts the process

    def spider_closed(self, reason: str = "finished") -> None:
        if self._writer is not None:
            closed = self._writer.close()
            self._writer = None
            self.closed_files = closed.files
            self.read_back = closed.indexes
            stats = self.crawler.stats
            for rec_type, count in sorted(closed.written.items()):
                stats.inc_value("archiver/warc/records_count", count)
                stats.inc_value(f"archiver/warc/records_count/{rec_type}", count)
            for path in closed.files:
                stats.inc_value("archiver/warc/files_count")
                stats.inc_value("archiver/warc/bytes", path.stat().st_size)
        if self.history is not None:
            self._record_captures()  # the writer is closed: every capture is on disk
            self.history.close()
        self.crawler.signals.send_catch_log(
            archiver_signals.warcs_closed, paths=list(self.closed_files), reason=reason,
            indexes=self.read_back,
        )
