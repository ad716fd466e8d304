"""The manual ticket window: staff of the spot sell from the same inventory, the walk-in share
first, for cash (valid at once, the cash audited) or by WeChat Pay (a payment order per ticket,
confirmed when paid); refused beyond the day's limit, when red stops selling, after the last slot,
and to staff without the seller's role for the spot."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from domain.audit.models import AuditRecord
from domain.capacity.errors import SlotFull
from domain.capacity.models import CapacitySlot
from domain.payments import service as payments
from domain.payments.models import OrderState, PaymentOrder, Refund
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff import service as staff_service
from domain.tourism import service, tickets, window
from domain.tourism.errors import DayFull, TicketBirthDateNeeded
from domain.tourism.models import SaleChannel, Spot, SpotDay, Ticket, TicketOrder, TicketState
from server.demo import DEMO_STAFF_PASSWORD, load_all
from server.demo.tourism import DEMO_RULES
from server.settings import Settings
from tests.api.test_payment_settlement import run_jobs
from tests.api.test_payments import deliver, fake_of
from tests.api.test_tickets import id_card, someone, visitor
from tests.support import spots

DAY = dt.date(2026, 5, 1)
CHINA = dt.timezone(dt.timedelta(hours=8))
MORNING = dt.datetime(2026, 5, 1, 9, 30, tzinfo=CHINA)  # within the 09:00 slot
EVENING = dt.datetime(2026, 5, 1, 12, 30, tzinfo=CHINA)  # after the last slot (11:00-12:00)
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


@pytest.fixture(autouse=True)
def morning() -> Any:
    with clock.frozen_at(MORNING):
        yield


async def small_spot(*, booking_required: bool = True) -> Spot:
    """10 a day, 2 of them kept for the window (20 %); four one-hour slots of 10 (2 kept)."""
    spot = await spots.small_spot()
    await service.open_day(spot, DAY, booking_required=booking_required)
    return spot


async def staff(client: httpx.AsyncClient, roles: list[str], scope: str) -> tuple[int, dict[str, str]]:
    username = f"w{uuid.uuid4().hex[:8]}"
    account = await staff_service.create_staff(
        username=username, password=PASSWORD, display_name="窗口", roles=roles, scopes=[scope], scan_kinds=[]
    )
    r = await client.post("/api/v1/staff/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return account.id, {"Authorization": f"Bearer {r.json()['access_token']}"}


def at_counter(born: dt.date, serial: str, name: str = "张三") -> dict[str, Any]:
    return {
        "document_kind": "resident_id",
        "document_number": id_card(born, serial),
        "name": name,
        "claims": [],
    }


def sales(spot: Spot) -> str:
    return f"/api/v1/staff/tourism/spots/{spot.code}/sales"


async def first_slot_at_nine(spot: Spot) -> CapacitySlot:
    slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at").offset(1).first()
    assert slot is not None and slot.starts_at == dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)
    return slot


async def test_cash_at_the_window_is_valid_at_once_and_takes_the_walk_in_share_first(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot()
    seller_id, seller = await staff(client, ["ticket_seller"], spot.code)
    passport = {
        "document_kind": "passport",
        "document_number": "E12345678",
        "name": "Mary Lee",
        "born": "2015-03-01",  # aged 11 on the visit day: half price
        "claims": [],
    }
    body = {"visitors": [at_counter(dt.date(1990, 1, 1), "001"), passport], "paid_by": "cash"}
    r = await client.post(sales(spot), json=body, headers={**seller, "Accept-Language": "en"})
    assert r.status_code == 201, r.text
    order = r.json()
    slot = await first_slot_at_nine(spot)
    assert (order["slot_id"], order["channel"], order["paid_by"]) == (slot.id, "window", "cash")
    assert order["channel_label"] == "Bought at the ticket window" and order["payments"] == []
    assert order["paid_by_label"] == "Cash"
    assert order["total_fen"] == 12_000
    shown = [(t["category"], t["amount_fen"], t["state"], t["name_masked"]) for t in order["tickets"]]
    assert shown == [("adult", 8000, "confirmed", "张*"), ("minor", 4000, "confirmed", "M*******")]
    assert "aged 11 on the visit day" in order["tickets"][1]["explanation"]
    assert order["tickets"][1]["document_masked"] == "E1*****78"
    # Whose order: the spot's window account; the seller is named on it and in the audit, with the cash.
    saved = await TicketOrder.get(id=order["id"])
    account = await window.window_account(spot)
    assert account.openid == f"palmcity-window:{spot.code}"
    assert (saved.user_id, saved.seller_id, saved.paid_by) == (account.id, seller_id, "cash")
    sold = await AuditRecord.get(action="tourism.window_sold", target_id=str(order["id"]))
    assert (sold.actor_kind, sold.actor_id) == ("staff", seller_id)
    assert sold.after is not None and (sold.after["amount_fen"], sold.after["paid_by"]) == (12_000, "cash")
    # The window's share paid for them: online still has its 8 places.
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.taken, day.walk_in_reserved, service.day_left(day)) == (2, 0, 8)
    assert (await CapacitySlot.get(id=slot.id)).walk_in_reserved == 0
    # Online sells its 8 and no more; the window then sells from what is left, to the day's limit.
    online = [visitor(dt.date(1980, 1, 1), f"1{i:02d}") for i in range(8)]
    await tickets.create_order(await someone(), spot, slot.id, online, None)
    with pytest.raises(DayFull):
        await tickets.create_order(
            await someone(), spot, slot.id, [visitor(dt.date(1980, 1, 1), "199")], None
        )
    r = await client.post(
        sales(spot), json={**body, "visitors": [at_counter(dt.date(1970, 1, 1), "201")]}, headers=seller
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "spot_day_full")


async def test_the_window_sells_the_online_places_once_its_share_is_spent(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    for serial in ("001", "002", "003"):
        body = {"visitors": [at_counter(dt.date(1990, 1, 1), serial)], "paid_by": "cash"}
        assert (await client.post(sales(spot), json=body, headers=seller)).status_code == 201
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.taken, day.walk_in_reserved, service.day_left(day)) == (3, 0, 7)
    # The same person twice on one day: refused, as online.
    r = await client.post(sales(spot), json=body, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_person_taken")


async def test_a_retried_sale_is_answered_once(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    body = {"visitors": [at_counter(dt.date(1990, 1, 1), "001")], "paid_by": "cash"}
    headers = {**seller, "Idempotency-Key": uuid.uuid4().hex}
    first, again = [await client.post(sales(spot), json=body, headers=headers) for _ in range(2)]
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert await TicketOrder.filter(spot_id=spot.id).count() == 1


async def test_red_stops_the_window_too_and_a_day_without_booking_still_sells(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot(booking_required=False)
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    body = {"visitors": [at_counter(dt.date(1990, 1, 1), "001")], "paid_by": "cash"}
    assert (await client.post(sales(spot), json=body, headers=seller)).status_code == 201
    await SpotDay.filter(spot_id=spot.id).update(stop_selling=True)
    body = {"visitors": [at_counter(dt.date(1990, 1, 1), "002")], "paid_by": "cash"}
    r = await client.post(sales(spot), json=body, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "spot_stop_selling")


async def test_only_the_spot_s_sellers_sell_and_not_after_the_last_slot(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    body = {"visitors": [at_counter(dt.date(1990, 1, 1), "001")], "paid_by": "cash"}
    _, scanner = await staff(client, ["scanner"], spot.code)
    r = await client.post(sales(spot), json=body, headers=scanner)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_role_required")
    _, elsewhere = await staff(client, ["ticket_seller"], "ELSEWHERE")
    r = await client.post(sales(spot), json=body, headers=elsewhere)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_scope_required")
    assert (await client.post(sales(spot), json=body)).status_code == 401
    with clock.frozen_at(EVENING):
        _, seller = await staff(client, ["ticket_seller"], spot.code)
        r = await client.post(sales(spot), json=body, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "window_no_slot")
    assert await Ticket.filter(spot_id=spot.id).count() == 0


async def test_wechat_at_the_window_holds_until_paid_then_confirms(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    later = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("-starts_at").first()
    assert later is not None
    body = {"slot_id": later.id, "visitors": [at_counter(dt.date(1990, 1, 1), "001")], "paid_by": "wechat"}
    r = await client.post(sales(spot), json=body, headers=seller)
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["slot_id"], order["tickets"][0]["state"]) == (later.id, "held")
    [payment] = order["payments"]
    assert (payment["ticket_id"], payment["amount_fen"]) == (order["tickets"][0]["id"], 8000)
    paying = await PaymentOrder.get(id=payment["order_id"])
    assert paying.payer_id == (await window.window_account(spot)).id
    assert paying.expires_at == MORNING + window.PAY_WITHIN
    # The visitor pays (the provider's word, as its notification would bring it).
    outcome = await payments.record_payment(payments.Payment(paying.number, "4200000001", 8000))
    assert outcome == "paid"
    await run_jobs(app)
    ticket = await Ticket.get(id=order["tickets"][0]["id"])
    assert ticket.state == TicketState.CONFIRMED
    assert (await TicketOrder.get(id=order["id"])).channel == SaleChannel.WINDOW


async def test_the_window_s_visitors_are_checked_as_online(db: str) -> None:
    spot = await small_spot()
    seller = Actor("staff", 7, roles=frozenset({"ticket_seller"}), scopes=frozenset({spot.code}))
    no_birth = window.Counter("passport", "E12345678", "Mary Lee")
    with pytest.raises(TicketBirthDateNeeded):
        await window.sell(seller, spot, [no_birth], window.PaidBy.CASH)
    assert await Ticket.filter(spot_id=spot.id).count() == 0


async def test_the_demo_window_sells_at_gulong_gorge(client: httpx.AsyncClient, settings: Settings) -> None:
    """The demo's spot staff log in with the demo password; the window seller sells for cash; the
    demo spots carry their rules (loading again changes nothing, audits nothing)."""
    # On the morning of DAY (the autouse fixture): the demo opens that day and the week after it.
    await load_all(settings)
    await load_all(settings)
    spot = await Spot.get(code="QY-GULONGXIA")
    assert spot.demo and spot.rules["no_show"] == DEMO_RULES[spot.code]["no_show"]
    assert await AuditRecord.filter(action="tourism.spot_rules_set", target_id=str(spot.id)).count() == 1
    r = await client.post(
        "/api/v1/staff/auth/login", json={"username": "window.gulongxia", "password": DEMO_STAFF_PASSWORD}
    )
    seller = {"Authorization": f"Bearer {r.json()['access_token']}"}
    slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("-starts_at").first()
    assert slot is not None
    body = {"slot_id": slot.id, "visitors": [at_counter(dt.date(1950, 1, 1), "001")], "paid_by": "cash"}
    r = await client.post(sales(spot), json=body, headers=seller)
    assert r.status_code == 201, r.text
    assert r.json()["tickets"][0]["category"] == "elder"  # 65 and over: free
    for username in ("gate.gulongxia", "manager.gulongxia"):
        login = {"username": username, "password": DEMO_STAFF_PASSWORD}
        assert (await client.post("/api/v1/staff/auth/login", json=login)).status_code == 200


@pytest.mark.postgres
async def test_the_window_and_the_app_selling_at_once_fill_the_day_exactly(db: str) -> None:
    """12 online buyers and 6 window sales race for a day of 10 with 2 kept for the window: the day
    sells exactly 10, the window at least its 2, the share never below 0, every counter agreeing."""
    spot = await small_spot()
    slot = await first_slot_at_nine(spot)
    seller = Actor("staff", 7, roles=frozenset({"ticket_seller"}), scopes=frozenset({spot.code}))
    sold = {"online": 0, "window": 0}

    async def online(n: int) -> None:
        try:
            await tickets.create_order(
                await someone(), spot, slot.id, [visitor(dt.date(1980, 1, 1), f"1{n:02d}")], None
            )
            sold["online"] += 1
        except (DayFull, SlotFull):
            pass

    async def at_window(n: int) -> None:
        counter = window.Counter("resident_id", id_card(dt.date(1970, 1, 1), f"2{n:02d}"), "张三")
        try:
            await window.sell(seller, spot, [counter], window.PaidBy.CASH)
            sold["window"] += 1
        except (DayFull, SlotFull):
            pass

    await asyncio.gather(*(online(n) for n in range(12)), *(at_window(n) for n in range(6)))
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    fresh = await CapacitySlot.get(id=slot.id)
    live = await Ticket.filter(spot_id=spot.id, state__in=tickets.LIVE).count()
    assert sold["online"] + sold["window"] == day.taken == live == fresh.held + fresh.confirmed == 10
    assert sold["window"] >= 2 and sold["online"] <= 8
    assert day.walk_in_reserved == fresh.walk_in_reserved == 0  # spent, never below


# -- cancelled at the window -----------------------------------------------------------------------


def window_ticket(spot: Spot, ticket_id: int, what: str) -> str:
    return f"/api/v1/staff/tourism/spots/{spot.code}/tickets/{ticket_id}/{what}"


async def last_slot(spot: Spot) -> CapacitySlot:
    """11:00-12:00: 90 minutes ahead at MORNING, so the default rules keep 10 %."""
    slot = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("-starts_at").first()
    assert slot is not None
    return slot


async def test_a_cash_sale_is_previewed_then_cancelled_at_the_window_once(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    seller_id, seller = await staff(client, ["ticket_seller"], spot.code)
    body = {
        "slot_id": slot.id,
        "visitors": [at_counter(dt.date(1990, 1, 1), "001"), at_counter(dt.date(1991, 1, 1), "002")],
        "paid_by": "cash",
    }
    sold = (await client.post(sales(spot), json=body, headers=seller)).json()
    first, second = (t["id"] for t in sold["tickets"])

    r = await client.get(window_ticket(spot, first, "refund"), headers={**seller, "Accept-Language": "en"})
    assert r.status_code == 200, r.text
    preview = r.json()
    assert (preview["cancellable"], preview["kind"], preview["paid_fen"], preview["refund_fen"]) == (
        True,
        "fee_kept",
        8000,
        7200,
    )
    # A retried cancel (the same key) is answered with the first answer; the cash goes back once.
    headers = {**seller, "Idempotency-Key": uuid.uuid4().hex}
    once, again = [await client.post(window_ticket(spot, first, "cancel"), headers=headers) for _ in range(2)]
    assert (once.status_code, again.status_code) == (200, 200), once.text
    assert again.json() == once.json() and again.headers["Idempotent-Replayed"] == "true"
    order = once.json()
    assert (order["id"], order["paid_by"]) == (sold["id"], "cash")
    assert [t["state"] for t in order["tickets"]] == ["cancelled", "confirmed"]
    assert order["tickets"][1]["refund_preview"]["refund_fen"] == 7200
    r = await client.post(window_ticket(spot, first, "cancel"), headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_active")
    [refunded] = await AuditRecord.filter(action="tourism.window_refunded", target_id=str(first))
    assert (refunded.actor_kind, refunded.actor_id) == ("staff", seller_id)
    assert refunded.after is not None and (refunded.after["refund_fen"], refunded.after["paid_by"]) == (
        7200,
        "cash",
    )
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.taken, day.walk_in_reserved) == (1, 1)  # the place back to the window's share

    # The rest of the order at once.
    r = await client.post(f"{sales(spot)}/{sold['id']}/cancel", headers=seller)
    assert r.status_code == 200, r.text
    assert [t["state"] for t in r.json()["tickets"]] == ["cancelled", "cancelled"]
    assert await AuditRecord.filter(action="tourism.window_refunded").count() == 2
    day = await SpotDay.get(spot_id=spot.id, day=DAY)
    assert (day.taken, day.walk_in_reserved) == (0, 2)
    assert await Ticket.filter(id=second, state=TicketState.CANCELLED).exists()


async def test_a_wechat_sale_cancelled_at_the_window_is_refunded_by_payments(
    client: httpx.AsyncClient, app: Sanic, runtime: Any
) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    body = {"slot_id": slot.id, "visitors": [at_counter(dt.date(1990, 1, 1), "001")], "paid_by": "wechat"}
    sold = (await client.post(sales(spot), json=body, headers=seller)).json()
    ticket_id = sold["tickets"][0]["id"]
    paying = await PaymentOrder.get(id=sold["payments"][0]["order_id"])
    # Paid through the (sandbox) provider, so that it can refund the money.
    started = await payments.start(payments.Providers(wechat=fake_of(runtime)), paying)
    assert (await deliver(client, fake_of(runtime).pay(started.number, at=clock.now()))).status_code == 204
    await run_jobs(app)
    assert (await Ticket.get(id=ticket_id)).state == TicketState.CONFIRMED

    r = await client.get(window_ticket(spot, ticket_id, "refund"), headers=seller)
    assert (r.json()["paid_fen"], r.json()["refund_fen"]) == (8000, 7200)
    r = await client.post(window_ticket(spot, ticket_id, "cancel"), headers=seller)
    assert r.status_code == 200, r.text
    assert r.json()["paid_by"] == "wechat" and r.json()["tickets"][0]["state"] == "cancelled"
    await run_jobs(app)
    refund = await Refund.get(order_id=paying.id)
    paid = await PaymentOrder.get(id=paying.id)
    assert refund.amount_fen == 7200 and paid.state == OrderState.PARTIALLY_REFUNDED
    refunded = await AuditRecord.get(action="tourism.window_refunded", target_id=str(ticket_id))
    assert refunded.after is not None and refunded.after["refund_by"] == "payments"
    # Twice: refused, and payments settles the purpose once.
    r = await client.post(window_ticket(spot, ticket_id, "cancel"), headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_active")
    await run_jobs(app)
    assert await Refund.filter(order_id=paying.id).count() == 1


async def test_the_window_cancels_only_its_own_live_sales_for_its_own_sellers(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot()
    slot = await last_slot(spot)
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    online = await tickets.create_order(
        await someone(), spot, slot.id, [visitor(dt.date(1980, 1, 1), "101")], None
    )
    r = await client.post(window_ticket(spot, online.tickets[0].id, "cancel"), headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_window_sale")
    r = await client.get(window_ticket(spot, online.tickets[0].id, "refund"), headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_window_sale")
    r = await client.post(f"{sales(spot)}/{online.order.id}/cancel", headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_window_sale")

    body = {"slot_id": slot.id, "visitors": [at_counter(dt.date(1990, 1, 1), "001")], "paid_by": "cash"}
    ticket_id = (await client.post(sales(spot), json=body, headers=seller)).json()["tickets"][0]["id"]
    _, elsewhere = await staff(client, ["ticket_seller"], "ELSEWHERE")
    r = await client.post(window_ticket(spot, ticket_id, "cancel"), headers=elsewhere)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_scope_required")
    _, scanner = await staff(client, ["scanner"], spot.code)
    r = await client.get(window_ticket(spot, ticket_id, "refund"), headers=scanner)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_role_required")
    assert (await client.post(window_ticket(spot, ticket_id, "cancel"))).status_code == 401
    r = await client.post(window_ticket(spot, 99_999_999, "cancel"), headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "ticket_not_found")

    await Ticket.filter(id=ticket_id).update(state=TicketState.USED)
    r = await client.get(window_ticket(spot, ticket_id, "refund"), headers=seller)
    assert (r.json()["cancellable"], r.json()["refusal"]) == (False, "ticket_not_active")
    r = await client.post(window_ticket(spot, ticket_id, "cancel"), headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_active")
    assert await AuditRecord.filter(action="tourism.window_refunded").count() == 0
