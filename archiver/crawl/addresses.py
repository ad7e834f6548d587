"""Refuse requests to private, loopback and link-local addresses.

A seed is untrusted input: a link to ``http://169.254.169.254/`` or to a
service on the crawling machine must not be fetched on the user's behalf.
The middleware runs after ``HttpProxyMiddleware`` (750) so that it knows
whether a proxy will carry the request: a proxy resolves names itself, so
then only hosts that name an address by themselves can be judged here.

Such a host is read the way resolvers and browsers read it, not only in
dotted-quad form: ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1`` and
``0`` all name an address of this machine to ``inet_aton``, to curl and to
every common proxy. ``localhost`` and ``*.localhost`` are this machine
whoever resolves them (RFC 6761), so the proxy's own. A redirect is a new
request through the downloader middlewares: every hop is judged too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from urllib.parse import unquote, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.crawl.failures import ExcludedRequest
from archiver.crawl.settings import config_of

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv4 parts as inet_aton(3) and the WHATWG URL standard read them.
_HEX_PART = re.compile(r"0x[0-9a-f]*")
_OCTAL_PART = re.compile(r"0[0-7]+")
_DECIMAL_PART = re.compile(r"0|[1-9][0-9]*")
# The well-known NAT64 prefix (RFC 6052): the IPv4 address sits in the last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_C_STRING_END = re.compile(r"[\x00\s]")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and that a gateway would reach."""
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if not all(is_public(embedded) for embedded in _embedded_ipv4(address)):
            return False
        if address.ipv4_mapped is not None:
            return True  # judged as its IPv4 address, which is public
    return address.is_global and not address.is_multicast


def _ipv4_part(part: str) -> int | None:
    if _HEX_PART.fullmatch(part):
        return int(part[2:] or "0", 16)
    if _OCTAL_PART.fullmatch(part):
        return int(part[1:], 8)
    if _DECIMAL_PART.fullmatch(part):
        return int(part)
    return None


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host written in numbers names, in any form inet_aton accepts.

    One to four parts, each decimal, octal (a leading 0) or hex (0x); the
    last fills the bytes left (``127.1`` is 127.0.0.1, ``2130706433`` too).
    A trailing dot is the DNS root, as in ``127.0.0.1.``.
    """
    parts = host.lower().split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *leading, last = [number for number in numbers if number is not None]
    if any(number > 0xFF for number in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def _as_a_resolver_reads(host: str) -> str:
    """The host a proxy would resolve: percent-decoded, and cut where C stops reading it.

    C's string ends at a NUL, and inet_aton ignores whatever follows a space:
    ``127.0.0.1%00.example.com`` is 127.0.0.1 to a proxy that decodes it.
    """
    return _C_STRING_END.split(unquote(host), maxsplit=1)[0].strip("[]").lower()


def host_address(host: str) -> IPAddress | None:
    """The address a URL's host names by itself, whatever its spelling; None for a name."""
    host = _as_a_resolver_reads(host)
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return numeric_ipv4(host)


def is_this_machine(host: str) -> bool:
    """``localhost`` and every name under it: loopback for any resolver (RFC 6761 §6.3)."""
    name = _as_a_resolver_reads(host).rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def refusal(host: str) -> str | None:
    """Why a host is refused without resolving it, or None when only a resolver can tell."""
    if is_this_machine(host):
        return f"{host} is this machine (RFC 6761), never a public address"
    address = host_address(host)
    if address is None or is_public(address):
        return None
    if str(address) == host.strip("[]"):
        return f"{address} is not a public address"
    return f"{host} names {address}, not a public address"


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
        why = refusal(host)
        if why is not None:
            self._refuse(request, why)
        if host_address(host) is not None or request.meta.get("proxy"):
            return
        private = await self._resolved_private(host)
        if private:
            self._refuse(request, f"{host} resolves to {private}, not a public address")

    def _refuse(self, request: Request, why: str) -> None:
        self.crawler.stats.inc_value("archiver/excluded/private_address_count")
        raise ExcludedRequest(f"Refused {request.url}: {why} (set ARCHIVER_ALLOW_PRIVATE to allow)")
