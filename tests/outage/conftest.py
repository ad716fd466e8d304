"""The outage stage: the app as a real server process on a PostgreSQL cluster and a Redis server of
its own (``tests/support/instances.py``), which the tests stop, restart and starve under load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import instances, server_process
from tests.support.instances import PrivatePostgres, PrivateRedis


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "outage: stops, restarts and starves private PostgreSQL and Redis")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = instances.available()
    for item in items:
        if item.get_closest_marker("outage") and missing:
            item.add_marker(pytest.mark.skip(reason=f"outage tests need private servers: {missing}"))


@dataclass(frozen=True)
class Stack:
    base: str
    database_url: str
    postgres: PrivatePostgres
    redis: PrivateRedis
    service_id: int
    slot_id: int
    env: dict[str, str]  # the server's: another server on the same stores starts with it

    @property
    def server_pid(self) -> int:
        """The served app's process: this process's child that was given the base URL's port."""
        port = self.base.rsplit(":", 1)[1]
        for proc in Path("/proc").iterdir():
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except (OSError, ValueError, IndexError):
                continue  # not a process, or gone meanwhile
            if parent == os.getpid() and b"--port" in argv and port.encode() in argv:
                return int(proc.name)
        raise LookupError(f"no server process on port {port}")


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *argv], cwd=server_process.ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="package")  # one stack for the stage: its setup is most of its time
def stack() -> Iterator[Stack]:
    with instances.private_instances() as (postgres, redis):
        database_url = postgres.create_database("palmcity")
        port = server_process.free_port()
        env = server_process.server_environment(
            database_url,
            f"http://127.0.0.1:{port}",
            PALMCITY_REDIS_URL=redis.url,
            PALMCITY_DATABASE_POOL_MAX="5",  # a modest pool: "too many clients" is reached soon
            PALMCITY_RATE_LIMIT_PER_IP="0",  # every client is 127.0.0.1
            PALMCITY_RATE_LIMIT_PER_USER="0",
            PALMCITY_RATE_LIMIT_LOGIN_PER_IP="0",
        )
        _run(["-m", "server.cli", "migrate"], env)
        seeded = json.loads(_run(["-m", "tests.outage.seed"], env))
        with server_process.serving(env, port, name="outage") as base:
            yield Stack(base, database_url, postgres, redis, seeded["service_id"], seeded["slot_id"], env)
