"""Every undocumented piece of a library we rely on, checked by name.

pyproject.toml bounds these libraries below their next minor version; when
that bound is raised, a release that dropped or changed a piece fails here
with the library's and the piece's name, not somewhere deep in a crawl.
The first test keeps such uses in their one module per library
(htmldate's pieces are checked by name in tests/test_pubdate.py).
"""

from __future__ import annotations

import ast
import asyncio
import base64
import datetime
import hashlib
import inspect
import logging
import re
import sys
import warnings
from io import BytesIO
from pathlib import Path

import lxml.html
import pytest
from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler as ScrapyScheduler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from warcio import WARCWriter
from warcio.archiveiterator import ArchiveIterator

from archiver.crawl import scrapy_internals
from archiver.warc import warcio_internals

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "archiver"

# Per library: the modules it documents, and the one module of ours that may
# import anything else of it. None: every module of that library is fine.
DOCUMENTED = {
    "trafilatura": ({"trafilatura", "trafilatura.xml"}, "archiver.analysis.trafilatura_internals"),
    "warcio": ({"warcio", "warcio.archiveiterator", "warcio.statusandheaders", "warcio.warcwriter"},
               "archiver.warc.warcio_internals"),
    "cdxj_indexer": (set(), "archiver.warc.cdxj"),
    "scrapy_redis": (set(), "archiver.crawl.distributed"),
    "htmldate": ({"htmldate"}, "archiver.pubdate"),
}
OURS = ("archiver", "tests", "bench")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def third_party_imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, imported name or None) for every absolute import of another project."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return [(m, n) for m, n in found
            if m.split(".")[0] not in OURS and m.split(".")[0] not in sys.stdlib_module_names]


def test_library_internals_stay_in_their_one_module() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        ours = module_name(path)
        for module, name in third_party_imports(path):
            library = module.split(".")[0]
            if any(part.startswith("_") for part in module.split(".")) or (name or "").startswith("_"):
                wrong.append(f"{ours}: private {module}{'.' + name if name else ''}")
            if library in DOCUMENTED:
                documented, home = DOCUMENTED[library]
                if ours != home and module not in documented:
                    wrong.append(f"{ours}: {module} is undocumented {library}; import it in {home}")
    assert not wrong, "\n".join(sorted(set(wrong)))


# --- trafilatura (archiver/analysis/trafilatura_internals.py) -------------

PAGE = """<html><head><title>Ignored | News</title>
<meta property="og:title" content="The headline">
<meta property="og:site_name" content="@TheNews">
<meta name="author" content="Ann Writer">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "The headline",
 "author": {"@type": "Person", "name": "Ann Writer"}}</script>
</head><body><h1>The headline</h1><p>Text.</p></body></html>"""


def test_trafilatura_metadata_steps() -> None:
    from archiver.analysis.trafilatura_internals import (
        Document,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
    )

    tree = lxml.html.fromstring(PAGE)
    metadata = examine_meta(tree)
    assert isinstance(metadata, Document), "trafilatura.metadata.examine_meta returns a Document"
    assert (metadata.title, metadata.author, metadata.sitename) == ("The headline", "Ann Writer", "@TheNews")
    assert extract_meta_json(tree, metadata).title == "The headline"
    assert extract_title(tree) == "The headline"
    assert extract_sitename(tree) in (None, "News")
    empty = Document()
    assert (empty.title, empty.author, empty.sitename) == (None, None, None), "trafilatura.settings.Document()"


# --- cdxj-indexer (archiver/warc/cdxj.py) ---------------------------------

def test_cdxj_indexer_constants_and_url_key() -> None:
    from cdxj_indexer.main import CDXJIndexer

    from archiver.warc.cdxj import _MIME_END, INDEXED_TYPES, _url_key

    assert INDEXED_TYPES == {"response", "revisit", "resource", "metadata"}, "CDXJIndexer.DEFAULT_RECORDS"
    assert _MIME_END.split("text/html; charset=utf-8", 1)[0] == "text/html", "CDXJIndexer.RE_SPACE"
    # Our key is surt's, with cdxj-indexer's fallback: the same as its own method.
    indexer = CDXJIndexer(BytesIO(), [])
    for url in ("https://www.Example.com/a/b?c=1&a=2", "http://127.0.0.1:8080/x", "urn:archiver:seed:x.md",
                "not a url at all"):
        assert _url_key(url) == indexer.get_url_key(url), url


