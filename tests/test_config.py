"""Our settings: declared once, read once per crawler, a bad value named in one line."""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.config import (
    BY_NAME,
    JOB_FROM_DATE,
    JOB_FROM_SCRAPYD,
    JOB_FROM_SETTING,
    SETTINGS,
    ArchiverConfig,
    SettingError,
)
from tests.conftest import PROJECT, crawl_env

NOW = datetime.datetime(2026, 11, 20, 6, 30, 5, tzinfo=datetime.UTC)


@pytest.mark.fast
@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_reads_its_default_as_a_value_and_as_text(setting) -> None:
    assert setting.parse(setting.default) == setting.default
    if setting.default is not None:
        # What `-s NAME=VALUE` gives for the same value.
        assert setting.parse(str(setting.default)) == setting.default


@pytest.mark.fast
def test_every_setting_fills_one_field_of_the_config() -> None:
    filled = {s.field for s in SETTINGS}
    assert len(filled) == len(SETTINGS)
    assert filled | {"job_from"} == {f.name for f in dataclasses.fields(ArchiverConfig)}
    assert all(s.name.startswith("ARCHIVER_") and s.help for s in SETTINGS)


@pytest.mark.fast
def test_values_given_as_text() -> None:
    config = ArchiverConfig.from_settings({
        "ARCHIVER_DEPTH": " 2 ", "ARCHIVER_WARC_ENABLED": "no", "ARCHIVER_WARC_INDEX": "off",
        "ARCHIVER_ALLOW_PRIVATE": "True", "ARCHIVER_DEDUP": "0", "ARCHIVER_RETRY_BACKOFF": "0.5",
        "ARCHIVER_WARC_DIR": "/tmp/w", "ARCHIVER_ARCHIVE_LOOKUP": "Wayback", "ARCHIVER_CONTACT_URL": "",
        "ARCHIVER_REPORT_DIR": " ", "ARCHIVER_HISTORY_ENABLED": "false",
    }, now=NOW)
    assert (config.depth, config.warc_enabled, config.warc_index, config.allow_private, config.dedup) \
        == (2, False, False, True, False)
    assert config.retry_backoff == 0.5 and config.warc_dir == Path("/tmp/w")
    assert config.archive_lookup == "wayback"
    assert config.archive_endpoint == "https://archive.org/wayback/available"
    # blank is unset: the default
    assert config.contact_url is None and config.report_dir == Path("reports/20261120T063005Z")
    assert config.history is None and config.history_url == "sqlite:///state/history.sqlite"
    # …except where empty means something
    assert ArchiverConfig.from_settings({"ARCHIVER_ARCHIVE_LOOKUP": ""}).archive_lookup is None


@pytest.mark.fast
def test_python_values_from_a_settings_module() -> None:
    config = ArchiverConfig.from_settings({"ARCHIVER_DEPTH": 0, "ARCHIVER_WARC_MAX_SIZE": 1_000,
                                           "ARCHIVER_ALLOW_PRIVATE": True, "ARCHIVER_CONTACT_URL": None,
                                           "ARCHIVER_RETRY_AFTER_MAX": 5})
    assert (config.depth, config.warc_max_size, config.allow_private, config.contact_url) == (0, 1000, True, None)
    assert config.retry_after_max == 5.0


BAD_VALUES = [
    ("ARCHIVER_DEPTH", "abc", "a whole number, 0 or more"),
    ("ARCHIVER_DEPTH", "-1", "0 or more"),
    ("ARCHIVER_DEPTH", 1.5, "a whole number, 0 or more"),
    ("ARCHIVER_DEPTH", True, "a whole number, 0 or more"),
    ("ARCHIVER_WARC_GZIP_LEVEL", 12, "from 1 to 9"),
    ("ARCHIVER_WARC_MAX_SIZE", "0", "1 or more"),
    ("ARCHIVER_DEAD_AFTER_CHECKS", "0", "1 or more"),
    ("ARCHIVER_RETRY_BACKOFF", "soon", "a number of seconds, 0 or more"),
    ("ARCHIVER_RETRY_AFTER_MAX", "-3", "0 or more"),
    ("ARCHIVER_WARC_ENABLED", "maybe", "true or false"),
    ("ARCHIVER_WARC_ENABLED", 2, "true or false"),
    ("ARCHIVER_SEEDS", 3, "a path"),
    ("ARCHIVER_CONTACT_URL", ["x"], "text"),
    ("ARCHIVER_WARC_PREFIX", "a/b", "a file name prefix"),
    ("ARCHIVER_ARCHIVE_LOOKUP", "archive.org", "timegate, wayback or empty"),
    ("ARCHIVER_ARCHIVE_LOOKUP", ["timegate"], "timegate, wayback or empty"),
]


