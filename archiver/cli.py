"""The ``archiver`` console script: ``archiver audit PATH...`` outside a project.

One class per verb, as warcio's command line does; messages name the fix.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from archiver import __version__

# Only what the integrity pass needs is imported up here: it must not pay
# for Scrapy, trafilatura and the analysis it does not run.
from archiver.findings import EXIT_INTERRUPTED, EXIT_UNREADABLE, FINDING_KINDS
from archiver.warc.reader import read_archives, warc_files


def add_audit_arguments(parser: argparse.ArgumentParser, *, paths: bool = True) -> None:
    # No ": " in a help text: Scrapy's help formatter (scrapy audit) takes a
    # wrapped line that ends in a colon for a heading and title-cases it.
    if paths:
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="WARC files (.warc, .warc.gz, .open) or folders holding them")
    parser.add_argument("--seeds", metavar="PATH",
                        help="seed file or folder to compare the archive with "
                             "(seeds stored in the archive are always used)")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="report folder (by default ARCHIVER_REPORT_DIR, or reports/<timestamp>)")
    parser.add_argument("--grace-days", type=int, metavar="N",
                        help="days a link may be dated after its article (default 1)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="processes for reading and extraction (by default every core)")
    parser.add_argument("--replay-url", metavar="URL",
                        help="a pywb collection URL (e.g. http://localhost:8080/news/) that report.html "
                             "links each finding to (by default ARCHIVER_REPLAY_URL)")
    parser.add_argument("--integrity-only", action="store_true",
                        help="only check the files (digests, lengths, gzip members), as warcio check "
                             "does; print problems and write no report")
    parser.add_argument("--fail-on", metavar="KINDS",
                        help="exit 1 only for these findings: a comma-separated list of "
                             + ", ".join(FINDING_KINDS) + " or any (by default all but uncertain, new and confirmed)")


def audit_from_arguments(opts: argparse.Namespace, config, out: TextIO, err: TextIO,
                         prog: str = "archiver audit") -> int:
    """Run the audit the options ask for; findings on ``out``, then the summary on ``err``.

    ``prog`` begins each error line: the command the user typed.
    """
    if opts.integrity_only:
        return integrity_from_arguments(opts.paths, out, err, opts.workers, prog)
    from archiver.analysis.analyse import AnalysisOptions
    from archiver.audit import parse_fail_on, run_audit, unwritable_folder
    from archiver.summary import summary_lines

    output = Path(opts.output) if opts.output else config().report_dir
    grace = opts.grace_days if opts.grace_days is not None else config().date_grace_days
    if grace < 0 or (opts.workers is not None and opts.workers < 1):
        print(f"{prog}: --grace-days must be 0 or more and --workers 1 or more", file=err)
        return EXIT_UNREADABLE
    replay_url = config().replay_url
    if opts.replay_url is not None:
        from archiver.config import parse_replay_url

        try:
            replay_url = parse_replay_url(opts.replay_url)
        except ValueError as error:
            print(f"{prog}: --replay-url {opts.replay_url}: {error}", file=err)
            return EXIT_UNREADABLE
    try:
        fail_on = parse_fail_on(opts.fail_on)
    except ValueError as error:
        print(f"{prog}: {error}", file=err)
        return EXIT_UNREADABLE
    # Usage errors found before the archives are read, which may take minutes.
    if opts.seeds is not None and not Path(opts.seeds).exists():
        print(f"{prog}: --seeds {opts.seeds}: no such file or folder; give a seed file or a folder of them",
              file=err)
        return EXIT_UNREADABLE
    why = unwritable_folder(output)
    if why:
        where = "-o" if opts.output else "ARCHIVER_REPORT_DIR"
        print(f"{prog}: cannot write the report to {output}: {why}; give {where} a writable folder", file=err)
        return EXIT_UNREADABLE
    result = run_audit(opts.paths, seeds=opts.seeds, output=output,
                       options=AnalysisOptions(grace, opts.workers, replay_url, config().read_max_size),
                       progress=True, fail_on=fail_on)
    for problem in result.errors:
        print(f"{prog}: {problem}", file=err)
    if result.report is not None and result.report_dir is not None:
        for line in result.findings:
            print(line, file=out)
        for line in summary_lines(result.report, result.report_dir, fail_on):
            print(line, file=err)
    return result.exit_status


def integrity_from_arguments(paths: list[str], out: TextIO, err: TextIO, workers: int | None = None,
                             prog: str = "archiver audit") -> int:
    """warcio check's layout: the file name, then each problem indented by offset."""
    files, errors = warc_files(paths)
    for error in errors:
        print(f"{prog}: {error}", file=err)
    if not files:
        return EXIT_UNREADABLE
    index = read_archives(files, workers=workers or os.cpu_count() or 1)
    by_file: dict[str, list] = {}
    for problem in index.problems:
        by_file.setdefault(problem.filename, []).append(problem)
    for name, problems in by_file.items():
        print(name, file=out)
        for problem in problems:
            where = f"offset {problem.offset}" if problem.offset is not None else "file"
            print(f"  {where}: {problem.problem}", file=out)
    damaged = len(by_file)
    print(f"Integrity: {len(index.problems)} problems in {damaged} of {len(files)} files; "
          "no report (--integrity-only)", file=err)
    if len(set(index.unreadable)) == len(files):
        return EXIT_UNREADABLE
    return 1 if index.problems or errors else 0


class AuditCommand:
    name = "audit"
    help = "analyse WARC files and write the report (exit 0 clean, 1 findings, 2 unreadable)"

    def __init__(self, subparsers) -> None:
        parser = subparsers.add_parser(self.name, help=self.help, description=self.help)
        add_audit_arguments(parser)
        parser.set_defaults(command=self)

    def run(self, opts: argparse.Namespace) -> int:
        def config():
            from archiver.config import ArchiverConfig

            return ArchiverConfig.defaults()

        return audit_from_arguments(opts, config, sys.stdout, sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="archiver", description="news-archiver tools")
    parser.add_argument("--version", action="version", version=f"news-archiver {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    subparsers = parser.add_subparsers(metavar="COMMAND")
    AuditCommand(subparsers)
    opts = parser.parse_args(argv)
    if not hasattr(opts, "command"):
        parser.print_usage(sys.stderr)
        print("archiver: name a command, e.g. 'archiver audit warcs/'", file=sys.stderr)
        return EXIT_UNREADABLE
    logging.basicConfig(level=logging.INFO if opts.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return opts.command.run(opts)
    except KeyboardInterrupt:
        # Ctrl-C: the pools' workers ignore it and end with this process.
        print("archiver: interrupted; no report written", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
