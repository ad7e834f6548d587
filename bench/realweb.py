"""A realistic web on loopback: many hosts, real-world latencies, the tools at their defaults.

    python -m bench.realweb                 # 200 hosts, 2,000 links, 3 runs of each tool
    python -m bench.realweb --runs 1 --hosts 20 --links 200
    python -m bench.realweb serve --spec web.json --port 8080 --stats stats.json

One asyncio server process answers on one loopback address per simulated
host (every address of 127.0.0.0/8 is local on Linux): 127.77.x.y. The
URLs name those addresses, not host names: LinkChecker and linkinator take
no resolver of their own, and a hosts file is the machine's, not ours to
change, so addresses are the one way all three tools see the same web.
What that leaves out is name resolution itself (no DNS is measured).

Each host has a latency drawn from a seeded distribution (30–600 ms, a few
at 1.5 s) that the server waits before every answer; a few hosts reset
every connection, a few hold it without answering and then drop it; 5% of
the links are dead (404), a few redirect, a few are disallowed by the
host's robots.txt, and a few hosts answer 200 to any URL (soft 404s).

The server logs every request, measures the peak number in flight per
host, and computes the polite floor: per host, the requests a polite
checker needs (robots.txt, each link once, a redirect's second hop, none
for what robots.txt forbids) in rounds of the allowed per-host
concurrency, times the host's latency; the floor is the slowest host's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import compile_ours
from bench.workload import WORDS

PROJECT = Path(__file__).resolve().parent.parent
PEERS = Path(os.environ.get("BENCH_PEERS", PROJECT / "bench" / ".peers"))
PER_HOST = 2  # our per-host limit: the floor's rounds
SUBNET = "127.77"


def address(index: int) -> str:
    """Host ``index``'s loopback address: 127.77.0.1, 127.77.0.2, … (250 to a /24)."""
    return f"{SUBNET}.{index // 250}.{index % 250 + 1}"


@dataclass
class Link:
    path: str
    kind: str  # "ok", "dead", "redirect", "private" (robots.txt forbids it)


@dataclass
class Host:
    index: int
    latency: float  # seconds before every answer
    behaviour: str = "normal"  # "normal", "reset", "hang", "soft404", "no-robots"
    links: list[Link] = field(default_factory=list)

    @property
    def address(self) -> str:
        return address(self.index)

    def needed(self) -> int:
        """Requests a polite checker needs here: robots.txt and each link (two hops for a redirect)."""
        hops = {"ok": 1, "dead": 1, "redirect": 2, "private": 0}
        return 1 + sum(hops[link.kind] for link in self.links)

    def floor(self, per_host: int = PER_HOST) -> float:
        return math.ceil(self.needed() / per_host) * self.latency


@dataclass
class Web:
    hosts: list[Host]
    article_host: int  # the host whose article page links every other link
    hang: float  # how long a "hang" host holds a connection before dropping it

    def urls(self, port: int) -> list[str]:
        return [f"http://{h.address}:{port}{link.path}" for h in self.hosts for link in h.links]

    def article_url(self, port: int) -> str:
        return f"http://{self.hosts[self.article_host].address}:{port}/2026/11/30/the-article"

    def floor(self) -> tuple[float, Host]:
        slowest = max(self.hosts, key=lambda h: h.floor())
        return slowest.floor(), slowest

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Web:
        data = json.loads(text)
        hosts = [Host(h["index"], h["latency"], h["behaviour"], [Link(**lk) for lk in h["links"]])
                 for h in data["hosts"]]
        return cls(hosts, data["article_host"], data["hang"])


