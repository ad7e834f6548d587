"""The history database through History.apply, on SQLite and on a real PostgreSQL.

Each test runs on both backends (``history_url``); the PostgreSQL ones skip
when PostgreSQL is not installed (and fail instead when ``CI`` is set).
"""

from __future__ import annotations

import datetime
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver.analysis.model import ArticleReport, LinkReport, Report, RunChanges
from archiver.history import (
    DEFAULT_URL,
    SCHEMA_VERSION,
    CaptureRef,
    DeadPolicy,
    History,
    HistoryError,
    SchemaTooNewError,
    url_from_settings,
)
from archiver.history import store as store_module
from archiver.history.migrations import MIGRATIONS, Migration
from archiver.history.tables import checks, metadata, runs, url_hash
from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

UTC = datetime.UTC
T0 = datetime.datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
ARTICLE = "https://news.example/2026/11/01/story"
L_DIES = "https://a.example/dies"
L_FLAKY = "https://b.example/flaky"
L_BACK = "https://c.example/comes-back"
L_DATE = "https://d.example/2026/12/01/later"
L_MAIL = "mailto:desk@news.example"
VERDICT = {"ok": "alive", "redirected": "alive", "gone": "dead", "dns_error": "dead", "timeout": "uncertain",
           "unsupported": "uncertain", "blocked": "uncertain"}


def day(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(days=n)


def link(url: str, status: str, *, online: bool = True, date_mismatch: bool = False,
         detail: str | None = None) -> LinkReport:
    verdict = VERDICT[status] if online or status != "dns_error" else "uncertain"
    return LinkReport(url=url, anchor_text="anchor", found_in=("seed.md",), status=status, verdict=verdict,
                      date_mismatch=date_mismatch, detail=detail)


def report(links: list[LinkReport], *, original: str = "ok", fingerprint: str | None = "f1",
           online: bool = True, article_url: str = ARTICLE, seeds: tuple[str, ...] = ("seed.md",)) -> Report:
    article = ArticleReport(
        url=article_url, seeds=seeds, title="Story", published=datetime.date(2026, 11, 1),
        published_source="meta", original=link(article_url, original, online=online),
        text_similarity=None, text_verdict=None, links=tuple(links), live_text_fingerprint=fingerprint,
    )
    return Report(generated=T0, network_reachable=online, archives=("a.warc.gz",), articles=(article,))


def links_of(result: Report) -> dict[str, LinkReport]:
    article = result.articles[0]
    found = {link.url: link for link in article.links}
    assert article.original is not None
    found["original"] = article.original
    return found


# SQLite runs in the fast tier; PostgreSQL is a real server.
@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.fast), "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state/history.sqlite"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def history(history_url: str) -> Iterator[History]:
    opened = History.open(history_url)
    yield opened
    opened.close()


def engine_for(url: str) -> sa.Engine:
    return sa.create_engine(store_module.database_url(url))


def count_rows(url: str, table: str) -> int:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


# --- the scenario -------------------------------------------------------------


