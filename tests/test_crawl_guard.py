"""Private addresses, proxies and a machine with no network."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.conftest import PROJECT, run_crawl
from tests.warc_checks import read_records


def failure_kinds(result):
    kinds = {}
    for path in result.warcs:
        for r in read_records(path):
            if r["type"] == "metadata" and r["payload"].startswith(b"fetch-failure:"):
                kind = r["payload"].split(b"\r\n")[0].split(b": ")[1].decode()
                kinds.setdefault(r["uri"], set()).add(kind)
    return kinds


def url_list(folder, *urls):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "urls.txt").write_text("\n".join(urls) + "\n")
    return folder


def test_private_targets_are_refused_and_recorded(site, tmp_path):
    seeds = url_list(
        tmp_path / "seeds",
        site.url("/page/ok"),
        f"http://localhost:{urlsplit(site.base).port}/page/gzip",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
    )
    result = run_crawl(seeds, tmp_path / "warcs", {"ARCHIVER_ALLOW_PRIVATE": "False"})
    assert result.returncode == 0, result.log
    kinds = failure_kinds(result)
    for url in (site.url("/page/ok"), f"http://localhost:{urlsplit(site.base).port}/page/gzip",
                "http://169.254.169.254/latest/meta-data/", "http://[::1]/"):
        assert kinds.get(url) == {"excluded"}, (url, kinds)
    assert site.site.hits.get("/page/ok", 0) == 0
    assert site.site.hits.get("/page/gzip", 0) == 0


class ForwardProxy:
    """A plain HTTP forward proxy that sends every request to one site.

    Host names it is given do not resolve anywhere; a response proves the
    request went through the proxy and was not resolved by the crawler.
    """

    def __init__(self, upstream: str) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                proxy.seen.append(self.path)
                parts = urlsplit(self.path)
                target = upstream + parts.path + (f"?{parts.query}" if parts.query else "")
                try:
                    with urllib.request.urlopen(target) as upstream_response:
                        status, body = upstream_response.status, upstream_response.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_http_proxy_from_the_environment(site, tmp_path):
    proxy = ForwardProxy(site.base)
    try:
        seeds = url_list(tmp_path / "seeds", "http://news.invalid/page/ok", site.url("/page/final"))
        result = run_crawl(
            seeds, tmp_path / "warcs", {"ARCHIVER_ALLOW_PRIVATE": "False"},
            env={"http_proxy": proxy.url},
        )
    finally:
        proxy.close()
    assert result.returncode == 0, result.log
    assert "http://news.invalid/page/ok" in proxy.seen
    archived = {r["uri"]: r for p in result.warcs for r in read_records(p) if r["type"] == "response"}
    assert archived["http://news.invalid/page/ok"]["http_headers"].get_statuscode() == "200"
    # the proxy resolves names; a literal private address is still refused
    assert failure_kinds(result)[site.url("/page/final")] == {"excluded"}
    assert site.url("/page/final") not in proxy.seen


def assert_a_person_can_read(log: str, report_dir, hosts) -> None:
    """No traceback or warning; robots.txt failures one WARNING line per host; the summary last."""
    for noise in ("Traceback", "Warning:", "Task exception was never retrieved"):
        assert noise not in log, log
    assert "] ERROR:" not in log, log
    robots = [line for line in log.splitlines() if "robots.txt" in line]
    assert all("] WARNING: Could not fetch robots.txt of " in line for line in robots), robots
    assert sorted(re.search(r"robots\.txt of (\S+) \(", line)[1] for line in robots) == sorted(hosts)
    last = [line.split("] INFO: ", 1)[-1] for line in log.splitlines()[-4:]]
    assert [line.split(":")[0] for line in last] == ["Articles", "Links", "Findings", "Report"], log
    assert last[-1] == f"Report: {report_dir / 'report.html'}"


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1) for a network namespace")
def test_offline_crawl_of_the_shipped_seeds(tmp_path):
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make an empty network namespace here: {probe.stderr.decode().strip()}")
    result = run_crawl(
        PROJECT / "seeds", tmp_path / "warcs",
        {"ARCHIVER_ALLOW_PRIVATE": "False", "ARCHIVER_REPORT_DIR": str(tmp_path / "report")},
        prefix=["unshare", "--net"],
        # Warnings shown as a user sees them (a deprecation is still an error):
        # one printed in the log is a finding of this test, not a crash.
        env={"PYTHONWARNINGS": "default,error::DeprecationWarning"},
    )
    assert result.returncode == 0, result.log
    assert "The network looked unreachable" in result.log
    assert_a_person_can_read(result.log, tmp_path / "report",
                             hosts=["www.themoscowtimes.com"])  # no archive lookup in the tests
    kinds = failure_kinds(result)
    article_url = ("https://www.themoscowtimes.com/2020/02/06/"
                   "us-steps-up-warnings-to-russia-over-syrias-idlib-military-de-confliction-a69185")
    assert kinds[article_url] == {"dns_error"}
    related = [u for u in kinds if "/2025/07/16/" in u]
    assert len(related) == 2 and all(kinds[u] == {"dns_error"} for u in related)
    records = [r for p in result.warcs for r in read_records(p)]
    assert sorted(r["uri"] for r in records if r["type"] == "resource") == [
        "urn:archiver:seed:000_8b2f4a9d2286ab78.txt", "urn:archiver:seed:001_0575ee14fb1ae997.txt"]
    # a name that does not resolve is not retried
    assert all(r["payload"].count(b"attempt: 1") for r in records
               if r["type"] == "metadata" and r["payload"].startswith(b"fetch-failure"))

    # The report: the two /2025/07/16/ links are date mismatches from their URL
    # dates alone, and nothing is called dead while the network was down.
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["network_reachable"] is False
    [article] = report["articles"]
    assert (article["url"], article["published"]) == (article_url, "2020-02-06")
    links = {l["url"]: l for l in article["links"]}
    for url in related:
        assert links[url]["date"] == "2025-07-16" and links[url]["date_source"] == "url"
        assert links[url]["date_mismatch"] is True
        assert links[url]["anchor_text"] in ("4 Russian Special Forces Officers Killed in Syria – Reports",
                                             "Syrian Army Retreats After Idlib Attack, Russia Says")
    assert all(l["verdict"] == "uncertain" for l in [article["original"], *article["links"]])


# --- every spelling of a private address, through a proxy (issue 16, item 1) ----

ALLOWED_HOST = "news.invalid"


def private_targets(port: int) -> list[str]:
    """Every spelling of 127.0.0.1 (at the proxy's own port, so a direct
    connection lands there too), of 169.254.169.254, and localhost."""
    loopback = ["127.0.0.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "0177.1", "127.1",
                "127.0.1", "127.0.0.1.", "0x7f.0x0.0x0.0x1", "017700000001", "%31%32%37.0.0.1",
                "0", "0.0.0.0", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
                "[0:0:0:0:0:ffff:127.0.0.1]", "localhost", "localhost.", "a.localhost"]
    metadata = ["169.254.169.254", "2852039166", "0xa9fea9fe", "0xa9.0xfe.0xa9.0xfe",
                "0251.0376.0251.0376", "169.254.43518", "169.16689662", "[::ffff:169.254.169.254]"]
    return ([f"http://{host}:{port}/t{i}" for i, host in enumerate(loopback)]
            + [f"http://{host}/latest/meta-data/m{i}" for i, host in enumerate(metadata)]
            # through a proxy, HTTPS is a CONNECT to the host: judged the same
            + [f"https://{host}:{port}/s{i}" for i, host in enumerate(["2130706433", "0x7f.1", "localhost"])]
            + ["https://2852039166/latest/meta-data/"])


class RecordingProxy:
    """A forward proxy on 127.0.0.1 that is the whole internet of the test.

    It answers for ALLOWED_HOST itself (a page linking to every target, and
    a redirect to each) and records every other request it gets: through it
    as a proxy (GET or CONNECT), or straight to its port as one of the
    loopback targets. It counts connections: a crawl without a proxy must make none.
    """

    def __init__(self) -> None:
        self.allowed: list[str] = []
        self.leaked: list[str] = []
        self.connections = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                proxy.connections += 1
                super().setup()

            def do_CONNECT(self):  # noqa: N802
                proxy.leaked.append(f"CONNECT {self.path}")
                self._answer(502, b"")

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                if parts.hostname != ALLOWED_HOST:
                    proxy.leaked.append(f"{self.path} (Host: {self.headers.get('Host')})")
                    return self._answer(200, b"leaked")
                proxy.allowed.append(self.path)
                targets = private_targets(proxy.port)
                if parts.path == "/page":
                    links = "".join(f"<p><a href='{t}'>link {i}</a></p>" for i, t in enumerate(targets))
                    return self._answer(200, f"<html><head><title>Links</title></head><body><article>"
                                             f"<h1>Links</h1>{links}</article></body></html>".encode(),
                                        "text/html; charset=utf-8")
                if parts.path.startswith("/redirect/"):
                    target = targets[int(parts.path.rsplit("/", 1)[1])]
                    return self._answer(302, b"", location=target)
                return self._answer(404, b"not here")

            def _answer(self, status, body, content_type="text/plain", location=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("through_proxy", [True, False], ids=["proxy", "direct"])
def test_no_spelling_of_a_private_address_is_fetched(tmp_path, through_proxy):
    proxy = RecordingProxy()
    targets = private_targets(proxy.port)
    redirects = [f"http://{ALLOWED_HOST}/redirect/{i}" for i in range(len(targets))]
    seeds = url_list(tmp_path / "seeds", *targets, *redirects, f"http://{ALLOWED_HOST}/page")
    try:
        result = run_crawl(
            seeds, tmp_path / "warcs",
            # Fetched through a proxy, news.invalid is the proxy's to resolve;
            # without one it resolves nowhere, and only the direct targets matter.
            {"ARCHIVER_ALLOW_PRIVATE": "False", "ARCHIVER_REPORT_DIR": str(tmp_path / "report")},
            env={"http_proxy": f"http://127.0.0.1:{proxy.port}", "https_proxy": f"http://127.0.0.1:{proxy.port}"}
            if through_proxy else None,
        )
    finally:
        proxy.close()
    assert result.returncode == 0, result.log
    assert proxy.leaked == [], proxy.leaked
    if through_proxy:  # the proxy was used: the test proves something
        assert f"http://{ALLOWED_HOST}/page" in proxy.allowed
        assert all(url in proxy.allowed for url in redirects)
    else:  # nothing connected to 127.0.0.1 at all
        assert proxy.connections == 0
    kinds = failure_kinds(result)
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    links = {link["url"]: link for a in report["articles"] for link in (a["original"], *a["links"])}
    for target in targets:
        assert kinds.get(target) == {"excluded"}, (target, kinds.get(target))
        assert links[target]["status"] == "excluded", links[target]
    if through_proxy:
        page = next(a for a in report["articles"] if a["url"] == f"http://{ALLOWED_HOST}/page")
        body_links = {link["url"]: link for link in page["links"]}
        assert all(body_links[t]["status"] == "excluded" for t in targets), body_links
        for url in redirects:
            assert links[url]["status"] == "excluded", links[url]
    # Remote control is off: no server of Scrapy's own listens during the crawl.
    assert "Remote control HTTP server listening" not in result.log
