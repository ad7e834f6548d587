"""Tests for archiver.analysis.extract: charsets, page facts."""

from __future__ import annotations

import datetime
import gzip
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from string import Template

import lxml.etree
import lxml.html
import pytest
import trafilatura

from archiver.analysis.extract import (
    extract_page,
    html_text,
    page_facts,
    page_facts_and_links,
    parse_html,
    visible_text,
)
from archiver.analysis.model import PageFacts
from archiver.analysis.requisites import html_requisites, tree_requisites
from archiver.warc.decode import UndecodableBody

pytestmark = pytest.mark.fast

FIXTURES = Path(__file__).resolve().parent / "analysis_fixtures"
# A news page with nav, byline, article body, "Most read", newsletter box and
# a "© 2019-2024" footer; $head and $byline take the date markup under test.
NEWS_PAGE = Template((FIXTURES / "news_page.html").read_text(encoding="utf-8"))

DATED_URL = "https://www.themoscowtimes.com/2020/02/06/us-steps-up-warnings-a69185"
UNDATED_URL = "https://www.themoscowtimes.com/news/us-steps-up-warnings-a69185"
FEB_6 = datetime.date(2020, 2, 6)


def news_page(head: str = "", byline: str = "") -> str:
    return NEWS_PAGE.substitute(head=head, byline=byline)


HTML = news_page().encode("utf-8")


# --- charsets --------------------------------------------------------------------

RUSSIAN = "Москва заявила, что переговоры о прекращении огня в Идлибе продолжатся."
FRENCH = "Le café de la société naïve ferme à Noël."


