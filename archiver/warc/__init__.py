"""Writing WARC files: record builders and rolling files, free of Scrapy."""

OPEN_SUFFIX = ".open"  # a file still being written: NAME.warc.gz.open
DEFAULT_GZIP_LEVEL = 6  # gzip's own default; 9 costs as much again for 0.1% less
WRITE_FAILED = "warc_write_failed"  # the close reason of a crawl whose records could not be written
