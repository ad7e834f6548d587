"""Dates of articles and links, and when they disagree.

A link's date is what its page's own metadata says (it describes what the
URL serves now); the date in its URL is the fallback. A link dated after
the article it is cited in (beyond a grace for time zones and late
edits) is a temporal violation: a "related articles" box filled in later,
a reused URL, a redirect to newer content.
"""

from __future__ import annotations

import datetime

from archiver.analysis.model import DateSource, PageFacts
from archiver.seeds.dates import date_from_url


def link_date(url_date: datetime.date | None, page_date: datetime.date | None,
              page_source: str | None) -> tuple[datetime.date | None, DateSource | None]:
    # A page date read off an address ("url") is the link's URL date when
    # that URL has one. When it has none, the page stated its address (its
    # canonical or og:url link) and the date is the page's own.
    if page_date is not None and (page_source != DateSource.URL or url_date is None):
        return page_date, DateSource.PAGE
    if url_date is not None:
        return url_date, DateSource.URL
    return None, None


def is_after(date: datetime.date, reference: datetime.date, grace_days: int) -> bool:
    return date > reference + datetime.timedelta(days=grace_days)


def _apart(a: datetime.date, b: datetime.date, grace_days: int) -> bool:
    return abs((a - b).days) > grace_days


def date_findings_for_page(url: str | None, claimed: datetime.date | None, claimed_source: str | None,
                           facts: PageFacts | None, grace_days: int) -> list[str]:
    """Disagreements between a page's dates: what a seed claims, its URL, its metadata."""
    findings = []
    page_date = facts.published if facts else None
    source = facts.published_source if facts else None
    if claimed and page_date and _apart(claimed, page_date, grace_days):
        findings.append(f"the seed dates {url or 'the article'} {claimed} ({claimed_source}); "
                        f"the live page says {page_date} ({source})")
    url_date = date_from_url(url)
    if url_date and page_date and source != DateSource.URL and _apart(url_date, page_date, grace_days):
        findings.append(f"{url}: its URL says {url_date}, its page metadata {page_date} ({source})")
    return findings
