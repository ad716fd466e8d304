"""Outages under load (issue 14): Redis stopped, PostgreSQL restarted, PostgreSQL out of connections.

Each answer while it lasts is 2xx/4xx or a 503 with its code (``redis_unavailable``,
``database_unavailable``), never a 500, another 5xx or a hang; ``/readyz`` says what is down; once
the server is back the app recovers without a restart (ready, and every request after a short
settling time answered 2xx); every booking answered 201 is in the database afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Awaitable, Callable

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.outage.conftest import Stack
from tests.outage.load import Load, readiness, summary, wait_ready
from tests.support.environment import ROOT

pytestmark = pytest.mark.outage

# After /readyz says ready again, requests sent later than this must all succeed.
SETTLE_SECONDS = 1.0
STEADY_SECONDS = 4.0
FIGURES = ROOT / "var" / "outage"
SERVER_LOG = ROOT / "var" / "outage-server.log"  # tests/outage/conftest.py serves it as "outage"


async def _outage(name: str, stack: Stack, cause: Callable[[], Awaitable[None]], unavailable: str) -> Load:
    """Run ``cause`` under load and check what every outage must hold; the load, for more checks."""
    async with Load(stack.base, stack.service_id, stack.slot_id) as load:
        await asyncio.sleep(1.5)  # steady state first
        assert load.answers and all(a.status is not None and a.status < 300 for a in load.answers), summary(
            load.answers
        )
        started = time.monotonic()
        await cause()
        back = time.monotonic()
        ready = await wait_ready(stack.base)
        await asyncio.sleep(SETTLE_SECONDS + STEADY_SECONDS)
    during = load.since(started)
    _record(name, started, back, ready, load)
    assert all(a.clean for a in during), summary([a for a in during if not a.clean])
    assert max(a.took for a in during) < 10, "a request hung"
    assert any(a.code == unavailable for a in during), summary(during)
    after = load.since(ready + SETTLE_SECONDS)
    assert len(after) >= 10 and all(a.status is not None and a.status < 300 for a in after), summary(after)
    assert {a.what for a in after} >= {"catalog", "login", "me", "book"}
    return load


def _record(name: str, started: float, back: float, ready: float, load: Load) -> None:
    """What the outage looked like, for docs/operations.md: ``var/outage/<name>.json``."""
    after_back = load.since(back)
    failed_after_back = [a for a in after_back if a.status is None or a.status >= 300]
    first_ok = min((a.sent for a in after_back if a.status is not None and a.status < 300), default=None)
    figures = {
        "outage_seconds": round(back - started, 2),
        "ready_after_seconds": round(ready - back, 2),
        "first_success_after_seconds": None if first_ok is None else round(first_ok - back, 2),
        "failed_after_back": summary(failed_after_back),
        "last_failure_after_seconds": round(max(a.sent for a in failed_after_back) - back, 2)
        if failed_after_back
        else None,
        "during": summary(load.since(started)),
        "bookings_committed": len(load.booked()),
    }
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")


async def _assert_kept(stack: Stack, appointment_ids: list[int]) -> None:
    """Every booking the app answered 201 for is committed."""
    assert appointment_ids
    connection = await asyncpg.connect(stack.database_url.replace("postgres://", "postgresql://", 1))
    try:
        found = await connection.fetchval(
            "SELECT count(*) FROM appointment WHERE id = ANY($1)", appointment_ids
        )
    finally:
        await connection.close()
    assert found == len(set(appointment_ids))


async def _while_down(stop: Callable[[], None], start: Callable[[], None], base: str, check: str) -> None:
    await asyncio.to_thread(stop)
    await asyncio.sleep(1)
    status, checks = await readiness(base)
    assert status == 503 and checks[check] == "unavailable", checks
    await asyncio.sleep(4)
    await asyncio.to_thread(start)


async def test_redis_stopped_for_five_seconds(stack: Stack) -> None:
    load = await _outage(
        "redis_stopped",
        stack,
        lambda: _while_down(stack.redis.stop, stack.redis.start, stack.base, "redis"),
        "redis_unavailable",
    )
    await _assert_kept(stack, load.booked())
    # The public catalogue needs only the database: its cache and the rate limiter fail open.
    catalogue = [a for a in load.answers if a.what == "catalog"]
    assert catalogue and all(a.status == 200 for a in catalogue), summary(catalogue)


async def test_postgres_restarted(stack: Stack) -> None:
    load = await _outage(
        "postgres_restarted",
        stack,
        lambda: _while_down(stack.postgres.stop, stack.postgres.start, stack.base, "database"),
        "database_unavailable",
    )
    await _assert_kept(stack, load.booked())


async def test_postgres_out_of_connections(stack: Stack) -> None:
    """Every connection the server allows taken by others: 503 database_unavailable, then recovery.

    The server is paused while PostgreSQL restarts with 4 connections and the test takes them
    all, so that it cannot win one first: resumed, its pooled connections are dead and every new
    one is refused "too many clients"."""
    hogs: list[asyncpg.Connection] = []

    async def starve() -> None:
        os.kill(stack.server_pid, signal.SIGSTOP)
        try:
            starved = {"max_connections": 4, "superuser_reserved_connections": 0}
            await asyncio.to_thread(stack.postgres.restart, **starved)
            dsn = stack.database_url.replace("postgres://", "postgresql://", 1)
            while True:
                try:
                    hogs.append(await asyncpg.connect(dsn))
                except asyncpg.TooManyConnectionsError:
                    break
        finally:
            os.kill(stack.server_pid, signal.SIGCONT)
        await asyncio.sleep(3)
        for hog in hogs:
            await hog.close()

    try:
        load = await _outage("postgres_out_of_connections", stack, starve, "database_unavailable")
    finally:
        for hog in hogs:
            await hog.close()
        await asyncio.to_thread(stack.postgres.restart)  # the server's pool holds every connection
    await _assert_kept(stack, load.booked())
    lines = SERVER_LOG.read_text().splitlines()
    answered = [line for line in lines if '"msg": "database_unavailable"' in line]
    assert any("TooManyConnectionsError" in line for line in answered), answered[-3:]
