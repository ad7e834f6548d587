"""A 500 MB page and a 1 GiB gzip bomb: the crawl and its report stay small and say why.

A test server streams the pages (nothing of that size is ever held here);
the crawl runs under a wrapper that reports the largest resident size of
every process it waited for: the crawl, its WARC writer, its worker pools.
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler

import pytest

from tests.conftest import run_crawl
from tests.site import QuietServer
from tests.warc_checks import read_records

MB = 1024 * 1024
HUGE = 500_000_000
BOMB_INFLATED = 1024 * MB
MEMORY_LIMIT_KB = 1024 * 1024  # 1 GB, as ru_maxrss counts (KiB)

# Runs a command and prints the peak resident size (KiB) of the largest of
# its descendants that were waited for: the crawl waits for its helpers.
PEAK_RSS = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
            "print('peak-rss-kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
            "sys.exit(code)")


@cache
def gzip_bomb() -> bytes:
    """1 GiB of spaces in an HTML page, gzipped: about 1 MB.

    One gzip member per MiB, all alike (a body may be several members,
    RFC 1952): compressed once, not 1 GiB of deflate work per test run.
    """
    head = gzip.compress(b"<html><body><p>", 9)
    spaces = gzip.compress(b" " * MB, 9)
    return head + spaces * (BOMB_INFLATED // MB)


def article(base: str) -> bytes:
    return (f"<html><head><title>Big things</title></head><body><article><h1>Big things</h1>"
            f"<p>{'A paragraph of the article, long enough to be its text. ' * 20}</p>"
            f'<p><a href="{base}/huge">a page of 500 MB</a>, '
            f'<a href="{base}/huge-unsized">the same with no length</a>, '
            f'<a href="{base}/bomb">a gzip bomb</a>, <a href="{base}/small">a small page</a>.</p>'
            "</article></body></html>").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _head(self, headers: dict[str, str]) -> None:
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _stream(self, size: int) -> None:
        block = b"<p>" + b"x" * (MB - 7) + b"</p>\n"
        sent = 0
        try:
            while sent < size:
                piece = block[:size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass  # the crawler hung up once it had seen enough: what is wanted

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/article":
            body = article(base)
            self._head({"Content-Type": "text/html", "Content-Length": str(len(body))})
            self.wfile.write(body)
        elif self.path == "/huge":
            self._head({"Content-Type": "text/html", "Content-Length": str(HUGE)})
            self._stream(HUGE)
        elif self.path == "/huge-unsized":
            self._head({"Content-Type": "text/html", "Connection": "close"})
            self.close_connection = True
            self._stream(HUGE)
        elif self.path == "/bomb":
            body = gzip_bomb()
            self._head({"Content-Type": "text/html", "Content-Encoding": "gzip",
                        "Content-Length": str(len(body))})
            self.wfile.write(body)
        elif self.path == "/small":
            body = b"<html><head><title>Small</title></head><body><p>Small.</p></body></html>"
            self._head({"Content-Type": "text/html", "Content-Length": str(len(body))})
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


@pytest.fixture
def big_site():
    gzip_bomb()  # built before the server answers, not while the crawler waits
    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_500_mb_page_and_a_gzip_bomb_keep_the_crawl_under_1_gb_and_the_report_says_why(big_site, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "urls.txt").write_text(f"{big_site}/article\n")
    result = run_crawl(seeds, tmp_path / "warcs", {"ARCHIVER_DEPTH": "1", "DOWNLOAD_TIMEOUT": "60"},
                       prefix=[sys.executable, "-c", PEAK_RSS], timeout=300)
    assert result.returncode == 0, result.log[-5000:]
    assert "Traceback" not in result.log, result.log[-5000:]
    peak = int(result.log.rsplit("peak-rss-kb ", 1)[1].split()[0])
    assert peak < MEMORY_LIMIT_KB, f"a process of the crawl reached {peak // 1024} MiB"
    report = json.loads((tmp_path / "report-warcs" / "report.json").read_text())
    [entry] = report["articles"]
    links = {link["url"].removeprefix(big_site): link for link in entry["links"]}
    assert links["/small"]["verdict"] == "alive"
    for path in ("/huge", "/huge-unsized", "/bomb"):
        link = links[path]
        assert link["verdict"] == "uncertain", link
        # Why it was not read: over the download limit, or inflating past it.
        assert "max size" in link["detail"] or "DOWNLOAD_MAXSIZE" in link["detail"], link
    # Archived as what they were: too large, not refused by us (excluded) nor a broken connection.
    kinds = {r["uri"].removeprefix(big_site): r["payload"].split(b"\r\n")[0].decode()
             for path in result.warcs for r in read_records(path)
             if r["type"] == "metadata" and r["payload"].startswith(b"fetch-failure:")}
    assert kinds == {path: "fetch-failure: too_large" for path in ("/huge", "/huge-unsized", "/bomb")}, kinds
