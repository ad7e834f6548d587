"""`scrapy audit` and `archiver audit` over archives written by other tools, damaged ones too."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import PROJECT, crawl_env

ARTICLE = b"""<!doctype html><html><head><title>Council votes on the new bridge</title>
<meta property="article:published_time" content="2021-04-02T08:00:00Z"></head><body>
<article><h1>Council votes on the new bridge</h1>
<p>The city council voted on Tuesday to build the new bridge across the river, ending a debate
that lasted for more than ten years and divided the neighbourhoods on both banks.</p>
<p>The mayor said the <a href="http://news.example/2021/03/30/bridge-plan">earlier plan</a> was
too expensive, and the <a href="http://news.example/missing">opposition's report</a> and the
<a href="http://elsewhere.example/2024/01/02/later-story">follow-up</a> disagree.</p>
</article></body></html>"""
PLAN = b"<html><head><title>Bridge plan</title></head><body><p>The plan.</p></body></html>"


def response(writer: WARCWriter, url: str, status: str, body: bytes, headers=(), date=None,
             chunked=False):
    http = [("Content-Type", "text/html; charset=utf-8"), *headers]
    payload = body
    if chunked:  # wget stores the body as the server sent it, chunks and all
        http.append(("Transfer-Encoding", "chunked"))
        payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    else:
        http.append(("Content-Length", str(len(body))))
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(payload), length=len(payload),
        http_headers=StatusAndHeaders(status, http, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date or "2021-04-03T10:00:00Z"},
    )
    writer.write_record(record)


def wget_warc(path: Path) -> Path:
    """As wget writes: WARC/1.0, gzip, chunked bodies kept, a redirect, a 404."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.0")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "Wget/1.21.3"}))
        response(writer, "http://news.example/2021/04/02/bridge", "200 OK", ARTICLE, chunked=True)
        response(writer, "http://news.example/2021/03/30/bridge-plan", "301 Moved Permanently", b"",
                 headers=[("Location", "/plans/bridge")])
        response(writer, "http://news.example/plans/bridge", "200 OK", PLAN)
        response(writer, "http://news.example/missing", "404 Not Found", b"<p>gone</p>")
    return path


