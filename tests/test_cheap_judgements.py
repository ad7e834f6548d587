"""A linked page is judged from its markup; trafilatura's main text only where a judgement reads it.

The main-text extraction is most of a page's cost. A link needs its
page's titles and date (markup and the date pass); only an article and the
two sides of a soft-404 comparison (a link's page and its probe's) need the
text. The cheap reading must give those facts to the byte.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from string import Template

import pytest
import trafilatura

from archiver.analysis import extract
from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.analysis.extract import page_facts_and_links
from archiver.warc.reader import read_archives
from tests.test_analyse_inprocess import ARTICLE, SOFT, SOFT_PROBE, build_archive
from tests.warcs import html_page

pytestmark = pytest.mark.fast

FIXTURES = Path(__file__).resolve().parent / "analysis_fixtures"
NEWS_PAGE = Template((FIXTURES / "news_page.html").read_text(encoding="utf-8"))
PAGES = {
    "the news page": NEWS_PAGE.substitute(head="", byline=""),
    "dated by meta": NEWS_PAGE.substitute(
        head='<meta property="article:published_time" content="2020-02-06T10:00:00Z">', byline=""),
    "dated by a byline": NEWS_PAGE.substitute(head="", byline="<p class='byline'>February 6, 2020</p>"),
    "titles that differ": '<html><head><title>Home | Site</title><meta property="og:title" content="The og title">'
                          "</head><body><h1>The real headline</h1><p>Some text of the page.</p></body></html>",
    "JSON-LD": html_page("Budget plan", ["The council met."], published="2021-01-15").decode(),
    "junk": "<<<>>> not a page",
}


@pytest.mark.parametrize("name", PAGES)
def test_without_text_the_other_facts_are_the_same(name: str) -> None:
    url = "https://news.example/2020/02/06/a-story"
    full, links = page_facts_and_links(PAGES[name], url, with_visible_text=False)
    cheap, no_links = page_facts_and_links(PAGES[name], url, with_visible_text=False, with_text=False)
    assert cheap == dataclasses.replace(full, text="")
    assert no_links == []


def test_the_cheap_reading_still_finds_titles_and_dates() -> None:
    facts, _ = page_facts_and_links(PAGES["titles that differ"], None, with_visible_text=False, with_text=False)
    assert set(facts.titles) == {"Home | Site", "The og title", "The real headline"}
    dated, _ = page_facts_and_links(PAGES["JSON-LD"], None, with_visible_text=False, with_text=False)
    assert dated.published == datetime.date(2021, 1, 15)


def test_the_analysis_extracts_text_only_for_the_article_and_a_soft_404_comparison(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process archive: an article, eight links, two probes; one comparison by text."""
    extracted: list[str] = []
    real = trafilatura.bare_extraction

    def counting(tree, **kwargs):
        title = tree.find(".//title")
        extracted.append(title.text if title is not None else "")
        return real(tree, **kwargs)

    monkeypatch.setattr(extract.trafilatura, "bare_extraction", counting)
    index = read_archives([build_archive(tmp_path, ["The talks go on."])])
    report = analyse(index, options=AnalysisOptions(workers=1))
    # The article, then the missing story and its probe (both "Page not found"),
    # whose texts are compared; no other linked page.
    assert sorted(extracted) == sorted(["Talks on the border crossing go on", "Page not found", "Page not found"])
    [article] = report.articles
    assert article.url == ARTICLE
    links = {link.url: link for link in article.links}
    assert links[SOFT].status == "soft_404" and SOFT_PROBE in (links[SOFT].detail or "")
