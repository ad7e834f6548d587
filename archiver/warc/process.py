"""A :class:`RollingWarcWriter` in its own process, fed through a pipe.

Writing a record is mostly CPU: digests, warcio's header serialisation and
gzip (2 ms for a 50 KB page at level 6). In a thread of the crawling
process that work fights Scrapy's event loop for the GIL: measured on
2,000 pages, the loop ran 8 s slower than with no WARC at all. Here the
crawl only pickles what it fetched into a pipe; records are built,
compressed, written and indexed on another core.

What crosses the pipe is a *recipe*: a function of :mod:`archiver.warc.records`
(pickled by name) and its arguments, called in the writer process with its
:class:`~warcio.warcwriter.WARCWriter`. The pipe is the bounded queue:
when the writer falls behind, ``write`` blocks and memory stays flat.

The writer ignores SIGINT and SIGTERM (see :mod:`archiver.warc.children`):
the crawl tells it when to close. If the crawling process dies, the writer sees the pipe close and leaves its
file as ``.open`` for :mod:`archiver.crawl.resume` to recover, as a killed in-process
writer would.
"""

from __future__ import annotations

import fcntl
import logging
import pickle
import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The writer itself (warcio, cdxj-indexer) is imported in the writer process only.
from archiver.warc import DEFAULT_GZIP_LEVEL
from archiver.warc.children import QuietSpawnContext
from archiver.warc.examiner import Examine, ExaminerLink, start_examiner

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from archiver.warc.index import ArchiveIndex

logger = logging.getLogger(__name__)

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PROTOCOL = pickle.HIGHEST_PROTOCOL
PIPE_BYTES = 1 << 20  # Linux's default cap (/proc/sys/fs/pipe-max-size): about 20 pages queued
# Seconds without a record before the writer reads its files back. A crawl
# that waits on the network leaves such gaps all the time; a CPU-bound one
# (loopback) hardly any: read back between its records, on a busy machine,
# the reading held the writer and then the crawl up (the crawl of the link
# check took 3-4 s longer at load 8), and its files are read at the close.
READ_BACK_AFTER_IDLE = 0.05
# With WriterSettings.examine_ahead, the writer reads back and examines in
# steps small enough to take between two records of a CPU-bound crawl: a
# page (1-2 ms) or 256 kB of records (about 10 ms) after 2 ms without a
# record. A record arriving meanwhile waits in the pipe (20 pages), not the
# crawl; the pages are examined on the writer's core while the crawl runs
# instead of after it. Reading back goes first: examining first left most of
# a loopback link check's file (20 of 28 MB, 1.1 s) to be read at the close.
# The writer's helper (archiver.warc.examiner) examines more, on idle CPU.
EXAMINE_AFTER_IDLE = 0.002
EXAMINING_STEP_BYTES = 256 << 10


@dataclass(frozen=True)
class WriterSettings:
    directory: Path
    prefix: str
    max_size: int
    warcinfo: Mapping[str, str]
    index: bool = True
    gzip_level: int = DEFAULT_GZIP_LEVEL
    on_open: Callable[[Path], None] | None = None  # called in the writer process; must pickle
    # Read the files back while idle, for the crawl's report (archiver.warc.readback).
    read_back: bool = False
    # With read_back: called on each capture read back, while idle (see ReadBack);
    # it must pickle. The crawl gives archiver.analysis.pages.ExamineAhead.
    examine_ahead: Examine | None = None


@dataclass(frozen=True)
class Closed:
    """What the writer process did, sent back when it closes."""

    files: list[Path]
    written: dict[str, int]
    # The index of each closed file read back whole (WriterSettings.read_back); the others are to be read.
    indexes: dict[Path, ArchiveIndex] = field(default_factory=dict)


