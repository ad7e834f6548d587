"""Tests for archiver.pubdate: a page's publication date, one cause at a time.

Each page is a few lines of HTML written here: a headline, and the markup
under test around it.
"""

from __future__ import annotations

import datetime
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import trafilatura
from lxml.html import tostring

from archiver.analysis.dates import link_date
from archiver.analysis.extract import page_date, page_facts
from archiver.pubdate import copyright_years, publication_date, read_stamp, url_date

pytestmark = pytest.mark.fast

PROJECT = Path(__file__).resolve().parent.parent
HEADLINE = "Council Approves the New Bridge Over the River"
UNDATED_URL = "https://news.example/city/council-approves-bridge"
DATED_URL = "https://news.example/2020/12/06/council-approves-bridge"
DEC_5, DEC_6 = datetime.date(2020, 12, 5), datetime.date(2020, 12, 6)


def page(head: str = "", before: str = "", byline: str = "", after: str = "") -> str:
    """An article page: ``before`` the article (site header), ``after`` it (comments, footer)."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{HEADLINE} | City News</title>
{head}</head><body>
{before}
<main><article>
<h1>{HEADLINE}</h1>
<div class="byline">By Ann Reporter {byline}</div>
<p>The council voted on Thursday to approve the bridge, after two years of debate about its cost
and about the traffic it would bring to the old town.</p>
<p>Work starts in the spring; the bridge should open to traffic within three years.</p>
</article></main>
{after}
</body></html>"""


def dated(html: str, url: str | None = UNDATED_URL) -> tuple[datetime.date | None, str | None]:
    """What the analysis finds: page_facts on the page."""
    facts = page_facts(html, url)
    return facts.published, facts.published_source


# --- a date in the canonical or og:url link is the page's -----------------------------


@pytest.mark.parametrize(
    "head",
    [
        f'<link rel="canonical" href="{DATED_URL}">',
        f'<meta property="og:url" content="{DATED_URL}">',
    ],
    ids=["canonical", "og:url"],
)
def test_a_date_in_the_stated_address_is_the_pages(head: str) -> None:
    assert dated(page(head=head), UNDATED_URL) == (DEC_6, "url")


def test_a_link_keeps_the_date_of_its_pages_stated_address() -> None:
    # The link's own URL has no date: the page's canonical link does. It was
    # labelled "url" and then dropped as if it were the (undated) link URL's.
    assert link_date(url_date(UNDATED_URL), DEC_6, "url") == (DEC_6, "page")
    # A link URL with a date: that date, as before.
    assert link_date(url_date(DATED_URL), DEC_6, "url") == (DEC_6, "url")
    assert link_date(None, None, None) == (None, None)


# --- dating keeps the page's comments -------------------------------------------------


def test_the_rdf_block_in_a_comment_dates_the_page() -> None:
    rdf = """<!--
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">
<rdf:Description rdf:about="https://news.example/bridge" dc:title="Bridge" dc:date="2020-12-06T09:30:00+01:00" />
</rdf:RDF>
-->"""
    html = page(after=rdf)
    # trafilatura's tree has no comments: the date is read from the source.
    assert "rdf:RDF" not in tostring(trafilatura.load_html(html), encoding="unicode")
    assert dated(html) == (DEC_6, "meta")


# --- a copyright year is not a publication date ---------------------------------------


@pytest.mark.parametrize(
    ("head", "after"),
    [
        ("", "<footer><p>&copy; 2019 City News</p></footer>"),
        ("", "<footer><p>Copyright (c) 2018-2019 City News. All rights reserved.</p></footer>"),
        ('<meta name="copyright" content="Copyright 2019 City News">', ""),
        ('<meta itemprop="copyrightYear" content="2019">', ""),
        ("", '<div itemscope><span itemprop="copyrightYear">2019</span></div>'),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "copyrightYear": 2019}</script>', ""),
        ("", '<footer><span class="copyright">2019</span> City News</footer>'),
    ],
    ids=["footer-sign", "footer-range", "meta-copyright", "meta-itemprop", "microdata",
         "json-ld", "copyright-class"],
)
def test_a_copyright_year_is_not_a_publication_date(head: str, after: str) -> None:
    assert dated(page(head=head, after=after)) == (None, None)


