"""One request per URL, every role kept: articles that link each other.

When one seed's article is also a link of another seed's, the dupefilter
keeps the first request for the URL. That request must be the article's
(depth 0), or the article's own live-body links are never fetched.
"""

from __future__ import annotations

import json
import random

import pytest

from archiver.warc.reader import read_archives
from tests.conftest import run_crawl
from tests.site import RING_SIZE


@pytest.mark.parametrize("order", ["ascending", "descending", "shuffled"])
def test_a_ring_of_articles_has_no_link_left_unchecked(site, tmp_path, order):
    numbers = list(range(RING_SIZE))
    if order == "descending":
        numbers.reverse()
    elif order == "shuffled":
        random.Random(7).shuffle(numbers)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    # Markdown clips, read in file-name order: each links the next two
    # articles, as the live page does, so a clip's link to an article comes
    # before that article's own seed in one order or another.
    for position, n in enumerate(numbers):
        after, later = (n + 1) % RING_SIZE, (n + 2) % RING_SIZE
        (seeds / f"{position:03d}-story-{n}.md").write_text(
            f"# Ring story {n}\n\nOriginal url: {site.url(f'/ring/{n}')}\n\n"
            f"Story number {n} of the ring. As [story {after} reported]({site.url(f'/ring/{after}')}), "
            f"and as [story {later} followed up]({site.url(f'/ring/{later}')}), the talks went on.\n",
            encoding="utf-8")
    result = run_crawl(seeds, tmp_path / "warcs", {"ARCHIVER_SOFT404_PROBES": "False",
                                                   "CONCURRENT_REQUESTS": "32"}, timeout=300)
    assert result.returncode == 0, result.log
    report = json.loads((tmp_path / "report-warcs" / "report.json").read_text())
    assert len(report["articles"]) == RING_SIZE
    links = [link for article in report["articles"] for link in article["links"]]
    # Each article's body links: the next two articles and its own source.
    assert len(links) == 3 * RING_SIZE
    assert [link["url"] for link in links if link["status"] == "not_checked"] == []
    assert {link["status"] for link in links} == {"ok"}
    # Each URL was fetched once: one response record each in the archive.
    index = read_archives(result.warcs)
    ring = {key: captures for key, captures in index.captures.items() if "/ring/" in key}
    assert len(ring) == 2 * RING_SIZE
    assert {len(captures) for captures in ring.values()} == {1}
