"""The least a Scrapy link checker can do: fetch every URL, keep nothing.

Run by ``bench.run`` (``scrapy runspider bench/minimal_spider.py -a urls=FILE``)
with the link check's settings: no WARC, no item, no pipeline, no report.
Its time is the floor of any checker built on Scrapy on this machine.
"""

from pathlib import Path

import scrapy


class MinimalSpider(scrapy.Spider):
    name = "minimal"

    def __init__(self, urls: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls)

    async def start(self):
        for url in self.urls.read_text().split():
            yield scrapy.Request(url)

    def parse(self, response):
        return None
