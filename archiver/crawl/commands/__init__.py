"""Our Scrapy commands: ``scrapy crawl`` with ``--fail-on``, and ``scrapy audit``."""
