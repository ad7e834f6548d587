"""Page requisites in-process: what HTML and CSS declare, and the completeness figure from a WARC."""

from __future__ import annotations

import json

import pytest

from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.analysis.requisites import (
    Requisite,
    RequisiteKind,
    css_requisites,
    html_requisites,
    srcset_urls,
    stylesheet_requisites,
)
from archiver.report.json import render_json
from archiver.seeds import Article
from archiver.warc.reader import read_archives
from archiver.warc.vocab import CrawlRole, FailureKind
from tests.warcs import WarcBuilder

pytestmark = pytest.mark.fast

PAGE = "http://news.example/2026/story.html"
R, S, F = RequisiteKind.RESOURCE, RequisiteKind.STYLESHEET, RequisiteKind.FRAME


def found(html: str, url: str = PAGE, **kwargs) -> list[tuple[str, RequisiteKind]]:
    return [(r.url.removeprefix("http://news.example"), r.kind) for r in html_requisites(html, url, **kwargs)]


# --- HTML ---------------------------------------------------------------------


def test_every_kind_of_declaration_in_html() -> None:
    html = """<html><head>
      <link rel="stylesheet" href="/css/site.css"><link rel="shortcut icon" href="/favicon.ico">
      <link rel="apple-touch-icon" href="/touch.png"><link rel="preload" as="font" href="/f.woff2">
      <link rel="preload" as="style" href="/late.css"><link rel="modulepreload" href="/m.js">
      <link rel="alternate" href="/feed.xml"><link rel="canonical" href="/canonical">
      <script src="/app.js"></script><script>var notAUrl = "/x.png";</script>
      <style>body { background: url(/bg.png) }</style>
    </head><body>
      <img src="/a.png" srcset="/a-1x.png 1x, /a-2x.png 2x">
      <picture><source srcset="/p.webp 400w, /p-big.webp 800w" type="image/webp"><img src="/p.jpg"></picture>
      <video poster="/poster.jpg" src="/v.webm"><source src="/v.mp4"><track src="/v.vtt"></video>
      <audio src="/a.mp3"></audio>
      <iframe src="/frame.html"></iframe>
      <object data="/o.pdf"></object><embed src="/e.svg">
      <div style="background-image: url('/div.png')"></div>
      <img data-src="/lazy.png" src="data:image/gif;base64,R0lG"><img data-srcset="/ls-1.png 1x, /ls-2.png 2x">
      <img data-lazy-src="/lazy2.png">
      <a href="/a-link.html">a link is not a requisite</a>
    </body></html>"""
    assert found(html) == [
        ("/css/site.css", S), ("/favicon.ico", R), ("/touch.png", R), ("/f.woff2", R), ("/late.css", S),
        ("/m.js", R), ("/app.js", R), ("/bg.png", R), ("/a.png", R), ("/a-1x.png", R), ("/a-2x.png", R),
        ("/p.webp", R), ("/p-big.webp", R), ("/p.jpg", R), ("/v.webm", R), ("/poster.jpg", R), ("/v.mp4", R),
        ("/v.vtt", R), ("/a.mp3", R), ("/frame.html", F), ("/o.pdf", R), ("/e.svg", R), ("/div.png", R),
        ("/lazy.png", R), ("/ls-1.png", R), ("/ls-2.png", R), ("/lazy2.png", R),
    ]


def test_noscript_fallbacks_count_in_head_and_body() -> None:
    html = """<html><head><noscript><link rel="stylesheet" href="/noscript.css"></noscript></head>
      <body><img data-src="/lazy.png"><noscript><img src="/fallback.png"></noscript></body></html>"""
    assert ("/noscript.css", S) in found(html)
    assert ("/fallback.png", R) in found(html)


def test_urls_resolve_against_base_and_page_and_leave_out_what_is_not_fetched() -> None:
    html = """<html><head><base href="/static/"></head><body>
      <img src="one.png"><img src="//cdn.example/two.png#frag"><img src="data:image/png;base64,AAAA">
      <img src="javascript:void(0)"><img src="  "><img src="#top"><img src="one.png"></body></html>"""
    assert [r.url for r in html_requisites(html, PAGE)] == [
        "http://news.example/static/one.png", "http://cdn.example/two.png"]


def test_frames_only_one_level_deep() -> None:
    html = '<iframe src="inner.html"></iframe><img src="in-frame.png">'
    assert found(html, "http://news.example/frame/outer.html") == [("/frame/inner.html", F), ("/frame/in-frame.png", R)]
    assert found(html, "http://news.example/frame/outer.html", frames=False) == [("/frame/in-frame.png", R)]


def test_a_url_declared_twice_is_found_once_in_its_strongest_kind() -> None:
    html = '<link rel="preload" href="/s.css"><link rel="stylesheet" href="/s.css"><img src="/s.css">'
    assert found(html) == [("/s.css", S)]