def test_cdxj_indexer_sorting_writer(tmp_path: Path) -> None:
    from archiver.warc.cdxj import IndexLines

    lines = IndexLines(tmp_path)
    lines.max_sort_buff_size = 10  # a sorted run on disk every line or two (SortingWriter)
    for line in ("c 1\n", "a 1\n", "b 1\n", "a 1\n"):
        lines.write(line)
    assert lines.tmp_files, "SortingWriter.write_to_temp is called past max_sort_buff_size"
    assert all(Path(run).parent == tmp_path for run in lines.tmp_files)
    lines.write_sorted(tmp_path / "out.cdxj")
    assert (tmp_path / "out.cdxj").read_text() == "a 1\nb 1\nc 1\n"  # merged, duplicates dropped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.cdxj"], "runs are removed by flush()"


# --- warcio (archiver/warc/warcio_internals.py) ---------------------------

def _records(builder: WARCWriter) -> list:
    headers = warcio_internals.RawHttpHeaders(
        "200 OK", [("Content-Type", "text/html"), ("X-Name", "caf\xe9")], protocol="HTTP/1.1")
    response = builder.create_warc_record("http://a.example/", "response", payload=BytesIO(b"<p>hi</p>"),
                                          length=9, http_headers=headers)
    info = builder.create_warcinfo_record("x.warc.gz", {"software": "tests"})
    return [info, response]


def test_warcio_writes_the_header_buffer_raw_http_headers_computes() -> None:
    out = BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    for record in _records(writer):
        writer.write_record(record)
    # warcio itself would have percent-encoded the latin-1 byte (caf%E9).
    assert b"X-Name: caf\xe9\r\n" in out.getvalue(), "WARCWriter calls compute_headers_buffer()"


def test_warcio_iterator_offset_digest_checker_and_total_len() -> None:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    starts = []
    for record in _records(writer):
        starts.append(out.tell())
        writer.write_record(record)
    damaged = _regzip_last(out.getvalue(), starts[1])
    iterator = ArchiveIterator(BytesIO(damaged), check_digests=True)
    seen = []
    for record in iterator:
        seen.append(iterator.offset)  # ArchiveIterator.offset, before the record is read
        if record.rec_type == "response":
            assert record.http_headers.total_len == len(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                                        b"X-Name: caf\xe9\r\n\r\n"), "StatusAndHeaders.total_len"
            record.raw_stream.read()
            checker = record.digest_checker
            assert checker.passed is False and checker.problems, "ArcWarcRecord.digest_checker"
    assert seen == starts


def _regzip_last(data: bytes, start: int) -> bytes:
    """The file with its last gzip member changed in its body (so its digests no longer match)."""
    import gzip

    member = gzip.decompress(data[start:]).replace(b"<p>hi</p>", b"<p>HI</p>")
    return data[:start] + gzip.compress(member)


