"""The links of an article's body, without its navigation, footer or boxes."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura
from lxml import etree


@dataclass(frozen=True)
class BodyLink:
    url: str
    anchor_text: str | None


def body_links(html: str | bytes, url: str) -> list[BodyLink]:
    """Links inside the main text of a page, as trafilatura finds it.

    trafilatura leaves out navigation, footers and "most read" boxes, and
    resolves relative links against ``url``.
    """
    extracted = trafilatura.extract(
        html, url=url, output_format="xml", include_links=True, include_comments=False
    )
    if not extracted:
        return []
    root = etree.fromstring(extracted.encode("utf-8"))
    links: list[BodyLink] = []
    seen: set[str] = set()
    for ref in root.iter("ref"):
        target = (ref.get("target") or "").strip()
        if not target or target in seen or target.startswith("#"):
            continue
        seen.add(target)
        text = " ".join("".join(ref.itertext()).split()) or None
        links.append(BodyLink(target, text))
    return links