@pytest.mark.parametrize("junk", ["", "   ", "<<<>>>", "\x00\x01binary", "<html><body></body></html>"])
def test_junk_has_no_requisites(junk: str) -> None:
    assert html_requisites(junk, PAGE) == []


def test_bytes_are_read_with_their_declared_charset() -> None:
    page = '<meta charset="windows-1252"><img src="/caf\xe9.png">'.encode("cp1252")
    assert [r.url for r in html_requisites(page, PAGE)] == ["http://news.example/café.png"]


def test_srcset_candidates() -> None:
    assert srcset_urls("a.png 1x, b.png 2x") == ["a.png", "b.png"]
    assert srcset_urls("a.png 400w,b.png 800w") == ["a.png", "b.png"]
    assert srcset_urls("  solo.png  ") == ["solo.png"]
    assert srcset_urls("a.png, b.png") == ["a.png", "b.png"]  # a comma ending the URL ends the candidate
    assert srcset_urls("img,v=2.png 1x") == ["img,v=2.png"]  # one inside it does not
    assert srcset_urls("a.png (odd, descriptor) 1x, b.png") == ["a.png", "b.png"]
    assert srcset_urls("") == []


# --- CSS ----------------------------------------------------------------------


def test_css_imports_urls_and_fonts_resolve_against_the_stylesheet() -> None:
    css = """@import "base.css"; @import url(print.css) print;
      /* url(commented-out.png) */
      @font-face { font-family: X; src: url("fonts/x.woff2") format("woff2"), url(fonts/x.woff) format("woff"); }
      @media (min-width: 40em) { .hero { background: url( 'hero.jpg' ) no-repeat } }
      .icon { background-image: image-set("i.png" 1x, url(i@2x.png) 2x) }
      .data { background: url(data:image/png;base64,AAAA) }
      .text::after { content: "url(not-a-url.png)" }"""
    assert [(r.url.removeprefix("http://news.example/css/"), r.kind)
            for r in css_requisites(css, "http://news.example/css/site.css")] == [
        ("base.css", S), ("print.css", S), ("fonts/x.woff2", R), ("fonts/x.woff", R), ("hero.jpg", R),
        ("i.png", R), ("i@2x.png", R)]


def test_a_fetched_stylesheet_is_read_as_a_css_file_is() -> None:
    css = """@import "base.css"; @font-face { src: url(f.woff2) } @media print { p { background: url(p.png) } }"""
    expected = [("base.css", S), ("f.woff2", R), ("p.png", R)]
    found = stylesheet_requisites(css.encode(), "text/css", "http://news.example/css/site.css")
    assert [(r.url.removeprefix("http://news.example/css/"), r.kind) for r in found] == expected
    # The same rules as CSS text (a <style>), and as a browser decodes the bytes.
    assert found == css_requisites(css, "http://news.example/css/site.css")


@pytest.mark.parametrize(("body", "content_type"), [
    ('a{background:url("café.png")}'.encode(), "text/css"),  # UTF-8, the default
    ('a{background:url("café.png")}'.encode("latin-1"), "text/css; charset=ISO-8859-1"),  # the HTTP charset
    ('@charset "windows-1252"; a{background:url("café.png")}'.encode("cp1252"), None),  # its @charset
    ('\ufeffa{background:url("café.png")}'.encode("utf-16-le"), "text/css; charset=latin1"),  # a BOM wins
])
def test_a_stylesheets_charset_comes_from_its_bom_the_http_header_or_its_charset_rule(body, content_type) -> None:
    [found] = stylesheet_requisites(body, content_type, "http://news.example/")
    assert found.url == "http://news.example/café.png"


# --- completeness, from a WARC --------------------------------------------------


ARTICLE = "http://news.example/story"


def _role(kind: RequisiteKind) -> CrawlRole:
    return CrawlRole(0, ARTICLE, requisite=kind, requisite_of=ARTICLE)


