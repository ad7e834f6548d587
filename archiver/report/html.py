"""report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched).

Every string from the web or from seeds goes through :func:`e`
(``html.escape(..., quote=True)``); only http(s) URLs become links.
A Content-Security-Policy forbids scripts and outside resources as a second
line of defence.
"""

from __future__ import annotations

import base64
import functools
import re
from html import escape

from archiver.analysis.model import (
    SCHEMA_VERSION,
    VERDICTS,
    ArticleReport,
    LinkReport,
    PageRendering,
    RecordRef,
    Report,
    RunChanges,
    TextComparison,
    TextSource,
)
from archiver.report._common import (
    CACHE_SIZE,
    ESCAPED,
    clean,
    completeness_line,
    confirmation_mark,
    elide,
    findings_of,
    format_similarity,
    history_notes,
    human_datetime,
    is_web_url,
    iso_date,
    network_line,
    replay_summary,
    replay_url,
    shorten,
)
from archiver.report.json import summarize
from archiver.report.timeline import render_timeline

MAX_PARAGRAPHS = 10
NOTE_CHARS = 90  # the links table's notes and anchors: the findings above quote in full
PARAGRAPH_CHARS = 200

CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")

STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #222; background: #fff; margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 1360px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .5rem; padding-top: .8rem; border-top: 2px solid #d0d5da; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.meta { color: #555; margin: 0 0 1rem; }
.warning { border: 2px solid #c0392b; background: #fdecea; color: #7b1d13; padding: .7rem 1rem;
           margin: 1rem 0; font-weight: 600; }
