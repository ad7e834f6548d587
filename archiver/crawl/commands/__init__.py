"""Our scrapy commands (``scrapy audit`` arrives with the analysis)."""
