"""Time and memory of parsing hostile seeds (issue 16, item 2), each in its own process.

    python -m bench.hostile_seeds            # prints one line per seed; exit 1 if one is over

Each seed is parsed in a fresh interpreter under RLIMIT_AS (500 MB by
default), so a seed that would take more fails there instead of taking the
machine; the figure is the wall time of ``load_seeds`` and the process's
peak RSS. The limits are the issue's acceptance figures: 5 s and 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
MEGABYTE = 1024 * 1024
TEN_MB = 10 * 1000 * 1000

ALIAS_BOMB = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefg", "bcdefgh"))
    + "title: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "url: https://news.example/2020/01/01/bomb\n"
    "---\n"
    "# A title\n\nA paragraph with [a link](https://news.example/other).\n"
)


def hostile_seeds() -> dict[str, bytes]:
    """File name (as bytes: one is not UTF-8) -> content."""
    return {
        b"alias-bomb.md": ALIAS_BOMB.encode(),
        b"one-line-brackets.txt": b"[" * TEN_MB,
        b"one-line-brackets.md": b"[" * TEN_MB,
        b"one-line-link-openings.txt": b"[x](" * (TEN_MB // 4),
        b"one-line-bold.md": b"**a" * (TEN_MB // 3),
        b"one-line-letters.txt": b"a" * TEN_MB,
        b"one-line-words.txt": b"word " * (TEN_MB // 5),
        b"one-line-url-closers.txt": b"https://news.example/a" + b")" * TEN_MB,
        b"one-line-spaced-related.txt": b"Related: " + b" " * TEN_MB + b"x",
        b"one-line-paragraph.html": b"<html><body><p>" + b"a" * TEN_MB + b"</p></body></html>",
        b"caf\xff-seed.txt": b"Original url: https://news.example/2020/01/02/cafe\n\nText of it.\n",
    }


CHILD = """
import json, os, resource, sys, time
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from archiver.seeds import load_seeds
start = time.monotonic()
docs, problems = load_seeds(os.fsdecode(sys.argv[1].encode("utf-8", "surrogateescape")))
seconds = time.monotonic() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak": peak, "names": [d.name for d in docs],
                  "problems": [str(p) for p in problems]}))
"""


def measure(path: Path, limit: int, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, os.fsdecode(path), str(limit)],
                              capture_output=True, text=True, timeout=timeout, env=env,
                              errors="backslashreplace")
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--megabytes", type=int, default=500)
    args = parser.parse_args(argv)
    over = 0
    with tempfile.TemporaryDirectory() as folder:
        for name, content in hostile_seeds().items():
            path = Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))
            path.write_bytes(content)
            result = measure(path, args.megabytes * MEGABYTE, timeout=max(60.0, 4 * args.seconds))
            shown = name.decode("utf-8", "backslashreplace")
            if "error" in result:
                over += 1
                print(f"{shown}: FAILED {result['error']}")
                continue
            # load_seeds turns a MemoryError into a skipped seed: under the limit, that is a failure.
            out_of_memory = any("MemoryError" in problem for problem in result["problems"])
            fits = (result["seconds"] < args.seconds and result["peak"] < args.megabytes * MEGABYTE
                    and not out_of_memory)
            over += not fits
            outcome = (f"loaded as {result['names']}" if result["names"]
                       else f"skipped: {result['problems']}")
            print(f"{shown}: {result['seconds']:.2f} s, peak RSS {result['peak'] / MEGABYTE:.0f} MiB, "
                  f"{'ok' if fits else 'OVER'}; {outcome[:160]}")
            path.unlink()
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