def build_web(hosts: int = 200, links: int = 2000, seed: int = 15, *, min_latency: float = 0.03,
              max_latency: float = 0.6, slow: float = 1.5, hang: float = 4.0) -> Web:
    """A seeded web: the same arguments give the same web."""
    rng = random.Random(seed)
    # Host 0 serves the article; links go to hosts 1..hosts.
    made = [Host(0, min_latency * 3)]
    for i in range(1, hosts + 1):
        # Log-uniform between the bounds: most hosts fast, a long tail.
        latency = math.exp(rng.uniform(math.log(min_latency), math.log(max_latency)))
        made.append(Host(i, round(latency, 3)))
    linked = made[1:]
    # A few of each kind, at fixed shares (at least one each with enough hosts).
    shares = (("slow", 0.02), ("reset", 0.01), ("hang", 0.01), ("soft404", 0.03), ("no-robots", 0.05))
    pool = list(linked)
    rng.shuffle(pool)
    for kind, share in shares:
        for _ in range(max(1, round(share * len(linked))) if len(linked) >= 6 else 0):
            if not pool:
                break
            host = pool.pop()
            if kind == "slow":
                host.latency = slow
            else:
                host.behaviour = kind
                if kind == "hang":
                    host.latency = hang
    # Links per host: between half and one and a half times the mean.
    mean = links / len(linked)
    counts = [max(1, round(rng.uniform(mean * 0.5, mean * 1.5))) for _ in linked]
    while sum(counts) != links:  # nudge to the exact total
        i = rng.randrange(len(counts))
        counts[i] += 1 if sum(counts) < links else (-1 if counts[i] > 1 else 0)
    for host, count in zip(linked, counts, strict=True):
        for n in range(count):
            day = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(330))
            slug = "-".join(rng.choices(WORDS, k=4))
            roll = rng.random()
            kind = "dead" if roll < 0.05 else "redirect" if roll < 0.08 else "private" if roll < 0.09 else "ok"
            if kind == "private" and host.behaviour == "no-robots":
                kind = "ok"
            folder = "/private" if kind == "private" else ""
            host.links.append(Link(f"{folder}/{day:%Y/%m/%d}/{slug}-{n}", kind))
    return Web(made, 0, hang)


# Pages -----------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(10, 22))).capitalize() + "."


def page(title: str, day: datetime.date, seed: str, paragraphs: int = 14, body_links: str = "") -> bytes:
    """An article page: head metadata, navigation, text, a "most read" box; about 15 KB."""
    rng = random.Random(seed)
    text = "".join("<p>" + " ".join(_sentence(rng) for _ in range(rng.randint(3, 6))) + "</p>"
                   for _ in range(paragraphs))
    nav = "".join(f"<a href='/section/{w}'>{w.title()}</a> " for w in WORDS[:10])
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} | The Loopback Herald</title><meta property='og:title' content='{title}'>"
        f"<meta property='article:published_time' content='{day.isoformat()}T08:00:00Z'>"
        f"</head><body><nav>{nav}</nav><article><h1>{title}</h1>"
        f"<p class='byline'>By Staff, {day:%B %d, %Y}</p>{text}{body_links}</article>"
        "<aside><h3>Most read</h3><ul>"
        + "".join(f"<li>{' '.join(rng.choices(WORDS, k=5))}</li>" for _ in range(8))
        + "</ul></aside><footer>© 2026 The Loopback Herald</footer></body></html>"
    ).encode()


def article_page(web: Web, port: int) -> bytes:
    links = "".join(f"<p>See <a href='{url}'>{url.rsplit('/', 1)[-1].replace('-', ' ')}</a>.</p>"
                    for url in web.urls(port))
    return page("Two thousand links, one article", datetime.date(2026, 11, 30), "article",
                paragraphs=6, body_links=links)


NOT_FOUND = b"<!doctype html><html><head><title>Page not found</title></head><body><h1>Not found</h1></body></html>"


# Server ----------------------------------------------------------------------


