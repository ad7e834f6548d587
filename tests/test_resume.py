"""-s JOBDIR=…: a job killed with SIGKILL and started again finishes, once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter

from tests.conftest import PROJECT, crawl_env, scrapy_command
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
    while sum(site.site.hits.get(f"/many/{n}", 0) for n in range(PAGES)) < 40:
        assert first.poll() is None and time.monotonic() < deadline, "the first run ended too soon"
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert list(warcs.glob("*.open")), "the kill should leave an .open file behind"
    fetched_before = {p for p in site.site.hits if p.startswith("/many/")}
    assert len(fetched_before) < PAGES

    second = subprocess.run(command, cwd=PROJECT, env=crawl_env(), capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Resuming job" in second.stderr

    # no WARC left invalid, none left open
    assert not list(warcs.glob("*.open"))
    archived = Counter()
    for path in sorted(warcs.glob("*.warc.gz")):
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout
        archived.update(r["uri"] for r in read_records(path) if r["type"] == "response")
    # no URL lost, none archived twice
    assert {u: archived[u] for u in urls} == {u: 1 for u in urls}
    # the server may see again only what was in flight when the process died
    twice = [p for p, n in site.site.hits.items() if p.startswith("/many/") and n > 1]
    assert len(twice) <= CONCURRENCY, twice
    # the report covers the whole job, both runs
    data = json.loads((report / "report.json").read_text())
    assert {a["url"] for a in data["articles"]} == set(urls)
    assert len(data["archives"]) == len(list(warcs.glob("*.warc.gz")))
