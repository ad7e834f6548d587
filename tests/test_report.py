"""The report writers: report.json, report.md, report.html (with its SVG timeline), links.csv."""

from __future__ import annotations

import csv
import datetime
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archiver.analysis.model import (
    LINK_STATUSES,
    SCHEMA_VERSION,
    VERDICTS,
    ArticleReport,
    IntegrityProblem,
    LinkReport,
    Report,
    RunChanges,
    TextComparison,
    WarcLocation,
)
from archiver.report import report_to_dict, write_report
from archiver.report.csv import CELL_MAX_CHARS, COLUMNS
from archiver.report.markdown import md
from archiver.report.timeline import MISMATCH_COLOUR, NEUTRAL_COLOUR, render_timeline

pytestmark = pytest.mark.fast

ARTICLE_URL = (
    "https://www.themoscowtimes.com/2020/02/06/"
    "us-steps-up-warnings-to-russia-over-syrias-idlib-military-de-confliction-a69185"
)
LINK_1 = "https://www.themoscowtimes.com/2025/07/16/4-russian-special-forces-officers-killed-in-syria-reports"
LINK_2 = "https://www.themoscowtimes.com/2025/07/16/syrian-army-retreats-after-idlib-attack"
GENERATED = datetime.datetime(2025, 7, 20, 9, 30, 15, tzinfo=datetime.UTC)
FILE_NAMES = ["report.json", "report.md", "report.html", "links.csv"]


def dns_link(url: str, anchor: str) -> LinkReport:
    return LinkReport(
        url=url,
        anchor_text=anchor,
        found_in=("moscow.md",),
        status="dns_error",
        verdict="uncertain",
        date=datetime.date(2025, 7, 16),
        date_source="url",
        url_date=datetime.date(2025, 7, 16),
        date_mismatch=True,
        detail="DNS lookup failed",
    )


def reference_report() -> Report:
    original = LinkReport(
        url=ARTICLE_URL,
        anchor_text=None,
        found_in=("moscow.md",),
        status="dns_error",
        verdict="uncertain",
        date=datetime.date(2020, 2, 6),
        date_source="url",
        url_date=datetime.date(2020, 2, 6),
        warc=WarcLocation("archive-00000.warc.gz", 1234),
        detail="DNS lookup failed",
    )
    article = ArticleReport(
        url=ARTICLE_URL,
        seeds=("moscow.md",),
        title="U.S. Steps Up Warnings to Russia Over Syria's Idlib",
        published=datetime.date(2020, 2, 6),
        published_source="byline",
        original=original,
        text_similarity=None,
        text_verdict=None,
        # As the analysis writes it: a null text verdict says why (docs/report.schema.json).
        text_unavailable="text unavailable: the page was not archived (dns_error)",
        comparisons=(
            TextComparison(
                seed="moscow.md",
                other="moscow.html",
                similarity=0.912345678,
                verdict="edited",
                missing_paragraphs=("A paragraph only the markdown copy has.",),
                added_paragraphs=("x" * 500,),
            ),
        ),
        date_findings=("URL date 2020-02-06 agrees with the byline date",),
        links=(
            dns_link(LINK_1, "4 Russian Special Forces Officers Killed in Syria"),
            dns_link(LINK_2, "Syrian Army Retreats After Idlib Attack"),
        ),
    )
    return Report(
        generated=GENERATED,
        network_reachable=False,
        archives=("archive-00000.warc.gz",),
        articles=(article,),
        integrity=(IntegrityProblem("archive-00000.warc.gz", 999, "truncated record"),),
        date_grace_days=1,
        notes=("network unreachable: link checks could not run",),
    )


def hostile_report() -> Report:
    """Text from the web that tries to inject markup, script and spreadsheet formulas."""
    links = (
        LinkReport(
            url="javascript:alert(1)",
            anchor_text='x" onmouseover="alert(1)',
            found_in=("evil.md",),
            status="unsupported",
            verdict="uncertain",
        ),
        LinkReport(
            url='https://example.org/a"onmouseover="alert(2)',
            anchor_text="[click](javascript:alert(3)) | # heading",
            found_in=("evil.md",),
            status="gone",
            verdict="dead",
            http_status=404,
            title="=HYPERLINK(\"http://evil.example/\",\"click\")",
            detail="<img src=x onerror=alert(4)>",
            date=datetime.date(2021, 1, 1),
            date_mismatch=True,
        ),
        LinkReport(
            url="data:text/html,<script>alert(5)</script>",
            anchor_text="+SUM(A1:A2)",
            found_in=("evil.md",),
            status="unsupported",
            verdict="uncertain",
        ),
    )
    article = ArticleReport(
        url="https://example.org/article",
        seeds=("<b>evil</b>.md",),
        title="<script>alert(1)</script>",
        published=datetime.date(2020, 1, 1),
        published_source="meta",
        original=LinkReport(
            url="https://example.org/article", anchor_text=None, found_in=("evil.md",),
            status="ok", verdict="alive", http_status=200, title="@SUM(1+1)",
        ),
        text_similarity=0.5,
        text_verdict="rewritten",
        comparisons=(
            TextComparison("evil.md", "live", 0.5, "rewritten",
                           missing_paragraphs=("<script>alert(6)</script>",)),
        ),
        date_findings=("<script>alert(7)</script>",),
        links=links,
    )
    return Report(
        generated=GENERATED,
        network_reachable=True,
        archives=("<i>a</i>.warc.gz",),
        articles=(article,),
        integrity=(IntegrityProblem("<x>.warc.gz", None, "<script>alert(8)</script>"),),
    )


