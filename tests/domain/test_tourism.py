"""Spots on the capacity engine: slots and the day's limit under the policy cap, the walk-in share,
day places given back exactly once, and no oversell of the day under load (PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections import Counter
from typing import Any, cast

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.capacity import service as capacity
from domain.capacity.errors import AlreadyReserved, SlotFull, SlotNotFound
from domain.capacity.gate import Gate
from domain.capacity.models import CapacityResource, CapacitySlot, Reservation, ReservationState
from domain.capacity.owners import capacity_owners
from domain.outbox.jobs import Job
from domain.shared import clock
from domain.shared.kv import Keys
from domain.tourism import service
from domain.tourism.errors import DayFull, DayNotOpen, SpotInvalid
from domain.tourism.jobs import TicketPlaces, open_days
from domain.tourism.models import DayPlace, Spot, SpotDay, SpotKind
from domain.tourism.service import SpotSettings
from server.redis import connect
from server.settings import Settings

DAY = dt.date(2026, 5, 1)
BEFORE = dt.datetime(2026, 4, 30, 2, 0, tzinfo=dt.UTC)  # the day before, 10:00 in China
NAMES = {"zh_Hans": "测试景区", "zh_Hant": "測試景區", "en": "Test spot"}
PRICES = {"full_cents": 8000}


async def spot(**settings: Any) -> Spot:
    base: dict[str, Any] = {
        "daily_max": 100,
        "instant_max": 50,
        "opens_minute": 8 * 60,
        "closes_minute": 12 * 60,
        "slot_entries": 40,
        "policy_percent": 75,
    }
    return await service.create_spot(
        f"S{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        NAMES,
        SpotSettings(**{**base, **settings}),
        region_code="441800",
        prices=PRICES,
    )


async def slots_of(s: Spot) -> list[CapacitySlot]:
    return await CapacitySlot.filter(resource_id=s.resource_id).order_by("starts_at")


async def nothing(_conn: BaseDBAsyncClient, reservation: Reservation) -> int:
    return int(reservation.id)


async def attempt(gate: Gate | None, s: Spot, slot_id: int, who: str, **kwargs: Any) -> str:
    try:
        await service.take_entry(gate, s, slot_id, who, nothing, **kwargs)
    except (SlotFull, DayFull, AlreadyReserved) as exc:
        return exc.code
    return "ok"


async def day_of(s: Spot) -> SpotDay:
    return await SpotDay.get(spot_id=s.id, day=DAY)


# -- spots and days --------------------------------------------------------------------------------


async def test_a_spot_is_a_ticket_resource_and_its_day_has_one_hour_slots_under_the_policy(db: str) -> None:
    s = await spot(walk_in_percent=10)
    resource = await CapacityResource.get(id=s.resource_id)
    assert (resource.owner, resource.policy_percent, resource.walk_in_percent) == ("ticket", 75, 10)
    assert isinstance(capacity_owners.get("ticket"), TicketPlaces)

    day = await service.open_day(s, DAY)
    assert await service.open_day(s, DAY) == day  # again: no change
    # 100 a day × 75 % = 75, of which 10 % (7) for the window; 8:00 to 12:00 in four one-hour slots.
    assert (day.capacity, day.walk_in_reserved, day.booking_required) == (75, 7, True)
    slots = await slots_of(s)
    assert [x.starts_at.astimezone(clock.CHINA).hour for x in slots] == [8, 9, 10, 11]
    assert {(x.max_places, x.capacity, x.walk_in_reserved) for x in slots} == {(40, 30, 3)}

    with clock.frozen_at(BEFORE):
        view = await service.day_view(s, DAY)
    assert (view.capacity, view.left, len(view.slots)) == (68, 68, 4)
    assert view.slots[0].left == 27


async def test_the_hourly_job_keeps_a_week_of_days_open_for_every_spot(db: str) -> None:
    first, second = await spot(), await spot()
    today = clock.today_in_china()
    await service.open_day(first, today + dt.timedelta(days=2))
    await open_days(cast(Job, None))
    assert await service.open_coming_days() == 0  # again: nothing missing
    for s in (first, second):
        days = await SpotDay.filter(spot_id=s.id).order_by("day").values_list("day", flat=True)
        assert days == [today + dt.timedelta(days=n) for n in range(service.BOOKING_DAYS)]
    assert await CapacitySlot.filter(resource_id=first.resource_id).count() == 4 * service.BOOKING_DAYS


@pytest.mark.postgres
async def test_two_processes_opening_one_day_at_once_open_it_once(db: str) -> None:
    s = await spot()
    days = await asyncio.gather(*(service.open_day(s, DAY) for _ in range(4)))
    assert len({d.id for d in days}) == 1
    assert await CapacitySlot.filter(resource_id=s.resource_id).count() == 4


async def test_booking_may_be_optional_on_a_day(db: str) -> None:
    s = await spot(booking_required=True)
    assert not (await service.open_day(s, DAY, booking_required=False)).booking_required
    assert (await service.open_day(s, DAY + dt.timedelta(days=1))).booking_required


@pytest.mark.parametrize(
    "settings",
    [
        {"daily_max": 0},
        {"policy_percent": 0},
        {"policy_percent": 101},
        {"walk_in_percent": -1},
        {"slot_minutes": 0},
        {"opens_minute": 11 * 60 + 30},  # less than one slot open
        {"slot_entries": 0},
    ],
)
async def test_invalid_settings_are_refused(db: str, settings: dict[str, Any]) -> None:
    with pytest.raises(SpotInvalid):
        await spot(**settings)
    assert await Spot.all().count() == 0


async def test_an_entry_needs_an_open_day_and_a_slot_of_the_spot(db: str) -> None:
    s, other = await spot(), await spot()
    await service.open_day(other, DAY)
    slot = (await slots_of(other))[0]
    with clock.frozen_at(BEFORE):
        with pytest.raises(SlotNotFound):
            await service.take_entry(None, s, slot.id, "user:1", nothing)
        await SpotDay.filter(spot_id=other.id).delete()
        with pytest.raises(DayNotOpen):
            await service.take_entry(None, other, slot.id, "user:1", nothing)


# -- the day's limit -------------------------------------------------------------------------------


async def test_the_day_limit_binds_across_slots_and_the_window_keeps_its_share(db: str) -> None:
    # 10 a day × 75 % = 7, of which 2 (30 %) for the window; each slot 8 × 75 % = 6, 1 for the window.
    s = await spot(daily_max=10, slot_entries=8, walk_in_percent=30)
    await service.open_day(s, DAY)
    first, second, *_ = await slots_of(s)
    with clock.frozen_at(BEFORE):
        online = [await attempt(None, s, first.id, f"user:{i}") for i in range(5)]
        assert online == ["ok"] * 5
        assert await attempt(None, s, second.id, "user:9") == "spot_day_full"  # 5 of 7 − 2
        assert await attempt(None, s, second.id, "walk-in:1", walk_in=True) == "ok"
        assert await attempt(None, s, second.id, "walk-in:2", walk_in=True) == "ok"
        assert await attempt(None, s, second.id, "walk-in:3", walk_in=True) == "spot_day_full"
    assert (await day_of(s)).taken == 7
    # The refused ones left nothing behind: no reservation, no day place.
    assert await Reservation.filter(resource_id=s.resource_id).count() == 7
    assert await DayPlace.all().count() == 7


async def test_a_full_slot_takes_no_day_place(db: str) -> None:
    s = await spot(daily_max=100, slot_entries=2)  # slots of 1 (2 × 75 %)
    await service.open_day(s, DAY)
    first = (await slots_of(s))[0]
    with clock.frozen_at(BEFORE):
        assert await attempt(None, s, first.id, "user:1") == "ok"
        assert await attempt(None, s, first.id, "user:2") == "slot_full"
    assert (await day_of(s)).taken == 1


async def test_the_database_refuses_a_day_oversell_from_any_code_path(db: str) -> None:
    s = await spot(daily_max=4)
    day = await service.open_day(s, DAY)
    with pytest.raises(IntegrityError):
        await SpotDay.filter(id=day.id).update(taken=4)
    with pytest.raises(IntegrityError):
        await SpotDay.filter(id=day.id).update(taken=-1)


async def test_giving_back_an_entry_returns_both_places_once(db: str) -> None:
    s = await spot(daily_max=2)  # one a day (2 × 75 %)
    await service.open_day(s, DAY)
    first, second, *_ = await slots_of(s)
    with clock.frozen_at(BEFORE):
        taken = await service.take_entry(None, s, first.id, "user:1", nothing)
        assert await attempt(None, s, second.id, "user:2") == "spot_day_full"
        async with in_transaction() as conn:
            await service.give_back_entry(conn, taken)
            assert not await service.return_day_place(conn, taken)  # once only
        assert (await day_of(s)).taken == 0
        assert await attempt(None, s, second.id, "user:2") == "ok"


async def test_a_lapsed_hold_gives_its_day_place_back_through_the_owner_once(db: str) -> None:
    s = await spot(daily_max=2)
    await service.open_day(s, DAY)
    first, second, *_ = await slots_of(s)
    with clock.frozen_at(BEFORE):
        held = await service.take_entry(
            None, s, first.id, "user:1", nothing, hold_for=dt.timedelta(minutes=15)
        )
    with clock.frozen_at(BEFORE + dt.timedelta(minutes=16)):
        assert await capacity.expire_holds(None) == 1
        # The slot's place is back at once; the day's comes with the owner's report.
        assert await attempt(None, s, second.id, "user:2") == "spot_day_full"
        owner = capacity_owners.get("ticket")
        assert owner is not None
        await owner.hold_expired(held, cast(Job, None))
        await owner.hold_expired(held, cast(Job, None))  # delivered twice: returned once
        assert (await day_of(s)).taken == 0
        assert await attempt(None, s, second.id, "user:2") == "ok"
    assert (await Reservation.get(id=held)).state == ReservationState.EXPIRED


# -- concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
async def test_5000_attempts_for_500_day_places_sell_exactly_500_under_the_75_percent_cap(
    db: str, settings: Settings
) -> None:
    redis = connect(settings)
    gate = Gate(redis, Keys(settings.redis_prefix))
    # 667 a day × 75 % = 500; ten slots of 100 × 75 % = 75 each (750 in all): the day binds.
    s = await spot(daily_max=667, slot_entries=100, opens_minute=8 * 60, closes_minute=18 * 60)
    await service.open_day(s, DAY)
    slots = await slots_of(s)
    started = time.monotonic()
    with clock.frozen_at(BEFORE):
        results = await asyncio.gather(
            *(attempt(gate, s, slots[i % len(slots)].id, f"user:{i}") for i in range(5000))
        )
    elapsed = time.monotonic() - started
    await redis.aclose()
    counted = Counter(results)
    assert counted["ok"] == 500 and sum(counted.values()) == 5000, counted
    assert (await day_of(s)).taken == 500
    assert (
        await Reservation.filter(resource_id=s.resource_id, state=ReservationState.CONFIRMED).count() == 500
    )
    assert await DayPlace.filter(returned=False).count() == 500
    assert all(x.confirmed <= 75 for x in await slots_of(s))
    assert elapsed < 120, elapsed
