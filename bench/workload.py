"""The benchmark workload: generated news pages served by nginx on 127.0.0.1.

Pages are about 50 KB of realistic markup (head metadata, navigation, an
article of varied paragraphs with internal links, a "most read" box, a
footer). nginx serves them fast enough not to be the bottleneck; its
rewrite rules give 404s, 301s, and many distinct URLs for one file, so a
50,000-URL crawl needs only the files of a 5,000-URL one.
"""

from __future__ import annotations

import datetime
import os
import random
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

WORDS = (
    "government minister council city river bridge port harbour election vote court judge police "
    "report budget tax school hospital doctor nurse farmer market price energy gas oil power grid "
    "storm flood weather summer winter border army officer talks treaty agreement statement press "
    "spokesman opposition party leader mayor region district village museum festival music film "
    "season team match goal coach player league cup record company bank loan debt growth jobs "
    "workers union strike protest street square station train airport flight ship cargo container "
    "research study scientists university students teachers children families residents neighbours"
).split()
PAGE_BYTES = 50_000


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 24))
    return " ".join(words).capitalize() + "."


def article_html(n: int, total: int, rng: random.Random) -> str:
    day = datetime.date(2020, 1, 1) + datetime.timedelta(days=n % 1500)
    title = " ".join(rng.choices(WORDS, k=7)).title()
    head = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='article:published_time' content='{day.isoformat()}T08:00:00Z'>"
            f"<link rel='canonical' href='/pages/{n}.html'>"
            "<style>body{font-family:serif;max-width:40em;margin:auto}nav a{margin:0 .5em}</style>"
            "</head><body>")
    nav = "<nav>" + "".join(f"<a href='/section/{w}'>{w.title()}</a>" for w in WORDS[:12]) + "</nav>"
    parts = [head, nav, f"<article><h1>{title}</h1><p class='byline'>By Staff, {day:%B %d, %Y}</p>"]
    size = sum(map(len, parts))
    while size < PAGE_BYTES - 3_000:
        sentences = [_sentence(rng) for _ in range(rng.randint(3, 6))]
        if rng.random() < 0.4:
            target = rng.randrange(total)
            sentences.append(f"See <a href='/pages/{target}.html'>{' '.join(rng.choices(WORDS, k=4))}</a>.")
        paragraph = "<p>" + " ".join(sentences) + "</p>"
        parts.append(paragraph)
        size += len(paragraph)
    parts.append("</article><aside class='most-read'><h3>Most read</h3><ul>")
    parts += [f"<li><a href='/pages/{rng.randrange(total)}.html'>{' '.join(rng.choices(WORDS, k=5))}</a></li>"
              for _ in range(10)]
    parts.append("</ul></aside><footer><p>© 2020 The Bench Gazette</p><a href='/about'>About</a></footer>"
                 "</body></html>")
    return "".join(parts)


def generate(root: Path, pages: int, seed: int = 7) -> Path:
    """Write ``pages`` article files under root/pages, once."""
    folder = root / "pages"
    marker = root / f"generated-{pages}"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    for n in range(pages):
        (folder / f"{n}.html").write_text(article_html(n, pages, rng), encoding="utf-8")
    marker.touch()
    return folder


# Page requisites (python -m bench.run --only requisites): every page needs a
# stylesheet importing a second one, a web font, a masthead and an icon sprite
# through CSS url(), a favicon and a script (shared by all pages), and three
# images of its own: one with a 2x srcset candidate, one lazy (data-src, with a
# <noscript> fallback). Images and the font are random bytes: incompressible,
# as JPEG and WOFF2 are.
SHARED_ASSETS = {"favicon.ico": 2_000, "font.woff2": 30_000, "masthead.png": 20_000, "icons.png": 5_000}
PAGE_IMAGES = {"a.jpg": 25_000, "a-2x.jpg": 50_000, "lazy.jpg": 25_000}
REQUISITES_HEAD = ("<link rel='icon' href='/req/assets/favicon.ico'>"
                   "<link rel='stylesheet' href='/req/assets/site.css'>"
                   "<script src='/req/assets/app.js' defer></script></head>")


def requisites_html(n: int, total: int, rng: random.Random) -> str:
    images = (f"<figure><img src='/req/img/{n}-a.jpg' srcset='/req/img/{n}-a.jpg 1x, /req/img/{n}-a-2x.jpg 2x' "
              f"alt='photo'></figure><img class='lazy' data-src='/req/img/{n}-lazy.jpg' alt='photo'>"
              f"<noscript><img src='/req/img/{n}-lazy.jpg' alt='photo'></noscript>")
    page = article_html(n, total, rng)
    return page.replace("</head>", REQUISITES_HEAD, 1).replace("<article>", "<article>" + images, 1)


