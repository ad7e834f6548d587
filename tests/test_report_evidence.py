"""What the report tells a reader beyond the verdicts: skipped seeds, replay links, the network line.

In-process, over WARC files the test writes (tests/warcs.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.analysis.model import Report
from archiver.report import write_report
from archiver.seeds import Article
from archiver.warc.reader import read_archives
from archiver.warc.vocab import FailureKind
from tests.warcs import WarcBuilder, html_page

pytestmark = pytest.mark.fast

ARTICLE = "http://news.example/2020/03/01/talks"
ALIVE = "http://other.example/2020/03/01/fine"
GONE = "http://other.example/gone"
NOWHERE = "http://nowhere.example/story"
REPLAY = "http://127.0.0.1:8080/news/"
ONE_PROCESS = AnalysisOptions(workers=1)


def written(tmp_path: Path, options: AnalysisOptions = ONE_PROCESS) -> tuple[Report, Path]:
    with WarcBuilder(tmp_path / "warcs") as warc:
        warc.seed_problem("photo.txt", "binary content <b>not</b> a seed: an image")
        warc.article(Article(url=ARTICLE, title="Talks", seeds=()))
        warc.response(ARTICLE, html_page("Talks", ["The talks went on."],
                                         links=[(ALIVE, "A fine page"), (GONE, "A gone page"),
                                                (NOWHERE, "A page nowhere")]))
        warc.response(ALIVE, html_page("A fine page", ["Fine."]))
        warc.response(GONE, b"gone", status=404)
        warc.failure(NOWHERE, FailureKind.DNS_ERROR, "no such host")
    report = analyse(read_archives(sorted((tmp_path / "warcs").glob("*.warc.gz"))), options=options)
    out = tmp_path / "report"
    write_report(report, out)
    return report, out


def test_skipped_seeds_are_in_every_format_with_their_reason(tmp_path: Path) -> None:
    report, out = written(tmp_path)
    assert report.skipped_seeds == (("photo.txt", "binary content <b>not</b> a seed: an image"),)
    document = json.loads((out / "report.json").read_text())
    assert document["skipped_seeds"] == [{"name": "photo.txt", "reason": "binary content <b>not</b> a seed: an image"}]
    page = (out / "report.html").read_text()
    assert "photo.txt" in page and "binary content &lt;b&gt;not&lt;/b&gt; a seed" in page
    assert "<b>not</b>" not in page  # escaped, never rendered
    assert "photo.txt" in (out / "report.md").read_text()


def test_each_capture_links_to_its_replay_when_a_collection_is_named(tmp_path: Path) -> None:
    report, out = written(tmp_path, AnalysisOptions(workers=1, replay_url=REPLAY))
    links = {link.url: link for link in report.articles[0].links}
    assert links[GONE].captured is not None
    stamp = f"{links[GONE].captured:%Y%m%d%H%M%S}"
    page = (out / "report.html").read_text()
    assert f'href="{REPLAY}{stamp}/{GONE}"' in page
    # A failure has no capture to replay.
    assert f"{REPLAY}{stamp}/{NOWHERE}" not in page and links[NOWHERE].captured is None
    # Without a collection, no replay link at all.
    _, plain = written(tmp_path / "plain")
    assert REPLAY not in (plain / "report.html").read_text()


def test_the_network_line_says_what_happened(tmp_path: Path) -> None:
    _, out = written(tmp_path)
    # article host, other.example, nowhere.example: two answered, one did not resolve.
    line = "network reachable: 2 of 3 hosts answered"
    assert line in (out / "report.html").read_text().lower()
    assert line in (out / "report.md").read_text().lower()


def test_the_summary_draws_verdicts_per_article_and_counts_link_to_their_findings(tmp_path: Path) -> None:
    report, out = written(tmp_path)
    page = (out / "report.html").read_text()
    bars = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="verdicts"'):]
    bars = bars[:bars.index("</svg>")]
    article = report.articles[0]
    dead = sum(link.verdict == "dead" for link in article.links)
    assert dead and f"<title>{dead} dead</title>" in bars
    assert f"<title>{sum(link.verdict == 'alive' for link in article.links)} alive</title>" in bars
    # A count with findings links to its table; a count of nothing links nowhere.
    assert '<a href="#dead">dead links</a>' in page and 'id="dead"' in page
    assert 'href="#title-mismatches"' not in page


def test_an_undated_link_says_why(tmp_path: Path) -> None:
    report, out = written(tmp_path)
    links = {link.url: link for link in report.articles[0].links}
    assert links[GONE].date is None
    assert links[GONE].date_unavailable == "no date in its URL, and no page to read one from (gone)"
    assert links[NOWHERE].date_unavailable == "no date in its URL, and no page to read one from (dns_error)"
    # ALIVE has a date in its URL: no reason needed.
    assert links[ALIVE].date is not None and links[ALIVE].date_unavailable is None
    document = json.loads((out / "report.json").read_text())
    by_url = {link["url"]: link for link in document["articles"][0]["links"]}
    assert by_url[GONE]["date_unavailable"] == links[GONE].date_unavailable
