"""The report: report.json, report.md, report.html and links.csv from a Report.

Input is :class:`archiver.analysis.model.Report` only. Each format has its
own module; :func:`write_report` writes all four files, each atomically.
"""

from __future__ import annotations

from pathlib import Path

from archiver.analysis.model import Report
from archiver.report._common import write_atomic
from archiver.report.csv import render_csv
from archiver.report.html import render_html
from archiver.report.json import render_json, report_to_dict
from archiver.report.markdown import render_markdown

__all__ = ["FILES", "report_to_dict", "write_report"]

FILES = (
    ("report.json", render_json),
    ("report.md", render_markdown),
    ("report.html", render_html),
    ("links.csv", render_csv),
)


def write_report(report: Report, directory: Path) -> list[Path]:
    """Write the four report files into ``directory`` (created if needed); return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # Render everything first, so an error leaves no half-written set.
    rendered = [(directory / name, render(report)) for name, render in FILES]
    return [write_atomic(path, text) for path, text in rendered]
