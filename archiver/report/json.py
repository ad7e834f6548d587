"""report.json: the machine-readable document (schema ``SCHEMA_VERSION``)."""

from __future__ import annotations

import json
from typing import Any

from archiver.analysis.model import (
    LINK_STATUSES,
    SCHEMA_VERSION,
    TEXT_VERDICTS,
    VERDICTS,
    ArticleReport,
    Completeness,
    IntegrityProblem,
    LinkReport,
    PageRendering,
    RecordRef,
    Report,
    RunChanges,
    TextComparison,
    Verdict,
)
from archiver.report._common import iso_date, iso_datetime, optional_datetime, round_float
from archiver.warc.replaycheck import ArticleReplay


def link_to_dict(link: LinkReport) -> dict[str, Any]:
    return {
        "url": link.url,
        "anchor_text": link.anchor_text,
        "found_in": list(link.found_in),
        "status": link.status,
        "verdict": link.verdict,
        "http_status": link.http_status,
        "final_url": link.final_url,
        "redirects": list(link.redirects),
        "date": iso_date(link.date),
        "date_source": link.date_source,
        "date_mismatch": bool(link.date_mismatch),
        "title_mismatch": None if link.title_mismatch is None else bool(link.title_mismatch),
        "warc": None if link.warc is None else {
            "filename": link.warc.filename,
            "offset": int(link.warc.offset),
        },
        "url_date": iso_date(link.url_date),
        "page_date": iso_date(link.page_date),
        "page_date_source": link.page_date_source,
        "title": link.title,
        "detail": link.detail,
        # The WARC-Date of the record in ``warc`` when it is a response (null for a fetch failure).
        "captured": optional_datetime(link.captured),
        "date_unavailable": link.date_unavailable,  # why "date" is null
        # From the history of earlier runs: null when no history is kept (the
        # summary's dead_links says so); confirmed is null for a link not dead.
        "confirmed": None if link.confirmed is None else bool(link.confirmed),
        "confirmation": link.confirmation,
        "first_seen": optional_datetime(link.first_seen),
        "last_alive": optional_datetime(link.last_alive),
        "failing_since": optional_datetime(link.failing_since),
        "consecutive_failures": None if link.consecutive_failures is None else int(link.consecutive_failures),
        "revived": bool(link.revived),
        "archived_copy": None if link.archived_copy is None else {
            "url": link.archived_copy.url,
            "captured": optional_datetime(link.archived_copy.captured),
            "source": link.archived_copy.source,
        },
    }


def comparison_to_dict(comparison: TextComparison) -> dict[str, Any]:
    return {
        "seed": comparison.seed,
        "other": comparison.other,
        "similarity": round_float(comparison.similarity),
        "verdict": comparison.verdict,
        "missing_paragraphs": list(comparison.missing_paragraphs),
        "added_paragraphs": list(comparison.added_paragraphs),
    }


def completeness_to_dict(completeness: Completeness | None) -> dict[str, Any] | None:
    if completeness is None:
        return None
    return {
        **requisite_counts([completeness]),
        "problems": [{
            "url": problem.url,
            "state": problem.state,
            "reason": problem.reason,
            "warc": None if problem.warc is None else {
                "filename": problem.warc.filename, "offset": int(problem.warc.offset)},
        } for problem in completeness.problems],
    }


def requisite_counts(figures: list[Completeness]) -> dict[str, int]:
    """Requisites found, archived, failed, skipped and missing, added up."""
    return {
        "found": sum(c.found for c in figures),
        "archived": sum(c.archived for c in figures),
        "failed": sum(c.failed for c in figures),
        "skipped": sum(c.skipped for c in figures),
        "missing": sum(c.missing for c in figures),
    }


def record_to_dict(record: RecordRef | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"uri": record.uri, "file": record.location.filename, "offset": record.location.offset,
            "bytes": record.length}


def rendering_to_dict(rendering: PageRendering | None) -> dict[str, Any] | None:
    if rendering is None:
        return None
    return {
        "screenshot": record_to_dict(rendering.screenshot),
        "thumbnail": record_to_dict(rendering.thumbnail),
        "rendered_dom": record_to_dict(rendering.rendered_dom),
        "text_from": rendering.text_from,
        "failures": [{"kind": kind, "message": message} for kind, message in rendering.failures],
        "replay_screenshot": record_to_dict(rendering.replay_screenshot),
        "replay_similarity": round_float(rendering.replay_similarity),
        "replay_similarity_unavailable": rendering.replay_similarity_unavailable,  # why it is null
    }


def article_to_dict(article: ArticleReport) -> dict[str, Any]:
    return {
        "url": article.url,
        "seeds": list(article.seeds),
        "title": article.title,
        "published": iso_date(article.published),
        "published_source": article.published_source,
        "original": None if article.original is None else link_to_dict(article.original),
        "text_similarity": round_float(article.text_similarity),
        "text_verdict": article.text_verdict,
        "text_unavailable": article.text_unavailable,  # why text_verdict is null
        "links": [link_to_dict(link) for link in article.links],
        "comparisons": [comparison_to_dict(c) for c in article.comparisons],
        "date_findings": list(article.date_findings),
        "live_text_fingerprint": article.live_text_fingerprint,
        "requisites": completeness_to_dict(article.requisites),
        "requisites_unavailable": article.requisites_unavailable,  # why requisites is null
        "replay_check": replay_to_dict(article.replay),
        "replay_unavailable": None if article.replay is not None else article.replay_unavailable,
        "rendering": rendering_to_dict(article.rendering),  # null: not rendered (ARCHIVER_BROWSER off)
    }


