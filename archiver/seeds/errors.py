"""The one exception seed parsing raises for a seed it cannot use."""

from __future__ import annotations


class SeedError(ValueError):
    """A seed cannot be used; the message is the reason, written for the user."""

    @property
    def reason(self) -> str:
        return str(self)
