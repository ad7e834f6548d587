"""Schema migrations: an ordered list, applied at open in one transaction.

The ``schema_version`` table holds one row per applied migration. To change
the schema, append a :class:`Migration` (version ``LATEST + 1``) whose
function alters the tables (Core DDL, or plain SQL that both SQLite and
PostgreSQL accept), and change :mod:`archiver.history.tables` to match. Never edit an applied migration:
migration 1 keeps its own frozen copy of the initial tables for that reason.

Two processes opening the same database at once do not both migrate: on
PostgreSQL the transaction first takes an advisory lock, and on SQLite every
transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection

from archiver.history.errors import SchemaTooNewError
from archiver.history.tables import UTCDateTime, schema_version

# pg_advisory_xact_lock key: "archiver history" in a signed 64-bit number.
ADVISORY_LOCK_KEY = 0x6172636869766572 - (1 << 63)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _initial_schema(conn: Connection) -> None:
    """Version 1, frozen: runs, checks, articles, captures."""
    md = MetaData()
    Table(
        "runs", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("started", UTCDateTime, nullable=False),
        Column("finished", UTCDateTime),
        Column("network_reachable", Boolean, nullable=False),
        Column("job", Text),
        Column("host", Text),
        Index("ix_runs_job_started", "job", "started"),
    )
    Table(
        "checks", md,
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        Column("url_hash", String(40), primary_key=True),
        Column("url", Text, nullable=False),
        Column("checked_at", UTCDateTime, nullable=False),
        Column("status", String(32), nullable=False),
        Column("verdict_raw", String(16), nullable=False),
        Column("verdict", String(16), nullable=False),
        Column("http_status", Integer),
        Column("date_mismatch", Boolean, nullable=False),
        Index("ix_checks_url_checked", "url_hash", "checked_at"),
    )
    Table(
        "articles", md,
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        Column("url_hash", String(40), primary_key=True),
        Column("url", Text, nullable=False),
        Column("checked_at", UTCDateTime, nullable=False),
        Column("text_fingerprint", String(64), nullable=False),
        Index("ix_articles_url_checked", "url_hash", "checked_at"),
    )
    Table(
        "captures", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("url_hash", String(40), nullable=False),
        Column("url", Text, nullable=False),
        Column("payload_digest", String(128), nullable=False),
        Column("warc_date", String(40), nullable=False),
        Column("warc_filename", Text, nullable=False),
        Column("warc_offset", BigInteger, nullable=False),
        Column("recorded_at", UTCDateTime, nullable=False),
        UniqueConstraint("url_hash", "payload_digest", name="uq_captures_url_digest"),
    )
    md.create_all(conn, checkfirst=False)


def _captures_per_folder(conn: Connection) -> None:
    """Version 2: captures are kept per WARC folder; runs know their seed set.

    SQLite cannot drop a unique constraint, so captures is rebuilt (the same
    statements on PostgreSQL). Captures of version 1 keep an empty folder:
    where their file lies is unknown, so no revisit refers to them.
    """
    md = MetaData()
    Table(
        "captures_v2", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("url_hash", String(40), nullable=False),
        Column("url", Text, nullable=False),
        Column("payload_digest", String(128), nullable=False),
        Column("warc_date", String(40), nullable=False),
        Column("warc_filename", Text, nullable=False),
        Column("warc_offset", BigInteger, nullable=False),
        Column("recorded_at", UTCDateTime, nullable=False),
        Column("warc_folder", Text, nullable=False),
        UniqueConstraint("url_hash", "payload_digest", "warc_folder", name="uq_captures_url_digest_folder"),
    )
    md.create_all(conn, checkfirst=False)
    conn.execute(text(
        "INSERT INTO captures_v2 (url_hash, url, payload_digest, warc_date, warc_filename, warc_offset,"
        " recorded_at, warc_folder) SELECT url_hash, url, payload_digest, warc_date, warc_filename,"
        " warc_offset, recorded_at, '' FROM captures ORDER BY id"))
    conn.execute(text("DROP TABLE captures"))
    conn.execute(text("ALTER TABLE captures_v2 RENAME TO captures"))
    conn.execute(text("ALTER TABLE runs ADD COLUMN seeds_key VARCHAR(64)"))
    conn.execute(text("CREATE INDEX ix_runs_seeds_started ON runs (seeds_key, started)"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema: runs, checks, articles, captures", _initial_schema),
    Migration(2, "captures per WARC folder; runs.seeds_key", _captures_per_folder),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The schema version of the database (0 when it has none yet)."""
    schema_version.create(conn, checkfirst=True)
    return int(conn.execute(select(func.coalesce(func.max(schema_version.c.version), 0))).scalar_one())


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS, *,
            where: str = "the history database") -> int:
    """Apply the missing migrations inside the caller's transaction; return the version reached."""
    if [m.version for m in migrations] != list(range(1, len(migrations) + 1)):
        raise RuntimeError("migrations must be numbered 1, 2, 3 … in order")
    if conn.dialect.name == "postgresql":
        # Held until the transaction ends: a second process waits here, then finds the work done.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    version = current_version(conn)
    latest = migrations[-1].version if migrations else 0
    if version > latest:
        raise SchemaTooNewError(version, latest, where)
    for migration in migrations:
        if migration.version <= version:
            continue
        migration.apply(conn)
        conn.execute(insert(schema_version).values(
            version=migration.version, applied_at=datetime.datetime.now(datetime.UTC),
        ))
        version = migration.version
    return version
