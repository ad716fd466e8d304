"""A real server process on a free port (``sanic server.main:create_app``), on the test database.

The H5 flows and the API fuzzer talk to the app over real HTTP, as a browser or a client would;
both start it here. The log goes to ``var/<name>-server.log``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support import environment

ROOT = environment.ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_environment(database_url: str, base: str, **overrides: str) -> dict[str, str]:
    """The server's environment: the test database, its own Redis prefix, the sandbox platforms."""
    return {
        **os.environ,
        "PALMCITY_ENV": "test",
        "PALMCITY_DATABASE_URL": database_url,
        "PALMCITY_REDIS_URL": environment.redis_url(),
        "PALMCITY_REDIS_PREFIX": f"palmcity:e2e:{uuid.uuid4().hex[:8]}",
        "PALMCITY_PUBLIC_BASE_URL": base,
        "PALMCITY_SANDBOX": "true",
        "PALMCITY_LOG_LEVEL": "WARNING",
        **overrides,
    }


def seed_demo(env: dict[str, str]) -> None:
    """``python -m server.cli seed-demo`` with the server's settings (the schema is migrated)."""
    seeded = subprocess.run(
        [sys.executable, "-m", "server.cli", "seed-demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, f"seed-demo failed:\n{seeded.stdout[-2000:]}\n{seeded.stderr[-2000:]}"


@contextmanager
def serving(env: dict[str, str], port: int, name: str = "e2e") -> Iterator[str]:
    """Start the server with ``env`` on ``port``; yield its base URL once /healthz answers."""
    base = f"http://127.0.0.1:{port}"
    (ROOT / "var").mkdir(exist_ok=True)  # a fresh clone has none until something runs
    log = (ROOT / "var" / f"{name}-server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sanic",
            "server.main:create_app",
            "--factory",
            "--single-process",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {log.name}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
