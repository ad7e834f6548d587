"""Hostile seeds (issue 16, item 2): each is read within bounds or skipped with its reason; the crawl goes on.

The acceptance figures (5 s and 500 MB a seed) are measured by
``python -m bench.hostile_seeds``, one process per seed under RLIMIT_AS; the
crawl here runs under a generous address-space limit as a guard only.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from archiver.warc.vocab import seed_uri
from bench.hostile_seeds import ALIAS_BOMB, TEN_MB
from tests.conftest import run_crawl
from tests.warc_checks import read_records

CRAWL_ADDRESS_SPACE = 3 * 1024**3  # a guard: the alias bomb alone took 24 GB before


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit(1) to cap the crawl's memory")
def test_a_crawl_with_hostile_seeds_goes_on(site, tmp_path):
    seeds = tmp_path / os.fsdecode(b"seeds\xff")  # the folder's own name is not UTF-8 either
    seeds.mkdir()
    (seeds / "alias-bomb.md").write_text(ALIAS_BOMB)
    (seeds / "one-line.md").write_bytes(b"[" * TEN_MB)
    (seeds / "one-line-link-openings.txt").write_bytes(b"[x](" * (TEN_MB // 4))
    # A name that is not UTF-8, holding a usable seed.
    (seeds / os.fsdecode(b"caf\xff.txt")).write_text(
        f"Original url: {site.url('/2020/02/06/big-story-a1')}\n\nText with {site.url('/page/ok')}\n")
    report_dir = tmp_path / "report"
    result = run_crawl(seeds, tmp_path / "warcs", {"ARCHIVER_REPORT_DIR": str(report_dir)},
                       prefix=["prlimit", f"--as={CRAWL_ADDRESS_SPACE}", "--"], timeout=300)
    assert result.returncode == 0, result.log[-5000:]
    assert "Traceback" not in result.log, result.log[-5000:]

    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    skipped = {seed["name"]: seed["reason"] for seed in report["skipped_seeds"]}
    assert "YAML alias" in skipped["alias-bomb.md"]
    # The seed named with a 0xff byte is read, and shown with the byte escaped.
    [article] = [a for a in report["articles"] if a["url"] == site.url("/2020/02/06/big-story-a1")]
    assert article["seeds"] == ["caf\\xff.txt"]
    assert article["original"]["status"] == "ok"
    assert {link["url"] for link in article["links"]} >= {site.url("/page/ok")}
    # Its very bytes are archived, under the escaped name.
    resources = {r["uri"]: r for p in result.warcs for r in read_records(p) if r["type"] == "resource"}
    assert resources[seed_uri("caf\\xff.txt")]["payload"].startswith(b"Original url: ")
    assert resources[seed_uri("one-line.md")]["payload"] == b"[" * TEN_MB
    assert "Skipped seed alias-bomb.md: front matter uses a YAML alias" in result.log
    assert f"Loaded 3 seeds from {tmp_path}/seeds\\xff: " in result.log