class Server:
    def __init__(self, web: Web, port: int, per_host: int = PER_HOST) -> None:
        self.web = web
        self.port = port
        self.per_host = per_host
        self.by_address = {h.address: h for h in web.hosts}
        self.links = {(h.address, link.path): link for h in web.hosts for link in h.links}
        self.in_flight: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self.log: list[dict[str, object]] = []
        self.started = time.monotonic()
        self.cache: dict[tuple[str, str], bytes] = {}
        self._article = article_page(web, port)

    async def start(self) -> list[asyncio.Server]:
        servers = []
        for host in self.web.hosts:
            servers.append(await asyncio.start_server(
                lambda r, w, h=host: self.connection(h, r, w), host.address, self.port,
                reuse_address=True, backlog=256))
        return servers

    async def connection(self, host: Host, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if host.behaviour == "reset":
                self._note(host, "-", "/", "reset", 0.0)
                sock = writer.get_extra_info("socket")
                # SO_LINGER 0: close() sends a RST, as a crashed server's kernel does.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in header_lines if line)}
                started = time.monotonic()
                self.in_flight[host.index] = self.in_flight.get(host.index, 0) + 1
                self.peak[host.index] = max(self.peak.get(host.index, 0), self.in_flight[host.index])
                try:
                    await asyncio.sleep(host.latency)
                    if host.behaviour == "hang":
                        self._note(host, method, target, "hang", started)
                        writer.transport.abort()
                        return
                    status, extra, body = self.answer(host, target)
                    self._note(host, method, target, status, started,
                               headers.get("user-agent", "").split("/")[0])
                    closing = headers.get("connection", "").lower() == "close"
                    lines = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Other'}",
                             f"Content-Length: {len(body)}",
                             "Content-Type: " + ("text/plain" if target == "/robots.txt"
                                                 else "text/html; charset=utf-8"),
                             *extra, "Connection: close" if closing else "Connection: keep-alive"]
                    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
                    if method != "HEAD":
                        writer.write(body)
                    await writer.drain()
                finally:
                    self.in_flight[host.index] -= 1
                if closing:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping: the client sees its connection closed
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def _note(self, host: Host, method: str, target: str, status: int | str, started: float,
              agent: str = "") -> None:
        now = time.monotonic()
        self.log.append({"t": round(now - self.started, 4), "host": host.index, "method": method,
                         "path": target, "status": status, "seconds": round(now - started, 4) if started else 0,
                         "agent": agent})

    def answer(self, host: Host, target: str) -> tuple[int, list[str], bytes]:
        path = target.split("?", 1)[0]
        if path == "/robots.txt":
            if host.behaviour == "no-robots":
                return 404, [], NOT_FOUND
            return 200, [], b"User-agent: *\nDisallow: /private/\n"
        if host.index == self.web.article_host and path == "/2026/11/30/the-article":
            return 200, [], self._article
        link = self.links.get((host.address, path))
        if link is None and path.endswith("/moved"):
            link = self.links.get((host.address, path[: -len("/moved")]))
            if link is not None:
                return 200, [], self._page(host, path)
        if link is None:
            if host.behaviour == "soft404":
                return 200, [], page("Sorry, we could not find that page", datetime.date(2026, 1, 1), "soft404")
            return 404, [], NOT_FOUND
        if link.kind == "dead":
            return 404, [], NOT_FOUND
        if link.kind == "redirect":
            return 301, [f"Location: {path}/moved"], b""
        return 200, [], self._page(host, path)

    def _page(self, host: Host, path: str) -> bytes:
        key = (host.address, path)
        if key not in self.cache:
            parts = path.strip("/").split("/")
            digits = [p for p in parts if p.isdigit()]
            try:
                day = datetime.date(*map(int, digits[:3]))
            except (TypeError, ValueError):
                day = datetime.date(2026, 1, 1)
            title = parts[3].rsplit("-", 1)[0].replace("-", " ").title() if len(parts) > 3 else "News"
            self.cache[key] = page(title, day, f"{host.index}{path}")
        return self.cache[key]

    def stats(self) -> dict[str, object]:
        return {"requests": len(self.log), "peak": {str(k): v for k, v in self.peak.items()}, "log": self.log}


