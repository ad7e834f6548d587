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

from archiver import __version__, skip_last_collection

# Only what the integrity pass needs is imported up here: it must not pay
# for Scrapy, trafilatura and the analysis it does not run.
from archiver.findings import EXIT_INTERRUPTED, EXIT_UNREADABLE, FINDING_KINDS
from archiver.warc.reader import read_archives, warc_files

EXIT_NOT_WRITTEN = 1  # archiver wacz: the input was fine, the WACZ could not be written


def add_audit_arguments(parser: argparse.ArgumentParser, *, paths: bool = True) -> None:
    # No ": " in a help text: Scrapy's help formatter (scrapy audit) takes a
    # wrapped line that ends in a colon for a heading and title-cases it.
    if paths:
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="WARC files (.warc, .warc.gz, .open), folders holding them, or WACZ files")
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

    ``prog`` begins each error line: the command the user typed. A .wacz
    among the paths is read as its WARC files (a colleague's package of a crawl).
    """
    from archiver.warc.wacz_package import waczs_unpacked

    with waczs_unpacked(opts.paths) as (paths, errors, notes):
        for error in errors:
            print(f"{prog}: {error}", file=err)
        if errors and not paths:
            return EXIT_UNREADABLE
        status = _audit(opts, paths, notes, config, out, err, prog)
    return 1 if errors and status == 0 else status


def _audit(opts: argparse.Namespace, paths: list[str], notes: list[str], config, out: TextIO, err: TextIO,
           prog: str) -> int:
    if opts.integrity_only:
        return integrity_from_arguments(paths, out, err, opts.workers, prog)
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
    result = run_audit(paths, seeds=opts.seeds, output=output,
                       options=AnalysisOptions(grace, opts.workers, replay_url, config().read_max_size),
                       progress=True, fail_on=fail_on, notes=notes)
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
    index = read_archives(files, workers=workers or os.cpu_count() or 1, problems_only=True)
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


def wacz_from_arguments(paths: list[str], output: str, out: TextIO, err: TextIO, workers: int | None = None,
                        prog: str = "archiver wacz", seeds: str | None = None) -> int:
    """Package WARC files into one WACZ: 0 written, 2 usage or unusable input, 1 not written (py-wacz, disk).

    ``seeds``: a seed file or folder whose articles are listed as pages too
    (for another tool's archive, which holds no article records).
    """
    from archiver.warc import OPEN_SUFFIX
    from archiver.warc.wacz_package import PAGES_PATH, WACZ_SUFFIX, WaczError, WaczNotWritten, package

    target = Path(output)
    if target.suffix != WACZ_SUFFIX:
        print(f"{prog}: -o {output}: give a file name ending in .wacz", file=err)
        return EXIT_UNREADABLE
    if target.exists():
        print(f"{prog}: -o {output}: the file exists; remove it or give another name", file=err)
        return EXIT_UNREADABLE
    if seeds is not None and not Path(seeds).exists():
        print(f"{prog}: --seeds {seeds}: no such file or folder; give a seed file or a folder of them", file=err)
        return EXIT_UNREADABLE
    files, errors = warc_files(paths)
    # A folder's .open files are being written, or were left by a killed
    # crawl: not part of a finished archive. Named one by one, they are refused.
    named = {Path(p) for p in paths}
    skipped = [f for f in files if f.name.endswith(OPEN_SUFFIX) and f not in named]
    files = [f for f in files if f not in skipped]
    for error in errors:
        print(f"{prog}: {error}", file=err)
    if errors:
        return EXIT_UNREADABLE
    for path in skipped:
        print(f"{prog}: left out {path}: still being written, or left by a killed crawl", file=err)
    if not files:
        print(f"{prog}: no WARC file (.warc, .warc.gz) in {', '.join(paths)}", file=err)
        return EXIT_UNREADABLE
    seeded: list[tuple[str | None, str | None]] = []
    if seeds is not None:
        from archiver.seeds import group_articles, load_seeds

        documents, problems = load_seeds(Path(seeds))
        for problem in problems:
            print(f"{prog}: skipped seed {problem}", file=err)
        seeded = [(article.url, article.title) for article in group_articles(documents)]
    try:
        packaged = package(files, target, workers=workers or os.cpu_count() or 1, seeded=seeded)
    except WaczNotWritten as error:
        print(f"{prog}: {error}", file=err)
        return EXIT_NOT_WRITTEN
    except WaczError as error:
        print(f"{prog}: {error}", file=err)
        return EXIT_UNREADABLE
    for why in packaged.unlisted:
        print(f"{prog}: not in {PAGES_PATH}: {why}", file=err)
    for why in packaged.unresolved:
        print(f"{prog}: will not replay: {why}", file=err)
    print(packaged.summary(), file=out)
    return 0


class WaczCommand:
    name = "wacz"
    help = ("package WARC files into one WACZ whose pages are the articles "
            "(exit 0 written, 1 not written, 2 usage error or unusable input)")

    def __init__(self, subparsers) -> None:
        parser = subparsers.add_parser(self.name, help=self.help, description=self.help)
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="WARC files (.warc, .warc.gz) or folders holding them")
        parser.add_argument("-o", "--output", metavar="FILE.wacz", required=True, help="the WACZ to write")
        parser.add_argument("--seeds", metavar="PATH",
                            help="seed file or folder whose articles are listed as pages too "
                                 "(another tool's archive has no article records)")
        parser.add_argument("--workers", type=int, metavar="N",
                            help="processes for reading and checking the files (by default every core)")
        parser.set_defaults(command=self)

    def run(self, opts: argparse.Namespace) -> int:
        if opts.workers is not None and opts.workers < 1:
            print("archiver wacz: --workers must be 1 or more", file=sys.stderr)
            return EXIT_UNREADABLE
        return wacz_from_arguments(opts.paths, opts.output, sys.stdout, sys.stderr, opts.workers,
                                   seeds=opts.seeds)


class ReplayCheckCommand:
    name = "replay-check"
    help = ("open each archived article through pywb in headless Chromium and list what its replay misses "
            "(exit 0 nothing missing, 1 findings, 2 unusable input)")

    def __init__(self, subparsers) -> None:
        parser = subparsers.add_parser(self.name, help=self.help, description=self.help)
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="WARC files, folders holding them, or one .wacz file")
        parser.add_argument("--url", action="append", default=[], metavar="URL",
                            help="also check this archived page (repeatable); the article records name the rest")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")
        parser.add_argument("-o", "--output", metavar="FILE", help="write the results to FILE instead of stdout")
        parser.add_argument("--warc-dir", metavar="DIR",
                            help="also write the results into a WARC file in DIR (one metadata record per "
                                 "article), which archiver audit then reports per article")
        parser.add_argument("--pywb-bin", metavar="DIR",
                            help="the folder holding pywb's wayback and wb-manager (by default ARCHIVER_PYWB_BIN, "
                                 "else .venv-pywb/bin, else the PATH)")
        parser.add_argument("--chromium", metavar="PATH", help="the Chromium to drive (by default ARCHIVER_CHROMIUM)")
        parser.add_argument("--timeout", type=float, metavar="SECONDS",
                            help="the longest one page may load (by default ARCHIVER_REPLAY_CHECK_TIMEOUT)")
        parser.add_argument("--max-pages", type=int, metavar="N",
                            help="open at most N pages (by default ARCHIVER_REPLAY_CHECK_MAX_PAGES)")
        parser.set_defaults(command=self)

    def run(self, opts: argparse.Namespace) -> int:
        from archiver.config import ArchiverConfig

        return replay_check_from_arguments(opts, ArchiverConfig.defaults(), sys.stdout, sys.stderr)


def replay_check_from_arguments(opts: argparse.Namespace, config, out: TextIO, err: TextIO,
                                prog: str = "archiver replay-check") -> int:
    import contextlib
    import io
    import json

    from archiver.replay.check import (
        ReplayCheckError,
        ReplayCheckOptions,
        check_pages,
        pages_to_check,
        skipped_on_purpose,
        summary,
        text_lines,
        write_results,
    )
    from archiver.warc import DEFAULT_GZIP_LEVEL
    from archiver.warc.replaycheck import to_json
    from archiver.warc.wacz_package import waczs_unpacked

    if (opts.timeout is not None and not opts.timeout > 0) or (opts.max_pages is not None and opts.max_pages < 1):
        print(f"{prog}: --timeout must be more than 0 seconds and --max-pages 1 or more", file=err)
        return EXIT_UNREADABLE
    options = ReplayCheckOptions(
        pywb_bin=Path(opts.pywb_bin) if opts.pywb_bin else config.pywb_bin,
        chromium=Path(opts.chromium) if opts.chromium else config.chromium,
        timeout=opts.timeout if opts.timeout is not None else config.replay_check_timeout,
        max_pages=opts.max_pages if opts.max_pages is not None else config.replay_check_max_pages)
    # Before the check, which takes seconds a page: where its results go.
    if opts.output and not Path(opts.output).resolve().parent.is_dir():
        print(f"{prog}: -o {opts.output}: its folder does not exist; give -o a file in an existing folder", file=err)
        return EXIT_UNREADABLE
    if opts.warc_dir and Path(opts.warc_dir).exists() and not Path(opts.warc_dir).is_dir():
        print(f"{prog}: --warc-dir {opts.warc_dir} is a file; give it a folder", file=err)
        return EXIT_UNREADABLE
    wacz = [p for p in opts.paths if p.lower().endswith(".wacz")]
    if wacz and len(opts.paths) > 1:
        print(f"{prog}: give one .wacz file alone, or WARC files and folders", file=err)
        return EXIT_UNREADABLE
    with waczs_unpacked(opts.paths) as (paths, errors, _notes):
        try:
            files, unusable = warc_files(paths) if not errors else ([], [])
            errors += unusable
            for error in errors:
                print(f"{prog}: {error}", file=err)
            if errors or not files:
                if not errors:
                    print(f"{prog}: no WARC files in {' '.join(opts.paths)}", file=err)
                return EXIT_UNREADABLE
            # warcio prints its own warnings about damaged records; each is
            # an integrity problem of the index too, said once below.
            with contextlib.redirect_stderr(io.StringIO()):
                index = read_archives(files)
            unreadable = {p.filename: p.problem for p in index.problems
                          if p.offset is None and p.problem.startswith("no WARC record could be read")}
            if len(unreadable) == len(files):
                print(f"{prog}: " + "; ".join(f"{name}: {why}" for name, why in sorted(unreadable.items()))
                      + " (give WARC files)", file=err)
                return EXIT_UNREADABLE
            pages = pages_to_check(index, opts.url)
            if not pages:
                print(f"{prog}: the archive holds no article records (it was not written by a crawl of ours): "
                      "name the pages to check with --url", file=err)
                return EXIT_UNREADABLE
            results = check_pages(files, pages, options, skipped=skipped_on_purpose(index))
        except ReplayCheckError as error:
            print(f"{prog}: {error}", file=err)
            return EXIT_UNREADABLE
    if opts.json:
        text = json.dumps({"articles": [to_json(r) for r in results], "summary": summary(results)}, indent=2) + "\n"
    else:
        text = "\n".join(text_lines(results)) + "\n"
    if opts.output:
        try:
            Path(opts.output).write_text(text, encoding="utf-8")
        except OSError as error:
            print(f"{prog}: cannot write {opts.output}: {error.strerror or error}; give -o a writable file", file=err)
            return EXIT_UNREADABLE
    else:
        out.write(text)
    if opts.warc_dir:
        try:
            Path(opts.warc_dir).mkdir(parents=True, exist_ok=True)
            written = write_results(Path(opts.warc_dir), "archiver", results, gzip_level=DEFAULT_GZIP_LEVEL)
        except OSError as error:
            print(f"{prog}: cannot write a WARC file into {opts.warc_dir}: {error.strerror or error}; "
                  "give --warc-dir a writable folder", file=err)
            return EXIT_UNREADABLE
        print(f"Replay check results written to {written}", file=err)
    print(summary(results), file=err)
    return 0 if all(r.complete for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="archiver", description="news-archiver tools")
    parser.add_argument("--version", action="version", version=f"news-archiver {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    subparsers = parser.add_subparsers(metavar="COMMAND")
    AuditCommand(subparsers)
    WaczCommand(subparsers)
    ReplayCheckCommand(subparsers)
    opts = parser.parse_args(argv)
    if not hasattr(opts, "command"):
        parser.print_usage(sys.stderr)
        print("archiver: name a command, e.g. 'archiver audit warcs/'", file=sys.stderr)
        return EXIT_UNREADABLE
    logging.basicConfig(level=logging.INFO if opts.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        status = opts.command.run(opts)
        skip_last_collection()
        return status
    except KeyboardInterrupt:
        # Ctrl-C: the pools' workers ignore it and end with this process.
        print("archiver: interrupted; no report written", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
