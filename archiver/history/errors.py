"""Errors of the history database."""

from __future__ import annotations


class HistoryError(ValueError):
    """The history database cannot be used: a bad URL, an unreachable server, a newer schema."""


class SchemaTooNewError(HistoryError):
    """The database was migrated by a newer archiver than this one."""

    def __init__(self, found: int, known: int, where: str = "the history database") -> None:
        self.found = found
        self.known = known
        super().__init__(
            f"{where} has schema version {found}, newer than version {known}, the newest this "
            f"archiver knows; upgrade the archiver (or point ARCHIVER_HISTORY_URL elsewhere)"
        )
