"""Pages per minute with the browser on (ARCHIVER_BROWSER), and its cost against the same crawl without it.

    python -m bench.browser                 # 30 pages, 3 runs of each crawl; prints the section
    python -m bench.browser --write         # and puts it in bench/RESULTS.md
    python -m bench.browser --pages 5 --runs 1   # a smoke run

Self-contained: a local server (127.0.0.1) serves article pages built by
JavaScript, as in tests/browser_site.py: the HTML has a headline and a
gzip-encoded script (the same for every page, as a site's is) that writes
the text, an image, and a lazy image below the fold. Both crawls fetch the
same articles (ARCHIVER_DEPTH 0, no soft-404 probes); the browser crawl also
renders each one, fetching what it loads through the crawl and archiving a
screenshot, a thumbnail and the DOM. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import os
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "bench" / "RESULTS.md"
HEADING = "## Browser capture (`python -m bench.browser`)"
SETTINGS = {
    "ARCHIVER_ALLOW_PRIVATE": "True", "ARCHIVER_ARCHIVE_LOOKUP": "", "ARCHIVER_HISTORY_ENABLED": "False",
    "ARCHIVER_REPORT_ENABLED": "False", "ARCHIVER_DEPTH": "0", "ARCHIVER_SOFT404_PROBES": "False",
    "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "LOG_LEVEL": "WARNING",
}
WORDS = ("harbour bridge council repairs engineers steel cable traffic commuters mayor winter storm "
         "budget contract inquiry tender deck span tower shore workshop").split()


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress((b"\x00" + bytes(rgb) * width) * height)) + chunk(b"IEND", b""))


APP_JS = gzip.compress(b"""
document.addEventListener("DOMContentLoaded", () => {
  const story = document.getElementById("story");
  for (const text of JSON.parse(document.getElementById("text").textContent)) {
    const p = document.createElement("p"); p.textContent = text; story.appendChild(p);
  }
  const img = document.createElement("img"); img.src = story.dataset.image; story.appendChild(img);
  const lazy = document.getElementById("lazy");
  new IntersectionObserver((entries, observer) => {
    if (entries.some((e) => e.isIntersecting)) { lazy.src = lazy.dataset.src; observer.disconnect(); }
  }).observe(lazy);
});
""", mtime=0)
IMAGE = _png(600, 300, (180, 60, 60))


def article(n: int) -> bytes:
    paragraphs = [" ".join(WORDS[(n * 7 + i * 3 + j) % len(WORDS)] for j in range(40)) + "." for i in range(8)]
    text = "[" + ",".join(f'"{p}"' for p in paragraphs) + "]"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Story {n}</title>"
            f"<script src='/app.js'></script></head><body><h1>Story {n}</h1>"
            f"<script type='application/json' id='text'>{text}</script>"
            f"<div id='story' data-image='/img/{n}.png'></div><div style='height:2000px'></div>"
            f"<img id='lazy' data-src='/lazy/{n}.png' width='300' height='150'></body></html>").encode()


class Site:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                site.requests[path] += 1
                headers = {}
                if path == "/app.js":
                    kind, body, headers = "application/javascript", APP_JS, {"Content-Encoding": "gzip"}
                elif path.startswith(("/img/", "/lazy/")):
                    kind, body = "image/png", IMAGE
                elif (match := re.fullmatch(r"/story/(\d+)", path)):
                    kind, body = "text/html; charset=utf-8", article(int(match.group(1)))
                elif path == "/robots.txt":
                    kind, body = "text/plain", b"User-agent: *\nAllow: /\n"
                else:
                    kind, body = "text/plain", b"not found"
                self.send_response(200 if body != b"not found" else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"


def crawl(seeds: Path, warcs: Path, browser: bool) -> float:
    shutil.rmtree(warcs, ignore_errors=True)
    command = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, value in {**SETTINGS, "ARCHIVER_WARC_DIR": str(warcs), "ARCHIVER_BROWSER": str(browser)}.items():
        command += ["-s", f"{name}={value}"]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"the crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
    if "Browser:" in proc.stderr:
        raise RuntimeError(f"the browser reported failures: {proc.stderr[-2000:]}")
    return elapsed


def measure(pages: int, runs: int, work: Path) -> dict[str, list[float]]:
    site = Site()
    seeds = work / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "urls.txt").write_text("".join(site.url(f"/story/{n}") + "\n" for n in range(pages)))
    times: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(runs):  # interleaved, so a busy moment of the shared machine hits both
        times["off"].append(crawl(seeds, work / "warcs-off", browser=False))
        site.requests.clear()
        times["on"].append(crawl(seeds, work / "warcs-on", browser=True))
        fetched_twice = {path: n for path, n in site.requests.items() if n > 1 and path != "/robots.txt"}
        if fetched_twice:
            raise RuntimeError(f"the browser crawl fetched these more than once: {fetched_twice}")
    site.httpd.shutdown()
    return times


def section(pages: int, runs: int, times: dict[str, list[float]], load: tuple[float, float]) -> str:
    off, on = statistics.median(times["off"]), statistics.median(times["on"])
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        HEADING, "",
        f"{now}, {platform.processor() or platform.machine()}, {platform.python_version()}. "
        "**The machine was shared** with other work running (2 cores): the figures are indicative, "
        f"the ratio (both crawls interleaved) more than the absolute times. Load average (1 min) "
        f"{load[0]:.1f} before the runs, {load[1]:.1f} after.", "",
        f"{pages} article pages built by JavaScript (tests/browser_site.py's kind: a gzip-encoded script "
        "writes the text and an image; a lazy image below the fold), ARCHIVER_DEPTH 0, median of "
        f"{runs} run(s) of each crawl, whole `scrapy crawl` wall time (start-up included).", "",
        "| crawl | wall time | pages per minute |",
        "|---|---|---|",
        f"| without the browser | {off:.2f} s | {pages / off * 60:.0f} |",
        f"| ARCHIVER_BROWSER = True | {on:.2f} s | {pages / on * 60:.0f} |",
        "",
        f"Cost of the browser: {on / off:.1f}× the crawl without it, {(on - off) / pages:.2f} s more per page "
        "(Chromium's start, rendering, scrolling, a 0.5 s quiet network, the screenshot). Browsertrix "
        "users report about 10–13 pages a minute per crawl. Every response was fetched once.",
        "",
        "All runs: without " + ", ".join(f"{t:.2f}" for t in times["off"])
        + "; with " + ", ".join(f"{t:.2f}" for t in times["on"]) + " (s).",
        "",
    ])


def write_section(text: str, path: Path = RESULTS) -> None:
    """Put the section in RESULTS.md, in place of an earlier one, else before the rounds' history."""
    results = path.read_text(encoding="utf-8")
    if HEADING in results:
        before, _, after = results.partition(HEADING)
        rest = after.split("\n## ", 1)
        results = before + text + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        marker = "## Round 3"
        before, found, after = results.partition(marker)
        results = before + text + "\n" + found + after if found else results.rstrip("\n") + "\n\n" + text
    path.write_text(results, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="put the section in bench/RESULTS.md")
    args = parser.parse_args(argv)
    if not Path("/usr/bin/chromium").exists():
        print("error: /usr/bin/chromium is missing: apt-get install chromium", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as work:
        times = measure(args.pages, args.runs, Path(work))
    text = section(args.pages, args.runs, times, (load_before, os.getloadavg()[0]))
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
