"""The documented path of :class:`~archiver.crawl.network.NetworkReachability`, kept working."""

from archiver.crawl.network import NetworkReachability

__all__ = ["NetworkReachability"]
