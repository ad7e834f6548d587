"""Our settings (``ARCHIVER_*``): each declared once, read once into a frozen :class:`ArchiverConfig`.

:data:`SETTINGS` is the table of declarations: name, kind (how a value is read
and what it accepts), default and a line of help. Values come from Scrapy's
settings as Python values (``settings.py``) or as text (``-s NAME=VALUE``,
Scrapyd's ``-d setting=``); both are read by the same kind. A value the kind
cannot use raises :class:`SettingError`, whose one-line message names the
setting and what it accepts. A blank text value counts as unset, except where
blank means something (``ARCHIVER_ARCHIVE_LOOKUP = ""`` turns the lookup off).

The crawl builds one config per crawler (``archiver.crawl.settings.config_of``);
``archiver audit`` uses :meth:`ArchiverConfig.defaults`.
"""

from __future__ import annotations

import datetime
import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.warc import DEFAULT_GZIP_LEVEL, DEFAULT_READ_MAX_SIZE

DEFAULT_WARC_MAX_SIZE = 1_000_000_000  # bytes; warcprox and Heritrix roll over near 1 GB
DEFAULT_HISTORY_URL = "sqlite:///state/history.sqlite"
PREFIX = "ARCHIVER_"

# Where archived copies of failing links are looked for (Internet Archive).
DEFAULT_ENDPOINTS = {
    "timegate": "https://web.archive.org/web/",
    "wayback": "https://archive.org/wayback/available",
}

# Where ARCHIVER_JOB came from, when the setting is not given.
JOB_FROM_SETTING, JOB_FROM_SCRAPYD, JOB_FROM_DATE = "ARCHIVER_JOB", "SCRAPY_JOB", "the UTC date"


class SettingError(ValueError):
    """A value of one of our settings that cannot be used: the message names it and what it accepts."""


class _Rejected(Exception):
    """Raised by a kind's reader: ``args[0]`` completes "NAME must be …"."""


@dataclass(frozen=True)
class Kind:
    """How a value is read. ``read`` gets a non-blank value and raises :class:`_Rejected`."""

    accepts: str
    read: Callable[[Any], Any]
    blank_is_unset: bool = True


def whole(minimum: int, maximum: int | None = None) -> Kind:
    bounds = f"{minimum} or more" if maximum is None else f"from {minimum} to {maximum}"
    accepts = f"a whole number, {bounds}"

    def read(value: Any) -> int:
        if isinstance(value, bool):
            raise _Rejected(accepts)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            number = value if isinstance(value, int) else int(str(value).strip())
        except ValueError:
            raise _Rejected(accepts) from None
        if number < minimum or (maximum is not None and number > maximum):
            raise _Rejected(bounds)
        return number

    return Kind(accepts, read)


def seconds() -> Kind:
    accepts = "a number of seconds, 0 or more"

    def read(value: Any) -> float:
        if isinstance(value, bool):
            raise _Rejected(accepts)
        try:
            number = float(value if isinstance(value, (int, float)) else str(value).strip())
        except ValueError:
            raise _Rejected(accepts) from None
        if not 0 <= number < float("inf"):
            raise _Rejected("0 or more")
        return number

    return Kind(accepts, read)


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise _Rejected(FLAG.accepts)


FLAG = Kind("true or false (also yes/no, on/off, 1/0)", _flag)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Rejected(TEXT.accepts)
    return value.strip()


TEXT = Kind("text", _text)


