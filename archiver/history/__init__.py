"""The history of link checks across runs: a dead link is confirmed after repeated failures.

The crawl runs every day or week over the same seeds; one run cannot tell a
dead link from a bad day. :class:`History` records every run's checks in a
database (``ARCHIVER_HISTORY_URL``, SQLite by default, PostgreSQL to share it
between machines) and :meth:`History.apply` fills in each link's history: a
``dead`` verdict (this run's, left as it is) is confirmed once :class:`DeadPolicy`
is met, and awaits confirmation until then. The rules are
in :mod:`archiver.history.rules`, the storage in :mod:`archiver.history.store`.

    with History.open(url_from_settings(os.environ)) as history:
        report = history.apply(report, checked_at=started, policy=DeadPolicy.from_settings(os.environ))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archiver.history.errors import HistoryError, SchemaTooNewError
from archiver.history.rules import DeadPolicy

if TYPE_CHECKING:
    from archiver.history.migrations import LATEST as SCHEMA_VERSION
    from archiver.history.store import DEFAULT_URL, CaptureRef, History, url_from_settings

# The store and its migrations load SQLAlchemy (0.3 s): a crawl whose report
# only needs DeadPolicy, and keeps no history, does not pay for them.
_LAZY = {"DEFAULT_URL": "store", "CaptureRef": "store", "History": "store", "url_from_settings": "store",
         "SCHEMA_VERSION": "migrations"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
    return getattr(module, "LATEST" if name == "SCHEMA_VERSION" else name)


__all__ = [
    "DEFAULT_URL",
    "SCHEMA_VERSION",
    "CaptureRef",
    "DeadPolicy",
    "History",
    "HistoryError",
    "SchemaTooNewError",
    "url_from_settings",
]