def test_warcio_helpers() -> None:
    moment = datetime.datetime(2026, 11, 22, 10, 30, 15, 123456)
    assert warcio_internals.datetime_to_iso_date(moment, use_micros=True) == "2026-11-22T10:30:15.123456Z"
    assert warcio_internals.iso_date_to_timestamp("2026-11-22T10:30:15.123456Z") == "20261122103015"
    assert issubclass(warcio_internals.ArchiveLoadFailed, Exception)
    chunked = warcio_internals.ChunkedDataReader(BytesIO(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"))
    assert chunked.read() == b"Wikipedia", "ChunkedDataReader de-chunks"
    plain = warcio_internals.ChunkedDataReader(BytesIO(b"<html>not chunked</html>"))
    assert plain.read() == b"<html>not chunked</html>", "ChunkedDataReader falls back to the bytes as they are"


def test_warcio_digests_and_compares_a_dechunked_body_in_every_encoding() -> None:
    stored = b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"
    entity = hashlib.sha1(b"Wikipedia").digest()
    for declared in ("sha1:" + base64.b32encode(entity).decode(), "sha1:" + entity.hex(),
                     "sha1:" + base64.b64encode(entity).decode()):
        assert warcio_internals.entity_digest_matches(BytesIO(stored), declared), declared
    as_stored = "sha1:" + base64.b32encode(hashlib.sha1(stored).digest()).decode()
    assert not warcio_internals.entity_digest_matches(BytesIO(stored), as_stored)
    assert not warcio_internals.entity_digest_matches(BytesIO(stored), "nosuchhash:AAAA")


# --- Scrapy (archiver/crawl/scrapy_internals.py) ---------------------------

def test_scrapy_counts_retries_in_the_meta_key_we_read() -> None:
    from scrapy.downloadermiddlewares.retry import get_retry_request

    crawler = get_crawler(Spider)
    spider = Spider.from_crawler(crawler, name="tests")
    request = Request("http://a.example/")
    assert scrapy_internals.retries_of(request) == 0
    retried = get_retry_request(request, spider=spider, reason="test")
    retried_again = get_retry_request(retried, spider=spider, reason="test", max_retry_times=5)
    assert retried.meta[scrapy_internals.RETRY_TIMES_META] == 1, "get_retry_request's meta key"
    assert scrapy_internals.retries_of(retried_again) == 2


def test_scrapy_jobdir_state_files(tmp_path: Path) -> None:
    queue, seen = scrapy_internals.JOBDIR_STATE
    # A scheduler without a dupefilter of its own: that one is checked below.
    crawler = get_crawler(Spider, settings_dict={"JOBDIR": str(tmp_path),
                                                 "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter"})
    assert ScrapyScheduler.from_crawler(crawler).dqdir == str(tmp_path / queue), "Scheduler's JOBDIR queue"
    RFPDupeFilter.from_crawler(get_crawler(Spider, settings_dict={"JOBDIR": str(tmp_path)})).close("finished")
    assert (tmp_path / seen).is_file(), "RFPDupeFilter's JOBDIR file"


def test_scrapy_crawl_command_creates_its_crawler_through_the_hook_we_override() -> None:
    from scrapy.commands import BaseRunSpiderCommand
    from scrapy.commands.crawl import Command

    assert callable(getattr(BaseRunSpiderCommand, "_create_crawler", None)), "BaseRunSpiderCommand._create_crawler"
    assert "self._create_crawler(" in inspect.getsource(Command.run), "scrapy crawl's run() calls _create_crawler"
    # The rest of the run() that archiver/crawl/commands/crawl.py repeats.
    source = inspect.getsource(Command.run)
    for step in ("self.crawler_process.crawl(self._create_crawler(spname), **opts.spargs)",
                 "self.crawler_process.start()", "if self.crawler_process.bootstrap_failed:"):
        assert step in source, f"scrapy crawl's run(): {step}"


def test_scrapy_logs_a_robots_txt_it_cannot_download_in_the_record_we_rewrite(caplog) -> None:
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
    from scrapy.exceptions import CannotResolveHostError

    from archiver.crawl.failures import ROBOTS_TXT_UNAVAILABLE

    class Offline:
        async def download_async(self, request: Request):
            raise CannotResolveHostError("DNS lookup failed")

    crawler = get_crawler(Spider, settings_dict={"ROBOTSTXT_OBEY": True})
    crawler.engine = Offline()
    middleware = RobotsTxtMiddleware.from_crawler(crawler)
    robots_logger = logging.getLogger(scrapy_internals.ROBOTSTXT_LOGGER)
    robots_logger.removeFilter(ROBOTS_TXT_UNAVAILABLE)  # Scrapy's record as Scrapy logs it
    try:
        with caplog.at_level(logging.ERROR, logger=scrapy_internals.ROBOTSTXT_LOGGER):
            assert asyncio.run(middleware.robot_parser(Request("http://a.example/page"))) is None, \
                "a robots.txt that cannot be downloaded allows everything"
    finally:
        robots_logger.addFilter(ROBOTS_TXT_UNAVAILABLE)
    [record] = [r for r in caplog.records if r.name == scrapy_internals.ROBOTSTXT_LOGGER]
    found = scrapy_internals.robotstxt_download_error(record)
    assert found is not None, "RobotsTxtMiddleware logs {'request': ..., 'f_exception': ...} with exc_info"
    request, error = found
    assert (request.url, type(error)) == ("http://a.example/page", CannotResolveHostError)


def test_scrapy_engine_schedules_a_start_request_with_crawl_and_waits_a_turn_after_it() -> None:
    from scrapy.core.engine import ExecutionEngine

    read_next = inspect.getsource(ExecutionEngine._process_start_next)
    assert "self.crawl(item_or_request)" in read_next, "ExecutionEngine._process_start_next schedules with crawl()"
    loop = inspect.getsource(ExecutionEngine._start_request_processing)
    assert "await self._slot.nextcall.wait()" in loop, "the start loop waits for the engine's next call"
    assert list(inspect.signature(ExecutionEngine.crawl).parameters) == ["self", "request"]


def test_scrapy_middlewares_we_subclass_answer_at_once() -> None:
    from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
    from scrapy.downloadermiddlewares.retry import RetryMiddleware

    for method in (RedirectMiddleware.process_response, MetaRefreshMiddleware.process_response,
                   RetryMiddleware.process_response, RetryMiddleware.process_exception):
        assert not inspect.iscoroutinefunction(inspect.unwrap(method)), method.__qualname__
    from archiver.crawl.retry import BackoffRetryMiddleware

    crawler = get_crawler(Spider, settings_dict={"RETRY_HTTP_CODES": [503, 429]})
    assert BackoffRetryMiddleware.from_crawler(crawler).retry_http_codes == {503, 429}, \
        "RetryMiddleware.retry_http_codes"


def test_redirect_loop_is_typed_by_the_subclass() -> None:
    from archiver.crawl.failures import TooManyRedirects, TypedRedirectMiddleware

    middleware = TypedRedirectMiddleware.from_crawler(get_crawler(Spider, settings_dict={"REDIRECT_MAX_TIMES": 1}))
    first = Request("http://a.example/1")
    hop = middleware.process_response(first, Response(first.url, status=301, headers={"Location": "/2"}))
    assert isinstance(hop, Request) and hop.url == "http://a.example/2"
    with pytest.raises(TooManyRedirects):
        middleware.process_response(hop, Response(hop.url, status=301, headers={"Location": "/3"}))


def test_robots_refusal_is_typed_through_process_request() -> None:
    from scrapy.robotstxt import ProtegoRobotParser

    from archiver.crawl.failures import RobotsDisallowed, TypedRobotsTxtMiddleware

    crawler = get_crawler(Spider, settings_dict={"ROBOTSTXT_OBEY": True})
    middleware = TypedRobotsTxtMiddleware.from_crawler(crawler)
    parser = ProtegoRobotParser.from_crawler(crawler, b"User-agent: *\nDisallow: /private\n")

    async def robot_parser(request: Request) -> ProtegoRobotParser:
        return parser

    middleware.robot_parser = robot_parser  # no engine here to download robots.txt

    async def check() -> None:
        await middleware.process_request(Request("http://a.example/public"))
        with pytest.raises(RobotsDisallowed):
            await middleware.process_request(Request("http://a.example/private"))

    asyncio.run(check())


def test_a_redirect_hop_is_known_by_its_documented_meta_key() -> None:
    from archiver.crawl.dupefilters import RedirectHopDupeFilter

    dupefilter = RedirectHopDupeFilter.from_crawler(get_crawler(Spider))
    assert not dupefilter.request_seen(Request("http://a.example/x"))
    assert dupefilter.request_seen(Request("http://a.example/x"))
    hop = Request("http://a.example/x", meta={"redirect_urls": ["http://a.example/loop"]})
    assert not dupefilter.request_seen(hop), "a redirect hop is never dropped"


# --- Twisted (archiver/crawl/failures.py) ---------------------------------

def test_twisted_response_failed_is_public_and_its_reasons_are_read() -> None:
    from twisted.internet.error import SSLError
    from twisted.python.failure import Failure
    from twisted.web.client import ResponseFailed

    from archiver.crawl.failures import classify_failure
    from archiver.warc.vocab import FailureKind

    assert classify_failure(ResponseFailed([Failure(SSLError())])) == FailureKind.TLS_ERROR


# --- scrapy-redis (archiver/crawl/distributed.py) --------------------------

def test_scrapy_redis_pieces() -> None:
    from scrapy_redis.queue import PriorityQueue
    from scrapy_redis.scheduler import Scheduler

    from archiver.crawl.distributed import SPIDER_LOG_DEPRECATION

    assert "instance.stats" in inspect.getsource(Scheduler.from_crawler), "scrapy-redis Scheduler.stats"
    spider = Spider(name="tests")
    assert PriorityQueue(server=None, spider=spider, key="k").key == "k", "scrapy-redis queue.key"
    # The one warning RedisScheduler.open() silences must be the one Scrapy gives.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spider.log("message")
    assert any(re.match(SPIDER_LOG_DEPRECATION, str(w.message)) for w in caught), \
        [str(w.message) for w in caught]
