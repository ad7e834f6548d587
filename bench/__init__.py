"""Benchmarks against peers (``python -m bench.run``, ``python -m bench.realweb``); see docs/benchmarks.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def compile_ours() -> None:
    """Our package's bytecode, as a regular install leaves it (pip compiles what it installs).

    An editable install leaves it to the first run, which writes nothing where
    ``PYTHONDONTWRITEBYTECODE`` is set (as on our CI machines): every process
    of ours (the crawl, its WARC writer, the writer's helper, the report's
    workers) would then compile our modules again, about 0.3 s each, while
    the peers, installed by pip, are compiled.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PROJECT / "archiver")], check=True)
