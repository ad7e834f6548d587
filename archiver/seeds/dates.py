"""Publication dates from byline lines, metadata values and URLs."""

from __future__ import annotations

import datetime
import re

from dateutil.parser import isoparse

from archiver.pubdate import url_date

# A byline date stands alone on its line, so whole-line formats are enough
# and avoid mistaking a date quoted in the prose for the publication date.
_LINE_FORMATS = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B, %Y",
    "%Y-%m-%d",
)
_LABEL = re.compile(r"^(?:published|posted|date)(?:\s+on)?\s*:?\s*", re.IGNORECASE)
_WEEKDAY = re.compile(
    r"^(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?\.?,?\s+",
    re.IGNORECASE,
)


def _plausible(day: datetime.date) -> bool:
    # A day of slack for time zones; anything later is not a publication date.
    return 1900 <= day.year and day <= datetime.date.today() + datetime.timedelta(days=1)


def date_from_line(line: str) -> datetime.date | None:
    """The date of a line that is nothing but a date, e.g. "February 06, 2020"."""
    candidate = line.strip().strip("*_ ").strip()
    if not candidate or len(candidate) > 40:
        return None
    candidate = _WEEKDAY.sub("", _LABEL.sub("", candidate))
    # "Feb. 6, 2020" and "Feb 6, 2020" are the same to a reader.
    candidate = re.sub(r"(?<=[A-Za-z])\.", "", candidate).strip()
    for fmt in _LINE_FORMATS:
        try:
            day = datetime.datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
        if _plausible(day):
            return day
    return None


def date_from_value(value: object) -> datetime.date | None:
    """A date from front matter or a metadata attribute (ISO strings mostly)."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            day = isoparse(text).date()
        except (ValueError, OverflowError):
            return date_from_line(text)
    else:
        return None
    return day if _plausible(day) else None


def date_from_url(url: str | None) -> datetime.date | None:
    """A date in a URL path such as /2020/02/06/, as htmldate reads it."""
    return url_date(url)
