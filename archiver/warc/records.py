"""Build WARC records from plain data: HTTP exchanges, failures, seeds.

Nothing here knows about Scrapy; the capture middleware turns Scrapy objects
into :class:`HttpExchange` and these functions turn that into warcio records.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from warcio import WARCWriter

from archiver.warc import vocab
from archiver.warc.warcio_internals import RawHttpHeaders, datetime_to_iso_date

WARC_VERSION = "1.1"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


Headers = Sequence[tuple[bytes, bytes]]


@dataclass(frozen=True)
class HttpExchange:
    """One request and the response it got, as sent and received."""

    url: str
    method: str
    request_headers: Headers
    request_body: bytes
    protocol: str  # "HTTP/1.1"
    status: int
    response_headers: Headers
    body: bytes  # as received: still compressed, already de-chunked
    fetched_at: datetime.datetime
    ip_address: str | None = None
    truncated: str | None = None  # a WARC-Truncated reason
    extra_warc_headers: tuple[tuple[str, str], ...] = ()
    # The response (or revisit) record's WARC-Record-ID, chosen by the crawl so
    # that records written later (a rendering) can name it in WARC-Concurrent-To.
    record_id: str | None = None


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def _header_values(headers: Headers, name: bytes) -> list[bytes]:
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def _stored_response_headers(exchange: HttpExchange) -> tuple[list[tuple[str, str]], str | None]:
    """Headers that agree with the stored body, and a WARC-Truncated reason.

    A stored Content-Length must equal the stored body, or replay breaks;
    a Transfer-Encoding would make replay tools de-chunk a body that is no
    longer chunked. The original values are kept under X-Archiver-Orig-*.
    """
    headers: list[tuple[str, str]] = []
    truncated = exchange.truncated
    body_length = len(exchange.body)
    length_ok = renamed = False
    for name, value in exchange.response_headers:
        lname = name.lower()
        if lname == b"content-length":
            try:
                declared = int(value.strip())
            except ValueError:
                declared = -1
            if declared == body_length and not length_ok:
                length_ok = True
                headers.append((_text(name), _text(value)))
                continue
            if body_length < declared and truncated is None:
                truncated = "disconnect"
        elif lname != b"transfer-encoding":
            headers.append((_text(name), _text(value)))
            continue
        headers.append(("X-Archiver-Orig-" + _text(name), _text(value)))
        renamed = True
    if renamed and not length_ok:
        headers.append(("Content-Length", str(body_length)))
    return headers, truncated


def _status_line(exchange: HttpExchange) -> str:
    try:
        phrase = HTTPStatus(exchange.status).phrase
    except ValueError:
        phrase = ""
    return f"{exchange.status} {phrase}".rstrip()


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def warc_date(moment: datetime.datetime) -> str:
    moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return datetime_to_iso_date(moment, use_micros=True)


def _response_warc_headers(exchange: HttpExchange, truncated: str | None) -> dict[str, str]:
    headers = {"WARC-Date": warc_date(exchange.fetched_at)}
    if exchange.record_id:
        headers["WARC-Record-ID"] = exchange.record_id
    if exchange.ip_address:
        headers["WARC-IP-Address"] = exchange.ip_address
    if truncated:
        headers["WARC-Truncated"] = truncated
    headers.update(exchange.extra_warc_headers)
    return headers


def _request_record(builder: WARCWriter, exchange: HttpExchange, concurrent_to: str):
    request_headers = [(_text(k), _text(v)) for k, v in exchange.request_headers]
    if not _header_values(exchange.request_headers, b"host"):
        request_headers.insert(0, ("Host", urlsplit(exchange.url).netloc))
    request = builder.create_warc_record(
        exchange.url,
        "request",
        payload=BytesIO(exchange.request_body),
        length=len(exchange.request_body),
        http_headers=RawHttpHeaders(
            f"{exchange.method} {_request_target(exchange.url)} {exchange.protocol}",
            request_headers,
            is_http_request=True,
        ),
        warc_headers_dict={"WARC-Date": warc_date(exchange.fetched_at)},
    )
    request.rec_headers.add_header("WARC-Concurrent-To", concurrent_to)
    return request


def exchange_records(builder: WARCWriter, exchange: HttpExchange) -> tuple:
    """A (request, response) record pair for one exchange."""
    headers, truncated = _stored_response_headers(exchange)
    response = builder.create_warc_record(
        exchange.url,
        "response",
        payload=BytesIO(exchange.body),
        length=len(exchange.body),
        http_headers=RawHttpHeaders(_status_line(exchange), headers, protocol=exchange.protocol),
        warc_headers_dict=_response_warc_headers(exchange, truncated),
    )
    request = _request_record(builder, exchange, response.rec_headers.get_header("WARC-Record-ID"))
    return request, response


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes: sha1, base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def revisit_records(builder: WARCWriter, exchange: HttpExchange, refers_to_uri: str,
                    refers_to_date: str) -> tuple:
    """A (request, revisit) pair for a response whose payload is archived already.

    WARC/1.1 identical-payload-digest profile: the HTTP headers are stored,
    the body is not; replay tools take it from the record referred to.
    """
    headers, truncated = _stored_response_headers(exchange)
    revisit = builder.create_revisit_record(
        exchange.url, payload_digest(exchange.body), refers_to_uri, refers_to_date,
        http_headers=RawHttpHeaders(_status_line(exchange), headers, protocol=exchange.protocol),
        warc_headers_dict=_response_warc_headers(exchange, truncated),
    )
    request = _request_record(builder, exchange, revisit.rec_headers.get_header("WARC-Record-ID"))
    return request, revisit


def new_record_id() -> str:
    """A WARC-Record-ID, as warcio makes them."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_fields(fields: Iterable[tuple[str, object]]) -> bytes:
    """application/warc-fields: one ``name: value`` line per field."""
    lines = []
    for name, value in fields:
        if value is None:
            continue
        # A field value is one line; the reason of an exception may not be.
        text = " ".join(str(value).split())
        lines.append(f"{name}: {text}\r\n")
    return "".join(lines).encode("utf-8")


