"""Every spelling of an address is judged as that address (issue 16, item 1)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import pytest
from scrapy import Request

from archiver.crawl.addresses import host_address, numeric_ipv4, refusal

pytestmark = pytest.mark.fast

LOOPBACK_FORMS = [
    "127.0.0.1", "2130706433", "0x7f000001", "0x7F.1", "0x7f.0.0.1", "0177.0.0.1", "0177.1",
    "127.1", "127.0.1", "127.0.0.01", "127.0.0.1.", "0x7f.0x0.0x0.0x1", "017700000001",
]
METADATA_FORMS = [
    "169.254.169.254", "2852039166", "0xa9fea9fe", "0xa9.0xfe.0xa9.0xfe", "0251.0376.0251.0376",
    "169.254.43518", "169.16689662", "0251.254.169.254", "169.254.169.254.",
]
ZERO_FORMS = ["0", "0.0.0.0", "0x0", "00", "0.0"]
IPV6_FORMS = [
    "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]",
    "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[::127.0.0.1]", "[64:ff9b::127.0.0.1]",
    "[64:ff9b::a9fe:a9fe]", "[2002:7f00:1::]", "[fe80::1]", "[::]", "[fc00::1]",
]
NAMES_OF_THIS_MACHINE = ["localhost", "LOCALHOST", "localhost.", "a.localhost", "x.y.localhost."]


@pytest.mark.parametrize("form", [*LOOPBACK_FORMS, *METADATA_FORMS, *ZERO_FORMS])
def test_numeric_forms_are_read_as_inet_aton_reads_them(form: str) -> None:
    expected = socket.inet_ntoa(socket.inet_aton(form.rstrip(".")))
    assert str(numeric_ipv4(form)) == expected


@pytest.mark.parametrize("name", ["example.com", "0x7g.1", "08.0.0.1", "127.0.0.256", "1.2.3.4.5",
                                  "256.1", "127..1", "1e3", "", "4294967296", "127.0.0.1..",
                                  "+1", "1_0", " 1"])
def test_names_and_malformed_numbers_are_no_address(name: str) -> None:
    assert numeric_ipv4(name) is None
    # what inet_aton refuses, a resolver asks DNS about (and a proxy does the same)
    if name and name.rstrip(".") == name and " " not in name:
        with pytest.raises(OSError):
            socket.inet_aton(name)


@pytest.mark.parametrize("host", [*LOOPBACK_FORMS, *METADATA_FORMS, *ZERO_FORMS, *IPV6_FORMS,
                                  *NAMES_OF_THIS_MACHINE, "%31%32%37.0.0.1", "10.1", "0xc0.0xa8.1.1",
                                  "127.0.0.1%00.news.example", "127.1%20news.example", "localhost%00.news.example",
                                  "%6c%6f%63%61%6c%68%6f%73%74", "0x7f.1%2e"])
def test_every_spelling_of_a_private_address_is_refused(host: str) -> None:
    assert refusal(host) is not None


@pytest.mark.parametrize("host", ["example.com", "93.184.216.34", "1572395042", "0x5d.0xb8.0xd8.0x22",
                                  "[2606:2800:220:1:248:1893:25c8:1946]", "[::ffff:93.184.216.34]",
                                  "localhost.example.com", "notlocalhost"])
def test_public_addresses_and_names_pass(host: str) -> None:
    assert refusal(host) is None


def test_a_bare_0x_is_read_as_the_url_standard_reads_it() -> None:
    # inet_aton refuses "0x"; the WHATWG URL parser (browsers, some proxies) reads 0.0.0.0.
    assert numeric_ipv4("0x") == numeric_ipv4("0x.0x.0x.0x") == ipaddress.IPv4Address(0)
    assert refusal("0x") is not None


def test_the_refusal_says_which_address_a_form_names() -> None:
    assert refusal("2852039166") == "2852039166 names 169.254.169.254, not a public address"
    assert refusal("127.0.0.1") == "127.0.0.1 is not a public address"
    assert refusal("a.localhost") == "a.localhost is this machine (RFC 6761), never a public address"


@pytest.mark.parametrize("host", [*LOOPBACK_FORMS, *METADATA_FORMS, *ZERO_FORMS, *IPV6_FORMS])
def test_scrapy_leaves_the_host_as_the_middleware_judges_it(host: str) -> None:
    # The request's URL is what the middleware sees; Scrapy and w3lib must
    # not turn a numeric host into a name it would then let through.
    seen = urlsplit(Request(f"http://{host}:8080/x").url).hostname
    assert seen is not None and refusal(seen) is not None
    assert host_address(seen) == host_address(host)
    assert isinstance(host_address(seen), ipaddress.IPv4Address | ipaddress.IPv6Address)
