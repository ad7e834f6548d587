"""Our settings, read once into a frozen dataclass (``ARCHIVER_*``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from archiver.warc import DEFAULT_GZIP_LEVEL

DEFAULT_WARC_MAX_SIZE = 1_000_000_000  # bytes; warcprox and Heritrix roll over near 1 GB
DEFAULT_HISTORY_URL = "sqlite:///state/history.sqlite"


# Where archived copies of failing links are looked for (Internet Archive).
DEFAULT_ENDPOINTS = {
    "timegate": "https://web.archive.org/web/",
    "wayback": "https://archive.org/wayback/available",
}


def _default_report_dir() -> Path:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path("reports") / stamp


class BaseSettings(Protocol):
    """What is read of Scrapy's settings (scrapy.settings.BaseSettings has it all)."""

    def get(self, name: str, default: Any = None) -> Any: ...
    def getint(self, name: str, default: int = 0) -> int: ...
    def getbool(self, name: str, default: bool = False) -> bool: ...


@dataclass(frozen=True)
class ArchiverConfig:
    seeds: Path
    depth: int
    warc_enabled: bool
    warc_dir: Path
    warc_prefix: str
    warc_max_size: int
    warc_index: bool
    warc_gzip_level: int
    report_dir: Path
    report_enabled: bool
    date_grace_days: int
    soft404_probes: bool
    allow_private: bool
    contact_url: str | None
    archive_lookup: str | None  # "timegate", "wayback" or None (off)
    archive_endpoint: str
    history_url: str | None  # None: no history kept
    dedup: bool

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ArchiverConfig:
        max_size = settings.getint("ARCHIVER_WARC_MAX_SIZE", DEFAULT_WARC_MAX_SIZE)
        if max_size <= 0:
            raise ValueError(
                f"ARCHIVER_WARC_MAX_SIZE must be a positive number of bytes, got {max_size}"
            )
        gzip_level = settings.getint("ARCHIVER_WARC_GZIP_LEVEL", DEFAULT_GZIP_LEVEL)
        if not 1 <= gzip_level <= 9:
            raise ValueError(f"ARCHIVER_WARC_GZIP_LEVEL must be 1 to 9, got {gzip_level}")
        depth = settings.getint("ARCHIVER_DEPTH", 1)
        if depth < 0:
            raise ValueError(f"ARCHIVER_DEPTH must be 0 or more, got {depth}")
        prefix = settings.get("ARCHIVER_WARC_PREFIX") or "archiver"
        if "/" in prefix or "\\" in prefix:
            raise ValueError(f"ARCHIVER_WARC_PREFIX must be a file name prefix, got {prefix!r}")
        report_dir = settings.get("ARCHIVER_REPORT_DIR")
        lookup = (settings.get("ARCHIVER_ARCHIVE_LOOKUP", "timegate") or "").strip().lower() or None
        if lookup not in (None, "timegate", "wayback"):
            raise ValueError(f"ARCHIVER_ARCHIVE_LOOKUP must be timegate, wayback or empty, got {lookup!r}")
        grace = settings.getint("ARCHIVER_DATE_GRACE_DAYS", 1)
        if grace < 0:
            raise ValueError(f"ARCHIVER_DATE_GRACE_DAYS must be 0 or more, got {grace}")
        return cls(
            seeds=Path(settings.get("ARCHIVER_SEEDS") or "seeds"),
            depth=depth,
            warc_enabled=settings.getbool("ARCHIVER_WARC_ENABLED", True),
            warc_dir=Path(settings.get("ARCHIVER_WARC_DIR") or "warcs"),
            warc_prefix=prefix,
            warc_max_size=max_size,
            warc_index=settings.getbool("ARCHIVER_WARC_INDEX", True),
            warc_gzip_level=gzip_level,
            report_dir=Path(report_dir) if report_dir else _default_report_dir(),
            report_enabled=settings.getbool("ARCHIVER_REPORT_ENABLED", True),
            date_grace_days=grace,
            soft404_probes=settings.getbool("ARCHIVER_SOFT404_PROBES", True),
            archive_lookup=lookup,
            archive_endpoint=settings.get("ARCHIVER_ARCHIVE_ENDPOINT") or DEFAULT_ENDPOINTS.get(lookup or "", ""),
            history_url=(settings.get("ARCHIVER_HISTORY_URL") or DEFAULT_HISTORY_URL)
            if settings.getbool("ARCHIVER_HISTORY_ENABLED", True) else None,
            dedup=settings.getbool("ARCHIVER_DEDUP", True),
            allow_private=settings.getbool("ARCHIVER_ALLOW_PRIVATE", False),
            contact_url=settings.get("ARCHIVER_CONTACT_URL") or None,
        )

    @classmethod
    def defaults(cls) -> ArchiverConfig:
        """The configuration with every setting at its default (``archiver audit`` outside a project)."""
        return cls.from_settings(_NoSettings())


class _NoSettings:
    def get(self, name: str, default: Any = None) -> Any:
        return default

    def getint(self, name: str, default: int = 0) -> int:
        return default

    def getbool(self, name: str, default: bool = False) -> bool:
        return default
