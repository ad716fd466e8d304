"""Waitlist routes end to end: residents join a full slot (themselves, a companion by Home Return
Permit), see their place in line, are offered an order when a place comes back (through the outbox),
pay it through the sandbox WeChat Pay and read it filled; leaving; the refusals by code."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from domain.capacity.models import CapacitySlot
from domain.notifications.models import InboxMessage
from domain.payments.models import OrderState, PaymentOrder
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import china_day
from domain.tourism import service, tickets, waitlist
from domain.tourism.models import Spot, SpotKind, Ticket
from domain.tourism.service import SpotSettings
from server.settings import Settings
from tests.api.test_payment_settlement import run_jobs
from tests.api.test_payments import deliver, fake_of
from tests.api.test_ticket_routes import verified_en
from tests.api.test_tickets import NAMES, visitor
from tests.support.apps import error_code
from tests.support.residents import login, verified

WAITLIST = "/api/v1/tourism/waitlist"
ORDERS = "/api/v1/tourism/orders"
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


async def full_spot() -> tuple[Spot, CapacitySlot, CapacitySlot, Actor]:
    """A spot tomorrow whose first slot's one place is taken (a free ticket); the second slot is open."""
    spot = await service.create_spot(
        f"Q{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        NAMES,
        SpotSettings(
            daily_max=100, instant_max=50, opens_minute=8 * 60, closes_minute=12 * 60, slot_entries=1
        ),
        region_code="441800",
        prices={"full_cents": 8000},
    )
    await service.open_day(spot, clock.today_in_china() + dt.timedelta(days=1))
    first, second = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at").limit(2)
    holder = Actor("resident", 10**9)
    await tickets.create_order(holder, spot, first.id, [visitor(dt.date(1950, 1, 1), "990")], None)
    return spot, first, second, holder


def headers(resident: Any) -> dict[str, str]:
    return {**resident.headers, **EN}


async def test_join_wait_be_offered_pay_and_read_filled(
    client: httpx.AsyncClient, runtime: Any, app: Sanic
) -> None:
    spot, slot, _, holder = await full_spot()
    # Their saved locale (zh_Hans at sign-up) wins over Accept-Language: they choose English.
    bob = await verified_en(client, "bob-waits")
    carol = await verified_en(client, "carol-waits")
    r = await client.post(
        WAITLIST,
        json={"spot": spot.code, "slot_id": slot.id, "visitors": [{"self": True}]},
        headers=headers(bob),
    )
    assert r.status_code == 201, r.text
    bobs = r.json()
    assert (bobs["state"], bobs["state_label"], bobs["position"], bobs["size"]) == (
        "waiting",
        "Waiting for a place",
        1,
        1,
    )
    assert bobs["visitors"][0]["document_kind"] == "resident_id"
    assert "*" in bobs["visitors"][0]["document_masked"]
    companion = {
        "document_kind": "home_return_permit",
        "document_number": "M1234567800",
        "name": "陳大文",
        "born": "1985-06-01",
    }
    r = await client.post(
        WAITLIST,
        json={"spot": spot.code, "slot_id": slot.id, "visitors": [{"self": True}, companion]},
        headers=headers(carol),
    )
    assert r.status_code == 201, r.text
    carols = r.json()
    assert carols["position"] == 2 and carols["visitors"][1]["name_masked"] == "陳**"

    # The holder's place comes back: bob is offered an order; carol (two wanted) keeps waiting.
    ticket = await Ticket.get(order__user_id=holder.id)
    await tickets.cancel_ticket(holder, ticket.id, None)
    await run_jobs(app)
    mine = (await client.get(WAITLIST, headers=headers(bob))).json()["items"]
    assert mine[0]["state"] == "offered" and mine[0]["order_id"] and mine[0]["offer_expires_at"]
    assert mine[0]["position"] is None
    assert (await client.get(WAITLIST, headers=headers(carol))).json()["items"][0]["position"] == 1
    assert await InboxMessage.filter(user_id=bob.id, kind=waitlist.NOTICE_KIND).count() == 1

    # Bob pays the offered ticket through the payments page's order: the entry reads filled.
    order_id = mine[0]["order_id"]
    offered = await Ticket.get(order_id=order_id)
    order = await PaymentOrder.get(purpose=f"ticket:{offered.id}")
    # Handed to WeChat Pay when offered, as an online order's: the pay page has its pay_params.
    assert order.state == OrderState.PENDING and order.pay_params
    shown = (await client.get(f"/api/v1/tourism/orders/{order_id}", headers=headers(bob))).json()
    assert shown["channel"] == "waitlist" and shown["payments"][0]["order_id"] == order.id
    assert (await deliver(client, fake_of(runtime).pay(order.number))).status_code == 204
    await run_jobs(app)
    mine = (await client.get(WAITLIST, headers=headers(bob))).json()["items"]
    assert (mine[0]["state"], mine[0]["state_label"]) == ("filled", "Tickets secured")

    # Carol leaves the line.
    r = await client.delete(f"{WAITLIST}/{carols['id']}", headers=headers(carol))
    assert r.status_code == 200 and r.json()["state"] == "cancelled", r.text
    r = await client.delete(f"{WAITLIST}/{carols['id']}", headers=headers(carol))
    assert error_code(r) == "waitlist_entry_ended"


