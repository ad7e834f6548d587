"""Dead links get the archived copy closest before the article, asked for during the crawl."""

from __future__ import annotations

import datetime
import json

import pytest

from tests import test_memento
from tests.conftest import run_crawl
from tests.test_memento import archive  # noqa: F401 - the stub web archive, a fixture

UTC = datetime.UTC


@pytest.mark.parametrize("kind,route", [("timegate", "/timegate/"), ("wayback", "/wayback/available")])
def test_dead_link_gets_the_capture_before_the_article(site, archive, tmp_path, kind, route):  # noqa: F811
    dead = site.url("/status/404")
    test_memento.CAPTURES[dead] = [datetime.datetime(2019, 12, 1, tzinfo=UTC),
                                   datetime.datetime(2020, 2, 1, tzinfo=UTC),
                                   datetime.datetime(2021, 6, 1, tzinfo=UTC)]
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "story.md").write_text(
        "# A story\n\nFebruary 06, 2020\n\nThe talks went on for a long while on Wednesday.\n\n"
        f"See [the old page]({dead}) and [the fine page]({site.url('/page/ok')}).\n\n"
        f"Original url: {site.url('/page/final')}\n", encoding="utf-8")
    result = run_crawl(seeds, tmp_path / "warcs", {
        "ARCHIVER_ARCHIVE_LOOKUP": kind, "ARCHIVER_ARCHIVE_ENDPOINT": archive + route,
        "ARCHIVER_REPORT_DIR": str(tmp_path / "report")})
    assert result.returncode == 0, result.log
    [article] = json.loads((tmp_path / "report" / "report.json").read_text())["articles"]
    links = {link["url"]: link for link in article["links"]}
    copy = links[dead]["archived_copy"]
    assert copy is not None, links[dead]
    assert copy["captured"].startswith("2020-02-01")
    assert "20200201" in copy["url"]
    assert links[site.url("/page/ok")]["archived_copy"] is None
