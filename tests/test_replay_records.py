"""The replay check's records (issue 13, item 3), in-process: written, read back, reported per article.

No pywb, no browser: the results are built by hand, as the check would give
them, and go through the same writer, reader, analysis and report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.replay.check import set_skipped_apart, skipped_on_purpose, text_lines, write_results
from archiver.report import write_report
from archiver.seeds import Article
from archiver.summary import summary_lines
from archiver.warc import records
from archiver.warc.reader import read_archives
from archiver.warc.replaycheck import ArticleReplay, MissingResource, from_json, to_json
from archiver.warc.vocab import FailureKind, replay_check_uri
from archiver.warc.writer import RollingWarcWriter
from tests.warcs import MOMENT, WarcBuilder, html_page

pytestmark = pytest.mark.fast

STORY = "http://news.example/story"
QUIET = "http://news.example/quiet"


def archive(tmp_path: Path) -> Path:
    with WarcBuilder(tmp_path / "warcs") as warc:
        for url in (STORY, QUIET):
            warc.article(Article(url=url, title="Story"))
            warc.response(url, html_page("Story", ["Text."]))
    return warc.close()


def test_results_are_read_back_per_article_and_the_latest_wins(tmp_path) -> None:
    crawl = archive(tmp_path)
    first = ArticleReplay(STORY, "20261122103015", "2026-12-01T10:00:00+00:00", "pywb 2.10.0 (frameless) in Chromium",
                          archived=[STORY + ".css"])
    write_results(tmp_path / "warcs", "old", [first], gzip_level=3)
    later = ArticleReplay(STORY, "20261122103015", "2026-12-02T10:00:00+00:00", "pywb 2.10.0 (frameless) in Chromium",
                          archived=[STORY + ".css"], escaped=["http://elsewhere.example/x.png"],
                          missing=[MissingResource(STORY + ".png", 404, "not in the archive")])
    write_results(tmp_path / "warcs", "new", [later], gzip_level=3)
    index = read_archives(sorted((tmp_path / "warcs").glob("*.warc.gz")))
    assert len(index.replay_checks) == 2 and index.problems == []
    assert index.replay_check(STORY) == later
    assert index.replay_check(QUIET) is None
    assert crawl.name in index.files


def test_the_report_shows_each_article_s_replay_or_why_there_is_none(tmp_path) -> None:
    archive(tmp_path)
    result = ArticleReplay(STORY, "20261122103015", "2026-12-01T10:00:00+00:00", "pywb 2.10.0 (frameless) in Chromium",
                           archived=[STORY + ".css"],
                           missing=[MissingResource(STORY + ".png", 404, "not in the archive")],
                           escaped=["http://elsewhere.example/x.png"])
    write_results(tmp_path / "warcs", "archiver", [result], gzip_level=3)
    index = read_archives(sorted((tmp_path / "warcs").glob("*.warc.gz")))
    report = analyse(index, options=AnalysisOptions(workers=1))
    write_report(report, tmp_path / "report")
    articles = {a["url"]: a for a in json.loads((tmp_path / "report" / "report.json").read_text())["articles"]}
    story, quiet = articles[STORY], articles[QUIET]
    assert story["replay_unavailable"] is None
    assert story["replay_check"] == {
        "checked_at": "2026-12-01T10:00:00+00:00", "timestamp": "20261122103015",
        "replay": "pywb 2.10.0 (frameless) in Chromium", "complete": False, "not_judged": None,
        "archived_count": 1, "missing_count": 1, "escaped_count": 1, "archived": [STORY + ".css"],
        "missing": [{"url": STORY + ".png", "status": 404, "why": "not in the archive"}],
        "escaped": ["http://elsewhere.example/x.png"], "skipped_count": 0, "skipped": []}
    assert quiet["replay_check"] is None and quiet["replay_unavailable"].startswith("replay not checked: ")
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "- **Replay:** 1 resources archived, 1 missing in replay, 1 requests leaving the replay server" in markdown
    assert f"- {STORY}.png: not in the archive" in markdown
    assert "- **Replay:** replay not checked: the archive holds no replay check" in markdown
    html = (tmp_path / "report" / "report.html").read_text()
    assert "<h3>Missing in replay (2)</h3>" in html and "it would have left the replay server" in html
    assert ("Replay: 1 of 2 articles checked; 1 resources missing in replay, 1 requests leaving the replay server, "
            "0 articles not judged") in summary_lines(report, tmp_path / "report")


@pytest.mark.parametrize(("payload", "problem"), [
    ({"format": 2, "url": STORY, "timestamp": ""}, "this archiver reads format 1"),
    ({"format": 1, "url": QUIET, "timestamp": ""}, f"holds another page ({QUIET})"),
    ([], "not a JSON object"),
])
def test_an_unreadable_replay_check_record_is_an_integrity_problem(tmp_path, payload, problem) -> None:
    writer = RollingWarcWriter(tmp_path, "bad", 10**9, {"software": "tests"})
    writer.write(records.json_metadata_records(writer.builder, [(replay_check_uri(STORY), payload)], MOMENT))
    writer.close()
    index = read_archives(writer.closed_files)
    assert index.replay_checks == []
    [found] = index.problems
    assert found.problem.startswith(f"replay-check record {replay_check_uri(STORY)}") and problem in found.problem


VIDEO = "http://news.example/video.mp4"
SIZE_RULE = "over ARCHIVER_REQUISITE_MAXSIZE (20971520 bytes): skipped, not downloaded"


def test_a_requisite_skipped_by_rule_is_reported_apart_from_missing(tmp_path) -> None:
    with WarcBuilder(tmp_path / "warcs") as warc:
        warc.article(Article(url=STORY, title="Story"))
        warc.response(STORY, html_page("Story", ["Text."]))
        warc.failure(VIDEO, FailureKind.OVER_SIZE_LIMIT, SIZE_RULE)
        # Failed for another reason: a gap of the archive, still missing in replay.
        warc.failure(STORY + ".png", FailureKind.TIMEOUT, "no answer in 180 s")
    index = read_archives([warc.close()])
    skipped = skipped_on_purpose(index)
    assert list(skipped.values()) == [SIZE_RULE]
    seen = ArticleReplay(STORY, "20261122103015", archived=[STORY + ".css"], missing=[
        MissingResource(STORY + ".png", 404, "not in the archive"), MissingResource(VIDEO, 404, "not in the archive")])
    result = set_skipped_apart(seen, skipped)
    assert result.missing == [MissingResource(STORY + ".png", 404, "not in the archive")]
    assert result.skipped == [MissingResource(VIDEO, 404, f"skipped, not archived on purpose: {SIZE_RULE}")]
    assert f"  skipped: {VIDEO}: skipped, not archived on purpose: {SIZE_RULE}" in text_lines([result])
    # Written and read back; a record of a check that knew no "skipped" reads as none skipped.
    assert from_json(to_json(result)) == result
    older = {k: v for k, v in to_json(result).items() if k != "skipped"}
    assert from_json(older).skipped == []

    write_results(tmp_path / "warcs", "archiver", [result], gzip_level=3)
    report = analyse(read_archives(sorted((tmp_path / "warcs").glob("*.warc.gz"))),
                     options=AnalysisOptions(workers=1))
    write_report(report, tmp_path / "report")
    [story] = json.loads((tmp_path / "report" / "report.json").read_text())["articles"]
    replay = story["replay_check"]
    assert (replay["missing_count"], replay["skipped_count"]) == (1, 1)
    assert replay["skipped"] == [{"url": VIDEO, "status": 404,
                                  "why": f"skipped, not archived on purpose: {SIZE_RULE}"}]
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert ("1 missing in replay, 0 requests leaving the replay server, "
            "1 skipped by the crawl on purpose (not archived)") in markdown
    assert f"### Asked for in replay, skipped on purpose\n\n- {VIDEO}: skipped" in markdown
    html = (tmp_path / "report" / "report.html").read_text()
    assert "<h3>Asked for in replay, skipped on purpose (1)</h3>" in html
    assert ("0 articles not judged, 1 resources skipped by the crawl on purpose (not archived)"
            in summary_lines(report, tmp_path / "report")[-2])


def test_a_url_skipped_once_and_captured_later_is_not_skipped(tmp_path) -> None:
    with WarcBuilder(tmp_path / "warcs") as warc:
        warc.failure(VIDEO, FailureKind.OVER_SIZE_LIMIT, SIZE_RULE)
        warc.response(VIDEO, b"small now", content_type="video/mp4")
    assert skipped_on_purpose(read_archives([warc.close()])) == {}
