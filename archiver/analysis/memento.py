"""Archived copies of dead links: Memento TimeGates and the Wayback availability API.

The crawl sends the requests built here through Scrapy, so the archive's
answers land in the WARC with everything else; the analysis later feeds
those archived answers to ``parse_response``. Nothing here does I/O.

What we want is the capture closest *before* the citing article's date,
as InternetArchiveBot does. Neither service can be told "before":

- a TimeGate (RFC 7089) picks the memento it thinks best matches
  ``Accept-Datetime``; the Wayback Machine and the aggregators pick the
  closest in either direction;
- the availability API returns the single closest snapshot, either way.

So a copy may have been captured after the article. ``parse_response``
reports it as it is rather than hiding it, and ``is_before`` lets the
report flag it. Where a TimeGate's ``Link`` header lists other mementos
(the Wayback Machine's lists the previous one), a listed memento that is
before the article wins over a selected one that is after.

The article's date is a day without a time or zone, and news articles
often link pages published that same day, whose only captures are from
that day. The cut-off is therefore the last second of the article's day
in UTC: ``Accept-Datetime`` and the availability ``timestamp`` both ask
for that instant, and ``is_before`` counts a capture on the article's
day as before it.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote, urldefrag, urljoin, urlsplit, urlunsplit

from archiver.analysis.model import ArchivedCopy

KINDS = ("timegate", "wayback")

# Characters a URL may carry as they are (RFC 3986 reserved and unreserved,
# plus "%" so existing escapes are not escaped twice).
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~-._"

_WAYBACK_TIMESTAMP = re.compile(r"\d{14}")

# RFC 8288 link-value: <URI-Reference> followed by ;-parameters whose values
# are tokens or quoted strings; a quoted datetime holds a comma, so the
# header cannot simply be split on commas.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LINK_VALUE = re.compile(
    rf"<([^>]*)>((?:\s*;\s*{_TOKEN}(?:\s*=\s*(?:{_QUOTED}|[^\s;,\"]*))?)*)"
)
_LINK_PARAM = re.compile(rf";\s*({_TOKEN})(?:\s*=\s*({_QUOTED}|[^\s;,\"]*))?")


@dataclass(frozen=True)
class LookupRequest:
    url: str  # what to GET
    # e.g. {"Accept-Datetime": "Thu, 06 Feb 2020 23:59:59 GMT"}; left out of
    # the hash so a lookup can still key a dict (a dict is unhashable).
    headers: dict[str, str] = field(hash=False)
    kind: str  # "timegate" or "wayback"
    target: str  # the dead link's URL this lookup is for
    before: datetime.date | None  # the article's date


def cutoff(day: datetime.date) -> datetime.datetime:
    """The last second of ``day`` in UTC: a capture up to it counts as before."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=datetime.UTC)


