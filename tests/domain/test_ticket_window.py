"""The manual window cancels what it sold: by the order's refund rules and cut-off (never a
resident's quotas), the places back (to the walk-in share what the sale drew from it, else to the
common pool, the waitlist told), cash handed back and audited by the seller with its amount;
refused for the app's tickets, used ones, and another spot's sellers."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from domain.audit.models import AuditRecord
from domain.capacity.models import CapacitySlot
from domain.outbox.models import OutboxMessage
from domain.payments.models import PaymentOrder
from domain.payments.owners import RefundKind
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.errors import StaffScopeRequired
from domain.tourism import rules, service, tickets, window
from domain.tourism.errors import TicketNotActive, TicketNotFound, TicketNotWindowSale
from domain.tourism.models import Spot, SpotDay, Ticket, TicketState
from domain.tourism.service import PLACE_RETURNED_TOPIC
from server.settings import Settings
from tests.api.test_tickets import id_card, someone, visitor
from tests.support import spots

DAY = dt.date(2026, 5, 1)
CHINA = dt.timezone(dt.timedelta(hours=8))
MORNING = dt.datetime(2026, 5, 1, 9, 30, tzinfo=CHINA)  # within the 09:00 slot
# Free until a day before, 10 % kept after, half kept once the slot began.
RULES = {"refunds": {"tiers": [[1440, 0], [0, 10]], "fee_percent_after_start": 50}}


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


@pytest.fixture(autouse=True)
def morning() -> Any:
    with clock.frozen_at(MORNING):
        yield


async def small_spot(rules_data: dict[str, Any] | None = None) -> Spot:
    """10 a day, 2 of them kept for the window; four one-hour slots (08:00-12:00) of 10 (2 kept)."""
    spot = await spots.small_spot()
    await tickets.set_rules(Actor.system(), spot, rules_data or RULES)
    await service.open_day(spot, DAY)
    return spot


def seller_of(spot: Spot, staff_id: int = 7) -> Actor:
    return Actor("staff", staff_id, roles=frozenset({"ticket_seller"}), scopes=frozenset({spot.code}))


def counter(serial: str) -> window.Counter:
    return window.Counter("resident_id", id_card(dt.date(1990, 1, 1), serial), "张三")


async def last_slot(spot: Spot) -> CapacitySlot:
    """11:00-12:00: 90 minutes ahead, so the order's last tier (10 % kept) applies."""
    slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("-starts_at").first()
    assert slot is not None
    return slot


async def shares(spot: Spot, slot: CapacitySlot) -> tuple[int, int, int]:
    """The day's taken and walk-in share, and the slot's walk-in share."""
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    return day.taken, day.walk_in_reserved, (await CapacitySlot.get(id=slot.id)).walk_in_reserved


async def test_cash_comes_back_by_the_rules_audited_by_the_seller_and_the_place_to_the_walk_in_share(
    db: str,
) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    seller = seller_of(spot)
    sale = await window.sell(
        seller, spot, [counter("001"), counter("002")], window.PaidBy.CASH, slot_id=slot.id
    )
    first, second = sale.ordered.tickets
    assert await shares(spot, slot) == (2, 0, 0)  # the window's share paid for both

    preview = await window.refund_preview(seller, spot, first.id)
    assert (preview.paid_fen, preview.kind, preview.refund_fen, preview.refusal) == (
        8000,
        RefundKind.FEE_KEPT,
        7200,
        None,
    )
    view = await window.cancel_ticket(seller, spot, first.id, None)
    assert [t.state for t in view.tickets] == [TicketState.CANCELLED, TicketState.CONFIRMED]
    assert view.previews[second.id].refund_fen == 7200  # the other one stays, still refundable

    refunded = await AuditRecord.get(action="tourism.window_refunded", target_id=str(first.id))
    assert (refunded.actor_kind, refunded.actor_id) == ("staff", seller.id)
    assert refunded.after is not None
    assert {k: refunded.after[k] for k in ("paid_by", "amount_fen", "refund_fen", "refund_by")} == {
        "paid_by": "cash",
        "amount_fen": 8000,
        "refund_fen": 7200,
        "refund_by": "cash",
    }
    assert refunded.after["walk_in_share_returned"] is True
    # The ticket's own cancellation is by the window (as its sale), and nothing went to payments.
    cancelled = await AuditRecord.get(action="tourism.ticket_cancelled", target_id=str(first.id))
    assert (cancelled.actor_kind, cancelled.actor_id) == ("system", (await window.window_account(spot)).id)
    assert await PaymentOrder.filter(purpose=tickets.purpose_of(first)).count() == 0
    assert await OutboxMessage.filter(topic__startswith="payments.").count() == 0
    # The place came back, to the window's share it was drawn from; the waitlist was told.
    assert await shares(spot, slot) == (1, 1, 1)
    fresh = await CapacitySlot.get(id=slot.id)
    assert fresh.held + fresh.confirmed == 1
    assert await OutboxMessage.filter(topic=PLACE_RETURNED_TOPIC).count() == 1
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert service.day_left(day) == 8  # online has its 8, as before the sale


