"""What the PostgreSQL benches share (bench/booking.py, bench/payments.py, and the postgres backend of
bench/scanning.py and bench/tickets.py): a database of their own for the length of a run, the
server's environment, how a run that failed says so, the event loop, and the server's CPU time."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]

from bench import run

T = TypeVar("T")
W = TypeVar("W")
UNLIMITED = "1000000000"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
BACKENDS = ("embedded", "postgres")  # of bench/scanning.py and bench/tickets.py


# The platform's own statements as Tortoise sends them (captured from its SQL log), for the raw
# baselines: every booking and every payment writes an audit row and outbox messages.
INSERT_AUDIT = (
    'INSERT INTO "audit_record" ("at","actor_kind","actor_id","on_behalf_of","action","target_type",'
    '"target_id","before","after","ip","request_id") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) '
    'RETURNING "id"'
)
SELECT_OUTBOX = (
    'SELECT "attempts","lease_until","done_at","topic","created_at","last_error","state","dispatched_at",'
    '"available_at","payload","id","key" FROM "outbox_message" WHERE "key"=$1 LIMIT $2'
)
INSERT_OUTBOX = (
    'INSERT INTO "outbox_message" ("topic","payload","key","state","created_at","available_at","attempts",'
    '"last_error","dispatched_at","lease_until","done_at") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) '
    'RETURNING "id"'
)


def run_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """On uvloop when it is installed, as ``run._run_async`` does for bench/load.py."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def without_query(url: str) -> str:
    """An asyncpg DSN: the scheme it knows, without Tortoise's pool options."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


async def create_database(server: str, name: str) -> None:
    """A fresh database ``name`` on ``server`` (dropped first if a failed run left it)."""
    connection = await asyncpg.connect(without_query(database_url(server, "postgres")))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(server: str, name: str) -> None:
    connection = await asyncpg.connect(without_query(database_url(server, "postgres")))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextlib.contextmanager
def fresh_database(server: str, name: str, redis_url: str) -> Iterator[str]:
    """A fresh database ``name`` on ``server`` for the length of the block, its URL yielded (with the
    server URL's query options, which PalmCity's pool takes); afterwards the database is dropped
    (quietly: a failed drop must not hide the bench's own error) and the bench's keys are deleted
    from the Redis at ``redis_url``."""
    asyncio.run(create_database(server, name))
    try:
        yield database_url(server, name)
    finally:
        with contextlib.suppress(Exception):
            asyncio.run(drop_database(server, name))
        run._forget_bench_keys(redis_url)


def add_backend_arguments(
    parser: argparse.ArgumentParser, *, database: str, redis_url: str, backends_help: str
) -> None:
    """The options of a bench run on both backends (bench/scanning.py, bench/tickets.py): which
    backends (``--backends``, read back with :func:`chosen_backends`), and the postgres backend's
    server, database (``database`` by default) and Redis (``redis_url`` by default)."""
    parser.add_argument("--backends", default=",".join(BACKENDS), help=backends_help)
    parser.add_argument("--database-url", default=DEFAULT_SERVER, help="a PostgreSQL server")
    parser.add_argument("--database-name", default=database, help="created, then dropped")
    parser.add_argument("--redis-url", default=redis_url, help="the postgres backend's Redis")


def chosen_backends(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """``--backends`` as a list, in the order given; a usage error (exit 2) unless it names one or
    more of :data:`BACKENDS`."""
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not backends or any(b not in BACKENDS for b in backends):
        parser.error(f"--backends: one or more of {', '.join(BACKENDS)}")
    return backends


@contextlib.contextmanager
def backend_env(
    backend: str, folder: Path, server: str, name: str, redis_url: str
) -> Iterator[dict[str, str]]:
    """PalmCity's environment for one backend of bench/scanning.py and bench/tickets.py, for the length
    of the block: ``"embedded"``, a fresh SQLite file in ``folder`` and the in-process Redis;
    ``"postgres"``, :func:`fresh_database` ``name`` on ``server`` and the Redis at ``redis_url``."""
    if backend == "embedded":
        yield run._palmcity_env(folder, "memory://")
        return
    with fresh_database(server, name, redis_url) as url:
        yield palmcity_env(url, redis_url)


# What stops a PostgreSQL bench early: its own checks, or a server with no connection to spare.
FAILURES = (run.BenchError, asyncpg.exceptions.TooManyConnectionsError)


def failed(exc: BaseException, hint: str = "") -> int:
    """Say on stderr why a bench stopped (one of :data:`FAILURES`; ``hint`` follows a refused
    connection) and return the bench's exit status, 1."""
    if isinstance(exc, asyncpg.exceptions.TooManyConnectionsError):
        print(f"bench failed: PostgreSQL refused a connection ({exc}){hint}", file=sys.stderr)
    else:
        print(f"bench failed: {exc}", file=sys.stderr)
    return 1


def palmcity_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The server's environment: sandbox platforms, the bench's Redis prefix, JSON logs, and rate
    limits too high to refuse anything (every request comes from 127.0.0.1; the limiter still runs)."""
    env = run._base_env()
    env.update(
        {
            "PALMCITY_ENV": "dev",
            "PALMCITY_DATABASE_URL": database_url,
            "PALMCITY_REDIS_URL": redis_url,
            "PALMCITY_REDIS_PREFIX": run.BENCH_PREFIX,  # what run._forget_bench_keys deletes
            "PALMCITY_SANDBOX": "true",
            "PALMCITY_LOG_LEVEL": "INFO",
            "PALMCITY_LOG_JSON": "true",
            "PALMCITY_RATE_LIMIT_PER_IP": UNLIMITED,
            "PALMCITY_RATE_LIMIT_PER_USER": UNLIMITED,
            "PALMCITY_RATE_LIMIT_LOGIN_PER_IP": UNLIMITED,
            **extra,
        }
    )
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far, from /proc (psutil is not a dependency)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Driven:
    """What :func:`drive` saw: each step's outcome with when it was sent and answered."""

    outcomes: list[tuple[Any, float, float]] = field(default_factory=list)  # (outcome, sent, done)
    started: float = 0.0
    elapsed: float = 0.0
    timed_out: bool = False

    def percentile_ms(self, p: float) -> float:
        latencies = sorted(done - sent for _, sent, done in self.outcomes)
        if not latencies:
            return 0.0
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2)


async def drive(
    dsn: str,
    connections: int,
    work: Iterable[W],
    step: Callable[[asyncpg.Connection, W], Awaitable[Any]],
    max_seconds: float,
) -> Driven:
    """The raw baselines' load: ``connections`` connections each taking the next piece of ``work``
    and running ``step`` on it until none is left (or ``max_seconds`` have passed)."""
    opened = [await asyncpg.connect(dsn) for _ in range(connections)]
    pending = iter(work)
    driven = Driven()

    async def client(connection: asyncpg.Connection) -> None:
        for piece in pending:
            sent = time.perf_counter()
            outcome = await step(connection, piece)
            driven.outcomes.append((outcome, sent, time.perf_counter()))

    try:
        driven.started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.gather(*(client(c) for c in opened)), max_seconds)
        except TimeoutError:
            driven.timed_out = True
        driven.elapsed = time.perf_counter() - driven.started
    finally:
        for connection in opened:
            await connection.close()
    return driven
