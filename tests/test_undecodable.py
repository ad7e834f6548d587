"""Every archived body goes through the bounded decoder: a bomb is a reason, not a crash.

An archive holds a decompression bomb (a few KB that inflate past
MAX_DECODED_BYTES), a zstd page and a "gzip, br" page. The analysis reads
the two pages, and reports the bomb as an integrity problem, in its link's
detail and as the reason its article has no text verdict; ``archiver audit``
does all this within 500 MB summed over its processes.
"""

from __future__ import annotations

import csv
import datetime
import functools
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.analysis.analyse import analyse
from archiver.analysis.model import ArticleReport, Report
from archiver.analysis.pages import PageJob, examine
from archiver.report import write_report
from archiver.seeds import parse_seed
from archiver.warc import decode
from archiver.warc.decode import MAX_DECODED_BYTES
from archiver.warc.reader import read_archives
from archiver.warc.records import HttpExchange, exchange_records
from archiver.warc.vocab import CrawlRole
from archiver.warc.writer import RollingWarcWriter
from tests.conftest import PROJECT, crawl_env

brotli = pytest.importorskip("brotli")
if decode._zstd is None:
    pytest.skip("no zstd module: the zstd page cannot be written", allow_module_level=True)

MOMENT = datetime.datetime(2026, 11, 22, 10, 30, 15, tzinfo=datetime.UTC)
MB = 1 << 20
PEAK_LIMIT = 500 * MB
LIMIT_REASON = f"inflates beyond {MAX_DECODED_BYTES} bytes"


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    paragraphs: tuple[str, ...]

    def html(self) -> bytes:
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>{self.title}</title></head>"
                f"<body><article><h1>{self.title}</h1>"
                + "".join(f"<p>{p}</p>" for p in self.paragraphs)
                + "</article></body></html>").encode()

    def seed(self) -> bytes:
        return (f"Original url: {self.url}\n\n" + "\n\n".join(self.paragraphs) + "\n").encode()


ZSTD_PAGE = Page("http://news.example/2026/11/20/harbour", "Harbour reopens after the storm", (
    "The northern harbour reopened on Friday morning, three days after the storm tore two cranes "
    "from their rails and sank a fishing boat at its mooring.",
    "Divers spent the night checking the quay walls, and the port authority said the container "
    "berths would be back at full capacity by the middle of next week.",
    "Fishermen whose boats were damaged can apply for emergency grants at the town hall until the "
    "end of the month, the mayor told a crowded meeting on Thursday evening.",
))
GZIP_BR_PAGE = Page("http://news.example/2026/11/21/library", "The old library gets a new roof", (
    "Work on the roof of the municipal library began on Monday, after years in which buckets caught "
    "the rain dripping between the shelves of the reading room.",
    "The council set aside four hundred thousand euros for the repairs, and the library will stay "
    "open throughout, with the upper floor closed until the spring.",
    "Volunteers moved more than twelve thousand books to the basement over the weekend, and the "
    "rare maps were lent to the regional archive for safekeeping.",
))
BOMB_PAGE = Page("http://news.example/2026/11/22/bomb", "Never read", (
    "This text is never stored: the archived body is a decompression bomb of zeros, and the audit "
    "must say that it cannot be decoded instead of judging an empty page.",
))


