"""The waitlist (候补): joined only when the slot is full, served in the order joined when places come
back (a bigger head waits and nobody overtakes it), an unpaid offer lapsing passes to the next, a
paid one is filled, a free one at once, leaving the line, and two returns handled at once never
offering one place twice nor skipping anyone (PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any, cast

import pytest

from adapters.wechat.fake import SandboxWeChat
from adapters.wechat.port import WeChatError
from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.capacity import service as capacity
from domain.capacity.errors import SlotFull
from domain.capacity.models import CapacitySlot
from domain.notifications import service as notifications
from domain.notifications.models import InboxMessage, PushState
from domain.outbox.jobs import Job, JobContext, handler_for
from domain.outbox.models import OutboxMessage
from domain.payments.models import PaymentOrder
from domain.shared import clock
from domain.shared.actor import Actor
from domain.tourism import service, tickets, waitlist, window
from domain.tourism.errors import SlotWaitlisted, TicketPersonTaken
from domain.tourism.jobs import TicketPlaces
from domain.tourism.models import Spot, SpotDay, Ticket, TicketState, WaitlistEntry, WaitlistState
from domain.tourism.service import SpotSettings
from domain.tourism.tickets import Visitor
from server.settings import Settings
from tests.api.test_tickets import id_card, visitor
from tests.support import spots

ELDER = dt.date(1950, 1, 1)  # 65 and over: free, confirmed at once


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


async def full_slot(
    places: int, rules: dict[str, object] | None = None
) -> tuple[Spot, CapacitySlot, list[Actor]]:
    """A spot whose first slot tomorrow has ``places`` places, all taken by free tickets (one each)."""
    spot = await spots.spot_with(
        SpotSettings(
            daily_max=100, instant_max=50, opens_minute=8 * 60, closes_minute=12 * 60, slot_entries=places
        ),
        region_code="441800",
    )
    if rules:
        spot = await tickets.set_rules(Actor.system(), spot, rules)
    await service.open_day(spot, clock.today_in_china() + dt.timedelta(days=1))
    slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at").first()
    assert slot is not None
    holders = []
    for n in range(places):
        holder = await resident()
        await tickets.create_order(holder, spot, slot.id, [visitor(ELDER, f"9{n:02d}")], None)
        holders.append(holder)
    return spot, slot, holders


async def resident() -> Actor:
    user = await User.create(openid=f"o-{uuid.uuid4().hex}", created_at=clock.now())
    return Actor("resident", user.id)


def adults(serial: int, count: int = 1) -> list[Visitor]:
    return [visitor(dt.date(1990, 1, 1), f"{serial + n:03d}") for n in range(count)]


async def give_back(holder: Actor) -> None:
    """The holder cancels their ticket: its place comes back (``tourism.place_returned``)."""
    ticket = await Ticket.filter(order__user_id=holder.id, state__in=tickets.LIVE).first()
    assert ticket is not None
    await tickets.cancel_ticket(holder, ticket.id, None)


def context(wechat: SandboxWeChat | None = None) -> JobContext:
    adapters = SimpleNamespace(wechat=wechat or SandboxWeChat())
    return JobContext(redis=None, keys=None, adapters=adapters)  # type: ignore[arg-type]


async def run_returns() -> None:
    """Every ``tourism.place_returned`` job so far (again: handling one twice changes nothing)."""
    spec = handler_for(service.PLACE_RETURNED_TOPIC)
    assert spec is not None
    for m in await OutboxMessage.filter(topic=service.PLACE_RETURNED_TOPIC).order_by("id"):
        await spec.run(Job(m.id, m.topic, m.payload, 1, context()))


async def sweep() -> None:
    spec = handler_for(waitlist.SWEEP_TOPIC)
    assert spec is not None
    await spec.run(Job(0, waitlist.SWEEP_TOPIC, {}, 1, context()))


async def states(*entries: WaitlistEntry) -> list[WaitlistState]:
    return [(await WaitlistEntry.get(id=e.id)).state for e in entries]


async def test_filled_in_the_order_joined_as_places_come_back_one_by_one(db: str) -> None:
    spot, slot, holders = await full_slot(3)
    a, b, c = [await resident() for _ in range(3)]
    first = await waitlist.join(a, spot, slot.id, adults(100))
    second = await waitlist.join(b, spot, slot.id, adults(200))
    third = await waitlist.join(c, spot, slot.id, adults(300))
    assert [v.position for v in await waitlist.views([first, second, third])] == [1, 2, 3]

    await give_back(holders[0])
    await run_returns()
    assert await states(first, second, third) == [WaitlistState.OFFERED, WaitlistState.WAITING] + [
        WaitlistState.WAITING
    ]
    offered = await WaitlistEntry.get(id=first.id)
    order_tickets = await Ticket.filter(order_id=offered.order_id)
    assert [t.state for t in order_tickets] == [TicketState.HELD]
    assert (await order_tickets[0].order).channel == "waitlist"
    assert offered.offer_expires_at is not None
    assert [v.position for v in await waitlist.views([second, third])] == [1, 2]

    await give_back(holders[1])
    await run_returns()
    await run_returns()  # delivered twice: nothing more is offered
    assert await states(first, second, third) == [WaitlistState.OFFERED, WaitlistState.OFFERED] + [
        WaitlistState.WAITING
    ]
    await give_back(holders[2])
    await run_returns()
    assert await states(third) == [WaitlistState.OFFERED]
    assert (await SpotDay.get(spot_id=spot.id)).taken == 3
    # Each resident told once, whatever the redeliveries.
    told = [m.user_id for m in await InboxMessage.filter(kind=waitlist.NOTICE_KIND)]
    assert sorted(told) == sorted(cast(int, r.id) for r in (a, b, c))
    audited = await AuditRecord.filter(action="tourism.waitlist_offered").count()
    assert audited == 3


async def test_a_bigger_entry_at_the_head_blocks_those_behind_it(db: str) -> None:
    spot, slot, holders = await full_slot(2)
    family, single = await resident(), await resident()
    head = await waitlist.join(family, spot, slot.id, adults(100, 2))
    behind = await waitlist.join(single, spot, slot.id, adults(200))
    await give_back(holders[0])
    await run_returns()
    # One place back, two wanted: the head waits, and the single visitor behind does not overtake.
    assert await states(head, behind) == [WaitlistState.WAITING, WaitlistState.WAITING]
    assert await Ticket.filter(order__channel="waitlist").count() == 0
    await give_back(holders[1])
    await run_returns()
    assert await states(head, behind) == [WaitlistState.OFFERED, WaitlistState.WAITING]
    assert await Ticket.filter(order_id=(await WaitlistEntry.get(id=head.id)).order_id).count() == 2


async def test_an_unpaid_offer_lapses_and_passes_to_the_next_a_paid_one_is_filled(db: str) -> None:
    spot, slot, holders = await full_slot(1, {"waitlist_pay_minutes": 10})
    a, b = await resident(), await resident()
    first = await waitlist.join(a, spot, slot.id, adults(100))
    second = await waitlist.join(b, spot, slot.id, adults(200))
    await give_back(holders[0])
    await run_returns()
    offered = await WaitlistEntry.get(id=first.id)
    assert offered.offer_expires_at is not None
    assert offered.offer_expires_at - clock.now() <= dt.timedelta(minutes=10)
    ticket = await Ticket.get(order_id=offered.order_id)
    # Not paid in the 10 minutes: the hold lapses through the engine's sweep and the owner's report.
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=11)):
        assert await capacity.expire_holds(None) == 1
        await TicketPlaces().hold_expired(ticket.reservation_id, cast(Job, None))
        await run_returns()
    assert await states(first, second) == [WaitlistState.LAPSED, WaitlistState.OFFERED]
    assert await AuditRecord.filter(action="tourism.waitlist_lapsed", target_id=str(first.id)).exists()

    # The second pays: the offer is filled (settled by the sweep, or when the resident reads it).
    paid = await Ticket.get(order_id=(await WaitlistEntry.get(id=second.id)).order_id)
    order = await PaymentOrder.get(purpose=f"ticket:{paid.id}")
    await tickets.TicketPayments().paid(order, cast(Job, None))
    await sweep()
    assert await states(second) == [WaitlistState.FILLED]
    assert await AuditRecord.filter(action="tourism.waitlist_filled", target_id=str(second.id)).exists()


async def test_a_free_order_is_filled_at_once(db: str) -> None:
    spot, slot, holders = await full_slot(1)
    grandpa = await resident()
    entry = await waitlist.join(grandpa, spot, slot.id, [visitor(ELDER, "500")])
    await give_back(holders[0])
    await run_returns()
    filled = await WaitlistEntry.get(id=entry.id)
    assert filled.state == WaitlistState.FILLED and filled.offer_expires_at is None
    assert [t.state for t in await Ticket.filter(order_id=filled.order_id)] == [TicketState.CONFIRMED]


async def test_leaving_the_line_waiting_or_offered(db: str) -> None:
    spot, slot, holders = await full_slot(1)
    a, b, c = [await resident() for _ in range(3)]
    first = await waitlist.join(a, spot, slot.id, adults(100))
    second = await waitlist.join(b, spot, slot.id, adults(200))
    third = await waitlist.join(c, spot, slot.id, adults(300))
    assert (await waitlist.leave(b, second.id, None)).state == WaitlistState.CANCELLED
    with pytest.raises(waitlist.WaitlistEntryEnded):
        await waitlist.leave(b, second.id, None)
    with pytest.raises(waitlist.WaitlistEntryNotFound):
        await waitlist.leave(b, first.id, None)  # not theirs
    await give_back(holders[0])
    await run_returns()
    assert await states(first, third) == [WaitlistState.OFFERED, WaitlistState.WAITING]
    # Leaving an offer cancels its unpaid ticket: the place goes back to the next in line.
    left = await waitlist.leave(a, first.id, None)
    assert left.state == WaitlistState.CANCELLED
    await run_returns()
    assert await states(third) == [WaitlistState.OFFERED]


async def test_refusals(db: str) -> None:
    spot, slot, holders = await full_slot(3)
    me = await resident()
    with pytest.raises(TicketPersonTaken) as taken:  # the visitor holds a ticket that day already
        await waitlist.join(me, spot, slot.id, adults(100) + [visitor(ELDER, "900")])
    assert taken.value.details == {"visitor": 1}
    with pytest.raises(TicketPersonTaken):  # the same visitor twice
        await waitlist.join(me, spot, slot.id, adults(100) + adults(100))
    await waitlist.join(me, spot, slot.id, adults(100))
    with pytest.raises(waitlist.WaitlistAlreadyJoined):
        await waitlist.join(me, spot, slot.id, adults(200))
    await give_back(holders[0])  # one place free (before the line is served): it is mine
    behind = await waitlist.join(await resident(), spot, slot.id, adults(300))  # not theirs: they wait
    await give_back(holders[1])
    await give_back(holders[2])  # three free, two owed to the line: one left
    with pytest.raises(waitlist.WaitlistPlacesLeft) as left:
        await waitlist.join(await resident(), spot, slot.id, adults(400))
    assert left.value.details == {"left": 1}
    # Two wanted, one left: they may wait.
    assert (await waitlist.join(await resident(), spot, slot.id, adults(500, 2))).size == 2
    assert behind.size == 1
    with clock.frozen_at(slot.starts_at), pytest.raises(waitlist.WaitlistSlotStarted):
        await waitlist.join(await resident(), spot, slot.id, adults(600, 3))


async def test_one_who_cannot_be_served_leaves_the_line_and_the_slot_s_start_ends_the_wait(db: str) -> None:
    spot, slot, holders = await full_slot(1)
    a, b = await resident(), await resident()
    first = await waitlist.join(a, spot, slot.id, adults(100))
    second = await waitlist.join(b, spot, slot.id, adults(200))
    other = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("-starts_at").first()
    assert other is not None
    await tickets.create_order(a, spot, other.id, adults(100), None)  # booked another slot that day
    await give_back(holders[0])
    await run_returns()
    assert await states(first, second) == [WaitlistState.CANCELLED, WaitlistState.OFFERED]
    cancelled = await AuditRecord.get(action="tourism.waitlist_cancelled", target_id=str(first.id))
    assert cancelled.after is not None and cancelled.after["reason"] == "ticket_person_taken"

    third = await waitlist.join(await resident(), spot, slot.id, adults(300))
    with clock.frozen_at(slot.starts_at):
        await sweep()
    assert await states(third) == [WaitlistState.LAPSED]


async def test_a_day_place_coming_back_in_another_slot_serves_a_line_the_day_s_limit_held(db: str) -> None:
    spot = await spots.spot_with(
        SpotSettings(daily_max=2, instant_max=50, opens_minute=8 * 60, closes_minute=10 * 60, slot_entries=2),
        region_code="441800",
    )
    await service.open_day(spot, clock.today_in_china() + dt.timedelta(days=1))
    first, second = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at")
    early, late = await resident(), await resident()
    await tickets.create_order(early, spot, first.id, [visitor(ELDER, "901")], None)
    await tickets.create_order(late, spot, second.id, [visitor(ELDER, "902")], None)
    # The second slot has a place, the day none: the line may form there.
    entry = await waitlist.join(await resident(), spot, second.id, adults(100))
    await give_back(early)  # a place of the first slot, and of the day, comes back
    # The first slot has no line, but the day's place is owed to the second's: not sold meanwhile.
    with pytest.raises(SlotWaitlisted) as refused:
        await tickets.create_order(await resident(), spot, first.id, adults(200), None)
    assert refused.value.details == {"waiting": 0}
    await run_returns()
    assert await states(entry) == [WaitlistState.OFFERED]


async def test_a_line_waiting_for_its_own_slot_does_not_stop_the_day_s_other_slots(db: str) -> None:
    spot = await spots.spot_with(
        SpotSettings(daily_max=2, instant_max=50, opens_minute=8 * 60, closes_minute=10 * 60, slot_entries=1),
        region_code="441800",
    )
    await service.open_day(spot, clock.today_in_china() + dt.timedelta(days=1))
    first, second = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at")
    holder = await resident()
    await tickets.create_order(holder, spot, first.id, [visitor(ELDER, "901")], None)
    entry = await waitlist.join(await resident(), spot, first.id, adults(100))
    # The line waits for the first slot's own place (which brings its day place when it comes
    # back): the day's last place is sold in the second slot.
    await tickets.create_order(await resident(), spot, second.id, adults(200), None)
    await give_back(holder)
    await run_returns()
    assert await states(entry) == [WaitlistState.OFFERED]


async def test_a_place_returned_while_someone_waits_is_not_sold_to_another_buyer(db: str) -> None:
    spot, slot, holders = await full_slot(1)
    head = await waitlist.join(await resident(), spot, slot.id, adults(100))
    await give_back(holders[0])  # the place is free; the line is not served yet (the outbox)
    buyer = await resident()
    for wanted in (adults(200), [visitor(ELDER, "201")]):  # paid or free: the place is the line's
        with pytest.raises(SlotWaitlisted) as refused:
            await tickets.create_order(buyer, spot, slot.id, wanted, None)
        assert (refused.value.code, refused.value.details) == ("slot_waitlisted", {"waiting": 1})
    assert not await Ticket.filter(order__user_id=buyer.id).exists()
    # The slot's listing counts the place as the line's: the page offers the waitlist.
    view = await service.day_view(spot, clock.today_in_china() + dt.timedelta(days=1))
    listed = next(a for a in view.slots if a.slot_id == slot.id)
    assert (listed.left, listed.bookable, view.waiting) == (0, False, {slot.id: 1})
    assert view.left == 99  # the day's 100 online places, less the one owed
    # Told so, the buyer may join (behind the head), and the head is offered the place.
    behind = await waitlist.join(buyer, spot, slot.id, adults(200))
    await run_returns()
    assert await states(head, behind) == [WaitlistState.OFFERED, WaitlistState.WAITING]
    offered = await Ticket.get(order_id=(await WaitlistEntry.get(id=head.id)).order_id)
    assert offered.state == TicketState.HELD
    counted = await CapacitySlot.get(id=slot.id)
    assert counted.held + counted.confirmed == 1


async def test_ordinary_sales_resume_when_the_line_is_empty(db: str) -> None:
    spot, slot, holders = await full_slot(3, {"waitlist_pay_minutes": 10})
    # Left: the only one waiting leaves, and the place that came back is for sale.
    leaver = await resident()
    entry = await waitlist.join(leaver, spot, slot.id, adults(100))
    await give_back(holders[0])
    with pytest.raises(SlotWaitlisted):
        await tickets.create_order(await resident(), spot, slot.id, adults(110), None)
    await waitlist.leave(leaver, entry.id, None)
    first_buyer = await resident()
    await tickets.create_order(first_buyer, spot, slot.id, adults(120), None)

    # Served: once the head holds its offer, nobody waits, and the next place back is for sale.
    served = await waitlist.join(await resident(), spot, slot.id, adults(200))
    await give_back(holders[1])
    await run_returns()
    assert await states(served) == [WaitlistState.OFFERED]
    await give_back(holders[2])
    await tickets.create_order(await resident(), spot, slot.id, adults(210), None)

    # Lapsed: an offer left unpaid passes to nobody, and its place is for sale again.
    lapsing = await waitlist.join(await resident(), spot, slot.id, adults(300))
    await give_back(first_buyer)
    await run_returns()
    assert await states(served, lapsing) == [WaitlistState.OFFERED, WaitlistState.OFFERED]
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=11)):
        lapsed = await Ticket.filter(order__channel="waitlist", state=TicketState.HELD)
        assert await capacity.expire_holds(None) == 2
        for ticket in lapsed:
            await TicketPlaces().hold_expired(ticket.reservation_id, cast(Job, None))
        await run_returns()
        assert await states(served, lapsing) == [WaitlistState.LAPSED, WaitlistState.LAPSED]
        ordered = await tickets.create_order(await resident(), spot, slot.id, adults(310, 2), None)
    assert len(ordered.tickets) == 2


async def test_the_window_sells_its_walk_in_share_while_a_line_waits_but_not_the_common_pool(
    db: str,
) -> None:
    day = dt.date(2026, 5, 1)
    with clock.frozen_at(dt.datetime(2026, 5, 1, 9, 30, tzinfo=clock.CHINA)):
        # 10 a day, 2 kept for the window, in slots of 10 (2 kept): the 11:00 slot's 8 sold online.
        spot = await spots.small_spot()
        await service.open_day(spot, day)
        slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("-starts_at").first()
        assert slot is not None
        holder = await resident()
        await tickets.create_order(holder, spot, slot.id, adults(100, 8), None)
        entry = await waitlist.join(await resident(), spot, slot.id, adults(200))
        ticket = await Ticket.filter(order__user_id=holder.id).first()
        assert ticket is not None
        await tickets.cancel_ticket(holder, ticket.id, None)  # one online place back: the line's

        seller = Actor("staff", 7, roles=frozenset({"ticket_seller"}), scopes=frozenset({spot.code}))

        def at_counter(*serials: str) -> list[window.Counter]:
            return [window.Counter("resident_id", id_card(dt.date(1990, 1, 1), s), "张三") for s in serials]

        # Three at once would eat the line's place after the share's two: none is sold.
        with pytest.raises(SlotWaitlisted):
            await window.sell(
                seller, spot, at_counter("301", "302", "303"), window.PaidBy.CASH, slot_id=slot.id
            )
        # Its share's two are sold; a third (from the common pool) is refused while the line waits.
        await window.sell(seller, spot, at_counter("301", "302"), window.PaidBy.CASH, slot_id=slot.id)
        spot_day = await SpotDay.get(spot_id=spot.id, day=day)
        assert (spot_day.taken, spot_day.walk_in_reserved) == (9, 0)
        with pytest.raises(SlotWaitlisted):
            await window.sell(seller, spot, at_counter("303"), window.PaidBy.CASH, slot_id=slot.id)
        with pytest.raises(SlotWaitlisted):
            await tickets.create_order(await resident(), spot, slot.id, adults(400), None)
        await run_returns()
        assert await states(entry) == [WaitlistState.OFFERED]
        assert (await SpotDay.get(spot_id=spot.id, day=day)).taken == 10


class FlakyWeChat(SandboxWeChat):
    """WeChat busy on the first push, fine after."""

    failed = False

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> None:
        if not self.failed:
            self.failed = True
            raise WeChatError(-1, "system busy")
        await super().send_subscribe_message(openid, template_id, data, page)


async def test_a_push_that_failed_is_sent_when_the_job_runs_again(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(notifications._templates, waitlist.NOTICE_KIND, "tpl-waitlist")
    spot, slot, holders = await full_slot(1)
    entry = await waitlist.join(await resident(), spot, slot.id, adults(100))
    await give_back(holders[0])
    flaky = FlakyWeChat()
    spec = handler_for(service.PLACE_RETURNED_TOPIC)
    assert spec is not None
    returned = await OutboxMessage.get(topic=service.PLACE_RETURNED_TOPIC)
    job = Job(returned.id, returned.topic, returned.payload, 1, context(flaky))
    with pytest.raises(WeChatError):
        await spec.run(job)  # the outbox retries it
    assert await states(entry) == [WaitlistState.OFFERED]
    await spec.run(job)
    assert await states(entry) == [WaitlistState.OFFERED]  # offered once
    assert len(flaky.sent) == 1
    message = await InboxMessage.get(kind=waitlist.NOTICE_KIND)
    assert message.push_state == PushState.SENT


async def buy(buyer: Actor, spot: Spot, slot: CapacitySlot, serial: int) -> str:
    """An online order of one, or the refusal's code for want of a place."""
    try:
        await tickets.create_order(buyer, spot, slot.id, adults(serial), None)
    except (SlotFull, SlotWaitlisted) as refused:
        return refused.code  # before the return: full; after it: the line's
    return "sold"


