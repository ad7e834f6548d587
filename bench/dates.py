"""Page dates against htmldate on real pages with known publication dates.

    python -m bench.dates                  # ../shared/eval/dates from the project root
    python -m bench.dates --eval PATH      # another set laid out the same way
    python -m bench.dates --errors         # also list every page we date wrongly

The set: ``gold.json`` maps each URL to ``{"file": "pages/NAME.html.gz",
"date": "YYYY-MM-DD"}``, the publication date a person read off the page.
Each page is decoded as the analysis decodes an archived body (no HTTP
charset: the saved bytes carry none), then dated twice: by ours (the
function page_facts uses, on the same parse) and by htmldate's
``find_date(html, url=URL, original_date=True, extensive_search=True)``.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = PROJECT.parent / "shared" / "eval" / "dates"


@dataclass(frozen=True)
class Dated:
    """One page of the set, dated by both."""

    url: str
    gold: datetime.date
    ours: datetime.date | None
    source: str | None
    theirs: datetime.date | None
    ours_seconds: float
    theirs_seconds: float
    copyright_years: frozenset[int]


def _warm_up() -> None:
    # The first textual date loads dateparser's locales (about a second):
    # paid here, not by the first page timed.
    import htmldate

    from archiver.analysis.extract import page_date

    html = "<html><body><p class='date'>Publié le 6 février 2020</p><p>text</p></body></html>"
    page_date(html, None)
    htmldate.find_date(html, original_date=True, extensive_search=True)


def date_page(url: str, path: str, gold: str) -> Dated:
    """Date one page both ways (runs in a worker process)."""
    import htmldate

    from archiver.analysis.extract import html_text, page_date
    from archiver.pubdate import copyright_years

    html = html_text(gzip.decompress(Path(path).read_bytes()), None)
    # CPU time of this process: on a shared machine, wall time measures the neighbours.
    started = time.process_time()
    ours, source = page_date(html, url)
    ours_seconds = time.process_time() - started
    started = time.process_time()
    found = htmldate.find_date(html, url=url, original_date=True, extensive_search=True)
    theirs_seconds = time.process_time() - started
    return Dated(url, datetime.date.fromisoformat(gold), ours, source,
                 datetime.date.fromisoformat(found) if found else None,
                 ours_seconds, theirs_seconds, frozenset(copyright_years(html)))


def cause(date: datetime.date | None, page: Dated, source: str | None) -> str:
    """Why a date is wrong, in the terms of the issue."""
    if date is None:
        return "missing date"
    if abs((date - page.gold).days) == 1:
        return "one day off (time zone, or the day before or after)"
    if (date.month, date.day) == (1, 1) and date.year in page.copyright_years:
        return "copyright year"
    return f"wrong element ({source})" if source else "wrong element"


@dataclass(frozen=True)
class Score:
    exact: int
    near: int
    undated: int
    total: int

    @classmethod
    def of(cls, dates: list[tuple[datetime.date | None, datetime.date]]) -> Score:
        return cls(
            exact=sum(d == gold for d, gold in dates),
            near=sum(d is not None and abs((d - gold).days) <= 1 for d, gold in dates),
            undated=sum(d is None for d, _ in dates),
            total=len(dates),
        )

    def percent(self, count: int) -> float:
        return 100 * count / self.total


def run(eval_dir: Path, workers: int) -> list[Dated]:
    gold = json.loads((eval_dir / "gold.json").read_text(encoding="utf-8"))
    jobs = [(url, str(eval_dir / entry["file"]), entry["date"]) for url, entry in gold.items()]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_up) as pool:
        futures = [pool.submit(date_page, *job) for job in jobs]
        return [future.result() for future in futures]


def report(pages: list[Dated], eval_dir: Path, workers: int, list_errors: bool) -> str:
    ours = Score.of([(p.ours, p.gold) for p in pages])
    theirs = Score.of([(p.theirs, p.gold) for p in pages])
    lines = [
        f"Publication dates of {len(pages)} URLs ({eval_dir}), against the date a person read off each page",
        "",
        f"{'':36}{'to the day':>16}{'within one day':>18}{'undated':>9}",
    ]
    for name, score in (("ours (archiver.pubdate)", ours), ("htmldate find_date (the baseline)", theirs)):
        lines.append(f"{name:36}{score.exact:>6} {score.percent(score.exact):6.1f} %"
                     f"{score.near:>8} {score.percent(score.near):6.1f} %{score.undated:>9}")
    exact_gain = ours.percent(ours.exact) - theirs.percent(theirs.exact)
    near_gain = ours.percent(ours.near) - theirs.percent(theirs.near)
    lines.append(f"{'difference, percentage points':36}{exact_gain:>+14.1f}{near_gain:>+18.1f}")

    lines += ["", "Our errors by cause (htmldate's in brackets):"]
    our_causes = Counter(cause(p.ours, p, p.source) for p in pages if p.ours != p.gold)
    their_causes = Counter(cause(p.theirs, p, None) for p in pages if p.theirs != p.gold)
    for name, count in our_causes.most_common():
        lines.append(f"  {count:4}  {name}")
    lines.append("  (" + ", ".join(f"{name}: {count}" for name, count in their_causes.most_common()) + ")")
    both = sum(p.ours != p.gold and p.theirs != p.gold for p in pages)
    lines.append(f"  wrong for both: {both}; only ours: {sum(p.ours != p.gold for p in pages) - both}; "
                 f"only htmldate's: {sum(p.theirs != p.gold for p in pages) - both}")

    ours_ms = [1000 * p.ours_seconds for p in pages]
    theirs_ms = [1000 * p.theirs_seconds for p in pages]
    lines += [
        "",
        f"CPU time per page ({workers} processes; ours includes parsing the page, as htmldate's does):",
        f"  ours      mean {statistics.mean(ours_ms):5.1f} ms, median {statistics.median(ours_ms):5.1f} ms",
        f"  htmldate  mean {statistics.mean(theirs_ms):5.1f} ms, median {statistics.median(theirs_ms):5.1f} ms",
    ]
    if list_errors:
        lines += ["", "Our errors (gold, ours, source, htmldate's, URL):"]
        for page in sorted((p for p in pages if p.ours != p.gold), key=lambda p: cause(p.ours, p, p.source)):
            lines.append(f"  {page.gold}  {page.ours or '-'!s:10}  {page.source or '-':7}  "
                         f"{page.theirs or '-'!s:10}  {cause(page.ours, page, page.source):51}  {page.url}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dates", description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL,
                        help=f"the evaluation set (default {DEFAULT_EVAL})")
    parser.add_argument("--errors", action="store_true", help="list every page we date wrongly")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    args = parser.parse_args(argv)
    if not (args.eval / "gold.json").is_file():
        print(f"bench.dates: no gold.json in {args.eval}; pass the evaluation set with --eval PATH",
              file=sys.stderr)
        return 2
    pages = run(args.eval, args.workers)
    print(report(pages, args.eval, args.workers, args.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