async def test_a_place_sold_from_the_common_pool_goes_back_to_it(db: str) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    seller = seller_of(spot)
    sold = [
        (await window.sell(seller, spot, [counter(s)], window.PaidBy.CASH, slot_id=slot.id)).ordered
        for s in ("001", "002", "003")
    ]
    assert await shares(spot, slot) == (3, 0, 0)  # the share (2) spent, then the common pool
    await window.cancel_order(seller, spot, sold[2].order.id, None)
    assert await shares(spot, slot) == (2, 0, 0)
    assert service.day_left(await SpotDay.get(spot_id=spot.id, day=DAY)) == 8  # online gets it back
    await window.cancel_order(seller, spot, sold[0].order.id, None)
    assert await shares(spot, slot) == (1, 1, 1)
    audits = await AuditRecord.filter(action="tourism.window_refunded").order_by("id")
    assert [a.after["walk_in_share_returned"] for a in audits if a.after] == [False, True]


async def test_the_slot_under_way_is_refunded_as_after_the_start_and_the_cut_off_holds(db: str) -> None:
    spot = await small_spot()
    seller = seller_of(spot)
    under_way = (await window.sell(seller, spot, [counter("001")], window.PaidBy.CASH)).ordered.tickets[0]
    preview = await window.refund_preview(seller, spot, under_way.id)
    assert (preview.kind, preview.refund_fen) == (RefundKind.FEE_KEPT, 4000)  # half kept
    # A spot with a cut-off 10 minutes before the slot: the window keeps to it as residents do.
    strict = await small_spot({"refunds": {**RULES["refunds"], "cutoff_minutes": 10}})
    sold = (await window.sell(seller_of(strict), strict, [counter("002")], window.PaidBy.CASH)).ordered
    preview = await window.refund_preview(seller_of(strict), strict, sold.tickets[0].id)
    assert preview.refusal == rules.CancelCutoffPassed.code
    with pytest.raises(rules.CancelCutoffPassed):
        await window.cancel_ticket(seller_of(strict), strict, sold.tickets[0].id, None)


async def test_the_window_is_not_held_to_a_resident_s_cancellation_quota(db: str) -> None:
    spot = await small_spot({**RULES, "cancel_quota": {"day": 1, "week": 1, "month": 1, "year": 1}})
    slot = await last_slot(spot)
    seller = seller_of(spot)
    for serial in ("001", "002", "003"):
        sold = (
            await window.sell(seller, spot, [counter(serial)], window.PaidBy.CASH, slot_id=slot.id)
        ).ordered
        assert (await window.refund_preview(seller, spot, sold.tickets[0].id)).refusal is None
        await window.cancel_ticket(seller, spot, sold.tickets[0].id, None)
    assert await Ticket.filter(spot_id=spot.id, state=TicketState.CANCELLED).count() == 3


async def test_only_window_tickets_still_live_of_the_seller_s_own_spot(db: str) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    seller = seller_of(spot)
    online = await tickets.create_order(
        await someone(), spot, slot.id, [visitor(dt.date(1980, 1, 1), "101")], None
    )
    with pytest.raises(TicketNotWindowSale):
        await window.refund_preview(seller, spot, online.tickets[0].id)
    with pytest.raises(TicketNotWindowSale):
        await window.cancel_ticket(seller, spot, online.tickets[0].id, None)
    with pytest.raises(TicketNotWindowSale):
        await window.cancel_order(seller, spot, online.order.id, None)
    assert (await Ticket.get(id=online.tickets[0].id)).state == TicketState.HELD

    sold = (await window.sell(seller, spot, [counter("001")], window.PaidBy.CASH, slot_id=slot.id)).ordered
    elsewhere = await small_spot()
    with pytest.raises(StaffScopeRequired):
        await window.cancel_ticket(seller_of(elsewhere), spot, sold.tickets[0].id, None)
    with pytest.raises(TicketNotFound):  # not a ticket of the spot the seller works at
        await window.cancel_ticket(seller_of(elsewhere), elsewhere, sold.tickets[0].id, None)

    await Ticket.filter(id=sold.tickets[0].id).update(state=TicketState.USED)
    assert (await window.refund_preview(seller, spot, sold.tickets[0].id)).refusal == TicketNotActive.code
    with pytest.raises(TicketNotActive):
        await window.cancel_ticket(seller, spot, sold.tickets[0].id, None)
    assert await AuditRecord.filter(action="tourism.window_refunded").count() == 0


async def test_cancelled_twice_refunds_once(db: str) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    seller = seller_of(spot)
    sold = (await window.sell(seller, spot, [counter("001")], window.PaidBy.CASH, slot_id=slot.id)).ordered
    await window.cancel_order(seller, spot, sold.order.id, None)
    with pytest.raises(TicketNotActive):
        await window.cancel_order(seller, spot, sold.order.id, None)
    with pytest.raises(TicketNotActive):
        await window.cancel_ticket(seller, spot, sold.tickets[0].id, None)
    assert await AuditRecord.filter(action="tourism.window_refunded").count() == 1
    assert await shares(spot, slot) == (0, 2, 2)


@pytest.mark.postgres
async def test_two_sellers_cancelling_the_same_sale_at_once_refund_it_once(db: str) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    seller = seller_of(spot)
    sold = (
        await window.sell(seller, spot, [counter("001"), counter("002")], window.PaidBy.CASH, slot_id=slot.id)
    ).ordered

    async def cancel(by: Actor) -> str:
        try:
            await window.cancel_order(by, spot, sold.order.id, None)
        except TicketNotActive:
            return "refused"
        return "cancelled"

    outcomes = await asyncio.gather(*(cancel(seller_of(spot, 7 + n)) for n in range(4)))
    assert sorted(outcomes) == ["cancelled"] + ["refused"] * 3
    assert await AuditRecord.filter(action="tourism.window_refunded").count() == 2
    assert await shares(spot, slot) == (0, 2, 2)
    fresh = await CapacitySlot.get(id=slot.id)
    assert fresh.held + fresh.confirmed == 0
