"""Run every benchmark comparison and write bench/RESULTS.md.

    python -m bench.run            # the full run (about 45 minutes on 2 cores)
    python -m bench.run --smoke    # a few pages, to check that it still works

Each figure is the median of several runs, with the ratio to its peer
measured in the same run. Peers not installed are reported as skipped; see
docs/benchmarks.md for how to install them (make bench does).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import PROJECT, compile_ours
from bench.workload import PAGE_IMAGES, SHARED_ASSETS, Nginx, generate, generate_requisites, links_article, url_list

PEERS = Path(os.environ.get("BENCH_PEERS", PROJECT / "bench" / ".peers"))


@dataclass
class Figure:
    name: str
    ours: list[float]
    peer_name: str | None = None
    peer: list[float] = field(default_factory=list)
    unit: str = "s"
    target: str = ""
    passed: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.ours or not self.peer:
            return None
        return statistics.median(self.ours) / statistics.median(self.peer)


# Exit statuses that mean "ran, and found broken links": wget says 8.
FINDINGS_STATUSES = (0, 1, 8)


class Runs(list[float]):
    """Wall seconds of each run, and the CPU seconds (user + system) of each.

    CPU time is summed over the command's process tree (every descendant
    that was waited for: the crawl's WARC writer and worker pools). On a
    machine shared with other jobs it moves far less than wall time.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LAST_CPU: list[float] = [0.0]  # CPU seconds of the last run()


def run(command: list[str], *, cwd: Path = PROJECT) -> float:
    """Wall seconds of one run of a command (its CPU seconds go to LAST_CPU)."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, stderr = proc.communicate()
    elapsed = time.perf_counter() - started
    LAST_CPU[0] = _children_cpu() - cpu_before
    if proc.returncode not in FINDINGS_STATUSES:
        raise RuntimeError(f"{command[:4]} failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    return elapsed


def _tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants (KiB), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # ended while we looked
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def peak_rss(command: list[str], *, cwd: Path = PROJECT) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of a command and every process it starts.

    Sampled from /proc every 50 ms and summed over the process tree: the
    crawl writes its WARC files from a second process, and its workers
    count too (ru_maxrss would give only the largest single process).
    """
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kib(proc.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed with {proc.returncode}")
    return elapsed, peak


COMMON = {
    "ARCHIVER_DEPTH": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "DOWNLOAD_DELAY": "0", "RETRY_TIMES": "0",
    # Our add-on sets 8 (see archiver/crawl/addon.py); plain Scrapy gets it too, so
    # that the capture comparison measures our components and not this setting.
    "CONCURRENT_ITEMS": "8",
    "HTTPERROR_ALLOW_ALL": "True", "LOG_LEVEL": "WARNING", "ARCHIVER_ALLOW_PRIVATE": "True",
    "ARCHIVER_SOFT404_PROBES": "False", "ARCHIVER_ARCHIVE_LOOKUP": "",
    "ARCHIVER_HISTORY_ENABLED": "False", "ARCHIVER_REPORT_ENABLED": "False",
}


def crawl_command(seeds: Path, warcs: Path, **settings: str) -> list[str]:
    merged = {**COMMON, "ARCHIVER_WARC_DIR": str(warcs), **settings}
    command = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def minimal_spider_command(urls: Path) -> list[str]:
    """bench/minimal_spider.py with the Scrapy settings the link check gives ours."""
    command = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).with_name("minimal_spider.py")),
               "-a", f"urls={urls}", "-s", "ROBOTSTXT_OBEY=True", "-s", "TELNETCONSOLE_ENABLED=False"]
    for name, value in COMMON.items():
        if not name.startswith("ARCHIVER_"):
            command += ["-s", f"{name}={value}"]
    return command


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def write_urls(path: Path, urls: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(urls) + "\n")
    return path


def median_runs(runs: int, make_command, before=None, cwd: Path = PROJECT) -> Runs:
    times = Runs()
    for _ in range(runs):
        if before:
            before()
        times.append(run(make_command(), cwd=cwd))
        times.cpu.append(LAST_CPU[0])
    return times


