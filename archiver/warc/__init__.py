"""Writing WARC files: record builders and rolling files, free of Scrapy."""
