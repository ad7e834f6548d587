"""The report's vocabularies (StrEnums) against the README, the renderers and the history.

A StrEnum member is a ``str`` equal to its value, so the reports must come
out byte for byte as they did with plain strings; a renderer that used a
member's ``repr`` or ``name`` would write ``LinkStatus.OK`` or ``OK``.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver.analysis import health
from archiver.analysis.model import (
    ArticleReport,
    DateSource,
    LinkReport,
    LinkStatus,
    Report,
    TextComparison,
    TextVerdict,
    Verdict,
    page_date_source,
)
from archiver.audit import classified_findings, parse_fail_on, uncertain_links
from archiver.findings import FINDING_KINDS, FindingKind
from archiver.history import History
from archiver.report import render_csv, render_html, render_json, render_markdown
from archiver.warc.index import ArchiveIndex, FetchFailure, WarcLocation
from archiver.warc.vocab import FailureKind

pytestmark = pytest.mark.fast

PROJECT = Path(__file__).resolve().parent.parent
README = PROJECT / "README.md"
UTC = datetime.UTC
VOCABULARIES = (LinkStatus, Verdict, TextVerdict, DateSource, FindingKind, FailureKind)


def readme_section(title: str, page: Path = README) -> str:
    """A section of the README, or of a docs/ page: from its heading to the next heading."""
    text = page.read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n#", start + len(title))
    return text[start:] if end < 0 else text[start:end]


def status_table() -> dict[str, str]:
    """README's "Link status and verdict" table: status -> its verdict cell."""
    rows = [line for line in readme_section("### Link status and verdict").splitlines()
            if line.startswith("| `")]
    table: dict[str, str] = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        status = cells[0].strip("`")
        assert status not in table, f"{status} twice in the README's status table"
        table[status] = cells[-1]
    return table


# --- the README and the code agree ------------------------------------------------


def test_the_readme_status_table_has_every_link_status_once() -> None:
    assert sorted(status_table()) == sorted(LinkStatus)


@pytest.mark.parametrize("status", list(LinkStatus))
def test_each_status_has_the_verdict_the_readme_gives(status: LinkStatus) -> None:
    cell = status_table()[status]
    online = health.verdict_for(status, network_reachable=True)
    offline = health.verdict_for(status, network_reachable=False)
    assert isinstance(online, Verdict) and isinstance(offline, Verdict)
    assert cell.split(";")[0].strip() == online
    if "uncertain when the network was unreachable" in cell:
        assert offline == Verdict.UNCERTAIN and status in health.DEAD_ONLY_ONLINE
    else:
        assert offline == online


def test_every_status_has_exactly_one_verdict_in_a_run() -> None:
    assert not health.ALIVE & health.DEAD
    assert health.DEAD_ONLY_ONLINE <= health.DEAD
    for status in LinkStatus:
        verdicts = {v for v, statuses in ((Verdict.ALIVE, health.ALIVE), (Verdict.DEAD, health.DEAD))
                    if status in statuses}
        assert len(verdicts) <= 1
        assert health.verdict_for(status) == (verdicts.pop() if verdicts else Verdict.UNCERTAIN)


def test_the_warc_page_lists_every_failure_kind() -> None:
    section = readme_section("# The WARC files", PROJECT / "docs" / "warc.md")
    paragraph = section.split("Failure kinds:")[1].split("\n\n")[0]
    assert sorted(re.findall(r"`(\w+)`", paragraph)) == sorted(FailureKind)


def test_the_audit_page_lists_every_finding_kind() -> None:
    paragraph = readme_section("## `--fail-on`", PROJECT / "docs" / "audit.md").split("Kinds:")[1].split("\n\n")[0]
    assert sorted(set(re.findall(r"`(\w+)`", paragraph)) - {"any", "unchanged"}) == sorted(FindingKind)


# --- failure kinds become statuses ------------------------------------------------


def test_every_failure_kind_maps_to_one_link_status() -> None:
    assert set(health.FAILURE_STATUS) == set(FailureKind)
    for kind, status in health.FAILURE_STATUS.items():
        assert isinstance(status, LinkStatus)
        # A kind with a status of its own name is reported under that name.
        if kind in set(LinkStatus):
            assert status == kind


@pytest.mark.parametrize("kind", [*FailureKind, "another_tools_word"])
def test_a_failure_record_resolves_to_its_mapped_status(kind: str) -> None:
    url = "https://example.com/page"
    index = ArchiveIndex()
    index.add_failure(FetchFailure(url, str(kind), "it failed", 1, WarcLocation("a.warc.gz", 0)))
    resolution = health.resolve(url, index)
    expected = health.FAILURE_STATUS.get(kind, LinkStatus.CONNECTION_ERROR)
    assert resolution.status == expected and isinstance(resolution.status, LinkStatus)
    assert resolution.detail == "it failed"


# --- the reports read the same as with plain strings ------------------------------


def _link(url: str, status: LinkStatus, date_source: DateSource | None,
          page_source: DateSource | None) -> LinkReport:
    return LinkReport(
        url=url, anchor_text="a story about it", found_in=("seed.md",), status=status,
        verdict=health.verdict_for(status), http_status=200 if status in health.ALIVE else None,
        date=datetime.date(2025, 7, 16) if date_source else None, date_source=date_source,
        page_date=datetime.date(2025, 7, 16) if page_source else None, page_date_source=page_source,
        warc=WarcLocation("a.warc.gz", 10), detail=f"why {status}",
    )


