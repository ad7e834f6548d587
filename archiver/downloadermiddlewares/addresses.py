"""The documented path of :class:`~archiver.crawl.addresses.PrivateAddressMiddleware`, kept working."""

from archiver.crawl.addresses import PrivateAddressMiddleware

__all__ = ["PrivateAddressMiddleware"]
