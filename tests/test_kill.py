"""A crawl killed with SIGKILL half-way leaves honest files behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from warcio.archiveiterator import ArchiveIterator

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
