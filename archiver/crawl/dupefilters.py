"""Dupefilters that never drop a redirect hop.

Scrapy's dupefilter drops a redirect to a URL already seen: a redirect
loop then ends in silence instead of in "too many redirects", and a link
that redirects to a page fetched for another link loses the end of its
chain in the archive. Hops are still remembered, so a later link to the
same URL is not fetched again.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter


class RedirectHopMixin:
    def request_seen(self, request: Request) -> bool:
        seen = super().request_seen(request)  # type: ignore[misc]  # the dupefilter it is mixed into
        # redirect_urls: the documented meta key RedirectMiddleware sets on every hop.
        return seen and not request.meta.get("redirect_urls")


class RedirectHopDupeFilter(RedirectHopMixin, RFPDupeFilter):
    pass
