"""Two crawl processes, one Redis queue: every URL fetched exactly once."""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pytest

from tests.conftest import PROJECT, crawl_env, scrapy_command
from tests.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.servers import RedisServer
from tests.warc_checks import read_records, warcio_check

PAGES = 80


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_two_processes_share_one_queue(site, redis, postgres_url, tmp_path):  # noqa: F811
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    urls = [site.url(f"/many/{n}") for n in range(PAGES)]
    (seeds / "urls.txt").write_text("\n".join(urls) + "\n")
    warcs = tmp_path / "warcs"  # one folder for both: names must not collide
    # One queue in Redis, one history in PostgreSQL, shared by both processes.
    settings = {"ARCHIVER_REDIS_URL": redis.url, "ARCHIVER_JOB": "test-job", "ARCHIVER_DEPTH": "0",
                "CONCURRENT_REQUESTS": "2", "ARCHIVER_SOFT404_PROBES": "False",
                "ARCHIVER_HISTORY_ENABLED": "True", "ARCHIVER_HISTORY_URL": postgres_url,
                "LOG_LEVEL": "INFO"}
    procs = [
        subprocess.Popen(scrapy_command(seeds, warcs,
                                        {**settings, "ARCHIVER_REPORT_DIR": str(tmp_path / f"report{n}")}),
                         cwd=PROJECT, env=crawl_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for n in range(2)
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

    # both processes recorded their checks in the one history
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        runs = conn.execute(text("select count(*) from runs")).scalar()
        checked = conn.execute(text("select count(distinct url) from checks")).scalar()
        captured = conn.execute(text("select count(distinct url) from captures")).scalar()
        jobs = conn.execute(text("select distinct job from runs")).scalars().all()
    engine.dispose()
    assert runs == 2
    assert checked == PAGES
    assert captured >= PAGES
    # recorded under the job its Redis keys are named after
    assert jobs == ["test-job"]