def test_runs_days_apart(history: History, history_url: str) -> None:
    policy = DeadPolicy(checks=3, days=3)

    # day 0: first run
    first = history.apply(report([
        link(L_DIES, "gone", detail="HTTP 404"), link(L_FLAKY, "ok"), link(L_BACK, "gone"),
        link(L_DATE, "ok"), link(L_MAIL, "unsupported"),
    ]), checked_at=day(0), policy=policy)
    got = links_of(first)
    assert got[L_DIES].verdict == "dead" and got[L_DIES].confirmed is False
    assert got[L_DIES].confirmation == ("awaiting confirmation: failing 1 of 3 checks needed since 2026-11-20 "
                                        "(dead after 3 checks over 3 days)")
    assert got[L_DIES].detail == "HTTP 404"
    assert got[L_FLAKY].confirmed is None and got[L_MAIL].confirmed is None
    assert (got[L_DIES].first_seen, got[L_DIES].failing_since, got[L_DIES].consecutive_failures) == (T0, T0, 1)
    assert got[L_DIES].last_alive is None
    assert got[L_FLAKY].last_alive == T0 and got[L_FLAKY].consecutive_failures == 0
    assert got[L_MAIL].first_seen == T0 and got[L_MAIL].consecutive_failures == 0
    assert got["original"].last_alive == T0
    assert first.changes == RunChanges(previous_run=None)

    # day 1: the date mismatch appears
    second = history.apply(report([
        link(L_DIES, "gone"), link(L_FLAKY, "ok"), link(L_BACK, "gone"),
        link(L_DATE, "ok", date_mismatch=True), link(L_MAIL, "unsupported"),
    ]), checked_at=day(1), policy=policy)
    got = links_of(second)
    assert got[L_DIES].consecutive_failures == 2 and got[L_DIES].confirmed is False
    assert second.changes == RunChanges(previous_run=day(0), new_date_mismatches=(L_DATE,))

    # day 2: the network is down; nothing counts
    offline = history.apply(report([
        link(L_DIES, "dns_error", online=False, detail="DNS lookup failed"),
        link(L_FLAKY, "dns_error", online=False), link(L_BACK, "dns_error", online=False),
        link(L_DATE, "dns_error", online=False), link(L_MAIL, "unsupported", online=False),
    ], original="dns_error", fingerprint=None, online=False), checked_at=day(2), policy=policy)
    got = links_of(offline)
    assert got[L_DIES].verdict == "uncertain" and got[L_DIES].detail == "DNS lookup failed"
    assert (got[L_DIES].first_seen, got[L_DIES].failing_since, got[L_DIES].consecutive_failures) == (T0, T0, 2)
    assert got[L_FLAKY].last_alive == day(1) and got[L_FLAKY].consecutive_failures == 0
    assert got["original"].verdict == "uncertain" and got["original"].last_alive == day(1)
    assert offline.changes == RunChanges(previous_run=day(1))

    # day 3: three failed checks over three days; the text changed; the flaky link times out
    third = history.apply(report([
        link(L_DIES, "gone"), link(L_FLAKY, "timeout"), link(L_BACK, "gone"),
        link(L_DATE, "ok", date_mismatch=True), link(L_MAIL, "unsupported"),
    ], fingerprint="f2"), checked_at=day(3), policy=policy)
    got = links_of(third)
    assert got[L_DIES].verdict == "dead" and got[L_DIES].consecutive_failures == 3
    assert got[L_DIES].failing_since == T0 and got[L_DIES].detail is None
    assert got[L_DIES].confirmed is True
    assert got[L_DIES].confirmation == "confirmed: failing 3 checks since 2026-11-20 over 3 days"
    assert got[L_BACK].verdict == "dead" and got[L_BACK].confirmed is True
    assert got[L_FLAKY].verdict == "uncertain" and got[L_FLAKY].failing_since == day(3)
    assert got[L_FLAKY].last_alive == day(1) and got[L_FLAKY].consecutive_failures == 1
    assert third.changes == RunChanges(
        previous_run=day(2), newly_dead=(L_DIES, L_BACK), text_changed=(ARTICLE,),
    )

    # day 4: still dead is not news; one comes back
    fourth = history.apply(report([
        link(L_DIES, "gone"), link(L_FLAKY, "ok"), link(L_BACK, "redirected"),
        link(L_DATE, "ok", date_mismatch=True), link(L_MAIL, "unsupported"),
    ], fingerprint="f2"), checked_at=day(4), policy=policy)
    got = links_of(fourth)
    assert got[L_DIES].verdict == "dead" and got[L_DIES].consecutive_failures == 4
    assert got[L_BACK].revived is True and got[L_BACK].verdict == "alive"
    assert got[L_BACK].failing_since is None and got[L_BACK].consecutive_failures == 0
    assert got[L_BACK].last_alive == day(4) and got[L_BACK].first_seen == T0
    assert got[L_FLAKY].revived is False and got[L_FLAKY].last_alive == day(4)
    assert fourth.changes == RunChanges(previous_run=day(3), revived=(L_BACK,))

    # day 5: revived only once; the mismatch that went away and came back is new again
    fifth = history.apply(report([
        link(L_DIES, "gone"), link(L_BACK, "ok"), link(L_DATE, "ok"),
    ], fingerprint="f2"), checked_at=day(5), policy=policy)
    assert links_of(fifth)[L_BACK].revived is False
    assert fifth.changes == RunChanges(previous_run=day(4))
    sixth = history.apply(report([link(L_DATE, "ok", date_mismatch=True)], fingerprint="f1"),
                          checked_at=day(6), policy=policy)
    assert sixth.changes == RunChanges(previous_run=day(5), new_date_mismatches=(L_DATE,),
                                       text_changed=(ARTICLE,))

    # the offline run was recorded as a run, with no checks
    assert count_rows(history_url, "runs") == 7
    online_links = 5 + 5 + 5 + 5 + 3 + 1  # links per online run
    assert count_rows(history_url, "checks") == online_links + 6  # plus the original page of each


