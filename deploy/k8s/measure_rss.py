"""Measure what the API and worker processes weigh, to size the Kubernetes requests and limits.

Starts PalmCity as the manifests run it, on this machine: a scratch PostgreSQL database (created,
migrated, loaded with the demo data, dropped at the end), a Redis database of its own,
``sanic ... --single-process`` (or ``--workers N``) and one ``python -m server.worker``. Then it
puts a little load on it (authenticated reads and the catalogue over keep-alive connections,
loopback only, bounded in requests and seconds) and reads every process's VmRSS and VmHWM (peak)
from /proc.

    .venv/bin/python deploy/k8s/measure_rss.py \\
        --postgres postgres://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379/13

Prints one JSON object; docs/operations.md has the figures and the sizing drawn from them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402  (the repository root is put on the path just above)

PATHS = ("/api/v1/me", "/api/v1/catalog/items", "/healthz")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", required=True, help="a PostgreSQL URL whose server may get a scratch db"
    )
    parser.add_argument("--redis", required=True, help="a Redis URL with a database index of its own")
    # 1 runs `--single-process`, as deploy/k8s does; more runs Sanic's manager and its workers.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--requests", type=int, default=3000, help="per path and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    database = f"palmcity_rss_{os.getpid()}"
    admin = _with_database(args.postgres, "postgres")
    asyncio.run(_admin(admin, f'CREATE DATABASE "{database}"'))
    try:
        report = _measure(_with_database(args.postgres, database), args)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    print(json.dumps(report, indent=2))  # noqa: T201  (the report is the output)
    return 0


def _measure(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    env = _env(database_url, args.redis)
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "server.cli", *command], cwd=ROOT, env=env, check=True)
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        api = _start(
            [
                str(Path(sys.executable).with_name("sanic")),
                "server.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *(["--single-process"] if args.workers == 1 else ["--workers", str(args.workers)]),
                "--no-access-logs",
            ],
            env,
            logs / "api.log",
        )
        worker = _start([sys.executable, "-m", "server.worker"], env, logs / "worker.log")
        try:
            _wait_ready(port)
            idle = _memory(api.pid, worker.pid)
            token = _login(port)
            rounds = []
            for _ in range(args.rounds):
                for path in PATHS:
                    result = asyncio.run(
                        load.run(
                            port,
                            path,
                            headers={"Authorization": f"Bearer {token}"},
                            connections=16,
                            requests=args.requests,
                            max_seconds=60,
                        )
                    )
                    rounds.append({"path": path, "rps": round(result.rps), "statuses": result.statuses})
            loaded = _memory(api.pid, worker.pid)
        finally:
            for process in (api, worker):
                process.send_signal(signal.SIGTERM)
            for process in (api, worker):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(30)
                if process.poll() is None:
                    process.kill()
    return {"workers": args.workers, "idle": idle, "after_load": loaded, "load": rounds}


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALMCITY_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PALMCITY_ENV": "dev",
            "PALMCITY_SANDBOX": "true",
            "PALMCITY_DATABASE_URL": database_url,
            "PALMCITY_DATABASE_POOL_MAX": "5",
            "PALMCITY_REDIS_URL": redis_url,
            "PALMCITY_REDIS_PREFIX": f"palmcity:rss:{os.getpid()}",
            "PALMCITY_STORAGE_BACKEND": "memory",
            "PALMCITY_LOG_LEVEL": "WARNING",
            # One client makes every request: the limiter runs but must not refuse.
            "PALMCITY_RATE_LIMIT_PER_IP": "1000000000",
            "PALMCITY_RATE_LIMIT_PER_USER": "1000000000",
        }
    )
    return env


def _memory(api_pid: int, worker_pid: int) -> dict[str, Any]:
    """VmRSS and VmHWM in MB of the Sanic process (the manager with --workers), each of its children,
    and the job worker."""
    children = Path(f"/proc/{api_pid}/task/{api_pid}/children").read_text().split()
    return {
        "api_main": _status(api_pid),
        "api_workers": [_status(int(pid)) for pid in children],
        "job_worker": _status(worker_pid),
    }


def _status(pid: int) -> dict[str, float]:
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError("the API was not ready within 60 s")


def _login(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/wechat/login",
        data=json.dumps({"code": "dev:alice"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        token: str = json.loads(answer.read())["access_token"]
        return token


def _with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}", query=""))


async def _admin(url: str, statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


if __name__ == "__main__":
    raise SystemExit(main())
