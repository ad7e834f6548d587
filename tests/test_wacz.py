"""WACZ packaging: `archiver wacz` and ARCHIVER_WACZ, checked by py-wacz's validator and by pywb."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.crawl.wacz_packaging import wacz_name
from archiver.seeds import Article
from archiver.warc import records
from archiver.warc.reader import read_archives
from archiver.warc.vocab import FailureKind
from archiver.warc.wacz_package import (
    PAGES_HEADER,
    Packaged,
    Page,
    WaczError,
    article_pages,
    check_files,
    damage,
    pages_jsonl,
)
from tests.conftest import PROJECT, crawl_env, run_crawl, small_disk_at
from tests.site import ARTICLE_PATH, STATUS_ARTICLE_PATH
from tests.test_crawl import write_seed
from tests.warc_checks import read_records
from tests.warcs import MOMENT, WarcBuilder, html_page

STORY = "http://news.example/2026/11/story"
STORY_PAGE = html_page("Story", ["The talks went on."])


def story_archive(folder: Path) -> Path:
    """An article captured, one whose fetch failed, and a page that is no article."""
    with WarcBuilder(folder) as warc:
        warc.article(Article(url=STORY, title="Talks go on", seeds=("clip.md",)))
        warc.article(Article(url="http://gone.invalid/story", title="Gone", seeds=("clip.md",)))
        warc.response(STORY, STORY_PAGE)
        warc.response("http://other.example/linked", html_page("Linked", ["Not an article."]))
        warc.failure("http://gone.invalid/story", FailureKind.DNS_ERROR, "no such host")
    assert warc.path is not None
    return warc.path


def archiver_wacz(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess:
    """The console command, as a user runs it (a child process: what reaches the terminal is seen)."""
    return subprocess.run([sys.executable, "-m", "archiver.cli", "wacz", *args], cwd=cwd, env=crawl_env(),
                          capture_output=True, text=True, timeout=120)


def wacz_validate(path: Path) -> subprocess.CompletedProcess:
    """py-wacz's own validator, as its command line runs it (`wacz validate -f`)."""
    return subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(path)],
                          capture_output=True, text=True, timeout=120)


def listed_pages(path: Path) -> tuple[dict, list[dict]]:
    with zipfile.ZipFile(path) as wacz:
        header, *lines = wacz.read("pages/pages.jsonl").decode().splitlines()
    return json.loads(header), [json.loads(line) for line in lines]


# --- the page list, in process ---------------------------------------------------


@pytest.mark.fast
def test_the_pages_are_the_captured_articles_at_their_capture(tmp_path: Path) -> None:
    index = read_archives([story_archive(tmp_path)])
    pages, unlisted = article_pages(index)
    assert pages == [Page(STORY, records.warc_date(MOMENT), "Talks go on")]
    assert unlisted == ["http://gone.invalid/story: not captured (dns_error: no such host)"]


@pytest.mark.fast
def test_an_article_is_listed_once_at_its_last_capture(tmp_path: Path) -> None:
    later = MOMENT + datetime.timedelta(days=1)
    with WarcBuilder(tmp_path / "a") as first:
        first.article(Article(url=STORY, title="Old title", seeds=("clip.md",)))
        first.response(STORY, STORY_PAGE, status=503)
    with WarcBuilder(tmp_path / "b", moment=later) as second:
        second.article(Article(url=STORY, title="New title", seeds=("clip.md",)))
        second.response(STORY, STORY_PAGE)
    assert first.path is not None and second.path is not None
    pages, unlisted = article_pages(read_archives([first.path, second.path]))
    assert pages == [Page(STORY, records.warc_date(later), "New title")]
    assert unlisted == []


@pytest.mark.fast
def test_seeded_articles_are_listed_after_the_recorded_ones_and_once(tmp_path: Path) -> None:
    index = read_archives([story_archive(tmp_path)])
    seeded = [(STORY, "A seed's title"), ("http://other.example/linked", "Linked"), (None, "No URL"),
              ("http://never.example/fetched", "Never")]
    pages, unlisted = article_pages(index, seeded)
    # The recorded article keeps its record's title; the seeds add what the records lack.
    assert pages == [Page(STORY, records.warc_date(MOMENT), "Talks go on"),
                     Page("http://other.example/linked", records.warc_date(MOMENT), "Linked")]
    assert unlisted == ["http://gone.invalid/story: not captured (dns_error: no such host)",
                        "article 'No URL': the seeds give no URL, so nothing was fetched",
                        "http://never.example/fetched: not captured (no capture and no recorded failure)"]


