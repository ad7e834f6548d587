"""The current schema, as SQLAlchemy Core tables (what the queries use).

Migrations in :mod:`archiver.history.migrations` build it step by step; when a
migration changes a table, change it here too (a test compares the two).

URLs can be longer than a PostgreSQL index entry allows, so rows are keyed
and looked up by ``url_hash`` (SHA-1 of the exact URL) and keep the URL
itself in an unindexed column.
"""

from __future__ import annotations

import datetime
import hashlib

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

UTC = datetime.UTC


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """An aware UTC datetime, stored naive in UTC (SQLite keeps no zone)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: object) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime.datetime | None, dialect: object) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return value.replace(tzinfo=UTC)


def url_hash(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started", UTCDateTime, nullable=False),  # the checked_at of its checks
    Column("finished", UTCDateTime),  # when the history recorded it
    Column("network_reachable", Boolean, nullable=False),
    Column("job", Text),
    Column("host", Text),
    # A digest of the run's seed set: "the same job" when ARCHIVER_JOB is not set (migration 2).
    Column("seeds_key", String(64)),
    Index("ix_runs_job_started", "job", "started"),
    Index("ix_runs_seeds_started", "seeds_key", "started"),
)

# One row per URL and run; none for a run whose network was unreachable.
checks = Table(
    "checks",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("url_hash", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),
    Column("status", String(32), nullable=False),
    Column("verdict_raw", String(16), nullable=False),  # this run's verdict alone
    Column("verdict", String(16), nullable=False),  # after the history: dead only when confirmed
    Column("http_status", Integer),
    Column("date_mismatch", Boolean, nullable=False),
    Index("ix_checks_url_checked", "url_hash", "checked_at"),
)

articles = Table(
    "articles",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("url_hash", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),
    Column("text_fingerprint", String(64), nullable=False),
    Index("ix_articles_url_checked", "url_hash", "checked_at"),
)

# The first capture of each (URL, payload digest) in each WARC folder: what a
# revisit record refers to. A revisit is written only for an original in the
# crawl's own folder, so that the folder alone replays and reads (migration 2).
captures = Table(
    "captures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url_hash", String(40), nullable=False),
    Column("url", Text, nullable=False),
    Column("payload_digest", String(128), nullable=False),
    Column("warc_date", String(40), nullable=False),
    Column("warc_filename", Text, nullable=False),
    Column("warc_offset", BigInteger, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("warc_folder", Text, nullable=False),  # resolved path; "" for captures of schema 1
    UniqueConstraint("url_hash", "payload_digest", "warc_folder", name="uq_captures_url_digest_folder"),
)
