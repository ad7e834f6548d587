"""Archived-copy lookups against a local TimeGate and availability API.

The stub speaks the real protocols: its TimeGate redirects as RFC 7089
pattern 2.1 does (302, Location, Vary, Link, and no Memento-Datetime on
the redirect: that header belongs to the memento), its mementos carry
Memento-Datetime, and its availability API answers in the JSON shape of
archive.org/wayback/available.
"""

from __future__ import annotations

import datetime
import json
import threading
import urllib.error
import urllib.request
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from archiver.analysis.memento import LookupRequest, is_before, lookup_request, parse_response
from archiver.analysis.model import ArchivedCopy

pytestmark = pytest.mark.fast

UTC = datetime.UTC
STORY = "http://news.example/story"
BAD_DATE = "http://news.example/bad-date"
UNKNOWN = "http://news.example/never-archived"

CAPTURES = {
    STORY: [
        datetime.datetime(2019, 12, 1, tzinfo=UTC),
        datetime.datetime(2020, 2, 1, tzinfo=UTC),
        datetime.datetime(2021, 6, 1, tzinfo=UTC),
    ],
    BAD_DATE: [datetime.datetime(2020, 1, 1, tzinfo=UTC)],
}


def stamp(when: datetime.datetime) -> str:
    return when.strftime("%Y%m%d%H%M%S")


def http_date(when: datetime.datetime) -> str:
    return format_datetime(when, usegmt=True)


class ArchiveHandler(BaseHTTPRequestHandler):
    """/timegate/<url>: picks the capture at or before Accept-Datetime (else the first).
    /closest-timegate/<url>: picks the closest either way, as the Wayback Machine does.
    /memento/<14 digits>/<url>: the capture itself.
    /wayback/available?url=…&timestamp=…: the availability API.
    """

    def log_message(self, format, *args):  # keep pytest's output clean
        pass

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def memento_url(self, target: str, when: datetime.datetime) -> str:
        return f"{self.base}/memento/{stamp(when)}/{target}"

    def link_datetime(self, target: str, when: datetime.datetime) -> str:
        return "garbage" if target == BAD_DATE else http_date(when)

    def answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        for prefix, route in (
            ("/timegate/", self.timegate),
            ("/closest-timegate/", self.timegate),
            ("/memento/", self.memento),
            ("/wayback/available", self.available),
        ):
            if self.path.startswith(prefix):
                return route(prefix)
        self.answer(404, {"Content-Type": "text/plain"}, b"not found")

    def timegate(self, prefix: str) -> None:
        # The URI-R is everything after the prefix, its own query included.
        target = self.path[len(prefix):]
        captures = CAPTURES.get(target)
        if not captures:
            return self.answer(404, {"Content-Type": "text/plain"}, b"no mementos")
        wanted = self.headers.get("Accept-Datetime")
        if wanted is None:
            chosen = captures[-1]
        else:
            try:
                when = parsedate_to_datetime(wanted)
            except (ValueError, TypeError):
                return self.answer(400, {"Content-Type": "text/plain"}, b"bad Accept-Datetime")
            if prefix == "/closest-timegate/":
                chosen = min(captures, key=lambda c: abs(c - when))
            else:
                chosen = max((c for c in captures if c <= when), default=captures[0])
        links = [
            f'<{target}>; rel="original"',
            f'<{self.base}/timemap/link/{target}>; rel="timemap"; type="application/link-format"',
        ]
        index = captures.index(chosen)
        if prefix == "/closest-timegate/":
            # The Wayback Machine lists the neighbours of the memento it picked.
            rels = {0: "first memento", len(captures) - 1: "last memento"}
            if index > 0:
                rels.setdefault(index - 1, "prev memento")
            if index < len(captures) - 1:
                rels.setdefault(index + 1, "next memento")
            rels[index] = "memento"
        else:
            rels = {index: "memento"}
        for i, rel in sorted(rels.items()):
            links.append(
                f'<{self.memento_url(target, captures[i])}>; rel="{rel}"; '
                f'datetime="{self.link_datetime(target, captures[i])}"'
            )
        self.answer(302, {
            "Location": self.memento_url(target, chosen),
            "Vary": "accept-datetime",
            "Link": ", ".join(links),
            "Content-Type": "text/plain",
        })

    def memento(self, prefix: str) -> None:
        ts, _, target = self.path[len(prefix):].partition("/")
        when = next((c for c in CAPTURES.get(target, []) if stamp(c) == ts), None)
        if when is None:
            return self.answer(404, {"Content-Type": "text/plain"}, b"no such memento")
        self.answer(200, {
            "Memento-Datetime": "yesterday, around noon" if target == BAD_DATE else http_date(when),
            "Link": f'<{target}>; rel="original", <{self.base}/timegate/{target}>; rel="timegate"',
            "Content-Type": "text/html; charset=utf-8",
        }, b"<html><title>The story</title><p>As it was.</p></html>")

    def available(self, prefix: str) -> None:
        query = parse_qs(urlsplit(self.path).query)
        url = query.get("url", [""])[0]
        reply: dict = {"url": url, "archived_snapshots": {}}
        captures = CAPTURES.get(url)
        if captures:
            if "timestamp" in query:
                reply["timestamp"] = query["timestamp"][0]
                wanted = datetime.datetime.strptime(query["timestamp"][0].ljust(14, "0"), "%Y%m%d%H%M%S")
                wanted = wanted.replace(tzinfo=UTC)
                # Like the real API: the closest in either direction.
                chosen = min(captures, key=lambda c: abs(c - wanted))
            else:
                chosen = captures[-1]
            reply["archived_snapshots"]["closest"] = {
                "status": "200",
                "available": True,
                "url": self.memento_url(url, chosen),
                "timestamp": stamp(chosen),
            }
        self.answer(200, {"Content-Type": "application/json"}, json.dumps(reply).encode())