def test_a_shown_new_years_day_survives_a_copyright_notice_of_its_year() -> None:
    html = page(byline='<span class="date">1 January 2020</span>',
                after="<footer><p>&copy; 2020 City News</p></footer>")
    assert dated(html) == (datetime.date(2020, 1, 1), "text")


def test_copyright_years_are_read_from_notices_and_fields() -> None:
    assert copyright_years('<p>&copy; 2018-2024 Site</p><meta itemprop="copyrightYear" content="2017">') == {
        2024, 2017}
    assert copyright_years("<p>Published in 2020, read in 2021.</p>") == set()


# --- a timestamp's day is read in the offset it is written in ---------------------------


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        ("2020-12-06T00:15:00+01:00", DEC_6),  # 2020-12-05 in UTC
        ("2020-12-05T23:15:00-05:00", DEC_5),  # 2020-12-06 in UTC
        ("2020-12-06T00:15:00.000+0100", DEC_6),  # milliseconds, an offset without colon
        ("2020-12-05 23:15:00 -0500", DEC_5),
        ("2020-12-05T23:15:00Z", DEC_5),  # written in UTC: the UTC day
    ],
)
@pytest.mark.parametrize(
    "markup",
    [
        '<meta property="article:published_time" content="{stamp}">',
        '<script type="application/ld+json">{{"@type": "NewsArticle", "datePublished": "{stamp}"}}</script>',
    ],
    ids=["meta", "json-ld"],
)
def test_a_timestamps_day_is_read_in_its_own_offset(markup: str, stamp: str, day: datetime.date) -> None:
    assert dated(page(head=markup.format(stamp=stamp)))[0] == day


def test_a_time_elements_day_is_read_in_its_own_offset() -> None:
    assert dated(page(byline='<time datetime="2020-12-06T00:15:00+01:00"></time>')) == (DEC_6, "time")
    assert dated(page(byline='<time datetime="2020-12-05T23:15:00-05:00"></time>')) == (DEC_5, "time")


@pytest.mark.parametrize(
    ("stamp", "shown", "day"),
    [
        # 23:15 UTC is Sunday morning in Europe: the page says Sunday the 6th.
        ("2020-12-05T23:15:00Z", "6 December 2020", DEC_6),
        # 02:15 UTC is Saturday evening in New York: the page says the 5th.
        ("2020-12-06T02:15:00+00:00", "December 5, 2020", DEC_5),
    ],
)
def test_a_utc_timestamp_gives_way_to_the_day_the_page_shows(stamp: str, shown: str, day: datetime.date) -> None:
    html = page(head=f'<meta property="article:published_time" content="{stamp}">',
                byline=f'<span class="date">{shown}</span>')
    assert dated(html)[0] == day


def test_a_utc_timestamp_keeps_its_day_when_the_page_shows_another_far_from_midnight() -> None:
    # 14:00 UTC is the same day from UTC-10 to UTC+9: the 7th shown is another date.
    html = page(head='<meta property="article:published_time" content="2020-12-06T14:00:00Z">',
                byline='<span class="date">7 December 2020</span>')
    assert dated(html)[0] == DEC_6


def test_a_utc_timestamp_keeps_its_day_against_the_url() -> None:
    # The page's metadata wins over its URL: the URL is no evidence of the local day.
    html = page(head='<meta property="article:published_time" content="2020-12-05T23:15:00Z">')
    assert dated(html, DATED_URL) == (DEC_5, "meta")


def test_a_time_elements_text_wins_over_its_utc_attribute() -> None:
    html = page(byline='<time datetime="2020-12-06T02:15:00Z">Dec. 5, 2020, 9:15 p.m. ET</time>')
    assert dated(html) == (DEC_5, "time")


