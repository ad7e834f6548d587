"""The replay check (issue 13, item 3): archived articles through a real pywb in Debian's chromium.

The WARCs hold what a counting test server sends (built with WarcBuilder, so
the archived URLs are that server's); during replay the server must count no
hit: nothing reaches the "live web". A second server on another loopback
address is a host the archive holds nothing of.
"""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.seeds import Article
from archiver.warc.reader import read_archives
from tests.conftest import run_crawl
from tests.pywb import pywb_bin
from tests.warc_checks import without
from tests.warcs import WarcBuilder, html_page

CHROMIUM = Path("/usr/bin/chromium")
# A 1 × 1 PNG: the browser decodes what it is given.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("CI needs /usr/bin/chromium (Debian's chromium package)", pytrace=False)
    pytest.skip("no /usr/bin/chromium: apt-get install chromium to run the replay check", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the test extras' playwright package is missing")
if pywb_bin() is None:
    if os.environ.get("CI"):
        pytest.fail("pywb is not installed: CI must run the replay check (make test installs it)", pytrace=False)
    pytest.skip("pywb is not installed (make test installs it into .venv-pywb)", allow_module_level=True)


class CountingServer:
    """Serves fixed bodies on one loopback address and counts every request it gets."""

    def __init__(self, host: str, pages: dict[str, tuple[str, bytes]]) -> None:
        self.pages, self.hits = pages, []
        self.agents: list[str] = []  # the User-Agent of each hit
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                owner.hits.append(self.path)
                owner.agents.append(self.headers.get("User-Agent", ""))
                content_type, body = owner.pages.get(self.path, ("text/plain", b"not here"))
                self.send_response(200 if self.path in owner.pages else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def servers():
    other = CountingServer("127.0.0.2", {"/elsewhere.png": ("image/png", PNG), "/framed.png": ("image/png", PNG)})
    article = html_page("Story", ["Text."], more_html=(
        '<link rel="stylesheet" href="/style.css"><img src="/photo.png" alt="photo">'
        '<script src="/app.js"></script>'))
    abroad = html_page("Abroad", ["Text."], more_html=(
        f'<img src="{other.base}/elsewhere.png" alt="elsewhere">'
        # pywb's rewriting does not reach into srcdoc: the frame's image would leave the replay.
        f'<iframe srcdoc="&lt;img src={other.base}/framed.png&gt;"></iframe>'
        # Nor does routing see WebSockets: they are routed apart.
        f'<iframe srcdoc="&lt;script&gt;new WebSocket(\'{other.base.replace("http", "ws")}/socket\')&lt;/script&gt;">'
        '</iframe>'))
    site = CountingServer("127.0.0.1", {
        "/story": ("text/html; charset=utf-8", article),
        "/abroad": ("text/html; charset=utf-8", abroad),
        "/style.css": ("text/css", b"body { background: url(/background.png) }"),
        "/photo.png": ("image/png", PNG),
        "/background.png": ("image/png", PNG),
        "/app.js": ("application/javascript", b"document.title = document.title + ' (scripted)';"),
    })
    yield site, other
    site.close()
    other.close()


def fetch(url: str) -> tuple[str, bytes]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers["Content-Type"], response.read()


@pytest.fixture(scope="module")
def archive(servers, tmp_path_factory) -> Path:
    """The bytes the site sent, archived as the crawl archives them, with an article record per page."""
    site, _ = servers
    folder = tmp_path_factory.mktemp("replay-warcs")
    with WarcBuilder(folder) as warc:
        for path in ("/story", "/abroad", "/style.css", "/photo.png", "/background.png", "/app.js"):
            content_type, body = fetch(site.base + path)
            warc.response(site.base + path, body, content_type=content_type)
        warc.article(Article(url=site.base + "/story", title="Story"))
        warc.article(Article(url=site.base + "/abroad", title="Abroad"))
    site.hits.clear()
    return warc.close()


def replay_check(args: list[str], tmp_path: Path, capsys) -> tuple[int, dict, str]:
    output = tmp_path / "replay.json"
    status = main(["replay-check", *args, "--json", "-o", str(output), "--pywb-bin", str(pywb_bin())])
    err = capsys.readouterr().err
    results = json.loads(output.read_text()) if output.exists() else {}
    return status, {a["url"]: a for a in results.get("articles", [])}, err


@pytest.fixture(scope="module")
def checked(archive, servers, tmp_path_factory):
    site, other = servers
    tmp = tmp_path_factory.mktemp("replay-check")
    output = tmp / "replay.json"
    status = main(["replay-check", str(archive), "--json", "-o", str(output), "--pywb-bin", str(pywb_bin())])
    return status, {a["url"]: a for a in json.loads(output.read_text())["articles"]}, list(site.hits), \
        list(other.hits)


def test_an_archived_article_replays_whole_and_nothing_reaches_the_live_site(checked, servers) -> None:
    status, articles, site_hits, _ = checked
    site, _ = servers
    story = articles[site.base + "/story"]
    assert story["error"] is None
    assert story["missing"] == [] and story["escaped"] == []
    # The stylesheet, the image, the script, and the background image the stylesheet asks for.
    assert sorted(story["archived"]) == sorted(site.base + p for p in
                                               ("/style.css", "/photo.png", "/app.js", "/background.png"))
    assert story["timestamp"] == "20261122103015"
    assert site_hits == [], "the replay reached the live site"
    assert status == 1  # the other article misses resources


def test_a_resource_on_another_host_is_missing_and_a_request_leaving_pywb_is_blocked(checked, servers) -> None:
    _, articles, _, other_hits = checked
    site, other = servers
    abroad = articles[site.base + "/abroad"]
    assert [(m["url"], m["status"], m["why"]) for m in abroad["missing"]] == [
        (other.base + "/elsewhere.png", 404, "not in the archive")]
    assert sorted(abroad["escaped"]) == [other.base + "/framed.png", other.base.replace("http", "ws") + "/socket"]
    assert other_hits == [], "the replay reached another host"


def test_an_image_removed_from_the_warc_is_named_missing(archive, servers, tmp_path, capsys) -> None:
    site, _ = servers
    photo = site.base + "/photo.png"
    copy = without(archive, photo, tmp_path / "copy.warc.gz")
    assert read_archives([copy]).capture(photo) is None and read_archives([copy]).capture(site.base + "/story")
    status, articles, err = replay_check([str(copy), "--url", site.base + "/story", "--max-pages", "1",
                                          "--warc-dir", str(tmp_path / "results")], tmp_path, capsys)
    story = articles[site.base + "/story"]
    assert [(m["url"], m["why"]) for m in story["missing"]] == [(photo, "not in the archive")]
    assert photo not in story["archived"] and site.base + "/style.css" in story["archived"]
    # --max-pages 1: the second article is listed, and says why it was not opened.
    assert "at most 1 pages" in articles[site.base + "/abroad"]["error"]
    assert status == 1
    assert err.strip().splitlines()[-1].startswith("Replay check: 2 articles")
    assert site.hits == []
    # --warc-dir: the results as records an audit reads back, per article.
    [results] = (tmp_path / "results").glob("*.warc.gz")
    index = read_archives([copy, results])
    assert [m.url for m in index.replay_check(site.base + "/story").missing] == [photo]
    assert index.replay_check(site.base + "/abroad").error.startswith("not checked")


def test_the_text_report_says_per_article(archive, servers, tmp_path, capsys) -> None:
    site, _ = servers
    status = main(["replay-check", str(archive), "--url", site.base + "/story", "--max-pages", "1",
                   "--pywb-bin", str(pywb_bin())])
    out = capsys.readouterr().out
    assert f"{site.base}/story (20261122103015): 4 archived, 0 missing, 0 escaped" in out
    assert f"{site.base}/abroad (20261122103015): 0 archived, 0 missing, 0 escaped\n  not judged: not checked" in out
    assert status == 1


@pytest.mark.parametrize("content", [b"", b"not a WARC at all\n" * 10])
def test_unreadable_input_is_one_line_and_exit_2(content, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(content)
    assert main(["replay-check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "bad.warc.gz" in err and "Traceback" not in err


def test_unusable_arguments_are_one_line_and_exit_2(archive, tmp_path, capsys) -> None:
    fake_wacz = tmp_path / "crawl.wacz"
    fake_wacz.write_bytes(b"not a zip")
    cases = [
        ([str(tmp_path / "nothing-here")], "no such file or folder"),
        ([str(fake_wacz)], "not a readable WACZ"),
        ([str(archive), "--pywb-bin", str(tmp_path)], "make .venv-pywb/.installed"),
        ([str(archive), "--chromium", str(tmp_path / "no-chromium")], "apt-get install chromium"),
        # A Chromium that does not start (here a program that exits at once).
        ([str(archive), "--chromium", "/bin/false", "--pywb-bin", str(pywb_bin())], "apt-get install chromium"),
        ([str(archive), "--timeout", "0"], "--timeout"),
        ([str(archive), "-o", str(tmp_path / "no-folder" / "replay.json")], "its folder does not exist"),
        ([str(archive), "--warc-dir", str(fake_wacz)], "is a file"),
        ([str(archive), str(fake_wacz)], "one .wacz file alone"),
    ]
    for args, message in cases:
        assert main(["replay-check", *args]) == 2, args
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err, (args, err)


def test_a_warc_without_article_records_asks_for_urls(tmp_path, capsys) -> None:
    with WarcBuilder(tmp_path) as warc:
        warc.response("http://news.example/story", html_page("Story"))
    assert main(["replay-check", str(warc.path)]) == 2
    assert "--url" in capsys.readouterr().err


def test_a_wacz_is_checked_from_its_warcs(archive, servers, tmp_path, capsys) -> None:
    import zipfile

    site, _ = servers
    wacz = tmp_path / "crawl.wacz"
    with zipfile.ZipFile(wacz, "w") as package:
        package.write(archive, f"archive/{archive.name}")
    status, articles, _ = replay_check([str(wacz), "--max-pages", "1"], tmp_path, capsys)
    assert articles[site.base + "/story"]["missing"] == [] and len(articles[site.base + "/story"]["archived"]) == 4
    assert status == 1  # the second page was not checked (--max-pages 1)


def crawl_with_replay_check(site: CountingServer, root: Path, settings: dict[str, str]):
    seeds = root / "seeds"
    seeds.mkdir()
    # The resources are the seed's links too: archived at depth 1 whether or not
    # the crawl fetches page requisites.
    (seeds / "story.md").write_text(
        f"# Story\n\nMarch 01, 2020\n\nOriginal url: {site.base}/story\n\n"
        + "".join(f"[{p}]({site.base}{p})\n\n" for p in ("/style.css", "/photo.png", "/app.js", "/background.png")),
        encoding="utf-8")
    result = run_crawl(seeds, root / "warcs", {"ARCHIVER_HISTORY_ENABLED": "False", "ARCHIVER_REPLAY_CHECK": "True",
                                               "ARCHIVER_REPORT_DIR": str(root / "report"), **settings})
    report = json.loads((root / "report" / "report.json").read_text())
    return result, report


def test_a_crawl_checks_its_articles_replay_and_keeps_the_result_in_its_archive(servers, tmp_path) -> None:
    site, _ = servers
    result, report = crawl_with_replay_check(site, tmp_path, {"ARCHIVER_PYWB_BIN": str(pywb_bin())})
    assert result.returncode == 0, result.log[-3000:]
    [article] = report["articles"]
    replay = article["replay_check"]
    assert article["replay_unavailable"] is None and replay["not_judged"] is None, replay
    assert replay["missing"] == [] and replay["escaped"] == [] and replay["complete"]
    assert sorted(replay["archived"]) == sorted(site.base + p for p in
                                                ("/style.css", "/photo.png", "/app.js", "/background.png"))
    browsers = [agent for agent in site.agents if "Chrome" in agent]
    assert browsers == [], "the replay reached the live site"
    # The result is in the archive: an audit of the folder reports it again.
    checks = read_archives(list((tmp_path / "warcs").glob("*.warc.gz"))).replay_checks
    assert [c.result.url for c in checks] == [site.base + "/story"]
    assert "Replay check: 1 articles, 4 resources archived, 0 missing in replay" in result.log
    assert "Replay: 1 of 1 articles checked; 0 resources missing in replay" in result.log
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "- **Replay:** 4 resources archived, 0 missing in replay, 0 requests leaving the replay server" in markdown


def test_a_crawl_whose_replay_check_cannot_run_says_so_per_article(servers, tmp_path) -> None:
    site, _ = servers
    result, report = crawl_with_replay_check(site, tmp_path, {"ARCHIVER_PYWB_BIN": str(tmp_path / "no-pywb")})
    assert result.returncode == 0, result.log[-3000:]
    assert "Replay check could not run: no pywb in" in result.log
    [article] = report["articles"]
    assert article["replay_check"]["not_judged"].startswith("the replay check could not run: no pywb in")
    assert "make .venv-pywb/.installed" in article["replay_check"]["not_judged"]
    html = (tmp_path / "report" / "report.html").read_text()
    assert "the replay check could not run" in html


def test_a_page_that_never_settles_is_cut_at_the_timeout_and_says_so(tmp_path, capsys) -> None:
    busy = "http://news.example/busy"
    poll = "<script>setInterval(function () { fetch('/poll?' + Math.random()); }, 100);</script>"
    with WarcBuilder(tmp_path) as warc:
        warc.response(busy, html_page("Busy", ["Text."], more_html=poll))
    started = time.monotonic()
    status, articles, _ = replay_check([str(warc.path), "--url", busy, "--timeout", "3"], tmp_path, capsys)
    assert time.monotonic() - started < 60
    error = articles[busy]["error"]
    assert error.startswith("the replayed page was still loading after 3 s"), error
    assert articles[busy]["missing"] and all(m["url"].startswith("http://news.example/poll?")
                                             for m in articles[busy]["missing"])
    assert status == 1
