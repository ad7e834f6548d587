"""report.md: the report as Markdown for a newsroom.

Everything that comes from the web or from seeds goes through :func:`md`,
which escapes Markdown syntax and turns ``<`` and ``>`` into entities, so
that no text can become a heading, a link, a table cell break or raw HTML.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from archiver.analysis.model import (
    ArticleReport,
    LinkReport,
    PageRendering,
    Report,
    RunChanges,
    TextComparison,
    TextSource,
    Verdict,
)
from archiver.report._common import (
    CACHE_SIZE,
    ESCAPED,
    clean,
    completeness_line,
    confirmation_mark,
    findings_of,
    format_similarity,
    history_notes,
    human_datetime,
    iso_date,
    network_line,
    replay_summary,
    shorten,
)
from archiver.report.json import summarize

MAX_PARAGRAPHS = 10
PARAGRAPH_CHARS = 200

_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LIST_NUMBER = re.compile(r"^(\d+)([.)])")


def md(text: object) -> str:
    """Untrusted text as inert Markdown on a single line."""
    return _md("" if text is None else str(text))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _md(text: str) -> str:
    text = clean(text)
    text = _ENTITY.sub("&amp;", text)
    text = _SPECIAL.sub(r"\\\1", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    # Characters that mean something only at the start of a line.
    if text[:1] in ("-", "+", "="):
        text = "\\" + text
    text = _LIST_NUMBER.sub(r"\1\\\2", text)
    return text


def _cell(text: object) -> str:
    value = md(text)
    return value if value else "—"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _flags(link: LinkReport) -> str:
    flags = []
    if link.date_mismatch:
        flags.append("**DATE AFTER ARTICLE**")
    if link.title_mismatch:
        flags.append("**TITLE MISMATCH**")
    return ", ".join(flags) if flags else "—"


def _verdict(link: LinkReport) -> str:
    if link.verdict != Verdict.DEAD:
        return md(link.verdict)
    mark = confirmation_mark(link)
    return f"**{md(link.verdict).upper()}**" + (f" ({mark})" if mark else "")


def _link_summary(link: LinkReport) -> str:
    parts = [f"{md(link.status)}, {_verdict(link)}"]
    if link.http_status is not None:
        parts.append(f"HTTP {link.http_status}")
    if link.final_url and link.final_url != link.url:
        parts.append(f"now at {md(link.final_url)}")
    if link.redirects:
        parts.append(f"{len(link.redirects)} redirect(s)")
    if link.title:
        parts.append(f"title “{md(shorten(link.title))}”")
    if link.detail:
        parts.append(f"detail: {md(shorten(link.detail))}")
    if link.warc is not None:
        parts.append(f"WARC {md(link.warc.filename)} @ {link.warc.offset}")
    parts += [md(note) for note in history_notes(link)]
    if link.archived_copy is not None:
        parts.append(f"archived copy of {iso_date(link.archived_copy.captured.date())}: "
                     f"{md(link.archived_copy.url)}")
    return "; ".join(parts)


def _paragraphs(label: str, paragraphs: tuple[str, ...]) -> list[str]:
    if not paragraphs:
        return []
    lines = [f"  - {label} ({len(paragraphs)}):"]
    for paragraph in paragraphs[:MAX_PARAGRAPHS]:
        lines.append(f"    - “{md(shorten(paragraph, PARAGRAPH_CHARS))}”")
    if len(paragraphs) > MAX_PARAGRAPHS:
        lines.append(f"    - … and {len(paragraphs) - MAX_PARAGRAPHS} more")
    return lines


def _comparison(comparison: TextComparison) -> list[str]:
    lines = [
        f"- **{md(comparison.seed)}** against **{md(comparison.other)}**: "
        f"{md(comparison.verdict)}, similarity {format_similarity(comparison.similarity) or '—'}"
    ]
    lines += _paragraphs("Missing from the other text", comparison.missing_paragraphs)
    lines += _paragraphs("Added in the other text", comparison.added_paragraphs)
    return lines


def _link_row(index: int, link: LinkReport) -> list[str]:
    date = iso_date(link.date)
    if date and link.date_source:
        date += f" ({md(link.date_source)})"
    return [
        str(index),
        _cell(link.status),
        _verdict(link),
        "—" if link.http_status is None else str(link.http_status),
        date or "—",
        _flags(link),
        _cell(link.url),
        _cell(link.anchor_text),
        _cell("; ".join(history_notes(link))),
    ]


def _rendering(rendering: PageRendering) -> str:
    shot = rendering.screenshot
    parts = [f"{md(shot.uri)} in {md(shot.location.filename)} at offset {shot.location.offset}" if shot
             else "none: the browser failed before taking it"]
    if rendering.text_from == TextSource.RENDERED_DOM:
        parts.append("text read from the browser's DOM (the HTML has no article text of its own)")
    parts += [f"browser {md(kind)}: {md(message)}" for kind, message in rendering.failures]
    return "; ".join(parts)


def _replay_rendering(rendering: PageRendering) -> str:
    """The replay check's screenshot and how alike it is to the crawl's, or why that is not told."""
    if rendering.replay_similarity is None:
        return md(rendering.replay_similarity_unavailable or "no similarity")
    shot = rendering.replay_screenshot
    place = f"{md(shot.uri)} in {md(shot.location.filename)} at offset {shot.location.offset}; " if shot else ""
    return f"{place}pixel similarity with the crawl's screenshot {rendering.replay_similarity:.1%}"


def _article(number: int, article: ArticleReport, grace_days: int) -> list[str]:
    lines = [f"## {number}. {md(article.title) or '(untitled)'}", ""]
    lines.append(f"- **URL:** {md(article.url) or '(unknown)'}")
    if article.seeds:
        lines.append("- **Seeds:** " + ", ".join(md(seed) for seed in article.seeds))
    published = iso_date(article.published) or "unknown"
    if article.published_source:
        published += f" (source: {md(article.published_source)})"
    lines.append(f"- **Published:** {published}")
    if article.original is not None:
        lines.append(f"- **Original page:** {_link_summary(article.original)}")
    if article.text_verdict is not None or article.text_similarity is not None:
        lines.append(
            f"- **Text:** {md(article.text_verdict) or '—'}, "
            f"similarity {format_similarity(article.text_similarity) or '—'}"
        )
    elif article.text_unavailable:
        lines.append(f"- **Text:** {md(article.text_unavailable)}")
    if article.requisites is not None:
        lines.append(f"- **Page requisites:** {completeness_line(article.requisites)}")
    elif article.requisites_unavailable:
        lines.append(f"- **Page requisites:** {md(article.requisites_unavailable)}")
    if article.replay is not None:
        lines.append(f"- **Replay:** {md(replay_summary(article.replay))}")
    else:
        lines.append(f"- **Replay:** {md(article.replay_unavailable)}")
    if article.rendering is not None:
        lines.append(f"- **Screenshot:** {_rendering(article.rendering)}")
        lines.append(f"- **Replay's screenshot:** {_replay_rendering(article.rendering)}")
    lines.append("")
    if article.requisites is not None and article.requisites.problems:
        lines += [f"### Page requisites not archived ({len(article.requisites.problems)})", ""]
        lines += _table(["State", "URL", "Reason", "Record"], [
            [_cell(p.state), _cell(p.url), _cell(shorten(p.reason)),
             "—" if p.warc is None else f"{md(p.warc.filename)} @ {p.warc.offset}"]
            for p in article.requisites.problems])
        lines.append("")

    if article.replay is not None and (article.replay.missing or article.replay.escaped):
        lines += ["### Missing in replay", ""]
        lines += [f"- {md(m.url)}: {md(m.why)}" for m in article.replay.missing]
        lines += [f"- {md(url)}: {md(ESCAPED)}" for url in article.replay.escaped]
        lines.append("")
    if article.replay is not None and article.replay.skipped:
        lines += ["### Asked for in replay, skipped on purpose", ""]
        lines += [f"- {md(m.url)}: {md(m.why)}" for m in article.replay.skipped]
        lines.append("")

    if article.comparisons:
        lines += ["### Text comparisons", ""]
        for comparison in article.comparisons:
            lines += _comparison(comparison)
        lines.append("")

    if article.date_findings:
        lines += ["### Date findings", ""]
        lines += [f"- {md(finding)}" for finding in article.date_findings]
        lines.append("")

    lines += [f"### Links ({len(article.links)})", ""]
    if article.links:
        mismatches = sum(1 for link in article.links if link.date_mismatch)
        if mismatches:
            lines += [
                f"**{mismatches} link(s) dated after the article** "
                f"(more than {grace_days} day(s) after its publication date).",
                "",
            ]
        lines += _table(
            ["#", "Status", "Verdict", "HTTP", "Date", "Flags", "URL", "Anchor text", "History"],
            [_link_row(i, link) for i, link in enumerate(article.links, 1)],
        )
    else:
        lines.append("No links.")
    lines.append("")
    return lines


CHANGE_LISTS = (
    ("newly_dead", "Newly dead links"),
    ("revived", "Revived links"),
    ("text_changed", "Articles whose text changed"),
    ("new_date_mismatches", "New links dated after their article"),
)


def _changes(changes: RunChanges) -> list[str]:
    lines = ["## Changes since the previous run", ""]
    of = f" of {md(changes.series)}" if changes.series else ""
    if changes.previous_run is None:
        lines.append(f"No previous run{of} is recorded: this is the first.")
    else:
        lines.append(f"Previous run{of}: {human_datetime(changes.previous_run)}.")
    lines.append("")
    if not any(getattr(changes, name) for name, _ in CHANGE_LISTS):
        return lines + ["No changes.", ""]
    for name, label in CHANGE_LISTS:
        urls = getattr(changes, name)
        lines.append(f"- **{label}:** {len(urls)}")
        lines += [f"  - {md(url)}" for url in urls]
    lines.append("")
    return lines


def dead_rows(label: str, counts: dict[str, Any]) -> list[list[str]]:
    """The summary's split of dead links, or why there is none."""
    if counts["confirmation_unavailable"]:
        return [[f"{label} confirmed", md(counts["confirmation_unavailable"])]]
    return [[f"{label} confirmed", str(counts["confirmed"])],
            [f"{label} awaiting confirmation", str(counts["awaiting_confirmation"])]]


