"""The capacity engine: policy and walk-in arithmetic, holds that lapse, and no oversell under load.

The concurrency tests run against PostgreSQL (SQLite serialises every transaction, so it cannot
show a missing lock) with many real connections, with and without the Redis gate in front.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.capacity import service as capacity
from domain.capacity.errors import (
    AlreadyReserved,
    CapacityBelowTaken,
    HoldExpired,
    ReservationNotActive,
    SlotClosed,
    SlotFull,
)
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot, Reservation, ReservationState, ResourceKind
from domain.outbox.models import OutboxMessage
from domain.shared import clock
from domain.shared.kv import Keys
from server.redis import connect
from server.settings import Settings

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in China


@pytest.fixture
async def gate(settings: Settings) -> AsyncIterator[Gate]:
    redis = connect(settings)
    try:
        yield Gate(redis, Keys(settings.redis_prefix))
    finally:
        await redis.aclose()


async def slot(
    places: int | None, *, policy: int = 100, walk_in: int = 0, owner: str = "test"
) -> CapacitySlot:
    resource = await capacity.create_resource(
        f"test:{uuid.uuid4().hex[:8]}",
        ResourceKind.COUNTER,
        owner=owner,
        scope="SITE-1",
        policy_percent=policy,
        walk_in_percent=walk_in,
    )
    return await capacity.add_slot(
        resource, starts_at=T0, ends_at=T0 + dt.timedelta(minutes=30), max_places=places
    )


async def nothing(_conn: BaseDBAsyncClient, reservation: Reservation) -> int:
    return reservation.id


async def take(
    gate: Gate | None, slot_id: int, who: str, *, hold_for: dt.timedelta | None = None, walk_in: bool = False
) -> int:
    return await capacity.book(gate, slot_id, who, nothing, hold_for=hold_for, walk_in=walk_in)


async def counters(slot_id: int) -> tuple[int, int]:
    found = await CapacitySlot.get(id=slot_id)
    return found.held, found.confirmed


async def attempt(gate: Gate | None, slot_id: int, who: str, **kwargs: Any) -> str:
    try:
        await take(gate, slot_id, who, **kwargs)
    except (SlotFull, AlreadyReserved) as exc:
        return exc.code
    return "ok"


# -- arithmetic ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("places", "policy", "walk_in", "capacity", "reserved"),
    [
        (100, 100, 0, 100, 0),
        (1000, 75, 0, 750, 0),  # a scenic spot limited to 75 % of its maximum
        (10, 100, 20, 10, 2),  # two places kept for walk-ins
        (7, 75, 50, 5, 2),  # rounded down both times: never above the policy
        (None, 75, 20, None, 0),  # unlimited
    ],
)
def test_capacity_is_the_maximum_times_the_policy_with_a_walk_in_share(
    places: int | None, policy: int, walk_in: int, capacity: int | None, reserved: int
) -> None:
    assert capacity_derived(places, policy, walk_in) == (capacity, reserved)


def capacity_derived(places: int | None, policy: int, walk_in: int) -> tuple[int | None, int]:
    return capacity.derive(places, policy, walk_in)


async def test_online_bookings_leave_the_walk_in_share_to_walk_ins(db: str) -> None:
    with clock.frozen_at(T0 - dt.timedelta(days=1)):
        s = await slot(5, walk_in=40)  # 2 of 5 for walk-ins
        results = [await attempt(None, s.id, f"user:{i}") for i in range(4)]
        walk_ins = [await attempt(None, s.id, f"walk-in:{i}", walk_in=True) for i in range(3)]

    assert results == ["ok", "ok", "ok", "slot_full"]
    assert walk_ins == ["ok", "ok", "slot_full"]
    assert await counters(s.id) == (0, 5)
    [seen] = await capacity.availability(s.resource_id, T0, T0 + dt.timedelta(hours=1))
    assert (seen.capacity, seen.left, seen.bookable) == (3, 0, False)


async def test_one_active_reservation_per_holder_and_slot(db: str) -> None:
    s = await slot(10)
    first = await take(None, s.id, "user:1")
    with pytest.raises(AlreadyReserved):
        await take(None, s.id, "user:1")
    async with in_transaction() as conn:
        await capacity.give_back(conn, first)
    await take(None, s.id, "user:1")  # after cancelling, the same person may book again
    assert await counters(s.id) == (0, 1)


async def test_the_owners_failure_takes_nothing(db: str) -> None:
    s = await slot(1)

    async def failing(_conn: BaseDBAsyncClient, _reservation: Reservation) -> None:
        raise RuntimeError("the appointment could not be written")

    with pytest.raises(RuntimeError):
        await capacity.book(None, s.id, "user:1", failing)
    assert await counters(s.id) == (0, 0) and await Reservation.all().count() == 0
    await take(None, s.id, "user:2")


async def test_the_database_refuses_an_oversell_from_any_code_path(db: str) -> None:
    s = await slot(2)
    with pytest.raises(IntegrityError):
        await CapacitySlot.filter(id=s.id).update(confirmed=3)
    with pytest.raises(IntegrityError):
        await CapacitySlot.filter(id=s.id).update(held=-1)


async def test_a_cancelled_slot_takes_no_booking_and_gives_back_its_places(db: str) -> None:
    s = await slot(3)
    await take(None, s.id, "user:1")
    async with in_transaction() as conn:
        _slot, cancelled = await capacity.cancel_slot(s.id, conn)
    assert [r.holder_key for r in cancelled] == ["user:1"]
    with pytest.raises(SlotClosed):
        await take(None, s.id, "user:2")
    assert await counters(s.id) == (0, 0)


async def set_places(slot_id: int, places: int | None) -> CapacitySlot:
    async with in_transaction() as conn:
        return (await capacity.set_places(conn, slot_id, places)).slot


async def test_capacity_cannot_drop_below_what_is_taken(db: str) -> None:
    s = await slot(3)
    await take(None, s.id, "user:1")
    await take(None, s.id, "user:2")
    with pytest.raises(CapacityBelowTaken) as refused:
        await set_places(s.id, 1)
    assert refused.value.details["taken"] == 2
    changed = await set_places(s.id, 4)
    assert changed.capacity == 4 and changed.override_places == 4
    assert (await set_places(s.id, None)).capacity == 3  # back to the schedule's own


async def test_a_lapsed_hold_is_not_a_place_taken_when_places_change(db: str) -> None:
    with clock.frozen_at(T0):
        s = await slot(2)
        await take(None, s.id, "user:1", hold_for=dt.timedelta(minutes=15))
        await take(None, s.id, "user:2")
    with clock.frozen_at(T0 + dt.timedelta(minutes=15)):
        assert (await set_places(s.id, 1)).capacity == 1
    assert await counters(s.id) == (0, 1)


async def test_an_unlimited_slot_that_becomes_limited_counts_what_it_has_and_back(db: str) -> None:
    with clock.frozen_at(T0):
        s = await slot(None)
        for i in range(3):
            await take(None, s.id, f"user:{i}")
        await take(None, s.id, "user:held", hold_for=dt.timedelta(minutes=15))
        with pytest.raises(CapacityBelowTaken):
            await set_places(s.id, 3)
        limited = await set_places(s.id, 5)
        assert (limited.capacity, limited.held, limited.confirmed) == (5, 1, 3)
        await take(None, s.id, "user:4")
        assert await attempt(None, s.id, "user:5") == "slot_full"
        unlimited = await set_places(s.id, None)  # the schedule's own: unlimited, no counters
        assert (unlimited.capacity, unlimited.held, unlimited.confirmed) == (None, 0, 0)
        assert await attempt(None, s.id, "user:5") == "ok"


async def test_places_of_a_cancelled_slot_cannot_change(db: str) -> None:
    s = await slot(3)
    async with in_transaction() as conn:
        await capacity.cancel_slot(s.id, conn)
    with pytest.raises(SlotClosed):
        await set_places(s.id, 5)


async def test_a_lapsed_hold_of_an_unlimited_slot_is_swept_without_counting(db: str) -> None:
    with clock.frozen_at(T0):
        s = await slot(None)
        await take(None, s.id, "user:1", hold_for=dt.timedelta(minutes=15))
    with clock.frozen_at(T0 + dt.timedelta(minutes=15)):
        assert await capacity.expire_holds(None) == 1  # no counter below zero (the CHECK)
    assert await counters(s.id) == (0, 0)


async def limit_after(slot_id: int, delay: float, places: int) -> str:
    await asyncio.sleep(delay)
    try:
        await set_places(slot_id, places)
    except CapacityBelowTaken:
        return "below"
    return "limited"


@pytest.mark.postgres
async def test_bookings_racing_an_unlimited_slot_becoming_limited_are_all_counted(
    db: str, gate: Gate
) -> None:
    for round_ in range(5):
        s = await slot(None)
        results = await asyncio.gather(
            limit_after(s.id, 0.005 * round_, 30), *(attempt(gate, s.id, f"user:{i}") for i in range(40))
        )
        now = await CapacitySlot.get(id=s.id)
        confirmed = await Reservation.filter(slot_id=s.id, state=ReservationState.CONFIRMED).count()
        assert confirmed == results.count("ok")
        if now.capacity is not None:  # limited: every booking counted, none beyond the places
            assert results[0] == "limited" and now.confirmed == confirmed <= 30
        else:
            assert results[0] == "below" and (now.held, now.confirmed) == (0, 0)


# -- holds ---------------------------------------------------------------------------------------


async def test_a_hold_that_is_never_confirmed_frees_its_place(db: str) -> None:
    with clock.frozen_at(T0):
        s = await slot(1)
        held = await take(None, s.id, "user:1", hold_for=dt.timedelta(minutes=15))
        assert await attempt(None, s.id, "user:2") == "slot_full"
    with clock.frozen_at(T0 + dt.timedelta(minutes=16)):
        # The next booking gives the lapsed hold back before calling the slot full.
        assert await attempt(None, s.id, "user:2") == "ok"
        async with in_transaction() as conn:
            with pytest.raises(ReservationNotActive):
                await capacity.confirm(conn, held)
    assert (await Reservation.get(id=held)).state == ReservationState.EXPIRED
    assert await OutboxMessage.filter(topic=capacity.HOLD_EXPIRED_TOPIC).count() == 1
    assert await counters(s.id) == (0, 1)


async def test_the_sweep_expires_holds_and_a_late_confirmation_is_refused(db: str) -> None:
    with clock.frozen_at(T0):
        s = await slot(2)
        held = await take(None, s.id, "user:1", hold_for=dt.timedelta(minutes=15))
        kept = await take(None, s.id, "user:2", hold_for=dt.timedelta(minutes=15))
        async with in_transaction() as conn:
            await capacity.confirm(conn, kept)
            await capacity.confirm(conn, kept)  # twice: a repeated payment notice changes nothing
    with clock.frozen_at(T0 + dt.timedelta(minutes=15)):
        async with in_transaction() as conn:
            with pytest.raises(HoldExpired):
                await capacity.confirm(conn, held)
        assert await capacity.expire_holds(None) == 1
        assert await capacity.expire_holds(None) == 0
    assert await counters(s.id) == (0, 1)


# -- concurrency (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("gated", [False, True], ids=["database-only", "with-gate"])
async def test_300_concurrent_bookings_for_10_places_sell_exactly_10(
    db: str, gate: Gate, gated: bool
) -> None:
    s = await slot(10)
    results = await asyncio.gather(*(attempt(gate if gated else None, s.id, f"user:{i}") for i in range(300)))
    assert Counter(results) == {"ok": 10, "slot_full": 290}
    assert await counters(s.id) == (0, 10)
    assert await Reservation.filter(slot_id=s.id, state=ReservationState.CONFIRMED).count() == 10


@pytest.mark.postgres
async def test_repeated_runs_never_oversell(db: str, gate: Gate) -> None:
    for places in (1, 3, 7):
        s = await slot(places)
        results = await asyncio.gather(*(attempt(gate, s.id, f"user:{i}") for i in range(60)))
        assert results.count("ok") == places
        assert await counters(s.id) == (0, places)


@pytest.mark.postgres
async def test_the_same_person_booking_twice_at_once_gets_one_place(db: str, gate: Gate) -> None:
    s = await slot(10)
    results = await asyncio.gather(*(attempt(None, s.id, "user:1") for _ in range(20)))
    assert Counter(results) == {"ok": 1, "already_reserved": 19}
    # Through the gate, attempts beyond the places left are turned away before anyone checks who
    # they are: still one place for the person.
    gated = await asyncio.gather(*(attempt(gate, s.id, "user:2") for _ in range(20)))
    assert gated.count("ok") == 1 and set(gated) <= {"ok", "already_reserved", "slot_full"}
    assert await counters(s.id) == (0, 2)


async def cancel(gate: Gate, slot_id: int, reservation_id: int) -> str:
    async with in_transaction() as conn:
        await capacity.give_back(conn, reservation_id)
    await gate.forget(slot_id, (await CapacitySlot.get(id=slot_id)).resource_id)
    return "cancelled"


@pytest.mark.postgres
async def test_concurrent_cancel_and_book_on_the_last_place(db: str, gate: Gate) -> None:
    for _round in range(5):
        s = await slot(1)
        first = await take(gate, s.id, "user:first")
        outcomes = await asyncio.gather(
            cancel(gate, s.id, first), *(attempt(gate, s.id, f"user:{i}") for i in range(10))
        )
        held, confirmed = await counters(s.id)
        assert held == 0 and confirmed == outcomes.count("ok") <= 1
        # Whoever lost the race may try again: the place is there once the cancel committed.
        if confirmed == 0:
            assert await attempt(gate, s.id, "user:late") == "ok"


@pytest.mark.postgres
async def test_holds_expiring_while_others_book(db: str, gate: Gate) -> None:
    with clock.frozen_at(T0):
        s = await slot(5)
        for i in range(5):
            await take(gate, s.id, f"holder:{i}", hold_for=dt.timedelta(minutes=15))
    with clock.frozen_at(T0 + dt.timedelta(minutes=20)):
        await gate.forget(s.id, s.resource_id)  # what the sweep does after giving places back
        sweep = asyncio.create_task(capacity.expire_holds(gate))
        results = await asyncio.gather(*(attempt(gate, s.id, f"user:{i}") for i in range(40)))
        await sweep
    assert results.count("ok") <= 5
    held, confirmed = await counters(s.id)
    assert held == 0 and confirmed == results.count("ok")
    assert await Reservation.filter(slot_id=s.id, state=ReservationState.EXPIRED).count() == 5


@pytest.mark.postgres
async def test_an_unlimited_slot_takes_every_booking_without_counting(db: str, gate: Gate) -> None:
    s = await slot(None)
    results = await asyncio.gather(*(attempt(gate, s.id, f"user:{i}") for i in range(100)))
    assert results.count("ok") == 100
    assert await counters(s.id) == (0, 0)  # no counters: nothing for the crowd to queue on
    assert connections.get("default").capabilities.dialect == "postgres"


async def test_the_sweep_runs_every_minute_as_a_job(db: str, gate: Gate) -> None:
    from domain.capacity import jobs
    from domain.outbox.jobs import SCHEDULES, Job, JobContext, handler_for

    assert SCHEDULES[jobs.EXPIRE_TOPIC].every == dt.timedelta(minutes=1)
    with clock.frozen_at(T0):
        s = await slot(1)
        await take(gate, s.id, "user:1", hold_for=dt.timedelta(minutes=15))
    with clock.frozen_at(T0 + dt.timedelta(minutes=15)):
        context = JobContext(redis=gate.redis, keys=gate.keys, adapters=None)
        spec = handler_for(jobs.EXPIRE_TOPIC)
        assert spec is not None
        await spec.run(Job(1, jobs.EXPIRE_TOPIC, {}, 1, context))
    assert await counters(s.id) == (0, 0)


# -- owners: each lapse goes to the module whose places they are -----------------------------------


class Recorder:
    """A capacity owner that writes down what it is told."""

    def __init__(self) -> None:
        self.expired: list[int] = []

    async def hold_expired(self, reservation_id: int, job: Any) -> None:
        self.expired.append(reservation_id)


async def run_hold_expired_jobs(gate: Gate) -> None:
    """What the worker does with every ``capacity.hold_expired`` message in the outbox."""
    from domain.outbox.jobs import Job, JobContext, handler_for

    spec = handler_for(capacity.HOLD_EXPIRED_TOPIC)
    assert spec is not None
    context = JobContext(redis=gate.redis, keys=gate.keys, adapters=None)
    for message in await OutboxMessage.filter(topic=capacity.HOLD_EXPIRED_TOPIC).order_by("id"):
        await spec.run(Job(message.id, message.topic, message.payload, 1, context))


async def test_each_owner_is_told_of_its_own_lapsed_holds_and_no_other(
    db: str, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.capacity import owners
    from server.worker import import_job_modules

    import_job_modules()  # as the worker: appointments and tourism register themselves as owners
    assert {"appointment", "ticket"} <= set(owners.capacity_owners.names())
    registry = owners.capacity_owners.copy()
    monkeypatch.setattr(owners, "capacity_owners", registry)
    monkeypatch.setattr("domain.capacity.jobs.capacity_owners", registry)
    tickets, appointments = Recorder(), Recorder()
    registry.remove("ticket")  # stands in for tourism, to see what reaches it
    registry.add("ticket", tickets)
    registry.remove("appointment")  # stands in for appointments, to see what reaches it
    registry.add("appointment", appointments)

    with clock.frozen_at(T0):
        gate_slot, booth_slot = await slot(3, owner="ticket"), await slot(3, owner="appointment")
        ticket_holds = [
            await take(gate, gate_slot.id, f"user:{i}", hold_for=dt.timedelta(minutes=15)) for i in range(2)
        ]
        booth_hold = await take(gate, booth_slot.id, "user:9", hold_for=dt.timedelta(minutes=15))
    with clock.frozen_at(T0 + dt.timedelta(minutes=15)):
        assert await capacity.expire_holds(gate) == 3
        await run_hold_expired_jobs(gate)

    assert sorted(tickets.expired) == sorted(ticket_holds)
    assert appointments.expired == [booth_hold]


async def test_a_resource_whose_owner_is_not_registered_fails_its_job_loudly(db: str, gate: Gate) -> None:
    from domain.capacity.owners import OwnerMissing

    with clock.frozen_at(T0):
        s = await slot(1, owner="nobody")
        await take(gate, s.id, "user:1", hold_for=dt.timedelta(minutes=15))
    with clock.frozen_at(T0 + dt.timedelta(minutes=15)):
        await capacity.expire_holds(gate)
        # Retried, then dead in the outbox for an operator: never dropped in silence.
        with pytest.raises(OwnerMissing, match="nobody"):
            await run_hold_expired_jobs(gate)


def test_a_second_capacity_owner_under_a_name_fails_at_import() -> None:
    from domain.capacity.owners import capacity_owners
    from domain.shared.registry import DuplicateRegistration
    from server.worker import import_job_modules

    import_job_modules()
    with pytest.raises(DuplicateRegistration, match="capacity owner 'appointment'"):
        capacity_owners.add("appointment", Recorder())
