"""The documented path of :class:`~archiver.crawl.dupefilters.RedirectHopDupeFilter`, kept working."""

from archiver.crawl.dupefilters import RedirectHopDupeFilter

__all__ = ["RedirectHopDupeFilter"]