@pytest.mark.postgres
async def test_a_cancellation_racing_buyers_gives_the_place_to_the_one_waiting(db: str) -> None:
    for _round in range(4):
        spot, slot, holders = await full_slot(1)
        entry = await waitlist.join(await resident(), spot, slot.id, adults(100))
        buyers = [await resident() for _ in range(8)]

        # The cancellation among the buyers, all at once (each its own connection).
        tries = [buy(b, spot, slot, 200 + 10 * n) for n, b in enumerate(buyers)]
        done = await asyncio.gather(*tries[:4], give_back(holders[0]), *tries[4:])
        answers = done[:4] + done[5:]
        assert "sold" not in answers and set(answers) <= {"slot_full", "slot_waitlisted"}, answers
        assert not await Ticket.filter(order__user_id__in=[b.id for b in buyers]).exists()
        await run_returns()
        assert await states(entry) == [WaitlistState.OFFERED]
        counted = await CapacitySlot.get(id=slot.id)
        assert (counted.held + counted.confirmed, (await SpotDay.get(spot_id=spot.id)).taken) == (1, 1)
        await OutboxMessage.all().delete()


@pytest.mark.postgres
async def test_returns_handled_at_once_offer_each_place_once_in_order(db: str) -> None:
    places = 6
    spot, slot, holders = await full_slot(places)
    line = [await waitlist.join(await resident(), spot, slot.id, adults(10 * (n + 1))) for n in range(10)]
    for holder in holders[:4]:
        await give_back(holder)
    spec = handler_for(service.PLACE_RETURNED_TOPIC)
    assert spec is not None
    returned = await OutboxMessage.filter(topic=service.PLACE_RETURNED_TOPIC).order_by("id")
    assert len(returned) == 4
    # Each return delivered twice, all eight at once.
    await asyncio.gather(
        *(spec.run(Job(m.id, m.topic, m.payload, 1, context())) for m in returned + returned)
    )
    got = await states(*line)
    assert got == [WaitlistState.OFFERED] * 4 + [WaitlistState.WAITING] * 6
    orders = await WaitlistEntry.filter(state=WaitlistState.OFFERED).values_list("order_id", flat=True)
    assert len(set(orders)) == 4
    assert await Ticket.filter(order__channel="waitlist").count() == 4
    assert (await SpotDay.get(spot_id=spot.id)).taken == places
    assert not await AuditRecord.filter(action="tourism.waitlist_cancelled").exists()
    assert await InboxMessage.filter(kind=waitlist.NOTICE_KIND).count() == 4  # one each, no wrong word
    assert (await CapacitySlot.get(id=slot.id)).held + (
        await CapacitySlot.get(id=slot.id)
    ).confirmed == places


@pytest.mark.postgres
async def test_leaving_while_the_line_is_served_ends_cancelled_and_passes_the_place_on(db: str) -> None:
    for n in range(6):  # either first, in turn
        spot, slot, holders = await full_slot(1)
        leaver, next_one = await resident(), await resident()
        entry = await waitlist.join(leaver, spot, slot.id, adults(100))
        behind = await waitlist.join(next_one, spot, slot.id, adults(200))
        await give_back(holders[0])
        spec = handler_for(service.PLACE_RETURNED_TOPIC)
        assert spec is not None
        returned = await OutboxMessage.get(topic=service.PLACE_RETURNED_TOPIC)
        serve = spec.run(Job(returned.id, returned.topic, returned.payload, 1, context()))
        leave = waitlist.leave(leaver, entry.id, None)
        await (asyncio.gather(serve, leave) if n % 2 else asyncio.gather(leave, serve))
        await run_returns()  # a held ticket cancelled by leaving returned its place
        assert await states(entry, behind) == [WaitlistState.CANCELLED, WaitlistState.OFFERED]
        assert not await Ticket.filter(order__user_id=leaver.id, state=TicketState.HELD).exists()
        await OutboxMessage.all().delete()
