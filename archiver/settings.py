"""Settings of the archiver project. Ours start with ``ARCHIVER_``; see docs/settings.md."""

BOT_NAME = "archiver"
SPIDER_MODULES = ["archiver.crawl.spider"]
COMMANDS_MODULE = "archiver.crawl.commands"

ADDONS = {"archiver.addon.Archiver": 0}

# The crawl's politeness and concurrency defaults are the add-on's
# (archiver/crawl/addon.py CRAWL_DEFAULTS): set one here and it wins.
# These two are read by the crawler process before any add-on runs, so they
# are set here: name lookups run in the reactor's thread pool, whose 10
# threads serialise the first requests to hundreds of hosts (Scrapy's
# "Broad Crawls" guide), and a name that has not resolved in 10 s is
# reported as a DNS failure instead of holding its host's slot for 60.
REACTOR_THREADPOOL_MAXSIZE = 20
DNS_TIMEOUT = 10

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ARCHIVER_SEEDS = "seeds"
ARCHIVER_DEPTH = 1
ARCHIVER_WARC_DIR = "warcs"
ARCHIVER_WARC_PREFIX = "archiver"
ARCHIVER_WARC_MAX_SIZE = 1_000_000_000
ARCHIVER_ALLOW_PRIVATE = False
ARCHIVER_CONTACT_URL = None
