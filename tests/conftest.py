from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.site import SiteServer

PROJECT = Path(__file__).resolve().parent.parent

# Settings every test crawl uses: a local site, no waiting.
TEST_SETTINGS = {
    "ARCHIVER_ALLOW_PRIVATE": "True",
    # No test asks a real web archive; the lookup tests name a local stub.
    "ARCHIVER_ARCHIVE_LOOKUP": "",
    # One run's verdicts, unless a test keeps a history of its own.
    "ARCHIVER_HISTORY_ENABLED": "False",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "1",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlResult:
    returncode: int
    log: str
    warc_dir: Path

    @property
    def warcs(self) -> list[Path]:
        return sorted(self.warc_dir.glob("*.warc.gz"))


def scrapy_command(seeds: Path, warc_dir: Path, settings: dict[str, str] | None = None,
                   extra_args: list[str] | None = None) -> list[str]:
    # Every output in the test's own folder, never in the project's reports/ or state/.
    merged = {**TEST_SETTINGS, "ARCHIVER_WARC_DIR": str(warc_dir),
              "ARCHIVER_REPORT_DIR": str(Path(warc_dir).parent / f"report-{Path(warc_dir).name}"),
              **(settings or {})}
    command = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}", *(extra_args or [])]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        env.pop(proxy, None)
    # The crawl obeys the suite's rule: a deprecation is an error.
    env["PYTHONWARNINGS"] = "error"
    env.update(extra)
    return env


def run_crawl(seeds: Path, warc_dir: Path, settings: dict[str, str] | None = None,
              *, prefix: list[str] | None = None, env: dict[str, str] | None = None,
              extra_args: list[str] | None = None, timeout: float = 180) -> CrawlResult:
    proc = subprocess.run(
        (prefix or []) + scrapy_command(seeds, warc_dir, settings, extra_args),
        cwd=PROJECT, env=crawl_env(**(env or {})), capture_output=True, text=True,
        timeout=timeout,
    )
    return CrawlResult(proc.returncode, proc.stdout + proc.stderr, warc_dir)


@pytest.fixture(scope="module")
def site():
    with SiteServer() as server:
        yield server


@contextmanager
def small_disk_at(folder: Path, size: str) -> Iterator[Path]:
    """A full disk, simulated: a tmpfs of ``size`` ("16k") mounted at ``folder``; skipped, saying why, unless root."""
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"a full disk is simulated with a {size} tmpfs, which needs root: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture(scope="module")
def pywb(tmp_path_factory):
    from tests.pywb import Pywb, pywb_bin

    bindir = pywb_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("pywb is not installed: CI must replay the archive (make test installs it)")
        pytest.skip("pywb is not installed (make test installs it into .venv-pywb)")
    server = Pywb(bindir, tmp_path_factory.mktemp("pywb"))
    yield server
    server.close()


# --- every report.json the suite writes matches docs/report.schema.json --------------
#
# Two places, because reports land in two kinds of folder: a test's own tmp_path
# is checked when that test ends, so a bad report fails the test that wrote it;
# the folders of module-scoped fixtures (tmp_path_factory) are caught by a walk
# of this session's whole base folder when the session ends, which fails the
# run at the last test's teardown. Each file is validated once.
_CHECKED_REPORTS: set[Path] = set()


@pytest.fixture(autouse=True)
def _reports_match_the_schema(request):
    tmp_path = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if tmp_path is not None:
        from tests.report_schema import invalid_reports

        failures = invalid_reports(tmp_path, _CHECKED_REPORTS)
        if failures:
            pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture(autouse=True, scope="session")
def _every_report_of_the_session_matches_the_schema(tmp_path_factory):
    yield
    from tests.report_schema import invalid_reports

    failures = invalid_reports(tmp_path_factory.getbasetemp(), _CHECKED_REPORTS)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
