"""The links of an article's body, without its navigation, footer or boxes."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True)
class BodyLink:
    url: str
    anchor_text: str | None


def refs_of(body) -> list[BodyLink]:
    """The links (<ref target> elements) of trafilatura's extracted body, once each."""
    links: list[BodyLink] = []
    seen: set[str] = set()
    for ref in body.iter("ref"):
        target = (ref.get("target") or "").strip()
        if not target or target in seen or target.startswith("#"):
            continue
        seen.add(target)
        text = " ".join("".join(ref.itertext()).split()) or None
        links.append(BodyLink(target, text))
    return links


def body_links(html: str | bytes, url: str) -> list[BodyLink]:
    """Links inside the main text of a page, as trafilatura finds it.

    trafilatura leaves out navigation, footers and "most read" boxes, and
    resolves relative links against ``url``. bare_extraction is a third of
    the cost of extract() to XML, which also serialises and re-parses.
    """
    document = trafilatura.bare_extraction(html, url=url, include_links=True, include_comments=False,
                                           with_metadata=False)
    if document is None or document.body is None:
        return []
    return refs_of(document.body)
