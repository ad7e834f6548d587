"""Finding kinds and exit statuses, shared by the crawl, the audit and the CLI.

A module of constants only, so the light integrity pass imports nothing heavy.
"""

from enum import StrEnum

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
# A crawl stopped by SIGTERM or Ctrl-C, files closed: a shell's status for Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


class FindingKind(StrEnum):
    """What ``--fail-on`` names (docs/audit.md, "--fail-on: findings as an exit status")."""

    INTEGRITY = "integrity"
    DEAD = "dead"
    UNCERTAIN = "uncertain"
    DATE_MISMATCH = "date_mismatch"
    TITLE_MISMATCH = "title_mismatch"
    DRIFT = "drift"  # a seed copy not unchanged
    NEW = "new"  # newly dead, new date mismatches, text changed since the previous run of the job
    CONFIRMED = "confirmed"  # dead links the history confirmed: a part of dead


FINDING_KINDS = tuple(FindingKind)
# What makes an audit or --fail-on-less crawl exit 1. Not uncertain (one run cannot
# tell), not new (a comparison, asked for by name), not confirmed (its links are
# findings of dead already).
DEFAULT_KINDS = frozenset(FINDING_KINDS) - {FindingKind.UNCERTAIN, FindingKind.NEW, FindingKind.CONFIRMED}
