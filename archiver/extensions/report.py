"""The documented path of :class:`~archiver.crawl.reporting.ReportWriter`, kept working."""

from archiver.crawl.reporting import ReportWriter

__all__ = ["ReportWriter"]
