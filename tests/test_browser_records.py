"""The browser's records (issue 14) written and read back, without a browser: records, index, analysis, report."""

from __future__ import annotations

import json

import pytest

from archiver.analysis.analyse import analyse
from archiver.analysis.model import TextSource
from archiver.analysis.pages import PageJob, examine
from archiver.config import ArchiverConfig, SettingError
from archiver.report.html import render_html
from archiver.report.json import report_to_dict
from archiver.warc import records, vocab
from archiver.warc.filereader import THUMBNAIL_BYTES
from archiver.warc.reader import read_archives
from tests.warc_checks import read_records
from tests.warcs import WarcBuilder, html_page

pytestmark = pytest.mark.fast

URL = "http://news.example/2026/11/bridge"
STORY = ["The harbour bridge reopened to traffic on Monday after two years of repairs that cost the city "
         "far more than its engineers first estimated.",
         "Engineers replaced every cable of the suspension span and rebuilt the deck with a lighter steel "
         "that should need less care in the decades to come."]
SEED = f"# Harbour bridge reopens\n\nNovember 20, 2026\n\nOriginal url: {URL}\n\n" + "\n\n".join(STORY) + "\n"
# What the server sends: a headline and a script; what the browser shows: the story the script wrote.
SHELL = html_page("Harbour bridge reopens", [])
RENDERED = html_page("Harbour bridge reopens", STORY).decode("utf-8")


def _archive(tmp_path, *, dom: str | None = RENDERED, thumbnail: bytes = b"\xff\xd8jpeg", failure=None):
    response_id = records.new_record_id()
    with WarcBuilder(tmp_path) as warc:
        warc.seed("bridge.md", SEED)
        warc.response(URL, SHELL, record_id=response_id)
        if dom is not None:
            warc.rendering(URL, dom, concurrent_to=response_id, thumbnail=thumbnail)
        if failure:
            warc.browser_failure(URL, *failure, concurrent_to=response_id)
    return warc.path, response_id


def test_the_evidence_records_name_the_pages_response(tmp_path) -> None:
    path, response_id = _archive(tmp_path)
    recs = read_records(path)
    [response] = [r for r in recs if r["type"] == "response"]
    assert response["rec_headers"].get_header("WARC-Record-ID") == response_id  # chosen by the crawl
    evidence = {r["uri"]: r for r in recs if r["type"] == "resource" and not r["uri"].startswith(vocab.SEED_URN)}
    assert set(evidence) == {f"urn:archiver:screenshot:{URL}", f"urn:archiver:thumbnail:{URL}",
                             f"urn:archiver:rendered-dom:{URL}"}
    assert {r["rec_headers"].get_header("WARC-Concurrent-To") for r in evidence.values()} == {response_id}
    assert evidence[f"urn:archiver:screenshot:{URL}"]["rec_headers"].get_header("Content-Type") == "image/png"


def test_an_article_whose_html_has_no_text_is_read_from_the_rendered_dom(tmp_path) -> None:
    path, _ = _archive(tmp_path)
    index = read_archives([path])
    assert set(index.rendering(URL)) == {vocab.SCREENSHOT_URN, vocab.THUMBNAIL_URN, vocab.RENDERED_DOM_URN}
    [article] = analyse(index).articles
    assert article.text_verdict == "unchanged", article
    assert article.rendering is not None and article.rendering.text_from == TextSource.RENDERED_DOM
    assert article.rendering.thumbnail_jpeg == b"\xff\xd8jpeg"
    out = report_to_dict(analyse(index))["articles"][0]["rendering"]
    assert out["screenshot"] == {"uri": f"urn:archiver:screenshot:{URL}", "file": path.name,
                                 "offset": article.rendering.screenshot.location.offset, "bytes": 3}
    assert out["text_from"] == "rendered_dom" and out["failures"] == [] and out["replay_similarity"] is None


def test_without_a_rendering_the_html_alone_is_judged(tmp_path) -> None:
    # What the browser is for: the headline alone is judged another page than the seed.
    path, _ = _archive(tmp_path, dom=None)
    [article] = analyse(read_archives([path])).articles
    assert article.rendering is None and article.text_verdict == "different_page"
    assert report_to_dict(analyse(read_archives([path])))["articles"][0]["rendering"] is None


def test_a_rendering_with_as_little_text_as_the_html_keeps_the_html(tmp_path) -> None:
    path, _ = _archive(tmp_path, dom=SHELL.decode("utf-8"))
    [article] = analyse(read_archives([path])).articles
    assert article.rendering is not None and article.rendering.text_from == TextSource.HTML


def test_a_browser_failure_is_in_the_report(tmp_path) -> None:
    path, _ = _archive(tmp_path, dom=None, failure=("crash", "Target crashed"))
    report = analyse(read_archives([path]))
    [article] = report.articles
    assert article.rendering is not None and article.rendering.screenshot is None
    assert article.rendering.failures == (("crash", "Target crashed"),)
    html = render_html(report)
    assert "browser crash: Target crashed" in html and "no screenshot" in html
    assert json.loads(json.dumps(report_to_dict(report)))["articles"][0]["rendering"]["failures"] == [
        {"kind": "crash", "message": "Target crashed"}]


def test_the_thumbnail_is_inline_only_under_its_cap(tmp_path) -> None:
    small, _ = _archive(tmp_path / "small")
    assert 'src="data:image/jpeg;base64,/9hqcGVn"' in render_html(analyse(read_archives([small])))
    big, _ = _archive(tmp_path / "big", thumbnail=b"\xff" * (THUMBNAIL_BYTES + 1))
    report = analyse(read_archives([big]))
    assert report.articles[0].rendering.thumbnail.length == THUMBNAIL_BYTES + 1
    html = render_html(report)
    assert "data:image/jpeg" not in html and "thumbnail over the size" in html


def test_the_browser_settings() -> None:
    config = ArchiverConfig.from_settings({})
    assert (config.browser, config.browser_pages, config.browser_timeout) == (False, "articles", 30.0)
    assert ArchiverConfig.from_settings({"ARCHIVER_BROWSER_PAGES": "All"}).browser_pages == "all"
    with pytest.raises(SettingError, match="ARCHIVER_BROWSER_PAGES must be articles"):
        ArchiverConfig.from_settings({"ARCHIVER_BROWSER_PAGES": "some"})


def test_the_rendered_dom_is_read_as_utf8_whatever_its_meta_says(tmp_path) -> None:
    # The page was sent in windows-1252; the browser's DOM keeps the <meta> but is stored as UTF-8.
    story = [p.replace("harbour", "harbour café") for p in STORY]
    dom = html_page("Harbour bridge reopens", story).decode("utf-8").replace(
        "<head>", '<head><meta charset="windows-1252">', 1)
    path, _ = _archive(tmp_path, dom=dom)
    index = read_archives([path])
    record = index.rendering(URL)[vocab.RENDERED_DOM_URN]
    result = examine(PageJob(str(path), record.location.offset, URL, want_links=True))
    assert result.facts is not None and "harbour café" in result.facts.text, result
