"""A fixture news site on 127.0.0.1: articles, and every trap a crawl meets.

Each path's exact response body is kept in ``SERVED`` so tests can compare
what replay gives back with what was sent, byte for byte.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE_PATH = "/2020/02/06/big-story-a1"
SLOW_SECONDS = 4.0  # the crawl tests set DOWNLOAD_TIMEOUT below this

# A 1x1 PNG and a one-page PDF: real files, small.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201"
    "a0d9cf3f0000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def page(title: str, body: str, *, extra_head: str = "") -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title>{extra_head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/nav/section'>Section</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<aside class='most-read'><h3>Most read</h3><a href='/aside/popular'>Popular</a></aside>"
        "<footer><a href='/footer/about'>About us</a></footer>"
        "</body></html>"
    ).encode()


FILLER = (
    "The officials said on Wednesday that the talks would go on, and a long sentence "
    "follows so that the paragraph reads like the body of a real news article."
)

ARTICLE_LINKS = [
    ("/page/ok", "A page that is fine"),
    ("/page/ok?x=1&y=2", "Same page with a query"),
    ("/page/gzip", "A gzip page"),
    ("/page/chunked", "A chunked page"),
    ("/page/headers", "Odd headers"),
    ("/redirect/301", "A redirect chain"),
    ("/status/404", "A missing page"),
    ("/status/410", "A removed page"),
    ("/status/500", "A broken server"),
    ("/slow", "A slow page"),
    ("/reset", "A reset connection"),
    ("/files/report.pdf", "The report"),
    ("/files/photo.png", "The photo"),
    ("/private/secret", "Forbidden by robots"),
]


def article_body() -> str:
    parts = []
    for href, text in ARTICLE_LINKS:
        parts.append(f"<p>{FILLER} See <a href='{href}'>{text}</a> for more.</p>")
    return "".join(parts)


STATUS_ARTICLE_PATH = "/2020/03/01/statuses-a2"
# Relative links of the status article; absolute ones are added per request.
STATUS_LINKS = [
    "/page/ok", "/redirect/301", "/status/404", "/status/410", "/status/400",
    "/status/401", "/status/403", "/status/451", "/status/999", "/challenge",
    "/status/429", "/status/500", "/soft/missing-story", "/moved-home", "/reset",
    "/slow", "/loop", "/private/secret",
    "/dated/jsonld", "/dated/meta", "/dated/time", "/dated/byline",
    "/2019/05/04/url-dated", "/2019/05/04/reused-url", "/dated/none", "/page/xss",
]


def status_article(port: int) -> bytes:
    links = [*STATUS_LINKS, f"https://127.0.0.1:{port}/page/ok", "http://no-such-host.invalid/story"]
    body = "".join(f"<p>{FILLER} Read <a href='{href}'>story {n}</a> too.</p>"
                   for n, href in enumerate(links))
    return page("Statuses of everything", body,
                extra_head="<meta property='article:published_time' content='2020-03-01T09:00:00Z'>")


def dated(title: str, head: str = "", byline: str = "") -> bytes:
    return page(title, f"<p class='byline'>{byline}</p><p>{FILLER}</p><p>{FILLER}</p>", extra_head=head)


SOFT_404_PAGE = page("Sorry", "<p>We could not find that story. Try the search box above.</p>")


def _static() -> dict[str, tuple[int, list[tuple[str, str]], bytes]]:
    html = [("Content-Type", "text/html; charset=utf-8")]
    ok = page("A page that is fine", f"<p>{FILLER}</p><p><a href='/page/deeper'>deeper</a></p>")
    return {
        ARTICLE_PATH: (200, html, page("Big story", article_body())),
        "/robots.txt": (200, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /private/\n"),
        "/page/ok": (200, html, ok),
        "/page/ok?x=1&y=2": (200, html, page("Query page", f"<p>{FILLER}</p>")),
        "/page/deeper": (200, html, page("Deeper", f"<p>{FILLER}</p>")),
        "/page/final": (200, html, page("Final stop", f"<p>{FILLER}</p>")),
        "/status/404": (404, html, page("Not found", "<p>No such page.</p>")),
        "/status/410": (410, html, page("Gone", "<p>Removed.</p>")),
        "/status/500": (500, html, page("Error", "<p>Server error.</p>")),
        "/files/report.pdf": (200, [("Content-Type", "application/pdf")], PDF),
        "/files/photo.png": (200, [("Content-Type", "image/png")], PNG),
        "/": (200, html, page("Front page", f"<p>{FILLER}</p>")),
        "/page/gossip": (200, html, page("Celebrity gossip roundup", f"<p>{FILLER}</p>")),
        # A title whose text is markup: escaped in the page, as text it must stay.
        "/page/xss": (200, html, page(escape("<script>alert(1)</script>"), f"<p>{FILLER}</p>")),
        "/dated/jsonld": (200, html, dated("JSON-LD dated", head=(
            "<script type='application/ld+json'>{\"@context\": \"https://schema.org\", "
            "\"@type\": \"NewsArticle\", \"datePublished\": \"2021-01-15T10:00:00Z\"}</script>"))),
        "/dated/meta": (200, html, dated("Meta dated", head=(
            "<meta property='article:published_time' content='2019-12-31T08:00:00Z'>"))),
        "/dated/time": (200, html, page("Time dated", "<p>Published <time datetime='2020-03-02'>"
                                                      f"2 March</time></p><p>{FILLER}</p>")),
        "/dated/byline": (200, html, dated("Byline dated", byline="By Staff, March 5, 2020")),
        "/2019/05/04/url-dated": (200, html, dated("URL dated")),
        "/2019/05/04/reused-url": (200, html, dated("A newer story", head=(
            "<meta property='article:published_time' content='2023-06-01T08:00:00Z'>"))),
        "/dated/none": (200, html, dated("Not dated")),
    }


GZIP_PLAIN = page("A gzip page", f"<p>{FILLER}</p>")
CHUNKED_BODY = page("A chunked page", f"<p>{FILLER}</p>" * 20)
HEADERS_BODY = page("Odd headers", f"<p>{FILLER}</p>")
REDIRECTS = {"/redirect/301": (301, "/redirect/302"), "/redirect/302": (302, "/redirect/307"),
             "/redirect/307": (307, "/page/final"), "/loop": (302, "/loop")}


def many_page(path: str) -> bytes:
    return page(f"Page {path}", f"<p>{FILLER}</p>" * 20)


class Site:
    """Holds what was served, per path, and counts the hits."""

    def __init__(self) -> None:
        self.static = _static()
        self.gzip_body = gzip.compress(GZIP_PLAIN, mtime=0)
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def served_body(self, path: str) -> bytes:
        """The exact bytes the site sends as the body of ``path``."""
        if path == "/page/gzip":
            return self.gzip_body
        if path == "/page/chunked":
            return CHUNKED_BODY
        if path == "/page/headers":
            return HEADERS_BODY
        return self.static[path][2]


def make_handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path
            with site.lock:
                site.hits[path] = site.hits.get(path, 0) + 1
            if path in REDIRECTS:
                status, target = REDIRECTS[path]
                return self._send(status, [("Location", target)], b"")
            if path == "/page/gzip":
                return self._send(
                    200,
                    [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                    site.gzip_body,
                )
            if path == "/page/chunked":
                return self._chunked(CHUNKED_BODY)
            if path == "/page/headers":
                return self._odd_headers()
            if path == STATUS_ARTICLE_PATH:
                return self._send(200, [("Content-Type", "text/html; charset=utf-8")],
                                  status_article(self.server.server_address[1]))
            if path == "/moved-home":
                return self._send(302, [("Location", "/")], b"")
            if path.startswith("/soft/"):
                # Every URL here answers 200 with the same "not found" page.
                return self._send(200, [("Content-Type", "text/html; charset=utf-8")], SOFT_404_PAGE)
            if path == "/challenge":
                return self._send(503, [("Content-Type", "text/html"), ("cf-mitigated", "challenge")],
                                  page("Just a moment...", "<p>Checking your browser.</p>"))
            if path.startswith("/status/") and path[8:].isdigit() and path not in site.static:
                code = int(path[8:])
                extra = [("Retry-After", "1")] if code == 429 else []
                return self._send(code, [("Content-Type", "text/html"), *extra],
                                  page(f"Status {code}", "<p>An error.</p>"))
            if path == "/slow":
                time.sleep(SLOW_SECONDS)
                return self._send(200, [("Content-Type", "text/plain")], b"too late")
            if path == "/reset":
                return self._reset()
            if path.startswith("/ring/"):
                return self._send(200, [("Content-Type", "text/html; charset=utf-8")], ring_page(path))
            if path.startswith("/many/"):
                # Many small, slightly slow pages: a crawl to kill half-way.
                time.sleep(0.02)
                return self._send(200, [("Content-Type", "text/html")], many_page(path))
            status, headers, body = site.static.get(
                path, (404, [("Content-Type", "text/plain")], b"not found")
            )
            return self._send(status, headers, body)

        def _chunked(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 1000):
                chunk = body[start : start + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")

        def _odd_headers(self) -> None:
            # Header bytes that are not ASCII, and a header sent twice.
            body = HEADERS_BODY
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\n"
                b"Content-Type: text/html; charset=utf-8\r\n"
                b"X-Note: caf\xe9 cr\xe8me\r\n"
                b"Set-Cookie: a=1; Path=/\r\n"
                b"Set-Cookie: b=2; Path=/\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )

        def _reset(self) -> None:
            # SO_LINGER with a zero timeout turns close() into a TCP RST.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
            self.close_connection = True

    return Handler


RING_SIZE = 50


def ring_page(path: str) -> bytes:
    """/ring/N: one of RING_SIZE articles, each linking the next two and a source of its own.

    News articles link each other: seeds of all of them, in any order, make
    every article both a seed and another article's link.
    """
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[2] == "source":
        return page(f"Source document {parts[1]}", f"<p>{FILLER}</p>")
    n = int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else 0
    after, later = (n + 1) % RING_SIZE, (n + 2) % RING_SIZE
    body = (f"<p>{FILLER} Story number {n} of the ring.</p>"
            f"<p>{FILLER} As <a href='/ring/{after}'>story {after} reported</a>, and as "
            f"<a href='/ring/{later}'>story {later} followed up</a>, the talks went on.</p>"
            f"<p>{FILLER} The <a href='/ring/{n}/source'>source document {n}</a> says so.</p>"
            f"<p>{FILLER}</p>")
    return page(f"Ring story {n}", body)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # The crawler hangs up on /slow by design; that is not a test failure.
        pass


class SiteServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.site = Site()
        # Another loopback address for a proxy that refuses 127.0.0.1 (warcprox).
        self.httpd = QuietServer((host, 0), make_handler(self.site))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
