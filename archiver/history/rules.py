"""The rules of link history, as plain functions: no database here.

A link's ``verdict`` is this run's judgement from the archive, the same in the
crawl's report and in an audit of its files. The history adds whether a
``dead`` verdict is confirmed: as Wikipedia's InternetArchiveBot does, after
``policy.checks`` failed checks (this one included) spread over at least
``policy.days`` days, counted from the first failure of the current failing
streak. Any live result resets the streak.

What counts as a check:

- a status that says something about the link: ``ok`` and ``redirected``
  are alive; every other status but those in :data:`NOT_COUNTED` is a failure
  (a bot block or a timeout is a failure too: it lengthens the streak, but only
  a link whose verdict is ``dead`` in this run can be confirmed dead);
- only in a run whose network was reachable: an offline run counts against
  no link.

The history records each check with :func:`recorded_verdict`, ``dead`` only
when confirmed, so that a later run can tell newly dead and revived links.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from archiver.analysis.health import ALIVE
from archiver.analysis.model import ArticleReport, LinkReport, LinkStatus, Verdict
from archiver.config import read_setting

# Statuses that say nothing about the link itself: never fetched on purpose,
# or not fetched at all. They are no check, failed or passed.
NOT_COUNTED = frozenset({LinkStatus.ROBOTS_DISALLOWED, LinkStatus.EXCLUDED, LinkStatus.UNSUPPORTED,
                         LinkStatus.NOT_CHECKED})

UTC = datetime.UTC


def utc(value: datetime.datetime) -> datetime.datetime:
    """The time in UTC; a naive time is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _plural(count: int | str, word: str) -> str:
    return f"{count} {word}" if str(count) == "1" else f"{count} {word}s"


@dataclass(frozen=True)
class DeadPolicy:
    """When repeated failures make a link dead."""

    checks: int = 3  # ARCHIVER_DEAD_AFTER_CHECKS
    days: int = 3  # ARCHIVER_DEAD_AFTER_DAYS

    def __post_init__(self) -> None:
        if isinstance(self.checks, bool) or not isinstance(self.checks, int) or self.checks < 1:
            raise ValueError(f"ARCHIVER_DEAD_AFTER_CHECKS must be 1 or more, got {self.checks!r}")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 0:
            raise ValueError(f"ARCHIVER_DEAD_AFTER_DAYS must be 0 or more, got {self.days!r}")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | Any) -> DeadPolicy:
        """From ``ARCHIVER_DEAD_AFTER_CHECKS`` / ``ARCHIVER_DEAD_AFTER_DAYS`` in a mapping
        (``os.environ``, a dict), read as :mod:`archiver.config` reads them: missing or
        empty values keep the defaults. A crawl takes them from its config."""
        return cls(read_setting(settings, "ARCHIVER_DEAD_AFTER_CHECKS"),
                   read_setting(settings, "ARCHIVER_DEAD_AFTER_DAYS"))

    def describe(self) -> str:
        return f"dead after {_plural(self.checks, 'check')} over {_plural(self.days, 'day')}"


def counts(status: str) -> bool:
    """Is a result with this status a check of the link at all?"""
    return status not in NOT_COUNTED


def is_alive(status: str) -> bool:
    return status in ALIVE


def is_failure(status: str, verdict: str) -> bool:
    """A check that failed: a counted, non-alive status whose verdict is dead or uncertain."""
    return counts(status) and not is_alive(status) and verdict in (Verdict.DEAD, Verdict.UNCERTAIN)


@dataclass(frozen=True)
class Check:
    """One recorded result for one URL. ``verdict`` is the one the history recorded
    (:func:`recorded_verdict`: ``dead`` only when confirmed)."""

    checked_at: datetime.datetime
    status: str
    verdict: str
    date_mismatch: bool = False


@dataclass(frozen=True)
class LinkHistory:
    """What earlier results of a URL add up to."""

    first_seen: datetime.datetime | None = None  # its first recorded result, counted or not
    last_alive: datetime.datetime | None = None
    failing_since: datetime.datetime | None = None  # first failure of the current streak
    failures: int = 0  # failed checks in the current streak
    last_verdict: str | None = None  # of the last counted check, as recorded
    last_date_mismatch: bool | None = None  # of the last recorded result


def advance(before: LinkHistory, check: Check) -> LinkHistory:
    """The history after one more recorded result."""
    at = utc(check.checked_at)
    first_seen = at if before.first_seen is None else min(before.first_seen, at)
    after = replace(before, first_seen=first_seen, last_date_mismatch=bool(check.date_mismatch))
    if is_alive(check.status):
        return replace(after, last_alive=at, failing_since=None, failures=0, last_verdict=check.verdict)
    if is_failure(check.status, check.verdict):
        return replace(
            after,
            failing_since=before.failing_since or at,
            failures=before.failures + 1,
            last_verdict=check.verdict,
        )
    return after


def summarize(checks: Iterable[Check]) -> LinkHistory:
    """The history of one URL from its results in time order."""
    history = LinkHistory()
    for check in checks:
        history = advance(history, check)
    return history


def confirmed_dead(failures: int, failing_since: datetime.datetime | None,
                   now: datetime.datetime, policy: DeadPolicy) -> bool:
    if failing_since is None or failures < policy.checks:
        return False
    return utc(now) - utc(failing_since) >= datetime.timedelta(days=policy.days)