# --- report.json --------------------------------------------------------------

LINK_TYPES = {
    "url": str, "anchor_text": (str, type(None)), "found_in": list, "status": str, "verdict": str,
    "http_status": (int, type(None)), "final_url": (str, type(None)), "redirects": list,
    "date": (str, type(None)), "date_source": (str, type(None)), "date_mismatch": bool,
    "title_mismatch": (bool, type(None)), "warc": (dict, type(None)),
    "url_date": (str, type(None)), "page_date": (str, type(None)),
    "page_date_source": (str, type(None)), "title": (str, type(None)), "detail": (str, type(None)),
    "first_seen": (str, type(None)), "last_alive": (str, type(None)), "failing_since": (str, type(None)),
    "consecutive_failures": (int, type(None)), "revived": bool, "archived_copy": (dict, type(None)),
}
ARTICLE_TYPES = {
    "url": (str, type(None)), "seeds": list, "title": (str, type(None)),
    "published": (str, type(None)), "published_source": (str, type(None)),
    "original": (dict, type(None)), "text_similarity": (float, type(None)),
    "text_verdict": (str, type(None)), "links": list, "comparisons": list, "date_findings": list,
    "live_text_fingerprint": (str, type(None)),
}


def check_link(link: dict) -> None:
    for key, types in LINK_TYPES.items():
        assert key in link, key
        assert isinstance(link[key], types), (key, link[key])
    assert link["status"] in LINK_STATUSES
    assert link["verdict"] in VERDICTS
    assert all(isinstance(s, str) for s in link["found_in"] + link["redirects"])
    for key in ("date", "url_date", "page_date"):
        if link[key] is not None:
            datetime.date.fromisoformat(link[key])
    for key in ("first_seen", "last_alive", "failing_since"):
        if link[key] is not None:
            assert link[key].endswith("Z"), link[key]
            datetime.datetime.fromisoformat(link[key].replace("Z", "+00:00"))
    assert not isinstance(link["consecutive_failures"], bool)
    if link["warc"] is not None:
        assert set(link["warc"]) == {"filename", "offset"}
        assert isinstance(link["warc"]["filename"], str)
        assert isinstance(link["warc"]["offset"], int) and not isinstance(link["warc"]["offset"], bool)


def test_json_contract_reference_case(tmp_path: Path) -> None:
    write_report(reference_report(), tmp_path)
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert doc == report_to_dict(reference_report())

    assert doc["schema_version"] == SCHEMA_VERSION == 2
    generated = datetime.datetime.fromisoformat(doc["generated"].replace("Z", "+00:00"))
    assert generated == GENERATED and generated.utcoffset() == datetime.timedelta(0)
    assert doc["network_reachable"] is False
    assert doc["archives"] == ["archive-00000.warc.gz"]
    assert doc["date_grace_days"] == 1
    assert doc["notes"] == ["network unreachable: link checks could not run"]

    (article,) = doc["articles"]
    for key, types in ARTICLE_TYPES.items():
        assert isinstance(article[key], types), (key, article[key])
    assert article["url"] == ARTICLE_URL
    assert article["seeds"] == ["moscow.md"]
    assert article["published"] == "2020-02-06"
    assert article["published_source"] == "byline"
    assert article["text_similarity"] is None and article["text_verdict"] is None
    check_link(article["original"])
    assert article["original"]["warc"] == {"filename": "archive-00000.warc.gz", "offset": 1234}

    assert [link["url"] for link in article["links"]] == [LINK_1, LINK_2]
    for link in article["links"]:
        check_link(link)
        assert link["date"] == "2025-07-16"
        assert link["date_source"] == "url"
        assert link["date_mismatch"] is True
        assert link["status"] == "dns_error"
        assert link["verdict"] == "uncertain"
        assert link["http_status"] is None and link["warc"] is None
        assert link["title_mismatch"] is None
        assert link["found_in"] == ["moscow.md"] and link["redirects"] == []

    (comparison,) = article["comparisons"]
    assert list(comparison) == ["seed", "other", "similarity", "verdict", "missing_paragraphs", "added_paragraphs"]
    assert comparison["similarity"] == 0.9123
    assert article["date_findings"] == ["URL date 2020-02-06 agrees with the byline date"]

    assert doc["integrity"] == [{"filename": "archive-00000.warc.gz", "offset": 999, "problem": "truncated record"}]
    summary = doc["summary"]
    assert summary["articles"] == 1 and summary["links"] == 2
    assert summary["verdicts"] == {"alive": 0, "dead": 0, "uncertain": 2}
    assert summary["statuses"] == {"dns_error": 2}
    assert summary["date_mismatches"] == 2
    assert summary["title_mismatches"] == 0
    assert summary["integrity_problems"] == 1
    # no history kept: the summary says why dead links are not split
    assert summary["dead_links"] == summary["dead_originals"] == {
        "confirmed": None, "awaiting_confirmation": None,
        "confirmation_unavailable": "no history kept: dead links cannot be confirmed",
    }
    assert doc["changes"] is None
    assert article["live_text_fingerprint"] is None
    for link in [article["original"], *article["links"]]:
        assert (link["first_seen"], link["last_alive"], link["failing_since"]) == (None, None, None)
        assert link["consecutive_failures"] is None and link["revived"] is False
        assert link["confirmed"] is None and link["confirmation"] is None


