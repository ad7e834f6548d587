"""A real PostgreSQL server for tests, started from the installed binaries.

Debian's ``postgresql`` package puts ``initdb`` and ``pg_ctl`` under
``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root, so
as root they run as the ``postgres`` user (``runuser -u postgres --``) on a
data folder that user owns. The server listens on 127.0.0.1 and a free port,
its unix socket in its own folder, and trusts local connections.

Use the fixtures from a test module::

    from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

``postgres_server`` (one per session) skips the test when the binaries are
missing, and fails it instead when the ``CI`` environment variable is set: CI
must run these tests. ``postgres_url`` gives each test an empty database.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT = 60


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL bin folder with initdb and pg_ctl."""
    candidates = [d for d in glob.glob(BIN_GLOB) if os.access(os.path.join(d, "initdb"), os.X_OK)
                  and os.access(os.path.join(d, "pg_ctl"), os.X_OK)]
    if candidates:
        return Path(max(candidates, key=_version_key))
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def unavailable(reason: str) -> None:
    """Skip, or fail when running in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    root: Path  # holds data/, socket/ and server.log
    port: int
    user: str  # the database superuser
    run_as: list[str]  # command prefix: runuser -u postgres -- when we are root

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.run_as, *args], capture_output=True, text=True, timeout=timeout,
                              cwd=self.root, check=False)

    def start(self) -> None:
        initdb = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                           "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        if initdb.returncode:
            raise RuntimeError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        started = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                            "-o", options, "-w", "-t", str(START_TIMEOUT), "start")
        if started.returncode:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log}")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url().replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url().replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server() -> PostgresServer:
    """Start a throwaway server (the caller stops it and removes ``root``)."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin "
                    "or on PATH): apt-get install -y postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed: pip install 'psycopg[binary]>=3.1'")
    assert bindir is not None
    run_as: list[str] = []
    # Under /tmp itself: pytest's own tmp folders are private to root.
    root = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
    (root / "socket").mkdir()
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            unavailable("running as root and there is no postgres user to run the server as")
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(root, ignore_errors=True)
            unavailable("running as root and runuser (util-linux) is missing")
        run_as = [runuser, "-u", "postgres", "--"]
        for path in (root, root / "socket"):
            os.chown(path, account.pw_uid, account.pw_gid)
    last: Exception | None = None
    for _ in range(3):  # the free port may be taken between the check and the start
        server = PostgresServer(bindir, root, free_port(), "postgres", run_as)
        try:
            if server.data.exists():
                shutil.rmtree(server.data)
            server.start()
            return server
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            last = exc
            server.stop()
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"could not start PostgreSQL: {last}")


# Each test module that imports the fixture gets its own copy of it: they share
# one server, stopped when the last of them is torn down.
_shared: list[PostgresServer] = []
_users = 0


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    global _users
    if not _shared:
        _shared.append(start_server())
    _users += 1
    try:
        yield _shared[0]
    finally:
        _users -= 1
        if _users == 0:
            server = _shared.pop()
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """``postgresql+psycopg://…`` of a new, empty database (dropped afterwards)."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