def test_the_input_report_is_not_changed(history: History) -> None:
    incoming = report([link(L_DIES, "gone")])
    result = history.apply(incoming, checked_at=day(0))
    assert incoming.changes is None and incoming.articles[0].links[0].verdict == "dead"
    assert incoming.articles[0].links[0].consecutive_failures is None
    assert incoming.articles[0].links[0].confirmed is None
    assert result is not incoming and result.articles[0].links[0].confirmed is False
    assert result.articles[0].links[0].verdict == "dead"  # this run's verdict, confirmed or not


def test_a_url_twice_in_a_run_is_one_check(history: History) -> None:
    doubled = report([link(L_DIES, "gone"), link(L_DIES, "gone", date_mismatch=True)])
    first = history.apply(doubled, checked_at=day(0))
    assert [l.consecutive_failures for l in first.articles[0].links] == [1, 1]
    assert first.changes.new_date_mismatches == (L_DIES,)  # type: ignore[union-attr]
    second = history.apply(doubled, checked_at=day(1))
    assert [l.consecutive_failures for l in second.articles[0].links] == [2, 2]


def test_previous_run_is_that_of_the_same_job(history: History) -> None:
    history.apply(report([]), checked_at=day(0), job="weekly")
    history.apply(report([]), checked_at=day(1), job="daily")
    history.apply(report([]), checked_at=day(2))
    assert history.apply(report([]), checked_at=day(7), job="weekly").changes.previous_run == day(0)  # type: ignore[union-attr]
    assert history.apply(report([]), checked_at=day(8), job="other").changes.previous_run is None  # type: ignore[union-attr]
    # No job names a series: the series is the same seeds, whichever job ran them.
    assert history.apply(report([]), checked_at=day(9)).changes.previous_run == day(8)  # type: ignore[union-attr]


def test_a_job_that_is_one_crawl_compares_with_the_last_run_over_the_same_seeds(history: History,
                                                                                history_url: str) -> None:
    history.apply(report([]), checked_at=day(0), job="20261120", job_is_series=False)
    history.apply(report([]), checked_at=day(1), job="weekly")
    later = history.apply(report([]), checked_at=day(2), job="20261122", job_is_series=False)
    assert later.changes.previous_run == day(1)  # type: ignore[union-attr]
    engine = engine_for(history_url)
    try:
        with engine.connect() as conn:
            jobs = [row[0] for row in conn.execute(sa.text("SELECT job FROM runs ORDER BY started"))]
    finally:
        engine.dispose()
    assert jobs == ["20261120", "weekly", "20261122"]


def test_links_share_their_history_across_jobs(history: History) -> None:
    history.apply(report([link(L_DIES, "gone")]), checked_at=day(0), job="a")
    history.apply(report([link(L_DIES, "gone")]), checked_at=day(2), job="b")
    result = history.apply(report([link(L_DIES, "gone")]), checked_at=day(3), job="a")
    assert links_of(result)[L_DIES].confirmed is True