def test_completeness_counts_archived_failed_skipped_and_missing(tmp_path) -> None:
    page = b"""<html><head><title>Story</title><link rel="stylesheet" href="/s.css"></head><body>
      <p>Enough text for the page to be an article, with a sentence or two in it.</p>
      <img src="/ok.png"><img src="/gone.png"><img src="/moved.png"><video src="/big.mp4"></video>
      <img src="/never.png"><iframe src="/frame.html"></iframe><script src="/timeout.js"></script></body></html>"""
    with WarcBuilder(tmp_path) as warc:
        warc.article(Article(url=ARTICLE))
        warc.response(ARTICLE, page, role=CrawlRole(0, ARTICLE))
        # The stylesheet imports itself (a cycle) and a font.
        warc.response("http://news.example/s.css", b'@import "s.css"; @font-face{src:url(f.woff2)}',
                      content_type="text/css", role=_role(S))
        warc.response("http://news.example/f.woff2", b"wOF2", content_type="font/woff2", role=_role(R))
        warc.response("http://news.example/ok.png", b"png", content_type="image/png", role=_role(R))
        warc.response("http://news.example/gone.png", b"no", status=404, content_type="text/plain", role=_role(R))
        warc.redirect("http://news.example/moved.png", "http://news.example/new.png")
        warc.response("http://news.example/new.png", b"png", content_type="image/png", role=_role(R))
        warc.failure("http://news.example/big.mp4", FailureKind.OVER_SIZE_LIMIT, "skipped, larger than "
                     "ARCHIVER_REQUISITE_MAXSIZE: expected size 31457280 over 20971520")
        warc.failure("http://news.example/timeout.js", FailureKind.TIMEOUT, "took longer than 2 seconds")
        # The frame: its image counts, its own frame does not (one level deep).
        warc.response("http://news.example/frame.html", b'<img src="/in-frame.png"><iframe src="/deeper.html">',
                      role=_role(F))
        warc.response("http://news.example/in-frame.png", b"png", content_type="image/png", role=_role(R))
    report = analyse(read_archives([warc.path]), options=AnalysisOptions(workers=1))
    [article] = report.articles  # the frame's page is a requisite, not an article
    figure = article.requisites
    assert figure is not None and article.requisites_unavailable is None
    assert (figure.found, figure.archived, figure.failed, figure.skipped, figure.missing) == (10, 6, 2, 1, 1)
    problems = {p.url.removeprefix("http://news.example"): (p.state, p.reason) for p in figure.problems}
    assert problems == {
        "/gone.png": ("failed", "gone: HTTP 404"),
        "/big.mp4": ("skipped", "skipped, larger than ARCHIVER_REQUISITE_MAXSIZE: expected size 31457280 "
                                "over 20971520"),
        "/never.png": ("missing", "not in the archive"),
        "/timeout.js": ("failed", "timeout: took longer than 2 seconds"),
    }
    assert all(p.warc is not None for p in figure.problems if p.state != "missing")
    # Not links: none of them is in the article's links.
    assert not article.links
    document = json.loads(render_json(report))
    assert document["articles"][0]["requisites"]["found"] == 10
    assert document["summary"]["requisites"] == {"found": 10, "archived": 6, "failed": 2, "skipped": 1, "missing": 1}


def test_no_figure_without_the_page_and_the_report_says_why(tmp_path) -> None:
    with WarcBuilder(tmp_path) as warc:
        warc.article(Article(url=ARTICLE))
        warc.failure(ARTICLE, FailureKind.CONNECTION_ERROR, "refused")
    [article] = analyse(read_archives([warc.path]), options=AnalysisOptions(workers=1)).articles
    assert article.requisites is None
    assert article.requisites_unavailable == "requisites unknown: the page was not archived (connection_error)"


def test_a_page_that_needs_nothing_is_complete(tmp_path) -> None:
    with WarcBuilder(tmp_path) as warc:
        warc.article(Article(url=ARTICLE))
        warc.response(ARTICLE, b"<html><body><p>Only text.</p></body></html>")
    [article] = analyse(read_archives([warc.path]), options=AnalysisOptions(workers=1)).articles
    assert article.requisites is not None and article.requisites.found == 0 and not article.requisites.problems


def test_requisite_kind_reaches_the_role_and_back() -> None:
    role = CrawlRole(0, ARTICLE, requisite=RequisiteKind.FRAME, requisite_of=ARTICLE)
    assert CrawlRole.from_meta(role.to_meta()) == role
    assert dict(role.warc_headers()) == {"WARC-Archiver-Requisite-Of": ARTICLE,
                                         "WARC-Archiver-Requisite-Kind": "frame"}
    assert Requisite("http://a/", R) == Requisite("http://a/", RequisiteKind("resource"))


def test_the_settings_read_and_say_what_they_accept() -> None:
    from archiver.config import ArchiverConfig, SettingError

    config = ArchiverConfig.from_settings({})
    assert (config.requisites, config.requisite_maxsize) == ("articles", 20 * 1024 * 1024)
    config = ArchiverConfig.from_settings({"ARCHIVER_REQUISITES": " All ", "ARCHIVER_REQUISITE_MAXSIZE": "0"})
    assert (config.requisites, config.requisite_maxsize) == ("all", 0)
    with pytest.raises(SettingError, match=r"^ARCHIVER_REQUISITES must be articles, all or none; got 'some'$"):
        ArchiverConfig.from_settings({"ARCHIVER_REQUISITES": "some"})
    with pytest.raises(SettingError, match=r"^ARCHIVER_REQUISITE_MAXSIZE must be a whole number"):
        ArchiverConfig.from_settings({"ARCHIVER_REQUISITE_MAXSIZE": "20MB"})
