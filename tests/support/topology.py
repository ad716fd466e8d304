"""PalmCity served as production serves it, for the topology stage (``tests/topology``).

One fresh PostgreSQL database, migrated and seeded with the demo data through the CLI
(``python -m server.cli migrate`` / ``seed-demo``); a ``redis-server`` of its own on a free port
(its keys are nobody else's; without the binary, the run's Redis under a prefix of its own);
``sanic server.main:create_app --factory --workers 2`` and two ``python -m server.worker`` with the
same settings. Logs go to ``var/topology/`` and are deleted when the stage passed.

Which process answered: no response header names it, so the test finds out as the kernel sees it.
An HTTP/1.1 connection is kept alive and served by the one Sanic worker that accepted it; the
server side of that TCP connection is a socket (an inode in ``/proc/net/tcp``) held open by
exactly one process (``/proc/<pid>/fd``). The same finds which worker process owns a PostgreSQL
backend, from ``pg_stat_activity.client_port``. Linux only, which is where the stage runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from domain.shared.clock import today_in_china
from tests.support import environment
from tests.support.server_process import free_port

ROOT = environment.ROOT
LOGS = ROOT / "var" / "topology"
API_WORKERS = 2
JOB_WORKERS = 2
# PostgreSQL connections per process, 2 x 8 + 2 x 3 = 22 at most, far below the shared server's
# 100. An API worker needs one per booking in flight (held through its commit, and a pool wait is
# bounded: a request that waits too long answers 503), so the 16 bookings racing through each
# worker get 8; a job worker runs a few small jobs at a time.
API_POOL = 8
JOB_POOL = 3
# A job's lease: the handler must finish 5 s before it ends (domain.outbox.service.LEASE_MARGIN),
# and a job whose worker died is dispatched again once it ends, so short keeps the stage quick.
LEASE_SECONDS = 12
RATE_LIMIT_PER_USER = 30
REFRESH_GRACE_SECONDS = 1
STAFF_PASSWORD = "palmcity-demo-2026"  # the demo staff's (server/demo)
BOOK = "/api/v1/appointments"
CANCELLED_BY_SITE = "appointments.cancelled_by_site"  # a job per appointment of a slot the site cancels
START_SECONDS = 120.0

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0, every: float = 0.1) -> T:
    """``probe()`` until it gives something other than ``None``/``False``; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# -- which process holds a TCP connection ------------------------------------------------------------


def _socket_inodes(local_port: int, remote_port: int) -> set[str]:
    """Inodes of established IPv4 sockets from ``local_port`` to ``remote_port`` (loopback)."""
    found = set()
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for line in table:
            cols = line.split()
            local, remote, state, inode = cols[1], cols[2], cols[3], cols[9]
            if (
                state == "01"
                and int(local.rsplit(":", 1)[1], 16) == local_port
                and int(remote.rsplit(":", 1)[1], 16) == remote_port
            ):
                found.add(inode)
    return found


def owner_of_connection(local_port: int, remote_port: int, pids: set[int]) -> int | None:
    """Which of ``pids`` holds the socket whose local end is ``local_port`` and far end ``remote_port``."""
    inodes = {f"socket:[{inode}]" for inode in _socket_inodes(local_port, remote_port)}
    if not inodes:
        return None
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        with suppress(OSError):  # the process ended meanwhile
            for fd in fds.iterdir():
                with suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return pid
    return None


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                stat = (entry / "stat").read_text()
                # the command name may hold spaces and parentheses: the ppid follows the last ')'
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
    return found


# -- HTTP over one kept-alive connection --------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any
    pid: int  # the Sanic worker that answered