# --- the site's "today" and other regions that date something else ----------------------

SITE_HEADER = """<header class="site-header"><a href="/">City News</a>
<span class="date">Tuesday, 1 December 2026</span></header>"""


@pytest.mark.parametrize(
    "before",
    [
        SITE_HEADER,
        '<nav class="main-menu"><span class="date">Tuesday, 1 December 2026</span></nav>',
        '<div class="top-bar"><div class="header-date">Tuesday, 1 December 2026</div></div>',
        '<div class="forum-head"><p class="time">Aktuelle Zeit: 01.12.2026, 12:18</p></div>',
        '<div class="forum-head"><p class="time">It is currently Tue Dec 01, 2026 12:18 pm</p></div>',
    ],
    ids=["site-header", "nav", "top-bar", "forum-now-de", "forum-now-en"],
)
def test_the_sites_today_is_not_the_pages_date(before: str) -> None:
    html = page(before=before, byline='<span class="date">6 December 2020</span>')
    assert dated(html) == (DEC_6, "text")


def test_the_sites_today_alone_leaves_the_page_undated() -> None:
    assert dated(page(before=SITE_HEADER)) == (None, None)


@pytest.mark.parametrize(
    "after",
    [
        '<section class="comments"><div class="comment-meta"><time datetime="2020-12-09">9 Dec</time></div></section>',
        '<aside class="sidebar"><ul><li><span class="post-date">9 December 2020</span></li></ul></aside>',
        '<div class="related-posts"><span class="date">9 December 2020</span></div>',
        '<div hidden><span class="date">9 December 2020</span></div>',
    ],
    ids=["comments", "sidebar", "related", "hidden"],
)
def test_dates_of_other_things_do_not_date_the_page(after: str) -> None:
    assert dated(page(after=after)) == (None, None)
    assert dated(page(byline='<span class="date">6 December 2020</span>', after=after)) == (DEC_6, "text")


def test_a_layout_box_named_like_a_sidebar_still_holds_the_article() -> None:
    html = page(byline='<span class="date">6 December 2020</span>').replace(
        "<main>", '<div class="layout-with-sidebar"><main>').replace("</main>", "</main></div>")
    assert dated(html) == (DEC_6, "text")


def test_an_aside_inside_the_article_is_its_margin() -> None:
    html = page().replace("<p>The council", '<aside class="article-meta"><span class="date">6 December 2020'
                                           "</span></aside><p>The council")
    assert dated(html) == (DEC_6, "text")


# --- which declared date -----------------------------------------------------------------


def test_a_generic_date_tag_alone_gives_way_to_the_shown_date() -> None:
    # CMSs fill <meta name="date"> with the last change.
    html = page(head='<meta name="date" content="2020-12-09">', byline='<span class="date">6 December 2020</span>')
    assert dated(html) == (DEC_6, "text")
    assert dated(page(head='<meta name="date" content="2020-12-09">')) == (datetime.date(2020, 12, 9), "meta")


def test_beside_a_specific_tag_the_first_date_tag_counts_as_htmldate_reads_them() -> None:
    html = page(head='<meta name="date" content="2020-12-06"><meta name="pubdate" content="2020-11-30">',
                byline='<span class="date">9 December 2020</span>')
    assert dated(html) == (DEC_6, "meta")


def test_the_declared_date_wins_over_the_url() -> None:
    html = page(head='<script type="application/ld+json">{"datePublished": "2020-12-05T10:00:00+01:00"}</script>')
    assert dated(html, DATED_URL) == (DEC_5, "json-ld")


def test_a_month_is_not_a_day() -> None:
    html = page(head='<meta name="citation_publication_date" content="2017/01">')
    assert dated(html) == (None, None)
    assert read_stamp("2017/01", "meta") is None
    assert read_stamp("2017/01/30", "meta") == read_stamp("2017-01-30", "meta")


