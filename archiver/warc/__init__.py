"""The archive's contract, both directions: what we write into WARC files and how we read them back.

Free of Scrapy, Twisted and the analysis (tests/test_layout.py holds it so).
"""

OPEN_SUFFIX = ".open"  # a file still being written: NAME.warc.gz.open
# Levels 1-3 compress with ISA-L, 4-9 with zlib. ISA-L's level 3 is 4.5 to 6.7
# times faster than zlib's 6 on 33-50 KB pages, for files 3 to 9% bigger; at
# zlib's 6, compression cost a 5,000-page crawl 7% of its wall time on 2 cores.
DEFAULT_GZIP_LEVEL = 3
# The most bytes of one body the analysis reads, decoded (ARCHIVER_READ_MAX_SIZE):
# extraction runs on every core, and a page past this is no news article.
DEFAULT_READ_MAX_SIZE = 64 * 1024 * 1024
WRITE_FAILED = "warc_write_failed"  # the close reason of a crawl whose records could not be written