@pytest.mark.fast
@pytest.mark.parametrize(("name", "value", "accepts"), BAD_VALUES)
def test_a_bad_value_names_the_setting_and_what_it_accepts(name, value, accepts) -> None:
    with pytest.raises(SettingError) as caught:
        ArchiverConfig.from_settings({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name} must be {accepts}")
    assert message.endswith(f"; got {value!r}") and "\n" not in message
    assert isinstance(caught.value, ValueError)


@pytest.mark.fast
def test_a_misspelt_setting_is_not_ignored() -> None:
    with pytest.raises(SettingError, match=r"^ARCHIVER_DEPHT is not a setting of the archiver; "
                                           r"did you mean ARCHIVER_DEPTH\?$"):
        ArchiverConfig.from_settings({"ARCHIVER_DEPHT": "2"})
    with pytest.raises(SettingError, match="see the settings table in docs/settings.md"):
        ArchiverConfig.from_settings({"ARCHIVER_XYZZY": "2"})
    # Scrapy's own and other projects' settings are not ours to judge.
    ArchiverConfig.from_settings({"DEPTH_LIMIT": "x", "MY_ARCHIVER_THING": 1})


@pytest.mark.fast
def test_the_job_is_resolved_once_in_the_config() -> None:
    named = ArchiverConfig.from_settings({"ARCHIVER_JOB": " 2026-W47 "}, environ={"SCRAPY_JOB": "abc"}, now=NOW)
    assert (named.job, named.job_from) == ("2026-W47", JOB_FROM_SETTING)
    scrapyd = ArchiverConfig.from_settings({"ARCHIVER_JOB": ""}, environ={"SCRAPY_JOB": "abc"}, now=NOW)
    assert (scrapyd.job, scrapyd.job_from) == ("abc", JOB_FROM_SCRAPYD)
    dated = ArchiverConfig.from_settings({}, environ={}, now=NOW)
    assert (dated.job, dated.job_from) == ("20261120", JOB_FROM_DATE)


@pytest.mark.fast
def test_the_redis_keys_use_the_configs_job() -> None:
    from archiver.crawl.distributed import redis_settings

    config = ArchiverConfig.from_settings({"ARCHIVER_REDIS_URL": "redis://q:6379/0"}, environ={}, now=NOW)
    settings = redis_settings(config)
    assert settings["REDIS_URL"] == "redis://q:6379/0"
    assert settings["SCHEDULER_QUEUE_KEY"] == "archiver:20261120:%(spider)s:requests"
    assert settings["SCHEDULER_DUPEFILTER_KEY"] == "archiver:20261120:%(spider)s:dupefilter"


@pytest.mark.fast
def test_the_history_readers_read_as_the_config_does() -> None:
    from archiver.history import DeadPolicy, url_from_settings

    with pytest.raises(SettingError, match="ARCHIVER_DEAD_AFTER_DAYS must be a whole number, 0 or more"):
        DeadPolicy.from_settings({"ARCHIVER_DEAD_AFTER_DAYS": "three"})
    config = ArchiverConfig.from_settings({"ARCHIVER_DEAD_AFTER_CHECKS": "5", "ARCHIVER_HISTORY_URL": " sqlite:///x "})
    assert DeadPolicy.from_settings({"ARCHIVER_DEAD_AFTER_CHECKS": "5"}) == DeadPolicy(config.dead_after_checks,
                                                                                     config.dead_after_days)
    assert url_from_settings({"ARCHIVER_HISTORY_URL": " sqlite:///x "}) == config.history_url == "sqlite:///x"


@pytest.mark.fast
def test_one_config_per_crawler() -> None:
    from scrapy.utils.test import get_crawler

    from archiver.crawl.settings import config_of

    crawler = get_crawler(settings_dict={"ARCHIVER_DEPTH": "2"})
    config = config_of(crawler)
    assert config.depth == 2
    assert config_of(crawler) is config
    other = get_crawler(settings_dict={"ARCHIVER_DEPTH": "2"})
    assert config_of(other) is not config and config_of(other) == dataclasses.replace(
        config, report_dir=config_of(other).report_dir)


def readme_settings() -> dict[str, str]:
    """docs/settings.md's table: name -> default, as written (backticks dropped)."""
    text = (PROJECT / "docs" / "settings.md").read_text(encoding="utf-8")
    section = text.split("# Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(ARCHIVER_[A-Z0-9_]+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


@pytest.mark.fast
def test_the_readme_lists_exactly_the_declared_settings_and_defaults() -> None:
    table = readme_settings()
    assert list(table) == [s.name for s in SETTINGS]
    assert table == {s.name: s.readme_default() for s in SETTINGS}
    # and the project's settings.py sets none to another value than the declared default
    from archiver import settings as project_settings

    ours = {n: getattr(project_settings, n) for n in dir(project_settings) if n.startswith("ARCHIVER_")}
    assert {n: BY_NAME[n].parse(v) for n, v in ours.items()} == {n: BY_NAME[n].default for n in ours}


# --- through the front door: `scrapy crawl` and `scrapy audit` ---------------


def scrapy_in_copy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """A scrapy command run in a copy of the project's scrapy.cfg, so nothing lands in the project."""
    shutil.copy(PROJECT / "scrapy.cfg", tmp_path / "scrapy.cfg")
    env = crawl_env(PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("setting", "expected"), [
    ("ARCHIVER_DEPTH=abc", "error: ARCHIVER_DEPTH must be a whole number, 0 or more; got 'abc'"),
    ("ARCHIVER_DEPHT=2", "error: ARCHIVER_DEPHT is not a setting of the archiver; did you mean ARCHIVER_DEPTH?"),
])
def test_scrapy_crawl_stops_on_a_bad_setting_with_one_line(tmp_path, setting, expected) -> None:
    result = scrapy_in_copy(tmp_path, "crawl", "seeds", "-a", f"seeds={PROJECT / 'seeds'}", "-s", setting,
                            "-s", f"ARCHIVER_WARC_DIR={tmp_path / 'warcs'}")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [expected]
    assert "Traceback" not in result.stderr + result.stdout and result.stdout == ""
    assert not (tmp_path / "warcs").exists()


def test_scrapy_audit_takes_a_bad_setting_for_a_usage_error(tmp_path) -> None:
    result = scrapy_in_copy(tmp_path, "audit", "-s", "ARCHIVER_DATE_GRACE_DAYS=-2", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == ["error: ARCHIVER_DATE_GRACE_DAYS must be 0 or more; got '-2'"]
    assert "Traceback" not in result.stderr + result.stdout


def cannot_start_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    """Arguments of a crawl that cannot start, and the one line it must end with."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    seeds = ["-a", f"seeds={PROJECT / 'seeds'}"]
    return {
        "no seeds there": (["-a", f"seeds={tmp_path / 'nowhere'}"],
                           f"error: seed path {tmp_path / 'nowhere'} does not exist: "
                           "pass -a seeds=PATH or set ARCHIVER_SEEDS"),
        "WARC folder not writable": (seeds + ["-s", f"ARCHIVER_WARC_DIR={blocker / 'warcs'}"],
                                     f"error: cannot write WARC files to {blocker / 'warcs'}: Not a directory; "
                                     "set ARCHIVER_WARC_DIR to a writable folder"),
        "report folder not writable": (seeds + ["-s", f"ARCHIVER_REPORT_DIR={blocker / 'report'}"],
                                       f"error: cannot write the report to {blocker / 'report'}: "
                                       f"{blocker} is not a folder; set ARCHIVER_REPORT_DIR to a writable folder"),
        "history database unusable": (seeds + ["-s", "ARCHIVER_HISTORY_URL=mysql://db/archiver"],
                                      "error: bad history database URL 'mysql://db/archiver': "
                                      "the backend must be one of sqlite, postgresql, not 'mysql'"),
        "no browser": (seeds + ["-s", "ARCHIVER_BROWSER=True",
                                "-s", f"ARCHIVER_CHROMIUM={tmp_path / 'no-chromium'}"],
                       f"error: ARCHIVER_BROWSER is on but {tmp_path / 'no-chromium'} is not an executable "
                       "Chromium: install Debian's chromium package (apt-get install chromium) or set "
                       "ARCHIVER_CHROMIUM"),
    }


@pytest.mark.parametrize("case", ["no seeds there", "WARC folder not writable", "report folder not writable",
                                  "history database unusable", "no browser"])
def test_a_crawl_that_cannot_start_ends_with_one_line_and_no_traceback(tmp_path, case) -> None:
    arguments, expected = cannot_start_cases(tmp_path)[case]
    # Every other output in the test's folder; the case's own setting comes last and wins.
    result = scrapy_in_copy(tmp_path, "crawl", "seeds", "-s", f"ARCHIVER_WARC_DIR={tmp_path / 'warcs'}",
                            "-s", f"ARCHIVER_REPORT_DIR={tmp_path / 'report'}",
                            "-s", f"ARCHIVER_HISTORY_URL=sqlite:///{tmp_path / 'history.sqlite'}", *arguments)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == expected, result.stderr
    for noise in ("Traceback", "Task exception was never retrieved", "Unhandled error"):
        assert noise not in result.stderr + result.stdout, result.stderr
    assert not list(tmp_path.rglob("*.warc.gz*"))  # nothing was fetched