def lookup_request(endpoint: str, kind: str, target: str, before: datetime.date | None) -> LookupRequest:
    """The request that asks ``endpoint`` for a capture of ``target`` before ``before``.

    ``timegate``: ``endpoint`` is a TimeGate prefix such as
    ``http://timetravel.mementoweb.org/timegate/`` or
    ``https://web.archive.org/web/``, ending in its own separator; the
    target is appended as it is, the way those TimeGates expect it (its
    query stays its own, not escaped into one parameter).
    ``Accept-Datetime`` asks for the last second of the article's day; with
    no date there is no header, and the TimeGate answers with its latest.

    ``wayback``: ``endpoint`` is the availability API, such as
    ``https://archive.org/wayback/available``; its documented parameters
    are ``url``, ``timestamp`` (1 to 14 digits) and ``callback``. The full
    14 digits are sent, since a shorter timestamp leaves it to the archive
    which instant of the day is meant. The API answers with the closest
    snapshot, which may be after the article.

    Raises ValueError for an unknown ``kind`` or a ``target`` that does
    not parse as a URL.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown lookup kind {kind!r}, expected one of {KINDS}")
    target = urldefrag(target)[0]  # a fragment never reaches a server or an archive
    if kind == "timegate":
        headers = {}
        if before is not None:
            headers["Accept-Datetime"] = format_datetime(cutoff(before), usegmt=True)
        return LookupRequest(endpoint + _timegate_path(target), headers, kind, target, before)
    query = "url=" + quote(target, safe="")
    if before is not None:
        query += "&timestamp=" + cutoff(before).strftime("%Y%m%d%H%M%S")
    separator = "&" if "?" in endpoint else "?"
    return LookupRequest(endpoint + separator + query, {}, kind, target, before)


def parse_response(
    lookup: LookupRequest,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    final_url: str | None,
) -> ArchivedCopy | None:
    """The archived copy an answer to ``lookup`` names, or None.

    ``headers`` are looked up whatever the case of their names. None means
    no capture: a 404, an empty answer, or one too malformed to trust; an
    archive's answer is untrusted input, so nothing here raises on it.
    ``final_url`` is where the request ended after redirects (a crawl that
    follows the TimeGate's redirect ends at the memento itself).
    """
    try:
        if lookup.kind == "timegate":
            return _parse_timegate(lookup, status, _lower_keys(headers), final_url)
        if lookup.kind == "wayback":
            return _parse_wayback(lookup, status, body)
    except (ValueError, TypeError, AttributeError, LookupError, OverflowError):
        # Whatever slipped past the checks below costs one suggestion, not the report.
        return None
    return None


def is_before(copy: ArchivedCopy, day: datetime.date | None) -> bool:
    """Whether ``copy`` was captured on or before the article's ``day``.

    A capture on the article's own day counts as before (see the module's
    docstring). With no article date there is nothing to be after.
    """
    if day is None:
        return True
    return _utc(copy.captured) <= cutoff(day)


# TimeGate -------------------------------------------------------------------


def _timegate_path(target: str) -> str:
    """``target`` escaped only where a URL must be: spaces, controls, non-ASCII."""
    parts = urlsplit(target)
    host = parts.hostname or ""
    if not host.isascii():
        # Archives index hosts in their ASCII (IDNA) form.
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = None
        if ascii_host:
            netloc = parts.netloc
            userinfo, at, hostport = netloc.rpartition("@")
            hostport = hostport.lower().replace(host, ascii_host, 1)
            parts = parts._replace(netloc=userinfo + at + hostport)
            target = urlunsplit(parts)
    return quote(target, safe=_URL_SAFE)


def _parse_timegate(
    lookup: LookupRequest, status: int, headers: dict[str, str], final_url: str | None
) -> ArchivedCopy | None:
    if not 200 <= status < 400:
        return None  # 404: the archive holds no capture; 4xx/5xx: no answer
    base = final_url or lookup.url
    links = _parse_links(headers.get("link", ""), base)

    if 300 <= status < 400:
        # 302-style negotiation (RFC 7089 patterns 1.1 and 2.1): the memento
        # is where we are sent, and its datetime is not on this response.
        location = headers.get("location")
        selected = urljoin(lookup.url, location.strip()) if location else None
    elif headers.get("content-location"):
        # 200-style negotiation (patterns 1.2 and 2.2).
        selected = urljoin(base, headers["content-location"].strip())
    elif "memento-datetime" in headers:
        # A memento itself: the TimeGate's redirect was followed (or it
        # answered as the memento, pattern 2.3).
        selected = base
    else:
        selected = None

    candidates = [(when, url) for url, rels, when in links if "memento" in rels and when is not None]
    if selected is not None:
        if "memento-datetime" in headers:
            # RFC 7089 keeps Memento-Datetime off a redirect, but if a server
            # sends one it means the memento's; a malformed one means we
            # cannot say when the copy is from.
            when = _http_date(headers["memento-datetime"])
            if when is None:
                return None
        else:
            when = next((w for w, url in candidates if url == selected), None)
        if when is not None:
            candidates.append((when, selected))

    chosen = _closest_before(candidates, lookup.before, preferred=selected)
    if chosen is None:
        return None
    when, url = chosen
    return ArchivedCopy(url=url, captured=when, source=_endpoint(lookup))


def _closest_before(
    candidates: list[tuple[datetime.datetime, str]],
    day: datetime.date | None,
    preferred: str | None,
) -> tuple[datetime.datetime, str] | None:
    """The latest candidate on or before ``day``; failing that, the TimeGate's pick or the earliest."""
    if not candidates:
        return None
    picked = [c for c in candidates if c[1] == preferred]
    if day is not None:
        before = [c for c in candidates if c[0] <= cutoff(day)]
        if before:
            return max(before)
        return picked[0] if picked else min(candidates)
    # No date: the TimeGate was asked for its latest, so trust its pick.
    return picked[0] if picked else max(candidates)


