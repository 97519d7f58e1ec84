"""A real, temporary PostgreSQL server for the tests, made from Debian's packages.

One server runs per test session in a fresh temporary directory, on a free loopback port with
trust authentication; each test gets its own database. PostgreSQL refuses to run as root, so
as root the cluster belongs to (and the server runs as) the ``postgres`` system user.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.orphans import die_with_parent

DEBIAN_POSTGRES = Path("/usr/lib/postgresql")
BIN_DIR_VARIABLE = "ADVISOR_TEST_POSTGRES_BIN"
SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
INSTALL_HINT = (
    "The PostgreSQL tests need a PostgreSQL server installed: on Debian/Ubuntu run "
    "`apt-get install --no-install-recommends postgresql` (or `bash scripts/setup.sh install`); "
    f"elsewhere point {BIN_DIR_VARIABLE} at the folder with `postgres` and `initdb`. "
    "Developers without PostgreSQL can set ADVISOR_TEST_POSTGRES=skip to skip these tests."
)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Speed over durability: the cluster is thrown away after the session.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "autovacuum": "off",
}
TEMP_PREFIX = "advisor-test-postgres-"
OWNER_FILE = "owner.pid"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed here or the server could not start."""


def find_bin_dir() -> Path:
    """The bin folder of the newest PostgreSQL in /usr/lib/postgresql (or on PATH), or the one
    named by ADVISOR_TEST_POSTGRES_BIN."""
    chosen = os.environ.get(BIN_DIR_VARIABLE)
    if chosen:
        if not (Path(chosen) / "postgres").is_file():
            raise PostgresUnavailable(
                f"{BIN_DIR_VARIABLE}={chosen} has no `postgres` program. {INSTALL_HINT}"
            )
        return Path(chosen)
    versions: list[tuple[int, Path]] = []
    if DEBIAN_POSTGRES.is_dir():
        for entry in DEBIAN_POSTGRES.iterdir():
            if entry.name.isdigit() and (entry / "bin" / "postgres").is_file():
                versions.append((int(entry.name), entry / "bin"))
    if versions:
        return max(versions)[1]
    on_path = shutil.which("postgres") or shutil.which("pg_ctl")
    if on_path is not None:
        return Path(on_path).resolve().parent
    raise PostgresUnavailable(
        f"no PostgreSQL server found (nothing in {DEBIAN_POSTGRES}/<version>/bin, "
        f"no `postgres` on PATH). {INSTALL_HINT}"
    )


class PostgresServer:
    """One temporary PostgreSQL cluster: ``start()``, make databases, ``stop()``."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self._bin_dir = bin_dir
        self.port = 0
        self.root: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)

    # --- life cycle ---

    def start(self) -> PostgresServer:
        """Make a fresh cluster and start the server; PostgresUnavailable when that fails."""
        if self._process is not None:
            return self
        bin_dir = self._bin_dir or find_bin_dir()
        self._bin_dir = bin_dir
        _remove_abandoned_clusters()
        self.root = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        (self.root / OWNER_FILE).write_text(str(os.getpid()))
        atexit.register(self.stop)
        try:
            self._make_dirs()
            self._initdb()
            # Another process may take the free port between probe and bind: try a few.
            for _ in range(3):
                self.port = _free_port()
                if self._launch():
                    break
            else:
                raise PostgresUnavailable(f"no free port for PostgreSQL:\n{self.log().strip()}")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown, then kill) and remove the temporary directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
        root, self.root = self.root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        atexit.unregister(self.stop)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # --- databases ---

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh, empty database; returns its DSN."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        # FILE_COPY copies template0's few files instead of writing each block to the WAL (the
        # default); with fsync off its checkpoints cost little.
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return self.dsn(name)

    def drop_database(self, name_or_dsn: str) -> None:
        """Drop a database (by name or DSN), disconnecting whoever is still connected."""
        name = name_or_dsn.rsplit("/", 1)[-1]
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser with psql; returns its unaligned output."""
        if not self.running:
            raise PostgresUnavailable("the PostgreSQL test server is not running")
        result = subprocess.run(
            [
                str(self._tool("psql")),
                "--no-psqlrc",
                "--quiet",
                "--tuples-only",
                "--no-align",
                "--set=ON_ERROR_STOP=1",
                f"--command={statement}",
                self.dsn(database),
            ],
            capture_output=True,
            text=True,
            cwd=self.root,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed on {statement!r}: {result.stderr.strip()}")
        return result.stdout.strip()

    def log(self) -> str:
        """What the server wrote to its log so far (for failure messages)."""
        if self.root is None:
            return ""
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- plumbing ---

    @property
    def _data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def _socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "socket"

    def _tool(self, name: str) -> Path:
        assert self._bin_dir is not None
        path = self._bin_dir / name
        if not path.is_file():
            raise PostgresUnavailable(f"{path} is missing. {INSTALL_HINT}")
        return path

    def _make_dirs(self) -> None:
        self._socket_dir.mkdir()
        if os.geteuid() != 0:
            return
        try:
            user = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root, but there is no `{SYSTEM_USER}` system user to run "
                f"PostgreSQL as (PostgreSQL refuses to run as root). {INSTALL_HINT}"
            ) from None
        for path in (self._data_dir.parent, self._socket_dir):
            os.chown(path, user.pw_uid, user.pw_gid)

    @staticmethod
    def _as_server_user() -> dict[str, Any]:
        """subprocess options that run a PostgreSQL program as the postgres user when root."""
        if os.geteuid() != 0:
            return {}
        return {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}

    def _initdb(self) -> None:
        result = subprocess.run(
            [
                str(self._tool("initdb")),
                f"--pgdata={self._data_dir}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            cwd=self.root,
            check=False,
            **self._as_server_user(),
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"initdb failed (exit {result.returncode}):\n{result.stderr.strip()}\n"
                f"{INSTALL_HINT}"
            )

    def _launch(self) -> bool:
        """Start the server and wait until it accepts connections; False if the port was
        taken meanwhile."""
        settings = {
            **SERVER_SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": str(self._socket_dir),
        }
        with (self._data_dir.parent / "server.log").open("ab") as log:
            process = subprocess.Popen(
                [
                    # Set after the switch to the postgres user (a credential change would
                    # clear it): a test run that is killed leaves no server behind.
                    *die_with_parent(signal.SIGINT),
                    str(self._tool("postgres")),
                    f"-D{self._data_dir}",
                    *(f"--{key}={value}" for key, value in settings.items()),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.root,
                **self._as_server_user(),
            )
        self._process = process
        deadline = time.monotonic() + START_TIMEOUT
        while not self._ready():
            if process.poll() is not None:
                self._process = None
                if re.search(r"could not bind|already in use", self.log()):
                    return False
                raise PostgresUnavailable(
                    f"the PostgreSQL server exited at start (exit {process.returncode}):\n"
                    f"{self.log().strip()}"
                )
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"the PostgreSQL server did not get ready within {START_TIMEOUT:.0f} s:\n"
                    f"{self.log().strip()}"
                )
            time.sleep(0.02)
        return True

    def _ready(self) -> bool:
        # postmaster.pid ends with the server's status: "ready" once it accepts connections.
        try:
            lines = (self._data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"


def _remove_abandoned_clusters() -> None:
    """Remove the directories of earlier test runs that were killed before they could."""
    for path in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        try:
            owner = int((path / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not _alive(owner):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
