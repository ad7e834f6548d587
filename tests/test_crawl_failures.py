"""Each kind of failed fetch is archived with its kind; bad seeds do not stop a crawl."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from tests.conftest import run_crawl
from tests.test_crawl_guard import assert_a_person_can_read, failure_kinds, url_list
from tests.warc_checks import read_records


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_failure_kinds(site, tmp_path):
    port = urlsplit(site.base).port
    tls = f"https://127.0.0.1:{port}/page/ok"  # TLS spoken to a plain HTTP server
    refused = f"http://127.0.0.1:{closed_port()}/"
    unresolvable = "http://no-such-host.invalid/page"
    loop = site.url("/loop")
    seeds = url_list(tmp_path / "seeds", tls, refused, unresolvable, loop)
    result = run_crawl(seeds, tmp_path / "warcs", {"REDIRECT_MAX_TIMES": "3"})
    assert result.returncode == 0, result.log
    kinds = failure_kinds(result)
    assert kinds[tls] == {"tls_error"}
    assert kinds[refused] == {"connection_error"}
    assert kinds[unresolvable] == {"dns_error"}
    # the last hop is the one given up on; every hop before it is archived
    assert {"too_many_redirects"} in kinds.values()
    hops = [r for p in result.warcs for r in read_records(p)
            if r["type"] == "response" and r["uri"] == loop]
    assert len(hops) == 4
    # some host answered: this is not an offline run
    assert "network looked unreachable" not in result.log


def test_bad_seeds_are_skipped_by_name_and_the_crawl_goes_on(site, tmp_path):
    seeds = url_list(tmp_path / "seeds", site.url("/page/ok"))
    (seeds / "empty.md").write_bytes(b"")
    (seeds / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    before = {p.name: p.read_bytes() for p in seeds.iterdir()}
    result = run_crawl(seeds, tmp_path / "warcs")
    assert result.returncode == 0, result.log
    assert "Skipped seed empty.md: " in result.log
    assert "Skipped seed photo.txt: " in result.log
    records = [r for p in result.warcs for r in read_records(p)]
    problems = {r["uri"]: r["payload"] for r in records
                if r["type"] == "metadata" and r["payload"].startswith(b"seed-problem")}
    assert set(problems) == {"urn:archiver:seed:empty.md", "urn:archiver:seed:photo.txt"}
    assert any(r["type"] == "response" and r["uri"] == site.url("/page/ok") for r in records)
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before


def test_a_missing_seed_path_is_a_usage_error(tmp_path):
    result = run_crawl(tmp_path / "nowhere", tmp_path / "warcs")
    assert result.returncode == 1
    assert f"seed path {tmp_path / 'nowhere'} does not exist" in result.log
    assert not list((tmp_path / "warcs").glob("*.warc.gz*")) if (tmp_path / "warcs").exists() else True


def test_fail_on_sets_the_exit_status(site, tmp_path):
    seeds = url_list(tmp_path / "seeds", site.url("/status/404"), site.url("/page/ok"))
    base = {"ARCHIVER_REPORT_DIR": str(tmp_path / "report")}
    dead = run_crawl(seeds, tmp_path / "w1", base, extra_args=["--fail-on", "dead"])
    assert dead.returncode == 1, dead.log
    assert "findings asked for by --fail-on: 1 dead" in dead.log
    mismatch = run_crawl(seeds, tmp_path / "w2", base, extra_args=["--fail-on", "date_mismatch"])
    assert mismatch.returncode == 0, mismatch.log
    bad = run_crawl(seeds, tmp_path / "w3", base, extra_args=["--fail-on", "nonsense"])
    assert bad.returncode == 2
    assert "--fail-on takes" in bad.log


def test_the_log_has_no_traceback_and_ends_with_the_summary(site, tmp_path):
    unresolvable = "http://no-such-host.invalid/page"
    seeds = url_list(tmp_path / "seeds", site.url("/status/404"), site.url("/page/ok"), unresolvable)
    result = run_crawl(seeds, tmp_path / "warcs")
    assert result.returncode == 0, result.log
    assert_a_person_can_read(result.log, tmp_path / "report-warcs", hosts=["no-such-host.invalid"])
    assert [line.split("] INFO: ", 1)[-1] for line in result.log.splitlines()[-4:-1]] == [
        "Articles: 3, from 1 seed; their pages 1 alive, 2 dead, 0 uncertain",
        "Links: 0; 0 alive, 0 dead, 0 uncertain",
        "Findings: 2; 2 dead",
    ]
