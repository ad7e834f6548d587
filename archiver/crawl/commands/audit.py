"""``scrapy audit PATH... [--seeds PATH] [-o DIR]``: the report of any WARC files."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from archiver.cli import add_audit_arguments, audit_from_arguments
from archiver.crawl.settings import config_or_exit
from archiver.findings import EXIT_UNREADABLE


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[options] PATH [PATH ...]"

    def short_desc(self) -> str:
        return "Analyse WARC files (ours or any tool's) and write the report"

    def long_desc(self) -> str:
        return (
            "Read WARC files or folders of them, check their integrity, analyse the "
            "archived articles and links, and write report.json, report.md, "
            "report.html and links.csv. Exit status: 0 clean, 1 findings, "
            "2 usage error or nothing readable."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_audit_arguments(parser, paths=False)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        # A bad -s value is a usage error: one line, exit status 2.
        self.config = config_or_exit(self.settings, EXIT_UNREADABLE)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one WARC file or folder to audit")
        opts.paths = args
        self.exitcode = audit_from_arguments(opts, lambda: self.config, sys.stdout, sys.stderr, prog="scrapy audit")
