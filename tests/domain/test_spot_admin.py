"""A spot's manager edits its advisories, limits, crowd ladder and rules: residents see a notice
from its first day until it is withdrawn or expires; a lower limit never cancels a ticket (refused
for a day or slot already sold beyond it) and moves every open day and slot under the sales' locks;
the crowd level follows; every change is audited and told to the spot's staff."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest

from domain.audit.models import AuditRecord
from domain.capacity.errors import SlotFull
from domain.capacity.models import CapacitySlot
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.errors import StaffRoleRequired, StaffScopeRequired
from domain.staff.models import StaffAlert
from domain.tourism import manage, occupancy, service, tickets, window
from domain.tourism.errors import (
    AdvisoryInvalid,
    AdvisoryWithdrawn,
    CapacityBelowInside,
    CapacityBelowSold,
    CrowdLadderInvalid,
    DayFull,
    RulesInvalid,
    SpotInvalid,
)
from domain.tourism.models import Occupancy, Spot, SpotDay, SpotKind, Ticket, TicketOrder, TicketState
from domain.tourism.service import SpotSettings
from tests.api.test_tickets import someone, visitor
from tests.domain.test_ticket_window import DAY, counter, seller_of, small_spot, vault  # noqa: F401

CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def morning() -> Any:
    with clock.frozen_at(dt.datetime(2026, 5, 1, 9, 30, tzinfo=CHINA)):
        yield


def staff(spot: Spot, role: str, staff_id: int = 5, scope: str | None = None) -> Actor:
    return Actor("staff", staff_id, roles=frozenset({role}), scopes=frozenset({scope or spot.code}))


def draft(first: dt.date = DAY, last: dt.date = DAY, title: str = "森林防火") -> manage.AdvisoryDraft:
    return manage.AdvisoryDraft(
        {"zh_Hans": title, "zh_Hant": "森林防火", "en": "Forest fire"},
        {"zh_Hans": "严禁携带火种进山。", "en": "No fire on the mountain."},
        first,
        last,
    )


async def slots(spot: Spot) -> list[CapacitySlot]:
    return list(await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at"))


async def test_a_notice_is_shown_from_its_first_day_until_withdrawn_or_past_its_last(db: str) -> None:
    spot = await small_spot()
    manager = staff(spot, "spot_manager")
    now = await manage.publish(manager, spot, draft())
    later = await manage.publish(manager, spot, draft(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)))
    page = await service.spot_page(spot)
    assert [a.id for a in page.advisories] == [now.id]
    assert (now.title_in("en"), now.text_in("en"), now.text_in("zh_Hant")) == (
        "Forest fire",
        "No fire on the mountain.",
        "严禁携带火种进山。",  # not translated: shown in simplified Chinese
    )
    assert [manage.advisory_state(a, DAY) for a in (now, later)] == ["shown", "scheduled"]

    with clock.frozen_at(dt.datetime(2026, 5, 2, 9, 0, tzinfo=CHINA)):
        assert [a.id for a in (await service.spot_page(spot)).advisories] == [later.id]  # now expired
        edited = await manage.edit(
            manager, spot, later.id, draft(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1), "台风")
        )
        assert edited.title_zh_hans == "台风"
        await manage.withdraw(manager, spot, later.id)
        assert (await service.spot_page(spot)).advisories == []
        with pytest.raises(AdvisoryWithdrawn):
            await manage.withdraw(manager, spot, later.id)
        with pytest.raises(AdvisoryWithdrawn):
            await manage.edit(
                manager, spot, later.id, draft(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1))
            )
    listed = await manage.advisories(manager, spot)
    assert [a.id for a in listed] == [later.id, now.id]  # kept, the newest first

    actions = await AuditRecord.filter(target_type="spot", target_id=str(spot.id)).order_by("id")
    assert [a.action for a in actions if a.action.startswith("tourism.advisory")] == [
        "tourism.advisory_published",
        "tourism.advisory_published",
        "tourism.advisory_edited",
        "tourism.advisory_withdrawn",
    ]
    withdrawn = [a for a in actions if a.action == "tourism.advisory_withdrawn"][0]
    assert withdrawn.before is not None and withdrawn.after is not None
    assert (withdrawn.before["withdrawn_at"], withdrawn.after["title"]["zh_Hans"]) == (None, "台风")
    assert (withdrawn.actor_kind, withdrawn.actor_id) == ("staff", manager.id)
    told = [a.role for a in await StaffAlert.filter(scope=spot.code, kind=manage.ALERT_KIND)]
    assert sorted(set(told)) == ["scanner", "spot_manager", "ticket_seller"]
    assert len(told) == 9  # two published and one edit, each to three roles


async def test_a_notice_needs_its_simplified_chinese_and_days_not_past(db: str) -> None:
    spot = await small_spot()
    manager = staff(spot, "spot_manager")
    bad = [
        manage.AdvisoryDraft({"en": "x"}, {"zh_Hans": "x"}, DAY, DAY),
        manage.AdvisoryDraft({"zh_Hans": "x"}, {"zh_Hans": " "}, DAY, DAY),
        draft(DAY, DAY - dt.timedelta(days=1)),
        draft(DAY - dt.timedelta(days=3), DAY - dt.timedelta(days=1)),
        draft(DAY, DAY + dt.timedelta(days=400)),
        manage.AdvisoryDraft({"zh_Hans": "x" * 121}, {"zh_Hans": "x"}, DAY, DAY),
    ]
    for one in bad:
        with pytest.raises(AdvisoryInvalid):
            await manage.publish(manager, spot, one)
    assert not await AuditRecord.filter(action="tourism.advisory_published").exists()


async def test_only_the_spot_s_manager_or_its_bureau_publish_and_only_the_manager_sets_limits(
    db: str,
) -> None:
    spot = await small_spot()
    with pytest.raises(StaffScopeRequired):
        await manage.publish(staff(spot, "spot_manager", scope="ELSEWHERE"), spot, draft())
    with pytest.raises(StaffRoleRequired):
        await manage.publish(staff(spot, "scanner"), spot, draft())
    with pytest.raises(StaffRoleRequired):
        await manage.set_limits(staff(spot, "scanner"), spot, manage.Limits(daily_max=5))
    bureau = staff(spot, "case_officer")  # the city's tourism bureau, scoped to its spots
    await manage.publish(bureau, spot, draft())
    with pytest.raises(StaffRoleRequired):
        await manage.set_limits(bureau, spot, manage.Limits(daily_max=5))
    with pytest.raises(StaffRoleRequired):
        await manage.set_rules(bureau, spot, {})


async def test_a_lower_limit_keeps_every_ticket_sold_and_is_refused_below_them(db: str) -> None:
    spot = await small_spot()  # 10 a day, 2 kept for the window; slots of 10 (2 kept)
    manager = staff(spot, "spot_manager")
    first = (await slots(spot))[1]  # 09:00, under way
    ordered = await tickets.create_order(
        await someone(), spot, first.id, [visitor(dt.date(1990, 1, 1), f"00{n}") for n in range(3)], None
    )
    changed = await manage.set_limits(manager, spot, manage.Limits(daily_max=5))
    assert (changed.days, changed.slots) == (1, 0)
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.capacity, day.walk_in_reserved, day.taken) == (5, 1, 3)
    assert (spot.daily_max, (await Spot.get(id=spot.id)).daily_max) == (5, 5)
    assert service.day_left(day) == 1

    with pytest.raises(CapacityBelowSold) as refused:
        await manage.set_limits(manager, spot, manage.Limits(daily_max=2))
    assert refused.value.details == {"day": DAY.isoformat(), "sold": 3, "capacity": 2}
    with pytest.raises(CapacityBelowSold) as refused:
        await manage.set_limits(manager, spot, manage.Limits(policy_percent=20))  # the day's 1, the slot's 2
    assert refused.value.details["sold"] == 3
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.capacity, (await Spot.get(id=spot.id)).daily_max) == (5, 5)  # nothing changed
    states = {t.state for t in await Ticket.filter(order_id=ordered.order.id)}
    assert states == {TicketState.HELD}  # nobody's ticket was touched

    await tickets.create_order(await someone(), spot, first.id, [visitor(dt.date(1991, 1, 1), "011")], None)
    with pytest.raises(DayFull):  # the new limit sells 4 online (5 − 1 for the window)
        await tickets.create_order(
            await someone(), spot, first.id, [visitor(dt.date(1992, 1, 1), "012")], None
        )

    record = await AuditRecord.get(action="tourism.spot_limits_set")
    assert record.before is not None and record.after is not None
    assert (record.before["daily_max"], record.after["daily_max"], record.after["days_changed"]) == (10, 5, 1)


async def test_the_policy_cap_and_walk_in_share_move_the_open_slots_and_keep_the_window_s_draws(
    db: str,
) -> None:
    spot = await small_spot()
    manager = staff(spot, "spot_manager")
    await window.sell(seller_of(spot), spot, [counter("001")], window.PaidBy.CASH)  # draws the share: 2 → 1
    under_way = (await slots(spot))[1]
    assert (await CapacitySlot.get(id=under_way.id)).walk_in_reserved == 1

    changed = await manage.set_limits(manager, spot, manage.Limits(policy_percent=50, walk_in_percent=40))
    # A day of 5, 2 of them the window's: it drew one of its 2 before, so 1 + (2 − 2) = 1 left.
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.capacity, day.walk_in_reserved, day.taken) == (5, 1, 1)
    got = [(s.capacity, s.walk_in_reserved) for s in await slots(spot)]
    assert got == [(10, 2), (5, 1), (5, 2), (5, 2)]  # 08:00 ended: left as it was
    assert changed.slots == 3
    for wrong in (
        manage.Limits(policy_percent=0),
        manage.Limits(walk_in_percent=101),
        manage.Limits(daily_max=0),
    ):
        with pytest.raises(SpotInvalid):
            await manage.set_limits(manager, spot, wrong)
    with pytest.raises(CrowdLadderInvalid):
        await manage.set_limits(manager, spot, manage.Limits(crowd_ladder=[[90, "yellow"], [80, "red"]]))


async def test_the_crowd_level_follows_a_new_instantaneous_limit_and_refuses_one_below_inside(
    db: str,
) -> None:
    spot = await small_spot()
    manager, gate = staff(spot, "spot_manager"), staff(spot, "scanner", 8)
    for _ in range(4):
        await occupancy.scan(gate, spot, entering=True)  # 4 of 10 inside
    changed = await manage.set_limits(manager, spot, manage.Limits(instant_max=5))
    assert changed.level is not None and changed.level.value == "yellow"  # 4 of 5: 80 %
    row = await Occupancy.get(spot_id=spot.id, day=DAY)
    assert (row.limit, row.level) == (5, "yellow")
    assert await AuditRecord.filter(action="tourism.crowd_level_changed").count() == 1

    changed = await manage.set_limits(manager, spot, manage.Limits(instant_max=4))
    assert changed.level is not None and changed.level.value == "red"
    assert (await SpotDay.get(spot_id=spot.id, day=DAY)).stop_selling  # red stops selling
    with pytest.raises(CapacityBelowInside) as refused:
        await manage.set_limits(manager, spot, manage.Limits(instant_max=3))
    assert refused.value.details == {"inside": 4, "limit": 3}

    changed = await manage.set_limits(
        manager, spot, manage.Limits(instant_max=10, crowd_ladder=[[30, "red"]])
    )
    assert changed.level is not None and changed.level.value == "red"  # 40 % on a ladder red from 30
    changed = await manage.set_limits(manager, spot, manage.Limits(crowd_ladder=[]))
    assert changed.level is not None and changed.level.value == "comfortable"
    assert not (await SpotDay.get(spot_id=spot.id, day=DAY)).stop_selling
    told = await StaffAlert.filter(scope=spot.code, kind=manage.ALERT_KIND).count()
    assert told == 4 * 3  # four changes, three roles


async def test_new_rules_are_validated_and_orders_made_keep_theirs(db: str) -> None:
    spot = await small_spot()
    manager = staff(spot, "spot_manager")
    first = (await slots(spot))[2]
    ordered = await tickets.create_order(
        await someone(), spot, first.id, [visitor(dt.date(1990, 1, 1))], None
    )
    kept = ordered.order.refund_rules
    for bad in ({"refunds": {"tiers": [[0, 150]]}}, {"nonsense": 1}, {"cancel_quota": {"day": -1}}):
        with pytest.raises(RulesInvalid):
            await manage.set_rules(manager, spot, bad)
    await manage.set_rules(manager, spot, {"refunds": {"tiers": [[0, 100]]}})
    assert (await TicketOrder.get(id=ordered.order.id)).refund_rules == kept
    setup = await manage.setup(manager, spot)
    assert setup.rules["refunds"]["tiers"] == [[0, 100]]
    assert await AuditRecord.filter(action="tourism.spot_rules_set", actor_id=manager.id).count() == 1


# -- PostgreSQL: a change racing the sales ---------------------------------------------------------


async def wide_spot() -> tuple[Spot, CapacitySlot]:
    spot = await service.create_spot(
        f"R{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        {"zh_Hans": "赛跑", "zh_Hant": "賽跑", "en": "Race"},
        SpotSettings(
            daily_max=20, instant_max=20, opens_minute=10 * 60, closes_minute=11 * 60, slot_entries=40
        ),
        region_code="441802",
        prices={"full_cents": 0},  # free: confirmed at once
    )
    await service.open_day(spot, DAY)
    return spot, (await slots(spot))[0]


async def buy(spot: Spot, slot: CapacitySlot, serial: int) -> str:
    try:
        await tickets.create_order(
            await someone(), spot, slot.id, [visitor(dt.date(1990, 1, 1), f"{serial:03d}")], None
        )
    except (DayFull, SlotFull) as refused:
        return refused.code
    return "sold"


async def lower(spot: Spot, to: int) -> str:
    try:
        await manage.set_limits(
            staff(spot, "spot_manager"), spot, manage.Limits(daily_max=to, policy_percent=50)
        )
    except CapacityBelowSold as refused:
        return refused.code
    return "changed"


@pytest.mark.postgres
async def test_a_lower_limit_racing_the_sales_never_sells_above_it(db: str) -> None:
    for round_ in range(4):
        spot, slot = await wide_spot()
        await asyncio.gather(*(buy(spot, slot, 100 * round_ + n) for n in range(3)))  # 3 sold before
        sales = [buy(spot, slot, 100 * round_ + 10 + n) for n in range(16)]
        done = await asyncio.gather(*sales[:8], lower(spot, 16), *sales[8:])  # to 8 a day, slot of 20
        changed, sold = done[8], done[:8] + done[9:]
        day = await SpotDay.get(spot_id=spot.id, day=DAY)
        live = await Ticket.filter(spot_id=spot.id, state=TicketState.CONFIRMED).count()
        counted = await CapacitySlot.get(id=slot.id)
        assert day.taken == live == counted.confirmed == 3 + sold.count("sold")
        if changed == "changed":
            assert (day.capacity, counted.capacity) == (8, 20)
            assert day.taken <= 8, (round_, done)
        else:
            assert changed == "spot_capacity_below_sold"
            assert day.capacity == 20 and day.taken > 8
        assert day.taken <= day.capacity