def _days(delta: datetime.timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.0f}" if abs(days - round(days)) < 0.05 else f"{days:.1f}"


def pending_note(failures: int, failing_since: datetime.datetime, now: datetime.datetime,
                 policy: DeadPolicy) -> str:
    """How far a failing link is from confirmation."""
    since = utc(failing_since).date().isoformat()
    if failures < policy.checks:
        return f"failing {failures} of {policy.checks} checks needed since {since} ({policy.describe()})"
    spent = _days(utc(now) - utc(failing_since))
    return (f"failing {failures} checks since {since}, over {spent} of {policy.days} days needed "
            f"({policy.describe()})")


def confirmation(failures: int, failing_since: datetime.datetime, now: datetime.datetime,
                 policy: DeadPolicy) -> tuple[bool, str]:
    """Whether a dead link's failing streak confirms it, and the words that say so."""
    if confirmed_dead(failures, failing_since, now, policy):
        since = utc(failing_since).date().isoformat()
        spent = _days(utc(now) - utc(failing_since))
        return True, f"confirmed: failing {_plural(failures, 'check')} since {since} over {_plural(spent, 'day')}"
    return False, f"awaiting confirmation: {pending_note(failures, failing_since, now, policy)}"


OFFLINE = "this run's check is not counted: the network was unreachable"


def _offline_confirmation(before: LinkHistory, now: datetime.datetime, policy: DeadPolicy) -> tuple[bool, str]:
    """A dead link in an offline run: what the checks before this one say."""
    if before.failing_since is None:
        return False, f"awaiting confirmation: no failed check yet; {OFFLINE}"
    confirmed, text = confirmation(before.failures, before.failing_since, now, policy)
    return confirmed, f"{text}; {OFFLINE}"


def revived(link: LinkReport, before: LinkHistory) -> bool:
    """Alive now, and confirmed dead at the last counted check ``before`` sums up."""
    return is_alive(link.status) and before.last_verdict == Verdict.DEAD


def judge(link: LinkReport, before: LinkHistory, checked_at: datetime.datetime,
          policy: DeadPolicy, network_reachable: bool = True) -> LinkReport:
    """The link with its history filled in; its verdict and detail stay this run's.

    ``before`` sums up results recorded before ``checked_at``. A dead link gets
    ``confirmed`` and ``confirmation``. In an offline run the result is no check
    and is not recorded; the fields come from before.
    """
    now = utc(checked_at)
    dead = link.verdict == Verdict.DEAD
    if not network_reachable:
        confirmed, text = _offline_confirmation(before, now, policy) if dead else (None, None)
        return replace(
            link,
            first_seen=before.first_seen,
            last_alive=before.last_alive,
            failing_since=before.failing_since,
            consecutive_failures=before.failures,
            revived=False,
            confirmed=confirmed,
            confirmation=text,
        )
    after = advance(before, Check(now, link.status, link.verdict, link.date_mismatch))
    changes: dict[str, Any] = {
        "first_seen": after.first_seen,
        "last_alive": after.last_alive,
        "failing_since": after.failing_since,
        "consecutive_failures": after.failures,
        "revived": revived(link, before),
    }
    if dead and after.failing_since is not None:  # a dead status is always a failure
        changes["confirmed"], changes["confirmation"] = confirmation(after.failures, after.failing_since, now, policy)
    return replace(link, **changes)


def recorded_verdict(link: LinkReport) -> str:
    """The verdict the history records for a judged link: ``dead`` only when confirmed."""
    if link.verdict == Verdict.DEAD and not link.confirmed:
        return Verdict.UNCERTAIN
    return link.verdict


def newly_dead(link: LinkReport, before: LinkHistory, network_reachable: bool = True) -> bool:
    """Confirmed dead by this run's check, and not at the last counted check ``before`` sums up."""
    return (network_reachable and counts(link.status) and link.confirmed is True
            and before.last_verdict != Verdict.DEAD)


def new_date_mismatch(link: LinkReport, before: LinkHistory) -> bool:
    """Dated after its article now, and not at its previous recorded result (or never recorded)."""
    return bool(link.date_mismatch) and not before.last_date_mismatch


@dataclass(frozen=True)
class SeedSet:
    """What a run was over: the series of runs "over the same seeds" when no ARCHIVER_JOB names one.

    The seed names (relative to the seed root) its articles came from. A report
    without seeds (an audit of another tool's files, where every archived page
    is an article) is over its article URLs instead: nothing else names it.
    """

    key: str  # SHA-256 of the kind ("seeds" or "urls") and the sorted names
    described: str  # reads after "the previous run of": "the same 3 seeds"

    @classmethod
    def of(cls, articles: Iterable[ArticleReport]) -> SeedSet:
        articles = list(articles)
        names = sorted({seed for article in articles for seed in article.seeds})
        if names:
            kind, described = "seeds", f"the same {_plural(len(names), 'seed')}"
        else:
            names = sorted({article.url for article in articles if article.url})
            kind, described = "urls", f"the same {_plural(len(names), 'article')} (no seeds)"
        # JSON keeps a name holding a newline from meeting two others.
        text = json.dumps([kind, *names], ensure_ascii=False)
        return cls(hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), described)
