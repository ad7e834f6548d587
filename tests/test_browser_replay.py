"""The browser's article replayed (issue 14, item 3 and its acceptance line): `scrapy crawl` with
ARCHIVER_BROWSER and ARCHIVER_REPLAY_CHECK on, over the JavaScript-built fixture of tests/browser_site.py.

Every request the page's scripts made was archived by the crawl, so its
replay through pywb in Chromium must miss nothing, ask nothing of the live
site, and look like the page the crawl's browser photographed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archiver.warc import vocab
from archiver.warc.reader import read_archives
from tests.browser_site import BrowserSite
from tests.conftest import run_crawl
from tests.pywb import pywb_bin
from tests.warc_checks import read_records

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("CI needs /usr/bin/chromium (Debian's chromium package: make test installs it)", pytrace=False)
    pytest.skip("no /usr/bin/chromium: apt-get install chromium to render pages", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser extra's playwright package is missing")
if pywb_bin() is None:
    if os.environ.get("CI"):
        pytest.fail("pywb is not installed: CI must run the replay check (make test installs it)", pytrace=False)
    pytest.skip("pywb is not installed (make test installs it into .venv-pywb)", allow_module_level=True)

# What the page's scripts and markup ask for, besides the page itself.
RESOURCES = ["/app.js", "/frame.html", "/inserted.png", "/lazy.png"]
# The two screenshots are taken the same way (archiver/warc/screenshots.py) of the same bytes:
# what differs is pywb's rewriting of them. Measured: 1.0 on this fixture.
LEAST_SIMILARITY = 0.99


def crawl_warcs(root: Path) -> list[Path]:
    return [w for w in sorted((root / "warcs").glob("*.warc.gz")) if "replay-check" not in w.name]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-replay")
    with BrowserSite() as site:
        seeds = root / "seeds"
        seeds.mkdir()
        (seeds / "bridge.md").write_text(
            f"# Harbour bridge\n\nMarch 01, 2020\n\nOriginal url: {site.url('/article.html')}\n\nThe bridge.\n",
            encoding="utf-8")
        result = run_crawl(seeds, root / "warcs", {
            "ARCHIVER_BROWSER": "True", "ARCHIVER_REPLAY_CHECK": "True", "ARCHIVER_PYWB_BIN": str(pywb_bin()),
            "ARCHIVER_REPORT_DIR": str(root / "report"), "ARCHIVER_SOFT404_PROBES": "False",
            "ARCHIVER_HISTORY_ENABLED": "False",
        }, timeout=300)
        assert result.returncode == 0, result.log[-3000:]
        report = json.loads((root / "report" / "report.json").read_text(encoding="utf-8"))
        [article] = report["articles"]
        yield site, root, article, result


def test_the_replay_of_the_javascript_built_article_misses_nothing(crawl) -> None:
    site, root, article, result = crawl
    replay = article["replay_check"]
    assert article["replay_unavailable"] is None and replay["not_judged"] is None, replay
    assert replay["missing"] == [] and replay["escaped"] == [] and replay["complete"], replay
    assert sorted(replay["archived"]) == sorted(site.url(p) for p in RESOURCES)
    # Each asked of the site once (the browser was answered by the spider's requisite fetches)…
    assert all(site.requests[p] == 1 for p in ["/article.html", *RESOURCES]), site.requests
    # …and every request the site counted is one the crawl archived: the replay asked it nothing.
    responses = Counter(urlsplit(r["uri"]).path for warc in crawl_warcs(root) for r in read_records(warc)
                        if r["type"] == "response")
    assert site.requests == responses, (site.requests, responses)
    assert "Replay check: 1 articles, 4 resources archived, 0 missing in replay" in result.log


def test_the_replays_screenshot_is_archived_and_looks_like_the_crawls(crawl) -> None:
    site, root, article, _ = crawl
    url = site.url("/article.html")
    rendering = article["rendering"]
    assert rendering["replay_similarity_unavailable"] is None, rendering
    print(f"replay's screenshot against the crawl's: pixel similarity {rendering['replay_similarity']}")
    assert rendering["replay_similarity"] >= LEAST_SIMILARITY
    shot = rendering["replay_screenshot"]
    assert shot["uri"] == vocab.REPLAY_SCREENSHOT_URN + url and "replay-check" in shot["file"]
    recs = read_records(root / "warcs" / shot["file"])
    [check] = [r for r in recs if r["uri"] == vocab.replay_check_uri(url)]
    photographs = [r for r in recs if r["type"] == "resource"]
    assert {r["uri"] for r in photographs} == {vocab.REPLAY_SCREENSHOT_URN + url, vocab.REPLAY_THUMBNAIL_URN + url}
    assert {r["rec_headers"].get_header("WARC-Concurrent-To") for r in photographs} == {
        check["rec_headers"].get_header("WARC-Record-ID")}
    index = read_archives(sorted((root / "warcs").glob("*.warc.gz")))
    assert index.problems == []
    html = (root / "report" / "report.html").read_text(encoding="utf-8")
    assert html.count('<img class="thumb" src="data:image/jpeg;base64,') == 2  # the crawl's and the replay's
    assert f"pixel similarity with the crawl's screenshot: {rendering['replay_similarity']:.1%}" in html
