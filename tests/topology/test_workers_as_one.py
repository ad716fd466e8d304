"""Two Sanic workers and two job workers behave as one app (issue 14), driven over HTTP.

Each check sends its requests to both Sanic workers on purpose: a kept-alive connection is
served by one worker, and the test knows which (``tests.support.topology``), so "the other
worker" below is a fact, not a probability.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support.topology import (
    API_WORKERS,
    BOOK,
    CANCELLED_BY_SITE,
    RATE_LIMIT_PER_USER,
    REFRESH_GRACE_SECONDS,
    Answer,
    Connection,
    Topology,
)

pytestmark = [pytest.mark.topology, pytest.mark.postgres]

BOOKERS_PER_WORKER = 16  # 32 residents for 20 places


def test_every_worker_answers_and_is_ready(topology: Topology) -> None:
    with topology.one_connection_per_worker() as conns:
        answers = {pid: conn.get("/readyz") for pid, conn in conns.items()}

    assert len(answers) == API_WORKERS
    assert all(a.status == 200 and a.body["status"] == "ready" for a in answers.values())


@dataclass(frozen=True)
class SoldOut:
    slot_id: int
    places: int
    answers: list[Answer]


@pytest.fixture(scope="module")
def sold_out(topology: Topology) -> Iterator[SoldOut]:
    """More residents than places book one slot at once, half of them through each Sanic worker."""
    service, slot, places = topology.self_service_slot(10)
    with (
        topology.connections_per_worker(BOOKERS_PER_WORKER) as by_worker,
        ThreadPoolExecutor(BOOKERS_PER_WORKER * API_WORKERS) as pool,
    ):
        conns = [conn for conns in by_worker.values() for conn in conns]
        tokens = list(pool.map(lambda n: topology.resident(f"booker-{n}")["access_token"], range(len(conns))))

        def book(conn: Connection, token: str) -> Answer:
            return conn.post(BOOK, {"service_id": service, "slot_id": slot}, token)

        answers = list(pool.map(book, conns, tokens))
    yield SoldOut(slot, places, answers)


async def test_contention_over_both_workers_sells_exactly_the_places(
    sold_out: SoldOut, database: asyncpg.Connection
) -> None:
    statuses = Counter(a.status for a in sold_out.answers)
    refused = {a.body["error"]["code"] for a in sold_out.answers if a.status != 201}
    row = await database.fetchrow(
        """SELECT s.capacity, s.confirmed, s.held,
                  (SELECT count(*) FROM appointment a WHERE a.slot_id = s.id AND a.state = 'booked') AS booked
             FROM capacity_slot s WHERE s.id = $1""",
        sold_out.slot_id,
    )

    assert len(sold_out.answers) > sold_out.places
    assert statuses == {201: sold_out.places, 409: len(sold_out.answers) - sold_out.places}, statuses
    assert refused == {"slot_full"}
    assert len({a.pid for a in sold_out.answers if a.status == 201}) == API_WORKERS  # both sold places
    assert dict(row) == {
        "capacity": sold_out.places,
        "confirmed": sold_out.places,
        "held": 0,
        "booked": sold_out.places,
    }


async def test_outbox_jobs_run_exactly_once_with_two_worker_processes(
    topology: Topology, sold_out: SoldOut, database: asyncpg.Connection
) -> None:
    """The site cancels the sold-out slot: one job per appointment, each told exactly once."""
    staff = await asyncio.to_thread(topology.staff, "hall.qy")
    cancelled = await asyncio.to_thread(
        topology.call,
        "POST",
        f"/api/v1/staff/appointments/slots/{sold_out.slot_id}/cancel",
        {"reason": "停电"},
        staff,
    )
    assert cancelled.status == 200, cancelled
    appointments = [a["id"] for a in cancelled.body["items"]]
    keys = [f"{CANCELLED_BY_SITE}:{a}" for a in appointments]

    async def settled() -> list[asyncpg.Record]:
        deadline = time.monotonic() + 60
        while True:
            rows = await database.fetch(
                "SELECT id, state, attempts FROM outbox_message WHERE key = ANY($1::text[])", keys
            )
            if len(rows) == len(keys) and all(r["state"] != "pending" for r in rows):
                return list(rows)
            assert time.monotonic() < deadline, f"jobs not settled in 60 s: {[dict(r) for r in rows]}"
            await asyncio.sleep(0.2)

    jobs = await settled()
    users = [
        r["user_id"]
        for r in await database.fetch(
            "SELECT user_id FROM appointment WHERE id = ANY($1::bigint[])", appointments
        )
    ]
    # The residents' messages of this kind (the demo data has some of its own, for other residents).
    inbox = await database.fetch(
        """SELECT user_id, source_key FROM inbox_message
            WHERE kind = 'appointment_cancelled' AND user_id = ANY($1::bigint[])""",
        users,
    )

    assert len(appointments) == len(set(users)) == sold_out.places
    assert {(r["state"], r["attempts"]) for r in jobs} == {("done", 1)}  # each dispatched and run once
    assert sorted(r["source_key"] for r in inbox) == sorted(f"{CANCELLED_BY_SITE}:{r['id']}" for r in jobs)
    assert sorted(r["user_id"] for r in inbox) == sorted(users)


def test_a_logout_is_refused_by_every_worker_at_once(topology: Topology) -> None:
    pair = topology.resident("leaver")
    with topology.one_connection_per_worker() as conns:
        (first, a), (second, b) = conns.items()
        before = [conn.get("/api/v1/me", pair["access_token"]).status for conn in (a, b)]
        out = a.post("/api/v1/auth/logout", {"refresh_token": pair["refresh_token"]}, pair["access_token"])
        after = [conn.get("/api/v1/me", pair["access_token"]).status for conn in (a, b)]
        refreshed = b.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})

    assert first != second
    assert before == [200, 200]
    assert out.status == 204
    assert after == [401, 401]
    assert refreshed.status == 401


def test_a_revoked_refresh_family_is_refused_by_every_worker(topology: Topology) -> None:
    pair = topology.resident("reuser")
    with topology.one_connection_per_worker() as conns:
        a, b = conns.values()
        rotated = a.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
        assert rotated.status == 200, rotated
        new = rotated.body
        time.sleep(REFRESH_GRACE_SECONDS + 0.5)  # past the retry grace: presenting it again is a reuse
        reused = b.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
        successor = a.post("/api/v1/auth/refresh", {"refresh_token": new["refresh_token"]})
        reads = [conn.get("/api/v1/me", new["access_token"]).status for conn in (a, b)]

    assert reused.status == 401 and reused.body["error"]["code"] == "refresh_token_reused"
    assert successor.status == 401  # the whole family burnt, on the other worker too
    assert reads == [401, 401]


def test_a_catalogue_edit_is_seen_by_every_worker(topology: Topology) -> None:
    code, search = "GG0002-441800", f"/api/v1/catalog/items?q={quote('养老保险')}"

    def seen(conn: Connection) -> tuple[str, list[str]]:
        item = conn.get(f"/api/v1/catalog/items/{code}")
        return item.body["status"], [i["code"] for i in conn.get(search).body["items"]]

    editor = topology.staff("catalogue")
    with topology.one_connection_per_worker() as conns:
        a, b = conns.values()
        # Read twice on each: every worker now holds the views in Redis and in its own memory.
        before = [seen(conn) for conn in (a, b, a, b)]
        retired = a.post(f"/api/v1/staff/catalog/items/{code}/retire", token=editor)
        after = [seen(conn) for conn in (b, a)]

    assert before == [("published", [code])] * 4
    assert retired.status == 200
    assert after == [("retired", [])] * 2


def test_the_rate_limit_holds_across_workers(topology: Topology) -> None:
    """One resident's requests alternate between the workers: together they get the limit, no more."""
    token = topology.resident("hammer")["access_token"]
    with topology.one_connection_per_worker() as conns:
        a, b = conns.values()
        answers = [(a if n % 2 == 0 else b).get("/api/v1/me", token) for n in range(2 * RATE_LIMIT_PER_USER)]

    allowed = [x for x in answers if x.status == 200]
    refused = [x for x in answers if x.status != 200]
    assert len(allowed) == RATE_LIMIT_PER_USER
    assert {x.status for x in refused} == {429}
    assert {x.body["error"]["code"] for x in refused} == {"rate_limited"}
    assert len({x.pid for x in allowed}) == len({x.pid for x in refused}) == API_WORKERS


def test_the_rate_limit_holds_when_both_workers_count_at_once(topology: Topology) -> None:
    """One resident's requests race through both workers together: still the limit, no more (the
    check and the count are one atomic step in Redis, not a read then a write per worker)."""
    token = topology.resident("racer")["access_token"]
    with topology.one_connection_per_worker() as conns, ThreadPoolExecutor(API_WORKERS) as pool:
        start = threading.Barrier(API_WORKERS)

        def hammer(conn: Connection) -> list[Answer]:
            start.wait()
            return [conn.get("/api/v1/me", token) for _ in range(RATE_LIMIT_PER_USER)]

        answers = [a for mine in pool.map(hammer, conns.values()) for a in mine]

    assert Counter(a.status for a in answers) == {200: RATE_LIMIT_PER_USER, 429: RATE_LIMIT_PER_USER}
    assert {a.pid for a in answers} == set(conns)
