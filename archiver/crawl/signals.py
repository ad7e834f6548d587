"""Signals of our own, sent through ``crawler.signals`` like Scrapy's.

seed_loaded(document: SeedDocument)
seed_skipped(problem: SeedProblem)
articles_loaded(articles: list[Article])
    sent once, when the seeds are grouped: every article, in one call, since
    a signal per article cost a 5,000-URL crawl 6% of its time
request_failed(request: Request, exception: BaseException)
    sent by a spider's errback: a failure the downloader middlewares did
    not see, such as RedirectMiddleware giving up on a redirect loop
fetch_failed(request: Request, kind: str, exception: BaseException)
    sent once a failure is archived, with its kind
page_rendered(rendering: Rendering)
    sent by the browser (ARCHIVER_BROWSER) with a page's screenshot and DOM
browser_failed(url: str, kind: str, message: str, concurrent_to: str | None)
    sent by the browser when a rendering failed or is incomplete (a BrowserFailureKind)
warcs_closed(paths: list[Path], reason: str)
    sent when the crawl's WARC files are closed and indexed; ``reason`` is
    the spider's close reason (``"shutdown"``: a signal interrupted it)
archive_lookups_stopped(stop: LookupStop)
    sent once, when the web archive is no longer asked in this run, and why
"""

seed_loaded = object()
seed_skipped = object()
articles_loaded = object()
request_failed = object()
fetch_failed = object()
archive_lookups_stopped = object()
warcs_closed = object()
page_rendered = object()
browser_failed = object()