def _widen(connection) -> None:
    try:
        fcntl.fcntl(connection.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass  # a smaller pipe only means write() waits sooner


def _serve(settings: WriterSettings, inbox, outbox, helper: ExaminerLink | None = None) -> None:
    from archiver.warc.children import leave_signals_to_parent
    from archiver.warc.readback import ReadBack
    from archiver.warc.writer import RollingWarcWriter

    # SIGTERM or Ctrl-C to the process group: the crawl closes the spider and
    # then this writer, with every record in flight written; killed, the
    # crawl closes the pipe, and the file stays .open for a resume.
    leave_signals_to_parent()

    writer = RollingWarcWriter(
        settings.directory, settings.prefix, settings.max_size, settings.warcinfo,
        index=settings.index, gzip_level=settings.gzip_level, on_open=settings.on_open,
    )
    read_back, idle = None, READ_BACK_AFTER_IDLE
    if settings.read_back and settings.examine_ahead is not None:
        read_back = ReadBack(EXAMINING_STEP_BYTES, examine=settings.examine_ahead, helper=helper)
        idle = EXAMINE_AFTER_IDLE
    elif settings.read_back:
        read_back = ReadBack()
    while True:
        if read_back is not None:
            read_back.share_examining()
        if read_back is not None and read_back.pending() and not inbox.poll(idle):
            read_back.step_once()  # nothing to write for a while: read back what was
            continue
        if read_back is not None and read_back.examining() and not inbox.poll(idle):
            read_back.examine_once()  # nothing to write for a moment: examine a page read back
            continue
        try:
            message = pickle.loads(inbox.recv_bytes())
        except EOFError:
            writer.abandon()  # the crawl died: leave the .open file to be recovered
            return
        if message is None:
            break
        recipe, args, kwargs, wanted = message
        try:
            made = recipe(writer.builder, *args, **kwargs)
            batch = made if isinstance(made, (tuple, list)) else [made]
            locations = read_back.write(writer, batch) if read_back is not None else writer.write(batch)
        except Exception as error:  # noqa: BLE001 - reported to the crawl, which logs it
            outbox.send(("error", wanted, f"{type(error).__name__}: {error}"))
            continue
        if wanted:
            outbox.send(("written", locations))
    try:
        read_back.close(writer) if read_back is not None else writer.close()
    except Exception as error:  # noqa: BLE001
        outbox.send(("error", False, f"closing the last file in {settings.directory}: "
                                     f"{type(error).__name__}: {error}"))
    indexes = read_back.indexes() if read_back is not None else {}
    outbox.send(("closed", Closed(writer.closed_files, writer.written, indexes)))


class WarcWriterProcess:
    """Starts the writer process when made; feed it with :meth:`write`, end with :meth:`close`."""

    def __init__(self, settings: WriterSettings,
                 on_error: Callable[[str], None] | None = None) -> None:
        """``on_error(message)`` is called, from another thread, when records could not be written."""
        self.on_error = on_error
        context = QuietSpawnContext()  # the crawl runs threads: no fork
        inbox_reader, self._inbox = context.Pipe(duplex=False)
        self._outbox, outbox_writer = context.Pipe(duplex=False)
        _widen(self._inbox)
        # A daemonic process may not start one: the writer's helper is started here.
        self._examiner: BaseProcess | None = None
        link: ExaminerLink | None = None
        if settings.read_back and settings.examine_ahead is not None:
            self._examiner, link = start_examiner(settings.examine_ahead)
        self._process = context.Process(target=_serve, args=(settings, inbox_reader, outbox_writer, link),
                                        name="warc-writer", daemon=True)
        self._process.start()
        inbox_reader.close()
        outbox_writer.close()
        if link is not None:
            link.close()  # the writer holds its ends; the helper sees its input end when the writer's closes
        self._waiting: deque[Future] = deque()
        self._closed: Future = Future()
        self._listener = threading.Thread(target=self._listen, name="warc-writer-results", daemon=True)
        self._listener.start()

    def write(self, recipe: Callable[..., Any], *args: Any, locations: bool = False,
              **kwargs: Any) -> Future | None:
        """Have ``recipe(builder, *args, **kwargs)``'s records written together.

        With ``locations=True``, a future of where they landed.
        """
        done: Future | None = Future() if locations else None
        if done is not None:
            self._waiting.append(done)
        try:
            # pickle.dumps, not Connection.send: ForkingPickler copies
            # copyreg's dispatch table on every call (0.3 ms a page).
            self._inbox.send_bytes(pickle.dumps((recipe, args, kwargs, locations), PROTOCOL))
        except (BrokenPipeError, OSError) as error:
            raise RuntimeError(f"the WARC writer process has stopped (exit code "
                               f"{self._process.exitcode}); nothing more can be archived") from error
        return done

    def _listen(self) -> None:
        while True:
            try:
                kind, *rest = self._outbox.recv()
            except EOFError:
                if not self._closed.done():
                    self._closed.set_exception(RuntimeError(
                        f"the WARC writer process exited (code {self._process.exitcode}) before closing"))
                return
            if kind == "written":
                self._waiting.popleft().set_result(rest[0])
            elif kind == "error":
                wanted, message = rest
                logger.error("Could not write WARC records: %s", message)
                if wanted:
                    self._waiting.popleft().set_exception(OSError(message))
                if self.on_error is not None:
                    self.on_error(message)
            else:
                self._closed.set_result(rest[0])
                return

    def close(self) -> Closed:
        """Write what is queued, close and index the last file; what was written."""
        try:
            self._inbox.send_bytes(pickle.dumps(None))
        except (BrokenPipeError, OSError):
            pass  # it has stopped already: the listener says how
        self._inbox.close()
        try:
            return self._closed.result()
        finally:
            self._process.join()
            self._listener.join()
            if self._examiner is not None:
                self._examiner.kill()  # not waited for: the pages it holds are the report's
                self._examiner.join()