def test_an_earlier_run_applied_late_sees_only_earlier_checks(history: History) -> None:
    history.apply(report([link(L_DIES, "gone")]), checked_at=day(5))
    late = history.apply(report([link(L_DIES, "ok")]), checked_at=day(1))
    assert links_of(late)[L_DIES].consecutive_failures == 0 and links_of(late)[L_DIES].first_seen == day(1)
    after = history.apply(report([link(L_DIES, "gone")]), checked_at=day(6))
    got = links_of(after)[L_DIES]
    assert got.first_seen == day(1) and got.last_alive == day(1) and got.consecutive_failures == 2


def test_a_very_long_url(history: History) -> None:
    long_url = "https://example.org/?" + "q=" + "x" * 20000
    history.apply(report([link(long_url, "gone")]), checked_at=day(0))
    result = history.apply(report([link(long_url, "gone")]), checked_at=day(1))
    assert links_of(result)[long_url].consecutive_failures == 2


def test_naive_checked_at_is_utc(history: History) -> None:
    result = history.apply(report([link(L_DIES, "gone")]), checked_at=datetime.datetime(2026, 11, 20, 6, 0))
    assert links_of(result)[L_DIES].failing_since == T0


def test_concurrent_runs_lose_no_check(history_url: str) -> None:
    History.open(history_url).close()
    urls = [f"https://example.org/page/{i}" for i in range(40)]
    workers = 6
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            with History.open(history_url) as mine:
                barrier.wait(timeout=30)
                mine.apply(report([link(u, "gone") for u in urls], article_url=f"{ARTICLE}/{number}"),
                           checked_at=T0 + datetime.timedelta(minutes=number), job=f"job-{number}")
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert count_rows(history_url, "checks") == workers * (len(urls) + 1)
    with History.open(history_url) as history:
        result = history.apply(report([link(u, "gone") for u in urls]), checked_at=day(3))
    assert {l.consecutive_failures for l in result.articles[0].links} == {workers + 1}
    assert {l.confirmed for l in result.articles[0].links} == {True}


# --- the series: changes since the previous run of the same job ------------------


def run_of(history: History, when: datetime.datetime, seeds: tuple[str, ...], *, same: bool, **job: object) -> Report:
    """A run over ``seeds``: when ``same``, what run A finds; else what an unrelated run B finds."""
    links = [link(L_DIES, "gone" if same else "ok"), link(L_DATE, "ok", date_mismatch=same)]
    return history.apply(report(links, seeds=seeds, fingerprint="f1" if same else "f2"), checked_at=when,
                         policy=DeadPolicy(checks=1, days=0), **job)  # type: ignore[arg-type]


def test_an_unrelated_run_between_two_runs_of_the_same_seeds_adds_nothing_new(history: History) -> None:
    dated = {"job_is_series": False}  # jobs named by the date: the seeds make the series
    first = run_of(history, day(0), ("a.md",), same=True, job="20261120", **dated)
    assert first.changes == RunChanges(previous_run=None, newly_dead=(L_DIES,), new_date_mismatches=(L_DATE,))
    unrelated = run_of(history, day(1), ("b.md",), same=False, job="20261121", **dated)
    assert unrelated.changes == RunChanges(previous_run=None)  # b.md's first run
    again = run_of(history, day(2), ("a.md",), same=True, job="20261122", **dated)
    # Against a.md's first run, not the unrelated one: nothing is new.
    assert again.changes == RunChanges(previous_run=day(0))
    assert again.changes.series == "the same 1 seed"  # type: ignore[union-attr]
    # The link's own history still counts every run: alive at day 1, failing since day 2.
    got = links_of(again)[L_DIES]
    assert got.last_alive == day(1) and got.failing_since == day(2) and got.consecutive_failures == 1


def test_an_unrelated_job_between_two_runs_of_a_named_job_adds_nothing_new(history: History) -> None:
    first = run_of(history, day(0), ("a.md",), same=True, job="weekly")
    assert first.changes is not None and first.changes.newly_dead == (L_DIES,)
    run_of(history, day(1), ("a.md",), same=False, job="daily")  # the same seeds, another named job
    again = run_of(history, day(2), ("a.md", "new.md"), same=True, job="weekly")  # a seed more: still the job
    assert again.changes == RunChanges(previous_run=day(0))
    assert again.changes.series == "job 'weekly'"  # type: ignore[union-attr]


