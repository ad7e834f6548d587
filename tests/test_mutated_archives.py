"""A seeded corpus of damaged WARCs made from a real crawl's: the audit survives every one.

Truncations at and around record and member boundaries, byte flips,
corrupt headers, junk between members and bombs (tests/mutations.py). The
audit runs on them in batches, each with a sound archive beside them, and
on a sample one by one, every run under 60 s and a 1 GB address space:
no traceback, exit 1 (findings) or 2 (nothing readable), every damaged file
named among the integrity problems, the sound archive still analysed. Odd
headers that WARC readers accept (``-odd-`` files) only have to be survived.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT, crawl_env, run_crawl
from tests.mutations import ODD, bombs, mutants
from tests.site import ARTICLE_PATH, STATUS_ARTICLE_PATH

SEED = 20261201
COUNT = 340
BATCHES = 8
ALONE = 8  # mutants audited on their own, besides their batch
SECONDS = 60
ADDRESS_SPACE = 1 << 30  # 1 GiB of virtual memory: RSS can only be smaller
SOUND_PATH = STATUS_ARTICLE_PATH


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.fixture(scope="module")
def corpus(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("mutated")
    seeds = root / "article.txt"
    seeds.write_text(site.url(ARTICLE_PATH) + "\n")
    crawl = run_crawl(seeds, root / "crawl")
    assert crawl.returncode == 0, crawl.log
    [source] = crawl.warcs
    blob = source.read_bytes()
    folder = root / "mutants"
    folder.mkdir()
    # The bombs replace the article's own page: the analysis must read it.
    made = [*mutants(blob, SEED, COUNT), *bombs(blob, site.url(ARTICLE_PATH))]
    for mutant in made:
        (folder / mutant.name).write_bytes(mutant.data)
    # The sound archive: another crawl, of another article, that every audit must still report.
    other = root / "other.txt"
    other.write_text(site.url(SOUND_PATH) + "\n")
    sound_crawl = run_crawl(other, root / "sound", {"ARCHIVER_DEPTH": "0", "ARCHIVER_SOFT404_PROBES": "False"})
    assert sound_crawl.returncode == 0, sound_crawl.log
    [sound] = sound_crawl.warcs
    return [folder / m.name for m in made], sound


def audit(paths, output) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "audit", "--workers", "1", *map(str, paths), "-o", str(output)],
        cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=SECONDS * 2,
        preexec_fn=limited,
    )
    return result, time.monotonic() - started


def check_run(result, elapsed, damaged, output, sound_name: str | None) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    assert "MemoryError" not in result.stderr, result.stderr[-3000:]
    assert elapsed < SECONDS, f"{elapsed:.0f} s"
    assert result.returncode in (1, 2), result.stderr[-3000:]
    if result.returncode == 2:
        assert sound_name is None, result.stderr[-3000:]
        return
    report = json.loads((output / "report.json").read_text())
    named = {problem["filename"] for problem in report["integrity"]}
    damaged = [path for path in damaged if ODD not in path.name]  # odd, but readable: survived is enough
    assert {path.name for path in damaged} <= named, sorted({path.name for path in damaged} - named)
    if sound_name is not None:
        assert sound_name not in named
        assert any(article["url"].endswith(SOUND_PATH) and article["original"]["verdict"] == "alive"
                   for article in report["articles"]), report["articles"]


def test_the_corpus_is_big_seeded_and_all_damaged(corpus):
    files, _ = corpus
    assert len(files) >= 300
    kinds = {path.name.split("-", 1)[1].split("-")[0] for path in files}
    assert {"cut", "flip", "header", "odd", "junk", "bomb"} <= kinds, kinds
    assert sum(ODD not in path.name for path in files) >= 300


def test_every_batch_of_damaged_files_is_audited_beside_a_sound_one(corpus, tmp_path):
    files, sound = corpus
    mutated = [path for path in files if "-bomb-" not in path.name]
    for number in range(BATCHES):
        batch = mutated[number::BATCHES]
        output = tmp_path / f"batch-{number}"
        result, elapsed = audit([*batch, sound], output)
        check_run(result, elapsed, batch, output, sound.name)


def test_bombs_are_audited_within_limits(corpus, tmp_path):
    files, sound = corpus
    bomb_files = [path for path in files if "-bomb-" in path.name]
    assert len(bomb_files) == 4
    for bomb in bomb_files:  # one at a time: two hold the article's page, the last one read wins
        result, elapsed = audit([bomb, sound], tmp_path / bomb.name)
        check_run(result, elapsed, [bomb], tmp_path / bomb.name, sound.name)


def test_a_sample_of_damaged_files_one_by_one(corpus, tmp_path):
    files, _ = corpus
    damaged = [path for path in files if ODD not in path.name]
    for path in random.Random(SEED).sample(damaged, ALONE):
        output = tmp_path / path.name
        result, elapsed = audit([path], output)
        check_run(result, elapsed, [path], output, None)