def test_json_key_order_is_stable() -> None:
    doc = report_to_dict(reference_report())
    assert list(doc)[:3] == ["schema_version", "generated", "network_reachable"]
    link = doc["articles"][0]["links"][0]
    assert list(link)[:14] == [
        "url", "anchor_text", "found_in", "status", "verdict", "http_status", "final_url",
        "redirects", "date", "date_source", "date_mismatch", "title_mismatch", "warc", "url_date",
    ]
    assert json.dumps(doc) == json.dumps(report_to_dict(reference_report()))


def test_json_naive_time_is_utc_and_floats_are_rounded() -> None:
    report = replace(reference_report(), generated=datetime.datetime(2025, 1, 2, 3, 4, 5))
    article = replace(report.articles[0], text_similarity=0.123456, text_verdict="edited")
    doc = report_to_dict(replace(report, articles=(article,)))
    assert doc["generated"] in ("2025-01-02T03:04:05Z", "2025-01-02T03:04:05+00:00")
    assert doc["articles"][0]["text_similarity"] == 0.1235


# --- report.md ----------------------------------------------------------------


def test_markdown_reference_case(tmp_path: Path) -> None:
    write_report(reference_report(), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "2025-07-20 09:30:15 UTC" in text
    assert "network was unreachable" in text.lower()
    assert "2020-02-06 (source: byline)" in text
    assert "DATE AFTER ARTICLE" in text
    assert text.count("| dns\\_error |") == 2
    assert "0.9123" in text
    # the 500-character paragraph is shortened
    assert "x" * 300 not in text and "x" * 150 in text
    assert "truncated record" in text


def test_markdown_escapes_untrusted_text(tmp_path: Path) -> None:
    write_report(hostile_report(), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "<script" not in text
    assert "<img" not in text and "<b>" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "[click](javascript" not in text
    assert "\\[click\\](javascript:alert(3)) \\| \\# heading" in text
    # every link table row has exactly the header's number of cells
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    header_cells = None
    for line in rows:
        cells = len(re.split(r"(?<!\\)\|", line)) - 2
        if line.startswith("| # |"):
            header_cells = cells
        elif header_cells is not None and line.startswith("| 1 |"):
            assert cells == header_cells


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a*b_c", "a\\*b\\_c"),
        ("`code`", "\\`code\\`"),
        ("# title", "\\# title"),
        ("1. item", "1\\. item"),
        ("- item", "\\- item"),
        ("a\\b", "a\\\\b"),
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("&lt;", "&amp;lt;"),
        ("line\nbreak", "line break"),
    ],
)
def test_markdown_escape(raw: str, escaped: str) -> None:
    assert md(raw) == escaped


# --- report.html --------------------------------------------------------------


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def data_hosts(report: Report) -> set[str]:
    urls = []
    for article in report.articles:
        urls.append(article.url)
        for link in article.links + ((article.original,) if article.original else ()):
            urls += [link.url, link.final_url, *link.redirects]
    return {urlsplit(u).hostname for u in urls if u}


def check_self_contained(html: str, report: Report) -> None:
    elements = parse(html)
    tags = {tag for tag, _ in elements}
    assert not tags & {"script", "iframe", "object", "embed", "img", "link", "base", "form", "image", "use"}
    hosts = data_hosts(report)
    for tag, attrs in elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("src", "srcset", "xlink:href", "action", "formaction"), (tag, name)
            if name == "href" and (value or "").startswith("#"):
                # a link within the page (a finding's count to its table): its target must exist
                assert tag == "a" and f'id="{value[1:]}"' in html, value
            elif name == "href":
                assert tag == "a", tag
                parts = urlsplit(value or "")
                assert parts.scheme in ("http", "https"), value
                assert parts.hostname in hosts, value
            if name == "style":
                assert "url(" not in (value or "")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "@import" not in html


