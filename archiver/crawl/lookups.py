"""Archived-copy lookups that never hold the crawl.

The crawl asks a web archive about each link that failed. The archive is
one host, often slow and rate-limited, sometimes unreachable; asked through
the crawl's queue, its lookups for a hundred dead links held the crawl for
minutes after every link was checked. So lookups have their own queue:

- at most ``ARCHIVER_ARCHIVE_CONCURRENCY`` in flight, each with its own
  ``ARCHIVER_ARCHIVE_TIMEOUT`` and no retries;
- ``ARCHIVER_ARCHIVE_BUDGET`` seconds in all, counted from the first one
  sent: what is still queued then is not asked;
- an archive whose name does not resolve, or that fails
  ``ARCHIVER_ARCHIVE_MAX_FAILURES`` lookups in a row (refused, timed out,
  5xx, 429), is not asked again in this run;
- one lookup per link in a run.

When the queue stops, it says why once: the spider logs it and archives it
(``urn:archiver:archive-lookups:`` metadata), so the report, and an audit
of the WARC files, say which links went unasked and why.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from archiver.warc.index import url_key

T = TypeVar("T")

# A name that does not resolve will not resolve a second later.
FAIL_AT_ONCE = {"dns_error"}


@dataclass(frozen=True)
class LookupStop:
    """Why an archive was no longer asked, and how many lookups that left unasked."""

    endpoint: str
    reason: str
    unasked: int


@dataclass
class LookupQueue(Generic[T]):
    """Which lookups to send now; pure bookkeeping, the spider sends them."""

    endpoint: str
    concurrency: int = 2
    budget: float = 60.0
    max_failures: int = 3
    clock: Callable[[], float] = time.monotonic
    pending: deque[T] = field(default_factory=deque)
    in_flight: int = 0
    failures_in_a_row: int = 0
    deadline: float | None = None
    stop: LookupStop | None = None
    unasked_after_stop: int = 0
    asked: set[str] = field(default_factory=set)

    def add(self, target: str, lookup: T) -> bool:
        """Queue a lookup for ``target``; False when it was asked for already or the archive is stopped."""
        key = url_key(target)
        if key in self.asked:
            return False
        self.asked.add(key)
        if self.stop is not None:
            self.unasked_after_stop += 1
            return False
        self.pending.append(lookup)
        return True

    def ready(self) -> list[T]:
        """The lookups to send now: within the concurrency, the budget and the archive's health."""
        if self.stop is None and self.pending and self.deadline is not None and self.clock() >= self.deadline:
            self._stop(f"the archive lookups' budget of {self.budget:g} s ran out")
        sending: list[T] = []
        while self.stop is None and self.pending and self.in_flight < self.concurrency:
            if self.deadline is None:
                self.deadline = self.clock() + self.budget
            sending.append(self.pending.popleft())
            self.in_flight += 1
        return sending

    def remaining(self) -> float:
        """Seconds left of the budget (all of it before the first lookup)."""
        if self.deadline is None:
            return self.budget
        return max(0.0, self.deadline - self.clock())

    def answered(self, status: int) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        if status == 429 or status >= 500:
            self._failed(f"HTTP {status}")
        else:
            self.failures_in_a_row = 0

    def failed(self, kind: str, message: str) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        if kind in FAIL_AT_ONCE:
            self._stop(f"its name did not resolve ({message})")
        else:
            self._failed(message)

    def _failed(self, what: str) -> None:
        self.failures_in_a_row += 1
        if self.failures_in_a_row >= self.max_failures:
            self._stop(f"{self.failures_in_a_row} lookups in a row failed, the last with {what}")

    def _stop(self, reason: str) -> None:
        if self.stop is None:
            self.stop = LookupStop(self.endpoint, reason, len(self.pending))
            self.pending.clear()

    def final_stop(self) -> LookupStop | None:
        """The stop, counting the lookups refused after it, for the crawl's end."""
        if self.stop is None:
            return None
        return LookupStop(self.endpoint, self.stop.reason, self.stop.unasked + self.unasked_after_stop)
