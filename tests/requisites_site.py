"""A test server for the page-requisites fixture (tests/fixtures/requisites/), on 127.0.0.1.

It serves the fixture's files as they are, and ``/assets/video.mp4``: 30 MB
generated as it is sent, with its Content-Length, so that no 30 MB file is kept
in the repository. Every request is counted by path, for a test that checks
what was fetched (or, during a replay, that nothing was).
"""

from __future__ import annotations

import collections
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "requisites"
ARTICLE_PATH = "/article.html"
VIDEO_PATH = "/assets/video.mp4"
VIDEO_SIZE = 30 * 1024 * 1024
CHUNK = 64 * 1024
TYPES = {".css": "text/css", ".js": "text/javascript", ".woff2": "font/woff2",
         ".ico": "image/x-icon", ".html": "text/html; charset=utf-8", ".png": "image/png"}
# Every resource the article needs, but the video: what the WARC must hold byte for byte.
REQUISITE_PATHS = (
    "/assets/favicon.ico", "/assets/style.css", "/assets/second.css", "/assets/font.woff2",
    "/assets/background.png", "/assets/script.js", "/assets/photo-400.png", "/assets/photo-800.png",
    "/assets/lazy.png", "/assets/frame.html", "/assets/frame-image.png", "/assets/poster.png",
)


def fixture_bytes(path: str) -> bytes:
    """The bytes the server sends for a fixture file's path."""
    return (FIXTURE / path.lstrip("/")).read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.hits[path] += 1
        if path == VIDEO_PATH:
            self._video()
            return
        if path == "/robots.txt" and self.server.robots is not None:
            self._send(200, self.server.robots.encode(), "text/plain")
            return
        file = (FIXTURE / path.lstrip("/")).resolve()
        if path == "/" or not file.is_file() or FIXTURE not in file.parents or file.suffix == ".md":
            self._send(404, b"not found", "text/plain")
            return
        kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(200, file.read_bytes(), kind)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _video(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(VIDEO_SIZE))
        self.end_headers()
        block = bytes(CHUNK)
        try:
            for _ in range(VIDEO_SIZE // CHUNK):
                self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on it: what a size limit does


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hits: collections.Counter[str]
    lock: threading.Lock
    robots: str | None


class RequisitesSite:
    """``with RequisitesSite() as site:`` serves the fixture; ``site.hits`` counts requests by path.

    ``robots``: the robots.txt to serve (none by default: a 404, which allows everything).
    """

    def __init__(self, robots: str | None = None) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.hits = collections.Counter()
        self.httpd.lock = threading.Lock()
        self.httpd.robots = robots
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def hits(self) -> collections.Counter[str]:
        return self.httpd.hits

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> RequisitesSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
