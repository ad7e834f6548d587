"""Signals of our own, sent through ``crawler.signals`` like Scrapy's.

seed_loaded(document: SeedDocument)
seed_skipped(problem: SeedProblem)
article_loaded(article: Article)
fetch_failed(request: Request, kind: str, exception: BaseException)
"""

seed_loaded = object()
seed_skipped = object()
article_loaded = object()
fetch_failed = object()
