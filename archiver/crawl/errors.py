"""Errors that stop a crawl before its first request.

Each message is one line naming the path or setting at fault and the fix;
``scrapy crawl`` prints it as its last line, without a traceback
(archiver/crawl/commands/crawl.py). They keep the built-in type a caller of
earlier releases caught (FileNotFoundError, OSError).
"""

from __future__ import annotations

from archiver.config import SettingError


class CannotStart(Exception):
    """The crawl cannot begin; the message says why and what to change."""


class SeedPathMissing(CannotStart, FileNotFoundError):
    """The seed file or folder does not exist."""


class FolderNotWritable(CannotStart, OSError):
    """A folder the crawl must write into (WARC files, the report) cannot be written."""


def is_startup_error(error: BaseException) -> bool:
    """Whether a crawl that failed to start failed with a message written for the person running it.

    Besides ours: a bad setting, and a history database that cannot be used.
    """
    # Imported here: the history package loads SQLAlchemy, which a crawl
    # without a history never needs; this runs only when a crawl failed.
    from archiver.history.errors import HistoryError

    return isinstance(error, (CannotStart, SettingError, HistoryError))
