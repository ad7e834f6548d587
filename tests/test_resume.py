"""-s JOBDIR=…: a job killed with SIGKILL and started again finishes, once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter

import pytest

from archiver.crawl.resume import Journal, ResumeState, resume_state, whole_records_end
from archiver.warc.vocab import CrawlRole
from tests.conftest import PROJECT, crawl_env, scrapy_command, small_disk_at
from tests.warc_checks import read_records, warcio_check

PAGES = 150
CONCURRENCY = 2


def test_killed_job_resumes_without_losing_or_refetching(site, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    urls = [site.url(f"/many/{n}") for n in range(PAGES)]
    (seeds / "urls.txt").write_text("\n".join(urls) + "\n")
    warcs, report = tmp_path / "warcs", tmp_path / "report"
    command = scrapy_command(seeds, warcs, {
        "JOBDIR": str(tmp_path / "job"), "ARCHIVER_DEPTH": "0", "ARCHIVER_SOFT404_PROBES": "False",
        "CONCURRENT_REQUESTS": str(CONCURRENCY), "ARCHIVER_WARC_MAX_SIZE": "60000",
        "ARCHIVER_REPORT_DIR": str(report),
    })
    first = subprocess.Popen(command, cwd=PROJECT, env=crawl_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    # Killed mid-file: 40 pages fetched and a file being written. Under load the
    # writer may be between two files (it opens the next on its next record).
    while (sum(site.site.hits.get(f"/many/{n}", 0) for n in range(PAGES)) < 40
           or not list(warcs.glob("*.open"))):
        assert first.poll() is None and time.monotonic() < deadline, "the first run ended too soon"
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert list(warcs.glob("*.open")), "the kill should leave an .open file behind"
    fetched_before = {p for p in site.site.hits if p.startswith("/many/")}
    assert len(fetched_before) < PAGES
    # A seed added before the restart is archived and recorded as an article too.
    added = site.url(f"/many/{PAGES}")
    (seeds / "added.txt").write_text(added + "\n")

    second = subprocess.run(command, cwd=PROJECT, env=crawl_env(), capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Resuming job" in second.stderr

    # no WARC left invalid, none left open
    assert not list(warcs.glob("*.open"))
    archived, recorded = Counter(), Counter()
    for path in sorted(warcs.glob("*.warc.gz")):
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout
        records = read_records(path)
        archived.update(r["uri"] for r in records if r["type"] == "response")
        recorded.update(r["uri"] for r in records if r["type"] in ("resource", "metadata")
                        and r["uri"].startswith(("urn:archiver:seed:", "urn:archiver:article:")))
    # no URL lost, none archived twice
    assert {u: archived[u] for u in [*urls, added]} == {u: 1 for u in [*urls, added]}
    # each seed and each article recorded once: the killed run's are not written again
    assert recorded["urn:archiver:seed:urls.txt"] == 1 and recorded["urn:archiver:seed:added.txt"] == 1
    articles = [uri for uri in recorded if uri.startswith("urn:archiver:article:")]
    assert len(articles) == PAGES + 1 and set(recorded[uri] for uri in articles) == {1}
    # the server may see again only what was in flight when the process died
    twice = [p for p, n in site.site.hits.items() if p.startswith("/many/") and n > 1]
    assert len(twice) <= CONCURRENCY, twice
    # the report covers the whole job, both runs
    data = json.loads((report / "report.json").read_text())
    assert {a["url"] for a in data["articles"]} == {*urls, added}
    assert not [n for n in data["notes"] if "article record" in n], data["notes"]  # every seed covered
    assert len(data["archives"]) == len(list(warcs.glob("*.warc.gz")))


@pytest.fixture
def small_disk(tmp_path):
    with small_disk_at(tmp_path / "disk", "64k") as mount:
        yield mount


def test_a_job_stopped_by_a_full_disk_resumes_and_fetches_the_cut_record_again(site, tmp_path, small_disk):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    urls = [site.url(f"/many/{n}") for n in range(PAGES)]
    (seeds / "urls.txt").write_text("\n".join(urls) + "\n")
    warcs = small_disk / "warcs"
    command = scrapy_command(seeds, warcs, {
        "JOBDIR": str(tmp_path / "job"), "ARCHIVER_DEPTH": "0", "ARCHIVER_SOFT404_PROBES": "False",
        "CONCURRENT_REQUESTS": str(CONCURRENCY), "ARCHIVER_WARC_MAX_SIZE": "20000",
        "ARCHIVER_REPORT_DIR": str(tmp_path / "report"),
    })
    first = subprocess.run(command, cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    assert first.returncode == 1, first.stderr[-3000:]
    assert "No space left on device" in first.stderr
    # What the full disk stopped is cut back: every file holds whole records only.
    for path in warcs.iterdir():
        if path.name.endswith((".warc.gz", ".warc.gz.open")):
            assert whole_records_end(path) == path.stat().st_size, path.name
    archived_before = {r["uri"] for path in warcs.glob("*.warc.gz*") for r in read_records(path)
                       if r["type"] == "response"}
    assert 0 < len(archived_before) < PAGES

    subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)  # the disk freed
    second = subprocess.run(command, cwd=PROJECT, env=crawl_env(), capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert not list(warcs.glob("*.open"))
    archived = Counter()
    for path in sorted(warcs.glob("*.warc.gz")):
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout
        archived.update(r["uri"] for r in read_records(path) if r["type"] == "response")
    # every URL archived exactly once, the one whose record the disk cut included
    assert {u: archived[u] for u in urls} == {u: 1 for u in urls}


@pytest.mark.fast
def test_resume_cuts_a_closed_file_whose_last_member_lost_its_checksum(tmp_path):
    from archiver.warc.records import exchange_records
    from archiver.warc.writer import RollingWarcWriter
    from tests.test_warc_writer import exchange

    journal = Journal(tmp_path / "job")
    writer = RollingWarcWriter(tmp_path / "warcs", "job", 10_000_000, lambda: {"software": "tests"},
                               on_open=journal.warc_opened)
    kept, cut = "http://news.example/kept", "http://news.example/cut"
    for url in (kept, cut):
        journal.scheduled(url, CrawlRole(0, url))
        writer.write(exchange_records(writer.builder, exchange(url=url)))
    writer.close()
    [path] = writer.closed_files
    data = path.read_bytes()
    path.write_bytes(data[:-5])  # inside the last member's 8-byte trailer: warcio reads it whole
    state = resume_state(journal)
    assert state.is_done(kept)
    assert not state.is_done(cut)
    assert set(state.pending) == {cut}
    assert warcio_check(path).returncode == 0
    assert cut not in path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj").read_text()


@pytest.mark.fast
def test_a_resume_archives_only_the_seeds_and_articles_that_changed(tmp_path):
    from archiver.seeds import group_articles, load_seeds
    from archiver.warc.reader import read_archives
    from tests.warcs import WarcBuilder

    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "kept.txt").write_text("https://news.example/kept\n")
    (folder / "edited.md").write_text("# Old title\n\nOriginal url: https://news.example/edited\n")
    (folder / "bad.pdf").write_bytes(b"not a pdf")
    documents, problems = load_seeds(folder)
    with WarcBuilder(tmp_path / "warcs") as warc:  # what the killed run archived
        for document in documents:
            warc.seed(document.name, document.content)
        for problem in problems:
            warc.seed_problem(problem.name, problem.reason)
        for article in group_articles(documents):
            warc.article(article)
    state = ResumeState(index=read_archives([warc.path]))

    (folder / "edited.md").write_text("# New title\n\nOriginal url: https://news.example/edited\n")
    (folder / "added.txt").write_text("https://news.example/added\n")
    documents, problems = load_seeds(folder)
    assert [d.name for d in state.unarchived_seeds(documents)] == ["added.txt", "edited.md"]
    assert state.unarchived_problems(problems) == []
    assert sorted(a.url for a in state.unrecorded_articles(group_articles(documents))) == [
        "https://news.example/added", "https://news.example/edited"]
    # A first run (nothing archived yet) records everything.
    assert len(ResumeState().unarchived_seeds(documents)) == len(documents)
