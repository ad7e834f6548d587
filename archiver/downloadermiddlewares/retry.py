"""The documented path of :class:`~archiver.crawl.retry.BackoffRetryMiddleware`, kept working."""

from archiver.crawl.retry import BackoffRetryMiddleware

__all__ = ["BackoffRetryMiddleware"]
