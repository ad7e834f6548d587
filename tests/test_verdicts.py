"""Verdicts from the archive alone, confirmation beside them (issue 11, item 1).

A site with every failing status, crawled with a history: the crawl's report
and ``archiver audit`` over its WARC files give the same verdict for every
link; the first run counts its dead links as awaiting confirmation; three runs
three days apart (History.apply on the audit's report, a fake clock) confirm them.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from archiver.analysis.analyse import AnalysisOptions
from archiver.audit import failing, run_audit
from archiver.findings import FindingKind
from archiver.history import DeadPolicy, History
from tests.conftest import PROJECT, crawl_env, run_crawl
from tests.site import STATUS_ARTICLE_PATH

SETTINGS = {"ARCHIVER_RETRY_BACKOFF": "0.1", "REDIRECT_MAX_TIMES": "3"}
T0 = datetime.datetime(2026, 11, 20, 6, 0, tzinfo=datetime.UTC)
# Every way the site fails for good: 404, 410 and 400, two soft 404s, a redirect
# loop, a TLS failure and a host that does not resolve (the network is up).
DEAD_PATHS = {"/status/404", "/status/410", "/status/400", "/soft/missing-story", "/moved-home", "/loop"}


def dead_urls(site) -> set[str]:
    tls = f"https://127.0.0.1:{urlsplit(site.base).port}/page/ok"  # the plain-HTTP site, asked in TLS
    return {site.url(path) for path in DEAD_PATHS} | {tls, "http://no-such-host.invalid/story"}


def every_link(report: dict) -> list[dict]:
    return [link for article in report["articles"] for link in (article["original"], *article["links"])]


def verdicts(report: dict) -> dict[str, tuple[str, str]]:
    return {link["url"]: (link["status"], link["verdict"]) for link in every_link(report)}


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("verdicts")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "statuses.md").write_text(
        "# Statuses of everything\n\nMarch 01, 2020\n\n"
        "[Email the editor](mailto:editor@example.org)\n\n"
        f"Original url: {site.url(STATUS_ARTICLE_PATH)}\n",
        encoding="utf-8",
    )
    result = run_crawl(seeds, root / "warcs", {
        **SETTINGS, "ARCHIVER_HISTORY_ENABLED": "True", "ARCHIVER_HISTORY_URL": f"sqlite:///{root / 'history.sqlite'}",
        "ARCHIVER_REPORT_DIR": str(root / "crawl-report"),
    }, extra_args=["--fail-on", "dead"])
    crawl_report = json.loads((root / "crawl-report" / "report.json").read_text())
    audit = subprocess.run([sys.executable, "-m", "archiver.cli", "audit", str(root / "warcs"),
                            "-o", str(root / "audit-report")],
                           cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    audit_report = json.loads((root / "audit-report" / "report.json").read_text())
    return root, result, crawl_report, audit, audit_report


def test_the_crawl_and_the_audit_give_the_same_verdicts(site, crawled):
    _, result, crawl_report, audit, audit_report = crawled
    assert verdicts(crawl_report) == verdicts(audit_report)
    dead = {url for url, (_, verdict) in verdicts(crawl_report).items() if verdict == "dead"}
    assert dead == dead_urls(site)
    # a 403 and a mailto link stay uncertain: not dead, nothing to confirm
    links = {link["url"]: link for link in every_link(crawl_report)}
    for url in (site.url("/status/403"), "mailto:editor@example.org"):
        assert (links[url]["verdict"], links[url]["confirmed"], links[url]["confirmation"]) == ("uncertain", None, None)
    # --fail-on dead fires on this run's dead links; the audit finds them too
    assert result.returncode == 1, result.log[-3000:]
    assert f"findings asked for by --fail-on: {len(dead)} dead" in result.log
    assert audit.returncode == 1, audit.stderr
    assert {line.split(": ", 1)[1] for line in audit.stdout.splitlines() if line.startswith("dead (")} == dead


def test_the_first_run_shows_its_dead_links_awaiting_confirmation(site, crawled):
    root, result, crawl_report, _, audit_report = crawled
    dead = len(dead_urls(site))
    summary = crawl_report["summary"]
    assert summary["verdicts"]["dead"] == dead
    assert summary["dead_links"] == {"confirmed": 0, "awaiting_confirmation": dead, "confirmation_unavailable": None}
    for link in every_link(crawl_report):
        if link["verdict"] == "dead":
            assert link["confirmed"] is False
            assert link["confirmation"].startswith("awaiting confirmation: failing 1 of 3 checks needed since ")
            assert "checks needed" not in (link["detail"] or "")
    assert crawl_report["changes"]["newly_dead"] == []
    assert f"Dead links: {dead} (0 confirmed, {dead} awaiting confirmation)" in result.log
    markdown = (root / "crawl-report" / "report.md").read_text(encoding="utf-8")
    assert f"| Links dead | {dead} |" in markdown
    assert f"| Dead links awaiting confirmation | {dead} |" in markdown
    # The audit keeps no history: it says why it cannot split them.
    assert audit_report["summary"]["dead_links"] == {
        "confirmed": None, "awaiting_confirmation": None,
        "confirmation_unavailable": "no history kept: dead links cannot be confirmed",
    }


def test_three_runs_three_days_apart_confirm_them(site, crawled, tmp_path):
    root, _, _, _, audit_report = crawled
    # The audit's own Report, as `archiver audit` computes it, judged by a history on a fake clock.
    report = run_audit([root / "warcs"], output=tmp_path / "report", options=AnalysisOptions(workers=1)).report
    assert report is not None
    dead = dead_urls(site)
    with History.open(f"sqlite:///{tmp_path / 'history.sqlite'}") as history:
        runs = [history.apply(report, checked_at=T0 + datetime.timedelta(days=n), policy=DeadPolicy(3, 3),
                              job="acceptance") for n in (0, 3, 6)]
    for n, run in enumerate(runs, 1):
        links = [link for article in run.articles for link in (article.original, *article.links) if link]
        # the verdict stays the archive's, whatever the history says
        assert {link.url: (link.status, link.verdict) for link in links} == verdicts(audit_report)
        judged = {link.url: link for link in links if link.verdict == "dead"}
        assert set(judged) == dead
        if n < 3:
            assert {link.confirmed for link in judged.values()} == {False}
            assert {link.confirmation for link in judged.values()} == {
                f"awaiting confirmation: failing {n} of 3 checks needed since 2026-11-20 "
                "(dead after 3 checks over 3 days)"}
            assert failing(run, frozenset({FindingKind.CONFIRMED})) == []
            assert run.changes is not None and run.changes.newly_dead == ()
        else:
            assert {link.confirmed for link in judged.values()} == {True}
            assert {link.confirmation for link in judged.values()} == {
                "confirmed: failing 3 checks since 2026-11-20 over 6 days"}
            assert run.changes is not None and set(run.changes.newly_dead) == dead
            assert len(failing(run, frozenset({FindingKind.CONFIRMED}))) == len(dead)
        assert len(failing(run, frozenset({FindingKind.DEAD}))) == len(dead)  # every run's dead links
        assert all(link.confirmed is None for link in links if link.verdict != "dead")