.ok-banner { color: #2d6a2d; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .88rem; width: 100%; }
th, td { border: 1px solid #d0d5da; padding: .2rem .4rem; line-height: 1.35; text-align: left; vertical-align: top; }
th { background: #f0f2f4; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
table.summary { width: auto; }
table.summary td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { white-space: nowrap; }
td.url { min-width: 300px; white-space: nowrap; }
span.url { overflow-wrap: anywhere; }
td.status, td.date, td.http { white-space: nowrap; }
ul.counts { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; list-style: none; padding: 0; margin: .5rem 0 1rem; }
ul.counts li { font-size: 1.05rem; }
ul.counts strong { font-size: 1.5rem; margin-right: .3rem; font-variant-numeric: tabular-nums; }
ul.counts li.none { color: #2d6a2d; }
.overview { display: flex; flex-wrap: wrap; gap: 1rem 3rem; align-items: flex-start; }
.bars { min-width: 420px; flex: 1; }
.bar { display: flex; height: 1.1rem; border: 1px solid #d0d5da; margin: .1rem 0 .5rem; }
.bar span { display: block; height: 100%; }
.bar .alive { background: #6aa84f; } .bar .dead { background: #c0392b; } .bar .uncertain { background: #e0b84f; }
del { background: #fdecea; color: #7b1d13; } ins { background: #eaf6ea; color: #1d5c1d; text-decoration: none; }
details.links > summary { cursor: pointer; font-weight: 600; margin: .4rem 0; }
.filter input { margin-left: .8rem; }
.filter input[value="dead"]:checked ~ table tbody tr:not(.verdict-dead),
.filter input[value="uncertain"]:checked ~ table tbody tr:not(.verdict-uncertain),
.filter input[value="alive"]:checked ~ table tbody tr:not(.verdict-alive) { display: none; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0 1rem; }
dl.facts dt { font-weight: 600; color: #444; }
dl.facts dd { margin: 0; word-break: break-word; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .8rem; font-weight: 700;
         border: 1px solid currentColor; white-space: nowrap; }
.verdict-dead .badge.verdict, .badge.dead { color: #a93226; background: #fdecea; }
.badge.alive { color: #2d6a2d; background: #eaf6ea; }
.badge.uncertain { color: #8a6d1a; background: #fdf6e3; }
.badge.confirmation { font-weight: 400; margin-left: .2rem; }
.badge.awaiting-confirmation { color: #8a6d1a; background: #fdf6e3; border-style: dashed; }
tr.verdict-dead { background: #fdf0ee !important; }
tr.verdict-dead td:first-child { border-left: 4px solid #c0392b; }
td.mismatch, span.mismatch { color: #a93226; font-weight: 600; }
.flag { display: inline-block; margin: .1rem .2rem 0 0; padding: 0 .35rem; border-radius: 3px; font-size: .75rem;
        font-weight: 700; color: #fff; background: #c0392b; white-space: nowrap; }
.flag.title { background: #8e5b00; }
figure.timeline { margin: .5rem 0 1rem; overflow-x: auto; }
figure.timeline figcaption { color: #555; font-size: .85rem; }
ul.paragraphs { margin: .2rem 0 .6rem; }
ul.paragraphs li { color: #333; }
.muted { color: #777; }
img.thumb { display: block; width: 320px; max-width: 100%; border: 1px solid #ccc; }
.shots { display: flex; flex-wrap: wrap; gap: 1rem; }
.shots > div { flex: 0 1 340px; }
span.history { color: #8a6d1a; }
tr.revived td:first-child { border-left: 4px solid #2d6a2d; }
footer { margin-top: 3rem; color: #777; font-size: .85rem; }
"""

DASH = '<span class="muted">—</span>'

_CLASS_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def e(text: object) -> str:
    """Escape text for HTML content or a quoted attribute."""
    return _escape("" if text is None else str(text))


_escape = functools.lru_cache(maxsize=CACHE_SIZE)(functools.partial(escape, quote=True))


def _css(value: object) -> str:
    return _CLASS_UNSAFE.sub("-", str(value).lower())


def url_html(url: str | None, text: str | None = None) -> str:
    """A link for an http(s) URL; any other URL (javascript:, data: …) is shown as text.

    A long URL is shown elided in the middle, whole in its tooltip.
    """
    if not url:
        return DASH
    shown = e(text if text is not None else elide(url))
    if is_web_url(url):
        return f'<a class="url" href="{e(url)}" title="{e(url)}" rel="noopener noreferrer nofollow">{shown}</a>'
    return f'<span class="url" title="not a web link: {e(url)}">{shown}</span>'


def _record(link: LinkReport, replay: str | None, short: bool = False) -> str:
    """The WARC record a finding rests on, and its replay when a pywb collection is named.

    ``short`` (the full links table) shows the offset, the file in its tooltip.
    """
    if link.warc is None:
        return '<span class="muted">no record</span>'
    where = f"{e(link.warc.filename)}, offset {int(link.warc.offset)}"
    if short:
        text = f'<span class="mono" title="WARC record {where}">record @{int(link.warc.offset)}</span>'
    else:
        text = f'<span class="mono">{where}</span>'
    target = replay_url(replay, link)
    if target:
        text += f' <a class="replay" href="{e(target)}" rel="noopener noreferrer nofollow">replay</a>'
    return text


def _or_dash(text: object) -> str:
    return DASH if text in (None, "") else e(text)


def _verdict_badge(link: LinkReport) -> str:
    badge = f'<span class="badge verdict {_css(link.verdict)}">{e(link.verdict).upper()}</span>'
    mark = confirmation_mark(link)
    if mark:
        badge += f'<span class="badge confirmation {_css(mark)}">{e(mark)}</span>'
    return badge


def _flags(link: LinkReport) -> str:
    flags = []
    if link.date_mismatch:
        flags.append('<span class="flag date">DATE AFTER ARTICLE</span>')
    if link.title_mismatch:
        flags.append('<span class="flag title">TITLE MISMATCH</span>')
    return "".join(flags) or DASH


def _history_note(note: str) -> str:
    return f'<span class="history">{e(note)}</span>'


def _link_row(index: int | str, link: LinkReport, replay: str | None = None) -> str:
    classes = [f"verdict-{_css(link.verdict)}", f"status-{_css(link.status)}"]
    if link.date_mismatch:
        classes.append("date-mismatch")
    date = iso_date(link.date)
    if date:
        date_cell = e(date)
        if link.date_source:
            date_cell += f' <span class="muted">({e(link.date_source)})</span>'
        if link.date_mismatch:
            date_cell += ' <span class="mismatch">after article</span>'
    else:
        date_cell = DASH
    notes = []
    if link.final_url and link.final_url != link.url:
        notes.append(f"now at {url_html(link.final_url)}")
    if link.redirects:
        notes.append(f"{len(link.redirects)} redirect(s)")
    if link.title:
        notes.append(f"title “{e(shorten(link.title, NOTE_CHARS))}”")
    if link.detail:
        notes.append(e(shorten(link.detail, NOTE_CHARS)))
    if link.warc is not None:
        notes.append(_record(link, replay, short=True))
    notes += [_history_note(note) for note in history_notes(link)]
    if link.archived_copy is not None:
        notes.append(f"archived copy of {e(iso_date(link.archived_copy.captured.date()))}: "
                     f"{url_html(link.archived_copy.url)}")
    if link.revived:
        classes.append("revived")
    return (
        f'<tr class="{" ".join(classes)}">'
        f"<td>{e(index)}</td>"
        f'<td class="status">{e(link.status)}</td>'
        f"<td>{_verdict_badge(link)}</td>"
        f'<td class="http">{_or_dash(link.http_status)}</td>'
        f'<td class="{"mismatch" if link.date_mismatch else "date"}">{date_cell}</td>'
        f"<td>{_flags(link)}</td>"
        f'<td class="url">{url_html(link.url)}</td>'
        f"<td>{_or_dash(shorten(link.anchor_text, NOTE_CHARS))}</td>"
        f"<td>{'; '.join(notes) or DASH}</td>"
        "</tr>"
    )


_LINK_HEADER = (
    "<thead><tr><th>#</th><th>Status</th><th>Verdict</th><th>HTTP</th><th>Date</th><th>Flags</th>"
    "<th>URL</th><th>Anchor text</th><th>Notes</th></tr></thead>"
)


def _paragraphs(label: str, paragraphs: tuple[str, ...], tag: str = "span") -> str:
    """Paragraphs of a diff: ``del`` for those missing from the other text, ``ins`` for those added."""
    if not paragraphs:
        return ""
    items = "".join(f"<li><{tag}>“{e(shorten(p, PARAGRAPH_CHARS))}”</{tag}></li>"
                    for p in paragraphs[:MAX_PARAGRAPHS])
    if len(paragraphs) > MAX_PARAGRAPHS:
        items += f'<li class="muted">… and {len(paragraphs) - MAX_PARAGRAPHS} more</li>'
    return f'<p>{e(label)} ({len(paragraphs)}):</p><ul class="paragraphs">{items}</ul>'


def _comparisons(comparisons: tuple[TextComparison, ...]) -> str:
    if not comparisons:
        return ""
    rows = "".join(
        "<tr>"
        f"<td>{e(c.seed)}</td><td>{e(c.other)}</td><td>{_or_dash(c.verdict)}</td>"
        f"<td>{_or_dash(format_similarity(c.similarity))}</td>"
        f"<td>{_paragraphs('Missing from the other text', c.missing_paragraphs, 'del')}"
        f"{_paragraphs('Added in the other text', c.added_paragraphs, 'ins')}"
        f"{'' if c.missing_paragraphs or c.added_paragraphs else DASH}</td>"
        "</tr>"
        for c in comparisons
    )
    return (
        "<h3>Text comparisons</h3><table class=\"comparisons\"><thead><tr><th>Seed</th><th>Against</th>"
        f"<th>Verdict</th><th>Similarity</th><th>Paragraphs</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _record_place(record: RecordRef) -> str:
    return (f'<span class="mono">{e(record.location.filename)}</span> at offset {int(record.location.offset)}')


def _thumbnail(jpeg: bytes, alt: str) -> str:
    """A size-capped JPEG inline (a data: image, which the report's CSP allows)."""
    data = base64.b64encode(jpeg).decode("ascii")
    return f'<img class="thumb" src="data:image/jpeg;base64,{data}" alt="{e(alt)}">'


def _rendering(rendering: PageRendering) -> str:
    """The page as the browser rendered it: its first screen inline (a data: image), where the records are."""
    parts = []
    if rendering.thumbnail_jpeg:
        parts.append(_thumbnail(rendering.thumbnail_jpeg, "The first screen of the page as the browser rendered it"))
    elif rendering.thumbnail is not None:
        parts.append('<span class="muted">thumbnail over the size the report shows inline</span>')
    if rendering.screenshot is not None:
        parts.append(f"full page: {_record_place(rendering.screenshot)}")
    else:
        parts.append('<span class="muted">no screenshot: the browser failed before taking it</span>')
    if rendering.text_from == TextSource.RENDERED_DOM:
        parts.append("text read from the browser's DOM: the HTML has no article text of its own")
    for kind, message in rendering.failures:
        parts.append(f'<span class="mismatch">browser {e(kind)}: {e(shorten(message))}</span>')
    return "<br>".join(parts)


def _replay_rendering(rendering: PageRendering) -> str:
    """The replay check's first screen beside ours, and how alike the two full pages are."""
    parts = []
    if rendering.replay_thumbnail_jpeg:
        parts.append(_thumbnail(rendering.replay_thumbnail_jpeg,
                                "The first screen of the page as its replay showed it"))
    if rendering.replay_screenshot is not None:
        parts.append(f"full page: {_record_place(rendering.replay_screenshot)}")
    if rendering.replay_similarity is not None:
        parts.append(f"pixel similarity with the crawl's screenshot: {rendering.replay_similarity:.1%}")
    elif rendering.replay_similarity_unavailable:
        parts.append(f'<span class="muted">{e(rendering.replay_similarity_unavailable)}</span>')
    return "<br>".join(parts)


def _article(number: int, article: ArticleReport, grace_days: int, replay: str | None = None) -> str:
    out = [f'<article id="article-{number}">']
    title = e(clean(article.title)) or '<span class="muted">(untitled)</span>'
    out.append(f"<h2>{number}. {title}</h2>")
    facts = [("URL", f'<span class="url">{url_html(article.url)}</span>')]
    if article.seeds:
        facts.append(("Seeds", ", ".join(f'<span class="mono">{e(s)}</span>' for s in article.seeds)))
    published = e(iso_date(article.published) or "unknown")
    if article.published_source:
        published += f' <span class="muted">(source: {e(article.published_source)})</span>'
    facts.append(("Published", published))
    if article.original is not None:
        o = article.original
        text = f"{e(o.status)} {_verdict_badge(o)}"
        if o.http_status is not None:
            text += f" HTTP {int(o.http_status)}"
        if o.final_url and o.final_url != o.url:
            text += f" — now at {url_html(o.final_url)}"
        if o.detail:
            text += f" — {e(shorten(o.detail))}"
        for note in history_notes(o):
            text += f" — {_history_note(note)}"
        facts.append(("Original page", text))
    if article.text_verdict is not None or article.text_similarity is not None:
        facts.append((
            "Text",
            f"{_or_dash(article.text_verdict)}, similarity {_or_dash(format_similarity(article.text_similarity))}",
        ))
    elif article.text_unavailable:
        facts.append(("Text", f'<span class="muted">{e(clean(article.text_unavailable))}</span>'))
    if article.requisites is not None:
        facts.append(("Page requisites", e(completeness_line(article.requisites))))
    elif article.requisites_unavailable:
        facts.append(("Page requisites", f'<span class="muted">{e(clean(article.requisites_unavailable))}</span>'))
    if article.replay is not None:
        facts.append(("Replay", e(replay_summary(article.replay))))
    else:
        facts.append(("Replay", f'<span class="muted">{e(clean(article.replay_unavailable))}</span>'))
    if article.rendering is not None:
        # The crawl's first screen and the replay's side by side.
        facts.append(("Screenshot", f'<div class="shots"><div><strong>Crawl</strong><br>'
                                    f'{_rendering(article.rendering)}</div><div><strong>Replay</strong><br>'
                                    f'{_replay_rendering(article.rendering)}</div></div>'))
    out.append('<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    out.append(_requisite_problems(article))

    dated = [link for link in article.links if link.date is not None]
    mismatches = sum(1 for link in article.links if link.date_mismatch)
    caption = f"{len(dated)} of {len(article.links)} link(s) dated"
    if mismatches:
        caption += (
            f'; <span class="mismatch">{mismatches} dated after the article</span> '
            f"(more than {int(grace_days)} day(s) after publication), shown in red"
        )
    out.append(
        f'<figure class="timeline">{render_timeline(article, grace_days)}'
        f"<figcaption>{caption}.</figcaption></figure>"
    )

    out.append(_comparisons(article.comparisons))
    if article.replay is not None and (article.replay.missing or article.replay.escaped):
        gaps = len(article.replay.missing) + len(article.replay.escaped)
        out.append(f"<h3>Missing in replay ({gaps})</h3><ul>")
        out.extend(f'<li>{url_html(m.url)}: {e(clean(m.why))}</li>' for m in article.replay.missing)
        out.extend(f'<li>{url_html(url)}: {e(ESCAPED)}</li>' for url in article.replay.escaped)
        out.append("</ul>")
    if article.replay is not None and article.replay.skipped:
        out.append(f"<h3>Asked for in replay, skipped on purpose ({len(article.replay.skipped)})</h3><ul>")
        out.extend(f'<li>{url_html(m.url)}: {e(clean(m.why))}</li>' for m in article.replay.skipped)
        out.append("</ul>")
    if article.date_findings:
        out.append("<h3>Date findings</h3><ul>")
        out.extend(f"<li>{e(clean(f))}</li>" for f in article.date_findings)
        out.append("</ul>")

    out.append(f"<h3>Links ({len(article.links)})</h3>")
    if article.links:
        rows = "".join(_link_row(i, link, replay) for i, link in enumerate(article.links, 1))
        out.append(f'<details class="links" open><summary>All {len(article.links)} links</summary>'
                   f'{_filter(number, article.links)}<table class="links">{_LINK_HEADER}<tbody>{rows}</tbody></table>'
                   "</div></details>")
    else:
        out.append('<p class="muted">No links.</p>')
    out.append("</article>")
    return "".join(out)


def _requisite_problems(article: ArticleReport) -> str:
    """The requisites of the article's page that are not archived, each with why and its record."""
    if article.requisites is None or not article.requisites.problems:
        return ""
    rows = "".join(
        f'<tr><td>{e(p.state)}</td><td class="url">{url_html(p.url)}</td><td>{e(shorten(clean(p.reason)))}</td>'
        f'<td class="mono">{DASH if p.warc is None else f"{e(p.warc.filename)} @ {int(p.warc.offset)}"}</td></tr>'
        for p in article.requisites.problems)
    return (f"<h3>Page requisites not archived ({len(article.requisites.problems)})</h3>"
            '<table class="requisites"><thead><tr><th>State</th><th>URL</th><th>Reason</th><th>Record</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>")


def _filter(number: int, links: tuple[LinkReport, ...]) -> str:
    """Radio buttons that show one verdict's rows (plain CSS, no script); opens the div the table closes."""
    counts = {v: sum(1 for link in links if link.verdict == v) for v in VERDICTS}
    choices = [("all", f"all {len(links)}")] + [(str(v), f"{v} {n}") for v, n in counts.items() if n]
    buttons = "".join(
        f'<input type="radio" name="verdicts-{number}" id="verdicts-{number}-{value}" value="{value}"'
        f'{" checked" if value == "all" else ""}><label for="verdicts-{number}-{value}">{e(label)}</label>'
        for value, label in choices
    )
    return f'<div class="filter">Show: {buttons}'


CHANGE_LISTS = (
    ("newly_dead", "Newly dead links"),
    ("revived", "Revived links"),
    ("text_changed", "Articles whose text changed"),
    ("new_date_mismatches", "New links dated after their article"),
)


def _changes(changes: RunChanges) -> str:
    out = ['<section id="changes"><h2>Changes since the previous run</h2>']
    of = f" of {e(changes.series)}" if changes.series else ""
    if changes.previous_run is None:
        out.append(f"<p>No previous run{of} is recorded: this is the first.</p>")
    else:
        out.append(f"<p>Previous run{of}: {e(human_datetime(changes.previous_run))}.</p>")
    if not any(getattr(changes, name) for name, _ in CHANGE_LISTS):
        out.append("<p>No changes.</p>")
    else:
        for name, label in CHANGE_LISTS:
            urls = getattr(changes, name)
            out.append(f'<h3 class="change {_css(name)}">{e(label)}: {len(urls)}</h3>')
            if urls:
                out.append(f'<ul class="change {_css(name)}">')
                out.extend(f"<li>{url_html(url)}</li>" for url in urls)
                out.append("</ul>")
    out.append("</section>")
    return "".join(out)


THE_ARTICLE = ' <span class="muted">(the article itself)</span>'


def _date_read(date: object, source: object) -> str:
    text = e(date) if date else DASH
    return text + (f' <span class="muted">({e(source)})</span>' if source else "")


def _findings_table(section_id: str, title: str, rows: str, *headers: str, css: str = "findings") -> str:
    """One kind of finding: its heading (a link target) and its table."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    return (f'<h3 id="{section_id}">{title}</h3><table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _findings(report: Report) -> str:
    """The counts a fact-checker needs first, then each finding with its evidence."""
    found = findings_of(report)
    replay = report.replay_url
    counts = [
        (len(found.dead), "dead links", "dead"),
        (len(found.dated_after), "links dated after their article", "dated-after"),
        (len(found.changed_copies), "seed copies that no longer match", "changed-copies"),
        (len(found.title_mismatches), "title mismatches", "title-mismatches"),
        (len(report.integrity), "integrity problems", "integrity"),
        (len(report.skipped_seeds), "skipped seeds", "skipped-seeds"),
    ]
    # A count with findings links down to their table (a fragment: nothing is fetched).
    items = "".join(
        f'<li class="{"some" if n else "none"}"><strong>{n}</strong>'
        + (f'<a href="#{section}">{e(label)}</a>' if n else e(label)) + "</li>"
        for n, label, section in counts
    )
    out = [f'<section id="findings"><h2>Findings</h2><ul class="counts">{items}</ul>']
    if found.dead:
        rows = "".join(
            f"<tr><td>{n}</td>"
            f'<td class="url">{url_html(link.url)}'
            f"{THE_ARTICLE if link is report.articles[n - 1].original else ''}</td>"
            f'<td class="status">{e(link.status)}{f" (HTTP {int(link.http_status)})" if link.http_status else ""}'
            f" {_verdict_badge(link)}</td>"
            f"<td>{_or_dash(shorten(link.detail))}</td><td>{_record(link, replay)}</td></tr>"
            for n, link in found.dead
        )
        out.append(_findings_table("dead", "Dead links", rows,
                                   "Article", "URL", "Status", "Evidence", "WARC record"))
    if found.dated_after:
        rows = "".join(
            f'<tr><td>{n}</td><td class="url">{url_html(link.url)}</td>'
            f'<td class="date">{_date_read(iso_date(link.date), link.date_source)}</td>'
            f'<td class="date">{_date_read(iso_date(article.published), article.published_source)}</td>'
            f"<td>{_record(link, replay)}</td></tr>"
            for n, article, link in found.dated_after
        )
        out.append(_findings_table("dated-after", "Links dated after their article", rows, "Article", "URL",
                                   "Link dated (read from)", "Article published (read from)", "WARC record"))
    if found.changed_copies:
        rows = "".join(
            f"<tr><td>{n}</td><td>{e(c.seed)} against {e(c.other)}</td><td>{e(c.verdict)}</td>"
            f"<td>{_or_dash(format_similarity(c.similarity))}</td>"
            f"<td>{_paragraphs('Missing from the other text', c.missing_paragraphs, 'del')}"
            f"{_paragraphs('Added in the other text', c.added_paragraphs, 'ins')}"
            f"{'' if c.missing_paragraphs or c.added_paragraphs else DASH}</td></tr>"
            for n, c in found.changed_copies
        )
        out.append(_findings_table("changed-copies", "Seed copies that no longer match", rows,
                                   "Article", "Copy", "Verdict", "Similarity", "Paragraphs"))
    if found.title_mismatches:
        rows = "".join(
            f'<tr><td>{n}</td><td class="url">{url_html(link.url)}</td><td>“{e(clean(link.anchor_text))}”</td>'
            f"<td>“{e(shorten(link.title))}”</td><td>{_record(link, replay)}</td></tr>"
            for n, link in found.title_mismatches
        )
        out.append(_findings_table("title-mismatches", "Title mismatches", rows,
                                   "Article", "URL", "Anchor text", "Page title", "WARC record"))
    if report.integrity:
        rows = "".join(
            f'<tr><td class="mono">{e(p.filename)}</td><td>{_or_dash(p.offset)}</td><td>{e(p.problem)}</td></tr>'
            for p in report.integrity
        )
        out.append(_findings_table("integrity", "Integrity problems", rows, "File", "Offset", "Problem",
                                   css="integrity"))
    if report.skipped_seeds:
        out.append('<h3 id="skipped-seeds">Skipped seeds</h3><ul class="skipped-seeds">')
        out.extend(f'<li><span class="mono">{e(name)}</span>: {e(clean(reason))}</li>'
                   for name, reason in report.skipped_seeds)
        out.append("</ul>")
    out.append("</section>")
    return "".join(out)


BAR_COLOURS = {"alive": "#6aa84f", "dead": "#c0392b", "uncertain": "#e0b84f"}
BAR_WIDTH, BAR_HEIGHT, BAR_ROW = 520, 14, 40


def _verdict_bars(report: Report) -> str:
    """Verdicts per article: one inline SVG, a stacked bar per article, a title on each part."""
    rows = []
    for number, article in enumerate(report.articles, 1):
        counts = [(str(v), sum(1 for link in article.links if link.verdict == v)) for v in VERDICTS]
        total = sum(n for _, n in counts)
        words = ", ".join(f"{n} {v}" for v, n in counts if n) or "no links"
        title = shorten(clean(article.title), 60) or "(untitled)"
        top = (number - 1) * BAR_ROW
        parts = [f'<text x="0" y="{top + 12}" font-size="12" fill="#222222">{number}. {e(title)}: {e(words)}</text>',
                 f'<rect x="0" y="{top + 17}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="none" '
                 'stroke="#d0d5da"/>']
        x = 0.0
        for verdict, n in counts:
            if not n:
                continue
            width = BAR_WIDTH * n / total
            parts.append(f'<rect class="{_css(verdict)}" x="{x:.2f}" y="{top + 17}" width="{width:.2f}" '
                         f'height="{BAR_HEIGHT}" fill="{BAR_COLOURS[verdict]}"><title>{n} {e(verdict)}</title></rect>')
            x += width
        rows.append(f'<g role="img" aria-label="{e(title)}: {e(words)}">{"".join(parts)}</g>')
    height = max(len(report.articles), 1) * BAR_ROW
    return ('<div class="bars"><h3>Verdicts per article</h3>'
            f'<svg xmlns="http://www.w3.org/2000/svg" class="verdicts" width="{BAR_WIDTH + 2}" height="{height}" '
            f'viewBox="-1 0 {BAR_WIDTH + 2} {height}">{"".join(rows)}</svg></div>')


def render_html(report: Report) -> str:
    summary = summarize(report)
    generated = human_datetime(report.generated)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>News archive report — {e(generated)}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<header><h1>News archive report</h1>",
        f'<p class="meta">Generated {e(generated)}. {e(network_line(report).capitalize())}.</p>',
    ]
    if not report.network_reachable:
        out.append(
            '<div class="warning" role="alert">⚠ The network was unreachable during this run: '
            "link verdicts are uncertain and do not show that a page is gone.</div>"
        )
    out.append("</header>")
    out.append(_findings(report))

    if report.notes:
        out.append("<section><h2>Notes</h2><ul>")
        out.extend(f"<li>{e(clean(n))}</li>" for n in report.notes)
        out.append("</ul></section>")

    rows: list[tuple[str, int | str]] = [("Articles", summary["articles"]), ("Links", summary["links"])]
    rows += [(f"Links {v}", n) for v, n in summary["verdicts"].items()]
    dead = summary["dead_links"]
    if dead["confirmation_unavailable"]:
        rows.append(("Dead links confirmed", dead["confirmation_unavailable"]))
    else:
        rows += [("Dead links confirmed", dead["confirmed"]),
                 ("Dead links awaiting confirmation", dead["awaiting_confirmation"])]
    rows += [(f"Page requisites {k}", n) for k, n in summary["requisites"].items()]
    out.append('<section><h2>Summary</h2><div class="overview"><table class="summary"><tbody>')
    out.extend(f'<tr><th scope="row">{e(k)}</th><td class="n">{int(n)}</td></tr>' if isinstance(n, int)
               else f'<tr><th scope="row">{e(k)}</th><td class="muted">{e(n)}</td></tr>' for k, n in rows)
    out.append("</tbody></table>")
    out.append(_verdict_bars(report))
    out.append("</div>")
    statuses = ", ".join(f"{n} {s}" for s, n in summary["statuses"].items())
    out.append(f"<p>Links by status: {e(statuses) or 'none'}.</p>")
    if report.archives:
        out.append("<details><summary>Archives read (" + str(len(report.archives)) + ")</summary><ul>")
        out.extend(f'<li class="mono">{e(a)}</li>' for a in report.archives)
        out.append("</ul></details>")
    out.append("</section>")

    if report.changes is not None:
        out.append(_changes(report.changes))

    for number, article in enumerate(report.articles, 1):
        out.append(_article(number, article, report.date_grace_days, report.replay_url))

    if not report.integrity:
        out.append("<section><h2>Archive integrity</h2><p>No problems found.</p></section>")
    out.append(f"<footer>Report schema version {SCHEMA_VERSION}.</footer>")
    out.append("</body></html>\n")
    return "\n".join(out)