def test_changes_are_against_the_last_result_in_the_series(history: History) -> None:
    """A URL the series' previous run did not check is compared with the run before that checked it."""
    run_of(history, day(0), ("a.md",), same=True, job="weekly")
    history.apply(report([], seeds=("a.md",)), checked_at=day(1), job="weekly")  # checked neither link
    again = run_of(history, day(2), ("a.md",), same=True, job="weekly")
    assert again.changes == RunChanges(previous_run=day(1))
    back = run_of(history, day(3), ("a.md",), same=False, job="weekly")
    assert back.changes == RunChanges(previous_run=day(2), revived=(L_DIES,), text_changed=(ARTICLE,))


def test_each_run_records_its_seed_set(history: History, history_url: str) -> None:
    history.apply(report([], seeds=("b.md", "a.md")), checked_at=day(0), job="x")
    history.apply(report([], seeds=("a.md", "b.md")), checked_at=day(1), job="y")
    history.apply(report([], seeds=("a.md",)), checked_at=day(2), job="x")
    engine = engine_for(history_url)
    try:
        with engine.connect() as conn:
            keys = [row[0] for row in conn.execute(sa.text("SELECT seeds_key FROM runs ORDER BY started"))]
    finally:
        engine.dispose()
    assert keys[0] == keys[1] != keys[2] and all(len(key) == 64 for key in keys)


# --- captures -----------------------------------------------------------------


def test_captures(history: History, history_url: str) -> None:
    assert history.find_capture(L_DIES, "sha1:AAAA") is None
    history.record_capture(L_DIES, "sha1:AAAA", "2026-11-20T06:00:00Z", "archiver-00001.warc.gz", 1234)
    history.record_capture(L_DIES, "sha1:AAAA", "2026-11-21T06:00:00Z", "archiver-00002.warc.gz", 99)
    history.record_capture(L_DIES, "sha1:BBBB", day(1), "archiver-00002.warc.gz", 5_000_000_000)
    assert history.find_capture(L_DIES, "sha1:AAAA") == CaptureRef(
        L_DIES, "sha1:AAAA", "2026-11-20T06:00:00Z", "archiver-00001.warc.gz", 1234)
    assert history.find_capture(L_DIES, "sha1:BBBB") == CaptureRef(
        L_DIES, "sha1:BBBB", "2026-11-21T06:00:00Z", "archiver-00002.warc.gz", 5_000_000_000)
    assert history.find_capture(L_BACK, "sha1:AAAA") is None
    history.close()
    with History.open(history_url) as again:
        assert again.find_capture(L_DIES, "sha1:AAAA") is not None


# --- migrations ---------------------------------------------------------------


def versions(url: str) -> list[int]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars()
            return [int(v) for v in versions]
    finally:
        engine.dispose()


def test_migrations_are_idempotent_and_reopening_keeps_history(history_url: str) -> None:
    with History.open(history_url) as history:
        assert history.version == SCHEMA_VERSION == len(MIGRATIONS)
        history.apply(report([link(L_DIES, "gone")]), checked_at=day(0))
    with History.open(history_url) as history:
        assert history.version == SCHEMA_VERSION
        result = history.apply(report([link(L_DIES, "gone")]), checked_at=day(1))
    assert links_of(result)[L_DIES].consecutive_failures == 2
    assert versions(history_url) == list(range(1, SCHEMA_VERSION + 1))  # each applied once


def test_schema_matches_the_tables_the_queries_use(history: History, history_url: str) -> None:
    engine = engine_for(history_url)
    try:
        inspector = sa.inspect(engine)
        assert set(inspector.get_table_names()) == set(metadata.tables)
        for name, table in metadata.tables.items():
            assert [c["name"] for c in inspector.get_columns(name)] == [c.name for c in table.columns], name
            assert sorted(inspector.get_pk_constraint(name)["constrained_columns"]) \
                == sorted(c.name for c in table.primary_key.columns), name
    finally:
        engine.dispose()


