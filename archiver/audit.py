"""Audit WARC files: read, analyse, report. Shared by every entry point.

``scrapy audit``, the ``archiver audit`` console script and the report at
the end of ``scrapy crawl seeds`` all go through :func:`run_audit`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.analysis.analyse import AnalysisOptions, analyse
from archiver.analysis.model import Report, TextVerdict, Verdict
from archiver.findings import DEFAULT_KINDS, EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE, FINDING_KINDS, FindingKind
from archiver.report import write_report
from archiver.seeds import SeedDocument, load_seeds
from archiver.warc.index import ArchiveIndex
from archiver.warc.reader import read_archives, warc_files

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditResult:
    report: Report | None
    report_dir: Path | None
    findings: tuple[str, ...]
    errors: tuple[str, ...]  # inputs that could not be used at all
    exit_status: int


def classified_findings(report: Report) -> list[tuple[FindingKind, str]]:
    """(kind, line) for every finding; each line names a URL or a file."""
    out = [(FindingKind.INTEGRITY, f"integrity: {p.filename}"
            + (f" at offset {p.offset}" if p.offset is not None else "") + f": {p.problem}")
           for p in report.integrity]
    for article in report.articles:
        name = article.url or ", ".join(article.seeds)
        if article.text_verdict not in (None, TextVerdict.UNCHANGED):
            out.append((FindingKind.DRIFT, f"text {article.text_verdict} ({article.text_similarity:.2f}): {name}"))
        links = ([article.original] if article.original else []) + list(article.links)
        for link in links:
            if link.verdict == Verdict.DEAD:
                out.append((FindingKind.DEAD, f"dead ({link.status}): {link.url}"))
                if link.confirmed:
                    out.append((FindingKind.CONFIRMED, f"confirmed dead ({link.status}): {link.url}"))
            if link.date_mismatch:
                out.append((FindingKind.DATE_MISMATCH,
                            f"date mismatch ({link.date} after {article.published}): {link.url}"))
            if link.title_mismatch:
                out.append((FindingKind.TITLE_MISMATCH,
                            f"title mismatch ({link.title!r} for {link.anchor_text!r}): {link.url}"))
    changes = report.changes
    if changes is not None:
        out += [(FindingKind.NEW, f"newly dead: {url}") for url in changes.newly_dead]
        out += [(FindingKind.NEW, f"new date mismatch: {url}") for url in changes.new_date_mismatches]
        out += [(FindingKind.NEW, f"text changed since the last capture: {url}") for url in changes.text_changed]
    return out


def uncertain_links(report: Report) -> list[tuple[FindingKind, str]]:
    # Not a finding by default (one run cannot tell), but --fail-on may ask for it.
    return [(FindingKind.UNCERTAIN, f"uncertain ({link.status}): {link.url}")
            for article in report.articles
            for link in ([article.original] if article.original else []) + list(article.links)
            if link.verdict == Verdict.UNCERTAIN]


def selected_findings(report: Report, fail_on: frozenset[FindingKind] | None = None) -> list[tuple[FindingKind, str]]:
    """(kind, line) of the findings an audit exits 1 for: the kinds of --fail-on, else DEFAULT_KINDS."""
    if fail_on is None:
        return [(kind, line) for kind, line in classified_findings(report) if kind in DEFAULT_KINDS]
    return [(kind, line) for kind, line in classified_findings(report) + uncertain_links(report) if kind in fail_on]


def findings(report: Report) -> list[str]:
    """What makes an audit exit with 1 unless --fail-on says otherwise."""
    return [line for _, line in selected_findings(report)]


def parse_fail_on(value: str | None) -> frozenset[FindingKind] | None:
    """``dead,date_mismatch,new`` -> the kinds; None when not given."""
    if value is None:
        return None
    kinds = frozenset(k.strip() for k in value.split(",") if k.strip())
    unknown = kinds - set(FINDING_KINDS) - {"any"}
    if unknown or not kinds:
        raise ValueError(f"--fail-on takes a comma-separated list of {', '.join(FINDING_KINDS)} or any; "
                         f"got {value!r}")
    return frozenset(FINDING_KINDS) if "any" in kinds else frozenset(map(FindingKind, kinds))


def failing(report: Report, fail_on: frozenset[FindingKind]) -> list[str]:
    """The findings of the kinds asked for."""
    return [line for _, line in selected_findings(report, fail_on)]


def unwritable_folder(folder: Path) -> str | None:
    """Why a report could not be written into ``folder`` (made when missing), else None; nothing is created.

    Asked before the archives are read or the crawl fetches: a report that
    cannot be written is better known before the minutes its work takes.
    """
    existing = Path(folder)
    try:
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        if not existing.is_dir():
            return f"{existing} is not a folder"
    except OSError as error:  # a name too long, a loop of links…
        return error.strerror or str(error)
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


class _Progress:
    """A progress bar on a terminal, nothing elsewhere."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="B", unit_scale=True, desc="reading", file=sys.stderr)

    def update(self, amount: int) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


DEFAULT_OPTIONS = AnalysisOptions()  # frozen: one instance serves as every default


def run_audit(paths: Sequence[str | Path], *, seeds: str | Path | None = None,
              output: Path, options: AnalysisOptions = DEFAULT_OPTIONS,
              progress: bool = False, fail_on: frozenset[FindingKind] | None = None,
              history=None, originals=None, notes: Sequence[str] = (),
              known: Mapping[Path, ArchiveIndex] | None = None) -> AuditResult:
    """Read, check and analyse the archives; write the report.

    ``history(report) -> report`` adds the history's fields; ``originals(url,
    digest)`` gives places where a revisit's original may be found besides
    the files read (the history's capture locations). ``notes`` are added
    to the report's run-level notes (a crawl that was interrupted).
    ``known``: indexes of files read already by the crawl's writer
    (:mod:`archiver.warc.readback`), taken instead of reading those files.
    """
    files, errors = warc_files(paths)
    errors = list(errors)
    extra_seeds: list[SeedDocument] = []
    if seeds is not None:
        try:
            extra_seeds, problems = load_seeds(seeds)
        except FileNotFoundError as error:
            errors.append(str(error))
            problems = []
        for problem in problems:
            logger.warning("Skipped seed %s", problem)
    if not files:
        errors.append("no WARC files to read: give .warc or .warc.gz files, or folders holding them")
        return AuditResult(None, None, (), tuple(errors), EXIT_UNREADABLE)
    bar = _Progress(sum(f.stat().st_size for f in files), progress)
    try:
        index = read_archives(files, on_progress=bar.update, workers=options.workers or os.cpu_count() or 1,
                              known=known)
    finally:
        bar.close()
    if len(set(index.unreadable)) == len(files):
        errors.extend(f"{p.filename}: {p.problem}" for p in index.problems if p.offset is None)
        errors.append("no WARC record could be read from any input")
        return AuditResult(None, None, (), tuple(errors), EXIT_UNREADABLE)
    index.locate_original = originals
    report = analyse(index, extra_seeds, options)
    if history is not None:
        report = history(report)
    if notes:
        report = dataclasses.replace(report, notes=(*report.notes, *notes))
    try:
        write_report(report, output)
    except OSError as error:  # checked beforehand, but a disk fills up
        errors.append(f"cannot write the report to {output}: {error.strerror or error}")
        return AuditResult(report, None, (), tuple(errors), EXIT_UNREADABLE)
    found = findings(report) if fail_on is None else failing(report, fail_on)
    status = EXIT_FINDINGS if found or errors else EXIT_CLEAN
    return AuditResult(report, output, tuple(found), tuple(errors), status)
