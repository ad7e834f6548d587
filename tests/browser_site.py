"""A page built by JavaScript (issue 14), served on 127.0.0.1 with a count of every request.

/article.html's text and one image are written by /app.js (sent gzip-encoded),
which also adds an iframe (/frame.html) and loads /lazy.png only when its
placeholder, far below the fold, scrolls into view (an IntersectionObserver).
"""

from __future__ import annotations

import gzip
import json
import struct
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TITLE = "Harbour bridge reopens after two years of repairs"
PARAGRAPHS = [
    "The harbour bridge reopened to traffic on Monday morning after two years of repairs that cost "
    "the city far more than its engineers first estimated.",
    "Commuters queued from before dawn to be among the first to cross, and the mayor cut a ribbon at "
    "the northern end while a brass band played beside the toll booths.",
    "Engineers replaced every cable of the suspension span, repainted the towers and rebuilt the deck "
    "with a lighter steel that should need less care in the decades to come.",
    "The repairs ran eleven months late, which the city blamed on a shortage of steel and on a winter "
    "storm that flooded the workshops on the southern shore for three weeks.",
]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour PNG, made without an image library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


ARTICLE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{TITLE}</title>
<script src="/app.js"></script>
<style>body {{ margin: 0; font: 18px serif; background: #fff; }} main {{ width: 700px; margin: 20px; }}</style>
</head><body><main><h1>{TITLE}</h1><div id="story"></div></main>
<div style="height: 2400px"></div>
<img id="lazy" data-src="/lazy.png" width="300" height="150" alt="">
</body></html>
""".encode()

APP_JS = ("""
const PARAGRAPHS = PARAGRAPHS_JSON;
document.addEventListener("DOMContentLoaded", () => {
  const story = document.getElementById("story");
  for (const text of PARAGRAPHS) {
    const p = document.createElement("p");
    p.textContent = text;
    story.appendChild(p);
  }
  const img = document.createElement("img");
  img.src = "/inserted.png"; img.width = 400; img.height = 120;
  story.appendChild(img);
  const frame = document.createElement("iframe");
  frame.src = "/frame.html"; frame.width = 400; frame.height = 100;
  story.appendChild(frame);
  const lazy = document.getElementById("lazy");
  new IntersectionObserver((entries, observer) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      lazy.src = lazy.dataset.src;
      observer.disconnect();
    }
  }).observe(lazy);
});
""".replace("PARAGRAPHS_JSON", json.dumps(PARAGRAPHS))).encode()

# gzip with a fixed mtime: the bytes the server sends are known to the test.
APP_JS_GZIP = gzip.compress(APP_JS, mtime=0)
FRAME = b"<!doctype html><html><body style='background:#2a6'><p>An embedded post</p></body></html>"
INSERTED_PNG = png(400, 120, (200, 40, 40))
LAZY_PNG = png(300, 150, (40, 40, 200))

# path -> (content type, body as sent, extra headers)
RESOURCES: dict[str, tuple[str, bytes, dict[str, str]]] = {
    "/article.html": ("text/html; charset=utf-8", ARTICLE, {}),
    "/app.js": ("application/javascript", APP_JS_GZIP, {"Content-Encoding": "gzip"}),
    "/frame.html": ("text/html; charset=utf-8", FRAME, {}),
    "/inserted.png": ("image/png", INSERTED_PNG, {}),
    "/lazy.png": ("image/png", LAZY_PNG, {}),
    "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n", {}),
}


class BrowserSite:
    """The fixture site; ``requests`` counts the requests of each path."""

    def __init__(self, resources: dict[str, tuple[str, bytes, dict[str, str]]] | None = None,
                 delays: dict[str, float] | None = None) -> None:
        """``delays``: seconds a path's answer waits before it is sent."""
        self.resources = resources or RESOURCES
        self.delays = delays or {}
        self.requests: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.requests[path] += 1
                found = site.resources.get(path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content_type, body, extra = found
                time.sleep(site.delays.get(path, 0))
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> BrowserSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
