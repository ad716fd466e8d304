"""Live occupancy and crowd levels: the ladder's boundaries, one out one in at the instantaneous
limit, exits never below zero, a level change alerting subscribers once, red stopping sales, and
two to eight gates admitting at once never passing the limit (PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from adapters.wechat.fake import SandboxWeChat
from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.capacity.models import CapacitySlot, Reservation
from domain.notifications.models import InboxMessage
from domain.outbox.jobs import Job, JobContext, handler_for
from domain.outbox.models import OutboxMessage
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.errors import StaffRoleRequired, StaffScopeRequired
from domain.tourism import crowd, jobs, occupancy, service
from domain.tourism.crowd import Level
from domain.tourism.errors import CrowdLadderInvalid, SpotAtInstantMax, StopSelling
from domain.tourism.models import CrowdChange, Occupancy, Spot, SpotDay, SpotKind
from domain.tourism.service import SpotSettings

DAY = dt.date(2026, 5, 1)
MORNING = dt.datetime(2026, 4, 30, 23, 0, tzinfo=dt.UTC)  # 07:00 in China on DAY, before the first slot
NAMES = {"zh_Hans": "测试景区", "zh_Hant": "測試景區", "en": "Test spot"}


async def spot(instant_max: int, policy_percent: int = 100, **more: Any) -> Spot:
    settings = SpotSettings(
        daily_max=100,
        instant_max=instant_max,
        opens_minute=8 * 60,
        closes_minute=12 * 60,
        slot_entries=40,
        policy_percent=policy_percent,
    )
    return await service.create_spot(
        f"S{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        NAMES,
        settings,
        region_code="441800",
        prices={"full_cents": 8000},
        **more,
    )


def scanner(s: Spot) -> Actor:
    return Actor(kind="staff", id=1, roles=frozenset({"scanner"}), scopes=frozenset({s.code}))


async def scans(s: Spot, entries: int) -> occupancy.Count:
    count = None
    for _ in range(entries):
        count = await occupancy.scan(scanner(s), s, entering=True)
    assert count is not None
    return count


# -- the ladder ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "level"),
    [(0, Level.COMFORTABLE), (79, Level.COMFORTABLE), (80, Level.YELLOW), (89, Level.YELLOW)]
    + [(90, Level.ORANGE), (99, Level.ORANGE), (100, Level.RED), (130, Level.RED)],
)
def test_the_default_ladder_s_boundaries(percent: int, level: Level) -> None:
    assert crowd.level_at(crowd.ladder([]), percent) == level


def test_fullness_is_the_larger_share_rounded_down() -> None:
    assert crowd.fullness(sold=799, capacity=1000, inside=0, limit=10) == 79  # 79.9 % is not yet yellow
    assert crowd.fullness(sold=10, capacity=1000, inside=9, limit=10) == 90  # inside alone crowds it
    assert crowd.fullness(sold=0, capacity=0, inside=0, limit=0) == 0


def test_a_spot_s_own_ladder_and_bad_ones_refused() -> None:
    own = crowd.ladder([[70, "yellow"], [95, "red"]])
    assert crowd.level_at(own, 94) == Level.YELLOW
    assert crowd.level_at(own, 95) == Level.RED
    bad_ladders: list[list[Any]] = [
        [[90, "yellow"], [80, "red"]],
        [[80, "orange"], [90, "yellow"], [100, "red"]],
        [[80, "yellow"]],
        [[0, "red"]],
        [[80, "yellow"], [500, "red"]],  # red never reached: selling would never stop
        [[50, "comfortable"], [100, "red"]],
        [["x", "red"]],
        [[80]],
    ]
    for bad in bad_ladders:
        with pytest.raises(CrowdLadderInvalid):
            crowd.ladder(bad)


# -- one out, one in -------------------------------------------------------------------------------


async def test_one_out_one_in_at_the_limit(db: str) -> None:
    s = await spot(instant_max=4, policy_percent=75)  # 4 × 75 % = 3 inside at once
    with clock.frozen_at(MORNING):
        assert (await scans(s, 3)).inside == 3
        with pytest.raises(SpotAtInstantMax):
            await occupancy.scan(scanner(s), s, entering=True)
        assert (await occupancy.scan(scanner(s), s, entering=False)).inside == 2
        assert (await occupancy.scan(scanner(s), s, entering=True)).inside == 3
    row = await Occupancy.get(spot_id=s.id, day=DAY)
    assert (row.inside, row.entered, row.exited, row.limit) == (3, 4, 1, 3)


async def test_an_exit_with_nobody_inside_is_not_counted(db: str) -> None:
    s = await spot(instant_max=4)
    with clock.frozen_at(MORNING):
        count = await occupancy.scan(scanner(s), s, entering=False)
    assert (count.inside, count.counted) == (0, False)
    assert (await Occupancy.get(spot_id=s.id)).exited == 0


async def test_only_a_scanner_of_the_spot_scans(db: str) -> None:
    s = await spot(instant_max=4)
    with pytest.raises(StaffRoleRequired):
        await occupancy.scan(Actor(kind="staff", id=1, scopes=frozenset({s.code})), s, entering=True)
    other = Actor(kind="staff", id=1, roles=frozenset({"scanner"}), scopes=frozenset({"elsewhere"}))
    with pytest.raises(StaffScopeRequired):
        await occupancy.scan(other, s, entering=True)
    assert await Occupancy.all().count() == 0


# -- level changes ---------------------------------------------------------------------------------


async def run_crowd_jobs() -> None:
    spec = handler_for(jobs.CROWD_CHANGED_TOPIC)  # registered by domain.tourism.jobs
    assert spec is not None
    context = JobContext(redis=None, keys=None, adapters=SimpleNamespace(wechat=SandboxWeChat()))  # type: ignore[arg-type]
    for message in await OutboxMessage.filter(topic=occupancy.CROWD_CHANGED_TOPIC).order_by("id"):
        await spec.run(Job(message.id, message.topic, message.payload, 1, context))


async def test_a_level_change_alerts_each_subscriber_once(db: str) -> None:
    s = await spot(instant_max=20)
    residents = [await User.create(openid=f"o-{i}", created_at=clock.now()) for i in range(2)]
    for resident in residents:
        await occupancy.subscribe(resident.id, s)
    await occupancy.subscribe(residents[0].id, s)  # asking again changes nothing
    with clock.frozen_at(MORNING):
        assert (await scans(s, 15)).level == Level.COMFORTABLE
        assert (await scans(s, 1)).level == Level.YELLOW  # 16 of 20
        assert (await scans(s, 1)).level == Level.YELLOW  # no change, no second alert
    messages = await OutboxMessage.filter(topic=occupancy.CROWD_CHANGED_TOPIC)
    assert [(m.payload["from"], m.payload["to"]) for m in messages] == [("comfortable", "yellow")]
    audited = await AuditRecord.filter(action="tourism.crowd_level_changed").values_list("before", "after")
    assert [(b["level"], a["level"]) for b, a in audited] == [("comfortable", "yellow")]
    # The dashboard's history: one row per change, with who was inside then.
    history = await CrowdChange.filter(spot_id=s.id).values_list("day", "level_from", "level_to", "inside")
    assert history == [(DAY, "comfortable", "yellow", 16)]
    await run_crowd_jobs()
    await run_crowd_jobs()  # delivered twice: one inbox message each
    assert sorted(await InboxMessage.all().values_list("user_id", flat=True)) == sorted(
        r.id for r in residents
    )


async def test_red_stops_selling_and_an_exit_resumes_it(db: str) -> None:
    s = await spot(instant_max=2)
    await service.open_day(s, DAY)
    slot = await CapacitySlot.filter(resource_id=s.resource_id).order_by("starts_at").first()
    assert slot is not None

    async def nothing(conn: BaseDBAsyncClient, reservation: Reservation) -> int:
        return reservation.id

    with clock.frozen_at(MORNING):
        assert (await scans(s, 2)).level == Level.RED
        assert (await SpotDay.get(spot_id=s.id, day=DAY)).stop_selling
        with pytest.raises(StopSelling):
            await service.take_entry(None, s, slot.id, "user:1", nothing)
        assert (await occupancy.scan(scanner(s), s, entering=False)).level == Level.COMFORTABLE
        assert await service.take_entry(None, s, slot.id, "user:1", nothing)
    assert not (await SpotDay.get(spot_id=s.id, day=DAY)).stop_selling


# -- concurrent gates (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("gates", [2, 8])
async def test_gates_admitting_at_once_never_pass_the_instantaneous_maximum(db: str, gates: int) -> None:
    s = await spot(instant_max=40)
    admitted = 0

    async def gate(number: int) -> None:
        nonlocal admitted
        for _ in range(80 // gates + 10):  # more attempts than places, from every gate
            try:
                await occupancy.scan(scanner(s), s, entering=True)
                admitted += 1
            except SpotAtInstantMax:
                pass

    with clock.frozen_at(MORNING):
        await asyncio.gather(*(gate(n) for n in range(gates)))
    row = await Occupancy.get(spot_id=s.id)
    assert admitted == row.inside == row.entered == 40
    assert row.level == Level.RED
    assert await OutboxMessage.filter(topic=occupancy.CROWD_CHANGED_TOPIC).count() == 3  # one per step
    steps = await CrowdChange.filter(spot_id=s.id).order_by("id").values_list("level_to", "inside")
    assert steps == [("yellow", 32), ("orange", 36), ("red", 40)]
