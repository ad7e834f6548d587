"""A helper process that examines the pages the writer reads back, on the CPU the crawl leaves idle.

The writer examines the pages it reads back only when it has nothing to
write (:mod:`archiver.warc.readback`). A crawl bound by its own CPU (loopback,
a fast network) keeps one core busy and the writer part of the other: the
writer is seldom idle that long, and the pages it leaves are examined by the
report after the crawl, while the user waits. This process takes pages
too, while the crawl runs.

It runs under ``SCHED_IDLE`` (or at ``nice`` 19 where Linux's idle class
is missing): it is given a core only when the crawl and the writer leave one
idle, so a busy machine loses nothing but the memory of its start-up. It is
not waited for: when the writer closes, a page it has not sent back is
examined by the writer (when few are left) or by the report, as every page
was before, and the process is killed.

The writer holds two pipe ends (:class:`ExaminerLink`): it sends a few
captures at a time (``IN_FLIGHT``) and takes the results back between two
records, never waiting on this process.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from archiver.warc.children import QuietSpawnContext, die_with_parent, leave_signals_to_parent

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from archiver.warc.index import Capture

logger = logging.getLogger(__name__)

PROTOCOL = pickle.HIGHEST_PROTOCOL
# Captures sent and not yet examined: enough that the helper does not wait
# for the writer's next turn, few enough that little is lost at the close.
IN_FLIGHT = 4


class Examine(Protocol):
    """What examines a capture read back: the crawl's :class:`archiver.analysis.pages.ExamineAhead`."""

    def __call__(self, path: Path, capture: Capture, article: bool) -> object | None:
        """The capture's page examined as the report would (``article``: as an article's), or None."""

    def worth_finishing(self, pages: int, articles: int) -> bool:
        """Whether pages left at the close are best examined by the writer and its helper, not the report."""


def _lowest_priority() -> None:
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.nice(19)
        except OSError:
            pass  # it still only works ahead; at worst it competes like any process


def _serve(examine_pickled: bytes, jobs: Connection, results: Connection, parent: int) -> None:
    leave_signals_to_parent()
    die_with_parent(parent)
    _lowest_priority()
    # Unpickled here, not as an argument: its imports (the analysis, trafilatura)
    # are a second of CPU, which is to be taken at the lowest priority too.
    examine: Examine = pickle.loads(examine_pickled)
    while True:
        try:
            number, path, capture, article = pickle.loads(jobs.recv_bytes())
        except EOFError:
            return  # the writer has closed: what is left is the report's
        try:
            result = examine(path, capture, article)
        except Exception as error:  # noqa: BLE001 - the report examines the page itself
            logger.debug("Examining %s ahead of the report failed: %s", capture.url, error)
            result = None
        try:
            results.send_bytes(pickle.dumps((number, result), PROTOCOL))
        except OSError:
            return


@dataclass
class ExaminerLink:
    """The writer's side: send captures, take results back; never blocks on the helper."""

    jobs: Connection
    results: Connection
    in_flight: int = IN_FLIGHT
    sent: dict[int, Any] = field(default_factory=dict)  # number → what the writer keeps for it
    numbered: int = 0
    broken: bool = False

    def free(self) -> bool:
        return not self.broken and len(self.sent) < self.in_flight

    def send(self, path: Path, capture: Capture, article: bool, keep: Any) -> bool:
        """Have ``examine(path, capture, article)`` called there; :meth:`received` gives ``keep`` with its result.

        False: the helper is gone (killed, out of memory), and the capture is still the caller's.
        """
        self.numbered += 1
        try:
            self.jobs.send_bytes(pickle.dumps((self.numbered, path, capture, article), PROTOCOL))
        except OSError:
            self.broken = True
            return False
        self.sent[self.numbered] = keep
        return True

    def received(self) -> Iterator[tuple[Any, object | None]]:
        """The results ready now: (``keep``, result) pairs."""
        try:
            while not self.broken and self.sent and self.results.poll():  # no system call with nothing out
                number, result = pickle.loads(self.results.recv_bytes())
                yield self.sent.pop(number), result
        except (EOFError, OSError):
            self.broken = True

    def unsent(self) -> list[Any]:
        """What was sent and has not come back."""
        return list(self.sent.values())

    def close(self) -> None:
        self.broken = True
        self.jobs.close()  # the helper reads the end of its input and exits
        self.results.close()


def start_examiner(examine: Examine) -> tuple[BaseProcess, ExaminerLink]:
    """Start the helper; give the link to the writer process, kill the process once the writer is closed."""
    context = QuietSpawnContext()  # the crawl runs threads: no fork
    jobs_out, jobs_in = context.Pipe(duplex=False)
    results_out, results_in = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(pickle.dumps(examine, PROTOCOL), jobs_out, results_in,
                                                   os.getpid()), name="warc-examiner", daemon=True)
    process.start()
    jobs_out.close()
    results_in.close()
    return process, ExaminerLink(jobs_in, results_out)
