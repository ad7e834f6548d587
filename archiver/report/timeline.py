"""An article's dates as an inline SVG timeline.

The axis spans whole years, from 1 January of the earliest date to the end of
the latest year. The article's publication date is a dark diamond with a
label; each dated link is a dot, red when it is dated after the article
(``LinkReport.date_mismatch``), grey otherwise. Links on the same spot are
stacked. Every mark has a ``<title>`` tooltip. Text is escaped.
"""

from __future__ import annotations

import datetime
from html import escape

from archiver.analysis.model import ArticleReport, LinkReport

MISMATCH_COLOUR = "#c0392b"
NEUTRAL_COLOUR = "#7f8c8d"
ARTICLE_COLOUR = "#1f3a5f"
LATE_ZONE_COLOUR = "#fbeceb"
GRID_COLOUR = "#e3e6e8"
AXIS_COLOUR = "#555555"

WIDTH = 760
LEFT = 24
RIGHT = 24
TOP = 34  # below the article label
STACK = 64  # room for stacked dots
AXIS_Y = TOP + STACK + 8
HEIGHT = AXIS_Y + 52
PLOT = WIDTH - LEFT - RIGHT
DOT_RADIUS = 5
CHAR_WIDTH = 6.2  # rough width of a character at font-size 11
LABEL_HEIGHT = 11  # a label's text rises this far above its baseline
NO_DATES = "No dates to show"

_LABEL_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _year_start(year: int) -> datetime.date:
    if year > datetime.MAXYEAR:
        return datetime.date.max
    return datetime.date(max(year, datetime.MINYEAR), 1, 1)


def _svg_open(label: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif" '
        f'font-size="11" aria-label="{_e(label)}"><title>{_e(label)}</title>'
    )


