"""Which soft-404 probes a crawl sends: one per host and URL shape, none once a host answers a real 404.

A probe is a random URL beside a page that answered 2xx. A site that
answers it with the same page answers anything: its 200s may be "not
found" pages (Bar-Yossef et al., WWW 2004). Probing every folder cost a
request per day of a /YYYY/MM/DD/slug site; here:

- folders that differ only in digits (dates, ids) share one probe
  (:func:`archiver.analysis.health.url_shape`, which the analysis uses to
  find each link's probe in the archive);
- a host has one probe in flight at a time. Its other shapes wait for the
  answer: a hard 404 (404 or 410) says the host's not-found handler is
  honest, and they are not probed; any other answer (a 2xx, a redirect's
  end, an error, no answer) sends their probes.

Plain Python, no Scrapy: the spider calls it and sends what it returns.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from archiver.analysis.health import url_shape

HARD_404 = frozenset({404, 410})


def sibling_probe(url: str) -> str:
    """A random URL in the same folder as ``url`` (letters only: its shape is the folder's)."""
    parts = urlsplit(url)
    folder = (parts.path or "/").rsplit("/", 1)[0] + "/"
    name = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
    return urlunsplit((parts.scheme, parts.netloc, folder + name, "", ""))


@dataclass
class _Host:
    waiting: list[tuple[str, int]] = field(default_factory=list)  # (page URL, depth) per shape
    in_flight: bool = False
    hard_404: bool | None = None  # what its first answered probe said; None: not yet


@dataclass(frozen=True)
class Probe:
    url: str
    depth: int  # the depth of the page it is beside


class ProbePlan:
    def __init__(self) -> None:
        self.shapes: set[tuple[str, str]] = set()  # probed, in flight or waiting
        self.hosts: dict[str, _Host] = {}

    def page_answered(self, url: str, depth: int) -> list[Probe]:
        """A page answered 2xx: the probe to send for its shape, if any is due now."""
        shape = url_shape(url)
        if shape in self.shapes:
            return []
        host = self.hosts.setdefault(shape[0], _Host())
        if host.hard_404:
            return []
        self.shapes.add(shape)
        if host.in_flight and host.hard_404 is None:
            host.waiting.append((url, depth))
            return []
        host.in_flight = True
        return [Probe(sibling_probe(url), depth)]

    def probe_answered(self, probe_url: str, status: int | None) -> list[Probe]:
        """A probe was answered (``status``) or failed (None): the probes that waited on it."""
        host = self.hosts.setdefault(url_shape(probe_url)[0], _Host())
        host.in_flight = False
        if host.hard_404 is None:
            host.hard_404 = status in HARD_404
        waiting, host.waiting = host.waiting, []
        if host.hard_404:
            return []
        return [Probe(sibling_probe(url), depth) for url, depth in waiting]
