"""The writer process reads its own files back while the crawl runs: the report's index, ready at the end.

The report at the end of a crawl used to read and check every file it had
just written: 1.1 s of CPU for a 28 MB link check, on the crawl's critical
path. The writer process waits on its pipe much of the time (a crawl waits on
the network); when it has had nothing to write for a moment
(``process.READ_BACK_AFTER_IDLE``) it reads back, from the file on disk,
the records it wrote since it last did, with the same reader and checks as ``archiver audit``
(:func:`~archiver.warc.filereader.read_segment`). The WARC stays the source
of truth: the index is what reading the file gives, not what the writer
meant to write.

It is the parallel reading of :mod:`archiver.warc.segments`, cut at record
starts the writer knows instead of searched for: pieces that end where a
record starts, merged in order, give the index of a sequential read. The
last record of each file is left for a last piece read once the file is
closed and renamed, from its offset to the end, with the end-of-file checks
of a sequential read. A file whose pieces do not join up (a reader that
stopped elsewhere, a read that failed, a write that failed) is dropped, and
the report reads it whole, as before.

Given ``examine`` (a picklable callable from the crawl, which knows what the
report will ask), it also examines each capture it has read back, one at a
time, when the writer has had nothing to write for a shorter moment: a
link's page (its titles and date, 1-2 ms) is ready before the crawl ends
instead of examined after it. With a ``helper`` (:mod:`archiver.warc.examiner`)
a few captures at a time also go to a process that takes the CPU the crawl
leaves idle, articles' pages first (their links and main text, which the
writer never takes: one can take half a second). The results go into the
file's index (``ArchiveIndex.examined``); pages not reached by then are left to the report.

Reading back comes before examining: what is not read back by the close is
read then, while the crawl waits. What is not examined by then is examined at
the close by the writer and its helper when it is little (``Examine.worth_finishing``),
and otherwise by the report, on every core.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.warc import OPEN_SUFFIX
from archiver.warc.filereader import read_segment
from archiver.warc.index import ArchiveIndex, Capture

if TYPE_CHECKING:
    from archiver.warc.cdxj import RecordLocation
    from archiver.warc.examiner import Examine, ExaminerLink
    from archiver.warc.writer import RollingWarcWriter

logger = logging.getLogger(__name__)

# Bytes read back at a time when the writer is idle: a few tens of ms of
# reading, so a record the crawl sends meanwhile waits no longer than that.
STEP_BYTES = 1 << 20


@dataclass
class _File:
    path: Path  # its final name; it is read under name + .open until closed
    starts: list[int] = field(default_factory=lambda: [0])  # record offsets not read yet (0: its warcinfo)
    index: ArchiveIndex = field(default_factory=ArchiveIndex)
    records: int = 0
    closed: bool = False  # closed and renamed: its last piece may be read

    def has_work(self, step: int) -> bool:
        # An open file's records are read a step's worth at a time: a piece of a
        # record or two would cost its reader's start-up for little reading.
        return self.closed or len(self.starts) > 1 and self.starts[-1] - self.starts[0] >= step

    def reading_path(self) -> Path:
        return self.path if self.closed else self.path.with_name(self.path.name + OPEN_SUFFIX)


class ReadBack:
    """Follows a :class:`~archiver.warc.writer.RollingWarcWriter`'s files; :meth:`indexes` at the end.

    Reading is done a piece at a time, when the writer has nothing to write
    (:meth:`step_once`): a file closed at a rollover keeps its last pieces
    for later, so the records the crawl sends meanwhile never wait on a
    whole file's reading. What is left is read when the writer closes.
    """

    def __init__(self, step: int = STEP_BYTES, examine: Examine | None = None,
                 helper: ExaminerLink | None = None) -> None:
        self.step = step
        self.following: list[_File] = []  # oldest first; the last one may still be written
        self.done: dict[Path, ArchiveIndex] = {}
        self.off = False  # after a failed write: nothing is handed over
        self.examine = examine
        self.to_examine: deque[tuple[_File, Capture]] = deque()  # links' pages read back, not examined yet
        # With examine: a process examining ahead too (archiver.warc.examiner).
        # While the crawl runs only it examines articles' pages (17 ms, and up to
        # half a second for a page of 2,000 links): the writer itself takes only
        # what fits between two records, and articles only at the close.
        self.helper = helper
        self.articles_to_examine: deque[tuple[_File, Capture]] = deque()
        self.article_urls: set[str] = set()  # of the article records read back

    def write(self, writer: RollingWarcWriter, records: Sequence) -> list[RecordLocation]:
        """``writer.write(records)``, following the files it writes and closes."""
        previous, closed_before = writer.current_path, len(writer.closed_files)
        try:
            locations = writer.write(records)
        except Exception:
            self.failed()
            raise
        if previous is not None and writer.current_path != previous:  # rolled over to a new file
            self.file_closed(previous, previous in writer.closed_files[closed_before:])
        self.written(writer.directory, locations)
        return locations

    def close(self, writer: RollingWarcWriter) -> None:
        """``writer.close()``, then read what is left of every file."""
        previous, closed_before = writer.current_path, len(writer.closed_files)
        try:
            writer.close()
        except Exception:
            self.failed()
            raise
        if previous is not None:
            self.file_closed(previous, previous in writer.closed_files[closed_before:])
        while self.pending():
            self.step_once()
        self.finish_examining()

    def finish_examining(self) -> None:
        """At the close, the crawl waiting: the pages left are examined here and by the helper, if few.

        Many are left to the report, which spreads them over every core.
        """
        if self.examine is not None and self.examine.worth_finishing(
                len(self.to_examine), len(self.articles_to_examine)):
            while self.to_examine or self.articles_to_examine:
                self.share_examining()
                if self.articles_to_examine:  # the helper is busy, or gone
                    self._examine_here(*self.articles_to_examine.popleft(), article=True)
                elif self.to_examine:
                    self._examine_here(*self.to_examine.popleft())
            if self.helper is not None:
                # Not waited for (under load it may not be given a core at all): done here too.
                self.take_from_helper()
                for piece, capture, article in self.helper.unsent():
                    self._examine_here(piece, capture, article=article)
        if self.helper is not None:
            self.take_from_helper()  # the first of the two results is kept
            self.helper.close()
        self.to_examine.clear()  # the report examines the rest, on every core
        self.articles_to_examine.clear()

    def written(self, directory: Path, locations: Sequence[RecordLocation]) -> None:
        """Records were written (their RecordLocations), in the current file or a new one."""
        if not locations or self.off:
            return
        name = locations[0].filename
        if not self.following or self.following[-1].path.name != name:
            self.following.append(_File(Path(directory) / name))
        self.following[-1].starts.extend(location.offset for location in locations)

    def file_closed(self, path: Path, renamed: bool) -> None:
        """The writer closed ``path`` (its final name; ``renamed`` False: it stays .open, not handed over)."""
        for piece in self.following:
            if piece.path == path:
                if renamed:
                    piece.closed = True
                else:
                    self.following.remove(piece)
                return

    def failed(self) -> None:
        """A write failed: what is on disk may not be what was read; the report reads the files whole."""
        self.off = True
        self.following.clear()
        self.done.clear()
        self.to_examine.clear()
        self.articles_to_examine.clear()
        if self.helper is not None:
            self.helper.close()
            self.helper = None

    def share_examining(self) -> None:
        """Take the helper's results, and send it captures read back (between two records: it never waits)."""
        if self.helper is None:
            return
        self.take_from_helper()
        while self.helper.free() and (self.articles_to_examine or self.to_examine):
            queue = self.articles_to_examine or self.to_examine
            article = queue is self.articles_to_examine
            piece, capture = queue[0]
            # Under the name it has now: .open until the writer closes it. A file
            # renamed before the helper opens it fails there, and is the report's.
            if self.helper.send(piece.reading_path(), capture, article, (piece, capture, article)):
                queue.popleft()

    def take_from_helper(self) -> None:
        assert self.helper is not None  # noqa: S101
        for (piece, capture, _), examined in self.helper.received():
            if examined is not None:
                piece.index.examined.setdefault((piece.path.name, capture.location.offset), examined)

    def pending(self) -> bool:
        """Is there a piece to read?"""
        return any(piece.has_work(self.step) for piece in self.following)

    def examining(self) -> bool:
        """Is there a capture read back and not examined yet?"""
        return bool(self.to_examine)

    def examine_once(self) -> None:
        """Examine the next link's page read back (see ``examine``)."""
        self._examine_here(*self.to_examine.popleft())

    def _examine_here(self, piece: _File, capture: Capture, article: bool = False) -> None:
        assert self.examine is not None  # noqa: S101 - only queued with it
        key = (piece.path.name, capture.location.offset)
        if key in piece.index.examined:
            return  # the helper's result came first
        try:
            # Read under the name it has now: .open until the writer closes it.
            examined = self.examine(piece.reading_path(), capture, article)
        except Exception as error:  # noqa: BLE001 - the report examines it itself
            logger.debug("Examining %s ahead of the report failed: %s", capture.url, error)
            return
        if examined is not None:
            piece.index.examined[key] = examined

    def step_once(self) -> None:
        """Read the next piece of the oldest file with one: whole records, about ``step`` bytes."""
        piece = next(p for p in self.following if p.has_work(self.step))
        if len(piece.starts) > 1:
            # Up to a record start, never the last one: it is read with the file's end.
            stop = 1
            while stop < len(piece.starts) - 1 and piece.starts[stop] - piece.starts[0] < self.step:
                stop += 1
            end: int | None = piece.starts[stop]
        else:
            stop, end = 1, None  # the last piece, to the end of the file: the end-of-file checks
        try:
            part, records, reached = read_segment(piece.reading_path(), piece.starts[0], end, name=piece.path.name)
        except Exception as error:  # noqa: BLE001 - the report reads the file itself, as it did before
            logger.debug("Read-back of %s failed: %s", piece.path, error)
            self.following.remove(piece)
            return
        if end is not None and reached != end:
            self.following.remove(piece)  # the reader did not stop where the next record starts
            return
        piece.index.merge(part)
        piece.records += records
        if self.examine is not None:
            # An article's record is written when its seeds are loaded, before its page.
            self.article_urls.update(record.article.url for record in part.articles if record.article.url)
            for capture in part.all_captures():
                if capture.url not in self.article_urls:
                    self.to_examine.append((piece, capture))
                elif self.helper is not None:
                    self.articles_to_examine.append((piece, capture))
        del piece.starts[:stop]
        if end is None:
            self.following.remove(piece)
            if piece.records:
                self.done[piece.path] = piece.index

    def indexes(self) -> dict[Path, ArchiveIndex]:
        """The index of each closed file that was read back whole."""
        return dict(self.done)