async def serve(web: Web, port: int, stats_path: Path, ready_path: Path | None) -> None:
    server = Server(web, port)
    servers = await server.start()
    if ready_path is not None:
        ready_path.write_text("ready")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for s in servers:
        s.close()
    stats = json.dumps(server.stats())
    # Each run's own copy too, for looking into a run after the next has started.
    stats_path.with_name(f"{stats_path.stem}-{time.strftime('%H%M%S')}.json").write_text(stats)
    stats_path.write_text(stats)


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class RunningWeb:
    """The server as a child process, started fresh for each measured run."""

    def __init__(self, web: Web, work: Path, port: int) -> None:
        self.web, self.work, self.port = web, work, port
        self.spec = work / "web.json"
        self.spec.write_text(web.to_json())
        self.stats_path = work / "stats.json"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RunningWeb:
        ready = self.work / "ready"
        ready.unlink(missing_ok=True)
        self.stats_path.unlink(missing_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.realweb", "serve", "--spec", str(self.spec),
                                      "--port", str(self.port), "--stats", str(self.stats_path),
                                      "--ready", str(ready)], cwd=PROJECT)
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the realistic web's server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)

    def stats(self) -> dict:
        return json.loads(self.stats_path.read_text())


# Measuring -------------------------------------------------------------------


@dataclass
class Measure:
    tool: str
    seconds: float
    requests: int
    peak_per_host: int
    probes: int  # requests for URLs the web does not link (soft-404 probes and the like)
    returncode: int
    network: float  # seconds from the first request the server saw to the end of the last
    cpu: float  # CPU seconds of the tool and every process it waited for (user + system)


def our_command(web: Web, port: int, work: Path, settings: dict[str, str] | None = None) -> list[str]:
    """``scrapy crawl seeds`` at its defaults, but for where it writes and the loopback permission."""
    seeds = work / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    # The seed is a saved copy of the article page: its canonical URL, its links.
    body = article_page(web, port).decode().replace(
        "<head>", f"<head><link rel='canonical' href='{web.article_url(port)}'>", 1)
    (seeds / "article.html").write_text(body)
    run = work / "ours"
    merged = {
        "ARCHIVER_ALLOW_PRIVATE": "True",  # the hosts are loopback addresses
        "ARCHIVER_WARC_DIR": str(run / "warcs"),
        "ARCHIVER_REPORT_DIR": str(run / "report"),
        "ARCHIVER_HISTORY_URL": f"sqlite:///{run / 'history.sqlite'}",
        # A simulated archive would be a host of this web; the real one is
        # not ours to ask from a benchmark: an address where nothing
        # listens, so lookups fail as against an unreachable archive.
        "ARCHIVER_ARCHIVE_ENDPOINT": f"http://{SUBNET}.255.254:{port}/timegate/",
        "LOG_FILE": str(run / "crawl.log"),
        **(settings or {}),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def peer(name: str) -> str | None:
    for folder in (PEERS / "bin", PEERS / "node_modules" / ".bin"):
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def measure(tool: str, command: list[str], web: Web, work: Path, port: int, env: dict[str, str]) -> Measure:
    # Every run of ours starts without WARCs or history, as a first crawl does.
    shutil.rmtree(work / "ours", ignore_errors=True)
    (work / "ours").mkdir()
    with RunningWeb(web, work, port) as running:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=1800)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stats = running.stats()
    linked = {(h.index, link.path) for h in web.hosts for link in h.links}
    probes = sum(1 for r in stats["log"] if r["path"] != "/robots.txt" and r["status"] not in ("reset",)
                 and (r["host"], r["path"]) not in linked and not str(r["path"]).endswith("/moved")
                 and not (r["host"] == web.article_host))
    if proc.returncode not in (0, 1, 2, 3, 4, 5):
        print(f"{tool} exited {proc.returncode}: {proc.stderr.decode()[-1500:]}", file=sys.stderr)
    log = stats["log"]
    network = max((r["t"] for r in log), default=0.0) - min((r["t"] - r["seconds"] for r in log), default=0.0)
    return Measure(tool, seconds, int(stats["requests"]), max(stats["peak"].values(), default=0),
                   probes, proc.returncode, round(network, 2), round(cpu, 2))


