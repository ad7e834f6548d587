"""The links of an article's body, without its navigation, footer or boxes."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import trafilatura


@dataclass(frozen=True)
class BodyLink:
    url: str
    anchor_text: str | None


def refs_of(body, base_url: str | None) -> list[BodyLink]:
    """The links (<ref target> elements) of trafilatura's extracted body, once each.

    trafilatura is given no URL, so targets are as written and are resolved
    here: it would resolve every link of the page, navigation included (5%
    of its time), where only the few in the body are kept.
    """
    links: list[BodyLink] = []
    seen: set[str] = set()
    for ref in body.iter("ref"):
        target = (ref.get("target") or "").strip()
        if not target or target.startswith("#"):
            continue
        if base_url:
            target = urljoin(base_url, target)
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