def warcprox_warc(path: Path) -> Path:
    """As warcprox writes: a response, then a revisit of the same payload."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.0")
        response(writer, "http://other.example/page", "200 OK", PLAN)
        digest = "sha1:" + base64.b32encode(hashlib.sha1(PLAN).digest()).decode()
        revisit = writer.create_revisit_record(
            "http://other.example/page", digest,
            "http://other.example/page", "2021-04-03T10:00:00Z",
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"))
        writer.write_record(revisit)
    return path


def clean_warc(path: Path) -> Path:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        response(writer, "http://clean.example/", "200 OK",
                 b"<html><head><title>Home</title></head><body><p>Welcome home, reader.</p></body></html>")
    return path


def members(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of each gzip member, from warcio's own reading."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        return [(iterator.get_record_offset(), iterator.get_record_length()) for _ in iterator]


def audit(*args: str, command: str = "archiver") -> subprocess.CompletedProcess:
    if command == "scrapy":
        argv = [sys.executable, "-m", "scrapy", "audit", *args]
    else:
        argv = [sys.executable, "-m", "archiver.cli", "audit", *args]
    return subprocess.run(argv, cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=300)


@pytest.fixture
def damaged(tmp_path) -> Path:
    folder = tmp_path / "warcs"
    folder.mkdir()
    wget_warc(folder / "wget.warc.gz")
    warcprox_warc(folder / "warcprox.warc.gz")

    # a bad digest: an uncompressed file with one payload byte changed
    plain = folder / "digest.warc"
    with open(plain, "wb") as out:
        response(WARCWriter(out, gzip=False), "http://bad.example/digest", "200 OK", b"<p>original text</p>")
    data = plain.read_bytes()
    plain.write_bytes(data.replace(b"original", b"0riginal"))

    # Content-Length 72 over a longer body: warcio check passes it, pywb breaks
    with open(folder / "length.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        body = b"x" * 2426
        writer.write_record(writer.create_warc_record(
            "http://bad.example/length", "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders("200 OK", [("Content-Length", "72")], protocol="HTTP/1.1")))

    # a bad gzip member in the middle: the records after it are still read
    gz = folder / "badgzip.warc.gz"
    with open(gz, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(3):
            response(writer, f"http://gz.example/{n}", "200 OK", b"<p>page %d</p>" % n * 50)
    (start, length), = members(gz)[1:2]
    raw = bytearray(gz.read_bytes())
    for i in range(start + 20, start + length - 12):
        raw[i] ^= 0x55
    gz.write_bytes(bytes(raw))

    # a truncated file: the last record cut in half
    cut = folder / "truncated.warc.gz"
    wget_warc(cut)
    last_start, last_length = members(cut)[-1]
    cut.write_bytes(cut.read_bytes()[: last_start + last_length // 2])

    # an interrupted crawl's file
    (folder / "crawl.warc.gz.open").write_bytes(clean_warc(tmp_path / "c.warc.gz").read_bytes())
    return folder


def test_audit_reports_each_problem_and_analyses_the_rest(damaged, tmp_path):
    out = tmp_path / "report"
    result = audit(str(damaged), "-o", str(out))
    assert result.returncode == 1, result.stderr
    report = json.loads((out / "report.json").read_text())
    problems = {(p["filename"], p["problem"].split(":")[0]) for p in report["integrity"]}
    assert ("digest.warc", "digest mismatch") in problems
    assert ("length.warc.gz", "HTTP Content-Length 72 but the payload has 2426 bytes") in {
        (f, p.split(": replay")[0]) for f, p in ((p["filename"], p["problem"]) for p in report["integrity"])}
    assert ("badgzip.warc.gz", "bad gzip member") in problems
    assert any(f == "truncated.warc.gz" and p in ("truncated record", "bad gzip member", "unreadable record")
               for f, p in problems)
    assert ("crawl.warc.gz.open", "file not closed (.open)") in problems
    # the records after the bad member were still read
    urls = {a["url"] for a in report["articles"]}
    assert "http://gz.example/2" in urls and "http://gz.example/0" in urls
    # the wget page was analysed: its links with their captured status, or not in the archive
    [bridge] = [a for a in report["articles"] if a["url"] == "http://news.example/2021/04/02/bridge"]
    assert bridge["title"] == "Council votes on the new bridge"
    assert bridge["published"] == "2021-04-02"
    links = {l["url"]: l for l in bridge["links"]}
    assert links["http://news.example/2021/03/30/bridge-plan"]["status"] == "redirected"
    assert links["http://news.example/2021/03/30/bridge-plan"]["final_url"] == "http://news.example/plans/bridge"
    assert links["http://news.example/missing"]["status"] == "gone"
    later = links["http://elsewhere.example/2024/01/02/later-story"]
    assert (later["status"], later["verdict"], later["detail"]) == ("not_checked", "uncertain", "not in the archive")
    assert later["date"] == "2024-01-02" and later["date_mismatch"] is True
    assert ("date mismatch (2024-01-02 after 2021-04-02): http://elsewhere.example/2024/01/02/later-story"
            in result.stdout)


def test_a_clean_archive_exits_0(tmp_path):
    warc = clean_warc(tmp_path / "clean.warc.gz")
    for command in ("archiver", "scrapy"):
        out = tmp_path / f"report-{command}"
        result = audit(str(warc), "-o", str(out), command=command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads((out / "report.json").read_text())["integrity"] == []


def test_usage_and_unreadable_input_exit_2(tmp_path):
    assert audit().returncode == 2
    assert audit(command="scrapy").returncode == 2
    missing = audit(str(tmp_path / "nowhere.warc.gz"), "-o", str(tmp_path / "r"))
    assert missing.returncode == 2
    assert "nowhere.warc.gz: no such file or folder" in missing.stderr
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(gzip.compress(b"not a warc at all"))
    result = audit(str(junk), "-o", str(tmp_path / "r2"))
    assert result.returncode == 2
    assert "junk.warc.gz: no WARC record could be read" in result.stderr
    # beside a readable file, the junk is an integrity finding and the rest is analysed
    clean = clean_warc(tmp_path / "clean.warc.gz")
    mixed = audit(str(junk), str(clean), "-o", str(tmp_path / "r3"))
    assert mixed.returncode == 1
    report = json.loads((tmp_path / "r3" / "report.json").read_text())
    assert {p["filename"] for p in report["integrity"]} == {"junk.warc.gz"}
    assert [a["url"] for a in report["articles"]] == ["http://clean.example/"]


def test_scrapy_audit_gives_the_same_report(damaged, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert audit(str(damaged), "-o", str(a)).returncode == 1
    assert audit(str(damaged), "-o", str(b), command="scrapy").returncode == 1
    first, second = (json.loads((d / "report.json").read_text()) for d in (a, b))
    for doc in (first, second):
        doc.pop("generated")
    assert first == second


def test_integrity_only_prints_problems_as_warcio_check_does(damaged, tmp_path):
    result = audit(str(damaged), "--integrity-only")
    assert result.returncode == 1
    assert "digest.warc\n  offset 0: digest mismatch" in result.stdout
    assert "crawl.warc.gz.open\n  file: file not closed" in result.stdout
    clean = audit(str(clean_warc(tmp_path / "clean.warc.gz")), "--integrity-only", command="scrapy")
    assert (clean.returncode, clean.stdout) == (0, "")


def test_an_audit_ends_with_the_summary_and_the_report_path(damaged, tmp_path):
    for command in ("archiver", "scrapy"):
        out = tmp_path / f"report-{command}"
        result = audit(str(damaged), "-o", str(out), command=command)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        last = result.stderr.splitlines()[-4:]
        assert [line.split(":")[0] for line in last] == ["Articles", "Links", "Findings", "Report"], result.stderr
        assert last[-1] == f"Report: {out / 'report.html'}"
        summary = json.loads((out / "report.json").read_text())["summary"]
        assert last[0].startswith(f"Articles: {summary['articles']}, ")
        assert last[1].startswith(f"Links: {summary['links']}; ")
        # the findings counted are the ones printed, one a line
        assert last[2].startswith(f"Findings: {len(result.stdout.splitlines())}; ")


def test_an_audit_that_cannot_start_says_why_in_one_line(tmp_path):
    warc = clean_warc(tmp_path / "clean.warc.gz")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for command in ("archiver", "scrapy"):
        unwritable = audit(str(warc), "-o", str(blocker / "report"), command=command)
        assert unwritable.returncode == 2
        assert unwritable.stderr.splitlines() == [
            f"{command} audit: cannot write the report to {blocker / 'report'}: {blocker} is not a folder; "
            "give -o a writable folder"]
        no_seeds = audit(str(warc), "--seeds", str(tmp_path / "nowhere"), "-o", str(tmp_path / "r"),
                         command=command)
        assert no_seeds.returncode == 2
        assert no_seeds.stderr.splitlines() == [
            f"{command} audit: --seeds {tmp_path / 'nowhere'}: no such file or folder; "
            "give a seed file or a folder of them"]
        assert not (tmp_path / "r").exists()
        missing = audit(str(tmp_path / "nowhere.warc.gz"), command=command)
        assert missing.stderr.startswith(f"{command} audit: {tmp_path / 'nowhere.warc.gz'}: no such file or folder")


def test_a_report_folder_whose_name_the_system_refuses_exits_2_in_one_line(tmp_path):
    warc = clean_warc(tmp_path / "clean.warc.gz")
    too_long = tmp_path / ("a" * 300)  # past NAME_MAX (255) of every common file system
    deep = tmp_path.joinpath(*["b"] * 3000)  # past PATH_MAX (4096)
    for output in (too_long, deep):
        result = audit(str(warc), "-o", str(output))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"archiver audit: cannot write the report to {output}: File name too long")


@pytest.mark.fast
def test_a_folder_that_cannot_be_listed_is_said_not_skipped(tmp_path, monkeypatch):
    import os

    from archiver.warc.reader import warc_files

    sound = clean_warc(tmp_path / "clean.warc.gz")
    hidden = tmp_path / "private"
    hidden.mkdir()
    clean_warc(hidden / "hidden.warc.gz")
    listing = os.scandir

    def refuse(path=".", *args):
        # As a folder without read permission answers any user but root (these tests run as root).
        if os.fspath(path) == os.fspath(hidden):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return listing(path, *args)

    monkeypatch.setattr(os, "scandir", refuse)
    found, unusable = warc_files([tmp_path])
    assert found == [sound]
    assert unusable == [f"{hidden}: cannot list the folder (Permission denied): its files are not read"]