class Connection:
    """One HTTP/1.1 keep-alive connection to the app; every request on it reaches one Sanic worker."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.http = http.client.HTTPConnection("127.0.0.1", topology.port, timeout=30)
        self.pid = 0

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None if body is None else json.dumps(body)
        self.http.request(method, path, body=payload, headers=headers)
        response = self.http.getresponse()
        text = response.read().decode()
        if not self.pid:  # the server's end of this connection exists once a worker accepted it
            local_port = self.http.sock.getsockname()[1]
            self.pid = wait_for(
                "the process serving a connection",
                lambda: owner_of_connection(self.topology.port, local_port, self.topology.api_pids()),
                timeout=5,
                every=0.02,
            )
        return Answer(response.status, json.loads(text) if text.startswith(("{", "[")) else text, self.pid)

    def get(self, path: str, token: str | None = None) -> Answer:
        return self.request("GET", path, token=token)

    def post(self, path: str, body: Any = None, token: str | None = None) -> Answer:
        return self.request("POST", path, {} if body is None else body, token)

    def close(self) -> None:
        self.http.close()


# -- the processes --------------------------------------------------------------------------------------


@dataclass
class Topology:
    port: int
    database_url: str
    env: dict[str, str]
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dsn(self) -> str:
        """The database for asyncpg (without Tortoise's query options)."""
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(scheme="postgresql", query=""))

    def api_pids(self) -> set[int]:
        assert self.server is not None
        return children_of(self.server.pid)

    def worker_pids(self) -> set[int]:
        return {w.pid for w in self.workers if w.poll() is None}

    def connect(self) -> Connection:
        return Connection(self)

    @contextmanager
    def connections_per_worker(self, count: int) -> Iterator[dict[int, list[Connection]]]:
        """``count`` kept-alive connections to each Sanic worker: fresh ones are opened (the kernel
        hands each to one worker) until every worker has its share; the extra ones are closed."""
        found: dict[int, list[Connection]] = {}
        opened: list[Connection] = []
        try:
            deadline = time.monotonic() + 60
            while len(found) < API_WORKERS or any(len(c) < count for c in found.values()):
                assert time.monotonic() < deadline, f"in 60 s: { ({p: len(c) for p, c in found.items()}) }"
                conn = self.connect()
                opened.append(conn)
                assert conn.get("/healthz").status == 200
                mine = found.setdefault(conn.pid, [])
                if len(mine) < count:
                    mine.append(conn)
                else:
                    conn.close()
            yield found
        finally:
            for conn in opened:
                conn.close()

    @contextmanager
    def one_connection_per_worker(self) -> Iterator[dict[int, Connection]]:
        with self.connections_per_worker(1) as found:
            yield {pid: conns[0] for pid, conns in found.items()}

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
        """One request on a fresh connection (whichever worker the kernel hands it to)."""
        conn = self.connect()
        try:
            return conn.request(method, path, body, token)
        finally:
            conn.close()

    def self_service_slot(self, index: int) -> tuple[int, int, int]:
        """(service id, slot id, places) of tomorrow's slot ``index`` at the demo hall's 24-hour
        service (open every day, 20 places a slot), still untouched."""
        site = self.call("GET", "/api/v1/appointments/sites/QY-HALL").body
        service = next(s["id"] for s in site["services"] if s["code"] == "self-service")
        day = today_in_china() + dt.timedelta(days=1)
        slot = self.call("GET", f"/api/v1/appointments/services/{service}/slots?date={day}").body["slots"][
            index
        ]
        assert slot["bookable"] and slot["left"] == slot["capacity"], slot
        return service, slot["slot_id"], slot["left"]

    def resident(self, name: str) -> dict[str, str]:
        """A sandbox resident logged in (any new name is a new resident): its token pair."""
        answer = self.call("POST", "/api/v1/auth/wechat/login", {"code": f"dev:{name}"})
        assert answer.status == 200, answer
        return {k: answer.body[k] for k in ("access_token", "refresh_token")}

    def staff(self, username: str) -> str:
        answer = self.call(
            "POST", "/api/v1/staff/auth/login", {"username": username, "password": STAFF_PASSWORD}
        )
        assert answer.status == 200, answer
        return str(answer.body["access_token"])

    # -- job workers ---------------------------------------------------------------------------------

    def start_worker(self, number: int) -> subprocess.Popen[bytes]:
        """``python -m server.worker`` number ``number``; not waited for (``wait_for_worker``)."""
        self._beat(number).unlink(missing_ok=True)
        log = (LOGS / f"worker-{number}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.worker", "--heartbeat", str(self._beat(number))],
            cwd=ROOT,
            env={**self.env, "PALMCITY_DATABASE_URL": _with_pool(self.database_url, JOB_POOL)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return proc

    def wait_for_worker(self, number: int) -> None:
        # The heartbeat is touched after the first relay pass: the worker has the database and Redis.
        proc, beat = self.workers[number], self._beat(number)
        log = f"var/topology/worker-{number}.log"
        wait_for(f"worker {number} (see {log})", lambda: beat.exists() or _ended(proc, log), START_SECONDS)

    @staticmethod
    def _beat(number: int) -> Path:
        return LOGS / f"worker-{number}.beat"

    def replace_dead_workers(self) -> None:
        for number, proc in enumerate(self.workers):
            if proc.poll() is not None:
                self.workers[number] = self.start_worker(number)
                self.wait_for_worker(number)

    def kill_worker(self, pid: int) -> None:
        """SIGKILL: no shutdown, no hand-back; what a crash or the OOM killer does."""
        assert pid in self.worker_pids(), f"{pid} is not a running job worker"
        os.kill(pid, signal.SIGKILL)
        for proc in self.workers:
            if proc.pid == pid:
                proc.wait(10)


def _ended(proc: subprocess.Popen[bytes], log: str) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"a process ended with {proc.returncode} at start; see {log}")
    return False