def paired_runs(runs: int, ours, peer, before=None, peer_before=None) -> tuple[Runs, Runs]:
    """Each command run in turn (ours, the peer, ours, …): a machine whose speed
    drifts over the minutes a comparison takes moves both sides alike."""
    times: tuple[Runs, Runs] = (Runs(), Runs())
    for _ in range(runs):
        for side, make_command, setup in ((times[0], ours, before), (times[1], peer, peer_before)):
            if setup:
                setup()
            side.append(run(make_command()))
            side.cpu.append(LAST_CPU[0])
    return times


class Bench:
    def __init__(self, work: Path, smoke: bool) -> None:
        self.work = work
        self.smoke = smoke
        self.runs = 1 if smoke else 3
        self.capture_pages = 40 if smoke else 5_000
        self.check_urls = 30 if smoke else 2_000
        self.memory_urls = (40, 400) if smoke else (5_000, 50_000)
        self.requisite_pages = 20 if smoke else 1_000
        self.figures: list[Figure] = []
        self.notes: list[str] = []
        generate(work / "site", self.capture_pages)
        self.nginx = Nginx(work / "site")

    def peer(self, name: str) -> str | None:
        for folder in (PEERS / "bin", PEERS / "node_modules" / ".bin"):
            if (folder / name).exists():
                return str(folder / name)
        return shutil.which(name)

    # 1. Capture overhead
    def capture(self) -> None:
        urls = url_list(self.nginx.base, self.capture_pages, self.capture_pages)
        seeds = write_urls(self.work / "capture" / "seeds" / "urls.txt", urls).parent
        warcs = self.work / "capture" / "warcs"
        checked: list[bool] = []

        def plain_before() -> None:
            # Checked after our first run: the plain runs write no WARC into the folder.
            if not checked:
                self.check_served(sorted(warcs.glob("*.warc.gz")), len(urls))
                checked.append(True)
            fresh(warcs)

        # In turn, ours then plain Scrapy: a machine whose speed drifts moves both alike.
        ours, plain = paired_runs(self.runs, lambda: crawl_command(seeds, warcs),
                                  lambda: crawl_command(seeds, warcs, ADDONS="{}"), lambda: fresh(warcs), plain_before)
        figure = Figure(f"Capture: crawl {len(urls)} pages with WARC writing", ours,
                        "plain Scrapy, same spider and settings", plain, target="≤ 1.10×")
        figure.passed = figure.ratio is not None and figure.ratio <= 1.10
        self.figures.append(figure)
        # The same pair at Scrapy's default item concurrency, which costs
        # both sides alike (scrapy/scrapy#5182): for comparison with earlier runs.
        slow = {"CONCURRENT_ITEMS": "100"}
        ours_slow, plain_slow = paired_runs(self.runs, lambda: crawl_command(seeds, warcs, **slow),
                                            lambda: crawl_command(seeds, warcs, ADDONS="{}", **slow),
                                            lambda: fresh(warcs), lambda: fresh(warcs))
        self.figures.append(Figure(f"Capture: {len(urls)} pages, both at CONCURRENT_ITEMS 100 (Scrapy's default)",
                                   ours_slow, "plain Scrapy, same spider and settings", plain_slow,
                                   target="reported"))
        wget = self.peer("wget")
        if wget:
            out = self.work / "capture" / "wget"
            command = [wget, "-q", "--warc-file", str(out / "wget"), "-i", str(seeds / "urls.txt"),
                       "--delete-after", "-P", str(out / "files")]
            times = median_runs(self.runs, lambda: command, lambda: fresh(out))
            self.figures.append(Figure(f"Capture: {len(urls)} pages, against wget --warc-file", ours,
                                       "wget --warc-file -i urls.txt", times, target="reported"))
            # What writing a WARC costs wget itself: the same fetches without one.
            bare = [a for a in command if a not in ("--warc-file", str(out / "wget"))]
            bare_times = median_runs(self.runs, lambda: bare, lambda: fresh(out))
            self.figures.append(Figure(f"Reference: wget's own WARC cost, {len(urls)} pages", times,
                                       "wget -i urls.txt, no WARC", bare_times, target="reference"))

    # 1b. Page requisites
    def requisites(self) -> None:
        """Articles with their requisites (the default), against wget --page-requisites on the same pages."""
        generate_requisites(self.nginx.root, self.requisite_pages)
        urls = [f"{self.nginx.base}/req/pages/{n}.html" for n in range(self.requisite_pages)]
        seeds = write_urls(self.work / "requisites" / "seeds" / "urls.txt", urls).parent
        warcs = self.work / "requisites" / "warcs"
        expected = len(urls) * (1 + len(PAGE_IMAGES)) + len(SHARED_ASSETS) + 3  # and the 2 CSS, the script
        ours = median_runs(self.runs, lambda: crawl_command(seeds, warcs), lambda: fresh(warcs))
        ours_count, ours_distinct = self.responses_200(sorted(warcs.glob("*.warc.gz")))
        if ours_distinct < expected:
            raise RuntimeError(f"only {ours_distinct} of {expected} pages and requisites archived with 200")
        name = f"Capture with requisites: {len(urls)} pages, {expected - len(urls)} requisites"
        off = median_runs(self.runs, lambda: crawl_command(seeds, warcs, ARCHIVER_REQUISITES="none"),
                          lambda: fresh(warcs))
        self.figures.append(Figure(name, ours, "ours, ARCHIVER_REQUISITES=none (pages only)", off,
                                   target="reported", note=f"{ours_count} responses archived with requisites"))
        # wget fetches a requisite again for each page that needs it, and reads
        # no data-src: what each archived is said beside the times.
        wget = self.peer("wget")
        if not wget:
            self.notes.append("wget is not installed: the page requisites comparison was skipped.")
            return
        out = self.work / "requisites" / "wget"
        command = [wget, "-q", "--page-requisites", "--warc-file", str(out / "wget"), "-i",
                   str(seeds / "urls.txt"), "--delete-after", "-P", str(out / "files")]
        times = median_runs(self.runs, lambda: command, lambda: fresh(out))
        wget_count, wget_distinct = self.responses_200(sorted(out.glob("*.warc.gz")))
        self.figures.append(Figure(name, ours, "wget --page-requisites --warc-file -i urls.txt", times,
                                   target="reported",
                                   note=f"responses archived with status 200: ours {ours_count} "
                                        f"({ours_distinct} distinct URLs), wget {wget_count} "
                                        f"({wget_distinct} distinct URLs)"))

    @staticmethod
    def responses_200(warcs: list[Path]) -> tuple[int, int]:
        """Responses with status 200 archived (robots.txt aside), and their distinct URLs."""
        from warcio.archiveiterator import ArchiveIterator

        urls: list[str] = []
        for path in warcs:
            with open(path, "rb") as stream:
                urls += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream)
                         if r.rec_type == "response" and r.http_headers.get_statuscode() == "200"]
        urls = [url for url in urls if not url.endswith("/robots.txt")]
        return len(urls), len(set(urls))

    def check_served(self, warcs: list[Path], expected: int) -> None:
        """Refuse figures measured on error pages (nginx unable to read the files, say)."""
        from warcio.archiveiterator import ArchiveIterator

        ok = 0
        for path in warcs:
            with open(path, "rb") as stream:
                ok += sum(1 for r in ArchiveIterator(stream)
                          if r.rec_type == "response" and r.http_headers.get_statuscode() == "200")
        if ok < 0.8 * expected:
            raise RuntimeError(f"only {ok} of {expected} pages answered 200: the workload server is "
                               f"broken, these would not be figures; see {self.nginx.root}/nginx-error.log")

    # 2. Link checking: the peers' work, one article page listing the URLs
    def linkcheck(self) -> None:
        urls = url_list(self.nginx.base, self.check_urls, self.capture_pages, seed=13)
        page = f"{self.nginx.base}/{links_article(self.nginx.root, urls).name}"
        seeds = write_urls(self.work / "check" / "seeds" / "urls.txt", [page]).parent
        warcs, report = self.work / "check" / "warcs", self.work / "check" / "report"
        # Our defaults for what a link check judges: the article's links
        # followed (depth 1), soft-404 probes on. Archive lookups stay off:
        # they would ask the Internet about 127.0.0.1.
        ours_settings = {"ARCHIVER_DEPTH": "1", "ARCHIVER_SOFT404_PROBES": "True",
                         "ARCHIVER_REPORT_ENABLED": "True", "ARCHIVER_REPORT_DIR": str(report)}
        def ours_command() -> list[str]:
            return crawl_command(seeds, warcs, **ours_settings)

        def ours_before() -> None:
            fresh(warcs)
            fresh(report)

        name = f"Link check: one article linking {len(urls)} URLs, checked, archived and reported"
        checker = self.peer("linkchecker")
        checker_times = Runs()
        if checker:
            # LinkChecker allows itself 10 requests a second per host by
            # default; ours runs unthrottled here, so does it.
            config = self.work / "linkcheckerrc"
            config.write_text("[checking]\nmaxrequestspersecond=1000\nthreads=32\n")
            command = [checker, "-f", str(config), "--no-status", "--no-warnings", "-r1", "-o", "none", page]
            ours, checker_times = paired_runs(self.runs, ours_command, lambda: command, ours_before)
            times = checker_times
            figure = Figure(name, ours, "LinkChecker -r1, 32 threads, unthrottled", times, target="≤ 1.0×")
            figure.passed = figure.ratio is not None and figure.ratio <= 1.0
            self.figures.append(figure)
        else:
            ours = median_runs(self.runs, ours_command, ours_before)
            self.notes.append("LinkChecker is not installed: its comparison was skipped.")
        self.check_report(report / "report.json", len(urls))
        self.check_warcs = sorted(warcs.glob("*.warc.gz"))
        linkinator = self.peer("linkinator")
        if linkinator:
            command = [linkinator, page, "--silent"]
            times = median_runs(self.runs, lambda: command)
            self.figures.append(Figure(name, ours, "linkinator (its default concurrency, 100)", times,
                                       target="reported"))
            # The floor of any Scrapy-based checker: a spider that only fetches
            # the same URLs (robots.txt first), with nothing archived, parsed or reported.
            listed = write_urls(self.work / "check" / "minimal-urls.txt", urls)
            # Run outside the project: scrapy.cfg would give it our settings and add-on.
            floor = median_runs(self.runs, lambda: minimal_spider_command(listed), cwd=self.work)
            self.figures.append(Figure(f"Reference: a minimal Scrapy spider only fetching the {len(urls)} URLs",
                                       floor, "LinkChecker" if checker else "linkinator",
                                       checker_times if checker else times, target="reference"))
        else:
            self.notes.append("linkinator is not installed: its comparison was skipped.")
        if not checker and not linkinator:
            self.figures.append(Figure(name, ours, "LinkChecker, linkinator (not installed)", target="≤ 1.0×"))

    def check_report(self, path: Path, expected: int) -> None:
        """Refuse a link-check figure whose report does not hold every link."""
        import json

        articles = json.loads(path.read_text())["articles"]
        reported = sum(len(a["links"]) for a in articles)
        if len(articles) != 1 or reported < expected:
            raise RuntimeError(f"{path}: {len(articles)} articles and {reported} links reported, "
                               f"expected one article with {expected}: not the peers' work")

    # 3. Analysis: the same article pages, trafilatura's CLI on as many processes
    def analysis(self) -> None:
        urls = url_list(self.nginx.base, self.check_urls, self.capture_pages, seed=13)
        seeds = write_urls(self.work / "analysis" / "seeds" / "urls.txt", urls).parent
        warcs = fresh(self.work / "analysis" / "warcs")
        run(crawl_command(seeds, warcs))  # every URL an article: each page gets a full extraction
        archives = sorted(warcs.glob("*.warc.gz"))
        html_dir = fresh(self.work / "analysis" / "html")
        from warcio.archiveiterator import ArchiveIterator

        count = 0
        for path in archives:
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream):
                    # robots.txt too is served as text/html here: neither extracts a word from it
                    if record.rec_type == "response" and record.http_headers.get_statuscode() == "200" \
                            and "html" in (record.http_headers.get_header("Content-Type") or "") \
                            and not record.rec_headers.get_header("WARC-Target-URI").endswith("/robots.txt"):
                        (html_dir / f"{count}.html").write_bytes(record.content_stream().read())
                        count += 1
        processes = os.cpu_count() or 2
        out = self.work / "analysis" / "report"
        audit = [sys.executable, "-m", "archiver.cli", "audit", *map(str, archives), "-o", str(out),
                 "--workers", str(processes)]
        trafilatura = self.peer("trafilatura")
        name = (f"Analysis: extraction, dates, link judgements and the report over {count} archived "
                f"article pages ({processes} processes)")
        if not trafilatura:
            self.notes.append("trafilatura's command line is not installed: the analysis comparison was skipped.")
            self.figures.append(Figure(name, median_runs(self.runs, lambda: audit), "trafilatura CLI (not installed)",
                                       target="≤ 1.0×"))
            return
        txt = self.work / "analysis" / "txt"
        command = [trafilatura, "--input-dir", str(html_dir), "-o", str(txt), "--parallel", str(processes)]
        ours, times = paired_runs(self.runs, lambda: audit, lambda: command, peer_before=lambda: fresh(txt))
        figure = Figure(name, ours, f"trafilatura CLI, {processes} processes, extraction only", times,
                        target="≤ 1.0×")
        figure.passed = figure.ratio is not None and figure.ratio <= 1.0
        figure.note = self.same_text(html_dir, txt)
        self.figures.append(figure)

    def same_text(self, html_dir: Path, txt_dir: Path) -> str:
        """Do we extract the words trafilatura's CLI does? (It names its files by hash.)"""
        from archiver.analysis.extract import html_text, page_facts

        def words(text: str) -> tuple[str, ...]:
            return tuple(re.findall(r"\w+", text.lower()))

        cli = {words(p.read_text(errors="replace")) for p in txt_dir.rglob("*.txt")}
        pages = sorted(html_dir.glob("*.html"))[:200]
        same = sum(words(page_facts(html_text(p.read_bytes(), "text/html; charset=utf-8"), None).text) in cli
                   for p in pages)
        return f"the same words as the CLI's text for {same} of {len(pages)} pages compared"

    # 4. Integrity pass
    def integrity(self) -> None:
        big = self.big_warc()
        size = big.stat().st_size
        audit = [sys.executable, "-m", "archiver.cli", "audit", "--integrity-only", str(big)]
        warcio = [sys.executable, "-m", "warcio.cli", "check", str(big)]
        ours, peer = paired_runs(self.runs, lambda: audit, lambda: warcio)
        figure = Figure(f"Integrity pass over one {size / 1e6:.0f} MB WARC", ours, "warcio check", peer,
                        target="no slower (≤ 1.0×)")
        figure.passed = figure.ratio is not None and figure.ratio <= 1.0
        self.figures.append(figure)

    def big_warc(self) -> Path:
        return max(self.memory_warcs, key=lambda p: p.stat().st_size)

    # 5. Memory
    def memory(self) -> None:
        small, large = self.memory_urls
        results = {}
        for count in (small, large):
            urls = url_list(self.nginx.base, count, self.capture_pages, seed=17)
            seeds = write_urls(self.work / f"memory-{count}" / "seeds" / "urls.txt", urls).parent
            warcs = fresh(self.work / f"memory-{count}" / "warcs")
            elapsed, rss = peak_rss(crawl_command(seeds, warcs))
            results[count] = (elapsed, rss)
            if count == large:
                self.memory_warcs = sorted(warcs.glob("*.warc.gz"))
        figure = Figure(f"Memory: peak RSS of a {large}-URL crawl", [results[large][1] / 1024],
                        f"the same crawl of {small} URLs", [results[small][1] / 1024], unit="MiB",
                        target="≤ 1.5×")
        figure.passed = figure.ratio is not None and figure.ratio <= 1.5
        figure.note = (f"one run of each size; wall time {results[small][0]:.1f} s for {small} URLs, "
                       f"{results[large][0]:.1f} s for {large}")
        self.figures.append(figure)

    def close(self) -> None:
        self.nginx.stop()


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for package in ("scrapy", "warcio", "trafilatura", "htmldate", "news-archiver"):
        out[package] = version(package)
    for name, command in (("nginx", ["nginx", "-v"]), ("wget", ["wget", "--version"])):
        try:
            text = subprocess.run(command, capture_output=True, text=True).stderr or ""
            text = text or subprocess.run(command, capture_output=True, text=True).stdout
            out[name] = text.splitlines()[0].strip()
        except (OSError, IndexError):
            out[name] = "not installed"
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}"


