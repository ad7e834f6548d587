"""Deploy the project to a real Scrapyd with scrapyd-deploy and crawl through it.

Scrapyd runs the spider from the deployed egg, in a subprocess of its own: the
egg must hold every module, the seeds come from an absolute path (the seeds
folder is not in the egg), and settings come with the schedule request.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import ProxyHandler, build_opener

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.site import ARTICLE_PATH, SiteServer

PROJECT = Path(__file__).resolve().parent.parent
# The venv's bin folder: sys.executable is not resolved, a symlink would lead
# to the base interpreter's folder.
BIN = Path(sys.executable).parent
JOB_TIMEOUT = 120
# Local servers only: a proxy from the environment must not get the requests.
OPENER = build_opener(ProxyHandler({}))
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY")

# Scrapyd's runner imports pkg_resources (deprecated, removed in setuptools 81);
# every other warning in the crawl is an error, as in the rest of the suite.
SCRAPYD_WARNINGS = "error,ignore:pkg_resources is deprecated as an API"

# The project is installed in editable mode in the test environment; a Scrapyd
# host has no checkout. Hiding the editable finder from Scrapyd and its
# crawls makes the job fail unless the egg holds the code.
SITECUSTOMIZE = '''\
import sys

sys.meta_path[:] = [
    finder for finder in sys.meta_path
    if not getattr(finder, "__module__", "").startswith("__editable___news_archiver")
]
'''


def _scrapyd_importable() -> None:
    try:
        import scrapyd  # noqa: F401
    except ImportError as error:
        if os.environ.get("CI"):
            pytest.fail(f"scrapyd is not installed ({error}): CI must run the Scrapyd test")
        pytest.skip(f"scrapyd is not installed ({error}): pip install 'scrapyd>=1.5' 'scrapyd-client>=2.0'")


def _command(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed beside {sys.executable}"
    return str(path)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in (*PROXY_VARIABLES, "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "PYTHONPATH", "PYTHONWARNINGS"):
        env.pop(name, None)
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _copy_ignore(folder: str, names: list[str]) -> set[str]:
    """What the copy of the project leaves out: VCS, venvs, crawl output, build artefacts."""
    ignored = {n for n in names if n in ("__pycache__", ".pytest_cache") or n.endswith(".egg-info")}
    if Path(folder) == PROJECT:
        ignored |= {
            n for n in names
            if n in (".git", "warcs", "reports", "build", "dist") or n.startswith(".venv")
        }
    return ignored


class Scrapyd:
    """A Scrapyd server on 127.0.0.1 with everything under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.logs_dir = root / "logs"
        self.output = root / "scrapyd.out"
        site = root / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        (root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {root / 'eggs'}\n"
            f"logs_dir = {self.logs_dir}\n"
            f"items_dir = {root / 'items'}\n"
            f"dbs_dir = {root / 'dbs'}\n"
            "jobs_dir =\n"
            "username =\n"
            "password =\n"
            "poll_interval = 0.5\n",
            encoding="utf-8",
        )
        # The current folder is where Scrapyd finds scrapyd.conf.
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [_command("scrapyd"), "--pidfile", str(root / "scrapyd.pid")],
                cwd=root, stdout=out, stderr=subprocess.STDOUT,
                env=_env(PYTHONPATH=str(site), PYTHONWARNINGS=SCRAPYD_WARNINGS),
            )

    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def get(self, endpoint: str, **query: str) -> dict:
        with OPENER.open(self.url + endpoint + ("?" + urlencode(query) if query else ""), timeout=10) as response:
            return json.load(response)

    def post(self, endpoint: str, data: list[tuple[str, str]]) -> dict:
        with OPENER.open(self.url + endpoint, data=urlencode(data).encode(), timeout=10) as response:
            return json.load(response)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"scrapyd exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return
            except (URLError, OSError, ValueError):
                pass
            time.sleep(0.2)
        pytest.fail(f"scrapyd did not answer /daemonstatus.json within {timeout} s:\n{self.log()}")

    def job_log(self, project: str, spider: str, job: str) -> str:
        path = self.logs_dir / project / spider / f"{job}.log"
        return path.read_text(errors="replace") if path.exists() else f"(no job log at {path})"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def scrapyd_server(tmp_path):
    _scrapyd_importable()
    root = tmp_path / "scrapyd"
    root.mkdir()
    server = Scrapyd(root)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def deploy(server: Scrapyd, tmp_path: Path) -> None:
    """scrapyd-deploy from a copy of the project: its build artefacts land there."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy, ignore=_copy_ignore)
    config = configparser.ConfigParser()
    config.read(copy / "scrapy.cfg", encoding="utf-8")
    assert config.get("deploy", "project") == "archiver"
    assert config.get("deploy", "url") == "http://localhost:6800/"
    config["deploy:pytest"] = {"url": server.url, "project": "archiver"}
    with open(copy / "scrapy.cfg", "w", encoding="utf-8") as cfg:
        config.write(cfg)
    build_tmp = tmp_path / "deploy-tmp"  # --debug keeps the egg's build folder: here
    build_tmp.mkdir()
    proc = subprocess.run(
        [_command("scrapyd-deploy"), "pytest", "-p", "archiver", "--debug"],
        cwd=copy, env=_env(TMPDIR=str(build_tmp)), capture_output=True, text=True, timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"scrapyd-deploy failed:\n{output}\n--- scrapyd ---\n{server.log()}"
    # scrapyd-deploy exits with 0 when Scrapyd refuses the egg: its answer says so.
    answers = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert answers and json.loads(answers[-1])["status"] == "ok", output
    assert sorted(server.get("listspiders.json", project="archiver")["spiders"]) == ["seeds"]


def wait_finished(server: Scrapyd, job: str) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        jobs = server.get("listjobs.json", project="archiver")
        if any(entry["id"] == job for entry in jobs["finished"]):
            return
        time.sleep(0.5)
    try:
        server.post("cancel.json", [("project", "archiver"), ("job", job)])
    except (URLError, OSError, ValueError) as error:
        print(f"could not cancel job {job}: {error}")
    print(server.job_log("archiver", "seeds", job))
    pytest.fail(
        f"job {job} not finished within {JOB_TIMEOUT} s; its log is printed above\n"
        f"--- scrapyd ---\n{server.log()}"
    )


def response_uris(warc_dir: Path) -> set[str]:
    uris = set()
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uris.add(record.rec_headers.get_header("WARC-Target-URI"))
    return uris


def test_deploy_and_crawl_through_scrapyd(scrapyd_server, tmp_path):
    deploy(scrapyd_server, tmp_path)
    run = tmp_path / "run"
    warc_dir, report_dir = run / "warcs", run / "report"
    with SiteServer() as site:
        article = site.url(ARTICLE_PATH)
        seeds = run / "seeds" / "urls.txt"
        seeds.parent.mkdir(parents=True)
        seeds.write_text(f"# one article\n{article}\n", encoding="utf-8")
        settings = {
            "ARCHIVER_WARC_DIR": warc_dir,
            "ARCHIVER_REPORT_DIR": report_dir,
            "ARCHIVER_ALLOW_PRIVATE": "True",
            # No test asks a real web archive; the history stays in the test's folder.
            "ARCHIVER_ARCHIVE_LOOKUP": "",
            "ARCHIVER_HISTORY_URL": f"sqlite:///{run / 'history.sqlite'}",
            "AUTOTHROTTLE_ENABLED": "False",
            "DOWNLOAD_TIMEOUT": "2",
            "RETRY_TIMES": "0",
        }
        answer = scrapyd_server.post("schedule.json", [
            ("project", "archiver"),
            ("spider", "seeds"),
            ("seeds", str(seeds.resolve())),  # the egg has no seeds folder: an absolute path
            *(("setting", f"{name}={value}") for name, value in settings.items()),
        ])
        assert answer["status"] == "ok", answer
        job = answer["jobid"]
        wait_finished(scrapyd_server, job)

    log = scrapyd_server.job_log("archiver", "seeds", job)
    ended = [line for line in scrapyd_server.log().splitlines() if f"job='{job}'" in line and "Process" in line]
    assert any("Process finished:" in line for line in ended), f"{ended}\n{log}"
    assert "'finish_reason': 'finished'" in log, log
    assert list(warc_dir.glob("*.warc.gz")), f"no WARC file in {warc_dir}\n{log}"
    assert not list(warc_dir.glob("*.open")), log
    assert article in response_uris(warc_dir), log
    report_file = report_dir / "report.json"
    assert report_file.exists(), log
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert article in [entry["url"] for entry in report["articles"]], report