def test_html_escapes_hostile_text(tmp_path: Path) -> None:
    report = hostile_report()
    write_report(report, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(" not in html and "<script" not in html.lower()
    assert "<img" not in html
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert "javascript:alert(1)" in html  # shown as text
    assert "x&quot; onmouseover=&quot;alert(1)" in html
    assert 'onmouseover="' not in html
    assert "&lt;b&gt;evil&lt;/b&gt;.md" in html
    check_self_contained(html, report)
    # the only links are the http(s) ones, escaped
    hrefs = [attrs["href"] for tag, attrs in parse(html) if tag == "a"]
    assert 'https://example.org/a"onmouseover="alert(2)' in hrefs
    assert all(h.startswith(("http://", "https://", "#")) for h in hrefs)


def test_html_reference_case(tmp_path: Path) -> None:
    report = reference_report()
    write_report(report, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    check_self_contained(html, report)
    assert "network was unreachable" in html.lower()
    elements = parse(html)
    rows = [attrs.get("class", "") for tag, attrs in elements if tag == "tr"]
    assert sum("date-mismatch" in c for c in rows) == 2
    assert html.count("DATE AFTER ARTICLE") == 2
    hrefs = [attrs["href"] for tag, attrs in elements if tag == "a"]
    assert LINK_1 in hrefs and LINK_2 in hrefs and ARTICLE_URL in hrefs
    # one timeline per article, beside the summary's verdict bars
    assert sum(tag == "svg" and "timeline" in (attrs.get("class") or "") for tag, attrs in elements) == 1
    assert sum(tag == "svg" for tag, _ in elements) == 2


def test_html_marks_dead_links(tmp_path: Path) -> None:
    write_report(hostile_report(), tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    dead_rows = [attrs for tag, attrs in parse(html) if tag == "tr" and "verdict-dead" in attrs.get("class", "")]
    assert len(dead_rows) == 1
    assert ">DEAD<" in html


# --- timeline -----------------------------------------------------------------


def circles(svg: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in parse(svg) if tag == "circle" and "link-dot" in (attrs.get("class") or "")]


def test_timeline_reference_case() -> None:
    article = reference_report().articles[0]
    svg = render_timeline(article, grace_days=1)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    dots = circles(svg)
    assert len(dots) == 2
    assert all(dot["fill"] == MISMATCH_COLOUR == "#c0392b" for dot in dots)
    # both dots at 2025-07-16, stacked rather than drawn on top of each other
    assert dots[0]["cx"] == dots[1]["cx"] and dots[0]["cy"] != dots[1]["cy"]
    assert 'class="article-marker"' in svg
    assert "Article 2020-02-06" in svg
    years = [attrs for tag, attrs in parse(svg) if tag == "text" and attrs.get("class") == "year"]
    labels = re.findall(r'<text class="year"[^>]*>(\d{4})</text>', svg)
    assert len(years) == len(labels)
    assert "2020" in labels and "2025" in labels
    # the article is left of the links
    marker_x = float(re.search(r'class="article-marker".*?<line x1="([\d.]+)"', svg, re.S).group(1))
    assert marker_x < float(dots[0]["cx"])
    assert f"<title>{LINK_1}\n2025-07-16" in svg


def test_timeline_neutral_links_and_escaped_tooltips() -> None:
    article = hostile_report().articles[0]
    ok = replace(article.links[1], date=datetime.date(2020, 1, 1), date_mismatch=False, url="https://x.org/<b>")
    svg = render_timeline(replace(article, links=(ok,)))
    (dot,) = circles(svg)
    assert dot["fill"] == NEUTRAL_COLOUR
    assert MISMATCH_COLOUR not in re.findall(r'<circle[^>]*link-dot[^>]*fill="([^"]+)"', svg)
    assert "https://x.org/&lt;b&gt;" in svg and "<b>" not in svg


def test_timeline_single_date_and_no_dates() -> None:
    article = reference_report().articles[0]
    only_article = render_timeline(replace(article, links=()))
    assert "Article 2020-02-06" in only_article and not circles(only_article)
    assert "2020" in only_article
    nothing = render_timeline(replace(article, published=None, links=(replace(article.links[0], date=None),)))
    assert re.search(r"<text[^>]*>no dates to show</text>", nothing, re.I)  # visible, not only a tooltip
    assert not circles(nothing)


# --- links.csv ----------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_csv_rows_and_columns(tmp_path: Path) -> None:
    write_report(reference_report(), tmp_path)
    with open(tmp_path / "links.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:19] == [
        "article_url", "url", "anchor_text", "found_in", "status", "verdict", "http_status",
        "final_url", "redirects", "date", "date_source", "url_date", "page_date", "date_mismatch",
        "title", "title_mismatch", "warc_filename", "warc_offset", "detail",
    ]
    assert tuple(header) == COLUMNS
    rows = read_csv(tmp_path / "links.csv")
    assert len(rows) == 2 + 1  # links + originals
    assert [r["role"] for r in rows] == ["original", "link", "link"]
    assert rows[0]["url"] == ARTICLE_URL and rows[0]["warc_offset"] == "1234"
    assert [r["url"] for r in rows[1:]] == [LINK_1, LINK_2]
    assert all(r["article_url"] == ARTICLE_URL for r in rows)
    assert all(r["date_mismatch"] == "true" and r["date"] == "2025-07-16" for r in rows[1:])


def test_csv_neutralises_formulas(tmp_path: Path) -> None:
    report = hostile_report()
    article = report.articles[0]
    redirected = replace(article.links[0], url="https://example.org/r", redirects=("-1+1", "https://example.org/s"),
                         found_in=("@seed", "live"))
    report = replace(report, articles=(replace(article, links=article.links + (redirected,)),))
    write_report(report, tmp_path)
    rows = read_csv(tmp_path / "links.csv")
    assert len(rows) == 4 + 1
    by_url = {r["url"]: r for r in rows if r["role"] == "link"}
    assert by_url['https://example.org/a"onmouseover="alert(2)']["title"] == "'=HYPERLINK(\"http://evil.example/\",\"click\")"
    assert by_url["data:text/html,<script>alert(5)</script>"]["anchor_text"] == "'+SUM(A1:A2)"
    assert by_url["https://example.org/r"]["redirects"] == "'-1+1 -> https://example.org/s"
    assert by_url["https://example.org/r"]["found_in"] == "'@seed;live"
    original = [r for r in rows if r["role"] == "original"]
    assert original[0]["title"] == "'@SUM(1+1)"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_csv_cells_are_cut_where_a_spreadsheet_stops(tmp_path: Path) -> None:
    report = reference_report()
    article = report.articles[0]
    huge = replace(article.links[0], anchor_text="x" * 200_000, title="=" + "y" * 40_000,
                   detail="z" * CELL_MAX_CHARS)
    report = replace(report, articles=(replace(article, links=(huge, *article.links[1:])),))
    write_report(report, tmp_path)
    [row] = [r for r in read_csv(tmp_path / "links.csv") if r["url"] == huge.url]
    for name, original in (("anchor_text", 200_000), ("title", 40_001)):
        cell = row[name]
        assert len(cell) <= CELL_MAX_CHARS == 32_767
        kept = int(re.fullmatch(r".* \[cut: ([\d,]+) characters, the first ([\d,]+) kept\]", cell)[2]
                   .replace(",", ""))
        assert f"[cut: {original:,} characters" in cell
        assert cell.removeprefix("'").index(" [cut: ") == kept  # the formula guard's quote aside
    assert row["anchor_text"].startswith("x" * 30_000)
    assert row["title"].startswith("'=yyy")  # still no formula
    assert row["url"] == huge.url  # short cells are untouched
    assert row["detail"] == "z" * CELL_MAX_CHARS  # and one that just fits


# --- write_report -------------------------------------------------------------


def test_write_report_files_atomic(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "report"
    paths = write_report(reference_report(), target)
    assert [p.name for p in paths] == FILE_NAMES
    assert all(isinstance(p, Path) and p.parent == target and p.is_file() for p in paths)
    assert sorted(p.name for p in target.iterdir()) == sorted(FILE_NAMES)
    assert not list(target.glob("*.tmp"))
    for path in paths:
        path.read_bytes().decode("utf-8")
    # writing again replaces the files and still leaves no temporary files
    (target / "report.md").write_text("stale", encoding="utf-8")
    write_report(reference_report(), target)
    assert (target / "report.md").read_text(encoding="utf-8").startswith("# ")
    assert sorted(p.name for p in target.iterdir()) == sorted(FILE_NAMES)


def test_write_report_uses_tmp_and_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archiver.report._common as common

    calls: list[tuple[str, str]] = []
    real_replace = common.os.replace

    def spy(src: str | Path, dst: str | Path) -> None:
        calls.append((Path(src).name, Path(dst).name))
        assert Path(src).is_file() and Path(src).parent == Path(dst).parent
        real_replace(src, dst)

    monkeypatch.setattr(common.os, "replace", spy)
    write_report(reference_report(), tmp_path)
    assert calls == [(name + ".tmp", name) for name in FILE_NAMES]


def test_failed_write_leaves_no_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archiver.report._common as common

    def boom(src: str | Path, dst: str | Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(common.os, "replace", boom)
    with pytest.raises(OSError):
        write_report(reference_report(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_utf8_text_survives(tmp_path: Path) -> None:
    article = replace(reference_report().articles[0], title="Сирия: «Идлиб» — 叙利亚")
    write_report(replace(reference_report(), articles=(article,)), tmp_path)
    for name in FILE_NAMES[:3]:
        assert "Сирия: «Идлиб» — 叙利亚" in (tmp_path / name).read_text(encoding="utf-8")
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["articles"][0]["title"] == article.title


# --- history of earlier runs --------------------------------------------------

FAILING_SINCE = datetime.datetime(2026, 11, 20, 6, 0, tzinfo=datetime.UTC)
PREVIOUS_RUN = datetime.datetime(2026, 11, 21, 6, 0, 5, tzinfo=datetime.UTC)


def history_report() -> Report:
    """The reference case as the history gives it back: fields filled in, changes listed."""
    report = replace(reference_report(), network_reachable=True, notes=())
    article = report.articles[0]
    failing = replace(
        article.links[0], status="server_error", verdict="uncertain", http_status=503, detail="HTTP 503",
        first_seen=FAILING_SINCE - datetime.timedelta(days=30), last_alive=FAILING_SINCE - datetime.timedelta(days=7),
        failing_since=FAILING_SINCE, consecutive_failures=2,
    )
    revived = replace(
        article.links[1], status="ok", verdict="alive", http_status=200, detail=None,
        first_seen=FAILING_SINCE, last_alive=PREVIOUS_RUN, failing_since=None, consecutive_failures=0, revived=True,
    )
    original = replace(article.original, status="ok", verdict="alive", http_status=200, detail=None,
                       first_seen=FAILING_SINCE, last_alive=PREVIOUS_RUN, consecutive_failures=0)
    article = replace(article, original=original, links=(failing, revived), live_text_fingerprint="ab" * 20)
    changes = RunChanges(previous_run=PREVIOUS_RUN, newly_dead=(), revived=(LINK_2,), text_changed=(ARTICLE_URL,),
                         new_date_mismatches=(LINK_1,))
    return replace(report, articles=(article,), changes=changes)


def test_json_history_fields_and_changes() -> None:
    doc = report_to_dict(history_report())
    assert doc["changes"] == {
        "series": None,
        "previous_run": "2026-11-21T06:00:05Z",
        "newly_dead": [],
        "revived": [LINK_2],
        "text_changed": [ARTICLE_URL],
        "new_date_mismatches": [LINK_1],
    }
    (article,) = doc["articles"]
    assert article["live_text_fingerprint"] == "ab" * 20
    failing, revived = article["links"]
    for link in (failing, revived, article["original"]):
        check_link(link)
    assert failing["first_seen"] == "2026-10-21T06:00:00Z"
    assert failing["last_alive"] == "2026-11-13T06:00:00Z"
    assert failing["failing_since"] == "2026-11-20T06:00:00Z"
    assert failing["consecutive_failures"] == 2 and failing["revived"] is False
    assert revived["failing_since"] is None and revived["consecutive_failures"] == 0
    assert revived["revived"] is True
    assert list(failing)[-6:] == ["first_seen", "last_alive", "failing_since", "consecutive_failures", "revived",
                                  "archived_copy"]
    assert failing["archived_copy"] is None
    json.dumps(doc, allow_nan=False)


def test_json_changes_naive_times_are_utc() -> None:
    report = replace(history_report(), changes=RunChanges(previous_run=datetime.datetime(2026, 1, 2, 3, 4, 5)))
    assert report_to_dict(report)["changes"]["previous_run"] == "2026-01-02T03:04:05Z"
    first = replace(history_report(), changes=RunChanges(previous_run=None))
    assert report_to_dict(first)["changes"] == {
        "series": None, "previous_run": None, "newly_dead": [], "revived": [], "text_changed": [],
        "new_date_mismatches": [],
    }


def test_markdown_history(tmp_path: Path) -> None:
    write_report(history_report(), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    section = text.split("## Changes since the previous run", 1)[1].split("\n## ", 1)[0]
    assert "Previous run: 2026-11-21 06:00:05 UTC." in section
    assert "- **Newly dead links:** 0" in section
    assert f"- **Revived links:** 1\n  - {md(LINK_2)}" in section
    assert f"- **Articles whose text changed:** 1\n  - {md(ARTICLE_URL)}" in section
    assert f"- **New links dated after their article:** 1\n  - {md(LINK_1)}" in section
    # the section comes after the summary and before the articles
    assert text.index("## Summary") < text.index("## Changes since") < text.index("## 1. ")
    rows = [line for line in text.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert "failing since 2026-11-20, 2 checks; last alive 2026-11-13" in rows[0]
    assert "revived: dead before, alive again" in rows[1]
    assert "| # | Status | Verdict | HTTP | Date | Flags | URL | Anchor text | History |" in text
    original = next(line for line in text.splitlines() if line.startswith("- **Original page:**"))
    assert "failing since" not in original and "revived" not in original


def test_markdown_without_history_has_no_changes_section(tmp_path: Path) -> None:
    write_report(reference_report(), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Changes since the previous run" not in text
    assert "failing since" not in text and "revived" not in text
    write_report(replace(reference_report(), changes=RunChanges(previous_run=None)), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Changes since the previous run\n\nNo previous run is recorded: this is the first.\n\nNo changes." in text


def test_html_history(tmp_path: Path) -> None:
    report = history_report()
    write_report(report, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    check_self_contained(html, report)
    section = html.split('<section id="changes">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Changes since the previous run</h2>" in section
    assert "Previous run: 2026-11-21 06:00:05 UTC." in section
    assert "Newly dead links: 0" in section and "Revived links: 1" in section
    hrefs = [attrs["href"] for tag, attrs in parse(section) if tag == "a"]
    assert hrefs == [LINK_2, ARTICLE_URL, LINK_1]
    assert (html.index("<h2>Summary</h2>") < html.index('<section id="changes">')
            < html.index('<article id="article-1">'))
    assert '<span class="history">failing since 2026-11-20, 2 checks</span>' in html
    assert '<span class="history">last alive 2026-11-13</span>' in html
    assert '<span class="history">revived: dead before, alive again</span>' in html
    rows = [attrs.get("class", "") for tag, attrs in parse(html) if tag == "tr"]
    assert sum("revived" in c.split() for c in rows) == 1


def test_html_without_history_has_no_changes_section(tmp_path: Path) -> None:
    write_report(reference_report(), tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="changes"' not in html and 'class="history"' not in html


def test_history_text_is_escaped(tmp_path: Path) -> None:
    report = hostile_report()
    urls = tuple(link.url for link in report.articles[0].links)
    report = replace(report, changes=RunChanges(previous_run=PREVIOUS_RUN, newly_dead=urls, text_changed=urls))
    write_report(report, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    check_self_contained(html, report)
    assert "<script" not in html.lower() and 'href="javascript:' not in html and 'href="data:' not in html
    section = html.split('<section id="changes">', 1)[1].split("</section>", 1)[0]
    assert "data:text/html,&lt;script&gt;alert(5)&lt;/script&gt;" in section
    assert 'href="https://example.org/a&quot;onmouseover=&quot;alert(2)"' in section
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "<script" not in text
    assert "  - data:text/html,&lt;script&gt;alert(5)&lt;/script&gt;" in text


def test_csv_history_columns(tmp_path: Path) -> None:
    write_report(history_report(), tmp_path)
    rows = read_csv(tmp_path / "links.csv")
    assert COLUMNS[-7:] == ("first_seen", "last_alive", "failing_since", "consecutive_failures", "revived",
                            "archived_copy", "archived_copy_captured")
    original, failing, revived = rows
    assert failing["failing_since"] == "2026-11-20T06:00:00Z" and failing["consecutive_failures"] == "2"
    assert failing["last_alive"] == "2026-11-13T06:00:00Z" and failing["revived"] == "false"
    assert revived["revived"] == "true" and revived["failing_since"] == ""
    assert original["first_seen"] == "2026-11-20T06:00:00Z"
    write_report(reference_report(), tmp_path)
    assert all(r["consecutive_failures"] == "" and r["first_seen"] == "" for r in read_csv(tmp_path / "links.csv"))


def test_original_page_history_notes(tmp_path: Path) -> None:
    report = history_report()
    article = report.articles[0]
    original = replace(article.original, status="gone", verdict="dead", http_status=404,
                       failing_since=FAILING_SINCE, consecutive_failures=3)
    write_report(replace(report, articles=(replace(article, original=original),)), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("- **Original page:**"))
    assert line.endswith("failing since 2026-11-20, 3 checks; last alive 2026-11-21")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    facts = html.split("<dt>Original page</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert '<span class="history">failing since 2026-11-20, 3 checks</span>' in facts


# --- dead links: this run's verdict, confirmed or awaiting confirmation ---------

AWAITING = "awaiting confirmation: failing 1 of 3 checks needed since 2026-11-20 (dead after 3 checks over 3 days)"
CONFIRMED = "confirmed: failing 3 checks since 2026-11-20 over 6 days"


def confirmation_report() -> Report:
    """One dead link awaiting confirmation, one confirmed, one uncertain; the original page dead too."""
    report = history_report()
    article = report.articles[0]
    awaiting = replace(article.links[0], status="gone", verdict="dead", http_status=404, detail="HTTP 404",
                       confirmed=False, confirmation=AWAITING, consecutive_failures=1)
    confirmed = replace(article.links[1], status="soft_404", verdict="dead", http_status=200, revived=False,
                        detail="a random URL beside it gives the same page", confirmed=True, confirmation=CONFIRMED,
                        failing_since=FAILING_SINCE, consecutive_failures=3)
    blocked = replace(article.links[0], url="https://www.themoscowtimes.com/blocked", status="blocked",
                      verdict="uncertain", http_status=403, detail="HTTP 403", consecutive_failures=1)
    original = replace(article.original, status="gone", verdict="dead", http_status=410, confirmed=False,
                       confirmation=AWAITING)
    article = replace(article, original=original, links=(awaiting, confirmed, blocked))
    changes = replace(report.changes, newly_dead=(confirmed.url,), revived=(), series="job 'weekly'")
    return replace(report, articles=(article,), changes=changes)


@pytest.mark.fast
def test_json_confirmation_of_dead_links() -> None:
    doc = report_to_dict(confirmation_report())
    awaiting, confirmed, blocked = doc["articles"][0]["links"]
    assert (awaiting["verdict"], awaiting["confirmed"], awaiting["confirmation"]) == ("dead", False, AWAITING)
    assert (confirmed["verdict"], confirmed["confirmed"], confirmed["confirmation"]) == ("dead", True, CONFIRMED)
    assert (blocked["verdict"], blocked["confirmed"], blocked["confirmation"]) == ("uncertain", None, None)
    assert awaiting["detail"] == "HTTP 404"  # the evidence, nothing about the history appended
    summary = doc["summary"]
    assert summary["verdicts"] == {"alive": 0, "dead": 2, "uncertain": 1}
    assert summary["dead_links"] == {"confirmed": 1, "awaiting_confirmation": 1, "confirmation_unavailable": None}
    assert summary["dead_originals"] == {"confirmed": 0, "awaiting_confirmation": 1,
                                         "confirmation_unavailable": None}
    assert doc["changes"]["series"] == "job 'weekly'"
    keys = list(awaiting)
    assert keys.index("detail") < keys.index("confirmed") < keys.index("confirmation") < keys.index("first_seen")


@pytest.mark.fast
def test_markdown_confirmation_of_dead_links(tmp_path: Path) -> None:
    write_report(confirmation_report(), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "| Links dead | 2 |" in summary
    assert "| Dead links confirmed | 1 |" in summary and "| Dead links awaiting confirmation | 1 |" in summary
    rows = [line for line in text.splitlines() if line.startswith(("| 1 |", "| 2 |", "| 3 |"))]
    assert "| **DEAD** (awaiting confirmation) |" in rows[0] and md(AWAITING) in rows[0]
    assert "failing since" not in rows[0]  # the confirmation names the streak already
    assert "| **DEAD** (confirmed) |" in rows[1] and md(CONFIRMED) in rows[1]
    assert "| uncertain |" in rows[2] and "failing since 2026-11-20, 1 check" in rows[2]
    original = next(line for line in text.splitlines() if line.startswith("- **Original page:**"))
    assert "**DEAD** (awaiting confirmation)" in original and md(AWAITING) in original
    assert "Previous run of job 'weekly': 2026-11-21 06:00:05 UTC." in text
    first = replace(confirmation_report(), changes=RunChanges(previous_run=None, series="the same 3 seeds"))
    write_report(first, tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "No previous run of the same 3 seeds is recorded: this is the first." in text


@pytest.mark.fast
def test_markdown_and_html_say_why_dead_links_are_not_split_without_a_history(tmp_path: Path) -> None:
    write_report(replace(confirmation_report(), changes=None), tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| Dead links confirmed | no history kept: dead links cannot be confirmed |" in text
    assert "awaiting confirmation |" not in text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    summary = html.split("<h2>Summary</h2>", 1)[1].split("</table>", 1)[0]
    assert ('<tr><th scope="row">Dead links confirmed</th>'
            '<td class="muted">no history kept: dead links cannot be confirmed</td></tr>') in summary


@pytest.mark.fast
def test_html_confirmation_of_dead_links(tmp_path: Path) -> None:
    report = confirmation_report()
    write_report(report, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    check_self_contained(html, report)
    summary = html.split("<h2>Summary</h2>", 1)[1].split("</table>", 1)[0]
    assert '<tr><th scope="row">Dead links confirmed</th><td class="n">1</td></tr>' in summary
    assert '<tr><th scope="row">Dead links awaiting confirmation</th><td class="n">1</td></tr>' in summary
    rows = html.split('<table class="links">', 1)[1].split("</table>", 1)[0].split("<tr")[2:]
    assert ('<span class="badge verdict dead">DEAD</span>'
            '<span class="badge confirmation awaiting-confirmation">awaiting confirmation</span>') in rows[0]
    assert f'<span class="history">{AWAITING}</span>' in rows[0]
    assert ('<span class="badge verdict dead">DEAD</span>'
            '<span class="badge confirmation confirmed">confirmed</span>') in rows[1]
    # a 403 keeps the uncertain badge, and no confirmation badge
    assert '<span class="badge verdict uncertain">UNCERTAIN</span></td>' in rows[2]
    assert "confirmation" not in rows[2]
    assert "Previous run of job &#x27;weekly&#x27;: 2026-11-21 06:00:05 UTC." in html


@pytest.mark.fast
def test_csv_confirmation_of_dead_links(tmp_path: Path) -> None:
    write_report(confirmation_report(), tmp_path)
    original, awaiting, confirmed, blocked = read_csv(tmp_path / "links.csv")
    assert (awaiting["verdict"], awaiting["confirmed"], awaiting["confirmation"]) == ("dead", "false", AWAITING)
    assert (confirmed["verdict"], confirmed["confirmed"], confirmed["confirmation"]) == ("dead", "true", CONFIRMED)
    assert (blocked["confirmed"], blocked["confirmation"]) == ("", "")
    assert (original["confirmed"], original["confirmation"]) == ("false", AWAITING)
