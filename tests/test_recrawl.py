"""Scheduled re-crawls: revisit records, link history, what changed since the last run."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import run_crawl
from tests.site import ARTICLE_PATH
from tests.test_crawl import write_seed
from tests.warc_checks import read_records, warcio_check

PAGES = ("/page/ok", "/page/gzip", "/page/chunked", "/page/headers", "/page/final", "/files/report.pdf")


@pytest.fixture(scope="module")
def two_runs(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("recrawl")
    seeds = write_seed(root / "seeds", site)
    history = f"sqlite:///{root / 'history.sqlite'}"
    runs = []
    for n in (1, 2):
        result = run_crawl(seeds, root / "warcs", {
            "ARCHIVER_HISTORY_ENABLED": "True", "ARCHIVER_HISTORY_URL": history,
            "ARCHIVER_DEAD_AFTER_CHECKS": "2", "ARCHIVER_DEAD_AFTER_DAYS": "0",
            "ARCHIVER_REPORT_DIR": str(root / f"report{n}"), "ARCHIVER_RETRY_BACKOFF": "0.1",
        }, extra_args=["--fail-on", "new"], env={"SCRAPY_JOB": f"recrawl-{n}"})
        runs.append((result, json.loads((root / f"report{n}" / "report.json").read_text())))
    return root, runs


def records_by_type(files):
    out = {}
    for path in files:
        for record in read_records(path):
            out.setdefault(record["type"], []).append((path, record))
    return out


def test_second_run_writes_revisits_for_unchanged_payloads(site, two_runs):
    root, _ = two_runs
    files = sorted((root / "warcs").glob("*.warc.gz"))
    first_run = [f for f in files if any(r["type"] == "response" for r in read_records(f))]
    assert files and all(warcio_check(f).returncode == 0 for f in files)
    revisits = records_by_type(files).get("revisit", [])
    revisited = {r["uri"] for _, r in revisits}
    for path in PAGES:
        assert site.url(path) in revisited, path
    for _, record in revisits:
        headers = record["rec_headers"]
        assert headers.get_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert headers.get_header("WARC-Refers-To-Target-URI") == record["uri"]
        assert headers.get_header("WARC-Refers-To-Date")
        assert headers.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert len(first_run) >= 1


def test_the_second_report_reads_through_revisits(site, two_runs):
    _, runs = two_runs
    [article] = runs[1][1]["articles"]
    links = {l["url"]: l for l in article["links"]}
    # titles come from the payloads the revisits refer to, in the first run's file
    assert links[site.url("/page/gzip")]["title"] == "A gzip page"
    assert links[site.url("/page/ok")]["status"] == "ok"
    assert article["original"]["status"] == "ok"
    assert article["live_text_fingerprint"] == runs[0][1]["articles"][0]["live_text_fingerprint"]


def test_history_confirms_dead_links_and_reports_what_is_new(site, two_runs):
    _, ((first, report1), (second, report2)) = two_runs
    one = {l["url"]: l for l in report1["articles"][0]["links"]}
    two = {l["url"]: l for l in report2["articles"][0]["links"]}
    missing = site.url("/status/404")
    # one failed check of the two needed: dead in this run, not confirmed yet
    assert one[missing]["verdict"] == "dead" and one[missing]["consecutive_failures"] == 1
    assert one[missing]["confirmed"] is False
    assert one[missing]["confirmation"].startswith("awaiting confirmation: failing 1 of 2 checks needed since ")
    assert report1["summary"]["dead_links"]["confirmed"] == 0
    assert report1["summary"]["dead_links"]["awaiting_confirmation"] == report1["summary"]["verdicts"]["dead"] > 0
    assert two[missing]["verdict"] == "dead" and two[missing]["consecutive_failures"] == 2
    assert two[missing]["confirmed"] is True and two[missing]["confirmation"].startswith("confirmed: failing 2 checks")
    assert report2["summary"]["dead_links"]["confirmed"] > 0
    assert two[missing]["failing_since"] == one[missing]["failing_since"]
    assert two[site.url("/page/ok")]["last_alive"] and two[site.url("/page/ok")]["first_seen"]
    assert missing in report2["changes"]["newly_dead"]
    assert report2["changes"]["text_changed"] == []
    # --fail-on new: the first run found nothing confirmed; the second did
    assert first.returncode == 0, first.log[-2000:]
    assert second.returncode == 1, second.log[-2000:]


def test_each_run_is_recorded_under_its_job_and_compared_with_the_last_over_the_same_seeds(two_runs):
    root, ((_, report1), (_, report2)) = two_runs
    # Scrapyd's job names one crawl: the history records it, and the previous
    # run is the last one over the same seeds, of any job.
    with sqlite3.connect(root / "history.sqlite") as conn:
        rows = conn.execute("SELECT job, seeds_key FROM runs ORDER BY started").fetchall()
    conn.close()
    assert [job for job, _ in rows] == ["recrawl-1", "recrawl-2"]
    assert rows[0][1] == rows[1][1] and len(rows[0][1]) == 64
    assert report1["changes"]["previous_run"] is None
    assert report2["changes"]["previous_run"] is not None
    assert report2["changes"]["series"] == "the same 1 seed"


def test_combined_warcs_replay_in_pywb(site, two_runs, pywb):
    root, _ = two_runs
    files = sorted((root / "warcs").glob("*.warc.gz"))
    collection = pywb.collection("recrawl", files)
    for path in PAGES:
        status, headers, body = collection.original(site.url(path))
        assert status == 200, path
        assert body == site.site.served_body(path), path


@pytest.fixture(scope="module")
def two_folders(site, tmp_path_factory):
    """Two crawls of the same seeds into two folders, sharing one history."""
    root = tmp_path_factory.mktemp("folders")
    seeds = write_seed(root / "seeds", site)
    history = f"sqlite:///{root / 'history.sqlite'}"
    reports = []
    for name in ("first", "second"):
        result = run_crawl(seeds, root / name, {
            "ARCHIVER_HISTORY_ENABLED": "True", "ARCHIVER_HISTORY_URL": history,
            "ARCHIVER_REPORT_DIR": str(root / f"report-{name}"), "ARCHIVER_RETRY_BACKOFF": "0.1",
        })
        assert result.returncode == 0, result.log[-3000:]
        reports.append(json.loads((root / f"report-{name}" / "report.json").read_text()))
    return root, reports


def judgements(report):
    [article] = report["articles"]
    return ((article["title"], article["published"], article["text_verdict"]),
            sorted((l["url"], l["title"], l["date"], l["status"], l["verdict"] == "alive") for l in article["links"]))


def test_a_crawl_into_another_folder_refers_to_nothing_outside_it(two_folders):
    root, (first, second) = two_folders
    assert judgements(second) == judgements(first)
    assert second["integrity"] == []
    records = [r for path in sorted((root / "second").glob("*.warc.gz")) for r in read_records(path)]
    originals = {(r["uri"], r["rec_headers"].get_header("WARC-Payload-Digest"))
                 for r in records if r["type"] == "response"}
    revisits = [r for r in records if r["type"] == "revisit"]
    # A retried 500 may repeat a payload of this crawl; none repeats one of the first folder.
    for revisit in revisits:
        headers = revisit["rec_headers"]
        assert (headers.get_header("WARC-Refers-To-Target-URI"),
                headers.get_header("WARC-Payload-Digest")) in originals, revisit["uri"]
    assert len(originals) > 10


def test_a_revisit_whose_original_is_gone_says_why(site, two_runs, tmp_path):
    """The second run's files alone, the first run's file out of reach: the report says what is missing."""
    import shutil
    import subprocess
    import sys

    from tests.conftest import PROJECT

    root, _ = two_runs
    alone = tmp_path / "alone"
    alone.mkdir()
    *_, second_run = sorted((root / "warcs").glob("*.warc.gz"))  # names start with the time
    shutil.copy(second_run, alone / second_run.name)
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "archiver.cli", "audit", str(alone), "-o", str(out)],
                            cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    report = json.loads((out / "report.json").read_text())
    missing = [p["problem"] for p in report["integrity"] if "revisit of" in p["problem"]]
    article_url = site.url(ARTICLE_PATH)
    assert any(p.startswith(f"revisit of {article_url} refers to {article_url}") and "not in the files read" in p
               for p in missing), missing
    [article] = report["articles"]
    # The article's page is the revisit: the report says why there is no text, never a bare null.
    assert article["original"]["detail"].startswith(f"text unavailable: revisit of {article_url}")