def test_a_v1_database_migrates_to_a_later_version(history_url: str) -> None:
    with History.open(history_url, migrations=MIGRATIONS[:1]) as v1:
        assert v1.version == 1
    # A check as an archiver of version 1 recorded it (today's apply() writes columns of version 2).
    engine = engine_for(history_url)
    try:
        with engine.begin() as conn:
            run_id = conn.execute(sa.insert(runs).values(
                started=day(0), network_reachable=True, host="v1")).inserted_primary_key[0]
            conn.execute(sa.insert(checks).values(
                run_id=run_id, url_hash=url_hash(L_DIES), url=L_DIES, checked_at=day(0), status="gone",
                verdict_raw="dead", verdict="uncertain", date_mismatch=False))
    finally:
        engine.dispose()
    applied: list[int] = []

    def counted(conn: sa.Connection) -> None:
        # The real version 2, counted: apply() writes the columns it adds.
        applied.append(2)
        MIGRATIONS[1].apply(conn)

    later = (*MIGRATIONS[:1], Migration(2, MIGRATIONS[1].description, counted))
    with History.open(history_url, migrations=later) as v2:
        assert v2.version == 2
    with History.open(history_url, migrations=later) as v2:
        result = v2.apply(report([link(L_DIES, "gone")]), checked_at=day(1))
    assert applied == [2]  # once
    assert versions(history_url) == [1, 2]
    assert links_of(result)[L_DIES].consecutive_failures == 2  # the v1 rows are still there
    # and the archiver that knows only version 1 refuses the newer database
    with pytest.raises(SchemaTooNewError, match="schema version 2") as caught:
        History.open(history_url, migrations=MIGRATIONS[:1])
    assert caught.value.found == 2 and caught.value.known == 1


def test_a_newer_schema_version_is_refused_by_name(history_url: str) -> None:
    History.open(history_url).close()
    engine = engine_for(history_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_version (version, applied_at) VALUES (7, :at)"),
                     {"at": datetime.datetime(2030, 1, 1)})
    engine.dispose()
    with pytest.raises(HistoryError, match=rf"schema version 7, newer than version {SCHEMA_VERSION}\b") as caught:
        History.open(history_url)
    assert isinstance(caught.value, ValueError) and "upgrade the archiver" in str(caught.value)


def test_concurrent_opens_migrate_once(history_url: str) -> None:
    workers = 6
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            History.open(history_url).close()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert versions(history_url) == list(range(1, SCHEMA_VERSION + 1))  # each applied once


# --- URLs and settings (SQLite and no server) ----------------------------------


@pytest.mark.fast
def test_default_url_creates_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert url_from_settings({}) == DEFAULT_URL == "sqlite:///state/history.sqlite"
    assert url_from_settings({"ARCHIVER_HISTORY_URL": " sqlite:///x.db "}) == "sqlite:///x.db"
    with History.open(url_from_settings({})) as history:
        history.apply(report([link(L_DIES, "gone")]), checked_at=day(0))
    with sqlite3.connect(tmp_path / "state" / "history.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM checks").fetchone() == (2,)
    conn.close()


@pytest.mark.fast
@pytest.mark.parametrize("url", ["not a url", "", "mysql://user@localhost/db", "nosuchdialect://x/y"])
def test_bad_urls_are_named(url: str) -> None:
    with pytest.raises(ValueError, match="history database"):
        History.open(url)


@pytest.mark.fast
def test_unreachable_server_is_named_with_the_password_hidden() -> None:
    with pytest.raises(ValueError) as caught:
        History.open("postgresql://archiver:s3cr3t-pw@127.0.0.1:1/history")
    message = str(caught.value)
    assert "cannot open history database" in message
    assert "127.0.0.1:1/history" in message and "archiver:***@" in message
    assert "s3cr3t-pw" not in message


@pytest.mark.fast
def test_postgresql_urls_use_psycopg() -> None:
    for url in ("postgresql://u:p@h/db", "postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"):
        assert store_module.database_url(url).drivername == "postgresql+psycopg"
    assert store_module.hide_password("postgresql://u:p@h/db") == "postgresql://u:***@h/db"
