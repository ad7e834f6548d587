"""Seeds: the files a user gives to say which articles to archive.

``load_seeds`` reads a file or folder of seeds (Markdown, plain text, HTML,
PDF, URL lists), ``group_articles`` merges the copies of one article.
"""

from __future__ import annotations

from .errors import SeedError
from .grouping import group_articles
from .load import load_seeds, parse_seed, shown_name
from .model import Article, ArticleLink, SeedDocument, SeedLink, SeedProblem

__all__ = [
    "Article",
    "ArticleLink",
    "SeedDocument",
    "SeedError",
    "SeedLink",
    "SeedProblem",
    "group_articles",
    "load_seeds",
    "parse_seed",
    "shown_name",
]