def _parse_links(value: str, base: str) -> list[tuple[str, frozenset[str], datetime.datetime | None]]:
    """(absolute URL, rel tokens, datetime or None) for each link-value."""
    links = []
    for match in _LINK_VALUE.finditer(value):
        params: dict[str, str] = {}
        for name, raw in _LINK_PARAM.findall(match.group(2)):
            if raw.startswith('"'):
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            params.setdefault(name.lower(), raw)
        # rel holds space-separated types, e.g. "first memento".
        rels = frozenset(params.get("rel", "").lower().split())
        when = _http_date(params["datetime"]) if "datetime" in params else None
        links.append((urljoin(base, match.group(1).strip()), rels, when))
    return links


def _http_date(value: str) -> datetime.datetime | None:
    """An RFC 1123 date as an aware UTC datetime, or None when malformed."""
    try:
        when = parsedate_to_datetime(value.strip())
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    return _utc(when)


# Wayback availability API ----------------------------------------------------


def _parse_wayback(lookup: LookupRequest, status: int, body: bytes) -> ArchivedCopy | None:
    if status != 200:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    snapshots = data.get("archived_snapshots")
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    url, stamp, code = closest.get("url"), closest.get("timestamp"), str(closest.get("status", ""))
    # A capture of an error page or a redirect is not a copy of the article.
    if not (isinstance(url, str) and url and code.isdigit() and 200 <= int(code) < 300):
        return None
    if not (isinstance(stamp, str) and _WAYBACK_TIMESTAMP.fullmatch(stamp)):
        return None
    try:
        captured = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=datetime.UTC)
    except ValueError:
        return None  # 14 digits, but not a date (month 13 …)
    return ArchivedCopy(url=url, captured=captured, source=_endpoint(lookup))


# Shared ---------------------------------------------------------------------


def _endpoint(lookup: LookupRequest) -> str:
    """The TimeGate or API a lookup asked, recovered from its URL."""
    if lookup.kind == "timegate":
        path = _timegate_path(lookup.target)
        if lookup.url.endswith(path) and len(lookup.url) > len(path):
            return lookup.url[: -len(path)]
        return lookup.url
    return lookup.url.split("?", 1)[0]


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names folded to lower case; bytes (as Scrapy keeps them) decoded."""
    folded: dict[str, str] = {}
    for name, value in headers.items():
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, (list, tuple)):
            # A repeated header, e.g. several Link lines, is one comma-joined value.
            value = ", ".join(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in value)
        elif isinstance(value, bytes):
            value = value.decode("latin-1")
        folded[str(name).lower()] = str(value)
    return folded


def _utc(when: datetime.datetime) -> datetime.datetime:
    # A naive datetime comes from a "-0000" zone, which RFC 5322 reads as UTC.
    if when.tzinfo is None:
        return when.replace(tzinfo=datetime.UTC)
    return when.astimezone(datetime.UTC)