def _path(value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise _Rejected(PATH.accepts)
    return Path(str(value).strip())


PATH = Kind("a path", _path)


def _file_prefix(value: Any) -> str:
    text = _text(value)
    if "/" in text or "\\" in text:
        raise _Rejected(FILE_PREFIX.accepts)
    return text


FILE_PREFIX = Kind("a file name prefix (no / or \\)", _file_prefix)


def _lookup(value: Any) -> str | None:
    word = value.strip().lower() if isinstance(value, str) else None
    if word not in ("", *DEFAULT_ENDPOINTS):
        raise _Rejected(LOOKUP.accepts)
    return word or None


def _replay_url(value: Any) -> str:
    url = _text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Rejected(REPLAY_URL.accepts)
    # pywb's URLs are <collection URL><timestamp>/<url>: the collection URL ends in "/".
    return url if url.endswith("/") else url + "/"


REPLAY_URL = Kind("an http(s) URL of a replay collection, e.g. http://localhost:8080/news/", _replay_url)


def parse_replay_url(value: str) -> str:
    """``archiver audit --replay-url``: the collection URL ending in "/"; ValueError says what is wanted."""
    try:
        return _replay_url(value)
    except _Rejected:
        raise ValueError(f"give {REPLAY_URL.accepts}") from None


LOOKUP = Kind("timegate, wayback or empty (ask no archive)", _lookup, blank_is_unset=False)

# Whose page requisites are fetched: the articles' pages, every page, or none.
REQUISITE_SCOPES = ("articles", "all", "none")


def _requisites(value: Any) -> str:
    word = value.strip().lower() if isinstance(value, str) else None
    if word not in REQUISITE_SCOPES:
        raise _Rejected(REQUISITES.accepts)
    return word


REQUISITES = Kind("articles, all or none", _requisites)
DEFAULT_REQUISITE_MAXSIZE = 20 * 1024 * 1024  # bytes: a photo or a font fits, a video does not
BROWSER_PAGE_CHOICES = ("articles", "all")


def _browser_pages(value: Any) -> str:
    word = value.strip().lower() if isinstance(value, str) else None
    if word not in BROWSER_PAGE_CHOICES:
        raise _Rejected(BROWSER_PAGES.accepts)
    return word


BROWSER_PAGES = Kind("articles (each article's own page) or all (and every HTML page it links to)",
                     _browser_pages)


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    default: Any
    help: str
    # How docs/settings.md shows the default, when the default is worked out at run time.
    shown_default: str | None = None

    @property
    def field(self) -> str:
        """The ArchiverConfig field it fills: ARCHIVER_WARC_DIR -> warc_dir."""
        return self.name.removeprefix(PREFIX).lower()

    def parse(self, value: Any) -> Any:
        """The value read by this setting's kind; unset (None or blank text) gives the default."""
        if value is None or (self.kind.blank_is_unset and isinstance(value, str) and not value.strip()):
            return self.default
        try:
            return self.kind.read(value)
        except _Rejected as rejected:
            raise SettingError(f"{self.name} must be {rejected.args[0]}; got {value!r}") from None

    def read(self, settings: Mapping[str, Any]) -> Any:
        """This setting's value in a mapping (Scrapy settings, a dict, ``os.environ``)."""
        return self.parse(settings.get(self.name))

    def readme_default(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        return "none" if self.default is None else str(self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("ARCHIVER_SEEDS", PATH, Path("seeds"), "seed file or folder (-a seeds= wins)"),
    Setting("ARCHIVER_DEPTH", whole(0), 1, "0: articles only; 1: and their links; 2: and the links of those"),
    Setting("ARCHIVER_WARC_ENABLED", FLAG, True, "write WARC files"),
    Setting("ARCHIVER_WARC_DIR", PATH, Path("warcs"), "where WARC files go"),
    Setting("ARCHIVER_WARC_PREFIX", FILE_PREFIX, "archiver", "WARC file name prefix"),
    Setting("ARCHIVER_WARC_MAX_SIZE", whole(1), DEFAULT_WARC_MAX_SIZE, "roll over past this many bytes"),
    Setting("ARCHIVER_WARC_INDEX", FLAG, True, "write a CDXJ index beside each closed file"),
    Setting("ARCHIVER_WARC_GZIP_LEVEL", whole(1, 9), DEFAULT_GZIP_LEVEL, "gzip level, 1 fastest to 9 smallest"),
    Setting("ARCHIVER_REPORT_ENABLED", FLAG, True, "write the report at the end of a crawl"),
    Setting("ARCHIVER_REPORT_DIR", PATH, None, "where the report goes",
            shown_default="reports/<UTC timestamp>"),
    Setting("ARCHIVER_DATE_GRACE_DAYS", whole(0), 1, "days a link may be dated after its article"),
    Setting("ARCHIVER_SOFT404_PROBES", FLAG, True, "probe one random sibling URL per host and URL shape for soft 404s"),
    Setting("ARCHIVER_RETRY_BACKOFF", seconds(), 1.0, "seconds before the first retry, doubling"),
    Setting("ARCHIVER_RETRY_AFTER_MAX", seconds(), 60.0, "longest Retry-After waited for"),
    Setting("ARCHIVER_ALLOW_PRIVATE", FLAG, False, "allow private, loopback and link-local targets"),
    Setting("ARCHIVER_CONTACT_URL", TEXT, None, "named in the User-Agent"),
    Setting("ARCHIVER_HISTORY_ENABLED", FLAG, True, "keep the history of link checks"),
    Setting("ARCHIVER_HISTORY_URL", TEXT, DEFAULT_HISTORY_URL, "the history database (SQLAlchemy URL)"),
    Setting("ARCHIVER_DEAD_AFTER_CHECKS", whole(1), 3, "failed checks before a link is confirmed dead"),
    Setting("ARCHIVER_DEAD_AFTER_DAYS", whole(0), 3, "days those checks must span"),
    Setting("ARCHIVER_DEDUP", FLAG, True, "write revisit records for payloads archived before"),
    Setting("ARCHIVER_ARCHIVE_LOOKUP", LOOKUP, "timegate", "ask a web archive for copies of failing links"),
    Setting("ARCHIVER_ARCHIVE_ENDPOINT", TEXT, None, "the TimeGate or availability API",
            shown_default="Internet Archive's"),
    Setting("ARCHIVER_ARCHIVE_CONCURRENCY", whole(1), 2, "archive lookups in flight at a time"),
    Setting("ARCHIVER_ARCHIVE_TIMEOUT", seconds(), 10.0, "seconds one archive lookup may take"),
    Setting("ARCHIVER_ARCHIVE_BUDGET", seconds(), 60.0,
            "seconds all archive lookups may take, from the first; what is queued then is not asked"),
    Setting("ARCHIVER_ARCHIVE_MAX_FAILURES", whole(1), 3,
            "failed lookups in a row before the archive is not asked again in this run"),
    Setting("ARCHIVER_REPLAY_URL", REPLAY_URL, None, "a pywb collection: the report links each finding to its replay"),
    Setting("ARCHIVER_REPLAY_CHECK", FLAG, False,
            "open each article through pywb in Chromium at the end of a crawl and record what its replay misses"),
    Setting("ARCHIVER_REPLAY_CHECK_TIMEOUT", seconds(), 30.0, "the longest one replayed page may load"),
    Setting("ARCHIVER_REPLAY_CHECK_MAX_PAGES", whole(1), 100, "the most articles the replay check opens"),
    Setting("ARCHIVER_PYWB_BIN", PATH, None, "the folder holding pywb's wayback and wb-manager",
            shown_default="$ARCHIVER_PYWB_BIN, else .venv-pywb/bin, else the PATH"),
    # One Chromium for the browser (ARCHIVER_BROWSER) and the replay check: their screenshots are compared.
    Setting("ARCHIVER_CHROMIUM", PATH, Path("/usr/bin/chromium"),
            "the Chromium the browser and the replay check drive"),
    Setting("ARCHIVER_REDIS_URL", TEXT, None, "share one queue between crawl processes"),
    Setting("ARCHIVER_JOB", TEXT, None, "the job of this crawl: Redis keys and the history's runs",
            shown_default="Scrapyd's job, else the UTC date"),
    Setting("ARCHIVER_REQUISITES", REQUISITES, "articles",
            "fetch what pages need to be displayed (images, CSS, fonts, scripts, frames): "
            "of articles, of all pages, or none"),
    Setting("ARCHIVER_REQUISITE_MAXSIZE", whole(0), DEFAULT_REQUISITE_MAXSIZE,
            "bytes: a larger requisite is not downloaded, and recorded as skipped (0: only DOWNLOAD_MAXSIZE)"),
    Setting("ARCHIVER_WACZ", FLAG, False, "package the crawl's WARC files into a WACZ beside them at its end"),
    Setting("ARCHIVER_BROWSER", FLAG, False, "render pages in headless Chromium: what it loads, a screenshot, the DOM"),
    Setting("ARCHIVER_BROWSER_PAGES", BROWSER_PAGES, "articles", "which pages the browser renders: articles or all"),
    Setting("ARCHIVER_BROWSER_TIMEOUT", seconds(), 30.0, "seconds a page may take to load, scroll and settle"),
    Setting("ARCHIVER_READ_MAX_SIZE", whole(1), DEFAULT_READ_MAX_SIZE,
            "bytes of one body the report reads, decoded; a bigger page is reported too large to read"),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def read_setting(settings: Mapping[str, Any], name: str) -> Any:
    """One declared setting's value, read as the config reads it (for code that runs before the config)."""
    return BY_NAME[name].read(settings)


def _check_names(settings: Mapping[str, Any]) -> None:
    """A misspelt setting would otherwise be ignored without a word."""
    for name in settings:
        if isinstance(name, str) and name.startswith(PREFIX) and name not in BY_NAME:
            # Compared without the prefix, which every name shares.
            close = difflib.get_close_matches(name.removeprefix(PREFIX), [s.field.upper() for s in SETTINGS], n=1)
            hint = f"did you mean {PREFIX}{close[0]}?" if close else "see the settings table in docs/settings.md"
            raise SettingError(f"{name} is not a setting of the archiver; {hint}")


@dataclass(frozen=True)
class ArchiverConfig:
    """One field per declared setting (see :data:`SETTINGS`), defaults worked out."""

    seeds: Path
    depth: int
    warc_enabled: bool
    warc_dir: Path
    warc_prefix: str
    warc_max_size: int
    warc_index: bool
    warc_gzip_level: int
    report_enabled: bool
    report_dir: Path  # ARCHIVER_REPORT_DIR, else reports/<UTC timestamp of the config>
    date_grace_days: int
    soft404_probes: bool
    retry_backoff: float
    retry_after_max: float
    allow_private: bool
    contact_url: str | None
    history_enabled: bool
    history_url: str
    dead_after_checks: int
    dead_after_days: int
    dedup: bool
    archive_lookup: str | None  # "timegate", "wayback" or None (off)
    archive_endpoint: str  # the setting, else the lookup's default ("" when off)
    archive_concurrency: int
    archive_timeout: float
    archive_budget: float
    archive_max_failures: int
    replay_url: str | None  # ARCHIVER_REPLAY_URL, ending in "/"
    replay_check: bool
    replay_check_timeout: float
    replay_check_max_pages: int
    pywb_bin: Path | None
    chromium: Path
    redis_url: str | None
    job: str  # ARCHIVER_JOB, else Scrapyd's SCRAPY_JOB, else the UTC date (YYYYMMDD)
    job_from: str  # JOB_FROM_SETTING, JOB_FROM_SCRAPYD or JOB_FROM_DATE
    requisites: str  # "articles", "all" or "none"
    requisite_maxsize: int  # bytes, 0 for no limit
    wacz: bool
    browser: bool
    browser_pages: str  # "articles" or "all"
    browser_timeout: float
    read_max_size: int  # bytes of one body the report reads, decoded

    @property
    def history(self) -> str | None:
        """The history database's URL, or None when no history is kept."""
        return self.history_url if self.history_enabled else None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, environ: Mapping[str, str] | None = None,
                      now: datetime.datetime | None = None) -> ArchiverConfig:
        """Read every declared setting; :class:`SettingError` names the first bad one.

        ``environ`` (default ``os.environ``) gives Scrapyd's ``SCRAPY_JOB``;
        ``now`` the time the default report folder and job are named after.
        """
        _check_names(settings)
        values = {s.field: s.read(settings) for s in SETTINGS}
        now = now or datetime.datetime.now(datetime.UTC)
        if values["report_dir"] is None:
            values["report_dir"] = Path("reports") / now.strftime("%Y%m%dT%H%M%SZ")
        if values["archive_endpoint"] is None:
            values["archive_endpoint"] = DEFAULT_ENDPOINTS.get(values["archive_lookup"] or "", "")
        scrapyd_job = (os.environ if environ is None else environ).get("SCRAPY_JOB", "").strip()
        if values["job"]:
            values["job_from"] = JOB_FROM_SETTING
        elif scrapyd_job:
            values["job"], values["job_from"] = scrapyd_job, JOB_FROM_SCRAPYD
        else:
            values["job"], values["job_from"] = now.strftime("%Y%m%d"), JOB_FROM_DATE
        return cls(**values)

    @classmethod
    def defaults(cls) -> ArchiverConfig:
        """The configuration with every setting at its default (``archiver audit`` outside a project)."""
        return cls.from_settings({})