def tools(web: Web, work: Path, port: int) -> dict[str, list[str]]:
    found = {"ours (scrapy crawl seeds)": our_command(web, port, work)}
    article = web.article_url(port)
    checker = peer("linkchecker")
    if checker:
        # Its defaults, but for checking external links at all (off by default)
        # and one level deep: the article and the pages it links.
        found["LinkChecker --check-extern -r1"] = [checker, "--check-extern", "-r1", "--no-status",
                                                   "-o", "none", article]
    linkinator = peer("linkinator")
    if linkinator:
        found["linkinator"] = [linkinator, article, "--silent"]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realweb", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    serve_parser = sub.add_parser("serve", help="serve a web described by --spec until SIGTERM")
    serve_parser.add_argument("--spec", type=Path, required=True)
    serve_parser.add_argument("--port", type=int, required=True)
    serve_parser.add_argument("--stats", type=Path, required=True)
    serve_parser.add_argument("--ready", type=Path)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--links", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="comma-separated tool name prefixes (ours, LinkChecker, linkinator)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=VALUE[,NAME=VALUE]",
                        help="one more row: our crawl with these settings (to see what a default costs)")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--json", type=Path, help="write every measure here")
    opts = parser.parse_args(argv)
    if opts.command == "serve":
        asyncio.run(serve(Web.from_json(opts.spec.read_text()), opts.port, opts.stats, opts.ready))
        return 0
    compile_ours()
    web = build_web(opts.hosts, opts.links)
    work = opts.work or Path(tempfile.mkdtemp(prefix="archiver-realweb-"))
    work.mkdir(parents=True, exist_ok=True)
    port = free_port(address(0))
    env = dict(os.environ)
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(proxy, None)
    commands = tools(web, work, port)
    for variant in opts.variant:
        settings = dict(s.split("=", 1) for s in variant.split(","))
        commands[f"ours, {variant.replace(',', ', ')}"] = our_command(web, port, work, settings)
    if opts.only:
        commands = {k: v for k, v in commands.items() if any(k.startswith(p) for p in opts.only.split(","))}
    floor, slowest = web.floor()
    print(f"web: {len(web.hosts) - 1} hosts, {opts.links} links; polite floor {floor:.2f} s "
          f"(host {slowest.index}: {slowest.needed()} requests at {slowest.latency} s, {PER_HOST} at a time)",
          flush=True)
    results: dict[str, list[Measure]] = {name: [] for name in commands}
    for run in range(opts.runs):
        # Interleaved, so a slower minute of the shared machine hits every tool alike.
        for name, command in commands.items():
            m = measure(name, command, web, work, port, env)
            results[name].append(m)
            print(f"run {run + 1} {name}: {m.seconds:.2f} s (network {m.network:.2f} s, CPU {m.cpu:.2f} s), "
                  f"{m.requests} requests, "
                  f"peak {m.peak_per_host} "
                  f"per host, {m.probes} requests for unlinked URLs, exit {m.returncode}", flush=True)
    print("\n| tool, at its defaults | median wall time | × floor | first to last request | CPU | peak per host | "
          "requests | unlinked URLs asked |\n|---|---|---|---|---|---|---|---|")
    for name, ms in results.items():
        median = statistics.median(m.seconds for m in ms)
        print(f"| {name} | {median:.2f} s ({', '.join(f'{m.seconds:.1f}' for m in ms)}) | "
              f"{median / floor:.2f}× | {statistics.median(m.network for m in ms):.2f} s | "
              f"{statistics.median(m.cpu for m in ms):.1f} s | "
              f"{max(m.peak_per_host for m in ms)} | "
              f"{statistics.median(m.requests for m in ms):.0f} | {statistics.median(m.probes for m in ms):.0f} |")
    checker = next((ms for name, ms in results.items() if name.startswith("LinkChecker")), None)
    if checker:
        for name, ms in results.items():
            if name.startswith("ours"):
                ratios = [o.seconds / c.seconds for o, c in zip(ms, checker, strict=True)]
                print(f"{name} / LinkChecker, run by run: {', '.join(f'{r:.2f}' for r in ratios)}; "
                      f"median {statistics.median(ratios):.2f}")
    if opts.json:
        opts.json.write_text(json.dumps({"floor": floor, "results": {k: [asdict(m) for m in v]
                                                                    for k, v in results.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
