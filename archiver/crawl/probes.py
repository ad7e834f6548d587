"""Which soft-404 probes a crawl sends: one per host and URL shape.

A probe is a random URL beside a page that answered 2xx. A site that
answers it with the same page answers anything: its 200s may be "not
found" pages (Bar-Yossef et al., WWW 2004). Probing every folder cost a
request per day of a /YYYY/MM/DD/slug site; folders that differ only in
digits (dates, ids) now share one probe
(:func:`archiver.analysis.health.url_shape`, which the analysis uses to
find each link's probe in the archive). A shape is probed once, whatever
its probe answers: a hard 404 settles it for the run.

A hard 404 does not settle the host's other shapes: one site answers a
missing /page/x with a 404 and a missing /soft/x with its front page (the
crawl tests' site does, as real CMSs with several handlers do).

Plain Python, no Scrapy: the spider calls it and sends what it returns.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from archiver.analysis.health import url_shape


def sibling_probe(url: str) -> str:
    """A random URL in the same folder as ``url`` (letters only: its shape is the folder's)."""
    parts = urlsplit(url)
    folder = (parts.path or "/").rsplit("/", 1)[0] + "/"
    name = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
    return urlunsplit((parts.scheme, parts.netloc, folder + name, "", ""))


@dataclass(frozen=True)
class Probe:
    url: str
    depth: int  # the depth of the page it is beside


class ProbePlan:
    def __init__(self) -> None:
        self.shapes: set[tuple[str, str]] = set()  # (host, shape) probed or in flight

    def page_answered(self, url: str, depth: int) -> list[Probe]:
        """A page answered 2xx: the probe to send for its shape, if it has none yet."""
        shape = url_shape(url)
        if shape in self.shapes:
            return []
        self.shapes.add(shape)
        return [Probe(sibling_probe(url), depth)]
