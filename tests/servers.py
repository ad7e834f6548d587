"""Real servers that tests start for themselves, on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(program: str, package: str) -> str:
    """The program's path; a clear skip when it is missing (a failure on CI)."""
    found = shutil.which(program)
    if found:
        return found
    message = f"{program} is not installed (Debian package {package}; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"server on port {port} did not start: {log.read_text(errors='replace')}") from None
            time.sleep(0.1)


class RedisServer:
    def __init__(self, folder: Path) -> None:
        binary = require("redis-server", "redis-server")
        self.port = free_port()
        self.log = folder / "redis.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(folder)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, self.proc, self.log)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
