"""Soft-404 probes: one per host and URL shape.

The crawl's plan (archiver.crawl.probes) and the analysis's lookup of a
link's probe (url_shape) must agree: the analysis finds each link's probe
from the archived probe URL alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.analysis.health import url_shape
from archiver.crawl.probes import ProbePlan, sibling_probe
from archiver.seeds.model import Article, ArticleLink
from archiver.warc.reader import read_archives
from tests.test_analyse_inprocess import NOT_FOUND_TEXT
from tests.warcs import WarcBuilder, html_page

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(("a", "b"), [
    ("https://news.example/2024/05/12/talks", "https://news.example/2024/05/13/other-story"),
    ("https://news.example/2024/05/12/talks", "https://news.example/1999/12/31/old"),
    ("http://site.example/story-118/a", "http://site.example/story-907/b"),
    ("http://site.example/a/b", "http://SITE.example/a/c?x=1"),
    ("http://site.example/top", "http://site.example/other"),
    ("http://site.example", "http://site.example/index.html"),
])
def test_folders_that_differ_only_in_digits_share_a_shape(a: str, b: str) -> None:
    assert url_shape(a) == url_shape(b)


@pytest.mark.parametrize(("a", "b"), [
    ("https://news.example/2024/05/12/talks", "https://other.example/2024/05/12/talks"),
    ("https://news.example:8080/2024/05/12/talks", "https://news.example/2024/05/12/talks"),
    ("https://news.example/2024/05/12/talks", "https://news.example/2024/05/talks"),
    ("https://news.example/news/talks", "https://news.example/sport/talks"),
    ("https://news.example/story-1/a", "https://news.example/story-a/a"),
    ("https://news.example/a/b", "https://news.example/a/b/c"),
])
def test_other_hosts_and_folders_have_other_shapes(a: str, b: str) -> None:
    assert url_shape(a) != url_shape(b)


def test_a_probe_is_a_random_letters_only_name_in_the_pages_folder() -> None:
    page = "https://news.example/2024/05/12/talks?ref=home"
    probe, other = sibling_probe(page), sibling_probe(page)
    assert probe != other
    assert probe.startswith("https://news.example/2024/05/12/")
    name = probe.rsplit("/", 1)[1]
    assert len(name) == 20 and name.isalpha()
    assert url_shape(probe) == url_shape(page)


def test_one_probe_per_host_and_shape() -> None:
    plan = ProbePlan()
    [probe] = plan.page_answered("https://news.example/2024/05/12/talks", 1)
    assert url_shape(probe.url) == url_shape("https://news.example/2024/05/12/talks")
    assert probe.depth == 1
    # Another day of the same site: the same shape, no probe, whatever the first answered.
    assert plan.page_answered("https://news.example/2024/05/13/budget", 1) == []
    # Another host, and another shape of the same host: their own probes.
    assert len(plan.page_answered("https://other.example/2024/05/13/budget", 0)) == 1
    [section] = plan.page_answered("https://news.example/sport/match", 0)
    assert section.url.startswith("https://news.example/sport/") and section.depth == 0


def test_a_daily_site_needs_one_probe_however_many_days() -> None:
    plan = ProbePlan()
    sent = []
    for day in range(1, 29):
        for n in range(3):
            sent += plan.page_answered(f"https://daily.example/2024/02/{day:02d}/story-{n}", 1)
    assert len(sent) == 1


def test_the_analysis_finds_a_links_probe_by_its_shape(tmp_path: Path) -> None:
    """A soft 404 on another day of a dated site is judged by the one probe its shape had."""
    article = "http://news.example/2020/03/01/talks"
    missing = "http://site.example/2020/02/11/missing-story"  # answers 200 with a "not found" page
    live = "http://site.example/2020/02/12/real-story"
    other_site = "http://other.example/2020/02/11/missing-story"  # no probe on its host
    probe = "http://site.example/2020/02/10/qwertyuiopasdfghjklz"  # the crawl probed another day
    with WarcBuilder(tmp_path) as warc:
        warc.response(article, html_page("Talks", ["The talks go on."]))
        warc.response(missing, html_page("Page not found", NOT_FOUND_TEXT))
        warc.response(live, html_page("The real story", ["Prices rose in the first quarter, the report says."]))
        warc.response(other_site, html_page("Page not found", NOT_FOUND_TEXT))
        warc.response(probe, html_page("Page not found", NOT_FOUND_TEXT), probe=True)
        warc.article(Article(url=article, links=(
            ArticleLink(missing, "The missing story"), ArticleLink(live, "The real story"),
            ArticleLink(other_site, "The other story"))))
    report = analyse(read_archives([warc.close()]), options=AnalysisOptions(workers=1))
    links = {link.url: link for link in report.articles[0].links}
    assert links[missing].status == "soft_404"
    assert probe in (links[missing].detail or "")
    assert links[live].status == "ok"
    assert links[other_site].status == "ok"  # another host: its shape has no probe