def compressed_zeros(compressor, size: int) -> bytes:
    """``size`` zero bytes through a streaming compressor, a MB at a time: the zeros never sit in memory."""
    step = getattr(compressor, "compress", None) or compressor.process
    end = getattr(compressor, "flush", None) or compressor.finish
    chunk = bytes(MB)
    return b"".join(step(chunk) for _ in range(size // MB)) + end()


def gzip_bomb(size: int) -> bytes:
    return compressed_zeros(zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16), size)


# name -> (Content-Encoding, stored body): each inflates well past the limit.
BOMBS = {
    # 256 MB of zeros gzipped twice: 3 KB stored.
    "gzip-gzip": ("gzip, gzip", lambda: gzip.compress(gzip_bomb(256 * MB))),
    # 1 GB of zeros in 2 KB: brotli.decompress() would build all of it at once.
    "br": ("br", lambda: compressed_zeros(brotli.Compressor(quality=5), 1024 * MB)),
    # One coding warcio knows, so content_stream() inflates it all (80 KB stored).
    "gzip": ("gzip", lambda: gzip_bomb(MAX_DECODED_BYTES + 16 * MB)),
}


def exchange(url: str, body: bytes, coding: str | None, content_type: str = "text/html; charset=utf-8"):
    headers = [(b"Content-Type", content_type.encode()), (b"Content-Length", str(len(body)).encode())]
    if coding:
        headers.append((b"Content-Encoding", coding.encode()))
    return HttpExchange(url=url, method="GET", request_headers=[(b"Accept", b"*/*")], request_body=b"",
                        protocol="HTTP/1.1", status=200, response_headers=headers, body=body,
                        fetched_at=MOMENT)


@functools.cache  # a second or two each: built once per session
def bomb_body(name: str) -> bytes:
    return BOMBS[name][1]()


def bomb_url(name: str) -> str:
    return f"{BOMB_PAGE.url}-{name}"


def write_archive(folder: Path, extra: list[HttpExchange] = ()) -> Path:
    """One WARC as our crawl writes it: the zstd page, the "gzip, br" page and the bombs."""
    writer = RollingWarcWriter(folder, "decode", 10**9, {"software": "tests"})
    exchanges = [
        exchange(ZSTD_PAGE.url, decode._zstd.compress(ZSTD_PAGE.html()), "zstd"),
        exchange(GZIP_BR_PAGE.url, brotli.compress(gzip.compress(GZIP_BR_PAGE.html())), "gzip, br"),
        *(exchange(bomb_url(name), bomb_body(name), coding) for name, (coding, _) in BOMBS.items()),
        *extra,
    ]
    for item in exchanges:
        writer.write(exchange_records(writer.builder, item))
    writer.close()
    [path] = writer.closed_files
    return path


def write_seeds(folder: Path) -> Path:
    folder.mkdir()
    for name, page in [("harbour.txt", ZSTD_PAGE), ("library.txt", GZIP_BR_PAGE)]:
        (folder / name).write_bytes(page.seed())
    for name in BOMBS:
        (folder / f"bomb-{name}.txt").write_bytes(replace(BOMB_PAGE, url=bomb_url(name)).seed())
    return folder


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("undecodable")
    extra = [
        # an image stored with a bomb's coding: the analysis never reads it, so no problem
        exchange("http://news.example/chart.png", bomb_body("br"), "br", content_type="image/png"),
        exchange("http://news.example/old-coding", ZSTD_PAGE.html(), "compress"),
    ]
    return write_archive(folder, extra)


@pytest.fixture(scope="module")
def seeds(archive) -> Path:
    return write_seeds(archive.parent / "seeds")


def job(archive: Path, url: str) -> PageJob:
    capture = read_archives([archive]).capture(url)
    return PageJob(str(archive), capture.location.offset, url, want_links=True)


# --- examine(): one page -----------------------------------------------------------


@pytest.mark.fast
@pytest.mark.parametrize("name", list(BOMBS))
def test_examine_reports_a_bomb_as_undecodable(archive, name):
    result = examine(job(archive, bomb_url(name)))
    coding = "br" if name == "br" else "gzip"
    assert result.undecodable == f"{coding} body {LIMIT_REASON}"
    assert result.facts is None and result.error is None and result.links == ()


@pytest.mark.fast
@pytest.mark.parametrize("page", [ZSTD_PAGE, GZIP_BR_PAGE], ids=["zstd", "gzip, br"])
def test_examine_reads_zstd_and_stacked_codings(archive, page):
    result = examine(job(archive, page.url))
    assert result.undecodable is None and result.error is None
    assert result.facts.title == page.title
    assert all(p in result.facts.text for p in page.paragraphs)
    assert result.fingerprint


@pytest.mark.fast
def test_examine_names_an_unknown_coding(archive):
    result = examine(job(archive, "http://news.example/old-coding"))
    assert result.undecodable == "unsupported Content-Encoding: compress"
    assert result.facts is None


@pytest.mark.fast
def test_examine_does_not_decode_a_body_it_does_not_read(archive):
    result = examine(job(archive, "http://news.example/chart.png"))
    assert result.undecodable is None and result.error is None and result.facts is None


# --- analyse(): the reason reaches the report ------------------------------------


@pytest.fixture(scope="module")
def report(archive, seeds) -> Report:
    docs = [parse_seed(path.name, path.read_bytes()) for path in sorted(seeds.iterdir())]
    return analyse(read_archives([archive]), docs)


def articles_by_url(report: Report) -> dict[str, ArticleReport]:
    return {article.url: article for article in report.articles}


@pytest.mark.fast
def test_each_bomb_is_an_integrity_problem_with_file_offset_url_and_reason(archive, report):
    index = read_archives([archive])
    expected = []
    for name, (coding, _) in BOMBS.items():
        capture = index.capture(bomb_url(name))
        reason = f"{'br' if coding == 'br' else 'gzip'} body {LIMIT_REASON}"
        expected.append((archive.name, capture.location.offset,
                         f"response body of {bomb_url(name)} cannot be decoded: {reason}"))
    problems = [(p.filename, p.offset, p.problem) for p in report.integrity]
    assert sorted(problems) == sorted(expected)


@pytest.mark.fast
def test_a_bomb_has_its_reason_in_the_link_detail_and_the_missing_text_verdict(report):
    articles = articles_by_url(report)
    bomb = articles[bomb_url("gzip-gzip")]
    assert bomb.original.status == "ok"
    assert bomb.original.detail == f"response body cannot be decoded: gzip body {LIMIT_REASON}"
    assert bomb.text_verdict is None
    assert bomb.text_unavailable == f"text unavailable: gzip body {LIMIT_REASON}"


@pytest.mark.fast
def test_the_zstd_and_gzip_br_pages_are_compared_with_their_seeds(report):
    articles = articles_by_url(report)
    for page in (ZSTD_PAGE, GZIP_BR_PAGE):
        article = articles[page.url]
        assert article.title == page.title
        assert article.text_verdict == "unchanged", article
        assert article.text_unavailable is None
        assert article.original.detail is None


@pytest.mark.fast
def test_a_null_text_verdict_always_says_why(archive, tmp_path):
    missing = Page("http://news.example/never-fetched", "Gone", ZSTD_PAGE.paragraphs[:1])
    picture = Page("http://news.example/chart.png", "Chart", GZIP_BR_PAGE.paragraphs[:1])
    docs = [parse_seed(f"{n}.txt", p.seed()) for n, p in [("missing", missing), ("picture", picture)]]
    index = read_archives([archive])
    reasons = {a.url: a.text_unavailable for a in analyse(index, docs).articles}
    assert reasons[missing.url] == "text unavailable: the page was not archived (not_checked)"
    assert reasons[picture.url] == "text unavailable: the page is not HTML"
    # Without seeds every HTML page is an article, and none has a seed copy to compare with.
    no_seeds = analyse(index).articles
    assert {a.url: a.text_unavailable for a in no_seeds}[ZSTD_PAGE.url] == \
        "text unavailable: no seed copy with text to compare the page with"
    assert all(a.text_unavailable for a in no_seeds if a.text_verdict is None)


@pytest.mark.fast
def test_text_unavailable_in_every_report_file(report, tmp_path):
    # A reason quoting hostile text is escaped like every other string.
    hostile = "text unavailable: unsupported Content-Encoding: <script>x</script> *[a](b)*"
    article = replace(articles_by_url(report)[bomb_url("br")], text_unavailable=hostile)
    write_report(replace(report, articles=(article,)), tmp_path)
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert doc["articles"][0]["text_unavailable"] == hostile
    assert doc["articles"][0]["text_verdict"] is None
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "- **Text:** text unavailable: unsupported Content-Encoding: &lt;script&gt;x&lt;/script&gt; " \
           "\\*\\[a\\](b)\\*" in markdown
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    with open(tmp_path / "links.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["role"], r["text_unavailable"]) for r in rows] == [("original", hostile)]


@pytest.mark.fast
def test_an_undecodable_web_archive_answer_is_an_integrity_problem(tmp_path):
    dead = "http://news.example/2026/11/01/removed"
    lookup = f"http://archive.org/wayback/available?url={dead}"
    linking = Page("http://news.example/2026/11/23/follow-up", "A follow-up", (
        f"The council's <a href='{dead}'>first statement</a> has since been taken down, and the "
        "mayor's office would not say when or why it was removed from the town's website.",))
    folder = tmp_path / "warcs"
    folder.mkdir()
    archive = write_archive(folder, [
        exchange(linking.url, linking.html(), None),
        replace(exchange(dead, b"not here", None), status=404),
        replace(exchange(lookup, bomb_body("br"), "br", content_type="application/json"),
                extra_warc_headers=CrawlRole(lookup_for=dead, lookup_kind="wayback").warc_headers()),
    ])
    index = read_archives([archive])
    [link] = [link for a in analyse(index).articles if a.url == linking.url for link in a.links]
    assert link.url == dead and link.status == "gone" and link.archived_copy is None
    problem = (archive.name, index.capture(lookup).location.offset,
               f"response body of {lookup} cannot be decoded: br body {LIMIT_REASON}")
    assert problem in [(p.filename, p.offset, p.problem) for p in analyse(index).integrity]


# --- archiver audit: the acceptance ----------------------------------------------


def _tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/statm", "rb") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while being read
        # The name in parentheses may hold spaces: the fields start after its ")".
        parent = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class PeakMemory:
    """Samples a process tree's summed RSS every 20 ms while it runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.samples = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            self.samples += 1
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def archiver_audit(*args: str) -> tuple[subprocess.CompletedProcess, PeakMemory]:
    # The console script, as a user runs it, with this checkout's code first on the path.
    script = Path(sys.executable).with_name("archiver")
    env = crawl_env(PYTHONPATH=str(PROJECT))
    with subprocess.Popen([str(script), "audit", *args], cwd=PROJECT, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        memory = PeakMemory(process.pid)
        try:
            stdout, stderr = process.communicate(timeout=300)
        finally:
            memory.stop()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), memory


def content_stream_sizes(path: Path, url: str) -> Iterator[int]:
    """What warcio's content_stream() hands out for a record, a block at a time."""
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url:
                body = record.content_stream()
                while block := body.read(MB):
                    yield len(block)
                return


def test_archiver_audit_reports_the_bomb_and_reads_the_rest_within_500_mb(tmp_path):
    if not Path(sys.executable).with_name("archiver").exists():
        pytest.skip("the archiver console script is not installed next to this Python")
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    archive = write_archive(warcs)
    assert archive.stat().st_size < 200_000  # the bombs are a few KB (80 KB for the one-coding gzip)
    # Before: the analysis read bodies with content_stream(), which has no limit.
    assert sum(content_stream_sizes(archive, bomb_url("gzip"))) > MAX_DECODED_BYTES

    result, memory = archiver_audit(str(warcs), "--seeds", str(write_seeds(tmp_path / "seeds")),
                                    "-o", str(tmp_path / "report"))
    assert memory.samples > 5, "the audit ended before its memory could be sampled"
    assert memory.peak < PEAK_LIMIT, f"peak RSS {memory.peak / MB:.0f} MB"
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr

    doc = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    problems = {p["problem"] for p in doc["integrity"]}
    for name, (coding, _) in BOMBS.items():
        reason = f"{'br' if coding == 'br' else 'gzip'} body {LIMIT_REASON}"
        line = f"response body of {bomb_url(name)} cannot be decoded: {reason}"
        assert line in problems
        assert line in result.stdout
    articles = {a["url"]: a for a in doc["articles"]}
    bomb = articles[bomb_url("gzip-gzip")]
    assert bomb["text_verdict"] is None
    assert bomb["text_unavailable"] == f"text unavailable: gzip body {LIMIT_REASON}"
    for page in (ZSTD_PAGE, GZIP_BR_PAGE):
        assert articles[page.url]["title"] == page.title
        assert articles[page.url]["text_verdict"] == "unchanged"
        assert articles[page.url]["live_text_fingerprint"]
    print(f"archiver audit peak RSS: {memory.peak / MB:.0f} MB over {memory.samples} samples")
