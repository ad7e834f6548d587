"""The benchmark command still runs: a few pages, one run (CI's smoke version)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT, crawl_env
from tests.servers import require


def test_bench_smoke(tmp_path):
    require("nginx", "nginx-light")
    out = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out), "--work", str(tmp_path / "work")],
        cwd=PROJECT, env=crawl_env(), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    text = out.read_text()
    for comparison in ("Capture:", "Capture with requisites:", "Link check:", "Analysis:", "Memory:", "Integrity pass"):
        assert comparison in text
    assert "| comparison | ours |" in text
