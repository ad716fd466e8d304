"""Real-name ticket orders: each visitor priced at the visit day, one live ticket per person and day,
a free ticket confirmed without payment, an unpaid hold lapsing, and a paid ticket of a group
cancelled and refunded by the spot's tier (through the sandbox WeChat Pay and the outbox's jobs)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

import httpx
import pytest
from sanic import Sanic
from stdnum.cn import ric

import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from domain.accounts.models import User
from domain.capacity import service as capacity
from domain.capacity.models import CapacitySlot, Reservation, ReservationState
from domain.identity.documents import DocumentKind, document
from domain.outbox.jobs import Job
from domain.payments import service as payments
from domain.payments.models import OrderState, PaymentOrder, Refund
from domain.shared import clock
from domain.shared.actor import Actor
from domain.tourism import service, tickets
from domain.tourism.errors import TicketBirthDateNeeded, TicketNotActive, TicketPersonTaken
from domain.tourism.jobs import TicketPlaces
from domain.tourism.models import Spot, SpotDay, SpotKind, Ticket, TicketState
from domain.tourism.service import SpotSettings
from domain.tourism.tickets import Visitor
from server.settings import Settings
from tests.api.test_payment_settlement import run_jobs
from tests.api.test_payments import deliver, fake_of
from tests.support.residents import login

NAMES = {"zh_Hans": "测试景区", "zh_Hant": "測試景區", "en": "Test spot"}
PRICES = {"full_cents": 8000}
# Free until 48 h before the slot, 20 % kept within them (tomorrow's first slot is always within).
RULES = {"refunds": {"tiers": [[2880, 0], [0, 20]]}}


def id_card(born: dt.date, serial: str = "001") -> str:
    first = f"441802{born:%Y%m%d}{serial}"
    return first + ric.calc_check_digit(first + "0")  # it reads all but the last character


def visitor(born: dt.date, serial: str = "001", claims: frozenset[str] = frozenset()) -> Visitor:
    return Visitor(document(DocumentKind.RESIDENT_ID, id_card(born, serial)), claims=claims)


async def open_spot(days_ahead: int = 3, rules: dict[str, Any] | None = None) -> tuple[Spot, CapacitySlot]:
    """A spot open ``days_ahead`` from today with ``rules`` (default: :data:`RULES`); its first slot."""
    spot = await service.create_spot(
        f"T{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        NAMES,
        SpotSettings(
            daily_max=100, instant_max=50, opens_minute=8 * 60, closes_minute=12 * 60, slot_entries=40
        ),
        region_code="441800",
        prices=PRICES,
    )
    await tickets.set_rules(Actor.system(), spot, RULES if rules is None else rules)
    day = clock.today_in_china() + dt.timedelta(days=days_ahead)
    await service.open_day(spot, day)
    slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at").first()
    assert slot is not None
    return spot, slot


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


async def someone() -> Actor:
    user = await User.create(openid=f"o-{uuid.uuid4().hex}", created_at=clock.now())
    return Actor("resident", user.id)


async def test_each_visitor_is_priced_by_age_on_the_visit_day_with_an_explanation(db: str) -> None:
    spot, slot = await open_spot()
    day = clock.today_in_china() + dt.timedelta(days=3)
    adult = visitor(dt.date(1990, 1, 1))
    # Turns 7 the day before the visit: half price although six when booked.
    child = visitor(day - dt.timedelta(days=1) - dt.timedelta(days=365 * 7 + 2), "002")
    student = visitor(dt.date(2000, 1, 1), "003", frozenset({"student"}))
    lines = tickets.quote(spot, day, [adult, child, student])
    assert [(x.category, x.amount_cents) for x in lines] == [
        ("adult", 8000),
        ("minor", 4000),
        ("student", 4000),
    ]
    assert "aged 7 on the visit day" in str(lines[1].explanation)
    passport = Visitor(document(DocumentKind.PASSPORT, "E12345678"))
    with pytest.raises(TicketBirthDateNeeded) as refused:
        tickets.quote(spot, day, [adult, passport])
    assert refused.value.code == "ticket_birth_date_needed" and refused.value.details == {"visitor": 1}
    priced = tickets.quote(spot, day, [Visitor(passport.document, dt.date(1950, 5, 5))])
    assert priced[0].category == "elder" and priced[0].amount_cents == 0


def test_the_resident_is_a_visitor_by_their_verified_document() -> None:
    verified = User(id_number=id_card(dt.date(1980, 2, 2)), id_document_kind=None, birth_date=None)
    found = tickets.resident_visitor(verified)
    assert found is not None and tickets.born_of(found, 0) == dt.date(1980, 2, 2)
    assert tickets.resident_visitor(User(id_number=None)) is None


async def test_one_person_one_live_ticket_per_spot_and_day(db: str) -> None:
    spot, slot = await open_spot()
    grandma = visitor(dt.date(1950, 3, 3))  # 65 and over: free, confirmed at once
    me, other = await someone(), await someone()
    first = await tickets.create_order(me, spot, slot.id, [grandma], None)
    assert first.tickets[0].state == TicketState.CONFIRMED and first.payments == []
    assert first.tickets[0].document_masked != id_card(dt.date(1950, 3, 3))
    with pytest.raises(TicketPersonTaken) as refused:
        await tickets.create_order(other, spot, slot.id, [visitor(dt.date(1990, 1, 1), "009"), grandma], None)
    assert refused.value.code == "ticket_person_taken" and refused.value.details == {"visitor": 1}
    # Nothing of the refused order is kept: its first visitor's place went back.
    assert (await SpotDay.get(spot_id=spot.id)).taken == 1
    await tickets.cancel_ticket(me, first.tickets[0].id, None)
    with pytest.raises(TicketNotActive):
        await tickets.cancel_ticket(me, first.tickets[0].id, None)
    again = await tickets.create_order(me, spot, slot.id, [grandma], None)  # cancelled: free again
    assert again.tickets[0].state == TicketState.CONFIRMED


async def test_an_unpaid_hold_lapses_and_the_ticket_with_it(db: str) -> None:
    spot, slot = await open_spot()
    ordered = await tickets.create_order(await someone(), spot, slot.id, [visitor(dt.date(1990, 1, 1))], None)
    ticket = ordered.tickets[0]
    assert ticket.state == TicketState.HELD and ordered.payments[0].amount_fen == 8000
    with clock.frozen_at(clock.now() + tickets.PAY_WITHIN + dt.timedelta(minutes=1)):
        assert await capacity.expire_holds(None) == 1
        await TicketPlaces().hold_expired(ticket.reservation_id, cast(Job, None))
    lapsed = await Ticket.get(id=ticket.id)
    assert lapsed.state == TicketState.LAPSED and lapsed.person_index is None
    assert (await SpotDay.get(spot_id=spot.id)).taken == 0


async def test_a_paid_ticket_of_a_group_cancelled_late_is_refunded_by_its_tier(
    client: httpx.AsyncClient, runtime: Any, app: Sanic
) -> None:
    alice = await login(client, "alice")
    spot, slot = await open_spot(days_ahead=1)
    group = [visitor(dt.date(1990, 1, 1)), visitor(dt.date(1991, 1, 1), "002")]
    ordered = await tickets.create_order(Actor("resident", alice.id), spot, slot.id, group, None)
    wechat = payments.Providers(wechat=fake_of(runtime))
    for order in ordered.payments:
        started = await payments.start(wechat, order)
        assert (await deliver(client, fake_of(runtime).pay(started.number))).status_code == 204
    await run_jobs(app)
    paid = [await Ticket.get(id=t.id) for t in ordered.tickets]
    assert [t.state for t in paid] == [TicketState.CONFIRMED] * 2
    assert (await Reservation.get(id=paid[0].reservation_id)).state == ReservationState.CONFIRMED

    # Within 48 hours of the slot: 20 % kept of the one ticket cancelled; the other stays.
    await tickets.cancel_ticket(Actor("resident", alice.id), paid[1].id, None)
    await run_jobs(app)
    order = await PaymentOrder.get(purpose=f"ticket:{paid[1].id}")
    refund = await Refund.get(order_id=order.id)
    assert refund.amount_fen == 6400 and order.state == OrderState.PARTIALLY_REFUNDED
    assert (await Ticket.get(id=paid[0].id)).state == TicketState.CONFIRMED
    assert await Refund.filter(order__purpose=f"ticket:{paid[0].id}").count() == 0
