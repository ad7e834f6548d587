"""docs/report.schema.json: a report with every field filled matches it, broken ones do not."""

from __future__ import annotations

import copy
import datetime
import json

import pytest

from archiver.analysis.model import (
    ArchivedCopy,
    ArticleReport,
    DateSource,
    LinkReport,
    LinkStatus,
    Report,
    RunChanges,
    TextComparison,
    TextVerdict,
    Verdict,
    page_date_source,
)
from archiver.report import render_json
from archiver.warc.index import IntegrityProblem, WarcLocation
from tests.report_schema import invalid_reports, schema_errors

pytestmark = pytest.mark.fast

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def full_link(url: str, *, dead: bool) -> LinkReport:
    """A link with every field set, as a crawl with a history and a web archive lookup writes it."""
    return LinkReport(
        url=url, anchor_text="Read the story", found_in=("seed.md", "live"),
        status=LinkStatus.GONE if dead else LinkStatus.REDIRECTED,
        verdict=Verdict.DEAD if dead else Verdict.ALIVE,
        http_status=404 if dead else 200, final_url=url + "?final", redirects=(url + "?hop",),
        date=datetime.date(2026, 11, 2), date_source=DateSource.PAGE,
        url_date=datetime.date(2026, 11, 1), page_date=datetime.date(2026, 11, 2),
        page_date_source=DateSource.JSON_LD, date_mismatch=True, title="The story",
        title_mismatch=False, warc=WarcLocation("archiver-1.warc.gz", 1234), detail="404 Not Found",
        captured=NOW, date_unavailable="(filled so that its type is checked too)",
        confirmed=False if dead else None,
        confirmation="awaiting confirmation: failing 1 of 3 checks needed since 2026-11-20" if dead else None,
        first_seen=NOW - datetime.timedelta(days=10), last_alive=NOW - datetime.timedelta(days=9),
        failing_since=NOW - datetime.timedelta(days=1), consecutive_failures=1, revived=not dead,
        archived_copy=ArchivedCopy("https://web.archive.org/web/2026/" + url, NOW, "https://web.archive.org/web/"),
    )


def full_report() -> dict:
    article = ArticleReport(
        url="https://news.example/2026/11/01/story", seeds=("seed.md", "seed.txt"), title="A story",
        published=datetime.date(2026, 11, 1), published_source=page_date_source(DateSource.META),
        original=full_link("https://news.example/2026/11/01/story", dead=False),
        text_similarity=0.97, text_verdict=TextVerdict.UNCHANGED,
        comparisons=(TextComparison("seed.md", "live", 0.97, TextVerdict.UNCHANGED, ("gone",), ("new",)),),
        date_findings=("seed date 2026-11-01 disagrees with the live page's 2026-11-02",),
        links=(full_link("https://other.example/a", dead=True), full_link("https://other.example/b", dead=False)),
        live_text_fingerprint="0" * 40,
    )
    report = Report(
        generated=NOW, network_reachable=True, archives=("archiver-1.warc.gz",), articles=(article,),
        integrity=(IntegrityProblem("archiver-1.warc.gz", 99, "digest mismatch"),), date_grace_days=1,
        notes=("a note",), skipped_seeds=(("photo.txt", "binary content, not a seed"),),
        changes=RunChanges(NOW - datetime.timedelta(days=7), ("https://other.example/a",), ("https://other.example/b",),
                           (article.url,), ("https://other.example/a",), series="job 'weekly'"),
    )
    return json.loads(render_json(report))


def test_a_report_with_every_field_filled_matches_the_schema() -> None:
    document = full_report()
    link = document["articles"][0]["links"][0]
    # Filled means filled: no field of the sample is null, so each one's type is checked.
    assert all(value is not None for value in link.values())
    assert document["changes"] is not None and document["integrity"] and document["skipped_seeds"]
    assert schema_errors(document) == []


def test_a_report_without_history_matches_and_says_why() -> None:
    report = Report(generated=NOW, network_reachable=False, archives=(), articles=(ArticleReport(
        url=None, seeds=("seed.md",), title=None, published=None, published_source=None, original=None,
        text_similarity=None, text_verdict=None, text_unavailable="text unavailable: the page was not archived"),))
    document = json.loads(render_json(report))
    assert schema_errors(document) == []
    assert document["summary"]["dead_links"]["confirmation_unavailable"]


def broken(change) -> dict:
    document = copy.deepcopy(full_report())
    change(document)
    return document


@pytest.mark.parametrize(("what", "change", "where"), [
    ("a missing key", lambda d: d["articles"][0]["links"][0].pop("verdict"), "$.articles[0].links[0]"),
    ("a wrong type", lambda d: d["articles"][0]["links"][0].update(http_status="404"),
     "$.articles[0].links[0].http_status"),
    ("an unknown key", lambda d: d["summary"].update(dead=3), "$.summary"),
    ("an unknown status", lambda d: d["articles"][0]["links"][1].update(status="vanished"),
     "$.articles[0].links[1].status"),
    ("an older schema", lambda d: d.update(schema_version=1), "$.schema_version"),
    ("a date that is no date", lambda d: d["articles"][0].update(published="01/11/2026"), "$.articles[0].published"),
    ("a null count without its reason", lambda d: d["summary"]["dead_links"].update(confirmed=None),
     "$.summary.dead_links"),
    ("a link not dead yet confirmed", lambda d: d["articles"][0]["links"][1].update(confirmed=True),
     "$.articles[0].links[1].confirmed"),
    ("no text verdict and no reason", lambda d: d["articles"][0].update(text_verdict=None),
     "$.articles[0].text_unavailable"),
])
def test_a_broken_report_fails_and_says_where(what, change, where) -> None:
    errors = schema_errors(broken(change))
    assert errors, what
    assert any(error.startswith(f"at {where}:") for error in errors), errors


def test_the_suites_check_names_the_file_and_the_error(tmp_path) -> None:
    folder = tmp_path / "not-a-report-of-the-suite"
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps(broken(lambda d: d.pop("summary"))), encoding="utf-8")
    failures = invalid_reports(folder, set())
    (folder / "report.json").unlink()  # the session's own check must not trip over it
    assert len(failures) == 1
    assert str((folder / "report.json").resolve()) in failures[0] and "'summary' is a required property" in failures[0]
