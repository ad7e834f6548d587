"""What a person reads last: the run in three lines, and where the report is.

``scrapy crawl`` logs these lines when its engine stops, after Scrapy's stats;
``scrapy audit`` and ``archiver audit`` print them on stderr after the
findings. The counts are the report's own: its links are the articles' links,
the articles' pages are counted apart, as in report.md's summary table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from archiver.analysis.model import LinkReport, Report, Verdict
from archiver.audit import selected_findings
from archiver.findings import FindingKind

REPORT_TO_OPEN = "report.html"


def by_verdict(links: Iterable[LinkReport]) -> str:
    """``2 alive, 0 dead, 1 uncertain``: every verdict, zeros too, so the line always reads the same."""
    counts = Counter(link.verdict for link in links)
    return ", ".join(f"{counts[verdict]} {verdict}" for verdict in Verdict)


def summary_lines(report: Report, report_dir: Path, fail_on: frozenset[FindingKind] | None = None) -> list[str]:
    """Articles, links by verdict, findings by kind; then the report's path."""
    seeds = {seed for article in report.articles for seed in article.seeds}
    pages = [article.original for article in report.articles if article.original is not None]
    links = [link for article in report.articles for link in article.links]
    found = Counter(kind for kind, _ in selected_findings(report, fail_on))
    articles = f"Articles: {len(report.articles)}, " + (
        f"from {len(seeds)} seed{'' if len(seeds) == 1 else 's'}" if seeds else "no seeds")
    if pages:
        articles += f"; their pages {by_verdict(pages)}"
    links_line = f"Links: {len(links)}; {by_verdict(links)}"
    if not report.network_reachable:
        links_line += "; the network looked unreachable, so none is called dead"
    findings_line = f"Findings: {sum(found.values())}"
    if found:
        findings_line += "; " + ", ".join(f"{n} {kind}" for kind, n in sorted(found.items(), key=lambda kv: -kv[1]))
    lines = [articles, links_line, findings_line]
    checked = [article.replay for article in report.articles if article.replay is not None]
    if checked:  # only archives that hold replay checks (archiver replay-check, ARCHIVER_REPLAY_CHECK)
        lines.append(f"Replay: {len(checked)} of {len(report.articles)} articles checked; "
                     f"{sum(len(r.missing) for r in checked)} resources missing in replay, "
                     f"{sum(len(r.escaped) for r in checked)} requests leaving the replay server, "
                     f"{sum(1 for r in checked if r.error)} articles not judged"
                     + (f", {skipped} resources skipped by the crawl on purpose (not archived)"
                        if (skipped := sum(len(r.skipped) for r in checked)) else ""))
    return [*lines, f"Report: {Path(report_dir) / REPORT_TO_OPEN}"]
