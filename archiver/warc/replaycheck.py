"""The replay check's result for one article (``urn:archiver:replay-check:`` JSON metadata).

``archiver replay-check`` and ``ARCHIVER_REPLAY_CHECK`` open each archived
article through pywb in a headless browser and record what its replay asked
for: each resource answered from the archive, each one the archive could not
answer (and why), each one it does not hold because the crawl skipped it on
purpose (a page requisite over ARCHIVER_REQUISITE_MAXSIZE, recorded as such),
and each request that tried to leave the replay server.
The crawl writes one record per article into its archive, so the check's
result stays with the files it judged. Plain values only, as article records.

Format 1::

    {"format": 1, "url": str, "timestamp": "YYYYMMDDhhmmss",
     "checked_at": ISO 8601, "replay": "pywb X.Y (frameless)", "error": str|null,
     "archived": [str], "missing": [{"url": str, "status": int|null, "why": str}],
     "escaped": [str], "skipped": [{"url": str, "status": int|null, "why": str}],
     "screenshot_error": str|null}

``skipped`` was added within format 1 (a record without it has none): a
reader of format 1 that does not know it still reads the rest right.

The replayed page's full-page PNG and first-screen JPEG are resource records
(``urn:archiver:replay-screenshot:URL``, ``urn:archiver:replay-thumbnail:URL``)
whose WARC-Concurrent-To is this record; ``screenshot_error`` says why there
are none (absent from records written before it: read as null).

``error`` says why the page itself could not be judged (it did not load,
the browser timed out); its lists then hold what was seen before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT = 1


class ReplayCheckFormatError(ValueError):
    """A replay-check record this archiver cannot read; the message says why."""


@dataclass(frozen=True)
class MissingResource:
    url: str  # the original URL the replayed page asked for
    status: int | None  # the replay server's answer; None when the request failed or was blocked
    why: str


@dataclass
class ArticleReplay:
    url: str
    timestamp: str  # the capture replayed, YYYYMMDDhhmmss
    checked_at: str = ""
    replay: str = ""  # what replayed it
    error: str | None = None
    archived: list[str] = field(default_factory=list)
    missing: list[MissingResource] = field(default_factory=list)
    escaped: list[str] = field(default_factory=list)  # requests to a host other than the replay server
    # Not in the archive on purpose: the crawl's record of the skip says why. Not a gap of the archive.
    skipped: list[MissingResource] = field(default_factory=list)
    # Why the replayed page has no screenshot (urn:archiver:replay-screenshot:); None when it has one.
    screenshot_error: str | None = None
    # The photographs themselves, written as resource records beside this one (not in its JSON).
    screenshot: bytes | None = field(default=None, repr=False, compare=False)
    thumbnail: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def complete(self) -> bool:
        return self.error is None and not self.missing and not self.escaped


def to_json(result: ArticleReplay) -> dict[str, Any]:
    return {
        "format": FORMAT, "url": result.url, "timestamp": result.timestamp, "checked_at": result.checked_at,
        "replay": result.replay, "error": result.error, "archived": list(result.archived),
        "missing": [{"url": m.url, "status": m.status, "why": m.why} for m in result.missing],
        "escaped": list(result.escaped),
        "skipped": [{"url": m.url, "status": m.status, "why": m.why} for m in result.skipped],
        "screenshot_error": result.screenshot_error,
    }


def from_json(data: Any) -> ArticleReplay:
    if not isinstance(data, dict):
        raise ReplayCheckFormatError("not a JSON object")
    if data.get("format") != FORMAT:
        raise ReplayCheckFormatError(f"format {data.get('format')!r}; this archiver reads format {FORMAT}")
    try:
        url, timestamp = data["url"], data["timestamp"]
        missing = [MissingResource(str(m["url"]), m.get("status"), str(m.get("why", "")))
                   for m in data.get("missing", [])]
        skipped = [MissingResource(str(m["url"]), m.get("status"), str(m.get("why", "")))
                   for m in data.get("skipped", [])]
        if not isinstance(url, str) or not isinstance(timestamp, str):
            raise TypeError("url and timestamp must be text")
        return ArticleReplay(url, timestamp, str(data.get("checked_at", "")), str(data.get("replay", "")),
                             data.get("error"), [str(u) for u in data.get("archived", [])], missing,
                             [str(u) for u in data.get("escaped", [])], skipped,
                             None if data.get("screenshot_error") is None else str(data["screenshot_error"]))
    except (KeyError, TypeError, AttributeError) as error:
        raise ReplayCheckFormatError(f"missing or malformed field: {error}") from None
