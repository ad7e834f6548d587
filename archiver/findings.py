"""Finding kinds and exit statuses, shared by the crawl, the audit and the CLI.

A module of constants only, so the light integrity pass imports nothing heavy.
"""

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

FINDING_KINDS = ("integrity", "dead", "uncertain", "date_mismatch", "title_mismatch", "drift", "new")
