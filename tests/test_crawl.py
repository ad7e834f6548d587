"""`scrapy crawl seeds` against the fixture site, checked as an archivist would."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from archiver.warc.articles import from_json
from tests.conftest import run_crawl
from tests.site import ARTICLE_LINKS, ARTICLE_PATH
from tests.warc_checks import raw_payload, read_records, stored_length_problems, warcio_check


def write_seed(folder: Path, site) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "big-story.md").write_text(
        "# Big story\n\nBy [Reuters](#)\n\nFebruary 06, 2020\n\n"
        "The officials said on Wednesday that the talks would go on.\n\n"
        "**Related article:** [A page that is fine](#)\n\n"
        f"Original url:\n\n<{site.url(ARTICLE_PATH)}>\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def crawl(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("crawl")
    seeds = write_seed(root / "seeds", site)
    result = run_crawl(seeds, root / "warcs")
    assert result.returncode == 0, result.log
    return result


@pytest.fixture(scope="module")
def records(crawl):
    out = []
    for path in crawl.warcs:
        for record in read_records(path):
            out.append({**record, "file": path})
    return out


def responses(records, url):
    return [r for r in records if r["type"] == "response" and r["uri"] == url]


def failures(records, url):
    return [
        r["payload"].decode() for r in records if r["type"] == "metadata" and r["uri"] == url
    ]


def test_every_file_is_valid_and_closed(crawl):
    assert crawl.warcs, crawl.log
    assert not list(crawl.warc_dir.glob("*.open"))
    for path in crawl.warcs:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
        assert stored_length_problems(path) == []


def test_cdxj_indexer_indexes_every_file(crawl):
    for path in crawl.warcs:
        index = subprocess.run(
            [sys.executable, "-m", "cdxj_indexer.main", str(path)],
            capture_output=True, text=True,
        )
        assert index.returncode == 0, index.stderr
        assert index.stdout.count("\n") > 5
        beside = path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj")
        assert sorted(beside.read_text().splitlines()) == sorted(index.stdout.splitlines())


def test_warcinfo_opens_every_file(crawl):
    for path in crawl.warcs:
        first = read_records(path)[0]
        assert first["type"] == "warcinfo"
        fields = first["payload"].decode()
        for name in ("software: news-archiver/", "hostname:", "robots: obey",
                     "format: WARC File Format 1.1", "conformsTo:", "isPartOf: seeds"):
            assert name in fields


def test_article_and_its_body_links_are_archived(site, records):
    assert responses(records, site.url(ARTICLE_PATH))
    for href, _ in ARTICLE_LINKS:
        url = site.url(href)
        if href in ("/slow", "/reset", "/private/secret"):
            continue
        assert responses(records, url), f"no response record for {url}"


def test_navigation_and_deeper_pages_are_not_fetched(site, crawl):
    for path in ("/nav/section", "/aside/popular", "/footer/about", "/", "/page/deeper"):
        assert site.site.hits.get(path, 0) == 0, path


def test_every_redirect_hop_is_archived(site, records):
    statuses = {
        path: responses(records, site.url(path))[0]["http_headers"].get_statuscode()
        for path in ("/redirect/301", "/redirect/302", "/redirect/307", "/page/final")
    }
    assert statuses == {"/redirect/301": "301", "/redirect/302": "302",
                        "/redirect/307": "307", "/page/final": "200"}


def test_error_pages_and_retries_are_archived(site, records):
    for path, status in (("/status/404", "404"), ("/status/410", "410")):
        [record] = responses(records, site.url(path))
        assert record["http_headers"].get_statuscode() == status
    # RETRY_TIMES=1: the 500 is tried twice, and both attempts are kept
    assert len(responses(records, site.url("/status/500"))) == 2


def test_failures_are_metadata_records_with_their_kind(site, records):
    slow = failures(records, site.url("/slow"))
    assert len(slow) == 2 and all("fetch-failure: timeout" in f for f in slow)
    assert slow[0].count("attempt: 1") == 1 and "attempt: 2" in slow[1]
    reset = failures(records, site.url("/reset"))
    assert reset and all("fetch-failure: connection_error" in f for f in reset)
    [robots] = failures(records, site.url("/private/secret"))
    assert "fetch-failure: robots_disallowed" in robots
    assert responses(records, site.url("/robots.txt"))


def test_bodies_are_stored_as_received(site, records):
    [gz] = responses(records, site.url("/page/gzip"))
    head, body = raw_payload(gz["file"], gz["offset"])
    assert b"Content-Encoding: gzip" in head
    assert body == site.site.served_body("/page/gzip")
    assert gzip.decompress(body).startswith(b"<!doctype html>")

    [chunked] = responses(records, site.url("/page/chunked"))
    head, body = raw_payload(chunked["file"], chunked["offset"])
    assert body == site.site.served_body("/page/chunked")
    assert b"Transfer-Encoding" not in head.replace(b"X-Archiver-Orig-Transfer-Encoding", b"")

    [odd] = responses(records, site.url("/page/headers"))
    head, _ = raw_payload(odd["file"], odd["offset"])
    assert b"X-Note: caf\xe9 cr\xe8me" in head
    assert head.count(b"Set-Cookie:") == 2


def test_request_records_carry_what_was_sent(site, records):
    url = site.url("/page/ok?x=1&y=2")
    [request] = [r for r in records if r["type"] == "request" and r["uri"] == url]
    head, _ = raw_payload(request["file"], request["offset"])
    assert head.split(b"\r\n")[0] == b"GET /page/ok?x=1&y=2 HTTP/1.1"
    assert b"User-Agent: news-archiver/" in head
    [response] = responses(records, url)
    assert request["rec_headers"].get_header("WARC-Concurrent-To") == \
        response["rec_headers"].get_header("WARC-Record-ID")
    assert response["rec_headers"].get_header("WARC-IP-Address") == "127.0.0.1"


def test_seeds_and_articles_are_in_the_archive(site, records):
    [seed] = [r for r in records if r["type"] == "resource"]
    assert seed["uri"] == "urn:archiver:seed:big-story.md"
    assert b"Original url:" in seed["payload"]
    [article] = [r for r in records if (r["uri"] or "").startswith("urn:archiver:article:")]
    assert article["uri"] == "urn:archiver:article:" + site.url(ARTICLE_PATH)
    # Written in the format the analysis reads back.
    recorded = from_json(json.loads(article["payload"]))
    assert (recorded.url, recorded.seeds) == (site.url(ARTICLE_PATH), ("big-story.md",))


def test_no_url_is_fetched_twice_except_retries(site, crawl):
    counts = Counter(site.site.hits)
    retried = {"/status/500", "/slow", "/reset"}
    assert all(n == 1 for path, n in counts.items() if path not in retried), counts


def test_pywb_replays_every_page_byte_for_byte(site, crawl, records, pywb):
    collection = pywb.collection("crawl", crawl.warcs)
    pages = [r for r in records if r["type"] == "response"
             and r["uri"].startswith(site.base) and r["http_headers"].get_statuscode() == "200"]
    assert len(pages) == 10  # robots.txt, the article and eight 200 links
    for record in pages:
        path = record["uri"][len(site.base):]
        if path == "/robots.txt" or path.startswith("/many/"):
            continue
        status, headers, body = collection.original(record["uri"])
        assert status == 200, record["uri"]
        assert body == site.site.served_body(path), record["uri"]
        if path == "/page/gzip":
            assert headers.get("Content-Encoding") == "gzip"
