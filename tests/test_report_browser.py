"""report.html in a real browser (issue 12, item 1): readable at 1400 × 900, and no script runs.

A crawl of the fixture site's article of every status (21+ links), its report
opened in Debian's chromium driven by Playwright (never `playwright install`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import run_crawl
from tests.site import STATUS_ARTICLE_PATH

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("CI needs /usr/bin/chromium (Debian's chromium package: make test installs it)",
                    pytrace=False)
    pytest.skip("no /usr/bin/chromium: apt-get install chromium to render report.html", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras' playwright package is missing")


@pytest.fixture(scope="module")
def report_html(site, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "statuses.md").write_text(
        f"# Statuses of everything\n\nMarch 01, 2020\n\nOriginal url: {site.url(STATUS_ARTICLE_PATH)}\n",
        encoding="utf-8",
    )
    run_crawl(seeds, root / "warcs", {"ARCHIVER_RETRY_BACKOFF": "0.1", "REDIRECT_MAX_TIMES": "3",
                                      "ARCHIVER_HISTORY_ENABLED": "False",
                                      "ARCHIVER_REPORT_DIR": str(root / "report")})
    return root / "report" / "report.html"


@pytest.fixture(scope="module")
def page(report_html):
    messages: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, java_script_enabled=False)
        tab = context.new_page()
        tab.on("console", lambda message: messages.append(message.text))
        tab.on("pageerror", lambda error: messages.append(str(error)))
        tab.goto(report_html.as_uri())
        yield tab, messages
        context.close()
        browser.close()


def test_the_report_is_readable_at_1400_px(report_html, page) -> None:
    tab, messages = page
    # The page's own scripts are off (and forbidden by its CSP); Playwright's evaluate measures it.
    links = tab.locator("table.links tbody tr").count()
    assert links >= 20, links
    height = tab.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, f"the page is {height} px tall"
    columns = tab.evaluate("""() => Array.from(document.querySelectorAll('table th')).map(th => {
        const range = document.createRange(); range.selectNodeContents(th);
        return [th.closest('table').className, th.textContent, th.getBoundingClientRect().width,
                range.getBoundingClientRect().width];
    })""")
    for table, header, width, text_width in columns:
        assert width >= text_width, f"{table} column {header!r} is {width} px, its header {text_width} px"
    urls = [width for table, header, width, _ in columns if header == "URL" and table == "links"]
    assert urls and min(urls) >= 300, urls
    print(f"page height {height} px; links table columns:",
          {header: round(width) for table, header, width, _ in columns if table == "links"})
    # The first screen shows the counts of dead links and of links dated after their article.
    first_screen = tab.evaluate("""() => Array.from(document.querySelectorAll('ul.counts li'))
        .filter(li => li.getBoundingClientRect().bottom <= 900).map(li => li.textContent)""")
    assert any(re.fullmatch(r"\d+dead links", text) for text in first_screen), first_screen
    assert any(re.fullmatch(r"\d+links dated after their article", text) for text in first_screen), first_screen
    assert messages == []


def test_no_script_runs(report_html, page) -> None:
    tab, messages = page
    html = report_html.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    # A script slipped into the page would be refused: the CSP allows none.
    csp = tab.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert "script-src 'none'" in [d.strip() for d in csp.split(";")]
    assert tab.evaluate("document.scripts.length") == 0
    assert messages == []
