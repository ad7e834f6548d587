"""Article records are read back: the report says what the crawl saw, not what re-grouping gives."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
from pathlib import Path

import pytest

from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.analysis.articles import NO_RECORDS, from_record, recorded
from archiver.seeds import group_articles, parse_seed
from archiver.warc import records
from archiver.warc.articles import FORMAT, ArticleFormatError, from_json, to_json
from archiver.warc.reader import read_archives
from archiver.warc.vocab import article_uri, seed_uri
from archiver.warc.writer import RollingWarcWriter

pytestmark = pytest.mark.fast

MOMENT = datetime.datetime(2026, 11, 22, 10, 30, 15, tzinfo=datetime.UTC)
OPTIONS = AnalysisOptions(workers=1)
BRIDGE = "https://news.example/2021/04/02/bridge"
BRIDGE_MD = f"""---
title: Bridge Closed
url: {BRIDGE}
date: 2021-04-02
---
The old bridge over the river closed on Friday after inspectors found cracks in two of its
piers. The council said repairs would take months, and published [the minutes](https://council.example/minutes).
""".encode()
# Another copy of the same story, without a URL: grouping joins it to BRIDGE_MD by its text.
BRIDGE_COPY_TXT = b"""The old bridge over the river closed on Friday after inspectors found cracks in two of its
piers. The council said repairs would take months, and published the minutes.
See also https://river.example/levels
"""
FERRY = "https://news.example/2021/04/03/ferry"
FERRY_MD = f"""---
title: Ferry Returns
url: {FERRY}
---
A ferry service returns while the bridge is closed, running every hour from the harbour.
""".encode()


def record_of(url, *, title, published, source, seeds, links=()) -> dict:
    return {"format": FORMAT, "url": url, "title": title, "published": published,
            "published_source": source, "seeds": list(seeds),
            "links": [{"url": u, "anchor_text": a, "related": False, "found_in": list(seeds)}
                      for u, a in links]}


def write_archive(folder: Path, seeds: dict[str, bytes], articles=(), moment=MOMENT,
                  raw_articles: dict[str, bytes] | None = None) -> Path:
    """A WARC holding seed resources and article records, as a crawl writes them."""
    writer = RollingWarcWriter(folder, "art", 10**9, {"software": "tests"})
    b = writer.builder
    for name, content in seeds.items():
        writer.write([records.resource_record(b, seed_uri(name), content, "text/markdown", moment)])
    items = [(article_uri(data.get("url"), data.get("seeds", ())), data) for data in articles]
    if items:
        writer.write(records.json_metadata_records(b, items, moment))
    for uri, payload in (raw_articles or {}).items():
        # A payload no crawl of ours writes: built by hand so it can be anything.
        writer.write([b.create_warc_record(uri, "metadata", payload=io.BytesIO(payload), length=len(payload),
                                           warc_content_type="application/json",
                                           warc_headers_dict={"WARC-Date": records.warc_date(moment)})])
    writer.close()
    [path] = writer.closed_files
    return path


def grouped(seeds: dict[str, bytes]):
    return group_articles([parse_seed(name, content) for name, content in seeds.items()])


def summary(article):
    return (article.url, article.seeds, article.title, article.published, article.published_source,
            [(link.url, link.anchor_text, link.found_in) for link in article.links])


def test_the_report_shows_what_the_article_record_says(tmp_path):
    seeds = {"bridge.md": BRIDGE_MD}
    [regrouped] = grouped(seeds)
    assert (regrouped.title, regrouped.published) == ("Bridge Closed", datetime.date(2021, 4, 2))
    record = record_of(BRIDGE, title="Bridge Shut for Repairs", published="2021-04-05", source="byline",
                       seeds=["bridge.md"], links=[("https://engineers.example/report", "the report")])
    index = read_archives([write_archive(tmp_path, seeds, [record])])
    assert not index.problems
    report = analyse(index, options=OPTIONS)
    [article] = report.articles
    assert summary(article) == (BRIDGE, ("bridge.md",), "Bridge Shut for Repairs", datetime.date(2021, 4, 5),
                                "byline", [("https://engineers.example/report", "the report", ("bridge.md",))])
    assert not any("grouped" in note for note in report.notes)


def test_the_records_group_the_seeds_as_the_crawl_did(tmp_path):
    seeds = {"bridge.md": BRIDGE_MD, "copy.txt": BRIDGE_COPY_TXT, "ferry.md": FERRY_MD}
    assert [a.seeds for a in grouped(seeds)] == [("bridge.md", "copy.txt"), ("ferry.md",)]
    # The crawl grouped otherwise: the copy alone, the ferry story with the bridge.
    articles = [
        record_of(BRIDGE, title="Bridge Closed", published=None, source=None, seeds=["bridge.md", "ferry.md"]),
        record_of(None, title=None, published=None, source=None, seeds=["copy.txt"]),
    ]
    report = analyse(read_archives([write_archive(tmp_path, seeds, articles)]), options=OPTIONS)
    assert [a.seeds for a in report.articles] == [("bridge.md", "ferry.md"), ("copy.txt",)]
    # Seed texts for the comparison still come from the archived seeds, by name.
    [comparison] = report.articles[0].comparisons
    assert (comparison.seed, comparison.other) == ("bridge.md", "ferry.md")


def test_an_archive_without_article_records_is_grouped_from_its_seeds(tmp_path):
    seeds = {"bridge.md": BRIDGE_MD, "copy.txt": BRIDGE_COPY_TXT, "ferry.md": FERRY_MD}
    report = analyse(read_archives([write_archive(tmp_path, seeds)]), options=OPTIONS)
    assert [summary(a)[:5] for a in report.articles] == [summary(a)[:5] for a in grouped(seeds)]
    assert [[link.url for link in a.links] for a in report.articles] == \
        [[link.url for link in a.links] for a in grouped(seeds)]
    assert NO_RECORDS in report.notes


BAD_RECORDS = {
    "unknown version": (json.dumps({**record_of(BRIDGE, title="T", published=None, source=None,
                                                seeds=["bridge.md"]), "format": 2}),
                        "cannot be read: format 2, and this archiver reads format 1"),
    "missing field": (json.dumps({k: v for k, v in record_of(BRIDGE, title="T", published=None, source=None,
                                                              seeds=["bridge.md"]).items() if k != "links"}),
                      'cannot be read: field "links" is missing'),
    "bad date": (json.dumps(record_of(BRIDGE, title="T", published="April 5", source=None, seeds=["bridge.md"])),
                 "cannot be read: \"published\" is not a YYYY-MM-DD date: 'April 5'"),
    "bad link": (json.dumps(record_of(BRIDGE, title="T", published=None, source=None, seeds=["bridge.md"],
                                      links=[(7, None)])),
                 'cannot be read: link 1: field "url" is neither a string nor null: 7'),
    "not JSON": ('{"format": 1, "url": ', "is not JSON"),
    "another article": (json.dumps(record_of(FERRY, title="T", published=None, source=None,
                                             seeds=["bridge.md"])),
                        f"holds another article (urn:archiver:article:{FERRY}): not read"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_an_unreadable_article_record_is_an_integrity_problem_and_its_seeds_are_grouped(tmp_path, case):
    payload, reason = BAD_RECORDS[case]
    seeds = {"bridge.md": BRIDGE_MD}
    path = write_archive(tmp_path, seeds, raw_articles={article_uri(BRIDGE, ()): payload.encode()})
    index = read_archives([path])
    [problem] = index.problems
    assert problem.problem.startswith(f"article record urn:archiver:article:{BRIDGE} ")
    assert reason in problem.problem
    assert problem.offset is not None
    report = analyse(index, options=OPTIONS)
    assert [summary(a) for a in report.articles] == [summary(a) for a in grouped(seeds)]
    assert problem in report.integrity


def test_records_of_several_crawls_the_latest_wins(tmp_path):
    seeds = {"bridge.md": BRIDGE_MD}
    later, earlier = MOMENT, MOMENT - datetime.timedelta(days=3)
    new = record_of(BRIDGE, title="New Title", published=None, source=None, seeds=["bridge.md"])
    old = record_of(BRIDGE, title="Old Title", published=None, source=None, seeds=["bridge.md"])
    first = write_archive(tmp_path / "1", seeds, [new], moment=later)
    second = write_archive(tmp_path / "2", seeds, [old], moment=earlier)
    # The later record wins even when it is read first.
    [article] = analyse(read_archives([first, second]), options=OPTIONS).articles
    assert article.title == "New Title"
    [article] = analyse(read_archives([second, first]), options=OPTIONS).articles
    assert article.title == "New Title"
    # At the same WARC-Date, the one read last wins.
    third = write_archive(tmp_path / "3", seeds, [old], moment=later)
    [article] = analyse(read_archives([first, third]), options=OPTIONS).articles
    assert article.title == "Old Title"


def test_seeds_given_on_the_command_line_join_or_add_to_the_recorded_articles(tmp_path):
    archived = {"bridge.md": BRIDGE_MD}
    record = record_of(BRIDGE, title="Bridge Shut", published="2021-04-05", source="byline",
                       seeds=["bridge.md"], links=[("https://council.example/minutes", "minutes")])
    index = read_archives([write_archive(tmp_path, archived, [record])])
    extra = [parse_seed("copy.txt", BRIDGE_COPY_TXT), parse_seed("ferry.md", FERRY_MD)]
    report = analyse(index, extra, options=OPTIONS)
    bridge, ferry = report.articles
    # The copy joins the recorded article (grouping finds it by its text): the record's
    # title and date stay, the copy adds its name and its link.
    assert summary(bridge)[:5] == (BRIDGE, ("bridge.md", "copy.txt"), "Bridge Shut",
                                   datetime.date(2021, 4, 5), "byline")
    assert [(link.url, link.found_in) for link in bridge.links] == [
        ("https://council.example/minutes", ("bridge.md",)), ("https://river.example/levels", ("copy.txt",))]
    assert [(c.seed, c.other) for c in bridge.comparisons] == [("bridge.md", "copy.txt")]
    # The ferry story is no recorded article's: it is grouped and added.
    assert (ferry.url, ferry.seeds, ferry.title) == (FERRY, ("ferry.md",), "Ferry Returns")
    [note] = [n for n in report.notes if "No article record covers" in n]
    assert "copy.txt, ferry.md" in note


def test_an_extra_seed_named_in_a_record_only_gives_its_text(tmp_path):
    # The record names a seed the archive does not hold: given on the command line, it is
    # the text of that seed, not a seed to group.
    record = record_of(BRIDGE, title="Bridge Shut", published=None, source=None,
                       seeds=["bridge.md", "copy.txt"])
    index = read_archives([write_archive(tmp_path, {"bridge.md": BRIDGE_MD}, [record])])
    report = analyse(index, [parse_seed("copy.txt", BRIDGE_COPY_TXT)], options=OPTIONS)
    [article] = report.articles
    assert article.seeds == ("bridge.md", "copy.txt") and article.links == ()
    assert [(c.seed, c.other) for c in article.comparisons] == [("bridge.md", "copy.txt")]
    assert not any("grouped" in note for note in report.notes)


def test_what_the_crawl_writes_reads_back_the_same(tmp_path):
    seeds = {"bridge.md": BRIDGE_MD, "copy.txt": BRIDGE_COPY_TXT, "ferry.md": FERRY_MD}
    articles = grouped(seeds)
    writer = RollingWarcWriter(tmp_path, "crawl", 10**9, {"software": "tests"})
    # As archiver.crawl.capture writes them: one batch of records.
    writer.write(records.json_metadata_records(
        writer.builder, [(article_uri(a.url, a.seeds), to_json(recorded(a))) for a in articles], MOMENT))
    writer.close()
    index = read_archives(writer.closed_files)
    assert not index.problems
    assert [from_record(r.article) for r in index.articles] == articles
    assert {r.date for r in index.articles} == {records.warc_date(MOMENT)}


def test_records_written_before_the_format_field_read_as_format_1():
    data = to_json(recorded(grouped({"bridge.md": BRIDGE_MD})[0]))
    del data["format"]
    assert from_record(from_json(data)) == grouped({"bridge.md": BRIDGE_MD})[0]
    with pytest.raises(ArticleFormatError, match="format True"):
        from_json({**data, "format": True})
    with pytest.raises(ArticleFormatError, match="not a JSON object"):
        from_json([data])
    with pytest.raises(ArticleFormatError, match='"seeds" is not a list of strings'):
        from_json({**data, "seeds": ["a", 1]})
    assert dataclasses.asdict(from_json(data))["seeds"] == ("bridge.md",)
