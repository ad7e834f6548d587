"""The analysis and its report over WARCs built in the test: no crawl, no server.

One archive holds an article (its seed, its page) and a link of every kind
the analysis tells apart; analyse() and the four renderers run in this
process (workers=1), so a change to health, dates, comparison or the report
is checked in seconds. tests/test_analysis_crawl.py checks the same
judgements on a real crawl.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest

from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.analysis.model import ArticleReport, LinkReport, Report
from archiver.report import write_report
from archiver.report.markdown import md
from archiver.seeds import Article
from archiver.warc.reader import read_archives
from archiver.warc.vocab import FailureKind
from tests.warcs import WarcBuilder, html_page

pytestmark = pytest.mark.fast

ARTICLE = "http://news.example/2020/03/01/talks-go-on"
PARAGRAPHS = [
    "The officials said on Wednesday that the talks on the new border crossing would go on "
    "next month, after a week in which neither side would say when they had last met.",
    "Both delegations have asked for more time to read the proposals, which run to several "
    "hundred pages and cover customs, rail freight and the rights of seasonal workers.",
    "A spokesman for the ministry said the government expected an agreement before the end "
    "of the year, but declined to give a date for the next round of meetings in the capital.",
]
OK = "http://a.example/reports/market-report"
GONE = "http://a.example/reports/withdrawn"
SOFT = "http://b.example/stories/missing-story"
SOFT_PROBE = "http://b.example/stories/zq7xk2pw"
SOFT_REDIRECT = "http://e.example/news/gone-story"
SOFT_REDIRECT_PROBE = "http://e.example/news/q8w7e6r5"
SEARCH = "http://e.example/search"
MOVED = "http://c.example/old-story"
MOVED_HOPS = ("http://c.example/moved", "http://c.example/2020/02/20/the-story")
UNRESOLVED = "http://no-such-host.invalid/story"
LATER = "http://d.example/analysis/later"
NEXT_DAY = "http://d.example/analysis/next-day"
LINKS = {  # url -> anchor text in the seed
    OK: "Market report for the first quarter",
    GONE: "A withdrawn report",
    SOFT: "The missing story",
    SOFT_REDIRECT: "A story sent to the search page",
    MOVED: "The story that moved",
    UNRESOLVED: "A site that is gone",
    LATER: "An analysis written later",
    NEXT_DAY: "An analysis of the next day",
}
NOT_FOUND_TEXT = [
    "We are sorry, but the page you were looking for could not be found on this site. It may "
    "have been moved, renamed or removed, or the address may have been typed incorrectly.",
    "Please use the search box at the top of the page to look for the article you wanted, or go "
    "back to the front page to read the latest news from our reporters around the world.",
]


# Each link in a sentence of the article, in the seed and on the live page alike.
LINK_SENTENCE = "For the background, readers may turn to {}, which our desk published before the talks."


def seed_markdown(paragraphs: list[str]) -> str:
    links = "\n\n".join(LINK_SENTENCE.format(f"[{text}]({url})") for url, text in LINKS.items())
    return ("# Talks on the border crossing go on\n\nMarch 01, 2020\n\n" + "\n\n".join(paragraphs)
            + f"\n\n{links}\n\nOriginal url: {ARTICLE}\n")


def link_paragraphs() -> str:
    return "".join("<p>" + LINK_SENTENCE.format(f'<a href="{url}">{text}</a>') + "</p>" for url, text in LINKS.items())


def build_archive(folder: Path, live_paragraphs: list[str], title: str = "Market report for the first quarter") -> Path:
    with WarcBuilder(folder) as warc:
        warc.seed("clip.md", seed_markdown(PARAGRAPHS))
        warc.response(ARTICLE, html_page("Talks on the border crossing go on", live_paragraphs,
                                         published="2020-03-01", more_html=link_paragraphs()))
        warc.response(OK, html_page(title, ["Prices rose in the first quarter, the report says."]))
        warc.response(GONE, b"<html><body>Not found</body></html>", status=404)
        # A soft 404: the missing story and a random URL beside it answer the same page.
        warc.response(SOFT, html_page("Page not found", NOT_FOUND_TEXT))
        warc.response(SOFT_PROBE, html_page("Page not found", NOT_FOUND_TEXT), probe=True)
        # Another: the story and a random URL beside it are both sent to the search page.
        warc.redirect(SOFT_REDIRECT, SEARCH, 302)
        warc.response(SEARCH, html_page("Search", ["Search our archive of stories."]))
        warc.redirect(SOFT_REDIRECT_PROBE, SEARCH, 302, probe=True)
        warc.redirect(MOVED, MOVED_HOPS[0], 301)
        warc.redirect(MOVED_HOPS[0], MOVED_HOPS[1], 302)
        warc.response(MOVED_HOPS[1], html_page("The story that moved", ["It lives here now."],
                                               published="2020-02-20"))
        warc.failure(UNRESOLVED, FailureKind.DNS_ERROR, "DNS lookup failed: no such host")
        warc.response(LATER, html_page("An analysis written later", ["Written in 2021."],
                                       published="2021-01-15"))
        warc.response(NEXT_DAY, html_page("An analysis of the next day", ["Written a day later."],
                                          time_tag="2020-03-02"))
    return warc.path


def analysed(folder: Path, live_paragraphs: list[str] = PARAGRAPHS, **page) -> Report:
    index = read_archives([build_archive(folder, live_paragraphs, **page)])
    return analyse(index, options=AnalysisOptions(workers=1),
                   generated=datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return analysed(tmp_path_factory.mktemp("warcs"))


def the_article(report: Report) -> ArticleReport:
    [article] = report.articles
    return article


def links(report: Report) -> dict[str, LinkReport]:
    return {link.url: link for link in the_article(report).links}


def test_the_archive_is_whole(report: Report) -> None:
    assert report.integrity == ()
    assert report.network_reachable


def test_the_article_comes_from_its_seed(report: Report) -> None:
    article = the_article(report)
    assert (article.url, article.seeds) == (ARTICLE, ("clip.md",))
    assert article.published == datetime.date(2020, 3, 1)
    assert article.original is not None and article.original.status == "ok"
    assert set(links(report)) == set(LINKS)


@pytest.mark.parametrize(("url", "status", "verdict"), [
    (OK, "ok", "alive"),
    (GONE, "gone", "dead"),
    (SOFT, "soft_404", "dead"),
    (SOFT_REDIRECT, "soft_404", "dead"),
    (MOVED, "redirected", "alive"),
    (UNRESOLVED, "dns_error", "dead"),
])
def test_link_status_and_verdict(report: Report, url: str, status: str, verdict: str) -> None:
    link = links(report)[url]
    assert (link.status, link.verdict) == (status, verdict), link.detail


def test_each_link_points_at_its_evidence(report: Report) -> None:
    for link in links(report).values():
        assert link.warc is not None and link.warc.filename.endswith(".warc.gz"), link.url
    assert links(report)[GONE].http_status == 404


def test_a_soft_404_names_the_probe_that_gave_it_away(report: Report) -> None:
    assert SOFT_PROBE in (links(report)[SOFT].detail or "")  # the same text
    assert "lands on the same page" in (links(report)[SOFT_REDIRECT].detail or "")


def test_a_redirect_chain_is_followed_to_its_end(report: Report) -> None:
    link = links(report)[MOVED]
    assert link.redirects == MOVED_HOPS
    assert link.final_url == MOVED_HOPS[1]
    assert link.http_status == 200


def test_a_failure_record_gives_the_failure_and_its_message(report: Report) -> None:
    link = links(report)[UNRESOLVED]
    assert link.http_status is None
    assert "no such host" in (link.detail or "")


def test_a_link_dated_after_the_article_is_a_mismatch(report: Report) -> None:
    later, next_day, moved = links(report)[LATER], links(report)[NEXT_DAY], links(report)[MOVED]
    assert (later.date, later.page_date_source, later.date_mismatch) == (datetime.date(2021, 1, 15), "json-ld", True)
    # within ARCHIVER_DATE_GRACE_DAYS (1) of the article: not a mismatch
    assert (next_day.date, next_day.page_date_source, next_day.date_mismatch) == (
        datetime.date(2020, 3, 2), "time", False)
    assert (moved.date, moved.date_mismatch) == (datetime.date(2020, 2, 20), False)


def test_an_unchanged_page_matches_its_seed(report: Report) -> None:
    article = the_article(report)
    assert article.text_verdict == "unchanged"
    assert article.text_similarity is not None and article.text_similarity >= 0.95
    [comparison] = article.comparisons
    assert (comparison.seed, comparison.other) == ("clip.md", "live")
    assert comparison.missing_paragraphs == ()


def test_a_rewritten_page_is_told_apart_from_its_seed(tmp_path: Path) -> None:
    rewritten = [PARAGRAPHS[0], "The government has since withdrawn from the talks altogether, the "
                 "ministry said, and no further meetings are planned for this year or the next one."]
    article = the_article(analysed(tmp_path, rewritten))
    assert article.text_verdict not in (None, "unchanged")
    assert article.text_similarity is not None and article.text_similarity < 0.95
    [comparison] = article.comparisons
    assert any(PARAGRAPHS[2][:40] in paragraph for paragraph in comparison.missing_paragraphs)


def test_a_page_title_unlike_its_anchor_is_flagged(tmp_path: Path) -> None:
    assert links(analysed(tmp_path / "same"))[OK].title_mismatch is False
    changed = links(analysed(tmp_path / "changed", title="Holiday recipes for the new season"))[OK]
    assert (changed.title, changed.title_mismatch) == ("Holiday recipes for the new season", True)


# --- the four report files, rendered from that analysis --------------------

@pytest.fixture(scope="module")
def written(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    write_report(report, folder)
    return folder


def test_report_json_holds_every_judgement(written: Path) -> None:
    data = json.loads((written / "report.json").read_text(encoding="utf-8"))
    [article] = data["articles"]
    got = {link["url"]: (link["status"], link["verdict"]) for link in article["links"]}
    assert got[SOFT] == ("soft_404", "dead") and got[UNRESOLVED] == ("dns_error", "dead")
    assert got[MOVED] == ("redirected", "alive") and got[GONE] == ("gone", "dead")
    assert article["text_verdict"] == "unchanged" and article["published"] == "2020-03-01"
    later = next(link for link in article["links"] if link["url"] == LATER)
    assert (later["date"], later["date_mismatch"]) == ("2021-01-15", True)
    assert data["integrity"] == [] and data["network_reachable"] is True


def test_links_csv_has_a_row_per_link_and_the_article(written: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((written / "links.csv").read_text(encoding="utf-8"))))
    assert sorted(row["url"] for row in rows) == sorted([ARTICLE, *LINKS])
    by_url = {row["url"]: row for row in rows}
    assert by_url[ARTICLE]["role"] == "original"
    assert (by_url[SOFT]["status"], by_url[SOFT]["verdict"]) == ("soft_404", "dead")


def test_markdown_and_html_name_every_link(written: Path) -> None:
    markdown = (written / "report.md").read_text(encoding="utf-8")
    page = (written / "report.html").read_text(encoding="utf-8")
    for url in LINKS:
        assert url in markdown and url in page, url
    assert md("soft_404") in markdown and "dns_error" in page


def test_html_escapes_what_a_page_says(tmp_path: Path) -> None:
    report = analysed(tmp_path / "warcs", title="<script>alert(1)</script> & more")
    write_report(report, tmp_path / "report")
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


# --- the builders themselves (tests/warcs.py) ------------------------------

def test_the_builders_records_read_back_as_a_crawls(tmp_path: Path) -> None:
    article = Article(url=ARTICLE, title="Talks", published=datetime.date(2020, 3, 1), seeds=("clip.md",))
    with WarcBuilder(tmp_path) as warc:
        warc.seed("clip.md", seed_markdown(PARAGRAPHS))
        warc.article(article)
        warc.response(SOFT_PROBE, b"<p>x</p>", probe=True)
        warc.failure(UNRESOLVED, FailureKind.DNS_ERROR, "no such host", attempt=2)
    index = read_archives([warc.path])
    assert index.problems == []
    [seed] = index.seeds
    assert seed.name == "clip.md" and seed.content == seed_markdown(PARAGRAPHS).encode()
    [record] = index.articles
    assert (record.article.url, record.article.title, record.article.published) == \
        (ARTICLE, "Talks", datetime.date(2020, 3, 1))
    capture = index.capture(SOFT_PROBE)
    assert capture is not None and capture.probe and capture.status == 200
    failure = index.failure(UNRESOLVED)
    assert failure is not None and (failure.kind, failure.message, failure.attempt) == ("dns_error", "no such host", 2)


def test_a_soft_404_behind_a_redirect_is_compared_with_the_probe_of_the_link_itself(tmp_path: Path) -> None:
    # The link redirects into another folder shape, where the crawl probed
    # nothing; its own folder's probe answers the same "not found" page.
    link = "http://f.example/stories/old-slug"
    landed = "http://f.example/2020/03/01/new-slug"
    probe = "http://f.example/stories/k3j9x7qz"
    with WarcBuilder(tmp_path) as warc:
        warc.seed("clip.md", f"# Talks go on\n\n{PARAGRAPHS[0]}\n\nSee [the old story]({link}).\n\n"
                  f"Original url: {ARTICLE}\n")
        warc.response(ARTICLE, html_page("Talks go on", PARAGRAPHS[:1],
                                         more_html=f'<p><a href="{link}">the old story</a></p>'))
        warc.redirect(link, landed, 301)
        warc.response(landed, html_page("Page not found", NOT_FOUND_TEXT))
        warc.response(probe, html_page("Page not found", NOT_FOUND_TEXT), probe=True)
    report = analyse(read_archives([warc.path]), options=AnalysisOptions(workers=1),
                     generated=datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC))
    [article] = report.articles
    [found] = [entry for entry in article.links if entry.url == link]
    assert (found.status, found.verdict) == ("soft_404", "dead"), found
    assert probe in (found.detail or "")


def small_archive(folder: Path, link_body: bytes) -> Report:
    with WarcBuilder(folder) as warc:
        warc.seed("clip.md", seed_markdown(PARAGRAPHS))
        warc.response(ARTICLE, html_page("Talks on the border crossing go on", PARAGRAPHS,
                                         published="2020-03-01", more_html=link_paragraphs()))
        warc.response(OK, link_body)
    return analyse(read_archives([warc.path]), options=AnalysisOptions(workers=1))


def test_a_page_too_thin_to_parse_says_so_instead_of_no_date_found(tmp_path: Path) -> None:
    link = links(small_archive(tmp_path, b"Sorry, nothing here"))[OK]
    assert link.date is None and link.title is None
    assert link.date_unavailable == ("no date in its URL, and its page's date could not be read: the page's "
                                     "markup has no <html> tag and too little to read as an HTML page")
    assert link.detail == "the page's markup has no <html> tag and too little to read as an HTML page"


def test_a_date_search_that_fails_is_named_as_the_reason_for_no_date(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise ValueError("year 0 is out of range")

    monkeypatch.setattr("archiver.analysis.extract.publication_date", broken)
    report = small_archive(tmp_path, html_page("Market report", ["Prices rose in the first quarter."]))
    link = links(report)[OK]
    assert link.title == "Market report"  # the rest of the page is still read
    assert link.date_unavailable == ("no date in its URL, and its page's date could not be read: the date "
                                     "search failed on its markup: ValueError: year 0 is out of range")
    # The article's own date comes from its URL then, and says where it came from.
    assert the_article(report).published == datetime.date(2020, 3, 1)


def test_a_text_extraction_that_fails_is_named_as_the_reason_for_no_text_verdict(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("archiver.analysis.extract.trafilatura.bare_extraction", broken)
    article = the_article(small_archive(tmp_path, html_page("Market report", ["Prices rose."])))
    assert article.text_verdict is None
    assert article.text_unavailable == ("text unavailable: trafilatura's main-text extraction failed on its "
                                        "markup: RecursionError: maximum recursion depth exceeded")


def test_alive_pages_no_probe_could_check_for_a_soft_404_are_counted_in_a_note(tmp_path: Path) -> None:
    def note(report: Report) -> list[str]:
        return [n for n in report.notes if "not checked for a soft 404" in n]

    # The article's page and its one archived link, with no probe beside either.
    assert note(small_archive(tmp_path / "none", html_page("Market report", ["Prices rose."])))[0].startswith(
        "2 alive pages were not checked for a soft 404")
    with WarcBuilder(tmp_path / "probed") as warc:  # a probe beside the link: only the article's page is left
        warc.seed("clip.md", seed_markdown(PARAGRAPHS))
        warc.response(ARTICLE, html_page("Talks on the border crossing go on", PARAGRAPHS,
                                         published="2020-03-01", more_html=link_paragraphs()))
        warc.response(OK, html_page("Market report", ["Prices rose."]))
        warc.response("http://a.example/reports/q8w7e6r5", html_page("Not found", NOT_FOUND_TEXT), probe=True)
    probed = analyse(read_archives([warc.path]), options=AnalysisOptions(workers=1))
    assert note(probed)[0].startswith("1 alive page was not checked for a soft 404")
