"""PostgreSQL only: URL forms, crawl processes sharing one history, the CI rule.

The scenario tests of tests/test_history_store.py run on PostgreSQL too; the
server fixture is in tests/postgres.py.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver.history import SCHEMA_VERSION, History
from tests.postgres import PostgresServer, postgres_server, postgres_url, unavailable  # noqa: F401  (fixtures)

PROJECT = Path(__file__).resolve().parent.parent
UTC = datetime.UTC


def test_plain_postgresql_url_uses_psycopg(postgres_server: PostgresServer, postgres_url: str) -> None:  # noqa: F811
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    assert plain.startswith("postgresql://")
    with History.open(plain) as history:
        assert history.url.startswith("postgresql+psycopg://")
        history.record_capture("https://example.org/", "sha1:X", "2026-11-20T06:00:00Z", "a.warc.gz", 0)
    with History.open(postgres_url) as history:  # the same database, by the explicit driver
        assert history.find_capture("https://example.org/", "sha1:X") is not None


def test_wrong_database_is_named(postgres_server: PostgresServer) -> None:  # noqa: F811
    with pytest.raises(ValueError, match="cannot open history database .*no_such_db"):
        History.open(postgres_server.url("no_such_db"))


WORKER = textwrap.dedent("""
    import datetime, sys
    from archiver.analysis.model import ArticleReport, LinkReport, Report
    from archiver.history import History

    url, number, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    links = tuple(
        LinkReport(url=f"https://example.org/p/{i}", anchor_text=None, found_in=("s",), status="gone",
                   verdict="dead")
        for i in range(count)
    )
    article = ArticleReport(url=f"https://news.example/{number}", seeds=("s",), title=None, published=None,
                            published_source=None, original=None, text_similarity=None, text_verdict=None,
                            links=links)
    at = datetime.datetime(2026, 11, 20, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=number)
    with History.open(url) as history:
        for run in range(3):
            report = Report(generated=at, network_reachable=True, archives=(), articles=(article,))
            history.apply(report, checked_at=at + datetime.timedelta(seconds=run), job=f"host-{number}")
""")


def test_crawl_processes_sharing_one_history_lose_no_check(postgres_url: str) -> None:  # noqa: F811
    processes, links = 4, 30
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, postgres_url, str(n), str(links)], cwd=PROJECT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(processes)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one() == processes * 3
            assert conn.execute(sa.text("SELECT count(*) FROM checks")).scalar_one() == processes * 3 * links
            per_url = conn.execute(sa.text("SELECT count(*) FROM checks GROUP BY url_hash")).scalars().all()
            assert per_url == [processes * 3] * links
            assert conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars().all() \
                == list(range(1, SCHEMA_VERSION + 1))  # each migration applied once
    finally:
        engine.dispose()


def test_missing_postgresql_skips_or_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        unavailable("PostgreSQL is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        unavailable("PostgreSQL is not installed")
