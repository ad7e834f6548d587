"""Small WARC files for in-process tests: the records a crawl writes, without a crawl.

:class:`WarcBuilder` writes through the crawl's own record builders
(archiver.warc.records) and writer (RollingWarcWriter), so what a test
analyses is what a crawl would have archived for the same answers::

    with WarcBuilder(tmp_path) as warc:
        warc.seed("clip.md", MARKDOWN)
        warc.response("http://news.example/story", html_page("Story", ["Text."]))
        warc.redirect("http://news.example/old", "http://news.example/story")
        warc.failure("http://gone.invalid/", FailureKind.DNS_ERROR, "no such host")
    index = read_archives([warc.path])
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Iterable, Sequence
from pathlib import Path

from archiver.analysis.articles import recorded
from archiver.seeds import Article, parse_seed
from archiver.warc import records
from archiver.warc.articles import to_json
from archiver.warc.vocab import CrawlRole, FailureKind, article_uri, seed_uri
from archiver.warc.writer import RollingWarcWriter

MOMENT = datetime.datetime(2026, 11, 22, 10, 30, 15, tzinfo=datetime.UTC)
HTML = "text/html; charset=utf-8"


def html_page(title: str, paragraphs: Sequence[str] = (), *, published: str | None = None,
              time_tag: str | None = None, links: Iterable[tuple[str, str]] = (), more_html: str = "") -> bytes:
    """A news page: a <title>, an <article> of paragraphs and links, and optional date markup.

    ``published`` goes into JSON-LD ``datePublished``; ``time_tag`` into a
    ``<time datetime>`` byline; ``links`` (url, text) become one link a
    paragraph; ``more_html`` ends the article as it is. Text is escaped.
    """
    head = [f"<title>{html.escape(title)}</title>"]
    if published:
        head.append('<script type="application/ld+json">'
                    f'{{"@type": "NewsArticle", "datePublished": "{published}"}}</script>')
    body = [f"<h1>{html.escape(title)}</h1>"]
    if time_tag:
        body.append(f'<p class="byline"><time datetime="{time_tag}">{time_tag}</time></p>')
    body += [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    body += [f'<p><a href="{html.escape(url)}">{html.escape(text)}</a></p>' for url, text in links]
    body.append(more_html)
    return (f"<!DOCTYPE html><html><head>{''.join(head)}</head>"
            f"<body><article>{''.join(body)}</article></body></html>").encode()


def html_exchange(url: str, body: bytes, *, status: int = 200, content_type: str = HTML,
                  moment: datetime.datetime = MOMENT, truncated: str | None = None) -> records.HttpExchange:
    """A GET of an HTML page and its answer, for tests that write through the crawl's writer themselves."""
    return records.HttpExchange(
        url=url, method="GET", request_headers=[(b"Accept", b"*/*")], request_body=b"", protocol="HTTP/1.1",
        status=status, response_headers=[(b"Content-Type", content_type.encode()),
                                         (b"Content-Length", str(len(body)).encode())],
        body=body, fetched_at=moment, truncated=truncated)


class WarcBuilder:
    """One WARC file in ``folder``, written record by record; :attr:`path` once closed."""

    def __init__(self, folder: Path, prefix: str = "test", moment: datetime.datetime = MOMENT) -> None:
        self.writer = RollingWarcWriter(Path(folder), prefix, 10**9, {"software": "tests"})
        self.moment = moment
        self.path: Path | None = None

    def __enter__(self) -> WarcBuilder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def response(self, url: str, body: bytes = b"", *, status: int = 200, content_type: str | None = HTML,
                 headers: Sequence[tuple[str, str]] = (), probe: bool = False,
                 role: CrawlRole | None = None, record_id: str | None = None) -> None:
        """A request and its response, as the capture middleware archives them.

        ``probe``: a soft-404 probe (a random URL beside a link's), marked as the crawl marks it;
        ``role``: another role's marks (a page requisite's).
        """
        response_headers = ([("Content-Type", content_type)] if content_type else []) + list(headers)
        response_headers.append(("Content-Length", str(len(body))))
        exchange = records.HttpExchange(
            url=url, method="GET", request_headers=[(b"User-Agent", b"tests")], request_body=b"",
            protocol="HTTP/1.1", status=status,
            response_headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in response_headers],
            body=body, fetched_at=self.moment, ip_address="192.0.2.1",
            extra_warc_headers=(role or CrawlRole(depth=1, probe=probe)).warc_headers(), record_id=record_id,
        )
        self.writer.write(records.exchange_records(self.writer.builder, exchange))

    def redirect(self, url: str, to: str, status: int = 301, *, probe: bool = False) -> None:
        """A redirect answer; the hop it leads to is archived by its own call."""
        self.response(url, b"", status=status, content_type=None, headers=[("Location", to)], probe=probe)

    def failure(self, url: str, kind: FailureKind, message: str = "", *, attempt: int = 1) -> None:
        """A fetch that ended without a response (a metadata record, as the crawl writes)."""
        self.writer.write([records.failure_record(
            self.writer.builder, url, kind, error="TestError", message=message, attempt=attempt,
            moment=self.moment)])

    def rendering(self, url: str, dom: str, *, concurrent_to: str | None = None, screenshot: bytes = b"png",
                  thumbnail: bytes = b"jpeg") -> None:
        """The browser's evidence records of a page (ARCHIVER_BROWSER), as the crawl writes them."""
        self.writer.write(records.rendering_records(self.writer.builder, records.Rendering(
            url=url, concurrent_to=concurrent_to, screenshot=screenshot, thumbnail=thumbnail, dom=dom,
            rendered_at=self.moment)))

    def browser_failure(self, url: str, kind: str, message: str, *, concurrent_to: str | None = None) -> None:
        self.writer.write([records.browser_failure_record(self.writer.builder, url, kind, message=message,
                                                          concurrent_to=concurrent_to, moment=self.moment)])

    def seed(self, name: str, content: str | bytes) -> None:
        """A seed file, archived byte for byte as a resource record."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        media_type = parse_seed(name, data).media_type
        self.writer.write([records.resource_record(self.writer.builder, seed_uri(name), data, media_type,
                                                   self.moment)])

    def seed_problem(self, name: str, reason: str) -> None:
        """The metadata record a crawl writes for a seed it could not use."""
        self.writer.write([records.seed_problem_record(self.writer.builder, seed_uri(name), reason, self.moment)])

    def article(self, article: Article) -> None:
        """The article record a crawl writes for an article of its seeds."""
        self.writer.write(records.json_metadata_records(
            self.writer.builder, [(article_uri(article.url, article.seeds), to_json(recorded(article)))], self.moment))

    def close(self) -> Path:
        if self.path is None:
            self.writer.close()
            [self.path] = self.writer.closed_files
        return self.path
