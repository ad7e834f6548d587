"""A real pywb, started over given WARC files in a temporary collection, on 127.0.0.1 only.

pywb lives in a virtual environment of its own (it pins redis 2.x): we run
its ``wb-manager`` and ``wayback`` scripts as subprocesses, never import it.
The WARC files are linked (not copied) into the collection, so checking a
large archive costs no disk space beyond pywb's index.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import archiver
from archiver.warc import OPEN_SUFFIX

COLLECTION = "check"
INSTALL_HINT = ("create it with `make .venv-pywb/.installed` (python3 -m venv .venv-pywb && "
                ".venv-pywb/bin/pip install 'pywb>=2.9'), or name its bin folder with --pywb-bin / ARCHIVER_PYWB_BIN")
# Frameless replay: the article is the top document and each request it makes
# is one URL of ours (no banner frame whose own requests would blur the count).
# Memento headers: Memento-Datetime is how an answer from the archive is told
# from pywb's own "not found" page, which a 404 archived as such is not.
CONFIG = "framed_replay: false\nenable_memento: true\n"
# What frameless replay inserts at the top of each page (pywb 2.x's default is a
# comment). Ours, said empty in the collection's own templates folder: the
# replay's screenshot is compared pixel by pixel with the crawl's, and a banner
# would be counted as a difference the archive does not have.
NO_BANNER = "<!-- no banner: the replay check compares its screenshots with the crawl's -->\n"


class ReplayServerError(Exception):
    """pywb is missing or would not start; the message is one line that names the fix."""


def find_pywb(configured: Path | None) -> Path:
    """The folder holding ``wayback`` and ``wb-manager``.

    The option or setting, else the environment's ARCHIVER_PYWB_BIN (as the
    tests take it), else the checkout's .venv-pywb, else ``wayback`` on the PATH.
    """
    if configured is None and os.environ.get("ARCHIVER_PYWB_BIN", "").strip():
        configured = Path(os.environ["ARCHIVER_PYWB_BIN"].strip())
    if configured is not None:
        if not (configured / "wayback").exists():
            raise ReplayServerError(f"no pywb in {configured} (no wayback there); {INSTALL_HINT}")
        return configured
    candidates = [Path(archiver.__file__).resolve().parent.parent / ".venv-pywb" / "bin", Path(".venv-pywb/bin")]
    found = shutil.which("wayback")
    if found:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "wayback").exists() and (folder / "wb-manager").exists():
            return folder
    raise ReplayServerError(f"pywb is not installed (no .venv-pywb/bin/wayback, no wayback on the PATH); "
                            f"{INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment() -> dict[str, str]:
    """Ours, less a crawl's PYTHONWARNINGS=error: pywb is another project's program, run as shipped."""
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return env


def _version(proc: subprocess.Popen) -> str:
    """``pywb 2.10.0`` from ``wayback --version``; ``pywb`` when it does not say."""
    try:
        output, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return "pywb"
    words = (output or "").split()
    return f"pywb {words[-1]}" if proc.returncode == 0 and words else "pywb"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class ReplayServer:
    """``with ReplayServer(bindir, warcs, workdir) as server:`` then ``server.replay_url(ts, url)``."""

    def __init__(self, bindir: Path, warcs: list[Path], workdir: Path, start_timeout: float = 60) -> None:
        self.bindir, self.warcs, self.root = bindir, warcs, workdir
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.version = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def prefix(self) -> str:
        """The collection's URL: a replay URL is prefix + timestamp + "/" + original URL."""
        return f"{self.origin}/{COLLECTION}/"

    def replay_url(self, timestamp: str, url: str) -> str:
        return f"{self.prefix}{timestamp}/{url}"

    def _manage(self, *args: str) -> None:
        try:
            done = subprocess.run([str(self.bindir / "wb-manager"), *args], cwd=self.root,
                                  capture_output=True, text=True, timeout=600, env=_environment())
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ReplayServerError(f"pywb's wb-manager {args[0]} failed: {error}") from None
        if done.returncode != 0:
            raise ReplayServerError(f"pywb's wb-manager {args[0]} failed: {_last_line(done.stderr)}")

    def __enter__(self) -> ReplayServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        # Asked while the collection is indexed: each pywb command costs a second to start.
        try:
            version = subprocess.Popen([str(self.bindir / "wayback"), "--version"], stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, env=_environment())
        except OSError as error:
            raise ReplayServerError(f"pywb's wayback in {self.bindir} cannot be run: {error.strerror or error}; "
                                    f"{INSTALL_HINT}") from None
        try:
            self._start()
        except OSError as error:  # the temporary collection: a full disk, no symbolic links
            raise ReplayServerError(f"cannot prepare pywb's collection in {self.root}: "
                                    f"{error.strerror or error}") from None
        finally:
            self.version = _version(version)

    def _start(self) -> None:
        # The layout `wb-manager init` makes, without its two seconds of start-up.
        archive = self.root / "collections" / COLLECTION / "archive"
        archive.mkdir(parents=True)
        (archive.parent / "indexes").mkdir()
        for number, warc in enumerate(self.warcs):
            # Numbered: two folders may hold files of one name. A file still
            # being written (.open) is indexed under the name it will have.
            name = f"{number:04d}-{warc.name.removesuffix(OPEN_SUFFIX)}"
            os.symlink(warc.resolve(), archive / name)
        self._manage("reindex", COLLECTION)
        (self.root / "config.yaml").write_text(CONFIG, encoding="utf-8")
        (self.root / "templates").mkdir()
        (self.root / "templates" / "custom_banner.html").write_text(NO_BANNER, encoding="utf-8")
        self.port = _free_port()
        log = self.root / "wayback.log"
        with open(log, "wb") as log_file:
            self.proc = subprocess.Popen([str(self.bindir / "wayback"), "--bind", "127.0.0.1", "-p", str(self.port)],
                                         cwd=self.root, stdout=log_file, stderr=subprocess.STDOUT, env=_environment())
        deadline = time.monotonic() + self.start_timeout
        # Straight to 127.0.0.1, whatever http_proxy the environment names.
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            try:
                with direct.open(self.prefix, timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers
            except (urllib.error.URLError, OSError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    why = _last_line(log.read_text(errors="replace"))
                    raise ReplayServerError(f"pywb's wayback did not start on {self.origin}: {why}") from None
                time.sleep(0.2)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
