"""The documented path of :class:`~archiver.crawl.capture.WarcCaptureMiddleware`, kept working."""

from archiver.crawl.capture import WarcCaptureMiddleware

__all__ = ["WarcCaptureMiddleware"]
