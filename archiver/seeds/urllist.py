"""URL-list seeds: one article URL per line, '#' comments allowed."""

from __future__ import annotations

from .model import SeedDocument
from .urls import clean_url, is_http_url, loose_key

MEDIA_TYPE = "text/plain; charset=utf-8"


def parse_url_list(name: str, content: bytes, text: str) -> SeedDocument:
    urls: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url = clean_url(line)
        key = loose_key(url)
        if is_http_url(url) and key not in seen:
            seen.add(key)
            urls.append(url)
    return SeedDocument(
        name=name,
        format="urls",
        media_type=MEDIA_TYPE,
        content=content,
        text="",
        listed_urls=tuple(urls),
    )