def page_with(paragraph: str, meta: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{meta}<title>t</title></head><body><p>{paragraph}</p></body></html>"


@pytest.mark.parametrize(
    ("paragraph", "codec", "content_type", "meta"),
    [
        (RUSSIAN, "cp1251", "text/html; charset=windows-1251", ""),
        (RUSSIAN, "cp1251", "text/html", '<meta charset="windows-1251">'),
        (RUSSIAN, "cp1251", None, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'),
        (FRENCH, "iso-8859-1", "text/html; charset=ISO-8859-1", ""),
        (FRENCH, "iso-8859-1", "text/html", '<meta charset="iso-8859-1">'),
        # the HTTP header outranks a wrong <meta charset>
        (RUSSIAN, "cp1251", "text/html; charset=windows-1251", '<meta charset="utf-8">'),
    ],
)
def test_html_text_uses_the_declared_charset(
    paragraph: str, codec: str, content_type: str | None, meta: str
) -> None:
    html = page_with(paragraph, meta)
    assert html_text(html.encode(codec), content_type) == html


def test_html_text_detects_an_undeclared_charset() -> None:
    html = page_with(" ".join([RUSSIAN] * 5))
    assert html_text(html.encode("cp1251"), "text/html") == html


def test_html_text_bom_wins() -> None:
    html = page_with(RUSSIAN)
    assert html_text(b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html; charset=iso-8859-1") == html


# --- publication date and its source --------------------------------------------------


@pytest.mark.parametrize(
    ("head", "byline", "url", "expected"),
    [
        pytest.param(
            '<script type="application/ld+json">{"@context": "https://schema.org",'
            ' "@type": "NewsArticle", "datePublished": "2020-02-06T01:05:00+03:00",'
            ' "dateModified": "2020-02-09T10:00:00+03:00"}</script>',
            "", UNDATED_URL, (FEB_6, "json-ld"), id="json-ld",
        ),
        pytest.param(
            '<meta property="article:published_time" content="2020-02-06T01:05:00+03:00">'
            '<meta property="article:modified_time" content="2020-02-09T10:00:00+03:00">',
            "", UNDATED_URL, (FEB_6, "meta"), id="meta",
        ),
        pytest.param(
            '<meta itemprop="datePublished" content="2020-02-06">',
            "", None, (FEB_6, "meta"), id="itemprop",
        ),
        pytest.param(
            "", '<time datetime="2020-02-06T01:05:00+03:00">Feb. 6, 2020</time>',
            UNDATED_URL, (FEB_6, "time"), id="time",
        ),
        pytest.param(
            "", '<span class="date">February 06, 2020</span>',
            UNDATED_URL, (FEB_6, "text"), id="byline-text",
        ),
        pytest.param("", "", DATED_URL, (FEB_6, "url"), id="url"),
        pytest.param(
            f'<link rel="canonical" href="{DATED_URL}">', "", None, (FEB_6, "url"),
            id="canonical-url",
        ),
        # The page's own metadata says what the URL serves now: it wins over
        # the date in the URL (htmldate alone would take the URL's).
        pytest.param(
            '<script type="application/ld+json">{"datePublished": "2020-02-05T23:05:00Z"}</script>',
            "", DATED_URL, (datetime.date(2020, 2, 5), "json-ld"), id="json-ld-over-url",
        ),
        # Only the footer's "© 2019-2024": htmldate falls back to 2024-01-01,
        # which dates the site, not the article.
        pytest.param("", "", UNDATED_URL, (None, None), id="none"),
        pytest.param("", "", None, (None, None), id="none-no-url"),
    ],
)
def test_published_date_and_source(
    head: str, byline: str, url: str | None, expected: tuple[datetime.date | None, str | None]
) -> None:
    facts = page_facts(news_page(head, byline), url)
    assert (facts.published, facts.published_source) == expected


def test_page_facts_of_a_news_page() -> None:
    facts = page_facts(news_page(byline="<time datetime='2020-02-06'>6 Feb</time>"), UNDATED_URL)
    assert facts.title == "U.S. Steps Up Warnings to Russia Over Syria's Idlib"
    assert facts.author == "Reuters"
    assert facts.sitename == "The Moscow Times"
    paragraphs = facts.text.split("\n\n")
    assert paragraphs[0].startswith("The United States on Wednesday stepped up warnings")
    assert paragraphs[-1] == (
        "The Idlib violence has accelerated in recent months despite several ceasefire"
        " efforts, including as recently as January."
    )
    assert len(paragraphs) == 4
    for boilerplate in ("Most read", "Podcasts", "newsletter", "Privacy policy"):
        assert boilerplate not in facts.text


def test_title_markup_is_returned_as_text() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt;"
        "</title></head><body><article><p>A paragraph long enough to count as the main text"
        " of this page, so that extraction has something to work with.</p></article></body></html>"
    )
    assert page_facts(html, None).title == "Tom & Jerry <script>alert(1)</script>"


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   ",
        "https://www.example.com/looks-like-a-url",
        "\x00\x01\x02 binary \xff\xfe",
        "<<<>>></p></div><html",
        "<html><body></body></html>",
        "<html><head><title></title></head><body>" + "<div>" * 3000 + "x</body></html>",
        '<html><head><script type="application/ld+json">{"datePublished": "not a date"</script>',
    ],
)
def test_page_facts_never_raises_on_junk(junk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # htmldate downloads a str that looks like a URL; the archive must not.
    def no_download(url: str) -> None:
        raise AssertionError(f"tried to download {url}")

    monkeypatch.setattr("htmldate.utils.fetch_url", no_download)
    assert isinstance(page_facts(junk, None), PageFacts)


# --- the whole visible text ------------------------------------------------------------------------


@pytest.mark.fast
def test_visible_text_is_what_a_reader_sees_one_block_a_paragraph() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>Head title</title><style>p { color: red }</style></head>"
        "<body><nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
        "<p class='lede'><span class='dropcap'>T</span>he port <b>reopened</b> on Monday.<br>A second line</p>"
        "<div>before <script>var hidden = 'script text';</script>after the script</div>"
        "<template><p>template text</p></template>"
        "<div style='display: none'><span itemprop='articleBody'>a copy for search engines</span></div>"
        "<p hidden>hidden by the markup</p><div style='visibility:hidden'>hidden too</div>"
        "<noscript><p>Turn on JavaScript to see the map.</p></noscript>"
        "<figure><img src='a.jpg' alt='alt text'><figcaption>Ships wait\n  outside the port.</figcaption></figure>"
        "</body></html>"
    )
    tree = trafilatura.load_html(html)
    assert visible_text(tree).split("\n\n") == [
        "Home", "News",  # each block its own paragraph
        "The port reopened on Monday.",  # inline elements do not split words
        "A second line",  # <br> ends a line
        "before after the script",  # the tail of what is hidden stays
        "Turn on JavaScript to see the map.",  # <noscript> stays: archives are read without scripts
        "Ships wait outside the port.",  # a newline of the source is a space
    ]


