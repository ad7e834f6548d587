"""The history database: SQLite or PostgreSQL through SQLAlchemy Core.

Several crawls may share one database at once, so nothing here reads a value
to write it back changed: each run inserts its own rows (one per URL in
``checks``, one per article in ``articles``) and the streaks are computed
from those rows, in one transaction per run. Captures are inserted with
``ON CONFLICT DO NOTHING``: the first capture of a payload stays the one that
revisit records refer to.

A link's streak counts the checks of every run; a run's changes are against
the earlier runs of its series only: the same ``runs.job`` when ARCHIVER_JOB
named it, else the same ``runs.seeds_key``.
"""

from __future__ import annotations

import datetime
import re
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Select, and_, create_engine, event, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from archiver.analysis.model import ArticleReport, LinkReport, Report, RunChanges
from archiver.config import DEFAULT_HISTORY_URL, read_setting
from archiver.history import rules
from archiver.history.errors import HistoryError
from archiver.history.migrations import MIGRATIONS, Migration, migrate
from archiver.history.rules import Check, DeadPolicy, LinkHistory, utc
from archiver.history.tables import articles, captures, checks, runs, url_hash

DEFAULT_URL = DEFAULT_HISTORY_URL
DEFAULT_POLICY = DeadPolicy()  # frozen: one instance serves as every default
SETTING = "ARCHIVER_HISTORY_URL"
BACKENDS = ("sqlite", "postgresql")
CHUNK = 500  # URLs per IN (…): well under SQLite's limit on bound parameters
SQLITE_BUSY_SECONDS = 60
CONNECT_TIMEOUT_SECONDS = 10

_PASSWORD = re.compile(r"(://[^/?#@:]*:)[^/?#@]*@")


def url_from_settings(settings: Any) -> str:
    """``ARCHIVER_HISTORY_URL`` from a mapping (``os.environ``, a dict), else the default.

    Read as :mod:`archiver.config` reads it; a crawl takes it from its config.
    """
    return read_setting(settings, SETTING)


def hide_password(url: str | URL) -> str:
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD.sub(r"\1***@", str(url))


def database_url(url: str) -> URL:
    """The SQLAlchemy URL to connect to: ``postgresql://`` (and ``postgres://``) use psycopg 3."""
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError, TypeError, AttributeError) as exc:
        raise HistoryError(f"bad history database URL {hide_password(str(url))!r}: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise HistoryError(
            f"bad history database URL {hide_password(parsed)!r}: "
            f"the backend must be one of {', '.join(BACKENDS)}, not {backend!r}"
        )
    return parsed


def _sqlite_file(parsed: URL) -> Path | None:
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(database)


def _sqlite_events(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions late and never for
    # DDL; take it over so every transaction is "BEGIN IMMEDIATE": one writer at a
    # time, and no reader that later fails to become a writer.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _engine(parsed: URL) -> Engine:
    shown = hide_password(parsed)
    try:
        if parsed.get_backend_name() == "sqlite":
            path = _sqlite_file(parsed)
            if path is not None:
                try:
                    path.expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise HistoryError(f"cannot create the folder of history database {shown!r}: {exc}") from None
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS})
            _sqlite_events(engine)
            return engine
        connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        return create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise HistoryError(f"cannot use history database {shown!r}: {exc}") from None


def _error_text(exc: DBAPIError, parsed: URL) -> str:
    message = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    first = " ".join(line.strip() for line in message[:3])
    if parsed.password:
        first = first.replace(str(parsed.password), "***")
    return first


@dataclass(frozen=True)
class CaptureRef:
    """Where a payload was first archived: what a revisit record refers to."""

    url: str
    payload_digest: str
    warc_date: str  # the WARC-Date of that record, as written
    filename: str
    offset: int
    folder: str = ""  # the resolved WARC folder; "" when recorded before schema 2


