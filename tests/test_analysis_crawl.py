"""The report of a crawl: every link status a local server can produce, every date markup."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.conftest import PROJECT, crawl_env, run_crawl
from tests.site import STATUS_ARTICLE_PATH

SETTINGS = {"ARCHIVER_RETRY_BACKOFF": "0.1", "REDIRECT_MAX_TIMES": "3"}

# path -> (status, verdict)
EXPECTED = {
    "/page/ok": ("ok", "alive"),
    "/redirect/301": ("redirected", "alive"),
    "/status/404": ("gone", "dead"),
    "/status/410": ("gone", "dead"),
    "/status/400": ("client_error", "dead"),
    "/status/401": ("blocked", "uncertain"),
    "/status/403": ("blocked", "uncertain"),
    "/status/451": ("blocked", "uncertain"),
    "/status/999": ("blocked", "uncertain"),
    "/challenge": ("blocked", "uncertain"),
    "/status/429": ("rate_limited", "uncertain"),
    "/status/500": ("server_error", "uncertain"),
    "/soft/missing-story": ("soft_404", "dead"),
    "/moved-home": ("soft_404", "dead"),
    "/reset": ("connection_error", "uncertain"),
    "/slow": ("timeout", "uncertain"),
    "/loop": ("too_many_redirects", "dead"),
    "/private/secret": ("robots_disallowed", "uncertain"),
    "/page/gossip": ("ok", "alive"),
}

# path -> (date, date_source, page_date_source, date_mismatch); the article is of 2020-03-01
DATES = {
    "/dated/jsonld": ("2021-01-15", "page", "json-ld", True),
    "/dated/meta": ("2019-12-31", "page", "meta", False),
    "/dated/time": ("2020-03-02", "page", "time", False),  # within the 1-day grace
    "/dated/byline": ("2020-03-05", "page", "text", True),
    "/2019/05/04/url-dated": ("2019-05-04", "url", "url", False),
    "/2019/05/04/reused-url": ("2023-06-01", "page", "meta", True),
    "/dated/none": (None, None, None, False),
}


@pytest.fixture(scope="module")
def report(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("analysis")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "statuses.md").write_text(
        "# Statuses of everything\n\nMarch 01, 2020\n\n"
        "The officials said on Wednesday that the talks would go on.\n\n"
        "[Email the editor](mailto:editor@example.org)\n\n"
        f"**Related article:** [Government announces new budget plan]({site.url('/page/gossip')})\n\n"
        f"Original url: {site.url(STATUS_ARTICLE_PATH)}\n",
        encoding="utf-8",
    )
    result = run_crawl(seeds, root / "warcs", {**SETTINGS, "ARCHIVER_REPORT_DIR": str(root / "report")})
    assert result.returncode == 0, result.log
    (root / "crawl.log").write_text(result.log)
    return json.loads((root / "report" / "report.json").read_text()), root / "report"


def links_by_path(report, site):
    [article] = report[0]["articles"]
    return {link["url"][len(site.base):] if link["url"].startswith(site.base) else link["url"]: link
            for link in article["links"]}


def test_every_status_and_verdict(report, site):
    links = links_by_path(report, site)
    got = {path: (links[path]["status"], links[path]["verdict"]) for path in EXPECTED}
    assert got == EXPECTED
    port = urlsplit(site.base).port
    def judged(url: str) -> tuple[str, str]:
        return links[url]["status"], links[url]["verdict"]

    assert judged(f"https://127.0.0.1:{port}/page/ok") == ("tls_error", "dead")
    assert judged("http://no-such-host.invalid/story") == ("dns_error", "dead")
    assert judged("mailto:editor@example.org") == ("unsupported", "uncertain")


def test_redirects_and_evidence(report, site):
    links = links_by_path(report, site)
    assert links["/redirect/301"]["redirects"] == [site.url(p)
                                                   for p in ("/redirect/302", "/redirect/307", "/page/final")]
    assert links["/redirect/301"]["final_url"] == site.url("/page/final")
    assert "site's root" in links["/moved-home"]["detail"]
    assert "random URL beside it" in links["/soft/missing-story"]["detail"]
    assert links["/status/404"]["warc"]["filename"].endswith(".warc.gz")
    assert isinstance(links["/status/404"]["warc"]["offset"], int)


def test_dates_of_links(report, site):
    links = links_by_path(report, site)
    got = {path: (links[path]["date"], links[path]["date_source"], links[path]["page_date_source"],
                  links[path]["date_mismatch"]) for path in DATES}
    assert got == DATES
    assert links["/2019/05/04/reused-url"]["url_date"] == "2019-05-04"
    [article] = report[0]["articles"]
    assert article["published"] == "2020-03-01"
    assert any("reused-url" in f and "2019-05-04" in f and "2023-06-01" in f for f in article["date_findings"])


def test_title_mismatch(report, site):
    links = links_by_path(report, site)
    assert links["/page/gossip"]["anchor_text"] == "Government announces new budget plan"
    assert links["/page/gossip"]["title_mismatch"] is True
    assert links["/page/gossip"]["found_in"] == ["statuses.md"]
    assert links["/page/ok"]["found_in"] == ["live"]
    assert links["/page/xss"]["title"] == "<script>alert(1)</script>"


def test_retry_after_was_honoured(report, site):
    from tests.warc_checks import read_records

    warcs = sorted((report[1].parent / "warcs").glob("*.warc.gz"))
    dates = [r["rec_headers"].get_header("WARC-Date") for p in warcs for r in read_records(p)
             if r["type"] == "response" and r["uri"] == site.url("/status/429")]
    import datetime

    moments = [datetime.datetime.fromisoformat(d.replace("Z", "+00:00")) for d in dates]
    assert len(moments) == 2
    assert (moments[1] - moments[0]).total_seconds() >= 1.0


def test_script_title_is_escaped_in_html(report):
    html = (report[1] / "report.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_the_articles_are_those_the_crawl_recorded(report):
    # The crawl wrote an article record: nothing was re-grouped from the seeds.
    assert not any("grouped into articles" in note for note in report[0]["notes"])


def test_the_crawls_report_is_the_audit_of_its_files(report, tmp_path):
    """The crawl's report takes the index its writer read back; an audit reads the files: the same report."""
    crawled, folder = report
    log = (folder.parent / "crawl.log").read_text()
    assert "'archiver/report/read_back_files': 1" in log  # the writer's index, not a second read
    audit = subprocess.run([sys.executable, "-m", "archiver.cli", "audit", str(folder.parent / "warcs"),
                            "-o", str(tmp_path / "audit")], cwd=PROJECT, env=crawl_env(),
                           capture_output=True, text=True, timeout=180)
    assert audit.returncode in (0, 1), audit.stderr[-3000:]
    audited = json.loads((tmp_path / "audit" / "report.json").read_text())
    assert {**crawled, "generated": None} == {**audited, "generated": None}
    assert (folder / "links.csv").read_bytes() == (tmp_path / "audit" / "links.csv").read_bytes()