@pytest.fixture(scope="module")
def archive():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ArchiveHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # hand the 302 itself back: it is what the crawl archives first


def fetch(lookup: LookupRequest, *, follow: bool = False) -> tuple[int, dict[str, str], bytes, str]:
    # An empty ProxyHandler keeps a proxy from the environment off 127.0.0.1.
    handlers = [urllib.request.ProxyHandler({})] + ([] if follow else [NoRedirect()])
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(lookup.url, headers=lookup.headers)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read(), response.url
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read(), error.url


def lookup_copy(lookup: LookupRequest, *, follow: bool = False) -> ArchivedCopy | None:
    status, headers, body, final_url = fetch(lookup, follow=follow)
    return parse_response(lookup, status, headers, body, final_url)


# lookup_request ---------------------------------------------------------------


def test_timegate_request_asks_for_the_end_of_the_article_day():
    lookup = lookup_request("https://web.archive.org/web/", "timegate", STORY, datetime.date(2020, 2, 6))
    assert lookup == LookupRequest(
        url="https://web.archive.org/web/http://news.example/story",
        headers={"Accept-Datetime": "Thu, 06 Feb 2020 23:59:59 GMT"},
        kind="timegate",
        target=STORY,
        before=datetime.date(2020, 2, 6),
    )
    hash(lookup)  # usable as a key, e.g. in a crawl's bookkeeping


def test_timegate_request_without_a_date_asks_for_the_latest():
    lookup = lookup_request("http://timetravel.mementoweb.org/timegate/", "timegate", STORY, None)
    assert lookup.url == "http://timetravel.mementoweb.org/timegate/http://news.example/story"
    assert lookup.headers == {}


def test_timegate_request_escapes_only_what_a_url_needs():
    target = "https://bücher.example/a b/é?q=1&r=a%2Fb#section"
    lookup = lookup_request("https://web.archive.org/web/", "timegate", target, None)
    assert lookup.url == (
        "https://web.archive.org/web/https://xn--bcher-kva.example/a%20b/%C3%A9?q=1&r=a%2Fb"
    )
    assert lookup.target == "https://bücher.example/a b/é?q=1&r=a%2Fb"


def test_wayback_request():
    lookup = lookup_request(
        "https://archive.org/wayback/available", "wayback", STORY + "?a=1&b=2", datetime.date(2020, 2, 6)
    )
    assert lookup.url == (
        "https://archive.org/wayback/available"
        "?url=http%3A%2F%2Fnews.example%2Fstory%3Fa%3D1%26b%3D2&timestamp=20200206235959"
    )
    assert lookup.headers == {}
    assert lookup.kind == "wayback"
    latest = lookup_request("https://archive.org/wayback/available", "wayback", STORY, None)
    assert latest.url == "https://archive.org/wayback/available?url=http%3A%2F%2Fnews.example%2Fstory"


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown lookup kind"):
        lookup_request("https://example.org/", "cdx", STORY, None)