@pytest.mark.fast
def test_page_facts_carry_the_visible_text_when_asked() -> None:
    html = news_page()
    facts = page_facts(html, UNDATED_URL)
    # the caption and the navigation the main text leaves out; not the <head>
    assert "Mehmet Guzel / AP / TASS" in facts.visible_text
    assert "Mehmet Guzel" not in facts.text
    assert "Most read" in facts.visible_text
    assert "The Moscow Times - " not in facts.visible_text
    for paragraph in facts.text.split("\n\n"):
        assert paragraph in facts.visible_text
    without, _ = page_facts_and_links(html, UNDATED_URL, with_visible_text=False)
    assert (without.visible_text, without.text) == ("", facts.text)


@pytest.mark.fast
def test_visible_text_walks_nesting_deeper_than_pythons_recursion_limit() -> None:
    tree = element = lxml.html.fromstring("<html><body></body></html>")
    for _ in range(5000):
        element = lxml.etree.SubElement(element, "div")
    element.text = "deep text"
    assert visible_text(tree) == "deep text"


@pytest.mark.fast
def test_visible_text_keeps_the_text_around_comments() -> None:
    # trafilatura's parser drops comments; a tree from another parser keeps them
    tree = lxml.html.fromstring("<html><body><p>be<!-- a note -->fore</p><div>after<?pi x?> it</div></body></html>")
    assert visible_text(tree) == "before\n\nafter it"


@pytest.mark.fast
def test_one_parse_serves_the_facts_and_the_requisites() -> None:
    """The analysis parses a page once: its facts and its requisites come from that tree, unchanged."""
    html = news_page(byline='<time datetime="2020-02-06">6 February 2020</time>').replace(
        "</head>", '<link rel="stylesheet" href="/site.css"></head>').replace(
        "</body>", '<img src="/photo.jpg" srcset="/photo-2x.jpg 2x"></body>')
    tree = parse_html(html, UNDATED_URL)
    assert tree is not None
    before = lxml.etree.tostring(tree)
    assert page_facts_and_links(html, UNDATED_URL, tree=tree) == page_facts_and_links(html, UNDATED_URL)
    assert lxml.etree.tostring(tree) == before  # only read: the requisites below read it too
    requisites = tree_requisites(tree, UNDATED_URL)
    assert requisites == html_requisites(html, UNDATED_URL)
    assert {"https://www.themoscowtimes.com/site.css", "https://www.themoscowtimes.com/photo-2x.jpg"} <= {
        r.url for r in requisites}


# --- the chain ------------------------------------------------------------------------------------


def test_extract_page_chains_decoding_charset_and_facts() -> None:
    html = news_page(head='<meta property="article:published_time" content="2020-02-06">')
    html = html.replace("The Idlib violence has accelerated", RUSSIAN + " The Idlib violence has accelerated")
    body = gzip.compress(html.encode("cp1251", errors="strict").replace(b'charset="utf-8"', b""))
    facts = extract_page(body, "text/html; charset=windows-1251", "gzip", UNDATED_URL)
    assert facts.published == FEB_6
    assert facts.published_source == "meta"
    assert RUSSIAN in facts.text