@pytest.mark.fast
def test_pages_jsonl_is_a_header_and_one_json_line_a_page() -> None:
    text = pages_jsonl([Page(STORY, "2026-11-22T10:30:15Z", "Talks — go on"),
                        Page(STORY + "/2", "2026-11-22T10:30:16Z", None)])
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines == [PAGES_HEADER, {"url": STORY, "ts": "2026-11-22T10:30:15Z", "title": "Talks — go on"},
                     {"url": STORY + "/2", "ts": "2026-11-22T10:30:16Z"}]
    assert text.endswith("\n")


@pytest.mark.fast
@pytest.mark.parametrize(("pages", "unlisted", "ending"), [
    ([Page(STORY, "2026-11-22T10:30:15Z", None)], [], "1 article in pages/pages.jsonl"),
    ([], ["http://gone.invalid/story: not captured"], "no pages/pages.jsonl: no article's page was captured"),
    ([], [], "no pages/pages.jsonl: the files hold no article records (another tool wrote them?); "
             "--seeds lists the seeds' articles"),
])
def test_the_summary_says_what_the_page_list_holds(pages: list[Page], unlisted: list[str], ending: str) -> None:
    packaged = Packaged(Path("out.wacz"), [Path("a.warc.gz"), Path("b.warc.gz")], pages, unlisted)
    assert packaged.summary() == f"WACZ written to out.wacz: 2 WARC files, {ending}"


@pytest.mark.fast
@pytest.mark.parametrize(("names", "message"), [
    (["a/x.warc.gz.open"], "x.warc.gz.open: still being written"),
    (["a/x.warc.gz", "b/x.warc.gz"], "a/x.warc.gz and b/x.warc.gz: a WACZ holds one file of each name"),
    (["a/x.cdxj"], "a/x.cdxj: not a WARC file"),
])
def test_what_a_wacz_cannot_hold_is_named(tmp_path: Path, names: list[str], message: str) -> None:
    with pytest.raises(WaczError, match=message):
        check_files([Path(name) for name in names])