def _block_record(
    builder: WARCWriter,
    uri: str,
    record_type: str,
    payload: bytes,
    content_type: str,
    moment: datetime.datetime,
):
    return builder.create_warc_record(
        uri,
        record_type,
        payload=BytesIO(payload),
        length=len(payload),
        warc_content_type=content_type,
        warc_headers_dict={"WARC-Date": warc_date(moment)},
    )


def failure_record(
    builder: WARCWriter,
    url: str,
    kind: str,
    *,
    error: str,
    message: str,
    attempt: int,
    moment: datetime.datetime,
):
    """A metadata record for a fetch that ended without an HTTP response."""
    payload = warc_fields(
        [
            (vocab.FIELD_FETCH_FAILURE, kind),
            (vocab.FIELD_ERROR_CLASS, error),
            (vocab.FIELD_ERROR_MESSAGE, message),
            (vocab.FIELD_ATTEMPT, attempt),
        ]
    )
    return _block_record(builder, url, "metadata", payload, vocab.WARC_FIELDS_TYPE, moment)


def seed_problem_record(builder: WARCWriter, uri: str, reason: str, moment: datetime.datetime):
    """A metadata record saying why a seed could not be used."""
    payload = warc_fields([(vocab.FIELD_SEED_PROBLEM, reason)])
    return _block_record(builder, uri, "metadata", payload, vocab.WARC_FIELDS_TYPE, moment)


