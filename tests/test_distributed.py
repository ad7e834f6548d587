"""Two crawl processes, one Redis queue: every URL fetched exactly once."""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pytest

from tests.conftest import PROJECT, crawl_env, scrapy_command
from tests.servers import RedisServer
from tests.warc_checks import read_records, warcio_check

PAGES = 80


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_two_processes_share_one_queue(site, redis, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    urls = [site.url(f"/many/{n}") for n in range(PAGES)]
    (seeds / "urls.txt").write_text("\n".join(urls) + "\n")
    warcs = tmp_path / "warcs"  # one folder for both: names must not collide
    settings = {"ARCHIVER_REDIS_URL": redis.url, "ARCHIVER_JOB": "test-job", "ARCHIVER_DEPTH": "0",
                "CONCURRENT_REQUESTS": "2", "ARCHIVER_SOFT404_PROBES": "False",
                "ARCHIVER_REPORT_ENABLED": "False", "LOG_LEVEL": "INFO"}
    procs = [
        subprocess.Popen(scrapy_command(seeds, warcs, settings), cwd=PROJECT, env=crawl_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    logs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs
    hits = Counter({path: n for path, n in site.site.hits.items() if path.startswith("/many/")})
    assert len(hits) == PAGES
    assert set(hits.values()) == {1}, [p for p, n in hits.items() if n > 1]
    # each process did part of the work
    counts = [int(m.group(1)) if (m := re.search(r"'downloader/response_count': (\d+)", log)) else 0
              for log in logs]
    assert all(count > 1 for count in counts), counts
    files = sorted(warcs.glob("*.warc.gz"))
    assert len(files) >= 2
    archived = set()
    for path in files:
        assert warcio_check(path).returncode == 0
        archived |= {r["uri"] for r in read_records(path) if r["type"] == "response"}
    assert set(urls) <= archived