def every_member_report() -> Report:
    page_sources = [DateSource.JSON_LD, DateSource.META, DateSource.TIME, DateSource.URL, DateSource.TEXT]
    links = tuple(
        _link(f"https://example.com/{i}", status, (DateSource.PAGE, DateSource.URL, None)[i % 3],
              page_sources[i % len(page_sources)])
        for i, status in enumerate(LinkStatus)
    )
    articles = tuple(
        ArticleReport(
            url=f"https://news.example/{i}", seeds=(f"seed{i}.md",), title=f"Article {i}",
            published=datetime.date(2025, 7, 15), published_source=source,
            original=_link(f"https://news.example/{i}", LinkStatus.OK, DateSource.PAGE, DateSource.META),
            text_similarity=0.5, text_verdict=verdict,
            comparisons=(TextComparison(f"seed{i}.md", "live", 0.5, verdict),),
            links=links if i == 0 else (),
        )
        for i, (verdict, source) in enumerate(zip(
            TextVerdict,
            [DateSource.FRONT_MATTER, DateSource.BYLINE, page_date_source(DateSource.JSON_LD), DateSource.URL],
        ))
    )
    return Report(generated=datetime.datetime(2025, 7, 20, 12, 0, tzinfo=UTC), network_reachable=True,
                  archives=("a.warc.gz",), articles=articles)


def plain(value):
    """The same value with every enum member replaced by its plain string."""
    if isinstance(value, enum.Enum):
        assert type(value.value) is str
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: plain(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    return value


def test_the_report_holds_every_member() -> None:
    report = every_member_report()
    links = [link for a in report.articles for link in (a.original, *a.links)]
    assert {link.status for link in links} == set(LinkStatus)
    assert {link.verdict for link in links} == set(Verdict)
    assert {a.text_verdict for a in report.articles} == set(TextVerdict)
    assert all(isinstance(link.status, LinkStatus) for link in links)
    # The plain copy really holds no member, or the comparisons below prove nothing.
    copy = plain(report)
    assert all(type(link.status) is str and type(link.verdict) is str
               for a in copy.articles for link in (a.original, *a.links))


@pytest.mark.parametrize("render", [render_json, render_markdown, render_html, render_csv],
                         ids=["json", "markdown", "html", "csv"])
def test_every_format_renders_members_as_their_plain_values(render) -> None:
    report = every_member_report()
    text = render(report)
    assert text == render(plain(report))
    for vocabulary in VOCABULARIES:
        assert f"{vocabulary.__name__}." not in text


def test_report_json_strings_are_the_plain_values() -> None:
    data = json.loads(render_json(every_member_report()))
    links = [link for a in data["articles"] for link in (a["original"], *a["links"])]
    assert sorted({link["status"] for link in links}) == sorted(s.value for s in LinkStatus)
    assert sorted({link["verdict"] for link in links}) == ["alive", "dead", "uncertain"]
    assert [a["text_verdict"] for a in data["articles"]] == ["unchanged", "edited", "rewritten", "different_page"]
    assert [a["published_source"] for a in data["articles"]] == ["front_matter", "byline", "page:json-ld", "url"]
    assert {link["date_source"] for link in links} == {"page", "url", None}
    assert {link["page_date_source"] for link in links} == {"json-ld", "meta", "time", "url", "text"}
    assert list(data["summary"]["verdicts"]) == ["alive", "dead", "uncertain"]
    assert list(data["summary"]["statuses"]) == [s.value for s in LinkStatus]
    assert list(data["summary"]["text_verdicts"]) == ["unchanged", "edited", "rewritten", "different_page"]


# --- findings and the history -----------------------------------------------------


def test_findings_are_classified_by_finding_kind() -> None:
    report = every_member_report()
    kinds = {kind for kind, _ in classified_findings(report) + uncertain_links(report)}
    assert kinds == {FindingKind.DEAD, FindingKind.UNCERTAIN, FindingKind.DRIFT}
    lines = [line for _, line in classified_findings(report)]
    assert "dead (gone): https://example.com/2" in lines
    assert FINDING_KINDS == tuple(FindingKind)
    assert parse_fail_on("dead, new") == {FindingKind.DEAD, FindingKind.NEW}
    assert parse_fail_on("any") == set(FindingKind)
    with pytest.raises(ValueError, match="integrity, dead, uncertain, date_mismatch"):
        parse_fail_on("dead,gone")


def test_the_history_stores_the_plain_words(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/history.sqlite"
    with History.open(url) as history:
        history.apply(every_member_report(), checked_at=datetime.datetime(2025, 7, 20, tzinfo=UTC))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT status, verdict_raw, verdict, typeof(status), typeof(verdict) FROM checks")).all()
    finally:
        engine.dispose()
    assert {row[0] for row in rows} == {s.value for s in LinkStatus}
    assert {row[1] for row in rows} | {row[2] for row in rows} <= {v.value for v in Verdict}
    assert {(row[3], row[4]) for row in rows} == {("text", "text")}