def render(bench: Bench, started: datetime.datetime) -> str:
    lines = ["# Benchmark results", "",
             f"Run {started:%Y-%m-%d %H:%M} UTC{' (smoke: a few pages, not figures to quote)' if bench.smoke else ''}.",
             f"Machine: {machine()}.", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".", "",
             f"Each figure is the median of {bench.runs} run(s); the ratio is ours over the peer's,"
             " measured in the same run.", "",
             "| comparison | ours | peer | peer's | ratio | target | met |", "|---|---|---|---|---|---|---|"]
    for f in bench.figures:
        ours = f"{statistics.median(f.ours):.2f} {f.unit}"
        peer = f"{statistics.median(f.peer):.2f} {f.unit}" if f.peer else "—"
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[f.passed]
        lines.append(f"| {f.name} | {ours} | {f.peer_name or '—'} | {peer} | {ratio} | {f.target} | {met} |")
    if any(f.target == "reference" for f in bench.figures):
        lines += ["", "Reference rows measure peers, not us: the \"ours\" column holds the subject the row "
                  "names. They show what is reachable on this machine at all."]
    lines += ["", "All runs:", ""]
    for f in bench.figures:
        cpu = ""
        if isinstance(f.ours, Runs) and isinstance(f.peer, Runs) and f.ours.cpu and f.peer.cpu:
            ratio = statistics.median(f.ours.cpu) / statistics.median(f.peer.cpu)
            cpu = (f"; CPU time ours {', '.join(f'{x:.2f}' for x in f.ours.cpu)}, "
                   f"peer {', '.join(f'{x:.2f}' for x in f.peer.cpu)} (s), ratio of medians {ratio:.2f}×")
        lines.append(f"- {f.name}: ours {', '.join(f'{x:.2f}' for x in f.ours)}; "
                     f"peer {', '.join(f'{x:.2f}' for x in f.peer) or '—'} ({f.unit})"
                     + cpu + (f". {f.note}" if f.note else ""))
    if bench.notes:
        lines += ["", *[f"- {n}" for n in bench.notes]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few pages, one run: does it still work")
    parser.add_argument("--out", type=Path, help="where to write the results (default bench/RESULTS.md; "
                                                    "bench/RESULTS-smoke.md with --smoke)")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--only", help="comma-separated steps to run: capture, requisites, linkcheck, analysis, "
                                       "memory, integrity (analysis needs linkcheck; integrity needs memory)")
    opts = parser.parse_args(argv)
    out = opts.out or PROJECT / "bench" / ("RESULTS-smoke.md" if opts.smoke else "RESULTS.md")
    started = datetime.datetime.now(datetime.UTC)
    work = opts.work or Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # nginx's workers run as an unprivileged user: they must reach the pages.
    work.chmod(0o755)
    compile_ours()
    bench = Bench(work, opts.smoke)
    try:
        steps = (bench.capture, bench.requisites, bench.linkcheck, bench.analysis, bench.memory, bench.integrity)
        wanted = set(opts.only.split(",")) if opts.only else {s.__name__ for s in steps}
        for step in (s for s in steps if s.__name__ in wanted):
            print(f"bench: {step.__name__} …", file=sys.stderr, flush=True)
            step()
            out.write_text(render(bench, started))
    finally:
        bench.close()
        if opts.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
