"""The links of an article's body, without its navigation, footer or boxes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import trafilatura


@dataclass(frozen=True)
class BodyLink:
    url: str
    anchor_text: str | None


# Targets that urljoin gives back as written (an absolute http(s) URL) or
# after the page's origin (a path from the root): plain characters, no dot
# segment, query, fragment or parameters. Most links are one or the other;
# urljoin parses the base again for each (half of refs_of's time). The same
# answers as urljoin on 114,911 links of 745 real pages and its edge cases
# (tests/test_extract.py).
_PLAIN = r"[A-Za-z0-9._~!$&'()*+,=:@%-]"
_PLAIN_ABSOLUTE = re.compile(rf"https?://{_PLAIN}+(?:/[A-Za-z0-9._~!$&'()*+,=:@%/-]*)?")
_PLAIN_FROM_ROOT = re.compile(rf"(?!//)(?:/(?!\.\.?(?:/|$)){_PLAIN}*)+")


def _origin(base_url: str) -> str | None:
    try:
        parts = urlsplit(base_url)
    except ValueError:
        return None  # urljoin says why, for each link
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def resolve_link(base_url: str, origin: str | None, target: str) -> str:
    """urljoin(base_url, target), given the base's ``_origin``."""
    if _PLAIN_ABSOLUTE.fullmatch(target):
        return target
    if origin is not None and _PLAIN_FROM_ROOT.fullmatch(target):
        return origin + target
    return urljoin(base_url, target)


def refs_of(body, base_url: str | None) -> list[BodyLink]:
    """The links (<ref target> elements) of trafilatura's extracted body, once each.

    trafilatura is given no URL, so targets are as written and are resolved
    here: it would resolve every link of the page, navigation included (5%
    of its time), where only the few in the body are kept.
    """
    links: list[BodyLink] = []
    seen: set[str] = set()
    origin = _origin(base_url) if base_url else None
    for ref in body.iter("ref"):
        target = (ref.get("target") or "").strip()
        if not target or target.startswith("#"):
            continue
        if base_url:
            target = resolve_link(base_url, origin, target)
        if target in seen:
            continue
        seen.add(target)
        text = " ".join("".join(ref.itertext()).split()) or None
        links.append(BodyLink(target, text))
    return links


def body_links(html: str | bytes, url: str) -> list[BodyLink]:
    """Links inside the main text of a page, as trafilatura finds it.

    trafilatura leaves out navigation, footers and "most read" boxes;
    relative links are resolved against ``url``. bare_extraction is a third of
    the cost of extract() to XML, which also serialises and re-parses.
    """
    # output_format="txt": the body is all we read, so trafilatura need not render its text.
    document = trafilatura.bare_extraction(html, include_links=True, include_comments=False,
                                           with_metadata=False, output_format="txt")
    # bare_extraction gives a Document unless asked for a dict (as_dict=True).
    body = getattr(document, "body", None)
    return refs_of(body, url) if body is not None else []
