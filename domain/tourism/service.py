"""Spots on the capacity engine: creating them, opening their days, and taking an entry under both
the slot's and the day's limit in one transaction.

A spot is a capacity resource owned by ``ticket``: its slots hold the per-slot limit under the
policy cap, with the walk-in share kept back (the engine's own arithmetic, ``capacity.derive``).
The day's limit (daily maximum × policy) is a :class:`SpotDay` counter taken by a conditional
UPDATE inside the engine's booking transaction (``capacity.book``'s ``then``), so a booking either
takes both places or neither; a CHECK in migration 0015 refuses an oversell from any other path.
Lock order is always day row, then slot row, for every entry, so two bookings cannot deadlock.

A lapsed hold gives its slot place back in the engine at once and its day place when the engine's
``capacity.hold_expired`` report reaches the owner (``jobs.py``, within the minute of the sweep):
until then the day counts one place too many, which can only undersell, never oversell.

Places that come back go to the waitlist first (``domain.tourism.waitlist``): the visitors of the
entries still waiting are *owed* places (:func:`owed_to_waitlist`: their slot's, and the day's that
go with slot places already free). Every sale but the waitlist's own offers leaves them, checked in
the booking transaction right after the day's place is taken (:func:`_leave_owed`): the day's row is
then locked, so every booking and every return of the day is serialised with the check, and a place
returned while someone waits is refused to anyone else (``slot_waitlisted``) until the outbox
handler offers it to the head of the line. The window sells its own walk-in share regardless (no
place online buyers or the line could have); from the common pool, only what the line is not owed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from domain.capacity import service as capacity
from domain.capacity.errors import SlotNotFound
from domain.capacity.gate import Gate
from domain.capacity.models import CapacityResource, CapacitySlot, Reservation, ResourceKind
from domain.capacity.service import Availability, online_left
from domain.outbox.service import enqueue
from domain.shared import clock
from domain.shared.clock import china_day, china_midnight
from domain.shared.labels import Names
from domain.tourism.errors import (
    DayFull,
    DayNotOpen,
    SlotWaitlisted,
    SpotInvalid,
    SpotNotFound,
    StopSelling,
)
from domain.tourism.models import Advisory, DayPlace, Spot, SpotDay, SpotKind, WaitlistEntry, WaitlistState
from domain.tourism.pricing import price_list

# The capacity owner of every spot's resource (``domain.capacity.owners``; registered in jobs.py).
CAPACITY_OWNER = "ticket"
BOOKING_DAYS = 7  # days ahead a spot takes entries, today included
SPOT_CODE_LENGTH = 40  # Spot.code's max_length
REGION_CODE_LENGTH = 12  # Spot.region_code's max_length
# An entry's places came back (handled by the waitlist, ``domain.tourism.waitlist``).
PLACE_RETURNED_TOPIC = "tourism.place_returned"
T = TypeVar("T")


@dataclass(frozen=True)
class SpotSettings:
    """What a spot publishes and how it sells (validated by :func:`create_spot`)."""

    daily_max: int
    instant_max: int
    opens_minute: int
    closes_minute: int
    slot_entries: int
    slot_minutes: int = 60
    policy_percent: int = 100
    walk_in_percent: int = 0
    booking_required: bool = True

    def check(self) -> None:
        ranges = {
            "daily_max": (1, capacity.MAX_PLACES),
            "instant_max": (1, capacity.MAX_PLACES),
            "slot_entries": (1, capacity.MAX_PLACES),
            "slot_minutes": (5, 24 * 60),
            "policy_percent": (1, 100),
            "walk_in_percent": (0, 100),
            "opens_minute": (0, 24 * 60 - 1),
            "closes_minute": (1, 24 * 60),
        }
        for name, (low, high) in ranges.items():
            if not low <= getattr(self, name) <= high:
                raise SpotInvalid(details={name: getattr(self, name)})
        if self.closes_minute - self.opens_minute < self.slot_minutes:
            raise SpotInvalid(details={"closes_minute": self.closes_minute})


async def create_spot(
    code: str,
    kind: SpotKind,
    names: dict[str, str],
    settings: SpotSettings,
    *,
    region_code: str,
    prices: dict[str, Any],
    intros: dict[str, str] | None = None,
    address: str = "",
    location: tuple[float, float] | None = None,
    demo: bool = False,
) -> Spot:
    settings.check()
    price_list(prices)  # refused here, not on a visitor's page
    intros = intros or {}
    async with in_transaction() as conn:
        resource = await capacity.create_resource(
            f"spot:{code}",
            ResourceKind.SCENIC,
            owner=CAPACITY_OWNER,
            scope=code,
            policy_percent=settings.policy_percent,
            walk_in_percent=settings.walk_in_percent,
            using_db=conn,
        )
        return await Spot.create(
            code=code,
            kind=kind,
            region_code=region_code,
            name_zh_hans=names["zh_Hans"],
            name_zh_hant=names["zh_Hant"],
            name_en=names["en"],
            intro_zh_hans=intros.get("zh_Hans", ""),
            intro_zh_hant=intros.get("zh_Hant", ""),
            intro_en=intros.get("en", ""),
            address=address,
            latitude=location[0] if location else None,
            longitude=location[1] if location else None,
            opens_minute=settings.opens_minute,
            closes_minute=settings.closes_minute,
            daily_max=settings.daily_max,
            instant_max=settings.instant_max,
            policy_percent=settings.policy_percent,
            walk_in_percent=settings.walk_in_percent,
            slot_minutes=settings.slot_minutes,
            slot_entries=settings.slot_entries,
            booking_required=settings.booking_required,
            prices=prices,
            resource_id=resource.id,
            demo=demo,
            created_at=clock.now(),
            using_db=conn,
        )


async def spot_labels(codes: set[str]) -> dict[str, Names]:
    """Spot code → its names, for the codes that are spots (a staff member's scope)."""
    return {s.code: Names.of(s) for s in await Spot.filter(code__in=sorted(codes))} if codes else {}


async def spot_by_code(code: str) -> Spot:
    # Longer than any code (the ORM refuses to compare a value longer than the column): no spot.
    spot = await Spot.get_or_none(code=code) if len(code) <= SPOT_CODE_LENGTH else None
    if spot is None:
        raise SpotNotFound()
    return spot


async def open_day(spot: Spot, day: dt.date, *, booking_required: bool | None = None) -> SpotDay:
    """The spot's entries on ``day``: its day limit and one slot per ``slot_minutes`` within the
    opening hours. Opening a day again changes nothing (returns the day as it is), also when two
    processes open it at once (the unique (spot, day) lets one of them)."""
    found = await SpotDay.get_or_none(spot_id=spot.id, day=day)
    if found is not None:
        return found
    resource = await CapacityResource.get(id=spot.resource_id)
    cap, walk_in = capacity.derive(spot.daily_max, spot.policy_percent, spot.walk_in_percent)
    midnight = china_midnight(day)
    try:
        async with in_transaction() as conn:
            opened = await SpotDay.create(
                spot_id=spot.id,
                day=day,
                booking_required=spot.booking_required if booking_required is None else booking_required,
                capacity=cap or 0,
                walk_in_reserved=walk_in,
                using_db=conn,
            )
            for start in range(
                spot.opens_minute, spot.closes_minute - spot.slot_minutes + 1, spot.slot_minutes
            ):
                await capacity.add_slot(
                    resource,
                    starts_at=midnight + dt.timedelta(minutes=start),
                    ends_at=midnight + dt.timedelta(minutes=start + spot.slot_minutes),
                    max_places=spot.slot_entries,
                    using_db=conn,
                )
    except IntegrityError:
        return await SpotDay.get(spot_id=spot.id, day=day)  # opened by another process meanwhile
    return opened


async def open_coming_days(days: int = BOOKING_DAYS) -> int:
    """Every spot's days from today for ``days`` days, those not open yet; returns how many opened
    (the hourly ``tourism.open_days`` job keeps the booking window rolling)."""
    today = clock.today_in_china()
    wanted = [today + dt.timedelta(days=offset) for offset in range(days)]
    opened = 0
    for spot in await Spot.all().order_by("id"):
        have = set(await SpotDay.filter(spot_id=spot.id, day__in=wanted).values_list("day", flat=True))
        for day in wanted:
            if day not in have:
                await open_day(spot, day)
                opened += 1
    return opened


# -- entries ---------------------------------------------------------------------------------------


def day_left(day: SpotDay, *, walk_in: bool = False) -> int:
    limit = day.capacity if walk_in else day.capacity - day.walk_in_reserved
    return max(limit - day.taken, 0)


async def _count_day(conn: BaseDBAsyncClient, day_id: int, reservation_id: int, walk_in: bool) -> None:
    """Take one of the day's places (the conditional UPDATE), or refuse ``spot_day_full``."""
    limit = F("capacity") if walk_in else F("capacity") - F("walk_in_reserved")
    taken = await SpotDay.filter(id=day_id, taken__lt=limit).using_db(conn).update(taken=F("taken") + 1)
    if not taken:
        raise DayFull()
    await DayPlace.create(reservation_id=reservation_id, spot_day_id=day_id, using_db=conn)


async def slot_of(spot: Spot, slot_id: int, slot: CapacitySlot | None = None) -> CapacitySlot:
    """The spot's slot ``slot_id`` (``slot`` when already read), or ``slot_not_found``."""
    if slot is None or slot.id != slot_id:
        slot = await CapacitySlot.get_or_none(id=slot_id)
    if slot is None or slot.resource_id != spot.resource_id:
        raise SlotNotFound()
    return slot


async def selling_day(spot: Spot, slot: CapacitySlot, *, walk_in: bool = False) -> SpotDay:
    """The slot's day if it still sells: refused with ``spot_day_not_open``, ``spot_day_full`` or
    ``spot_stop_selling`` from one read without a lock, so that the crowd at a sold-out sale is
    answered before anything is written or queued on the day's row."""
    day = await SpotDay.get_or_none(spot_id=spot.id, day=china_day(slot.starts_at))
    if day is None:
        raise DayNotOpen(details={"day": china_day(slot.starts_at).isoformat()})
    if not day_left(day, walk_in=walk_in):
        raise DayFull()
    if day.stop_selling:
        raise StopSelling()  # the crowd level is red (domain.tourism.crowd)
    return day


# -- the waitlist's places ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Owed:
    """What the waitlist is owed on a day. ``slots``: slot id → the visitors still waiting there (its
    places, as they come back). ``day``: of the day's places, those the lines need to go with slot
    places already free; a line waiting for its own slot's places needs none, as every place that
    comes back brings its day place with it (so one full slot's line does not stop the day's sales)."""

    slots: dict[int, int]
    day: int


async def owed_to_waitlist(spot: Spot, day: dt.date, conn: BaseDBAsyncClient | None = None) -> Owed:
    """What the waitlist is owed on ``day`` (entries still waiting, in the spot's slots not begun
    yet: when a slot begins its wait is over). Entries offered hold their places already."""
    start = china_midnight(day)
    slots = CapacitySlot.filter(
        resource_id=spot.resource_id,
        # In UTC, as stored (SQLite compares the text).
        starts_at__gte=start.astimezone(dt.UTC),
        starts_at__gt=clock.now().astimezone(dt.UTC),
        starts_at__lt=(start + dt.timedelta(days=1)).astimezone(dt.UTC),
    )
    waiting = WaitlistEntry.filter(state=WaitlistState.WAITING, slot_id__in=Subquery(slots.values("id")))
    owed: dict[int, int] = {}
    for slot_id, size in await waiting.using_db(conn).values_list("slot_id", "size"):
        owed[slot_id] = owed.get(slot_id, 0) + size
    if not owed:
        return Owed({}, 0)
    in_day = 0
    for row in await CapacitySlot.filter(id__in=list(owed)).using_db(conn):
        free = online_left(row)  # None: unlimited
        in_day += owed[row.id] if free is None else min(owed[row.id], free)
    return Owed(owed, in_day)


def _spare(capacity: int, share: int, taken: int, owed: int, *, walk_in: bool, sold_before: int) -> bool:
    """Whether a place counted in ``taken`` leaves the online places the waitlist is ``owed``: an
    online place only from what is left beyond them; a walk-in place (the window, today) from its
    own share while the share lasts (the sale's ``sold_before`` earlier places draw it down after the
    sale, so they are spoken for), then like an online place (the share spent)."""
    if walk_in:
        if share > sold_before:
            return True  # the window's own share: no place online buyers or the line could have
        share = 0
    return capacity - share - taken >= owed


async def _leave_owed(
    conn: BaseDBAsyncClient, spot: Spot, slot: CapacitySlot, day_id: int, *, walk_in: bool, sold_before: int
) -> None:
    """Refuse (``slot_waitlisted``) a place just taken that the waitlist is owed, in the slot or in
    its day. Called right after the day's place is taken: this transaction holds the day's row, on
    which every booking and return of the day queues, so what is read here is as of now."""
    owed = await owed_to_waitlist(spot, china_day(slot.starts_at), conn)
    if not owed.slots:
        return
    mine = owed.slots.get(slot.id, 0)
    day = await SpotDay.get(id=day_id, using_db=conn)  # this place counted in ``taken``
    fits = _spare(
        day.capacity, day.walk_in_reserved, day.taken, owed.day, walk_in=walk_in, sold_before=sold_before
    )
    if fits and mine:
        row = await CapacitySlot.get(id=slot.id, using_db=conn)  # the engine counts this place after
        if row.capacity is not None:
            taken = row.held + row.confirmed + 1
            fits = _spare(
                row.capacity, row.walk_in_reserved, taken, mine, walk_in=walk_in, sold_before=sold_before
            )
    if not fits:
        raise SlotWaitlisted(details={"waiting": mine})


async def left_for_booking(spot: Spot, slot: CapacitySlot, day: SpotDay) -> int:
    """What an online order may take in ``slot`` now: the slot's and the day's online places beyond
    what the waitlist is owed (fewer visitors than this: refused, ``slot_waitlisted`` or full)."""
    owed = await owed_to_waitlist(spot, day.day)
    left = day_left(day) - owed.day
    in_slot = online_left(slot)
    if in_slot is not None:
        left = min(left, in_slot - owed.slots.get(slot.id, 0))
    return max(left, 0)


async def take_entry(
    gate: Gate | None,
    spot: Spot,
    slot_id: int,
    holder_key: str,
    then: Callable[[BaseDBAsyncClient, Reservation], Awaitable[T]],
    *,
    hold_for: dt.timedelta | None = None,
    walk_in: bool = False,
    slot: CapacitySlot | None = None,
    waitlist_offer: bool = False,
    sold_before: int = 0,
) -> T:
    """An entry to ``spot`` in ``slot_id`` for ``holder_key``: the slot's place and the day's, with
    ``then`` (the ticket's row) in the same transaction, or nothing. Refusals: ``spot_day_full``,
    ``spot_day_not_open``, ``slot_waitlisted`` (the waitlist is owed the place), and the engine's
    (``slot_full``, ``slot_closed``, ``already_reserved``). ``slot``: the slot's row when the caller
    has read it already (a flash sale reads it once). ``waitlist_offer``: the order the waitlist
    makes for its head, which takes what the line is owed; ``sold_before``: the places the same sale
    took before this one (a walk-in sale draws them from the window's share after it)."""
    slot = await slot_of(spot, slot_id, slot)
    day = await selling_day(spot, slot, walk_in=walk_in)

    async def both(conn: BaseDBAsyncClient, reservation: Reservation) -> T:
        await _count_day(conn, day.id, reservation.id, walk_in)
        if not waitlist_offer:
            await _leave_owed(conn, spot, slot, day.id, walk_in=walk_in, sold_before=sold_before)
        return await then(conn, reservation)

    return await capacity.book(gate, slot_id, holder_key, both, hold_for=hold_for, walk_in=walk_in, slot=slot)


async def return_day_place(conn: BaseDBAsyncClient, reservation_id: int) -> bool:
    """Give the reservation's day place back, once (False: already given back, or none taken).

    Every way an entry ends comes through here (a cancellation, a hold released or lapsed), so this
    is where ``tourism.place_returned`` is enqueued for the waitlist, in the same transaction."""
    place = await DayPlace.filter(reservation_id=reservation_id, returned=False).using_db(conn).first()
    if place is None:
        return False
    if not await DayPlace.filter(id=place.id, returned=False).using_db(conn).update(returned=True):
        return False  # a concurrent return won
    await SpotDay.filter(id=place.spot_day_id).using_db(conn).update(taken=F("taken") - 1)
    reservation = await Reservation.get(id=reservation_id, using_db=conn)
    await enqueue(
        PLACE_RETURNED_TOPIC,
        {"slot_id": reservation.slot_id, "spot_day_id": place.spot_day_id},
        using_db=conn,
    )
    return True


async def give_back_entry(conn: BaseDBAsyncClient, reservation_id: int) -> Reservation:
    """Release a hold or cancel an entry: its slot place and its day place, in the caller's
    transaction (the caller then calls ``gate.forget`` after commit)."""
    reservation = await capacity.give_back(conn, reservation_id)
    await return_day_place(conn, reservation_id)
    return reservation


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayView:
    day: dt.date
    booking_required: bool
    capacity: int
    left: int  # online, beyond what the waitlist is owed
    slots: list[Availability]  # each slot's ``left`` beyond what its waitlist is owed
    waiting: dict[int, int]  # slot id → the places its waitlist is owed (absent: nobody waits)


async def day_view(spot: Spot, day: dt.date) -> DayView:
    """The day's slots as a booking sees them: the places the waitlist is owed are not left (a slot
    whose line is owed every place reads full: its page offers the waitlist)."""
    found = await SpotDay.get_or_none(spot_id=spot.id, day=day)
    if found is None:
        raise DayNotOpen(details={"day": day.isoformat()})
    start = china_midnight(day)
    slots = await capacity.availability(spot.resource_id, start, start + dt.timedelta(days=1))
    owed = await owed_to_waitlist(spot, day)
    waiting = owed.slots
    slots = [
        replace(a, left=max(a.left - waiting[a.slot_id], 0))
        if a.left is not None and a.slot_id in waiting
        else a
        for a in slots
    ]
    online = found.capacity - found.walk_in_reserved
    left = max(day_left(found) - owed.day, 0)
    return DayView(day, found.booking_required, online, left, slots, waiting)


@dataclass(frozen=True)
class SpotPage:
    today: SpotDay | None
    advisories: list[Advisory]  # in force today (not withdrawn)


async def spot_page(spot: Spot) -> SpotPage:
    today = clock.today_in_china()
    advisories = await Advisory.filter(
        spot_id=spot.id, first_day__lte=today, last_day__gte=today, withdrawn_at__isnull=True
    ).order_by("id")
    return SpotPage(await SpotDay.get_or_none(spot_id=spot.id, day=today), list(advisories))


def region_prefix(code: str) -> str:
    """What the codes of a region and those under it start with: a city's 441800 → 4418 (its
    counties 4418xx, their towns 4418xxxxx), a province's 440000 → 44; other codes as given."""
    if len(code) == 6:
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
    return code


async def spots(region_code: str | None = None) -> list[tuple[Spot, SpotDay | None]]:
    """Every spot (of a region and the regions under it), with today's day if open."""
    query = Spot.all().order_by("code")
    if region_code:
        if len(region_code) > REGION_CODE_LENGTH:
            return []  # no region has so long a code (and the ORM refuses to compare one)
        query = query.filter(region_code__startswith=region_prefix(region_code))
    found = await query
    days = {
        d.spot_id: d
        for d in await SpotDay.filter(spot_id__in=[s.id for s in found], day=clock.today_in_china())
    }
    return [(spot, days.get(spot.id)) for spot in found]
