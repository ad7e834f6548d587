"""pywb, the real replay server, started by tests over their WARC files.

pywb lives in its own virtual environment (it pins redis 2.x, which the
distributed crawl cannot use): ``make test`` builds ``.venv-pywb``, and
ARCHIVER_PYWB_BIN may name another folder holding ``wayback``.
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

from tests.conftest import PROJECT


def pywb_bin() -> Path | None:
    candidates = [os.environ.get("ARCHIVER_PYWB_BIN"), PROJECT / ".venv-pywb" / "bin"]
    found = shutil.which("wayback")
    if found:
        candidates.append(str(Path(found).parent))
    for folder in candidates:
        if folder and (Path(folder) / "wayback").exists():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collection:
    def __init__(self, base: str, name: str) -> None:
        self.base, self.name = base, name

    def original(self, url: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body as archived (pywb's ``id_`` mode).

        Sent like a browser, accepting gzip: to a client that does not,
        pywb rightly decodes a gzip body.
        """
        request = urllib.request.Request(
            f"{self.base}/{self.name}/id_/{url}", headers={"Accept-Encoding": "gzip, deflate"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


class Pywb:
    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root = bindir, root
        self.procs: list[subprocess.Popen] = []

    def collection(self, name: str, warcs: list[Path]) -> Collection:
        """A collection of WARC files, or of WACZ files (their WARCs and index taken out, ``--unpack-wacz``)."""
        run = lambda *args: subprocess.run(  # noqa: E731
            [str(self.bindir / "wb-manager"), *args], cwd=self.root,
            capture_output=True, text=True, check=True)
        run("init", name)
        unpack = ["--unpack-wacz"] if any(path.suffix == ".wacz" for path in warcs) else []
        run("add", *unpack, name, *map(str, warcs))
        port = free_port()
        log = self.root / f"wayback-{name}.log"
        with open(log, "wb") as log_file:
            proc = subprocess.Popen(
                [str(self.bindir / "wayback"), "--bind", "127.0.0.1", "-p", str(port)],
                cwd=self.root, stdout=log_file, stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"wayback did not start: {log.read_text(errors='replace')}") from None
                time.sleep(0.2)
        return Collection(base, name)

    def close(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=10)
