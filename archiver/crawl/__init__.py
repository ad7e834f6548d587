"""The crawl: the Scrapy add-on, spider and components. The only package that imports Scrapy or Twisted."""
