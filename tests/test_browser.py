"""Browser capture through Scrapy (issue 14): `scrapy crawl` with ARCHIVER_BROWSER on.

The fixture article (tests/browser_site.py) is built by JavaScript: its text
and one image written by a gzip-encoded script, an iframe added by it, and a
lazy image far below the fold loaded by an IntersectionObserver. A second
article polls its server forever and never settles. Debian's chromium,
driven by Playwright (never `playwright install`).
"""

from __future__ import annotations

import io
import json
import os
import struct
from pathlib import Path

import pytest

from tests.browser_site import (
    APP_JS_GZIP,
    ARTICLE,
    FRAME,
    INSERTED_PNG,
    LAZY_PNG,
    PARAGRAPHS,
    RESOURCES,
    TITLE,
    BrowserSite,
)
from tests.conftest import run_crawl
from tests.warc_checks import raw_payload, read_records, warcio_check

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("CI needs /usr/bin/chromium (Debian's chromium package: make test installs it)", pytrace=False)
    pytest.skip("no /usr/bin/chromium: apt-get install chromium to render pages", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser extra's playwright package is missing")
Image = pytest.importorskip("PIL.Image", reason="the test extras' pillow package compares screenshots")
ImageChops = pytest.importorskip("PIL.ImageChops", reason="the test extras' pillow package compares screenshots")

BROWSER_TIMEOUT = 5  # seconds: the busy page is cut off after this
# A page whose script asks its server for news every 200 ms, for ever: its network never goes quiet.
# After a second it tries to go to another page, which the browser must not let it do.
BUSY = (b"<!doctype html><html><head><title>Live blog</title></head><body><h1>Live blog</h1>"
        b"<p>The live blog of the day, updated as the news comes in from the harbour and the town hall.</p>"
        b"<script>let n = 0; setInterval(() => fetch('/poll?n=' + (n++)), 200);"
        b"setTimeout(() => { location.href = '/elsewhere.html'; }, 1000);</script></body></html>")
SUBRESOURCES = ["/app.js", "/frame.html", "/inserted.png", "/lazy.png"]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-crawl")
    resources = {**RESOURCES, "/busy.html": ("text/html; charset=utf-8", BUSY, {}),
                 "/poll": ("application/json", b"{}", {})}
    with BrowserSite(resources) as site:
        seeds = root / "seeds"
        seeds.mkdir()
        (seeds / "bridge.md").write_text(
            f"# {TITLE}\n\nMarch 01, 2020\n\nOriginal url: {site.url('/article.html')}\n\n"
            + "\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
        (seeds / "busy.md").write_text(
            f"# Live blog\n\nMarch 01, 2020\n\nOriginal url: {site.url('/busy.html')}\n\n"
            "The live blog of the day, updated as the news comes in.\n", encoding="utf-8")
        result = run_crawl(seeds, root / "warcs", {
            "ARCHIVER_BROWSER": "True", "ARCHIVER_BROWSER_TIMEOUT": str(BROWSER_TIMEOUT),
            "ARCHIVER_REPORT_DIR": str(root / "report"), "ARCHIVER_SOFT404_PROBES": "False",
        })
        yield result, site, root


@pytest.fixture(scope="module")
def records(crawl):
    result, _, _ = crawl
    assert result.returncode == 0, result.log[-3000:]
    [warc] = result.warcs
    assert warcio_check(warc).returncode == 0
    return warc, read_records(warc)


def _response(records, url: str) -> list[dict]:
    return [r for r in records if r["type"] == "response" and r["uri"] == url]


def test_every_request_of_the_browser_is_archived_once_with_the_bytes_the_server_sent(crawl, records) -> None:
    _, site, _ = crawl
    warc, recs = records
    for path in ["/article.html", *SUBRESOURCES]:
        assert site.requests[path] == 1, (path, site.requests)  # the page itself is not fetched twice
        assert len(_response(recs, site.url(path))) == 1, path
    sent = {"/article.html": ARTICLE, "/app.js": APP_JS_GZIP, "/frame.html": FRAME,
            "/inserted.png": INSERTED_PNG, "/lazy.png": LAZY_PNG}
    for path, body in sent.items():
        [record] = _response(recs, site.url(path))
        head, stored = raw_payload(warc, record["offset"])
        assert stored == body, path
    [script] = _response(recs, site.url("/app.js"))
    assert script["http_headers"].get_header("Content-Encoding") == "gzip"
    assert raw_payload(warc, script["offset"])[1][:2] == b"\x1f\x8b"  # still gzip in the WARC
    # The requisites went through the downloader like any request: ours is the User-Agent they carry.
    requests = [r for r in recs if r["type"] == "request" and r["uri"] == site.url("/lazy.png")]
    assert requests and "news-archiver/" in requests[0]["http_headers"].get_header("User-Agent")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _rendered_by_the_test(url: str) -> bytes:
    """The fixture as Chromium shows it when nothing stands between it and the server."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url, wait_until="load")
            page.evaluate("async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) {"
                          " window.scrollTo(0, y); await new Promise(r => setTimeout(r, 100)); }"
                          " window.scrollTo(0, 0); }")
            page.wait_for_function("document.getElementById('lazy').complete "
                                   "&& document.getElementById('lazy').naturalWidth > 0")
            page.wait_for_load_state("networkidle")
            return page.screenshot(full_page=True, type="png")
        finally:
            browser.close()


def test_the_screenshot_is_a_png_of_the_rendered_page_linked_to_its_response(crawl, records) -> None:
    _, site, _ = crawl
    _, recs = records
    url = site.url("/article.html")
    [response] = _response(recs, url)
    response_id = response["rec_headers"].get_header("WARC-Record-ID")
    evidence = {r["uri"]: r for r in recs if r["type"] == "resource" and r["uri"].endswith(url)}
    shot = evidence[f"urn:archiver:screenshot:{url}"]
    thumb = evidence[f"urn:archiver:thumbnail:{url}"]
    dom = evidence[f"urn:archiver:rendered-dom:{url}"]
    for record, media_type in ((shot, "image/png"), (thumb, "image/jpeg"), (dom, "text/html")):
        assert record["rec_headers"].get_header("WARC-Concurrent-To") == response_id
        assert record["rec_headers"].get_header("Content-Type").startswith(media_type)
    # The DOM is the one scripts built: the text, the inserted image, the iframe and the lazy image's source.
    html = dom["payload"].decode("utf-8")
    assert PARAGRAPHS[2] in html and 'src="/inserted.png"' in html and 'src="/frame.html"' in html
    assert 'id="lazy" data-src="/lazy.png"' in html and 'src="/lazy.png"' in html

    ours = shot["payload"]
    width, height = _png_size(ours)
    reference = _rendered_by_the_test(url)
    assert (width, height) == _png_size(reference)
    assert width == 1280 and height > 2400  # the full page, not the first screen
    a = Image.open(io.BytesIO(ours)).convert("RGB")
    b = Image.open(io.BytesIO(reference)).convert("RGB")
    red, green, blue_band = ImageChops.difference(a, b).split()
    worst = ImageChops.lighter(ImageChops.lighter(red, green), blue_band)  # the largest channel difference
    similarity = sum(worst.histogram()[:17]) / (width * height)  # pixels within 16 of 255 per channel
    print(f"screenshot {width}x{height}, pixel similarity with the test's rendering {similarity:.4f}")
    assert similarity >= 0.99
    # The lazy image is in the picture: its blue, 300 × 150 px, below the 2400 px spacer.
    colours = a.crop((0, 2400, width, height)).getcolors(maxcolors=1 << 20) or []
    blue = sum(count for count, colour in colours if colour == (40, 40, 200))
    assert blue >= 0.9 * 300 * 150, blue
    assert Image.open(io.BytesIO(thumb["payload"])).size == (320, 200)


def test_the_report_compares_the_seed_with_the_text_scripts_wrote(crawl, records) -> None:
    _, site, root = crawl
    report = json.loads((root / "report" / "report.json").read_text(encoding="utf-8"))
    [article] = [a for a in report["articles"] if a["url"] == site.url("/article.html")]
    assert article["text_verdict"] == "unchanged" and article["text_similarity"] >= 0.95, article
    rendering = article["rendering"]
    assert rendering["text_from"] == "rendered_dom" and rendering["failures"] == []
    warc, _ = records
    assert rendering["screenshot"]["uri"] == f"urn:archiver:screenshot:{site.url('/article.html')}"
    assert rendering["screenshot"]["file"] == warc.name
    html = (root / "report" / "report.html").read_text(encoding="utf-8")
    assert html.count('<img class="thumb" src="data:image/jpeg;base64,') == 2  # both pages have a screenshot
    assert "img-src data:" in html


def test_a_page_that_never_settles_is_a_finding_and_the_crawl_goes_on(crawl, records) -> None:
    result, site, root = crawl
    _, recs = records
    url = site.url("/busy.html")
    [failure] = [r for r in recs if r["uri"] == f"urn:archiver:browser:{url}"]
    assert failure["type"] == "metadata"
    fields = failure["payload"].decode()
    assert "browser-failure: unsettled" in fields and "ARCHIVER_BROWSER_TIMEOUT" in fields
    assert site.requests["/poll"] >= 3
    report = json.loads((root / "report" / "report.json").read_text(encoding="utf-8"))
    [article] = [a for a in report["articles"] if a["url"] == url]
    assert [f["kind"] for f in article["rendering"]["failures"]] == ["unsettled"]
    assert article["rendering"]["screenshot"] is not None  # rendered as it was at the limit
    assert site.requests["/elsewhere.html"] == 0  # it never navigated away
    [dom] = [r for r in recs if r["uri"] == f"urn:archiver:rendered-dom:{url}"]
    assert b"<h1>Live blog</h1>" in dom["payload"]
    assert "Browser: unsettled" in result.log


def test_a_browser_that_will_not_start_is_a_finding_for_each_page_and_the_crawl_goes_on(tmp_path) -> None:
    # An executable that is no Chromium: every launch fails, as a crashed browser's relaunch would.
    not_a_browser = tmp_path / "chromium"
    not_a_browser.write_text("#!/bin/sh\nexit 1\n")
    not_a_browser.chmod(0o755)
    with BrowserSite() as site:
        seeds = tmp_path / "seeds"
        seeds.mkdir()
        (seeds / "bridge.md").write_text(f"# {TITLE}\n\nOriginal url: {site.url('/article.html')}\n\n"
                                         + "\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
        result = run_crawl(seeds, tmp_path / "warcs", {
            "ARCHIVER_BROWSER": "True", "ARCHIVER_CHROMIUM": str(not_a_browser),
            "ARCHIVER_REPORT_DIR": str(tmp_path / "report"), "ARCHIVER_SOFT404_PROBES": "False"})
    assert result.returncode == 0, result.log[-3000:]
    [warc] = result.warcs
    recs = read_records(warc)
    url = site.url("/article.html")
    assert len(_response(recs, url)) == 1  # the page is archived all the same
    [failure] = [r for r in recs if r["uri"] == f"urn:archiver:browser:{url}"]
    assert "browser-failure: crash" in failure["payload"].decode()
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    [article] = report["articles"]
    assert article["rendering"]["screenshot"] is None
    assert [f["kind"] for f in article["rendering"]["failures"]] == ["crash"]
    # Without the rendering, the headline alone is what the seed is compared with, and says so.
    assert article["rendering"]["text_from"] == "html" and article["text_verdict"] == "different_page"


def test_a_page_that_does_not_load_in_time_is_a_finding_rendered_as_it_was(tmp_path) -> None:
    # An image that takes 6 s holds the load event past the browser's 2 s (Scrapy would wait 10 s for it).
    page = (b"<!doctype html><html><head><title>Slow</title></head><body><h1>Slow page</h1>"
            b"<p>Its picture is slow to come.</p><img src='/slow.png' width='10' height='10'></body></html>")
    resources = {**RESOURCES, "/slow.html": ("text/html; charset=utf-8", page, {}),
                 "/slow.png": ("image/png", LAZY_PNG, {})}
    with BrowserSite(resources, delays={"/slow.png": 6}) as site:
        seeds = tmp_path / "seeds"
        seeds.mkdir()
        (seeds / "urls.txt").write_text(site.url("/slow.html") + "\n", encoding="utf-8")
        # Requisites off: the image is the browser's own download, asked for when the page loads.
        # Fetched as a requisite it would be on its way before Chromium started (4 s on a busy
        # machine), and the browser, answered by that fetch, could see it come within its 2 s.
        result = run_crawl(seeds, tmp_path / "warcs", {
            "ARCHIVER_BROWSER": "True", "ARCHIVER_BROWSER_TIMEOUT": "2", "DOWNLOAD_TIMEOUT": "10",
            "ARCHIVER_REQUISITES": "none",
            "ARCHIVER_REPORT_DIR": str(tmp_path / "report"), "ARCHIVER_SOFT404_PROBES": "False"})
    assert result.returncode == 0, result.log[-3000:]
    recs = read_records(result.warcs[0])
    url = site.url("/slow.html")
    [failure] = [r for r in recs if r["uri"] == f"urn:archiver:browser:{url}"]
    assert "browser-failure: timeout" in failure["payload"].decode()
    assert [r for r in recs if r["uri"] == f"urn:archiver:screenshot:{url}"]  # the page as it was at the limit
    # The slow image still reached the crawl, which archived it when it came.
    assert len(_response(recs, site.url("/slow.png"))) == 1
