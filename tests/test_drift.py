"""Seed copies in several formats against a live page that was edited."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import run_crawl

PATH = "/2020/04/01/harbour-expansion-a3"
ORIGINAL = [
    "The port authority approved on Monday a plan to expand the northern harbour, adding two deep-water berths for container ships by the end of next year.",
    "Officials said the project would cost about 240 million euros, most of it paid by a loan from the regional development bank.",
    "Fishermen who use the old quay protested outside the town hall, saying the dredging would destroy the mussel beds their families have worked for generations.",
    "The mayor told reporters that a compensation fund would be set up and that no fishing licence would be withdrawn while the works go on.",
    "Environmental groups asked for an independent study of the seabed before any dredging starts, and threatened to go to court.",
    "Shipping companies welcomed the decision, arguing that larger vessels now skip the port and unload their cargo two hundred kilometres further south.",
    "The harbour master expects traffic to double within five years once the new berths and the rail link to the industrial zone are finished.",
    "Opposition councillors criticised the speed of the vote, noting that the final documents had been published only three days before the meeting.",
    "Construction tenders will open in the autumn, and the authority hopes to sign contracts before the winter storms halt work at sea.",
    "Residents can comment on the plan at a public hearing scheduled for the first week of May in the old customs house.",
]
# The site later replaced three paragraphs.
EDITED = list(ORIGINAL)
EDITED[2] = "A later statement from the fishermen's cooperative said its members had reached an agreement with the authority after two nights of talks."
EDITED[5] = "Container lines had long lobbied for the expansion, and two of them signed letters of intent on Tuesday to call at the port every week."
EDITED[8] = "Correction: an earlier version of this article misstated the date on which tenders open; they open in the spring, not the autumn."

LIVE_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Harbour expansion approved</title>"
    "<meta property='article:published_time' content='2020-04-01T07:00:00Z'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
    "<article><h1>Harbour expansion approved</h1>"
    + "".join(f"<p>{p}</p>" for p in EDITED)
    + "</article><aside><h3>Most read</h3><ul><li><a href='/a'>Storm closes the bridge</a></li>"
    "<li><a href='/b'>Local team wins the cup</a></li></ul></aside>"
    "<div class='newsletter'>Sign up for our newsletter and get the news every morning.</div>"
    "<footer>© 2020 The Harbour Gazette</footer></body></html>"
).encode()


def serve(site):
    site.site.static[PATH] = (200, [("Content-Type", "text/html; charset=utf-8")], LIVE_HTML)


@pytest.fixture(scope="module")
def report(site, tmp_path_factory):
    serve(site)
    root = tmp_path_factory.mktemp("drift")
    seeds = root / "seeds"
    seeds.mkdir()
    url = site.url(PATH)
    # A Markdown clip of the page as it is now.
    (seeds / "clip.md").write_text(
        "# Harbour expansion approved\n\nApril 01, 2020\n\n" + "\n\n".join(EDITED)
        + f"\n\nOriginal url: {url}\n", encoding="utf-8")
    # Text copied out of a PDF made before the edit: hard-wrapped, hyphens split.
    wrapped = "\n\n".join(textwrap.fill(p, 60, break_on_hyphens=True) for p in ORIGINAL)
    (seeds / "printout.txt").write_text(f"Original url: {url}\n\n{wrapped}\n", encoding="utf-8")
    # A saved page of the current version, re-flowed into other markup.
    (seeds / "saved.html").write_text(
        f"<html><head><link rel='canonical' href='{url}'><title>Harbour expansion approved</title></head>"
        "<body><div class='story'>" + "".join(f"<div>{p}</div><br>" for p in EDITED)
        + "</div></body></html>", encoding="utf-8")
    result = run_crawl(seeds, root / "warcs", {"ARCHIVER_REPORT_DIR": str(root / "report")})
    assert result.returncode == 0, result.log
    return json.loads((root / "report" / "report.json").read_text())


def against_live(report):
    [article] = report["articles"]
    return article, {c["seed"]: c for c in article["comparisons"] if c["other"] == "live"}


def test_current_copies_are_unchanged_in_any_format(report):
    article, live = against_live(report)
    assert sorted(article["seeds"]) == ["clip.md", "printout.txt", "saved.html"]
    for seed in ("clip.md", "saved.html"):
        assert live[seed]["verdict"] == "unchanged", live[seed]
        assert live[seed]["similarity"] >= 0.95
    assert article["text_verdict"] == "unchanged"


def test_the_copy_from_before_the_edit_is_told_apart(report):
    _, live = against_live(report)
    old = live["printout.txt"]
    assert old["verdict"] in ("edited", "rewritten")
    assert 0.5 < old["similarity"] < 0.85
    missing = " ".join(old["missing_paragraphs"])
    added = " ".join(old["added_paragraphs"])
    assert "mussel beds" in missing and "autumn, and the authority" in missing
    assert "cooperative" in added and "Correction:" in added
    assert "Most read" not in added and "newsletter" not in added


def test_copies_are_compared_with_each_other(report):
    [article] = report["articles"]
    pairs = {(c["seed"], c["other"]): c for c in article["comparisons"] if c["other"] != "live"}
    assert pairs[("clip.md", "saved.html")]["verdict"] == "unchanged"
    assert pairs[("clip.md", "printout.txt")]["verdict"] in ("edited", "rewritten")