def _record(link: LinkReport) -> str:
    return "no record" if link.warc is None else f"WARC {md(link.warc.filename)} @ {link.warc.offset}"


def _findings(report: Report) -> list[str]:
    """The findings first, in report.html's order, each with its evidence."""
    found = findings_of(report)
    lines = ["## Findings", ""]
    lines += [
        f"- **{len(found.dead)}** dead links",
        f"- **{len(found.dated_after)}** links dated after their article",
        f"- **{len(found.changed_copies)}** seed copies that no longer match",
        f"- **{len(found.title_mismatches)}** title mismatches",
        f"- **{len(report.integrity)}** integrity problems",
        f"- **{len(report.skipped_seeds)}** skipped seeds",
        "",
    ]
    if found.dead:
        lines += ["### Dead links", ""]
        lines += [f"- article {n}: {md(link.url)}: {md(link.status)}"
                  + (f" (HTTP {link.http_status})" if link.http_status else "")
                  + (f"; {md(shorten(link.detail))}" if link.detail else "") + f"; {_record(link)}"
                  for n, link in found.dead]
        lines.append("")
    if found.dated_after:
        lines += ["### Links dated after their article", ""]
        lines += [f"- article {n}: {md(link.url)}: dated {iso_date(link.date)} ({md(link.date_source)}), "
                  f"article published {iso_date(article.published)} ({md(article.published_source)}); "
                  f"{_record(link)}" for n, article, link in found.dated_after]
        lines.append("")
    if found.changed_copies:
        lines += ["### Seed copies that no longer match", ""]
        for n, comparison in found.changed_copies:
            lines += [f"- article {n}:"] + ["  " + line for line in _comparison(comparison)]
        lines.append("")
    if found.title_mismatches:
        lines += ["### Title mismatches", ""]
        lines += [f"- article {n}: {md(link.url)}: anchor “{md(link.anchor_text)}”, title “{md(link.title)}”; "
                  f"{_record(link)}" for n, link in found.title_mismatches]
        lines.append("")
    if report.skipped_seeds:
        lines += ["### Skipped seeds", ""]
        lines += [f"- {md(name)}: {md(reason)}" for name, reason in report.skipped_seeds]
        lines.append("")
    return lines


