"""A crawl killed with SIGKILL half-way leaves honest files behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.findings import EXIT_INTERRUPTED
from tests.conftest import PROJECT, crawl_env, scrapy_command
from tests.warc_checks import warcio_check


def whole_records(path) -> int:
    """How many records read cleanly, and that reading stops only at the end."""
    count = 0
    with open(path, "rb") as stream:
        try:
            for record in ArchiveIterator(stream, check_digests=True):
                record.content_stream().read()
                count += 1
        except Exception:
            # Only the last member may be cut short: nothing follows it.
            assert stream.tell() >= os.path.getsize(path) - 65536
    return count


def test_sigkill_leaves_closed_files_valid_and_open_file_readable(site, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "urls.txt").write_text("".join(site.url(f"/many/{n}") + "\n" for n in range(400)))
    warcs = tmp_path / "warcs"
    command = scrapy_command(seeds, warcs, {
        "ARCHIVER_WARC_MAX_SIZE": "40000",
        "CONCURRENT_REQUESTS": "2",
        "ARCHIVER_DEPTH": "0",
    })
    proc = subprocess.Popen(command, cwd=PROJECT, env=crawl_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            len(list(warcs.glob("*.warc.gz"))) < 3 or not list(warcs.glob("*.open"))
        ):
            assert proc.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    closed = sorted(warcs.glob("*.warc.gz"))
    assert len(closed) >= 3
    for path in closed:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout
    [half] = list(warcs.glob("*.warc.gz.open"))
    assert whole_records(half) >= 1
    assert sum(site.site.hits.get(f"/many/{n}", 0) for n in range(400)) < 400


def _start_in_own_group(site, tmp_path, pages: int = 400):
    """A crawl in a session of its own (as systemd or a terminal starts one), mid-way."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "urls.txt").write_text("".join(site.url(f"/many/{n}") + "\n" for n in range(pages)))
    warcs = tmp_path / "warcs"
    command = scrapy_command(seeds, warcs, {
        "ARCHIVER_WARC_MAX_SIZE": "40000",
        "CONCURRENT_REQUESTS": "2",
        "ARCHIVER_DEPTH": "1",  # the article pages' links are extracted by a worker pool
    })
    proc = subprocess.Popen(command, cwd=PROJECT, env=crawl_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        len(list(warcs.glob("*.warc.gz"))) < 2 or not list(warcs.glob("*.open"))
    ):
        if proc.poll() is not None:
            pytest.fail("the crawl ended before it could be interrupted:\n" + proc.stderr.read()[-3000:])
        time.sleep(0.05)
    return proc, warcs


def _session_processes(session: int) -> list[str]:
    """The processes still in the crawl's session, but the crawl's own zombie."""
    listing = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-s", str(session)],
                             capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if line.split()[1:2] != ["Z"] and line.strip()]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_process_group_closes_the_crawl_cleanly(site, tmp_path, signum):
    proc, warcs = _start_in_own_group(site, tmp_path)
    helpers = _session_processes(proc.pid)
    os.killpg(proc.pid, signum)  # the crawl, its WARC writer and its workers alike
    try:
        _, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert len(helpers) >= 3, helpers  # the writer and the pool were there to be signalled
    assert proc.returncode == EXIT_INTERRUPTED, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-5000:]
    assert "interrupted (SIGTERM or Ctrl-C)" in stderr.splitlines()[-1]
    assert not list(warcs.glob("*.open"))
    closed = sorted(warcs.glob("*.warc.gz"))
    assert len(closed) >= 2
    for path in closed:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout
        assert path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj").exists()
    report = json.loads((tmp_path / "report-warcs" / "report.json").read_text())
    assert any("interrupted" in note for note in report["notes"]), report["notes"]
    assert sum(site.site.hits.get(f"/many/{n}", 0) for n in range(400)) < 400


def test_sigkill_of_the_crawl_leaves_no_process_of_ours(site, tmp_path):
    proc, _ = _start_in_own_group(site, tmp_path)
    deadline = time.monotonic() + 30
    # The writer, the extraction pool's workers and multiprocessing's resource tracker.
    while len(helpers := _session_processes(proc.pid)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(helpers) >= 4, helpers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()  # not read: a helper left running would hold it open
    deadline = time.monotonic() + 15
    while (left := _session_processes(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if left:
        for line in left:  # ours, started by this test: end them by their id
            os.kill(int(line.split()[0]), signal.SIGKILL)
    assert left == []


def test_ctrl_c_stops_an_audit_at_once_and_leaves_no_worker(site, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "urls.txt").write_text("".join(site.url(f"/many/{n}") + "\n" for n in range(600)))
    warcs = tmp_path / "warcs"
    crawl = subprocess.run(scrapy_command(seeds, warcs, {"ARCHIVER_DEPTH": "0", "ARCHIVER_REPORT_ENABLED": "False",
                                                         "ARCHIVER_SOFT404_PROBES": "False"}),
                           cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    audit = subprocess.Popen([sys.executable, "-m", "archiver.cli", "audit", "--workers", "2", str(warcs),
                              "-o", str(tmp_path / "report")],
                             cwd=PROJECT, env=crawl_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, start_new_session=True,
                             # As from a terminal: a suite run in the background (`cmd &`)
                             # hands its children SIGINT ignored, and Python then never
                             # turns Ctrl-C into KeyboardInterrupt.
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    # Ctrl-C once the extraction pool is at work (the audit and two workers at least).
    while len(_session_processes(audit.pid)) < 3 and time.monotonic() < deadline and audit.poll() is None:
        time.sleep(0.05)
    # Once the workers are at work, not while the pool starts them.
    time.sleep(0.5)
    assert audit.poll() is None, "the audit ended before it could be interrupted: give it more pages"
    os.killpg(audit.pid, signal.SIGINT)
    try:
        _, stderr = audit.communicate(timeout=20)
    finally:
        if audit.poll() is None:
            os.killpg(audit.pid, signal.SIGKILL)
    assert audit.returncode == EXIT_INTERRUPTED, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-5000:]
    assert stderr.splitlines()[-1] == "archiver: interrupted; no report written"
    deadline = time.monotonic() + 10
    while (left := _session_processes(audit.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == []
