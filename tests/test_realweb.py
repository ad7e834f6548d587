"""The realistic web of bench/realweb.py, small: our crawl at its defaults stays polite and completes.

A few hosts with short latencies (one slow, one that resets every
connection, one that drops it unanswered, one answering 200 to anything,
one without robots.txt), dead links, redirects and robots.txt exclusions;
the web archive asked about failing links refuses every connection.
Nothing here is timed: the benchmark measures, this checks it still works.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from bench.realweb import SUBNET, RunningWeb, address, build_web, free_port, our_command
from tests.conftest import PROJECT, crawl_env
from tests.warc_checks import read_records


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    work = tmp_path_factory.mktemp("realweb")
    web = build_web(hosts=8, links=48, seed=3, min_latency=0.01, max_latency=0.05, slow=0.2, hang=0.3)
    port = free_port(address(0))
    (work / "ours").mkdir()
    with RunningWeb(web, work, port) as running:
        result = subprocess.run(our_command(web, port, work), cwd=PROJECT, env=crawl_env(),
                                capture_output=True, text=True, timeout=300)
    return web, port, work, result, running.stats()


def test_the_crawl_completes(crawl):
    web, port, work, result, stats = crawl
    log = (work / "ours" / "crawl.log").read_text()
    assert result.returncode == 0, log[-3000:]
    assert "Spider closed (finished)" in log
    assert (work / "ours" / "report" / "report.json").exists()


def test_no_host_gets_more_than_two_requests_at_a_time(crawl):
    web, port, work, result, stats = crawl
    assert stats["peak"], "the server saw no request"
    assert max(stats["peak"].values()) <= 2
    # and the limit was reached somewhere: the check could fail
    assert max(stats["peak"].values()) == 2


def test_robots_txt_first_and_obeyed_on_every_host(crawl):
    web, port, work, result, stats = crawl
    by_host: dict[int, list[dict]] = {}
    for request in stats["log"]:
        by_host.setdefault(request["host"], []).append(request)
    linked = {h.index for h in web.hosts if h.links}
    assert linked <= set(by_host)
    for host in web.hosts:
        if host.index not in linked:
            continue
        requests = by_host[host.index]
        if host.behaviour == "reset":
            continue  # reset before its request is read: the server cannot say what was asked
        assert requests[0]["path"] == "/robots.txt", (host.index, requests[:3])
        if host.behaviour == "hang":
            continue  # robots.txt never came: Scrapy then allows all
        asked = {r["path"] for r in requests}
        for link in host.links:
            if link.kind == "private":
                assert link.path not in asked, f"{link.path} is disallowed by robots.txt"
            else:
                assert link.path in asked


def test_a_failing_archive_is_given_up_on_once_and_the_report_says_why(crawl):
    web, port, work, result, stats = crawl
    log = (work / "ours" / "crawl.log").read_text()
    assert log.count("Archive lookups stopped") == 1
    endpoint = f"http://{SUBNET}.255.254:{port}/timegate/"
    records = [r for p in sorted((work / "ours" / "warcs").glob("*.warc.gz")) for r in read_records(p)]
    stopped = [r for r in records if r["uri"] == "urn:archiver:archive-lookups:" + endpoint]
    assert len(stopped) == 1 and b"lookups-stopped: 3 lookups in a row failed" in stopped[0]["payload"]
    lookups = [r for r in records if r["type"] in ("response", "metadata")
               and r["uri"].startswith(endpoint)]
    # Not retried, and none sent after the third failure: those already in
    # flight (two at a time) end as they may.
    assert 3 <= len(lookups) <= 3 + 1
    assert all(r["type"] == "metadata" and b"attempt: 1" in r["payload"] for r in lookups)
    report = json.loads((work / "ours" / "report" / "report.json").read_text())
    notes = [n for n in report["notes"] if endpoint in n]
    assert len(notes) == 1 and "not asked again" in notes[0]


def test_a_host_that_never_answers_is_not_retried_for_every_link(crawl):
    web, port, work, result, stats = crawl
    [reset] = [h for h in web.hosts if h.behaviour == "reset"]
    attempts = [r for r in stats["log"] if r["host"] == reset.index]
    # robots.txt with its two retries, then each link once
    assert len(attempts) == 3 + len(reset.links)


def test_a_host_that_drops_its_robots_txt_unanswered_holds_its_links_for_one_try(crawl):
    web, port, work, result, stats = crawl
    [hang] = [h for h in web.hosts if h.behaviour == "hang"]
    attempts = [r for r in stats["log"] if r["host"] == hang.index]
    # robots.txt once (not retried: each retry held every link for as long
    # again), then each link once; robots.txt never came, so all are allowed
    assert [r["path"] for r in attempts].count("/robots.txt") == 1
    assert len(attempts) == 1 + len(hang.links)


def test_every_host_gets_its_first_request_before_any_host_its_third(crawl):
    web, port, work, result, stats = crawl
    # by arrival at the server: the start requests went out host by host,
    # not the first host's links first
    seen: dict[int, int] = {}
    order = sorted(stats["log"], key=lambda r: r["t"] - r["seconds"])
    linked = {h.index for h in web.hosts if h.links}
    for request in order:
        seen[request["host"]] = seen.get(request["host"], 0) + 1
        if seen[request["host"]] == 3:
            assert linked <= set(seen), f"host {request['host']} got its third request before {linked - set(seen)} any"
            break


def test_the_floor_is_the_slowest_hosts_rounds():
    web = build_web(hosts=8, links=48, seed=3)
    floor, slowest = web.floor()
    assert floor == max(h.floor() for h in web.hosts) > 0
    # robots.txt, each link once, a redirect's second hop, nothing robots.txt forbids
    needed = 1 + sum({"ok": 1, "dead": 1, "redirect": 2, "private": 0}[link.kind] for link in slowest.links)
    assert floor == pytest.approx(-(-needed // 2) * slowest.latency)
    assert sum(len(h.links) for h in web.hosts) == 48
    assert build_web(hosts=8, links=48, seed=3).to_json() == web.to_json()  # seeded


def test_the_per_host_limit_holds_with_autothrottle_off(tmp_path):
    # Scrapy 2.19 counts a request against its host's limit only once its
    # download task starts: with no delay at all, a slot sent every request
    # queued for it at once. The add-on's DOWNLOAD_DELAY keeps the limit.
    web = build_web(hosts=2, links=40, seed=5, min_latency=0.05, max_latency=0.1, slow=0.1, hang=0.1)
    port = free_port(address(0))
    (tmp_path / "ours").mkdir()
    with RunningWeb(web, tmp_path, port) as running:
        result = subprocess.run(our_command(web, port, tmp_path, {"AUTOTHROTTLE_ENABLED": "False",
                                                                  "ARCHIVER_ARCHIVE_LOOKUP": ""}),
                                cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    stats = running.stats()
    assert result.returncode == 0, (tmp_path / "ours" / "crawl.log").read_text()[-3000:]
    assert max(stats["peak"].values()) == 2, stats["peak"]