# TimeGate ---------------------------------------------------------------------


def test_timegate_gives_the_capture_before_the_article(archive):
    lookup = lookup_request(f"{archive}/timegate/", "timegate", STORY, datetime.date(2020, 2, 6))
    status, headers, _, _ = fetch(lookup)
    assert status == 302
    assert "Memento-Datetime" not in headers  # RFC 7089: the redirect carries none
    assert headers["Vary"] == "accept-datetime"

    copy = parse_response(lookup, status, headers, b"", None)
    assert copy == ArchivedCopy(
        url=f"{archive}/memento/20200201000000/{STORY}",
        captured=datetime.datetime(2020, 2, 1, tzinfo=UTC),
        source=f"{archive}/timegate/",
    )
    assert is_before(copy, lookup.before)


def test_timegate_redirect_followed_to_the_memento(archive):
    # Scrapy follows redirects by default: then the memento itself is parsed.
    lookup = lookup_request(f"{archive}/timegate/", "timegate", STORY, datetime.date(2020, 2, 6))
    status, headers, body, final_url = fetch(lookup, follow=True)
    assert status == 200 and "Memento-Datetime" in headers
    copy = parse_response(lookup, status, headers, body, final_url)
    assert copy == ArchivedCopy(
        url=f"{archive}/memento/20200201000000/{STORY}",
        captured=datetime.datetime(2020, 2, 1, tzinfo=UTC),
        source=f"{archive}/timegate/",
    )


def test_timegate_before_any_capture_gives_the_earliest_flagged_as_after(archive):
    lookup = lookup_request(f"{archive}/timegate/", "timegate", STORY, datetime.date(2019, 1, 1))
    copy = lookup_copy(lookup)
    assert copy is not None
    assert copy.url == f"{archive}/memento/20191201000000/{STORY}"
    assert copy.captured == datetime.datetime(2019, 12, 1, tzinfo=UTC)
    assert not is_before(copy, lookup.before)


def test_timegate_without_a_date_gives_the_latest(archive):
    copy = lookup_copy(lookup_request(f"{archive}/timegate/", "timegate", STORY, None))
    assert copy is not None
    assert copy.captured == datetime.datetime(2021, 6, 1, tzinfo=UTC)


def test_timegate_unknown_target(archive):
    lookup = lookup_request(f"{archive}/timegate/", "timegate", UNKNOWN, datetime.date(2020, 2, 6))
    assert fetch(lookup)[0] == 404
    assert lookup_copy(lookup) is None
    assert lookup_copy(lookup, follow=True) is None


def test_closest_either_way_timegate_yields_to_a_listed_earlier_memento(archive):
    # Asked for 2021-05-20, a Wayback-like TimeGate picks 2021-06-01 (12 days
    # after) over 2020-02-01, but lists the latter as its "prev memento".
    endpoint = f"{archive}/closest-timegate/"
    lookup = lookup_request(endpoint, "timegate", STORY, datetime.date(2021, 5, 20))
    status, headers, body, _ = fetch(lookup)
    assert headers["Location"].endswith(f"/memento/20210601000000/{STORY}")
    copy = parse_response(lookup, status, headers, body, None)
    assert copy == ArchivedCopy(
        url=f"{archive}/memento/20200201000000/{STORY}",
        captured=datetime.datetime(2020, 2, 1, tzinfo=UTC),
        source=endpoint,
    )
    assert is_before(copy, lookup.before)


def test_closest_either_way_timegate_pick_after_is_reported_when_nothing_is_before(archive):
    endpoint = f"{archive}/closest-timegate/"
    lookup = lookup_request(endpoint, "timegate", STORY, datetime.date(2019, 6, 1))
    copy = lookup_copy(lookup)
    assert copy is not None and copy.captured == datetime.datetime(2019, 12, 1, tzinfo=UTC)
    assert not is_before(copy, lookup.before)


