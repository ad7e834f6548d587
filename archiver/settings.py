"""Settings of the archiver project. Ours start with ``ARCHIVER_``; see docs/settings.md."""

BOT_NAME = "archiver"
SPIDER_MODULES = ["archiver.crawl.spider"]
COMMANDS_MODULE = "archiver.crawl.commands"

ADDONS = {"archiver.addon.Archiver": 0}

# Polite by default: a news site is somebody's production server.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ARCHIVER_SEEDS = "seeds"
ARCHIVER_DEPTH = 1
ARCHIVER_WARC_DIR = "warcs"
ARCHIVER_WARC_PREFIX = "archiver"
ARCHIVER_WARC_MAX_SIZE = 1_000_000_000
ARCHIVER_ALLOW_PRIVATE = False
ARCHIVER_CONTACT_URL = None
