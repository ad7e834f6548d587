"""Helper processes of ours: they leave signals to their parent and die with it.

SIGTERM and Ctrl-C go to a whole process group (systemd's default
``KillMode``, a terminal). The process that started a helper decides how to
stop (Scrapy closes the spider, which closes the WARC files and writes the
report); a helper that died of the signal first would lose the records in
flight or break its pool with tracebacks. So helpers start with both
signals blocked (:class:`QuietSpawnContext`), ignore them once running, and
end when told, or when their parent is gone:

- the WARC writer reads its pipe, which closes when the crawl dies;
- a ``ProcessPoolExecutor`` worker holds both ends of its queue and would
  wait forever: it asks Linux for SIGKILL when its parent dies
  (``prctl(PR_SET_PDEATHSIG)``), and elsewhere a thread watches its parent;
  :func:`worker_pool` drops the work not started when its caller is interrupted.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 1.0
PARENTS_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class _QuietStartProcess(multiprocessing.context.SpawnProcess):
    """Started with SIGINT and SIGTERM blocked, as multiprocessing starts its resource tracker.

    The mask is inherited through fork and exec: a signal sent while the
    new interpreter imports (a second or so) waits, and is then dropped by
    :func:`leave_signals_to_parent`, instead of killing the helper with a
    traceback. In the parent it waits only for the fork.
    """

    def start(self) -> None:
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, PARENTS_SIGNALS)
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


class QuietSpawnContext(multiprocessing.context.SpawnContext):
    """``spawn`` (the caller may run threads: no fork), its processes started as above."""

    Process = _QuietStartProcess


def leave_signals_to_parent() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, PARENTS_SIGNALS)  # what came meanwhile is ignored


def _ask_for_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (the pid that started it) dies, however it died."""
    if not _ask_for_death_signal():
        threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def pool_worker_setup(parent: int) -> None:
    """``ProcessPoolExecutor(initializer=pool_worker_setup, initargs=(os.getpid(),))``.

    Linux sends the death signal when the *thread* that started the worker
    ends: pools are made and used in one thread (a ``with`` block, or the
    crawl's reactor thread), which outlives them.
    """
    leave_signals_to_parent()
    die_with_parent(parent)


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of spawned workers (the caller may run threads: no fork) set up as above.

    Left by an exception (Ctrl-C: the workers ignore it, the caller does
    not), the work not started is dropped rather than waited for.
    """
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=QuietSpawnContext(),
                               initializer=pool_worker_setup, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