def generate_requisites(root: Path, pages: int, seed: int = 23) -> Path:
    """Pages with requisites under root/req (pages/, assets/, img/), once; the folder."""
    folder = root / "req"
    marker = root / f"generated-req-{pages}"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("pages", "assets", "img"):
        (folder / sub).mkdir(parents=True)
    rng = random.Random(seed)
    assets = folder / "assets"
    for name, size in SHARED_ASSETS.items():
        (assets / name).write_bytes(rng.randbytes(size))
    (assets / "site.css").write_text(
        "@import url(base.css);\n@font-face { font-family: Gazette; src: url(font.woff2) format('woff2'); }\n"
        "body { font-family: Gazette, serif } header { background: url(masthead.png) no-repeat }\n")
    (assets / "base.css").write_text(".icon { background: url('icons.png') } nav a { margin: 0 .5em }\n")
    (assets / "app.js").write_text("// lazy images\n" + "var x = 1;\n" * 3_000)
    for n in range(pages):
        (folder / "pages" / f"{n}.html").write_text(requisites_html(n, pages, rng), encoding="utf-8")
        for name, size in PAGE_IMAGES.items():
            (folder / "img" / f"{n}-{name}").write_bytes(rng.randbytes(size))
    marker.touch()
    return folder


def url_list(base: str, count: int, pages: int, seed: int = 11) -> list[str]:
    """``count`` distinct URLs: 90% pages, 5% 404s, 5% redirects."""
    rng = random.Random(seed)
    urls = []
    for i in range(count):
        page = i % pages
        copy = i // pages  # beyond the files: /m/COPY/N.html serves file N
        roll = rng.random()
        if roll < 0.05:
            urls.append(f"{base}/missing/{i}.html")
        elif roll < 0.10:
            urls.append(f"{base}/r/{copy}/{page}")
        elif copy:
            urls.append(f"{base}/m/{copy}/{page}.html")
        else:
            urls.append(f"{base}/pages/{page}.html")
    return urls


_PAGE_NUMBER = re.compile(r"/(?:pages|m/\d+|r/\d+)/(\d+)(?:\.html)?$")
_TITLE = re.compile(r"<title>([^<]*)</title>")


def _linked_title(root: Path, url: str) -> str | None:
    """The title of the page a workload URL serves, as a writer would quote it in the anchor."""
    number = _PAGE_NUMBER.search(url)
    if number is None:
        return None
    found = _TITLE.search((root / "pages" / f"{number.group(1)}.html").read_text(encoding="utf-8")[:2000])
    return found.group(1) if found else None


def links_article(root: Path, urls: list[str]) -> Path:
    """One article citing every URL in its text: the page a link checker is given.

    The peers are pointed at it and check what it links to; so is our crawl
    (its live body links, depth 1). Written under the served root.
    """
    path = root / f"links-{len(urls)}.html"
    rng = random.Random(len(urls))
    paragraphs = "".join(
        f"<p>{_sentence(rng)} As <a href='{url}'>{_linked_title(root, url) or 'a report that is gone'}</a> "
        f"said, {_sentence(rng).lower()}</p>\n" for url in urls)
    path.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sources of the year</title>"
        "<meta property='article:published_time' content='2024-06-01T08:00:00Z'></head><body>"
        f"<article><h1>Sources of the year</h1>{paragraphs}</article></body></html>", encoding="utf-8")
    return path


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    types {{ text/html html; text/css css; text/javascript js; image/png png; image/jpeg jpg;
             font/woff2 woff2; image/x-icon ico; }}
    default_type text/html;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        # LinkChecker waits 0.1-0.6 s between requests to a host unless the
        # host answers with this header (its opt-out for test servers).
        add_header LinkChecker unthrottled always;
        location = /robots.txt {{ return 200 "User-agent: *\\nAllow: /\\n"; }}
        rewrite ^/m/\\d+/(\\d+\\.html)$ /pages/$1 last;
        rewrite ^/r/\\d+/(\\d+)$ /pages/$1.html permanent;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, root: Path) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.root = root
        self.port = free_port()
        conf = root / "nginx.conf"
        # Started by root, nginx's workers drop to "nobody", who cannot read
        # pages in a private temporary folder: they keep our user instead.
        user = "user root root;" if os.geteuid() == 0 else ""
        conf.write_text(NGINX_CONF.format(root=root, port=self.port, user=user))
        self.proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(root)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((root / "nginx-error.log").read_text(errors="replace")) from None
                time.sleep(0.05)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