@pytest.mark.fast
def test_a_truncated_warc_is_refused_in_one_line_before_py_wacz_runs(tmp_path: Path, capsys) -> None:
    whole = story_archive(tmp_path / "whole")
    damaged = tmp_path / whole.name
    damaged.write_bytes(whole.read_bytes()[:-200])
    assert main(["wacz", str(damaged), "-o", str(tmp_path / "out.wacz")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(f"archiver wacz: {damaged}: ") and "truncated" in line, line
    assert "leave the file out" in line
    assert not list(tmp_path.glob("*.wacz*")) and not list(tmp_path.glob(".*partial"))


@pytest.mark.fast
def test_a_response_the_crawl_got_cut_short_is_no_damage_but_a_bad_digest_is(tmp_path: Path) -> None:
    with WarcBuilder(tmp_path) as warc:
        # As the crawl archives a response Scrapy flagged "dataloss": what came, marked WARC-Truncated.
        warc.writer.write(records.exchange_records(warc.writer.builder, records.HttpExchange(
            url=STORY, method="GET", request_headers=[], request_body=b"", protocol="HTTP/1.1", status=200,
            response_headers=[(b"Content-Type", b"text/html"), (b"Content-Length", b"1000")],
            body=b"x" * 500, fetched_at=MOMENT, truncated="length")))
    assert warc.path is not None
    index = read_archives([warc.path])
    assert [p.problem for p in index.problems] == ["record marked WARC-Truncated: length"]
    assert damage(index) == []
    # The same file with one payload byte changed: its digest no longer matches.
    altered = tmp_path / "altered" / "altered.warc"
    altered.parent.mkdir()
    altered.write_bytes(gzip.decompress(warc.path.read_bytes()).replace(b"x" * 500, b"y" + b"x" * 499))
    assert {p.problem.split(":")[0] for p in damage(read_archives([altered]))} == {"digest mismatch"}


@pytest.mark.fast
@pytest.mark.parametrize(("output", "message"), [
    ("out.zip", "-o {tmp}/out.zip: give a file name ending in .wacz"),
    ("exists.wacz", "-o {tmp}/exists.wacz: the file exists; remove it or give another name"),
])
def test_a_bad_output_name_is_a_usage_error(tmp_path: Path, capsys, output: str, message: str) -> None:
    (tmp_path / "exists.wacz").write_bytes(b"kept")
    warc = story_archive(tmp_path / "w")
    assert main(["wacz", str(warc), "-o", str(tmp_path / output)]) == 2
    assert capsys.readouterr().err == f"archiver wacz: {message.format(tmp=tmp_path)}\n"
    assert (tmp_path / "exists.wacz").read_bytes() == b"kept"


# --- archiver wacz, end to end ---------------------------------------------------


def test_archiver_wacz_writes_a_wacz_that_py_wacz_validates(tmp_path: Path) -> None:
    warc = story_archive(tmp_path / "warcs")
    output = tmp_path / "story.wacz"
    # A file a crawl is still writing, in the folder: left out, and said.
    still_open = tmp_path / "warcs" / "next.warc.gz.open"
    still_open.write_bytes(warc.read_bytes()[:300])
    # The folder and its file: one file, packaged once.
    done = archiver_wacz(str(tmp_path / "warcs"), str(warc), "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"WACZ written to {output}: 1 WARC file, 1 article in pages/pages.jsonl\n"
    assert done.stderr == (f"archiver wacz: left out {still_open}: still being written, or left by a killed crawl\n"
                           "archiver wacz: not in pages/pages.jsonl: http://gone.invalid/story: "
                           "not captured (dns_error: no such host)\n")
    validated = wacz_validate(output)
    assert validated.returncode == 0 and "Validation succeeded" in validated.stdout, validated.stdout
    header, pages = listed_pages(output)
    assert header["format"] == "json-pages-1.0"
    assert [(p["url"], p["ts"], p["title"]) for p in pages] == [(STORY, "2026-11-22T10:30:15Z", "Talks go on")]
    with zipfile.ZipFile(output) as wacz:
        assert wacz.read(f"archive/{warc.name}") == warc.read_bytes()
        # Every file's hash, recomputed here rather than trusted to py-wacz's validator.
        package = json.loads(wacz.read("datapackage.json"))
        listed = {r["path"]: r["hash"] for r in package["resources"]}
        inside = {n for n in wacz.namelist() if n not in ("datapackage.json", "datapackage-digest.json")}
        assert set(listed) == inside
        for name in inside:
            assert listed[name] == "sha256:" + hashlib.sha256(wacz.read(name)).hexdigest(), name
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode()
    assert f'"url": "{STORY}"' in index


def test_a_damaged_warc_gives_exit_2_and_one_line_without_traceback(tmp_path: Path) -> None:
    whole = story_archive(tmp_path / "whole")
    damaged = tmp_path / "damaged" / whole.name
    damaged.parent.mkdir()
    data = bytearray(whole.read_bytes())
    data[len(data) // 2: len(data) // 2 + 40] = b"\0" * 40  # a gzip member's deflate stream broken
    damaged.write_bytes(bytes(data))
    done = archiver_wacz(str(damaged.parent), "-o", str(tmp_path / "out.wacz"))
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"archiver wacz: {damaged}: "), line
    assert not (tmp_path / "out.wacz").exists()


def test_a_revisit_brings_the_file_of_its_original_along(tmp_path: Path, pywb) -> None:
    first = story_archive(tmp_path / "warcs")
    later = MOMENT + datetime.timedelta(days=7)
    with WarcBuilder(tmp_path / "warcs", prefix="again", moment=later) as again:
        again.article(Article(url=STORY, title="Talks go on", seeds=("clip.md",)))
        exchange = records.HttpExchange(
            url=STORY, method="GET", request_headers=[(b"User-Agent", b"tests")], request_body=b"",
            protocol="HTTP/1.1", status=200, response_headers=[(b"Content-Type", b"text/html; charset=utf-8")],
            body=STORY_PAGE, fetched_at=later)
        again.writer.write(records.revisit_records(again.writer.builder, exchange, STORY, records.warc_date(MOMENT)))
    assert again.path is not None
    output = tmp_path / "again.wacz"
    done = archiver_wacz(str(again.path), "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert "2 WARC files (1 holding originals of revisits)" in done.stdout
    with zipfile.ZipFile(output) as wacz:
        assert {f"archive/{first.name}", f"archive/{again.path.name}"} <= set(wacz.namelist())
    assert [p["ts"] for p in listed_pages(output)[1]] == [records.warc_date(later)]
    assert wacz_validate(output).returncode == 0
    # The WACZ alone replays the revisit: its body from the original in the file brought along.
    status, _, body = pywb.collection("revisit", [output]).original(STORY)
    assert (status, body) == (200, STORY_PAGE)


@pytest.mark.fast
def test_the_crawl_s_wacz_is_named_after_its_first_warc_file(tmp_path: Path) -> None:
    warcs = [tmp_path / "archiver-20261201190421905-00002-vm.warc.gz",
             tmp_path / "archiver-20261201190421905-00001-vm.warc.gz"]
    assert wacz_name(warcs) == tmp_path / "archiver-20261201190421905-00001-vm.wacz"


# --- ARCHIVER_WACZ: a crawl packaged, and replayed from the WACZ by pywb ------------


@pytest.fixture(scope="module")
def wacz_crawl(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("wacz-crawl")
    seeds = write_seed(root / "seeds", site)
    result = run_crawl(seeds, root / "warcs", {"ARCHIVER_WACZ": "True", "ARCHIVER_DEPTH": "0"})
    assert result.returncode == 0, result.log
    return result


def test_the_crawl_packages_its_warcs_beside_them_and_says_where(wacz_crawl) -> None:
    [wacz] = wacz_crawl.warc_dir.glob("*.wacz")
    first = min(wacz_crawl.warcs, key=lambda p: p.name)
    assert wacz.name == first.name.removesuffix(".warc.gz") + ".wacz"
    assert f"WACZ written to {wacz}: {len(wacz_crawl.warcs)} WARC file" in wacz_crawl.log
    assert "'archiver/wacz/pages_count': 1" in wacz_crawl.log
    assert not list(wacz_crawl.warc_dir.glob(".*partial"))
    validated = wacz_validate(wacz)
    assert validated.returncode == 0 and "Validation succeeded" in validated.stdout, validated.stdout


def test_pywb_replays_the_article_from_the_wacz(site, wacz_crawl, pywb) -> None:
    [wacz] = wacz_crawl.warc_dir.glob("*.wacz")
    url = site.url(ARTICLE_PATH)
    [page] = listed_pages(wacz)[1]
    assert (page["url"], page["title"]) == (url, "Big story")
    archived = [r for path in wacz_crawl.warcs for r in read_records(path)
                if r["type"] == "response" and r["uri"] == url]
    # Its capture's WARC-Date, to the second (a WACZ page's ts; pywb replays the capture closest to it).
    assert page["ts"] == archived[-1]["rec_headers"].get_header("WARC-Date")[:19] + "Z"
    collection = pywb.collection("from-wacz", [wacz])
    hits_before = len(site.site.hits)
    status, _, body = collection.original(url)
    assert status == 200
    assert body == site.site.served_body(ARTICLE_PATH) == archived[-1]["payload"]
    assert len(site.site.hits) == hits_before, "pywb answered from the WACZ, not the live site"


def test_a_wacz_that_cannot_be_written_fails_the_crawl_in_one_line(site, tmp_path: Path) -> None:
    # A py-wacz that fails as a full disk would, found first on the child's path.
    broken = tmp_path / "broken" / "wacz"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("")
    (broken / "__main__.py").write_text("import sys\nprint('OSError: [Errno 28] No space left on device')\n"
                                        "sys.exit(1)\n")
    seeds = write_seed(tmp_path / "seeds", site)
    result = run_crawl(seeds, tmp_path / "warcs", {"ARCHIVER_WACZ": "True", "ARCHIVER_DEPTH": "0"},
                       env={"PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "broken"),
                                                                         os.environ.get("PYTHONPATH")]))})
    assert result.returncode == 1, result.log
    last = result.log.strip().splitlines()[-1]
    assert last == ("scrapy crawl: the WACZ could not be written: py-wacz create failed: "
                    "OSError: [Errno 28] No space left on device; package the files later with "
                    f"`archiver wacz {tmp_path / 'warcs'} -o FILE.wacz`"), last
    assert "Traceback" not in result.log
    assert result.warcs and not list((tmp_path / "warcs").glob("*.wacz*"))
    assert not list((tmp_path / "warcs").glob(".*partial"))


def test_a_job_s_second_run_packages_both_runs_files_under_one_name(site, tmp_path: Path) -> None:
    seeds = write_seed(tmp_path / "seeds", site)
    settings = {"ARCHIVER_WACZ": "True", "ARCHIVER_DEPTH": "0", "JOBDIR": str(tmp_path / "job")}
    first = run_crawl(seeds, tmp_path / "warcs", settings)
    assert first.returncode == 0, first.log
    [first_warc] = first.warcs
    # The job goes on with one more article: its second run writes a file of its own.
    (seeds / "statuses.md").write_text(f"# Statuses of everything\n\nMarch 01, 2020\n\n"
                                       f"Original url: {site.url(STATUS_ARTICLE_PATH)}\n", encoding="utf-8")
    second = run_crawl(seeds, tmp_path / "warcs", settings)
    assert second.returncode == 0, second.log
    assert len(second.warcs) == 2
    [wacz] = (tmp_path / "warcs").glob("*.wacz")
    assert wacz.name == first_warc.name.removesuffix(".warc.gz") + ".wacz"
    with zipfile.ZipFile(wacz) as package:
        assert sorted(n for n in package.namelist() if n.startswith("archive/")) == [
            f"archive/{path.name}" for path in second.warcs]
    # (The article a seed added to a job brings is crawled, but the job's
    # article records are those of its first run: only the first is a page.)
    assert site.url(ARTICLE_PATH) in [p["url"] for p in listed_pages(wacz)[1]]



def archiver_audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archiver.cli", "audit", *args], cwd=PROJECT, env=crawl_env(),
                          capture_output=True, text=True, timeout=120)


def test_archiver_audit_reads_a_wacz_as_its_warc_files(tmp_path: Path) -> None:
    warc = story_archive(tmp_path / "warcs")
    wacz = tmp_path / "story.wacz"
    assert archiver_wacz(str(warc), "-o", str(wacz)).returncode == 0
    direct = archiver_audit(str(warc), "-o", str(tmp_path / "direct"))
    packed = archiver_audit(str(wacz), "-o", str(tmp_path / "packed"))
    assert (packed.returncode, packed.stdout) == (direct.returncode, direct.stdout), packed.stderr
    first, second = (json.loads((tmp_path / name / "report.json").read_text()) for name in ("direct", "packed"))
    assert second["articles"] == first["articles"]  # the same records, at the same offsets of the same file name
    assert second["archives"] == [warc.name]
    assert second["notes"] == [*first["notes"], f"The WARC files of {wacz} were read out of its archive/ folder: "
                                                "a record's file is named as it is there."]
    integrity = archiver_audit("--integrity-only", str(wacz))
    assert (integrity.returncode, integrity.stdout) == (0, ""), integrity.stderr
    # Not a WACZ at all: one line, exit 2; beside a readable WARC, the WARC is still audited (exit 1).
    junk = tmp_path / "junk.wacz"
    junk.write_bytes(b"not a zip")
    alone = archiver_audit(str(junk), "-o", str(tmp_path / "junk"))
    assert alone.returncode == 2 and "Traceback" not in alone.stderr
    assert alone.stderr == f"archiver audit: {junk}: not a readable WACZ (zip) file: File is not a zip file\n"
    beside = archiver_audit(str(junk), str(warc), "-o", str(tmp_path / "beside"))
    assert beside.returncode == 1 and (tmp_path / "beside" / "report.json").exists()


@pytest.fixture
def small_tmpdir(tmp_path):
    with small_disk_at(tmp_path / "small", "64k") as mount:
        yield mount


def big_wacz(tmp_path: Path) -> tuple[Path, Path]:
    with WarcBuilder(tmp_path / "warcs") as warc:
        warc.article(Article(url=STORY, title="Talks go on", seeds=("clip.md",)))
        # Hex of random bytes: gzip halves it, no more, so the file outgrows a 64 KiB disk.
        warc.response(STORY, html_page("Talks go on", [random.Random(1).randbytes(100_000).hex()]))
    assert warc.path is not None
    wacz = tmp_path / "big.wacz"
    assert archiver_wacz(str(warc.path), "-o", str(wacz)).returncode == 0
    return warc.path, wacz


def test_a_wacz_that_cannot_be_unpacked_for_want_of_room_names_tmpdir(tmp_path: Path, small_tmpdir: Path) -> None:
    warc, wacz = big_wacz(tmp_path)
    assert warc.stat().st_size > 64 * 1024
    result = subprocess.run([sys.executable, "-m", "archiver.cli", "audit", str(wacz), "-o", str(tmp_path / "r")],
                            cwd=PROJECT, env={**crawl_env(), "TMPDIR": str(small_tmpdir)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"archiver audit: {wacz}: cannot unpack archive/{warc.name} into ")
    assert line.endswith("No space left on device; give TMPDIR a folder with room for its WARC files")
    assert not list(small_tmpdir.iterdir())  # the half-unpacked folder is gone


def test_a_wacz_whose_warc_member_is_corrupt_is_one_line(tmp_path: Path) -> None:
    warc, wacz = big_wacz(tmp_path)
    data = bytearray(wacz.read_bytes())
    with zipfile.ZipFile(wacz) as package:
        info = package.getinfo(f"archive/{warc.name}")
    data[info.header_offset + 200] ^= 0xFF  # inside the member's data, past its local header
    wacz.write_bytes(bytes(data))
    result = archiver_audit(str(wacz), "-o", str(tmp_path / "r"))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"archiver audit: {wacz}: archive/{warc.name} cannot be read out of it: ")