@pytest.mark.parametrize("case", [str.lower, str.upper, str.swapcase], ids=["lower", "upper", "swapped"])
def test_header_names_in_any_case(archive, case):
    lookup = lookup_request(f"{archive}/timegate/", "timegate", STORY, datetime.date(2020, 2, 6))
    for follow in (False, True):
        status, headers, body, final_url = fetch(lookup, follow=follow)
        recased = {case(name): value for name, value in headers.items()}
        copy = parse_response(lookup, status, recased, body, final_url)
        assert copy is not None and copy.captured == datetime.datetime(2020, 2, 1, tzinfo=UTC)


def test_scrapy_style_headers(archive):
    # Scrapy keeps header names and values as bytes, each value in a list.
    lookup = lookup_request(f"{archive}/timegate/", "timegate", STORY, datetime.date(2020, 2, 6))
    status, headers, body, final_url = fetch(lookup)
    as_scrapy = {name.encode(): [value.encode()] for name, value in headers.items()}
    copy = parse_response(lookup, status, as_scrapy, body, final_url)
    assert copy is not None and copy.captured == datetime.datetime(2020, 2, 1, tzinfo=UTC)


def test_malformed_memento_datetime(archive):
    lookup = lookup_request(f"{archive}/timegate/", "timegate", BAD_DATE, datetime.date(2020, 2, 6))
    status, headers, body, final_url = fetch(lookup, follow=True)
    assert (status, headers["Memento-Datetime"]) == (200, "yesterday, around noon")
    assert parse_response(lookup, status, headers, body, final_url) is None
    # The redirect lists the memento with a datetime no parser can read.
    assert lookup_copy(lookup) is None


def test_link_header_without_location():
    lookup = lookup_request("http://tg.example/timegate/", "timegate", STORY, datetime.date(2020, 2, 6))
    link = (
        '<http://news.example/story>; rel="original", '
        '</m/20191201000000/http://news.example/story>; rel="first memento"; '
        'datetime="Sun, 01 Dec 2019 00:00:00 GMT", '
        '</m/20200201000000/http://news.example/story>; rel=memento; '
        'datetime="Sat, 01 Feb 2020 00:00:00 GMT", '
        '</m/20210601000000/http://news.example/story>; rel="last memento"; '
        'datetime="Tue, 01 Jun 2021 00:00:00 GMT"'
    )
    copy = parse_response(lookup, 200, {"LINK": link}, b"", None)
    assert copy == ArchivedCopy(
        url="http://tg.example/m/20200201000000/http://news.example/story",
        captured=datetime.datetime(2020, 2, 1, tzinfo=UTC),
        source="http://tg.example/timegate/",
    )


def test_200_style_timegate_with_content_location():
    lookup = lookup_request("http://tg.example/timegate/", "timegate", STORY, datetime.date(2020, 2, 6))
    headers = {
        "content-location": "http://tg.example/m/20200201000000/http://news.example/story",
        "memento-datetime": "Sat, 01 Feb 2020 00:00:00 GMT",
        "vary": "accept-datetime",
    }
    copy = parse_response(lookup, 200, headers, b"<html></html>", lookup.url)
    assert copy is not None
    assert copy.url == "http://tg.example/m/20200201000000/http://news.example/story"
    assert copy.captured == datetime.datetime(2020, 2, 1, tzinfo=UTC)


MALFORMED_TIMEGATE = [
    (302, {"Location": "http://tg.example/m/1", "Memento-Datetime": "Feb 31st"}),
    (302, {"Location": "http://tg.example/m/1", "Link": '<http://tg.example/m/1>; rel="memento"; datetime="'}),
    (302, {"Location": "http://tg.example/m/1"}),  # no datetime anywhere
    (302, {"Location": "http://[::1/m", "Link": "<<<>>>;;;,,,"}),
    (302, {}),
    (200, {"Link": '<http://tg.example/m/1>; rel="memento"; datetime="Sat, 99 Feb 2020 00:00:00 GMT"'}),
    (200, {"Memento-Datetime": ""}),
    (200, {"Memento-Datetime": "Sat, 01 Feb 99999 00:00:00 GMT"}),
    (200, {}),
    (500, {"Location": "http://tg.example/m/1", "Memento-Datetime": "Sat, 01 Feb 2020 00:00:00 GMT"}),
]


@pytest.mark.parametrize("status, headers", MALFORMED_TIMEGATE)
def test_malformed_timegate_answers_give_none(status, headers):
    lookup = lookup_request("http://tg.example/timegate/", "timegate", STORY, datetime.date(2020, 2, 6))
    assert parse_response(lookup, status, headers, b"\xff\x00", None) is None


