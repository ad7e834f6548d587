"""Rolling WARC files: named, opened, rolled over and closed as warcprox does.

A file is written as ``NAME.warc.gz.open`` and renamed when closed, so a
crash leaves an honest half file; every record is its own gzip member and
is flushed to the operating system at once, so a killed process loses at
most the records it had not written yet.

Compressing is the costliest part of capture (warcio's level 9 takes 2.4 ms
for a 50 KB page). zlib releases the GIL, so records are compressed and
written by one worker thread, in order, on another core than the crawl's
event loop; ``write`` returns a future of where the records landed.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import queue
import socket
import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from io import BytesIO
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer
from warcio.recordbuilder import RecordBuilder
from warcio.warcwriter import WARCWriter

from archiver.warc.records import WARC_VERSION

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
DEFAULT_GZIP_LEVEL = 6  # gzip's own default; 9 costs as much again for 0.1% less
QUEUE_RECORDS = 256  # pending writes before write() waits: bounded memory


@dataclass(frozen=True)
class RecordLocation:
    """Where a record landed: the key a finding is traced back with."""

    filename: str
    offset: int
    length: int


def _safe_host(name: str) -> str:
    # The host name ends up in a file name: keep it to portable characters.
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-") or "localhost"


def index_warc(path: Path) -> Path:
    """Write a sorted CDXJ index beside a closed WARC file."""
    index_path = path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj")
    with open(index_path, "w", encoding="utf-8") as out:
        CDXJIndexer(out, [str(path)], sort=True).process_all()
    return index_path


class RollingWarcWriter:
    """Writes records to ``{prefix}-{timestamp}-{serial}-{host}.warc.gz`` files.

    ``warcinfo`` is called for each new file and returns the fields of the
    ``warcinfo`` record that opens it.
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        max_size: int,
        warcinfo: Callable[[], Mapping[str, str]],
        *,
        index: bool = True,
        on_close: Callable[[Path], None] | None = None,
        on_open: Callable[[Path], None] | None = None,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = warcinfo
        self.index = index
        self.on_close = on_close
        self.on_open = on_open
        self.gzip_level = gzip_level
        self.host = _safe_host(socket.gethostname())
        self.builder = RecordBuilder(warc_version=WARC_VERSION)
        self.serial = 0
        self.closed_files: list[Path] = []
        self._file = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        # Indexing a 1 GB file takes seconds: off the crawl's event loop.
        self._indexer: ThreadPoolExecutor | None = None
        self._indexing: list[Future] = []
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_RECORDS)
        self._thread: threading.Thread | None = None

    @property
    def current_path(self) -> Path | None:
        return self._path

    def _open_new(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self.serial += 1
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
            name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.host}.warc.gz"
            final = self.directory / name
            if final.exists():
                continue
            try:
                # Exclusive creation: two processes sharing a folder never
                # write into the same file.
                self._file = open(self.directory / (name + OPEN_SUFFIX), "xb")
            except FileExistsError:
                continue
            break
        self._path = final
        if self.on_open is not None:
            self.on_open(final)
        self._writer = WARCWriter(BytesIO(), gzip=False, warc_version=WARC_VERSION)
        info = self.builder.create_warcinfo_record(name, dict(self.warcinfo()))
        self._write(info)
        logger.info("Writing WARC file %s", self._file.name)

    def _write(self, record) -> RecordLocation:
        assert self._file is not None and self._writer is not None
        plain = BytesIO()
        self._writer.out = plain
        self._writer.write_record(record)
        packer = zlib.compressobj(self.gzip_level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        member = packer.compress(plain.getbuffer()) + packer.flush()
        offset = self._file.tell()
        self._file.write(member)
        self._file.flush()
        return RecordLocation(self._path.name, offset, len(member))

    def write(self, records: Sequence) -> Future:
        """Queue records to be written together into one file; a future of their locations.

        A request stays with its response. When the queue is full this waits:
        memory stays bounded however fast responses come.
        """
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="warc-writer", daemon=True)
            self._thread.start()
        done: Future = Future()
        self._queue.put((list(records), done))
        return done

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            records, done = item
            try:
                done.set_result(self._write_now(records))
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits on it
                logger.exception("Could not write WARC records")
                done.set_exception(error)

    def _write_now(self, records: Sequence) -> list[RecordLocation]:
        if self._file is not None and self._file.tell() >= self.max_size:
            # The next file opens before the full one is closed, so a crawl
            # always has an .open file, even when it is killed mid-rollover.
            full = (self._file, self._path)
            self._open_new()
            self._finish(*full)
        if self._file is None:
            self._open_new()
        return [self._write(record) for record in records]

    def _finish(self, file, path: Path) -> None:
        file.close()
        os.replace(path.with_name(path.name + OPEN_SUFFIX), path)
        self.closed_files.append(path)
        logger.info("Closed WARC file %s", path)
        if self.index:
            if self._indexer is None:
                self._indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cdxj")
            self._indexing.append(self._indexer.submit(index_warc, path))
        if self.on_close is not None:
            self.on_close(path)

    def close(self) -> None:
        """Write what is queued, close the current file, wait for every index."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._file is not None:
            full = (self._file, self._path)
            self._file = self._writer = self._path = None
            self._finish(*full)
        for future in self._indexing:
            try:
                future.result()
            except Exception:  # noqa: BLE001 - the WARC is sound; only its index is missing
                logger.exception("Could not write the CDXJ index of a WARC file")
        self._indexing.clear()
        if self._indexer is not None:
            self._indexer.shutdown()
            self._indexer = None
