"""Archive news articles and their links into replayable WARC files."""

__version__ = "0.1.0"
