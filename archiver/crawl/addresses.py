"""Refuse requests to private, loopback and link-local addresses.

A seed is untrusted input: a link to ``http://169.254.169.254/`` or to a
service on the crawling machine must not be fetched on the user's behalf.
The middleware runs after ``HttpProxyMiddleware`` (750) so that it knows
whether a proxy will carry the request: a proxy resolves names itself, so
then only literal IP targets can be judged here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.crawl.failures import ExcludedRequest
from archiver.crawl.settings import config_of

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class PrivateAddressMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        if config_of(crawler).allow_private:
            raise NotConfigured("ARCHIVER_ALLOW_PRIVATE is on")
        self.crawler = crawler
        self._verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        return cls(crawler)

    async def _resolved_private(self, host: str) -> str | None:
        """The first non-public address the name resolves to, if any."""
        if host not in self._verdicts:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, None, type=socket.SOCK_STREAM
                )
            except OSError:
                # Not ours to report: the download fails and says so.
                return None
            addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
            private = sorted(str(a) for a in addresses if not is_public(a))
            if len(self._verdicts) > 10_000:
                self._verdicts.clear()
            self._verdicts[host] = private[0] if private else None
        return self._verdicts[host]

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname
        if not host:
            return
        literal = literal_address(host)
        if literal is not None:
            if not is_public(literal):
                self._refuse(request, f"{literal} is not a public address")
            return
        if request.meta.get("proxy"):
            return
        private = await self._resolved_private(host)
        if private:
            self._refuse(request, f"{host} resolves to {private}, not a public address")

    def _refuse(self, request: Request, why: str) -> None:
        self.crawler.stats.inc_value("archiver/excluded/private_address_count")
        raise ExcludedRequest(f"Refused {request.url}: {why} (set ARCHIVER_ALLOW_PRIVATE to allow)")