# --- the function itself -----------------------------------------------------------------


def test_dating_leaves_the_tree_as_it_was() -> None:
    html = page(before=SITE_HEADER, byline='<span class="date">6 December 2020</span>',
                after='<section class="comments"><span class="date">9 December 2020</span></section>')
    tree = trafilatura.load_html(html)
    before = tostring(tree)
    assert publication_date(tree, UNDATED_URL, html).day == DEC_6
    assert tostring(tree) == before


def test_page_date_is_what_page_facts_finds() -> None:
    html = page(head='<meta property="article:published_time" content="2020-12-06T09:00:00+01:00">')
    assert page_date(html, UNDATED_URL) == dated(html) == (DEC_6, "meta")
    assert page_date("", None) == (None, None)


# --- the benchmark -----------------------------------------------------------------------


def test_bench_dates_runs_on_a_set_laid_out_like_the_evaluation_set(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    gold = {}
    for name, (head, day) in {
        "meta": ('<meta property="article:published_time" content="2020-12-06T09:00:00+01:00">', "2020-12-06"),
        "wrong": ('<meta property="article:published_time" content="2020-12-01">', "2020-12-06"),
    }.items():
        (pages / f"{name}.html.gz").write_bytes(gzip.compress(page(head=head).encode()))
        gold[f"https://news.example/{name}"] = {"file": f"pages/{name}.html.gz", "date": day}
    (tmp_path / "gold.json").write_text(json.dumps(gold))
    result = subprocess.run([sys.executable, "-m", "bench.dates", "--eval", str(tmp_path), "--workers", "1",
                             "--errors"], check=False, cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ours (archiver.pubdate)" in result.stdout and "htmldate find_date" in result.stdout
    assert "wrong element (meta)" in result.stdout and "https://news.example/wrong" in result.stdout
    missing = subprocess.run([sys.executable, "-m", "bench.dates", "--eval", str(tmp_path / "nowhere")],
                             check=False, cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "gold.json" in missing.stderr and "Traceback" not in missing.stderr


# --- htmldate's internals: in archiver/pubdate.py only, and as we call them ------------------


def test_htmldates_internals_stay_in_pubdate() -> None:
    # htmldate documents find_date only; pyproject.toml bounds it below its next minor version.
    import ast

    wrong = []
    for path in sorted((PROJECT / "archiver").rglob("*.py")):
        module = ".".join(path.relative_to(PROJECT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            wrong += [f"{module}: {name}" for name in names
                      if name.startswith("htmldate.") and module != "archiver.pubdate"]
    assert wrong == []


def test_htmldates_internals_we_call() -> None:
    from htmldate.core import DATE_ATTRIBUTES
    from htmldate.extractors import extract_url_date, try_date_expr
    from htmldate.utils import Extractor
    from htmldate.validators import get_max_date, get_min_date

    assert {"article:published_time", "parsely-pub-date", "date", "dc.date"} <= DATE_ATTRIBUTES
    assert "article:modified_time" not in DATE_ATTRIBUTES and "copyright" not in DATE_ATTRIBUTES
    # Extractor's fields, positionally: extensive, max, min, original, format
    options = Extractor(True, get_max_date(None), get_min_date(None), True, "%Y-%m-%d")
    assert options.min == datetime.datetime(1995, 1, 1)
    assert options.max.date() == datetime.date.today() and options.extensive and options.original
    assert extract_url_date("https://x.example/2020/12/06/story", options) == "2020-12-06"
    assert extract_url_date("https://x.example/story-2020", options) is None

    def expr(text: str) -> str | None:
        return try_date_expr(text, "%Y-%m-%d", True, options.min, options.max)

    assert expr("6. Dezember 2020") == expr("December 6, 2020") == "2020-12-06"
    assert expr("Sat, 05 Dec 2020 23:15:00 -0500") == "2020-12-05"  # the written day, no conversion
    assert expr("2019") is None  # a year alone is no date to it either