def _no_dates() -> str:
    return (
        _svg_open("Timeline: no dates to show", 40)
        + f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="39" fill="#fafafa" stroke="{GRID_COLOUR}"/>'
        + f'<text x="{WIDTH // 2}" y="24" text-anchor="middle" fill="#666666" class="no-dates">'
        + f"{NO_DATES}</text></svg>"
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _date(link: LinkReport) -> datetime.date:
    """The date of a link the timeline places (only dated links are)."""
    assert link.date is not None
    return link.date


def render_timeline(article: ArticleReport, grace_days: int = 1) -> str:
    """The SVG markup (a string) for one article."""
    dated = [link for link in article.links if link.date is not None]
    dates = [_date(link) for link in dated]
    if article.published is not None:
        dates.append(article.published)
    if not dates:
        return _no_dates()

    first_year = min(dates).year
    last_year = max(dates).year
    start = _year_start(first_year)
    end = _year_start(last_year + 1)
    total = max((end - start).days, 1)

    def x(day: datetime.date) -> float:
        return LEFT + (day - start).days / total * PLOT

    n_mismatch = sum(1 for link in dated if link.date_mismatch)
    label = (
        f"Timeline: article published {article.published.isoformat()}"
        if article.published
        else "Timeline: article date unknown"
    )
    label += f"; {len(dated)} dated link(s), {n_mismatch} dated after the article"
    parts = [_svg_open(label, HEIGHT)]

    # Background and the zone after publication + grace.
    parts.append(f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>')
    if article.published is not None:
        try:
            late = article.published + datetime.timedelta(days=grace_days)
        except OverflowError:
            late = datetime.date.max
        if late < end:
            zone_x = max(x(late), LEFT)
            parts.append(
                f'<rect class="late-zone" x="{_fmt(zone_x)}" y="{TOP - 6}" '
                f'width="{_fmt(LEFT + PLOT - zone_x)}" height="{AXIS_Y - TOP + 6}" '
                f'fill="{LATE_ZONE_COLOUR}"><title>After the article (more than {int(grace_days)} '
                f"day(s) after {article.published.isoformat()})</title></rect>"
            )

    # Year grid, ticks and labels (centred in each year).
    years = last_year - first_year + 1
    per_year = PLOT / years
    step = next((s for s in _LABEL_STEPS if per_year * s >= 36), _LABEL_STEPS[-1])
    for year in range(first_year, last_year + 2):
        tick = x(_year_start(year))
        parts.append(
            f'<line x1="{_fmt(tick)}" y1="{TOP - 6}" x2="{_fmt(tick)}" y2="{AXIS_Y + 5}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        if year <= last_year and (year - first_year) % step == 0:
            # One label per year sits in the middle of its year; sparser labels mark the tick.
            middle = (tick + x(_year_start(year + 1))) / 2 if step == 1 else tick
            parts.append(
                f'<text class="year" x="{_fmt(middle)}" y="{AXIS_Y + 18}" text-anchor="middle" '
                f'fill="#333333">{year}</text>'
            )
    if years <= 3:  # months as minor ticks
        for year in range(first_year, last_year + 1):
            for month in range(2, 13):
                tick = x(datetime.date(year, month, 1))
                parts.append(
                    f'<line x1="{_fmt(tick)}" y1="{AXIS_Y}" x2="{_fmt(tick)}" y2="{AXIS_Y + 4}" '
                    f'stroke="{AXIS_COLOUR}" stroke-width="0.5"/>'
                )
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{AXIS_Y}" x2="{LEFT + PLOT}" y2="{AXIS_Y}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1.5"/>'
    )

    # The article marker.
    if article.published is not None:
        ax = x(article.published)
        text = f"Article {article.published.isoformat()}"
        anchor = "start" if ax < LEFT + PLOT * 0.25 else "end" if ax > LEFT + PLOT * 0.75 else "middle"
        tooltip = f"Article published {article.published.isoformat()}"
        if article.published_source:
            tooltip += f" (source: {article.published_source})"
        if article.url:
            tooltip += f"\n{article.url}"
        d = 7
        parts.append(
            f'<g class="article-marker"><title>{_e(tooltip)}</title>'
            f'<line x1="{_fmt(ax)}" y1="{TOP - 8}" x2="{_fmt(ax)}" y2="{AXIS_Y}" '
            f'stroke="{ARTICLE_COLOUR}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<polygon points="{_fmt(ax)},{AXIS_Y - d} {_fmt(ax + d)},{AXIS_Y} {_fmt(ax)},{AXIS_Y + d} '
            f'{_fmt(ax - d)},{AXIS_Y}" fill="{ARTICLE_COLOUR}" stroke="#ffffff" stroke-width="1"/>'
            f'<text x="{_fmt(ax)}" y="{TOP - 14}" text-anchor="{anchor}" font-weight="bold" '
            f'fill="{ARTICLE_COLOUR}">{_e(text)}</text></g>'
        )
    else:
        parts.append(
            f'<text x="{LEFT}" y="{TOP - 14}" fill="#666666">Article date unknown</text>'
        )

    # Link dots, stacked when they fall on the same spot; red ones drawn last.
    stacks: dict[int, int] = {}
    placed: list[tuple[float, int, LinkReport]] = []
    for link in sorted(dated, key=lambda link: (_date(link), link.date_mismatch)):
        lx = x(_date(link))
        bucket = int(lx // (DOT_RADIUS * 2))
        level = stacks.get(bucket, 0)
        stacks[bucket] = level + 1
        placed.append((lx, level, link))
    spacing = min(DOT_RADIUS * 2 + 2, (STACK - DOT_RADIUS * 2) / max(max(stacks.values(), default=1) - 1, 1))
    placed.sort(key=lambda item: item[2].date_mismatch)
    for lx, level, link in placed:
        cy = AXIS_Y - DOT_RADIUS - 4 - level * spacing
        colour = MISMATCH_COLOUR if link.date_mismatch else NEUTRAL_COLOUR
        css = "link-dot mismatch" if link.date_mismatch else "link-dot"
        tooltip = f"{link.url}\n{_date(link).isoformat()}"
        if link.date_source:
            tooltip += f" (from {link.date_source})"
        if link.date_mismatch:
            tooltip += " — dated after the article"
        parts.append(
            f'<circle class="{css}" cx="{_fmt(lx)}" cy="{_fmt(cy)}" r="{DOT_RADIUS}" fill="{colour}" '
            f'stroke="#ffffff" stroke-width="1"><title>{_e(tooltip)}</title></circle>'
        )

    # A date label over each stack, where there is room for it.
    tops: dict[int, tuple[float, float, list[LinkReport]]] = {}
    for lx, level, link in placed:
        bucket = int(lx // (DOT_RADIUS * 2))
        cy = AXIS_Y - DOT_RADIUS - 4 - level * spacing
        _, top, members = tops.get(bucket, (lx, cy, []))
        tops[bucket] = (min(tops.get(bucket, (lx,))[0], lx), min(top, cy), members + [link])
    dots = [(lx, AXIS_Y - DOT_RADIUS - 4 - level * spacing) for lx, level, _ in placed]
    last_right = -1e9
    for bucket in sorted(tops):
        lx, top, members = tops[bucket]
        days = sorted({_date(link) for link in members})
        text = days[0].isoformat() + (f" – {days[-1].isoformat()}" if len(days) > 1 else "")
        if len(members) > 1:
            text += f" ({len(members)})"
        any_late = any(link.date_mismatch for link in members)
        anchor = "start" if lx < LEFT + PLOT * 0.15 else "end" if lx > LEFT + PLOT * 0.85 else "middle"
        width = len(text) * CHAR_WIDTH
        left = lx if anchor == "start" else lx - width if anchor == "end" else lx - width / 2
        if left < last_right + 10:
            continue  # no room: the tooltips still give the date
        label_y = top - DOT_RADIUS - 4
        if any(left - DOT_RADIUS <= dx <= left + width + DOT_RADIUS
               and label_y - LABEL_HEIGHT - DOT_RADIUS <= dy <= label_y + DOT_RADIUS
               for dx, dy in dots):
            continue  # the label would cover a dot of a neighbouring stack: the tooltips say it
        last_right = left + width
        parts.append(
            f'<text class="dot-label" x="{_fmt(lx)}" y="{_fmt(top - DOT_RADIUS - 4)}" text-anchor="{anchor}" '
            f'fill="{MISMATCH_COLOUR if any_late else "#444444"}">{_e(text)}</text>'
        )

    # Legend.
    ly = HEIGHT - 12
    parts.append(
        f'<g class="legend" fill="#333333">'
        f'<polygon points="{LEFT + 5},{ly - 9} {LEFT + 10},{ly - 4} {LEFT + 5},{ly + 1} {LEFT},{ly - 4}" '
        f'fill="{ARTICLE_COLOUR}"/><text x="{LEFT + 16}" y="{ly}">article</text>'
        f'<circle cx="{LEFT + 80}" cy="{ly - 4}" r="{DOT_RADIUS}" fill="{NEUTRAL_COLOUR}"/>'
        f'<text x="{LEFT + 90}" y="{ly}">link</text>'
        f'<circle cx="{LEFT + 140}" cy="{ly - 4}" r="{DOT_RADIUS}" fill="{MISMATCH_COLOUR}"/>'
        f'<text x="{LEFT + 150}" y="{ly}">link dated after the article (+{int(grace_days)} day grace)</text>'
        f"</g>"
    )
    undated = len(article.links) - len(dated)
    if undated:
        parts.append(
            f'<text x="{LEFT + PLOT}" y="{ly}" text-anchor="end" fill="#666666">'
            f"{undated} undated link(s) not shown</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