def _with_pool(url: str, size: int) -> str:
    return urlunsplit(urlsplit(url)._replace(query=f"maxsize={size}"))


def _redis_answers(port: int) -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False


def _own_redis() -> tuple[subprocess.Popen[bytes] | None, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        return None, environment.redis_url()
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=(LOGS / "redis.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    wait_for("redis-server", lambda: _redis_answers(port) or _ended(proc, "var/topology/redis.log"), 10)
    return proc, f"redis://127.0.0.1:{port}/0"


def _cli(env: dict[str, str], command: str) -> subprocess.Popen[bytes]:
    """``python -m server.cli <command>``, started; its output in ``var/topology/<command>.log``."""
    log = (LOGS / f"{command}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    return proc


def _succeeded(proc: subprocess.Popen[bytes], command: str) -> None:
    code = proc.wait(START_SECONDS)
    assert code == 0, (
        f"server.cli {command} failed ({code}):\n{(LOGS / f'{command}.log').read_text()[-3000:]}"
    )


def _stop_all(procs: list[subprocess.Popen[bytes] | None], grace: float = 20) -> None:
    """SIGTERM to each (they stop cleanly, in parallel), SIGKILL to any still running after ``grace``."""
    running = [p for p in procs if p is not None and p.poll() is None]
    for proc in running:
        proc.terminate()
    deadline = time.monotonic() + grace
    for proc in running:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _server_ready(topology: Topology, proc: subprocess.Popen[bytes]) -> bool:
    """Every Sanic worker answers /readyz (the database and Redis reached)."""
    _ended(proc, "var/topology/api.log")
    if len(topology.api_pids()) < API_WORKERS:
        return False
    seen: set[int] = set()
    with suppress(OSError, http.client.HTTPException, AssertionError):
        for _ in range(20):
            answer = topology.call("GET", "/readyz")
            if answer.status != 200:
                return False
            seen.add(answer.pid)
            if len(seen) == API_WORKERS:
                return True
    return False


@contextmanager
def serving(failed: Callable[[], bool]) -> Iterator[Topology]:
    """The whole topology, up and ready; stopped afterwards, its logs kept only if ``failed()``."""
    assert environment.POSTGRES_URL, environment.PG_SKIP_REASON
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    url = _in_thread(_patiently(environment.create_test_database))
    database_url = _with_pool(url, API_POOL)
    redis_proc, redis_url = _own_redis()
    port = free_port()
    env = {
        **os.environ,
        "PALMCITY_ENV": "test",
        "PALMCITY_DATABASE_URL": database_url,
        "PALMCITY_REDIS_URL": redis_url,
        "PALMCITY_REDIS_PREFIX": f"palmcity:topology:{uuid.uuid4().hex[:8]}",
        "PALMCITY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PALMCITY_SANDBOX": "true",
        "PALMCITY_LOG_LEVEL": "INFO",
        "PALMCITY_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "PALMCITY_OUTBOX_POLL_SECONDS": "0.5",
        # Every request comes from 127.0.0.1: the per-IP limits would refuse the stage itself.
        "PALMCITY_RATE_LIMIT_PER_IP": "100000",
        "PALMCITY_RATE_LIMIT_LOGIN_PER_IP": "100000",
        "PALMCITY_RATE_LIMIT_PER_USER": str(RATE_LIMIT_PER_USER),
        # A spent refresh token presented again after this is a reuse (not a retry): the family burns.
        "PALMCITY_REFRESH_GRACE_SECONDS": str(REFRESH_GRACE_SECONDS),
    }
    for name in ("DATABASE_URL", "REDIS_URL"):  # the PALMCITY_ names above are the ones meant
        env.pop(name, None)
    topology = Topology(port=port, database_url=database_url, env=env, redis=redis_proc)
    seeding: subprocess.Popen[bytes] | None = None
    try:
        _succeeded(_cli(env, "migrate"), "migrate")
        # The demo data is loaded while the app and the workers start (each takes seconds to import
        # the app on two busy cores); they need the schema only, and the tests wait for all three.
        seeding = _cli(env, "seed-demo")
        log = (LOGS / "api.log").open("wb")
        topology.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sanic",
                "server.main:create_app",
                "--factory",
                "--workers",
                str(API_WORKERS),
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
        log.close()
        # All four start at once: on two busy cores each takes seconds to import the app.
        topology.workers = [topology.start_worker(n) for n in range(JOB_WORKERS)]
        _succeeded(seeding, "seed-demo")
        server = topology.server
        wait_for("both Sanic workers ready", lambda: _server_ready(topology, server), START_SECONDS, 0.5)
        for number in range(JOB_WORKERS):
            topology.wait_for_worker(number)
        yield topology
    finally:
        _stop_all([seeding, *topology.workers, topology.server])
        _stop_all([redis_proc])
        _in_thread(_patiently(lambda: environment.drop_test_database(url)))
        if redis_proc is None:
            _in_thread(_forget_keys(redis_url, env["PALMCITY_REDIS_PREFIX"]))
        if not failed():
            shutil.rmtree(LOGS, ignore_errors=True)


async def connect_database(dsn: str) -> Any:
    """An asyncpg connection of the test's own, waiting for a free one as ``_patiently`` does."""
    import asyncpg  # type: ignore[import-untyped]

    return await _patiently(lambda: asyncpg.connect(dsn))


async def _patiently(attempt: Callable[[], Coroutine[Any, Any, T]], within: float = 60) -> T:
    """``attempt()``, again while PostgreSQL has no connection to spare: on a developer machine the
    server is shared with other runs (CI runs one thing at a time)."""
    import asyncpg

    deadline = time.monotonic() + within
    while True:
        try:
            return await attempt()
        except asyncpg.exceptions.TooManyConnectionsError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


def _in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a loop of its own in another thread: the caller may be a
    fixture of a session whose own event loop (pytest-asyncio's) must not be replaced or closed."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _forget_keys(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        await environment.clear_redis_prefix(client, prefix)
    finally:
        await client.aclose()
