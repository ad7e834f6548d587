"""Page requisites (issue 13): a real `scrapy crawl` of the fixture article, checked in its WARC.

Every resource the article needs is archived as a request/response pair with the
bytes the server sent, but the 30 MB video, which is over
ARCHIVER_REQUISITE_MAXSIZE: it is recorded as skipped, and the article's
completeness figure says so, in the crawl's report as in `archiver audit`'s.

Issue 13's acceptance is one scenario over that one crawl (made with
ARCHIVER_WACZ): the tests at the end of this module replay its WARCs through
pywb in Chromium (`archiver replay-check`) with nothing missing and no hit on
the site, name an image removed from a copy of the WARC as missing, and
validate the crawl's WACZ and replay the article from it in pywb.
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from archiver.warc.vocab import REQUISITE_KIND_HEADER, REQUISITE_OF_HEADER, FailureKind
from tests.conftest import PROJECT, crawl_env, run_crawl
from tests.pywb import pywb_bin
from tests.requisites_site import (
    ARTICLE_PATH,
    REQUISITE_PATHS,
    VIDEO_PATH,
    RequisitesSite,
    fixture_bytes,
)
from tests.test_wacz import listed_pages, wacz_validate
from tests.warc_checks import read_records, warcio_check, without

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def requisites_site():
    with RequisitesSite() as server:
        yield server


def write_seed(folder: Path, site: RequisitesSite) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "harbour.md").write_text(
        "# Harbour reopens after the storm\n\nBy A. Reporter\n\n2 November 2026\n\n"
        "The harbour reopened on Monday, three days after the storm closed it to every ship.\n\n"
        f"Original url:\n\n<{site.url(ARTICLE_PATH)}>\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def crawled(requisites_site, tmp_path_factory):
    """The crawl, and what the site was asked for by its end (later tests crawl the same site)."""
    root = tmp_path_factory.mktemp("requisites")
    # Packaged as a WACZ, and replay-checked at its end: the acceptance tests below
    # replay the article from both. Without pywb or Chromium the check says it
    # could not run, the crawl still ends, and those tests are skipped.
    settings = {"ARCHIVER_WACZ": "True", "ARCHIVER_REPLAY_CHECK": "True"}
    if pywb_bin() is not None:
        settings["ARCHIVER_PYWB_BIN"] = str(pywb_bin())
    result = run_crawl(write_seed(root / "seeds", requisites_site), root / "warcs", settings)
    assert result.returncode == 0, result.log
    return result, collections.Counter(requisites_site.hits)


@pytest.fixture(scope="module")
def crawl(crawled):
    return crawled[0]


@pytest.fixture(scope="module")
def records(crawl):
    return [record for path in crawl.warcs for record in read_records(path)]


def report_of(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def crawl_report(crawl) -> dict:
    return report_of(crawl.warc_dir.parent / f"report-{crawl.warc_dir.name}")


def test_every_requisite_but_the_video_is_archived_with_the_bytes_sent(crawl, records, requisites_site):
    article = requisites_site.url(ARTICLE_PATH)
    for path in REQUISITE_PATHS:
        url = requisites_site.url(path)
        requests = [r for r in records if r["type"] == "request" and r["uri"] == url]
        responses = [r for r in records if r["type"] == "response" and r["uri"] == url]
        assert len(requests) == 1 and len(responses) == 1, path
        response = responses[0]
        assert response["http_headers"].get_statuscode() == "200"
        assert response["payload"] == fixture_bytes(path), path
        # The record says which article it serves, and what was done with its body.
        assert response["rec_headers"].get_header(REQUISITE_OF_HEADER) == article
        kind = response["rec_headers"].get_header(REQUISITE_KIND_HEADER)
        assert kind == ("stylesheet" if path.endswith(".css") else "frame" if path.endswith(".html")
                        else "resource"), path
    for path in crawl.warcs:
        assert warcio_check(path).returncode == 0


def test_the_video_is_not_downloaded_and_its_skip_is_recorded(crawl, records, requisites_site):
    video = requisites_site.url(VIDEO_PATH)
    assert not [r for r in records if r["type"] in ("response", "request") and r["uri"] == video]
    skips = [r["payload"].decode() for r in records if r["type"] == "metadata" and r["uri"] == video]
    assert len(skips) == 1, skips  # not retried: a skip is our rule, not the server's failure
    assert f"fetch-failure: {FailureKind.OVER_SIZE_LIMIT}" in skips[0]
    assert "ARCHIVER_REQUISITE_MAXSIZE" in skips[0]
    assert requisites_site.hits[VIDEO_PATH] == 1


def test_the_report_gives_the_completeness_figure(crawl, requisites_site):
    article = crawl_report(crawl)["articles"][0]
    figure = article["requisites"]
    found = len(REQUISITE_PATHS) + 1  # and the video
    assert figure["found"] == found, figure
    assert (figure["archived"], figure["failed"], figure["skipped"], figure["missing"]) == (found - 1, 0, 1, 0)
    [skip] = figure["problems"]
    assert skip["url"] == requisites_site.url(VIDEO_PATH)
    assert skip["state"] == "skipped" and "ARCHIVER_REQUISITE_MAXSIZE" in skip["reason"]
    assert skip["warc"] is not None
    assert article["requisites_unavailable"] is None
    assert crawl_report(crawl)["summary"]["requisites"]["skipped"] == 1


def test_requisites_are_not_links(crawl, records, requisites_site):
    report = crawl_report(crawl)
    urls = {link["url"] for a in report["articles"] for link in a["links"]}
    assert not any("/assets/" in url for url in urls)
    # No soft-404 probe and no archive lookup for them: only the resources themselves were asked for.
    asked = {r["uri"] for r in records if r["type"] == "request" and "/assets/" in r["uri"]}
    assert asked == {requisites_site.url(p) for p in REQUISITE_PATHS}
    assert all(requisites_site.hits[p] == 1 for p in REQUISITE_PATHS)


def test_the_markdown_and_html_reports_show_the_figure(crawl, requisites_site):
    folder = crawl.warc_dir.parent / f"report-{crawl.warc_dir.name}"
    found = len(REQUISITE_PATHS) + 1
    line = f"{found} found: {found - 1} archived, 0 failed, 1 skipped, 0 missing"
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert f"**Page requisites:** {line}" in markdown
    assert "video.mp4" in markdown.split("Page requisites not archived")[1]
    assert line in html and "Page requisites not archived (1)" in html


def test_an_audit_of_the_warcs_gives_the_same_figure(crawl, tmp_path):
    out = tmp_path / "audit"
    result = subprocess.run([sys.executable, "-m", "archiver.cli", "audit", *map(str, crawl.warcs),
                             "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    assert report_of(out)["articles"][0]["requisites"] == crawl_report(crawl)["articles"][0]["requisites"]


def test_no_requisites_when_turned_off(requisites_site, tmp_path):
    result = run_crawl(write_seed(tmp_path / "seeds", requisites_site), tmp_path / "warcs",
                       {"ARCHIVER_REQUISITES": "none"})
    assert result.returncode == 0, result.log
    records = [r for path in result.warcs for r in read_records(path)]
    assert not [r for r in records if r["type"] == "request" and "/assets/" in r["uri"]]
    figure = report_of(tmp_path / "report-warcs")["articles"][0]["requisites"]
    # Nothing fetched, and the report says so: missing, not failed. What the
    # stylesheets and the frame need in turn cannot be known without them.
    within = {"/assets/second.css", "/assets/font.woff2", "/assets/background.png", "/assets/frame-image.png"}
    assert figure["found"] == len(set(REQUISITE_PATHS) - within) + 1
    assert figure["missing"] == figure["found"]
    assert figure["archived"] == figure["failed"] == figure["skipped"] == 0


@pytest.mark.parametrize(("scope", "linked_page_requisites"), [("articles", False), ("all", True)])
def test_linked_pages_get_their_requisites_only_with_all(requisites_site, tmp_path, scope, linked_page_requisites):
    # The article is the frame's page; the fixture article is one of its links.
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "map.md").write_text(
        "# Map of the harbour\n\nThe map of the harbour after the storm, with the quays that reopened.\n\n"
        f"[Harbour reopens after the storm]({requisites_site.url(ARTICLE_PATH)})\n\n"
        f"Original url:\n\n<{requisites_site.url('/assets/frame.html')}>\n", encoding="utf-8")
    result = run_crawl(seeds, tmp_path / "warcs", {"ARCHIVER_REQUISITES": scope})
    assert result.returncode == 0, result.log
    asked = {r["uri"] for path in result.warcs for r in read_records(path) if r["type"] == "request"}
    assert requisites_site.url("/assets/frame-image.png") in asked  # the article's own, either way
    assert requisites_site.url(ARTICLE_PATH) in asked  # the link
    assert (requisites_site.url("/assets/style.css") in asked) is linked_page_requisites


def test_a_recrawl_deduplicates_requisites_and_keeps_the_figure(requisites_site, tmp_path):
    seeds = write_seed(tmp_path / "seeds", requisites_site)
    settings = {"ARCHIVER_HISTORY_ENABLED": "True",
                "ARCHIVER_HISTORY_URL": f"sqlite:///{tmp_path / 'history.sqlite'}"}
    figures = []
    for run in ("first", "second"):
        result = run_crawl(seeds, tmp_path / "warcs", {**settings, "ARCHIVER_REPORT_DIR": str(tmp_path / run)})
        assert result.returncode == 0, result.log
        figures.append(report_of(tmp_path / run)["articles"][0]["requisites"])
    records = [r for path in sorted((tmp_path / "warcs").glob("*.warc.gz")) for r in read_records(path)]
    revisits = {r["uri"] for r in records if r["type"] == "revisit"}
    # The second crawl archived the unchanged requisites as revisits of the first's records...
    assert {requisites_site.url(p) for p in REQUISITE_PATHS} <= revisits
    # ...and the stylesheets' and the frame's own requisites are still found through them.
    counts = [{k: v for k, v in figure.items() if k != "problems"} for figure in figures]
    assert counts[1] == counts[0] and counts[1]["archived"] == len(REQUISITE_PATHS)
    # The skip is this run's: the second crawl's record of it.
    [skip] = figures[1]["problems"]
    assert skip["state"] == "skipped" and skip["warc"] != figures[0]["problems"][0]["warc"]


def test_robots_txt_applies_to_requisites(tmp_path):
    with RequisitesSite(robots="User-agent: *\nDisallow: /assets/frame-image.png\n") as site:
        result = run_crawl(write_seed(tmp_path / "seeds", site), tmp_path / "warcs")
        assert result.returncode == 0, result.log
        assert site.hits["/assets/frame-image.png"] == 0
        assert site.hits["/assets/photo-400.png"] == 1
    figure = report_of(tmp_path / "report-warcs")["articles"][0]["requisites"]
    assert (figure["archived"], figure["failed"], figure["skipped"]) == (len(REQUISITE_PATHS) - 1, 1, 1)
    [refused] = [p for p in figure["problems"] if p["state"] == "failed"]
    assert refused["url"] == site.url("/assets/frame-image.png")
    assert refused["reason"].startswith("robots_disallowed")


# --- issue 13's acceptance: the same crawl replayed through pywb in Chromium, and its WACZ --------


@pytest.fixture(scope="module")
def replay_tools() -> Path:
    """pywb's folder; the test is skipped, saying what is missing, when pywb, Chromium or Playwright is."""
    reasons = []
    if not CHROMIUM.exists():
        reasons.append("no /usr/bin/chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append("the test extras' playwright package is missing")
    bindir = pywb_bin()
    if bindir is None:
        reasons.append("pywb is not installed (make test installs it into .venv-pywb)")
    if reasons:
        if os.environ.get("CI"):
            pytest.fail("CI must run the replay acceptance: " + "; ".join(reasons), pytrace=False)
        pytest.skip("; ".join(reasons))
    assert bindir is not None
    return bindir


def replay_check(warcs: list[Path], bindir: Path, output: Path) -> tuple[int, dict]:
    """`archiver replay-check` as a user runs it; its JSON results by article URL."""
    done = subprocess.run([sys.executable, "-m", "archiver.cli", "replay-check", *map(str, warcs), "--json",
                           "-o", str(output), "--pywb-bin", str(bindir)],
                          cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    results = json.loads(output.read_text(encoding="utf-8"))
    return done.returncode, {a["url"]: a for a in results["articles"]}


@pytest.fixture(scope="module")
def replayed(crawl, requisites_site, replay_tools, tmp_path_factory):
    """The crawl's WARCs replay-checked, and the paths the site was asked for meanwhile."""
    before = collections.Counter(requisites_site.hits)
    status, articles = replay_check(crawl.warcs, replay_tools, tmp_path_factory.mktemp("replay") / "replay.json")
    return status, articles[requisites_site.url(ARTICLE_PATH)], requisites_site.hits - before


def test_the_article_replays_with_nothing_missing_and_no_hit_on_the_site(replayed, requisites_site):
    status, article, hits = replayed
    assert article["error"] is None, article
    assert article["missing"] == [] and article["escaped"] == [], article
    assert hits == collections.Counter(), f"the replay reached the site: {dict(hits)}"
    # What a browser asks for (one of the srcset's images; the stylesheet's font is
    # asked for only when a text uses it, which this one does) came from the archive.
    archived = set(article["archived"])
    for path in ("/assets/style.css", "/assets/second.css", "/assets/background.png", "/assets/font.woff2",
                 "/assets/script.js", "/assets/lazy.png", "/assets/frame.html", "/assets/frame-image.png"):
        assert requisites_site.url(path) in archived, path
    assert archived <= {requisites_site.url(p) for p in REQUISITE_PATHS}
    assert status == 0


def test_the_skipped_video_is_reported_as_skipped_in_replay_not_missing(replayed, requisites_site):
    _, article, _ = replayed
    video = requisites_site.url(VIDEO_PATH)
    # The replayed page asks for it (Chromium preloads a video's metadata), and pywb has
    # nothing to answer: the crawl's record of the skip says why, and it is no gap.
    [(url, status, why)] = [(s["url"], s["status"], s["why"]) for s in article["skipped"]]
    assert (url, status) == (video, 404)
    assert why.startswith("skipped, not archived on purpose: ") and "ARCHIVER_REQUISITE_MAXSIZE" in why, why
    assert video not in {m["url"] for m in article["missing"]}


def test_the_crawl_s_own_replay_check_reports_the_video_as_skipped(crawled, requisites_site, replay_tools):
    crawl, hits = crawled
    article = crawl_report(crawl)["articles"][0]
    replay = article["replay_check"]
    assert replay is not None and replay["not_judged"] is None, (article["replay_unavailable"], replay)
    assert (replay["missing"], replay["escaped"], replay["complete"]) == ([], [], True), replay
    assert [s["url"] for s in replay["skipped"]] == [requisites_site.url(VIDEO_PATH)]
    assert replay["archived_count"] >= 8
    # The check ran while the site still served: it asked it for nothing more.
    assert all(hits[p] == 1 for p in (ARTICLE_PATH, *REQUISITE_PATHS, VIDEO_PATH)), hits
    markdown = (crawl.warc_dir.parent / f"report-{crawl.warc_dir.name}" / "report.md").read_text(encoding="utf-8")
    assert "0 missing in replay, 0 requests leaving the replay server, 1 skipped by the crawl on purpose" in markdown


def test_an_image_removed_from_a_copy_of_the_warc_is_named_missing(crawl, requisites_site, replay_tools, tmp_path):
    lazy = requisites_site.url("/assets/lazy.png")
    copies = []
    for path in crawl.warcs:
        (tmp_path / "copy").mkdir(exist_ok=True)
        copies.append(without(path, lazy, tmp_path / "copy" / path.name))
    before = collections.Counter(requisites_site.hits)
    status, articles = replay_check(copies, replay_tools, tmp_path / "replay.json")
    article = articles[requisites_site.url(ARTICLE_PATH)]
    assert [(m["url"], m["why"]) for m in article["missing"]] == [(lazy, "not in the archive")], article
    assert lazy not in article["archived"] and requisites_site.url("/assets/frame-image.png") in article["archived"]
    assert status == 1
    assert requisites_site.hits - before == collections.Counter()


def test_the_crawl_s_wacz_validates_and_pywb_replays_the_article_from_it(crawl, requisites_site, pywb):
    [wacz] = crawl.warc_dir.glob("*.wacz")
    validated = wacz_validate(wacz)
    assert validated.returncode == 0 and "Validation succeeded" in validated.stdout, validated.stdout
    [page] = listed_pages(wacz)[1]
    article = requisites_site.url(ARTICLE_PATH)
    assert (page["url"], page["title"]) == (article, "Harbour reopens after the storm")
    collection = pywb.collection("from-wacz", [wacz])  # wb-manager add --unpack-wacz
    before = collections.Counter(requisites_site.hits)
    for path in (ARTICLE_PATH, *REQUISITE_PATHS):
        status, _, body = collection.original(requisites_site.url(path))
        assert (status, body) == (200, fixture_bytes(path)), path
    # And as a reader's browser gets it (the page of pywb's frame): rewritten, at its
    # capture, each requisite's URL led back into the collection.
    timestamp = "".join(c for c in page["ts"] if c.isdigit())[:14]
    with urllib.request.urlopen(f"{collection.base}/{collection.name}/{timestamp}mp_/{article}",
                                timeout=30) as replayed:
        html = replayed.read().decode("utf-8")
    assert "<title>Harbour reopens after the storm</title>" in html
    for path in ("/assets/style.css", "/assets/script.js", "/assets/photo-400.png", "/assets/frame.html"):
        assert re.search(rf'"/{collection.name}/{timestamp}[a-z]{{2}}_/{re.escape(requisites_site.url(path))}"',
                         html), path
    assert requisites_site.hits - before == collections.Counter(), "pywb reached the site"


def test_the_replay_check_of_the_crawl_s_wacz_finds_nothing_missing(crawl, requisites_site, replay_tools, tmp_path):
    [wacz] = crawl.warc_dir.glob("*.wacz")
    before = collections.Counter(requisites_site.hits)
    status, articles = replay_check([wacz], replay_tools, tmp_path / "replay.json")
    article = articles[requisites_site.url(ARTICLE_PATH)]
    assert (article["error"], article["missing"], article["escaped"]) == (None, [], []), article
    assert [s["url"] for s in article["skipped"]] == [requisites_site.url(VIDEO_PATH)]
    assert requisites_site.url("/assets/frame-image.png") in article["archived"]
    assert status == 0
    assert requisites_site.hits - before == collections.Counter()