def lookups_stopped_record(builder: WARCWriter, endpoint: str, reason: str, unasked: int,
                           moment: datetime.datetime):
    """A metadata record saying that a web archive was not asked again in this crawl, and why."""
    payload = warc_fields([(vocab.FIELD_LOOKUPS_STOPPED, reason), (vocab.FIELD_LOOKUPS_UNASKED, unasked)])
    return _block_record(builder, vocab.LOOKUPS_URN + endpoint, "metadata", payload,
                         vocab.WARC_FIELDS_TYPE, moment)


def resource_record(
    builder: WARCWriter, uri: str, content: bytes, media_type: str, moment: datetime.datetime
):
    """A resource record holding a document exactly as we read it."""
    return _block_record(builder, uri, "resource", content, media_type, moment)


def json_metadata_record(builder: WARCWriter, uri: str, data: object, moment: datetime.datetime):
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return _block_record(builder, uri, "metadata", payload, vocab.JSON_TYPE, moment)


def json_metadata_records(builder: WARCWriter, items: Iterable[tuple[str, object]],
                          moment: datetime.datetime) -> list:
    """One JSON metadata record per (uri, data), written together."""
    return [json_metadata_record(builder, uri, data, moment) for uri, data in items]


@dataclass(frozen=True)
class Rendering:
    """A page as the browser rendered it: the evidence records' payloads."""

    url: str  # the page's URL (its response record's WARC-Target-URI)
    concurrent_to: str | None  # the page's response record's WARC-Record-ID
    screenshot: bytes  # PNG of the full page
    thumbnail: bytes  # JPEG of its first screen, small
    dom: str  # the DOM serialised after scripts ran
    rendered_at: datetime.datetime


def _concurrent(record, concurrent_to: str | None):
    if concurrent_to:
        record.rec_headers.add_header("WARC-Concurrent-To", concurrent_to)
    return record


def rendering_records(builder: WARCWriter, rendering: Rendering) -> list:
    """Screenshot, thumbnail and rendered DOM: resource records linked to the page's response."""
    parts = (
        (vocab.SCREENSHOT_URN, rendering.screenshot, vocab.PNG_TYPE),
        (vocab.THUMBNAIL_URN, rendering.thumbnail, vocab.JPEG_TYPE),
        (vocab.RENDERED_DOM_URN, rendering.dom.encode("utf-8"), vocab.RENDERED_DOM_TYPE),
    )
    return [_concurrent(_block_record(builder, vocab.rendering_uri(prefix, rendering.url), "resource",
                                      payload, media_type, rendering.rendered_at), rendering.concurrent_to)
            for prefix, payload, media_type in parts]


def replay_check_records(builder: WARCWriter, uri: str, data: object, screenshot: bytes | None,
                         thumbnail: bytes | None, page_url: str, moment: datetime.datetime) -> list:
    """An article's replay check (JSON metadata) and the replay's screenshot and thumbnail linked to it."""
    check = json_metadata_record(builder, uri, data, moment)
    found = [check]
    concurrent_to = check.rec_headers.get_header("WARC-Record-ID")
    for prefix, payload, media_type in ((vocab.REPLAY_SCREENSHOT_URN, screenshot, vocab.PNG_TYPE),
                                        (vocab.REPLAY_THUMBNAIL_URN, thumbnail, vocab.JPEG_TYPE)):
        if payload:
            found.append(_concurrent(_block_record(builder, vocab.rendering_uri(prefix, page_url), "resource",
                                                   payload, media_type, moment), concurrent_to))
    return found


def browser_failure_record(builder: WARCWriter, url: str, kind: str, *, message: str,
                           concurrent_to: str | None, moment: datetime.datetime):
    """A metadata record saying why the browser's rendering of ``url`` failed or is incomplete."""
    payload = warc_fields([(vocab.FIELD_BROWSER_FAILURE, kind), (vocab.FIELD_ERROR_MESSAGE, message)])
    return _concurrent(_block_record(builder, vocab.rendering_uri(vocab.BROWSER_URN, url), "metadata", payload,
                                     vocab.WARC_FIELDS_TYPE, moment), concurrent_to)
