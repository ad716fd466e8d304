"""Private PostgreSQL and Redis servers on free ports, for tests that stop, restart or starve them.

The servers on 5432 and 6379 are shared by every test run on the machine: an outage test must
never touch them. Each instance here lives in a temporary folder of its own and is removed with
it. PostgreSQL refuses to run as root, so as root its binaries run as ``postgres`` (``runuser``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.server_process import free_port

PG_BIN = Path(os.environ.get("PALMCITY_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def available() -> str | None:
    """Why private instances cannot run here, or None when they can."""
    if not (PG_BIN / "pg_ctl").exists():
        return f"no PostgreSQL binaries in {PG_BIN} (set PALMCITY_PG_BIN)"
    if not Path(REDIS_SERVER).exists():
        return "no redis-server on PATH"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser (PostgreSQL refuses to run as root)"
    return None


def _wait(ready: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not ready():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not become ready in {seconds} s")
        time.sleep(0.1)


class PrivateRedis:
    """``redis-server`` on a free port with an append-only file, as production keeps one: a
    restart brings the logins back, as it does there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self._process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.folder),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "always",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        _wait(self._answers, f"redis-server on {self.port}")

    def stop(self) -> None:
        """SIGTERM: Redis finishes its append-only file and exits; clients get refused at once."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def _answers(self) -> bool:
        probe = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
        )
        return probe.stdout.strip() == "PONG"


class PrivatePostgres:
    """A PostgreSQL cluster of its own (``initdb``), reached over TCP on a free port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        self.server_url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._options = ""

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*as_postgres, *argv], capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self, **settings: str | int) -> None:
        """Start with ``settings`` (``max_connections=5``) on top of a test cluster's: no fsync
        (the machine does not crash under a test), TCP on loopback, the socket in its folder."""
        options = {"listen_addresses": "127.0.0.1", "fsync": "off", **settings}
        self._options = f"-p {self.port} -k {self.folder} " + " ".join(
            f"-c {name}={value}" for name, value in options.items()
        )
        self._pg_ctl("start", "-l", str(self.folder / "postgres.log"))

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        self._pg_ctl("stop", "-m", mode, check=check)

    def restart(self, **settings: str | int) -> None:
        self.stop()
        self.start(**settings)

    def _pg_ctl(self, action: str, *extra: str, check: bool = True) -> None:
        argv = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60"]
        if action == "start":
            argv += ["-o", self._options]
        self._run(*argv, *extra, action, check=check)

    def database_url(self, name: str, **query: str | int) -> str:
        params = "&".join(f"{key}={value}" for key, value in query.items())
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}" + (f"?{params}" if params else "")

    def create_database(self, name: str) -> str:
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.database_url(name)


@contextmanager
def private_instances() -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    """A started PostgreSQL cluster and Redis server, stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="palmcity-outage-"))
    os.chmod(folder, 0o755)  # the postgres user reaches its own subfolder through it
    postgres = PrivatePostgres(folder / "postgres")
    redis = PrivateRedis(folder)
    try:
        postgres.init()
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        postgres.stop("immediate", check=False)
        shutil.rmtree(folder, ignore_errors=True)