async def test_a_place_back_while_someone_waits_is_the_line_s_and_the_slot_reads_waitlisted(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    spot, slot, open_slot, holder = await full_spot()
    day = f"/api/v1/tourism/spots/{spot.code}/days/{china_day(slot.starts_at).isoformat()}"
    bob = await verified_en(client, "bob-first")
    dan = await verified_en(client, "dan-later")
    me = {"spot": spot.code, "slot_id": slot.id, "visitors": [{"self": True}]}
    assert (await client.post(WAITLIST, json=me, headers=headers(bob))).status_code == 201
    ticket = await Ticket.get(order__user_id=holder.id)
    await tickets.cancel_ticket(holder, ticket.id, None)  # the place is free; the outbox not run yet

    # The listing counts it as the line's: the page offers the waitlist, not the order.
    slots = {s["slot_id"]: s for s in (await client.get(day)).json()["slots"]}
    shown = slots[slot.id]
    assert (shown["left"], shown["bookable"], shown["waitlisted"]) == (0, False, True)
    assert (slots[open_slot.id]["left"], slots[open_slot.id]["waitlisted"]) == (1, False)
    # An order for it is refused with the new code, localised; told so, dan joins behind bob.
    r = await client.post(ORDERS, json=me, headers=headers(dan))
    assert (r.status_code, error_code(r)) == (409, "slot_waitlisted"), r.text
    assert r.json()["error"]["message"] == "People are waiting for this slot: join the waitlist."
    assert r.json()["error"]["details"] == {"waiting": 1}
    r = await client.post(WAITLIST, json=me, headers=headers(dan))
    assert (r.status_code, r.json()["position"]) == (201, 2), r.text
    dans = r.json()["id"]

    await run_jobs(app)  # the line is served: bob is offered the place
    assert (await client.get(WAITLIST, headers=headers(bob))).json()["items"][0]["state"] == "offered"
    # Once dan leaves nobody waits: the slot reads as it is (full: bob holds its place).
    assert (await client.delete(f"{WAITLIST}/{dans}", headers=headers(dan))).status_code == 200
    shown = next(s for s in (await client.get(day)).json()["slots"] if s["slot_id"] == slot.id)
    assert (shown["left"], shown["waitlisted"]) == (0, False)
    r = await client.post(ORDERS, json={**me, "slot_id": open_slot.id}, headers=headers(dan))
    assert r.status_code == 201, r.text


async def test_refusals(client: httpx.AsyncClient) -> None:
    spot, slot, open_slot, _ = await full_spot()
    dan = await verified(client, "dan-waits")
    me = {"spot": spot.code, "slot_id": slot.id, "visitors": [{"self": True}]}
    r = await client.post(WAITLIST, json={**me, "slot_id": open_slot.id}, headers=dan.headers)
    assert (r.status_code, error_code(r)) == (409, "waitlist_places_left")
    assert r.json()["error"]["details"] == {"left": 1}
    joined = await client.post(WAITLIST, json=me, headers=dan.headers)
    assert joined.status_code == 201
    again = await client.post(WAITLIST, json=me, headers=dan.headers)
    assert (again.status_code, error_code(again)) == (409, "waitlist_already_joined")
    twice = {**me, "visitors": [{"self": True}, {"self": True}]}
    assert error_code(await client.post(WAITLIST, json=twice, headers=dan.headers)) == "ticket_person_taken"
    unknown = await client.post(WAITLIST, json={**me, "spot": "NOPE"}, headers=dan.headers)
    assert (unknown.status_code, error_code(unknown)) == (404, "spot_not_found")
    wechat_only = await login(client, "erin-waits")
    r = await client.post(WAITLIST, json=me, headers=wechat_only.headers)
    assert (r.status_code, error_code(r)) == (403, "identity_level_required")
    other = await client.delete(f"{WAITLIST}/{joined.json()['id']}", headers=wechat_only.headers)
    assert (other.status_code, error_code(other)) == (404, "waitlist_entry_not_found")
    assert (await client.get(WAITLIST)).status_code == 401
