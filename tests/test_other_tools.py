"""Archives written by other tools, for real: wget and warcprox fetch the test site, the audit reads them.

The audit's promise is to read any tool's WARC. These archives are written
by the tools themselves (GNU Wget from Debian, warcprox from PyPI in
``.venv-warcprox``, pywb's recorder, Webrecorder's), not imitated: a link each tool captured is judged as our
own crawl judges it (tests/test_analysis_crawl.py), one it did not capture is
``not_checked``, and what such an archive cannot tell (no soft-404 probe) is
said in the report's notes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT, crawl_env
from tests.pywb import free_port, pywb_bin
from tests.site import ARTICLE_PATH, STATUS_ARTICLE_PATH, SiteServer
from tests.test_analysis_crawl import DATES, EXPECTED
from tests.warc_checks import read_records, warcio_check

# Links the tools fetch and our crawl judges from their answer alone: no
# retries (/reset, /slow), no robots.txt refusal, no soft-404 probe of ours.
SAME_AS_OUR_CRAWL = ["/page/ok", "/redirect/301", "/status/404", "/status/410", "/status/400",
                     "/status/401", "/status/403", "/status/451", "/status/999", "/challenge",
                     "/status/429", "/status/500", "/moved-home", "/loop"]
NOT_CAPTURED = ["/reset", "/slow", "/private/secret", "/page/gossip", "http://no-such-host.invalid/story"]


def required(program: Path | str | None, what: str) -> str:
    if program is None or not Path(program).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed: CI must read its archives (make test installs it)")
        pytest.skip(f"{what} is not installed (make test installs it)")
    return str(program)


def seeds_for(folder: Path, site: SiteServer) -> Path:
    folder.mkdir()
    (folder / "statuses.md").write_text(
        "# Statuses of everything\n\nMarch 01, 2020\n\n"
        "The officials said on Wednesday that the talks would go on.\n\n"
        f"**Related article:** [Government announces new budget plan]({site.url('/page/gossip')})\n\n"
        f"Original url: {site.url(STATUS_ARTICLE_PATH)}\n", encoding="utf-8")
    (folder / "big.txt").write_text(site.url(ARTICLE_PATH) + "\n")
    return folder


def audit(seeds: Path, warcs: list[Path], output: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archiver.cli", "audit", *extra, "--seeds", str(seeds), *map(str, warcs),
         "-o", str(output)], cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=300)


def links_of(report: dict, site: SiteServer, article_path: str) -> dict[str, dict]:
    [article] = [a for a in report["articles"] if a["url"] == site.url(article_path)]
    return {link["url"].removeprefix(site.base): link for link in article["links"]}


def judged_like_our_crawl(result: subprocess.CompletedProcess, folder: Path, site: SiteServer) -> dict:
    """The audit's report of a tool's archive, checked against what our crawl reports of the same site."""
    assert result.returncode == 1, result.stderr[-3000:]  # findings
    assert "Traceback" not in result.stderr
    report = json.loads((folder / "report.json").read_text())
    assert report["integrity"] == []
    links = links_of(report, site, STATUS_ARTICLE_PATH)
    assert {p: (links[p]["status"], links[p]["verdict"]) for p in SAME_AS_OUR_CRAWL} == {
        p: EXPECTED[p] for p in SAME_AS_OUR_CRAWL}
    # Dates and titles come from the captured payloads (a revisit's from its original's record).
    assert {p: (links[p]["date"], links[p]["date_source"], links[p]["page_date_source"], links[p]["date_mismatch"])
            for p in DATES} == DATES
    for path in NOT_CAPTURED:
        assert (links[path]["status"], links[path]["detail"]) == ("not_checked", "not in the archive"), path
    assert links["/page/xss"]["title"] == "<script>alert(1)</script>"
    [statuses] = [a for a in report["articles"] if a["url"] == site.url(STATUS_ARTICLE_PATH)]
    assert statuses["text_verdict"] == "unchanged", statuses["text_unavailable"]
    assert statuses["published"] == "2020-03-01"
    # A chunked body, kept as the server sent it, chunks and all: read through them.
    assert links_of(report, site, ARTICLE_PATH)["/page/chunked"]["title"] == "A chunked page"
    # No tool archives soft-404 probes: a soft 404 cannot be told, and the report says so.
    assert links["/soft/missing-story"]["status"] == "ok"
    assert any("not checked for a soft 404" in note for note in report["notes"]), report["notes"]
    return report


# --- GNU Wget -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def wget_run(site, tmp_path_factory):
    wget = required(shutil.which("wget"), "wget")
    root = tmp_path_factory.mktemp("wget")
    fetched = subprocess.run(
        [wget, "--warc-file", str(root / "wget"), "--recursive", "--level=1", "--page-requisites",
         "--tries=1", "--timeout=2", "--no-verbose", "--delete-after", "-P", str(root / "files"),
         site.url(STATUS_ARTICLE_PATH), site.url(ARTICLE_PATH)],
        capture_output=True, text=True, timeout=120)
    assert fetched.returncode in (4, 8), fetched.stderr[-3000:]  # network (TLS, reset) and server errors
    warc = root / "wget.warc.gz"
    result = audit(seeds_for(root / "seeds", site), [warc], root / "report")
    return warc, result, root / "report"


def test_wget_writes_a_valid_archive_and_the_integrity_pass_agrees(wget_run, tmp_path):
    warc, _, _ = wget_run
    assert warcio_check(warc).returncode == 0
    integrity = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "audit", "--integrity-only", str(warc)],
        cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=120)
    assert (integrity.returncode, integrity.stdout) == (0, ""), integrity.stdout + integrity.stderr


def test_a_wget_archive_is_judged_as_our_crawl_judges_the_same_answers(wget_run, site):
    _, result, folder = wget_run
    report = judged_like_our_crawl(result, folder, site)
    assert links_of(report, site, ARTICLE_PATH)["/page/headers"]["title"] == "Odd headers"
    # Both articles link /status/404: a finding of each, as the report's tables and figures count it.
    assert result.stdout.splitlines().count(f"dead (gone): {site.url('/status/404')}") == 2
    assert "Findings: 11; 7 dead, 3 date_mismatch, 1 title_mismatch" in result.stderr
    assert "Links: 43; 19 alive, 7 dead, 17 uncertain" in result.stderr


def test_a_wget_archive_packaged_as_a_wacz_lists_the_seeds_articles(wget_run, site, tmp_path):
    warc, _, folder = wget_run
    output = tmp_path / "wget.wacz"
    packaged = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "wacz", str(warc), "--seeds", str(folder.parent / "seeds"),
         "-o", str(output)], cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=120)
    assert (packaged.returncode, packaged.stderr) == (0, ""), packaged.stderr
    assert packaged.stdout == f"WACZ written to {output}: 1 WARC file, 2 articles in pages/pages.jsonl\n"
    validated = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(output)],
                               capture_output=True, text=True, timeout=120)
    assert validated.returncode == 0 and "Validation succeeded" in validated.stdout, validated.stdout
    with zipfile.ZipFile(output) as wacz:
        _, *lines = wacz.read("pages/pages.jsonl").decode().splitlines()
    assert sorted(json.loads(line)["url"] for line in lines) == sorted(
        site.url(path) for path in (STATUS_ARTICLE_PATH, ARTICLE_PATH))


# --- warcprox -----------------------------------------------------------------------


def warcprox_bin() -> Path | None:
    candidates = [os.environ.get("ARCHIVER_WARCPROX_BIN"), PROJECT / ".venv-warcprox" / "bin"]
    return next((Path(c) / "warcprox" for c in candidates if c and (Path(c) / "warcprox").exists()), None)


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)


def fetch_through(proxy: str, url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    try:
        with opener.open(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


@pytest.fixture(scope="module")
def warcprox_run(tmp_path_factory):
    program = required(warcprox_bin(), "warcprox")
    root = tmp_path_factory.mktemp("warcprox")
    port = free_port()
    # warcprox refuses 127.0.0.1 as a destination: the site listens on another loopback address.
    with SiteServer(host="127.0.0.2") as site:
        log = open(root / "warcprox.log", "wb")
        proxy = subprocess.Popen(
            [program, "-b", "127.0.0.1", "-p", str(port), "-d", str(root / "warcs"), "-z", "-n", "wp",
             "--cacert", str(root / "ca.pem"), "--certs-dir", str(root / "certs"),
             "-j", str(root / "dedup.sqlite"), "--stats-db-file", str(root / "stats.sqlite")],
            cwd=root, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, proxy, root / "warcprox.log")
            paths = [STATUS_ARTICLE_PATH, ARTICLE_PATH, *SAME_AS_OUR_CRAWL, *DATES, "/page/xss",
                     "/soft/missing-story", "/page/chunked", "/page/headers"]
            # Twice: the second visit's identical payloads are written as revisits.
            for _ in range(2):
                for path in paths:
                    if path != "/loop":  # urllib gives up on a loop after 10 hops, as a browser would
                        fetch_through(f"http://127.0.0.1:{port}", site.url(path))
            fetch_through(f"http://127.0.0.1:{port}", site.url("/loop"))
        finally:
            proxy.send_signal(signal.SIGTERM)  # warcprox closes its open file on SIGTERM
            proxy.wait(timeout=60)
            log.close()
        warcs = sorted((root / "warcs").glob("*.warc.gz"))
        result = audit(seeds_for(root / "seeds", site), warcs, root / "report")
        yield site, warcs, result, root / "report"


def test_a_warcprox_archive_with_revisits_is_judged_as_our_crawl_judges_the_same_answers(warcprox_run):
    site, warcs, result, folder = warcprox_run
    assert warcs and not list(folder.parent.glob("warcs/*.open"))
    types = [record["type"] for path in warcs for record in read_records(path)]
    assert types.count("revisit") >= 10, types  # its dedup wrote the second visit as revisits
    # warcprox digests a chunked body de-chunked, as WARC/1.1 defines the payload; warcio
    # check digests it as stored and calls that a mismatch (warcio issue 75). Both are sound.
    chunked = [r["offset"] for path in warcs for r in read_records(path)
               if r["type"] == "response" and r["uri"] == site.url("/page/chunked")]
    checked = "\n".join(warcio_check(path).stdout for path in warcs)
    failed = [line for line in checked.splitlines() if "failed" in line]
    assert len(failed) == len(chunked) >= 1 and all("payload digest failed" in line for line in failed), checked
    judged_like_our_crawl(result, folder, site)


# --- pywb's recorder ------------------------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # each hop is recorded by its own request
        return None


@pytest.fixture(scope="module")
def pywb_recording(site, tmp_path_factory):
    bindir = required(pywb_bin(), "pywb")
    root = tmp_path_factory.mktemp("pywb-record")
    subprocess.run([str(Path(bindir) / "wb-manager"), "init", "rec"], cwd=root, check=True, capture_output=True)
    port = free_port()
    with open(root / "wayback.log", "wb") as log:
        server = subprocess.Popen([str(Path(bindir) / "wayback"), "--record", "--live", "-b", "127.0.0.1",
                                   "-p", str(port)], cwd=root, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, server, root / "wayback.log")
        opener = urllib.request.build_opener(NoRedirects)
        hops = ["/redirect/302", "/redirect/307", "/page/final", "/"]
        for path in [STATUS_ARTICLE_PATH, ARTICLE_PATH, *SAME_AS_OUR_CRAWL, *hops, *DATES, "/page/xss",
                     "/soft/missing-story", "/page/chunked", "/page/headers"]:
            try:  # id_: the page as the server sent it, recorded as it passes
                opener.open(f"http://127.0.0.1:{port}/rec/record/id_/{site.url(path)}", timeout=20).read()
            except urllib.error.HTTPError as error:
                error.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
    warcs = sorted((root / "collections" / "rec" / "archive").glob("*.warc.gz"))
    return warcs, audit(seeds_for(root / "seeds", site), warcs, root / "report"), root / "report"


def test_a_pywb_recording_is_judged_as_our_crawl_judges_the_same_answers(pywb_recording, site):
    warcs, result, folder = pywb_recording
    assert warcs
    for path in warcs:
        assert warcio_check(path).returncode == 0
    judged_like_our_crawl(result, folder, site)
