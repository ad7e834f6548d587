"""The rules of link history, as plain functions: no database here.

A link is called dead only after repeated failures, as Wikipedia's
InternetArchiveBot does: ``policy.checks`` failed checks (this one
included) spread over at least ``policy.days`` days, counted from the first
failure of the current failing streak. Any live result resets the streak.

What counts as a check:

- a status that says something about the link: ``ok`` and ``redirected``
  are alive; every other status but those in :data:`NOT_COUNTED` is a failure
  (a bot block or a timeout is a failure too: it lengthens the streak, but only
  a status whose verdict is ``dead`` in this run can be confirmed dead);
- only in a run whose network was reachable: an offline run counts against
  no link.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from archiver.analysis.health import ALIVE
from archiver.analysis.model import LinkReport, LinkStatus, Verdict
from archiver.config import read_setting

# Statuses that say nothing about the link itself: never fetched on purpose,
# or not fetched at all. They are no check, failed or passed.
NOT_COUNTED = frozenset({LinkStatus.ROBOTS_DISALLOWED, LinkStatus.EXCLUDED, LinkStatus.UNSUPPORTED,
                         LinkStatus.NOT_CHECKED})

UTC = datetime.timezone.utc


def utc(value: datetime.datetime) -> datetime.datetime:
    """The time in UTC; a naive time is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


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
        return f"dead after {self.checks} check{'s' if self.checks != 1 else ''} over {self.days} day{'s' if self.days != 1 else ''}"


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
    """One recorded result for one URL. ``verdict`` is the verdict the history gave
    (``dead`` only when confirmed)."""

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
    last_verdict: str | None = None  # of the last counted check
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
    """Why a failing link is not called dead yet."""
    since = utc(failing_since).date().isoformat()
    if failures < policy.checks:
        return f"failing {failures} of {policy.checks} checks needed since {since} ({policy.describe()})"
    spent = _days(utc(now) - utc(failing_since))
    return (f"failing {failures} checks since {since}, over {spent} of {policy.days} days needed "
            f"({policy.describe()})")


def judge(link: LinkReport, before: LinkHistory, checked_at: datetime.datetime,
          policy: DeadPolicy, network_reachable: bool = True) -> LinkReport:
    """The link with its history filled in and its verdict confirmed or held back.

    ``before`` sums up results recorded before ``checked_at``. In an offline run
    the result is no check and is not recorded; the fields come from before.
    """
    now = utc(checked_at)
    if not network_reachable:
        return replace(
            link,
            first_seen=before.first_seen,
            last_alive=before.last_alive,
            failing_since=before.failing_since,
            consecutive_failures=before.failures,
            revived=False,
        )
    after = advance(before, Check(now, link.status, link.verdict, link.date_mismatch))
    changes: dict[str, Any] = {
        "first_seen": after.first_seen,
        "last_alive": after.last_alive,
        "failing_since": after.failing_since,
        "consecutive_failures": after.failures,
        "revived": is_alive(link.status) and before.last_verdict == Verdict.DEAD,
    }
    if link.verdict == Verdict.DEAD and is_failure(link.status, link.verdict):
        assert after.failing_since is not None
        if not confirmed_dead(after.failures, after.failing_since, now, policy):
            note = pending_note(after.failures, after.failing_since, now, policy)
            changes["verdict"] = Verdict.UNCERTAIN
            changes["detail"] = f"{link.detail}; {note}" if link.detail else note
    return replace(link, **changes)


def newly_dead(link: LinkReport, before: LinkHistory, network_reachable: bool = True) -> bool:
    """Confirmed dead by this run's check, and not by the previous check."""
    return (network_reachable and counts(link.status) and link.verdict == Verdict.DEAD
            and before.last_verdict != Verdict.DEAD)


def new_date_mismatch(link: LinkReport, before: LinkHistory) -> bool:
    """Dated after its article now, and not at its previous recorded result (or never recorded)."""
    return bool(link.date_mismatch) and not before.last_date_mismatch