def replay_to_dict(replay: ArticleReplay | None) -> dict[str, Any] | None:
    """What the article's replay through pywb asked for: answered from the archive, missing, escaping."""
    if replay is None:
        return None
    return {
        "checked_at": replay.checked_at or None, "timestamp": replay.timestamp or None,
        "replay": replay.replay or None, "complete": replay.complete,
        "not_judged": replay.error,  # why the page was not (fully) judged, else null
        "archived_count": len(replay.archived), "missing_count": len(replay.missing),
        "escaped_count": len(replay.escaped), "archived": list(replay.archived),
        "missing": [{"url": m.url, "status": m.status, "why": m.why} for m in replay.missing],
        "escaped": list(replay.escaped),
        # Not archived on purpose (a requisite over ARCHIVER_REQUISITE_MAXSIZE): not a gap of the archive.
        "skipped_count": len(replay.skipped),
        "skipped": [{"url": m.url, "status": m.status, "why": m.why} for m in replay.skipped],
    }


def changes_to_dict(changes: RunChanges | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "series": changes.series,
        "previous_run": optional_datetime(changes.previous_run),
        "newly_dead": list(changes.newly_dead),
        "revived": list(changes.revived),
        "text_changed": list(changes.text_changed),
        "new_date_mismatches": list(changes.new_date_mismatches),
    }


def integrity_to_dict(problem: IntegrityProblem) -> dict[str, Any]:
    return {
        "filename": problem.filename,
        "offset": None if problem.offset is None else int(problem.offset),
        "problem": problem.problem,
    }


def _counts(values: list[str], vocabulary: tuple[str, ...]) -> dict[str, int]:
    """Counts in vocabulary order (every known key present), then unknown values sorted."""
    counts = {key: 0 for key in vocabulary}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    known = {key: counts[key] for key in vocabulary}
    extra = {key: counts[key] for key in sorted(set(counts) - set(vocabulary), key=str)}
    return {**known, **extra}


NO_HISTORY = "no history kept: dead links cannot be confirmed"


def dead_counts(links: list[LinkReport], history_kept: bool) -> dict[str, Any]:
    """This run's dead links split into confirmed and awaiting confirmation; without a history, why not."""
    dead = [link for link in links if link.verdict == Verdict.DEAD]
    if not history_kept:
        return {"confirmed": None, "awaiting_confirmation": None, "confirmation_unavailable": NO_HISTORY}
    confirmed = sum(1 for link in dead if link.confirmed)
    return {"confirmed": confirmed, "awaiting_confirmation": len(dead) - confirmed, "confirmation_unavailable": None}


def summarize(report: Report) -> dict[str, Any]:
    """Counts over the articles' links (the original pages are counted apart)."""
    links = [link for article in report.articles for link in article.links]
    originals = [a.original for a in report.articles if a.original is not None]
    history_kept = report.changes is not None
    return {
        "articles": len(report.articles),
        "links": len(links),
        "originals": len(originals),
        "verdicts": _counts([link.verdict for link in links], VERDICTS),
        "dead_links": dead_counts(links, history_kept),
        "statuses": {k: v for k, v in _counts([link.status for link in links], LINK_STATUSES).items() if v},
        "original_verdicts": _counts([link.verdict for link in originals], VERDICTS),
        "dead_originals": dead_counts(originals, history_kept),
        "text_verdicts": {
            k: v
            for k, v in _counts(
                [a.text_verdict for a in report.articles if a.text_verdict is not None], TEXT_VERDICTS
            ).items()
            if v
        },
        "date_mismatches": sum(1 for link in links if link.date_mismatch),
        "title_mismatches": sum(1 for link in links if link.title_mismatch),
        "integrity_problems": len(report.integrity),
        "requisites": requisite_counts([a.requisites for a in report.articles if a.requisites is not None]),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "generated": iso_datetime(report.generated),
        "network_reachable": bool(report.network_reachable),
        "date_grace_days": int(report.date_grace_days),
        "archives": list(report.archives),
        "notes": list(report.notes),
        "summary": summarize(report),
        "changes": changes_to_dict(report.changes),
        "articles": [article_to_dict(article) for article in report.articles],
        "integrity": [integrity_to_dict(problem) for problem in report.integrity],
        "skipped_seeds": [{"name": name, "reason": reason} for name, reason in report.skipped_seeds],
    }


# json.dumps with indent runs the pure-Python encoder: 8 s for 66,000 links.
# Instead the outer levels are indented by hand and everything from a
# link down is written on one line by the C encoder: as fast, and a
# link per line is what one greps for anyway.
_compact = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": ")).encode
ONE_LINE_FROM_DEPTH = 4  # report > articles > article > links > link


def _layout(value: Any, depth: int = 0) -> str:
    if depth >= ONE_LINE_FROM_DEPTH or not isinstance(value, (dict, list)) or not value:
        return _compact(value)
    close, indent = "\n" + "  " * depth, "\n" + "  " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{indent}{_compact(key)}: {_layout(item, depth + 1)}" for key, item in value.items()]
        return "{" + ",".join(items) + close + "}"
    return "[" + ",".join(f"{indent}{_layout(item, depth + 1)}" for item in value) + close + "]"


def render_json(report: Report) -> str:
    return _layout(report_to_dict(report)) + "\n"