# Availability API ---------------------------------------------------------------


def test_wayback_closest_before_the_article(archive):
    lookup = lookup_request(f"{archive}/wayback/available", "wayback", STORY, datetime.date(2020, 2, 6))
    copy = lookup_copy(lookup)
    assert copy == ArchivedCopy(
        url=f"{archive}/memento/20200201000000/{STORY}",
        captured=datetime.datetime(2020, 2, 1, tzinfo=UTC),
        source=f"{archive}/wayback/available",
    )
    assert is_before(copy, lookup.before)


def test_wayback_closest_after_the_article_is_reported(archive):
    lookup = lookup_request(f"{archive}/wayback/available", "wayback", STORY, datetime.date(2021, 5, 20))
    copy = lookup_copy(lookup)
    assert copy is not None and copy.captured == datetime.datetime(2021, 6, 1, tzinfo=UTC)
    assert not is_before(copy, lookup.before)


def test_wayback_latest_without_a_date(archive):
    copy = lookup_copy(lookup_request(f"{archive}/wayback/available", "wayback", STORY, None))
    assert copy is not None and copy.captured == datetime.datetime(2021, 6, 1, tzinfo=UTC)


def test_wayback_nothing_archived(archive):
    lookup = lookup_request(f"{archive}/wayback/available", "wayback", UNKNOWN, datetime.date(2020, 2, 6))
    status, _, body, _ = fetch(lookup)
    assert status == 200
    assert json.loads(body)["archived_snapshots"] == {}
    assert lookup_copy(lookup) is None


def snapshot(**closest) -> bytes:
    base = {"available": True, "url": "http://web.archive.org/web/20200201000000/" + STORY,
            "timestamp": "20200201000000", "status": "200"}
    return json.dumps({"url": STORY, "archived_snapshots": {"closest": {**base, **closest}}}).encode()


@pytest.mark.parametrize("body", [
    snapshot(status="404"),
    snapshot(status="302"),
    snapshot(status="-"),
    snapshot(available=False),
    snapshot(available="true"),
    snapshot(timestamp="2020-02-01"),
    snapshot(timestamp="20201301000000"),
    snapshot(url=None),
    b"",
    b"not json",
    b"\xff\xfe\x00",
    b"[]",
    b'{"archived_snapshots": []}',
    b'{"archived_snapshots": {"closest": "yes"}}',
    b'/**/callback({"archived_snapshots": {}})',
])
def test_malformed_or_unusable_wayback_answers_give_none(body):
    api = "https://archive.org/wayback/available"
    lookup = lookup_request(api, "wayback", STORY, datetime.date(2020, 2, 6))
    assert parse_response(lookup, 200, {}, body, None) is None


def test_wayback_answer_parsed():
    api = "https://archive.org/wayback/available"
    lookup = lookup_request(api, "wayback", STORY, datetime.date(2020, 2, 6))
    copy = parse_response(lookup, 200, {"Content-Type": "application/json"}, snapshot(status="206"), None)
    assert copy == ArchivedCopy(
        url="http://web.archive.org/web/20200201000000/" + STORY,
        captured=datetime.datetime(2020, 2, 1, tzinfo=UTC),
        source="https://archive.org/wayback/available",
    )
    assert parse_response(lookup, 503, {}, snapshot(), None) is None


# is_before ----------------------------------------------------------------------


def test_is_before_counts_the_article_day_as_before():
    day = datetime.date(2020, 2, 6)

    def copy(when: datetime.datetime) -> ArchivedCopy:
        return ArchivedCopy(url="http://m.example/", captured=when, source="http://tg.example/")

    assert is_before(copy(datetime.datetime(2020, 2, 6, 23, 59, 59, tzinfo=UTC)), day)
    assert not is_before(copy(datetime.datetime(2020, 2, 7, 0, 0, 0, tzinfo=UTC)), day)
    # 01:00 on the 7th at UTC+2 is 23:00 on the 6th in UTC.
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert is_before(copy(datetime.datetime(2020, 2, 7, 1, 0, tzinfo=plus_two)), day)
    assert is_before(copy(datetime.datetime(2020, 2, 6, 12, 0)), day)  # naive: read as UTC
    assert is_before(copy(datetime.datetime(2030, 1, 1, tzinfo=UTC)), None)