def test_extract_page_raises_for_a_corrupt_body() -> None:
    with pytest.raises(UndecodableBody, match="gzip"):
        extract_page(b"garbage", "text/html", "gzip", UNDATED_URL)


def test_extract_page_runs_in_a_process_pool() -> None:
    body = gzip.compress(news_page(byline="<time datetime='2020-02-06'>6 Feb</time>").encode())
    # spawn: the worker must find extract_page by name, with nothing inherited
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        facts = pool.submit(extract_page, body, "text/html", "gzip", UNDATED_URL).result(timeout=120)
    assert (facts.published, facts.published_source) == (FEB_6, "time")
    assert facts.title == "U.S. Steps Up Warnings to Russia Over Syria's Idlib"


# --- body links -----------------------------------------------------------------------------------

LINK_BASES = ("http://127.0.0.1:8080/pages/1.html", "https://news.example/a/b?q=1#f", "http://user@h:81/x/",
              "file:///tmp/x", "https://news.example")
LINK_TARGETS = (
    "/pages/2.html", "https://other.example/2020/01/02/story", "http://h", "http://h/", "http://h//x",
    "/a/./b", "/a/../b", "/.", "/..", "/a/.", "/a/..", "/a/.b", "/a/..b", "/..a", "//host/x", "/a//b", "/",
    "https://h/a/../b", "http://h?x", "http://h#", "/a?", "/a#", "/a;", "/a;p", "http://[::1]/", "http://[::1/",
    "http://user:pw@h:80/x", "/a b", "/é", "HTTP://h/x", "http:/x", "http:x", "relative/x", "../up", "?q", "mailto:a@b",
)


@pytest.mark.parametrize("base", LINK_BASES)
def test_links_resolve_as_urljoin_resolves_them(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib.parse import urljoin

    from archiver.analysis import links

    def expected(target: str) -> str:
        try:
            return urljoin(base, target)
        except ValueError as error:
            return f"ValueError: {error}"

    def resolved(target: str) -> str:
        try:
            return links.resolve_link(base, links._origin(base), target)
        except ValueError as error:
            return f"ValueError: {error}"

    assert [resolved(t) for t in LINK_TARGETS] == [expected(t) for t in LINK_TARGETS]
    # the plain ones do without urljoin
    monkeypatch.setattr(links, "urljoin", None)
    assert links.resolve_link(base, links._origin(base), "https://other.example/x") == "https://other.example/x"


# --- parsing: trafilatura.load_html's steps, its slowest one skipped when idle ------

LOAD_HTML_CASES = {
    "control characters": "<html><body><p>a\x00b\x0bc\x1f d\ufffe e\uffff f\x7f</p></body></html>",
    "non-ASCII and a control character": "<html><body><p>été\x01 — 東京</p></body></html>",
    "tabs and newlines only": "<html>\n<body>\t<p>kept\r\nas is</p></body></html>",
    "a doctype with a slash": ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                               '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html><body><p>x</p></body></html>'),
    "a self-closing html": '<html lang="en"/>\n<head><title>T</title></head><body><p>x</p></body>',
    "an encoding declaration": '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
    "a fragment": "<p>just a paragraph</p>",
    "nothing": "",
    "not markup": "plain text, no tags at all",
    "a lone surrogate": "<html><body><p>\ud800</p></body></html>",
}


@pytest.mark.parametrize("html", [*LOAD_HTML_CASES.values(), (FIXTURES / "news_page.html").read_text()],
                         ids=[*LOAD_HTML_CASES, "news page"])
def test_our_load_html_gives_trafilaturas_tree(html: str) -> None:
    from archiver.analysis.trafilatura_internals import load_html

    ours, theirs = load_html(html), trafilatura.load_html(html)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert lxml.html.tostring(ours) == lxml.html.tostring(theirs)
