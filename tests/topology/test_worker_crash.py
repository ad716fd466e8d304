"""A job worker killed (SIGKILL) in the middle of a job: the other worker runs it, once to effect.

No test-only job: the job is a real one (``appointments.cancelled_by_site``, which writes the
resident's inbox message), held mid-way by PostgreSQL locks that this test takes, the way a slow
database would hold it:

- ``before the effect``: the inbox table is locked (SHARE: reads go on, writes wait), so the
  handler waits on its INSERT; the worker is killed there.
- ``after the effect``: the job's outbox row is locked FOR UPDATE, then the inbox table released,
  so the handler writes the message, commits, and waits on marking the row done; killed there.

Either way the row is leased to a dead process: when the lease ends the surviving worker runs the
job again (attempt 2), and the resident has exactly one message.

The killed worker's database session is still waiting on the test's lock: a dead client is only
noticed when its backend next talks to it, and then a waiting UPDATE would first finish. The test
ends that session (``pg_terminate_backend``), which is what its death would have done to a
statement in progress, before it lets go of the lock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support.topology import (
    BOOK,
    CANCELLED_BY_SITE,
    LEASE_SECONDS,
    Topology,
    connect_database,
    owner_of_connection,
)

pytestmark = [pytest.mark.topology, pytest.mark.postgres]


@pytest.fixture
async def workers_back(topology: Topology) -> AsyncIterator[None]:
    yield
    await asyncio.to_thread(topology.replace_dead_workers)


async def waiting_on(database: asyncpg.Connection, table: str) -> list[asyncpg.Record]:
    """The other sessions of this database waiting for a lock in a statement on ``table``."""
    found: list[asyncpg.Record] = await database.fetch(
        """SELECT pid, client_port FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND wait_event_type = 'Lock' AND query ILIKE $1""",
        f"%{table}%",
    )
    return found


async def one_waiting(database: asyncpg.Connection, table: str, within: float = 20) -> asyncpg.Record:
    deadline = time.monotonic() + within
    while not (found := await waiting_on(database, table)):
        assert time.monotonic() < deadline, f"no job waited on {table} within {within:.0f} s"
        await asyncio.sleep(0.05)
    assert len(found) == 1, f"{len(found)} sessions wait on {table}"
    return found[0]


@pytest.mark.usefixtures("workers_back")
@pytest.mark.parametrize("killed", ["before the effect", "after the effect"])
async def test_a_worker_killed_mid_job_leaves_it_to_the_other(
    topology: Topology, database: asyncpg.Connection, killed: str
) -> None:
    service, slot, _places = await asyncio.to_thread(
        topology.self_service_slot, 20 if killed[0] == "b" else 21
    )
    token = (await asyncio.to_thread(topology.resident, f"crash-{killed[0]}"))["access_token"]
    booked = await asyncio.to_thread(
        topology.call, "POST", BOOK, {"service_id": service, "slot_id": slot}, token
    )
    assert booked.status == 201, booked
    key = f"{CANCELLED_BY_SITE}:{booked.body['id']}"
    staff = await asyncio.to_thread(topology.staff, "hall.qy")
    database_port = urlsplit(topology.dsn).port or 5432

    inbox_lock = await connect_database(topology.dsn)
    row_lock = await connect_database(topology.dsn)
    try:
        inbox_held = inbox_lock.transaction()
        await inbox_held.start()
        await inbox_lock.execute("LOCK TABLE inbox_message IN SHARE MODE")
        cancelled = await asyncio.to_thread(
            topology.call,
            "POST",
            f"/api/v1/staff/appointments/slots/{slot}/cancel",
            {"reason": "演练"},
            staff,
        )
        assert cancelled.status == 200, cancelled
        job = await database.fetchval("SELECT id FROM outbox_message WHERE key = $1", key)
        waiting = await one_waiting(database, "inbox_message")
        if killed == "after the effect":
            row_held = row_lock.transaction()
            await row_held.start()
            await row_lock.execute("SELECT 1 FROM outbox_message WHERE id = $1 FOR UPDATE", job)
            await inbox_held.commit()
            waiting = await one_waiting(database, "outbox_message")
            written = await database.fetchval(
                "SELECT count(*) FROM inbox_message WHERE source_key = $1", f"{CANCELLED_BY_SITE}:{job}"
            )
            assert written == 1  # the effect is committed; the row is not yet done
        victim = owner_of_connection(waiting["client_port"], database_port, topology.worker_pids())
        assert victim is not None, "the waiting session belongs to no job worker"
        topology.kill_worker(victim)
        await database.execute("SELECT pg_terminate_backend($1)", waiting["pid"])
    finally:
        await inbox_lock.close()  # closing ends its transaction (and lock), if still open
        await row_lock.close()

    deadline = time.monotonic() + LEASE_SECONDS + 30
    while (state := await database.fetchrow("SELECT state, attempts FROM outbox_message WHERE id = $1", job))[
        "state"
    ] == "pending":
        assert time.monotonic() < deadline, f"job {job} not run again after its worker died: {dict(state)}"
        await asyncio.sleep(0.2)
    messages = await database.fetchval(
        "SELECT count(*) FROM inbox_message WHERE source_key = $1", f"{CANCELLED_BY_SITE}:{job}"
    )

    assert dict(state) == {"state": "done", "attempts": 2}  # the dead worker's attempt, then the survivor's
    assert messages == 1
    assert victim not in topology.worker_pids()
