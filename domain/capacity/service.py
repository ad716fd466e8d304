"""One capacity engine: resources, slots, and the reservations that take their places.

Appointments, scenic-spot entries, parking reservations and limited tickets only configure it.

Correctness under concurrency rests on the database, in three layers:

1. Taking a place is one conditional UPDATE of the slot's counters (``held + confirmed`` below the
   limit), run as the transaction's last statement so that the row lock is held for as short a time
   as possible; zero rows updated means full. No read-then-write, so no lost update.
2. A CHECK constraint (``held + confirmed <= capacity``) refuses an oversell from any code path.
3. A partial unique index allows one active reservation per holder and slot: the same person
   booking twice at once gets one place.

In front of it, the :class:`~domain.capacity.gate.Gate` answers a flash crowd's losers from Redis.
Holds expire by themselves: taking a place first gives back the slot's lapsed holds, and the
``capacity.expire_holds`` job sweeps every minute (``capacity.hold_expired`` tells the owner).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.capacity.errors import (
    AlreadyReserved,
    CapacityBelowTaken,
    CapacityInvalid,
    HoldExpired,
    ReservationNotActive,
    ReservationNotFound,
    SlotClosed,
    SlotFull,
    SlotNotFound,
    SlotTimeTaken,
)
from domain.capacity.gate import Gate, Loaded
from domain.capacity.models import (
    ACTIVE_STATES,
    CapacityResource,
    CapacitySlot,
    Reservation,
    ReservationState,
    ResourceKind,
    SlotState,
)
from domain.outbox.service import enqueue
from domain.shared import clock, sql

HOLD_EXPIRED_TOPIC = "capacity.hold_expired"
MAX_PLACES = 1_000_000
T = TypeVar("T")


# -- resources and slots ---------------------------------------------------------------------------


def derive(max_places: int | None, policy_percent: int, walk_in_percent: int) -> tuple[int | None, int]:
    """(capacity, walk-in reserve) of a slot: the maximum × policy, of which a share is for walk-ins.

    Rounded down both times: the policy is a ceiling (a scenic spot at 75 % never admits more),
    and the walk-in reserve never eats a place that the arithmetic did not give it.
    """
    if max_places is None:
        return None, 0
    capacity = max_places * policy_percent // 100
    return capacity, capacity * walk_in_percent // 100


def _check_percent(value: int) -> None:
    if isinstance(value, bool) or not 0 <= value <= 100:
        raise CapacityInvalid(details={"percent": value})


async def create_resource(
    code: str,
    kind: ResourceKind,
    *,
    owner: str,
    scope: str,
    policy_percent: int = 100,
    walk_in_percent: int = 0,
    using_db: BaseDBAsyncClient | None = None,
) -> CapacityResource:
    _check_percent(policy_percent)
    _check_percent(walk_in_percent)
    return await CapacityResource.create(
        code=code,
        kind=kind,
        owner=owner,
        scope=scope,
        policy_percent=policy_percent,
        walk_in_percent=walk_in_percent,
        created_at=clock.now(),
        using_db=using_db,
    )


async def add_slot(
    resource: CapacityResource,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    max_places: int | None,
    using_db: BaseDBAsyncClient | None = None,
) -> CapacitySlot:
    """A slot of ``resource`` (``max_places`` None: unlimited); times are aware, stored in UTC."""
    if starts_at.tzinfo is None or ends_at <= starts_at:
        raise CapacityInvalid(details={"starts_at": str(starts_at), "ends_at": str(ends_at)})
    if max_places is not None and not 0 <= max_places <= MAX_PLACES:
        raise CapacityInvalid(details={"max_places": max_places})
    capacity, walk_in = derive(max_places, resource.policy_percent, resource.walk_in_percent)
    return await CapacitySlot.create(
        resource_id=resource.id,
        starts_at=starts_at.astimezone(dt.UTC),
        planned_at=starts_at.astimezone(dt.UTC),
        ends_at=ends_at.astimezone(dt.UTC),
        max_places=max_places,
        capacity=capacity,
        walk_in_reserved=walk_in,
        using_db=using_db,
    )


@dataclass(frozen=True)
class PlacesChanged:
    """A slot's places before and after :func:`set_places`, for the owner's audit record."""

    before: dict[str, int | None]
    slot: CapacitySlot

    @property
    def after(self) -> dict[str, int | None]:
        return _places_of(self.slot)


def _places_of(slot: CapacitySlot) -> dict[str, int | None]:
    return {"override_places": slot.override_places, "capacity": slot.capacity}


async def set_places(conn: BaseDBAsyncClient, slot_id: int, max_places: int | None) -> PlacesChanged:
    """Override one slot's maximum (None: back to its own, which may be unlimited), in the caller's
    transaction (the owner audits it, then calls ``gate.forget`` after its commit). Refused below
    the places taken (``capacity_below_taken``) and on a cancelled slot (``slot_closed``).

    An unlimited slot keeps no counters, so a slot that becomes limited counts its active
    reservations first; one that becomes unlimited drops its counters. The slot's row lock
    (FOR UPDATE) waits for the bookings that already wrote a reservation on it (their insert holds
    a key-share lock through the foreign key), and ``_take`` reads the capacity again after its
    insert, so a booking racing the change is counted by one side or the other, never neither.
    """
    if max_places is not None and not 0 <= max_places <= MAX_PLACES:
        raise CapacityInvalid(details={"max_places": max_places})
    slot = await CapacitySlot.filter(id=slot_id).using_db(conn).select_for_update().first()
    if slot is None:
        raise SlotNotFound()
    if slot.state != SlotState.OPEN:
        raise SlotClosed()
    before = _places_of(slot)
    if await _expire_holds(conn, slot.id, clock.now()):  # lapsed holds are not places taken
        await slot.refresh_from_db(using_db=conn)
    if slot.capacity is not None:
        held, confirmed = slot.held, slot.confirmed
    else:
        active = Reservation.filter(slot_id=slot.id).using_db(conn)
        held = await active.filter(state=ReservationState.HELD).count()
        confirmed = await active.filter(state=ReservationState.CONFIRMED).count()
    resource = await CapacityResource.filter(id=slot.resource_id).using_db(conn).get()
    maximum = max_places if max_places is not None else slot.max_places
    capacity, walk_in = derive(maximum, resource.policy_percent, resource.walk_in_percent)
    if capacity is not None and held + confirmed > capacity:
        raise CapacityBelowTaken(details={"taken": held + confirmed, "capacity": capacity})
    if capacity is None:
        held = confirmed = 0  # unlimited: nothing counted, nothing for a crowd to queue on
    slot.override_places, slot.capacity, slot.walk_in_reserved = max_places, capacity, walk_in
    slot.held, slot.confirmed = held, confirmed
    slot.version += 1
    changed = ["override_places", "capacity", "walk_in_reserved", "held", "confirmed", "version"]
    await slot.save(using_db=conn, update_fields=changed)
    return PlacesChanged(before, slot)


async def cancel_slot(slot_id: int, using_db: BaseDBAsyncClient) -> tuple[CapacitySlot, list[Reservation]]:
    """Close a slot (a doctor's leave, a storm) in the caller's transaction; returns it and the
    active reservations it cancelled, for the owner to tell their holders (and then to call
    ``gate.forget`` after its commit)."""
    slot = await CapacitySlot.filter(id=slot_id).using_db(using_db).select_for_update().first()
    if slot is None:
        raise SlotNotFound()
    active = await Reservation.filter(slot_id=slot.id, state__in=ACTIVE_STATES).using_db(using_db)
    now = clock.now()
    await (
        Reservation.filter(slot_id=slot.id, state__in=ACTIVE_STATES)
        .using_db(using_db)
        .update(state=ReservationState.CANCELLED, updated_at=now)
    )
    await (
        CapacitySlot.filter(id=slot.id)
        .using_db(using_db)
        .update(state=SlotState.CANCELLED, held=0, confirmed=0, version=F("version") + 1)
    )
    return slot, list(active)


async def move_slot(
    slot_id: int, starts_at: dt.datetime, using_db: BaseDBAsyncClient
) -> tuple[CapacitySlot, list[Reservation]]:
    """Move an open slot to ``starts_at`` (same length) in the caller's transaction, places and all;
    returns the slot as it was and its active reservations, for the owner to tell their holders
    (and then to call ``gate.forget``)."""
    slot = await CapacitySlot.filter(id=slot_id).using_db(using_db).select_for_update().first()
    if slot is None:
        raise SlotNotFound()
    if slot.state != SlotState.OPEN:
        raise SlotClosed()
    if (
        await CapacitySlot.filter(resource_id=slot.resource_id, starts_at=starts_at)
        .using_db(using_db)
        .exists()
    ):
        raise SlotTimeTaken(details={"starts_at": starts_at.isoformat()})
    active = await Reservation.filter(slot_id=slot.id, state__in=ACTIVE_STATES).using_db(using_db)
    await (
        CapacitySlot.filter(id=slot.id)
        .using_db(using_db)
        .update(
            starts_at=starts_at, ends_at=starts_at + (slot.ends_at - slot.starts_at), version=F("version") + 1
        )
    )
    return slot, list(active)


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: SlotState
    capacity: int | None  # bookable online; None: unlimited
    left: int | None  # None: unlimited
    started: bool  # when it was read: a slot that has begun takes no booking

    @property
    def bookable(self) -> bool:
        return self.state == SlotState.OPEN and not self.started and (self.left is None or self.left > 0)


def online_left(slot: CapacitySlot, *, walk_in: bool = False) -> int | None:
    """Places a booking (or, with ``walk_in``, a walk-in) can still take; None when unlimited."""
    if slot.capacity is None:
        return None
    limit = slot.capacity if walk_in else slot.capacity - slot.walk_in_reserved
    return max(limit - slot.held - slot.confirmed, 0)


def availability_of(slot: CapacitySlot) -> Availability:
    online = None if slot.capacity is None else slot.capacity - slot.walk_in_reserved
    started = slot.starts_at <= clock.now()
    return Availability(slot.id, slot.starts_at, slot.ends_at, slot.state, online, online_left(slot), started)


async def availability(resource_id: int, since: dt.datetime, until: dt.datetime) -> list[Availability]:
    """The resource's slots starting in [since, until), with the places still bookable online."""
    # In UTC, as stored: SQLite compares the text, and "…+08:00" does not sort with "…+00:00".
    slots = await CapacitySlot.filter(
        resource_id=resource_id,
        starts_at__gte=since.astimezone(dt.UTC),
        starts_at__lt=until.astimezone(dt.UTC),
    ).order_by("starts_at")
    return [availability_of(s) for s in slots]


# -- taking and giving back places -----------------------------------------------------------------


async def book(
    gate: Gate | None,
    slot_id: int,
    holder_key: str,
    then: Callable[[BaseDBAsyncClient, Reservation], Awaitable[T]],
    *,
    hold_for: dt.timedelta | None = None,
    walk_in: bool = False,
    slot: CapacitySlot | None = None,
) -> T:
    """Take a place in ``slot_id`` for ``holder_key`` and run ``then`` in the same transaction.

    ``hold_for``: a hold that lapses unless :func:`confirm`-ed in time (a paid registration);
    None confirms at once. ``then`` writes the owner's row (the appointment) with the reservation;
    if it raises, nothing is taken. Refusals: ``slot_full``, ``slot_closed``, ``already_reserved``.
    ``slot``: the slot as the caller just read it outside any transaction (as this function would),
    to save reading it again; the conditional UPDATE still decides.
    """
    if slot is not None and slot.id != slot_id:
        slot = None
    # An unlimited slot is not gated: the gate would read the slot only to let the taker through.
    if (
        gate is not None
        and (slot is None or slot.capacity is not None)
        and not await gate.take(slot_id, lambda: _left_in_database(slot_id, walk_in))
    ):
        raise SlotFull()
    if slot is None:
        slot = await CapacitySlot.filter(id=slot_id).only("id", "state", "capacity", "resource_id").first()
    if slot is None:
        raise SlotNotFound()
    try:
        async with in_transaction() as conn:
            result = await _take(conn, slot, holder_key, then, hold_for, walk_in)
    except IntegrityError as exc:
        if gate is not None:
            await gate.forget(slot_id, slot.resource_id)
        text = str(exc)
        if "within_capacity" in text:
            raise SlotFull() from exc  # the CHECK: unreachable through _count_in, kept as the last guard
        if "capacity_reservation" in text:
            # The partial unique index: this holder's other booking of the slot committed first.
            raise AlreadyReserved() from exc
        raise  # a constraint of the owner's (``then``): theirs to explain
    except Exception:
        if gate is not None:
            await gate.forget(slot_id, slot.resource_id)
        raise
    if gate is not None:
        await gate.taken(slot.resource_id)
    return result


async def _left_in_database(slot_id: int, walk_in: bool) -> Loaded:
    slot = await CapacitySlot.get_or_none(id=slot_id)
    if slot is None or slot.state != SlotState.OPEN or slot.capacity is None:
        return Loaded(None)  # not gated: the database answers (slot_not_found, slot_closed, unlimited)
    now = clock.now()
    holds = await Reservation.filter(slot_id=slot_id, state=ReservationState.HELD).only("id", "expires_at")
    ends = [h.expires_at for h in holds if h.expires_at is not None]
    pending = [at for at in ends if at > now]
    left = online_left(slot, walk_in=walk_in) or 0
    return Loaded(left + len(ends) - len(pending), min(pending) if pending else None)


async def _take(
    conn: BaseDBAsyncClient,
    slot: CapacitySlot,
    holder_key: str,
    then: Callable[[BaseDBAsyncClient, Reservation], Awaitable[T]],
    hold_for: dt.timedelta | None,
    walk_in: bool,
) -> T:
    slot_id = slot.id
    if slot.state != SlotState.OPEN:
        raise SlotClosed()
    now = clock.now()
    held = hold_for is not None
    reservation = await sql.insert(
        conn,
        Reservation(
            slot_id=slot_id,
            resource_id=slot.resource_id,
            holder_key=holder_key,
            walk_in=walk_in,
            state=ReservationState.HELD if held else ReservationState.CONFIRMED,
            expires_at=now + hold_for if hold_for is not None else None,
            created_at=now,
            updated_at=now,
        ),
    )
    result = await then(conn, reservation)
    if slot.capacity is None and await _still_unlimited(conn, slot_id):
        return result  # unlimited slots keep no counters: nothing for a crowd to queue on
    counter = "held" if held else "confirmed"
    if not await _count_in(conn, slot_id, counter, walk_in):
        # Lapsed holds give their places back before the slot is called full.
        retaken = await _expire_holds(conn, slot_id, now) and await _count_in(conn, slot_id, counter, walk_in)
        if not retaken:
            raise SlotFull()
    return result


async def _still_unlimited(conn: BaseDBAsyncClient, slot_id: int) -> bool:
    """Read after the reservation's insert, whose foreign key holds a key-share lock on the slot
    until commit: either ``set_places`` (FOR UPDATE) committed first and this sees the new
    capacity, or it waits for this booking and counts its reservation."""
    capacity = await CapacitySlot.filter(id=slot_id).using_db(conn).first().values_list("capacity", flat=True)
    return capacity is None


@cache
def _count_in_sql(counter: str, walk_in: bool) -> str:
    """``CapacitySlot.filter(id=…, state=OPEN, held__lt=limit - F("confirmed")).update(counter=F(counter)
    + 1, version=F("version") + 1)``, written as SQL."""
    c = partial(sql.column, CapacitySlot)
    limit = c("capacity") if walk_in else f"{c('capacity')} - {c('walk_in_reserved')}"
    return (
        f"UPDATE {sql.table(CapacitySlot)}"
        f" SET {c(counter)} = {c(counter)} + 1, {c('version')} = {c('version')} + 1"
        f" WHERE {c('id')} = $1 AND {c('state')} = $2 AND {c('held')} < {limit} - {c('confirmed')}"
    )


async def _count_in(conn: BaseDBAsyncClient, slot_id: int, counter: str, walk_in: bool) -> bool:
    """The conditional UPDATE that takes one place, or takes nothing when the slot is full."""
    values = [slot_id, sql.db_value(CapacitySlot, "state", SlotState.OPEN)]
    taken, _ = await conn.execute_query(sql.text(_count_in_sql(counter, walk_in), conn), values)
    return bool(taken == 1)


async def _expire_holds(conn: BaseDBAsyncClient, slot_id: int, now: dt.datetime) -> int:
    """Give back the slot's holds that lapsed before ``now``; tells their owners; returns how many."""
    lapsed = (
        await Reservation.filter(slot_id=slot_id, state=ReservationState.HELD, expires_at__lte=now)
        .using_db(conn)
        .values_list("id", flat=True)
    )
    given_back = 0
    for reservation_id in lapsed:
        # Conditional per row: a confirmation racing the expiry wins or loses cleanly.
        if (
            await Reservation.filter(id=reservation_id, state=ReservationState.HELD)
            .using_db(conn)
            .update(state=ReservationState.EXPIRED, updated_at=now)
        ):
            given_back += 1
            await enqueue(
                HOLD_EXPIRED_TOPIC,
                {"reservation_id": reservation_id, "slot_id": slot_id},
                using_db=conn,
                key=f"{HOLD_EXPIRED_TOPIC}:{reservation_id}",
            )
    if given_back:
        counted = CapacitySlot.filter(id=slot_id, capacity__isnull=False).using_db(conn)
        if not await counted.update(held=F("held") - given_back, version=F("version") + 1):
            # An unlimited slot keeps no counters (held would go below zero): only its version moves.
            await CapacitySlot.filter(id=slot_id).using_db(conn).update(version=F("version") + 1)
    return given_back


async def expire_holds(gate: Gate | None, now: dt.datetime | None = None) -> int:
    """The sweep: every slot's lapsed holds given back; returns how many."""
    now = now or clock.now()
    lapsed = Reservation.filter(state=ReservationState.HELD, expires_at__lte=now)
    slots = {reservation.slot_id for reservation in await lapsed.only("id", "slot_id")}
    total = 0
    for slot_id in sorted(slots):
        async with in_transaction() as conn:
            given_back = await _expire_holds(conn, slot_id, now)
        total += given_back
        if gate is not None and given_back:
            await gate.forget(slot_id, (await CapacitySlot.get(id=slot_id)).resource_id)
    return total


async def _active(conn: BaseDBAsyncClient, reservation_id: int) -> Reservation:
    found = await Reservation.filter(id=reservation_id).using_db(conn).select_for_update().first()
    if found is None:
        raise ReservationNotFound()
    return found


async def _has_counters(conn: BaseDBAsyncClient, slot_id: int) -> bool:
    return await CapacitySlot.filter(id=slot_id, capacity__isnull=False).using_db(conn).exists()


async def confirm(conn: BaseDBAsyncClient, reservation_id: int) -> Reservation:
    """A hold becomes a confirmed place (payment completed), in the caller's transaction."""
    reservation = await _active(conn, reservation_id)
    now = clock.now()
    if reservation.state == ReservationState.CONFIRMED:
        return reservation  # a repeated confirmation (a notification delivered twice) changes nothing
    if reservation.state != ReservationState.HELD:
        raise ReservationNotActive(details={"state": reservation.state.value})
    if reservation.expires_at is not None and reservation.expires_at <= now:
        raise HoldExpired()
    reservation.state, reservation.expires_at, reservation.updated_at = ReservationState.CONFIRMED, None, now
    await reservation.save(using_db=conn, update_fields=["state", "expires_at", "updated_at"])
    if await _has_counters(conn, reservation.slot_id):
        await (
            CapacitySlot.filter(id=reservation.slot_id)
            .using_db(conn)
            .update(held=F("held") - 1, confirmed=F("confirmed") + 1, version=F("version") + 1)
        )
    return reservation


async def give_back(conn: BaseDBAsyncClient, reservation_id: int) -> Reservation:
    """Release a hold or cancel a confirmed place, in the caller's transaction (the caller then
    calls ``gate.forget(slot_id, resource_id)`` after commit). Giving back what is no longer active
    is refused."""
    reservation = await _active(conn, reservation_id)
    if reservation.state not in ACTIVE_STATES:
        raise ReservationNotActive(details={"state": reservation.state.value})
    counter = "held" if reservation.state == ReservationState.HELD else "confirmed"
    reservation.state = (
        ReservationState.RELEASED
        if reservation.state == ReservationState.HELD
        else ReservationState.CANCELLED
    )
    reservation.updated_at = clock.now()
    await reservation.save(using_db=conn, update_fields=["state", "updated_at"])
    if await _has_counters(conn, reservation.slot_id):
        await (
            CapacitySlot.filter(id=reservation.slot_id)
            .using_db(conn)
            .update(**{counter: F(counter) - 1}, version=F("version") + 1)
        )
    return reservation
