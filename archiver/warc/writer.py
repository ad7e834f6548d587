"""Rolling WARC files: named, opened, rolled over and closed as warcprox does.

A file is written as ``NAME.warc.gz.open`` and renamed when closed, so a
crash leaves an honest half file. Processes may share a folder: a name
carries the process id and a random part, the ``.open`` file is created
exclusively and the closed name is made with a hard link, which fails
rather than replace a file that exists; every record is its own gzip member and
is handed to the operating system at once (unbuffered), so a killed process loses at
most the records it had not written yet.

The writer indexes as it writes: it knows each record's URL, offset and
length, so the CDXJ lines (the ones cdxj-indexer would write) cost nothing
like re-reading the file at close, which took about 1 ms a record.

This class is synchronous; :mod:`archiver.warc.process` runs it in its own
process beside a crawl.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import secrets
import socket
import zlib
from collections.abc import Callable, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from isal import isal_zlib
from warcio import WARCWriter

from archiver.warc import DEFAULT_GZIP_LEVEL, OPEN_SUFFIX
from archiver.warc.cdxj import IndexLines, RecordLocation, cdxj_line, index_path_of
from archiver.warc.records import WARC_VERSION

logger = logging.getLogger(__name__)

ISAL_MAX_LEVEL = isal_zlib.ISAL_BEST_COMPRESSION  # 3


def _gzip_compressor(level: int):
    """A gzip compressor: ISA-L for the fast levels (1-3), zlib for the others.

    Both write standard gzip members; ISA-L's levels are several times
    faster than zlib's at a similar size, zlib's reach smaller files.
    """
    engine = isal_zlib if level <= ISAL_MAX_LEVEL else zlib
    return engine.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)


def _safe_host(name: str) -> str:
    # The host name ends up in a file name: keep it to portable characters.
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-") or "localhost"


def _rename_exclusively(source: Path, target: Path) -> bool:
    """Give ``source`` the name ``target`` unless a file has it; False when one has.

    os.rename replaces an existing target without a word; a hard link
    fails instead. Where hard links are not allowed (some network and FAT
    file systems), the target is checked first: a narrow race, but only
    with a name that holds this process's id and a random part.
    """
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError:  # EPERM, ENOTSUP...: no hard links here
        if target.exists():
            return False
        os.rename(source, target)
        return True
    os.unlink(source)
    return True


class RollingWarcWriter:
    """Writes records to ``{prefix}-{timestamp}-{serial}-{pid}_{random}-{host}.warc.gz`` files.

    ``warcinfo`` gives the fields of the ``warcinfo`` record that opens each
    file (a mapping, or a callable returning one).
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        max_size: int,
        warcinfo: Mapping[str, str] | Callable[[], Mapping[str, str]],
        *,
        index: bool = True,
        on_open: Callable[[Path], None] | None = None,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = warcinfo
        self.index = index
        self.on_open = on_open
        self.gzip_level = gzip_level
        self.host = _safe_host(socket.gethostname())
        self.serial = 0
        self.closed_files: list[Path] = []
        self.written: dict[str, int] = {}  # records written, by type
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._index_lines = IndexLines(self.directory)
        # One uncompressed record at a time: each becomes a gzip member of its own below.
        self._plain = BytesIO()
        # warcio's WARCWriter builds the records it writes (create_warc_record…).
        self.builder = WARCWriter(self._plain, gzip=False, warc_version=WARC_VERSION)

    @property
    def current_path(self) -> Path | None:
        return self._path

    def _open_new(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self.serial += 1
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S%f")[:17]
            # The process id and a random part: two processes (or containers
            # with the same host name and pid) never pick the same name.
            unique = f"{os.getpid()}_{secrets.token_hex(3)}"
            name = f"{self.prefix}-{stamp}-{self.serial:05d}-{unique}-{self.host}.warc.gz"
            final = self.directory / name
            if final.exists():
                continue
            try:
                # Exclusive creation: two processes sharing a folder never
                # write into the same file.
                self._file = open(self.directory / (name + OPEN_SUFFIX), "xb", buffering=0)
            except FileExistsError:
                continue
            break
        self._path = final
        if self.on_open is not None:
            self.on_open(final)
        fields = self.warcinfo() if callable(self.warcinfo) else self.warcinfo
        self._write(self.builder.create_warcinfo_record(name, dict(fields)))
        logger.info("Writing WARC file %s", self.directory / (name + OPEN_SUFFIX))

    def _write(self, record) -> RecordLocation:
        assert self._file is not None and self._path is not None
        self._plain.seek(0)
        self._plain.truncate()
        self.builder.write_record(record)
        packer = _gzip_compressor(self.gzip_level)
        with self._plain.getbuffer() as plain:
            member = packer.compress(plain) + packer.flush()
        offset = self._file.tell()
        try:
            # Unbuffered: a write the disk refuses leaves nothing behind in a buffer.
            view = memoryview(member)
            while view:
                view = view[self._file.write(view):]
        except OSError:
            self._cut_back(offset)
            raise
        location = RecordLocation(self._path.name, offset, len(member))
        self.written[record.rec_type] = self.written.get(record.rec_type, 0) + 1
        if self.index and (line := cdxj_line(record, location)):
            self._index_lines.write(line)
        return location

    def _cut_back(self, offset: int) -> None:
        """Drop what a failed write left of a record (a full disk): the file stays whole records.

        Cutting frees space, so it works on a full disk; a resume then sees
        no trace of the record and fetches its URL again.
        """
        assert self._file is not None
        try:
            self._file.truncate(offset)
            self._file.seek(offset)
        except OSError as error:
            logger.error("Could not cut the partial record at %d of %s: %s", offset, self._path, error)

    def write(self, records: Sequence) -> list[RecordLocation]:
        """Write records together into one file (a request stays with its response)."""
        if self._file is not None and self._file.tell() >= self.max_size:
            # The next file opens before the full one is closed, so a crawl
            # always has an .open file, even when it is killed mid-rollover.
            full = (self._file, self._path, self._index_lines)
            self._index_lines = IndexLines(self.directory)
            self._open_new()
            self._finish(*full)
        if self._file is None:
            self._open_new()
        return [self._write(record) for record in records]

    def _finish(self, file: BinaryIO, path: Path | None, index_lines: IndexLines) -> None:
        assert path is not None  # set whenever a file is
        file.close()
        if self.index:
            # Written before the rename: a closed WARC always has its index.
            index = index_path_of(path)
            partial = index.with_name(index.name + OPEN_SUFFIX)
            try:
                index_lines.write_sorted(partial)
            except OSError:
                # A full disk: no half index is left; the WARC stays .open
                # and a resume indexes it.
                partial.unlink(missing_ok=True)
                raise
            os.replace(partial, index)
        if not _rename_exclusively(path.with_name(path.name + OPEN_SUFFIX), path):
            logger.error("Not closing WARC file %s: a file of that name exists; it stays .open", path)
            return
        self.closed_files.append(path)
        logger.info("Closed WARC file %s", path)

    def abandon(self) -> None:
        """Let go of the current file as it is: ``.open``, unindexed, for a resume to recover."""
        if self._file is not None:
            self._file.close()
            self._file = self._path = None

    def close(self) -> None:
        """Close the current file, index it and give it its final name."""
        if self._file is not None:
            full = (self._file, self._path, self._index_lines)
            self._file = self._path = None
            self._index_lines = IndexLines(self.directory)
            self._finish(*full)