def render_markdown(report: Report) -> str:
    summary = summarize(report)
    lines = ["# News archive report", ""]
    lines.append(f"Generated {human_datetime(report.generated)}.")
    lines.append("")
    if report.network_reachable:
        lines.append(f"{network_line(report).capitalize()}.")
    else:
        lines.append(
            "> **⚠ The network was unreachable during this run: link verdicts are uncertain "
            "and do not show that a page is gone.**"
        )
    lines.append("")
    lines += _findings(report)
    if report.notes:
        lines += ["## Notes", ""]
        lines += [f"- {md(note)}" for note in report.notes]
        lines.append("")
    if report.archives:
        lines += ["## Archives", ""]
        lines += [f"- {md(name)}" for name in report.archives]
        lines.append("")

    lines += ["## Summary", ""]
    rows = [
        ["Articles", str(summary["articles"])],
        ["Links", str(summary["links"])],
    ]
    rows += [[f"Links {md(verdict)}", str(count)] for verdict, count in summary["verdicts"].items()]
    rows += dead_rows("Dead links", summary["dead_links"])
    rows += [[f"Status {md(status)}", str(count)] for status, count in summary["statuses"].items()]
    rows += [
        ["Links dated after their article", str(summary["date_mismatches"])],
        ["Title mismatches", str(summary["title_mismatches"])],
        ["Integrity problems", str(summary["integrity_problems"])],
    ]
    rows += [[f"Page requisites {name}", str(count)] for name, count in summary["requisites"].items()]
    lines += _table(["Count", "Number"], rows)
    lines.append("")

    if report.changes is not None:
        lines += _changes(report.changes)

    for number, article in enumerate(report.articles, 1):
        lines += _article(number, article, report.date_grace_days)

    lines += ["## Archive integrity", ""]
    if report.integrity:
        lines += _table(
            ["File", "Offset", "Problem"],
            [
                [_cell(p.filename), "—" if p.offset is None else str(p.offset), _cell(p.problem)]
                for p in report.integrity
            ],
        )
    else:
        lines.append("No problems found.")
    lines.append("")
    return "\n".join(lines)