def _warc_date(value: str | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        return utc(value).isoformat().replace("+00:00", "Z")
    return str(value)


def _chunks(values: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _all_links(report: Report) -> Iterator[LinkReport]:
    for article in report.articles:
        if article.original is not None:
            yield article.original
        yield from article.links


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


class History:
    """The history of link checks, article texts and captures."""

    def __init__(self, engine: Engine, url: URL, version: int) -> None:
        self._engine = engine
        self._url = url
        self.version = version
        self.host = socket.gethostname()

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return hide_password(self._url)

    @classmethod
    def open(cls, url: str, *, migrations: Sequence[Migration] = MIGRATIONS) -> History:
        """Open (and create or migrate) the history at a SQLAlchemy database URL.

        Raises :class:`HistoryError` (a ``ValueError``) naming the URL, password
        hidden, when it is malformed, of another backend or unreachable, and
        :class:`SchemaTooNewError` when a newer archiver migrated it.
        """
        parsed = database_url(url)
        engine = _engine(parsed)
        shown = hide_password(parsed)
        try:
            with engine.begin() as conn:
                version = migrate(conn, migrations, where=f"history database {shown!r}")
        except DBAPIError as exc:
            engine.dispose()
            raise HistoryError(f"cannot open history database {shown!r}: {_error_text(exc, parsed)}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, parsed, version)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # --- link checks ---------------------------------------------------------

    def apply(self, report: Report, *, checked_at: datetime.datetime, policy: DeadPolicy = DEFAULT_POLICY,
              job: str | None = None, job_is_series: bool = True) -> Report:
        """Record this run and return the report with its links' history and the run's changes.

        The run is recorded under ``job`` and its seed set (:class:`rules.SeedSet`).
        Its changes compare it with the earlier runs of its series: those of ``job``
        when ``job_is_series`` (ARCHIVER_JOB named it), else those over the same
        seeds (a job named by Scrapyd or the date is one crawl, not a series).
        A link's streak, and so its confirmation, counts the checks of every run.
        """
        now = utc(checked_at)
        online = bool(report.network_reachable)
        seed_set = rules.SeedSet.of(report.articles)
        if job is not None and job_is_series:
            in_series, series = runs.c.job == job, f"job {job!r}"
        else:
            in_series, series = runs.c.seeds_key == seed_set.key, seed_set.described
        # One result per URL and run: the first occurrence that is a check, else the first.
        chosen: dict[str, LinkReport] = {}
        mismatch: dict[str, bool] = {}
        for link in _all_links(report):
            if link.url not in chosen or (rules.counts(link.status) and not rules.counts(chosen[link.url].status)):
                chosen[link.url] = link
            mismatch[link.url] = mismatch.get(link.url, False) or bool(link.date_mismatch)

        with self._engine.begin() as conn:
            inserted = conn.execute(
                insert(runs).values(started=now, network_reachable=online, job=job, host=self.host,
                                    seeds_key=seed_set.key)
            ).inserted_primary_key
            assert inserted is not None  # a single-row INSERT has one
            run_id = inserted[0]
            earlier_in_series = select(runs.c.id).where(in_series, runs.c.id != run_id)
            previous_run = conn.execute(
                select(runs.c.started)
                .where(in_series, runs.c.started < now, runs.c.id != run_id)
                .order_by(runs.c.started.desc(), runs.c.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            before = self._link_histories(conn, list(chosen), now)
            last_in_series = self._last_in_series(conn, list(chosen), now, earlier_in_series)

            def judged(link: LinkReport) -> LinkReport:
                return rules.judge(link, before[link.url], now, policy, online)

            new_articles = []
            for article in report.articles:
                new_articles.append(replace(
                    article,
                    original=None if article.original is None else judged(article.original),
                    links=tuple(judged(link) for link in article.links),
                ))
            result = {url: judged(link) for url, link in chosen.items()}

            if online and result:
                conn.execute(insert(checks), [
                    {
                        "run_id": run_id,
                        "url_hash": url_hash(url),
                        "url": url,
                        "checked_at": now,
                        # The plain words, whatever a driver makes of a StrEnum.
                        "status": str(link.status),
                        "verdict_raw": str(link.verdict),
                        "verdict": str(rules.recorded_verdict(link)),
                        "http_status": link.http_status,
                        "date_mismatch": mismatch[url],
                    }
                    for url, link in result.items()
                ])
            text_changed = self._record_texts(conn, run_id, report.articles, now, earlier_in_series)
            conn.execute(update(runs).where(runs.c.id == run_id).values(
                finished=datetime.datetime.now(datetime.UTC)))

        changes = RunChanges(
            previous_run=previous_run,
            newly_dead=_unique(url for url, link in result.items()
                               if rules.newly_dead(link, last_in_series[url], online)),
            revived=_unique(url for url, link in result.items()
                            if online and rules.revived(link, last_in_series[url])),
            text_changed=text_changed,
            new_date_mismatches=_unique(
                link.url for link in _all_links(report)
                if link.date_mismatch and rules.new_date_mismatch(link, last_in_series[link.url])
            ),
            series=series,
        )
        return replace(report, articles=tuple(new_articles), changes=changes)

    def _last_in_series(self, conn: Connection, urls: list[str], now: datetime.datetime,
                        series_runs: Select[tuple[int]]) -> dict[str, LinkHistory]:
        """Each URL's last results in the series' runs before ``now``: what its changes are against.

        Only ``last_verdict`` (of the last counted check) and ``last_date_mismatch``
        (of the last result) are filled. A URL the series' previous run did not
        check, or a previous run that was offline, is compared with the run
        before that checked it.
        """
        by_hash = {url_hash(url): url for url in urls}
        verdicts: dict[str, str] = {}
        mismatches: dict[str, bool] = {}
        counted = checks.c.status.notin_(sorted(map(str, rules.NOT_COUNTED)))
        newest_first = (checks.c.checked_at.desc(), checks.c.run_id.desc())
        for chunk in _chunks(list(by_hash)):
            ranked = (
                select(checks.c.url_hash, checks.c.url, checks.c.verdict, checks.c.date_mismatch,
                       counted.label("counted"),
                       func.row_number().over(partition_by=(checks.c.url_hash, checks.c.url),
                                              order_by=newest_first).label("nth"),
                       func.row_number().over(partition_by=(checks.c.url_hash, checks.c.url, counted),
                                              order_by=newest_first).label("nth_of_kind"))
                .where(checks.c.url_hash.in_(chunk), checks.c.checked_at < now, checks.c.run_id.in_(series_runs))
                .subquery()
            )
            query = select(ranked).where(or_(ranked.c.nth == 1, ranked.c.nth_of_kind == 1))
            for row in conn.execute(query):
                if row.url != by_hash[row.url_hash]:
                    continue
                if row.nth == 1:
                    mismatches[row.url] = bool(row.date_mismatch)
                if row.counted and row.nth_of_kind == 1:
                    verdicts[row.url] = row.verdict
        return {url: LinkHistory(last_verdict=verdicts.get(url), last_date_mismatch=mismatches.get(url))
                for url in urls}

    def _link_histories(self, conn: Connection, urls: list[str], now: datetime.datetime) -> dict[str, LinkHistory]:
        """Each URL's history from the results recorded before ``now``.

        Only the rows from its last alive check on are read (the streak and the
        last results are there); ``first_seen`` comes from an aggregate.
        """
        by_hash = {url_hash(url): url for url in urls}
        first_seen: dict[str, datetime.datetime] = {}
        rows: dict[str, list[Check]] = {h: [] for h in by_hash}
        for chunk in _chunks(list(by_hash)):
            earlier = and_(checks.c.url_hash.in_(chunk), checks.c.checked_at < now)
            for h, first in conn.execute(
                select(checks.c.url_hash, func.min(checks.c.checked_at)).where(earlier).group_by(checks.c.url_hash)
            ):
                first_seen[h] = first
            last_alive = (
                select(checks.c.url_hash.label("url_hash"), func.max(checks.c.checked_at).label("at"))
                .where(earlier, checks.c.status.in_(sorted(map(str, rules.ALIVE))))
                .group_by(checks.c.url_hash)
                .subquery()
            )
            query = (
                select(checks.c.url_hash, checks.c.url, checks.c.checked_at, checks.c.status,
                       checks.c.verdict, checks.c.date_mismatch)
                .select_from(checks.outerjoin(last_alive, last_alive.c.url_hash == checks.c.url_hash))
                .where(earlier, or_(last_alive.c.at.is_(None), checks.c.checked_at >= last_alive.c.at))
                .order_by(checks.c.url_hash, checks.c.checked_at, checks.c.run_id)
            )
            for h, url, at, status, verdict, date_mismatch in conn.execute(query):
                if url == by_hash[h]:
                    rows[h].append(Check(at, status, verdict, bool(date_mismatch)))
        histories = {}
        for h, url in by_hash.items():
            history = rules.summarize(rows[h])
            histories[url] = replace(history, first_seen=first_seen.get(h, history.first_seen))
        return histories

    def _record_texts(self, conn: Connection, run_id: int, items: Sequence[ArticleReport],
                      now: datetime.datetime, series_runs: Select[tuple[int]]) -> tuple[str, ...]:
        """Store each article's live text fingerprint; return the URLs whose text changed
        since its last fingerprint in a run of the series."""
        fingerprints: dict[str, str] = {}
        for article in items:
            if article.url and article.live_text_fingerprint:
                fingerprints.setdefault(article.url, article.live_text_fingerprint)
        changed = []
        for url, fingerprint in fingerprints.items():
            last = conn.execute(
                select(articles.c.text_fingerprint)
                .where(articles.c.url_hash == url_hash(url), articles.c.url == url, articles.c.checked_at < now,
                       articles.c.run_id.in_(series_runs))
                .order_by(articles.c.checked_at.desc(), articles.c.run_id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if last is not None and last != fingerprint:
                changed.append(url)
        if fingerprints:
            conn.execute(insert(articles), [
                {"run_id": run_id, "url_hash": url_hash(url), "url": url, "checked_at": now,
                 "text_fingerprint": fingerprint}
                for url, fingerprint in fingerprints.items()
            ])
        return tuple(changed)

    # --- captures, for revisit records ---------------------------------------

    def find_capture(self, url: str, payload_digest: str, folder: str | None = None) -> CaptureRef | None:
        """The first recorded capture of ``url`` with this payload digest (in ``folder``, if given)."""
        query = (select(captures.c.url, captures.c.payload_digest, captures.c.warc_date,
                        captures.c.warc_filename, captures.c.warc_offset, captures.c.warc_folder)
                 .where(captures.c.url_hash == url_hash(url), captures.c.url == url,
                        captures.c.payload_digest == payload_digest)
                 .order_by(captures.c.id).limit(1))
        if folder is not None:
            query = query.where(captures.c.warc_folder == folder)
        with self._engine.begin() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return CaptureRef(row.url, row.payload_digest, row.warc_date, row.warc_filename, int(row.warc_offset),
                          row.warc_folder)

    def capture_locations(self, url: str, payload_digest: str) -> list[CaptureRef]:
        """Every recorded capture of ``url`` with this payload digest, in any folder."""
        with self._engine.begin() as conn:
            rows = conn.execute(
                select(captures.c.url, captures.c.payload_digest, captures.c.warc_date,
                       captures.c.warc_filename, captures.c.warc_offset, captures.c.warc_folder)
                .where(captures.c.url_hash == url_hash(url), captures.c.url == url,
                       captures.c.payload_digest == payload_digest)
                .order_by(captures.c.id)
            ).all()
        return [CaptureRef(r.url, r.payload_digest, r.warc_date, r.warc_filename, int(r.warc_offset),
                           r.warc_folder) for r in rows]

    def record_capture(self, url: str, payload_digest: str, warc_date: str | datetime.datetime,
                       filename: str, offset: int, folder: str = "") -> None:
        """Remember where a payload was archived; a capture already recorded for it in that folder is kept."""
        self.record_captures([CaptureRef(url, payload_digest, _warc_date(warc_date), str(filename), offset, folder)])

    def record_captures(self, refs: Sequence[CaptureRef]) -> None:
        """:meth:`record_capture` for many, in one transaction (one commit, not one a capture)."""
        if not refs:
            return
        now = datetime.datetime.now(datetime.UTC)
        rows = [{
            "url_hash": url_hash(ref.url),
            "url": ref.url,
            "payload_digest": ref.payload_digest,
            "warc_date": _warc_date(ref.warc_date),
            "warc_filename": str(ref.filename),
            "warc_offset": int(ref.offset),
            "recorded_at": now,
            "warc_folder": ref.folder,
        } for ref in refs]
        make = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        statement = make(captures).on_conflict_do_nothing(
            index_elements=[captures.c.url_hash, captures.c.payload_digest, captures.c.warc_folder]
        )
        with self._engine.begin() as conn:
            conn.execute(statement, rows)
