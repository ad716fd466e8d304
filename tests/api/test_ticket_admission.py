"""Gate admission through the routes: a resident's ticket QR code (its own, confirmed) scanned at a
gate of its spot admits once and counts the entry; another spot's gate, another day, a cancelled or
unpaid ticket, a second scan and a full spot are refused (the ticket left unused); admission by ID
number; and, on PostgreSQL, a refund racing the entry scan of the same paid ticket ends either
refunded and not admitted or admitted and not refunded, never both."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.identity.documents import DocumentKind, document
from domain.payments import service as payments
from domain.payments.models import OrderState, PaymentOrder, Refund
from domain.scanning import service as scanning
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.models import StaffAccount
from domain.tourism import tickets
from domain.tourism.errors import TicketNotActive
from domain.tourism.models import Occupancy, Spot, Ticket, TicketState
from domain.tourism.tickets import Visitor
from tests.api.test_payment_settlement import run_jobs
from tests.api.test_payments import deliver, fake_of
from tests.api.test_tickets import id_card, someone
from tests.api.test_tourism_occupancy import gate_staff
from tests.domain.test_ticket_admission import MORNING, PERMIT, RENEWED, adult, open_spot, sold
from tests.support.residents import Resident, login
from tests.support.scanning import SCANS, scan_body, scanner

ADMISSIONS = "/api/v1/staff/tourism/spots/{}/admissions"


def credential_url(ticket: Ticket) -> str:
    return f"/api/v1/tourism/tickets/{ticket.id}/credential"


async def code_of(client: httpx.AsyncClient, who: Resident, ticket: Ticket) -> str:
    r = await client.get(credential_url(ticket), headers=who.headers)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "ticket" and r.json()["refresh_at"]
    return str(r.json()["token"])


async def gate_of(client: httpx.AsyncClient, spot: Spot, name: str) -> tuple[dict[str, str], str]:
    """A scanner of tickets with a device at the spot's gate: (headers, device code)."""
    return await scanner(client, name, site=spot.code, kinds=["ticket"])


def refused(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, str(r.json()["error"]["code"])


async def test_a_resident_s_ticket_code_admits_once_at_a_gate_of_its_spot(client: httpx.AsyncClient) -> None:
    spot, (slot,) = await open_spot()
    with clock.frozen_at(MORNING):
        alice, bob = await login(client, "alice"), await login(client, "bob")
        (ticket,) = await sold(spot, slot, adult(), buyer=Actor("resident", alice.id))
        first, second = await code_of(client, alice, ticket), await code_of(client, alice, ticket)
        assert refused(await client.get(credential_url(ticket), headers=bob.headers)) == (
            404,
            "ticket_not_found",
        )
        staff, device = await gate_of(client, spot, "gate.one")

        r = await client.post(
            SCANS, json=scan_body(device, first), headers={**staff, "Accept-Language": "en"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["action"] == "tourism.ticket_used"
        shown = r.json()["shown"]
        assert (shown["ticket"], shown["spot"], shown["name_masked"]) == (ticket.code, spot.code, "张*")
        assert shown["document_masked"] == ticket.document_masked != id_card(dt.date(1990, 1, 1))
        assert (shown["category"], shown["category_label"]["zh_Hans"], shown["percent"]) == (
            "adult",
            "成人",
            100,
        )
        assert (shown["inside"], shown["limit"], shown["level"]) == (1, 50, "comfortable")

        # The same code again is spent; another code of the same ticket finds it used.
        assert refused(await client.post(SCANS, json=scan_body(device, first), headers=staff)) == (
            409,
            "credential_already_used",
        )
        assert refused(await client.post(SCANS, json=scan_body(device, second), headers=staff)) == (
            409,
            "ticket_already_used",
        )
        assert refused(await client.get(credential_url(ticket), headers=alice.headers)) == (
            409,
            "ticket_already_used",
        )
    used = await Ticket.get(id=ticket.id)
    assert (used.state, used.used_at) == (TicketState.USED, MORNING)
    assert (await Occupancy.get(spot_id=spot.id)).inside == 1


async def test_the_gate_refuses_another_spot_s_another_day_s_a_cancelled_and_an_unpaid_ticket(
    client: httpx.AsyncClient,
) -> None:
    spot, (slot, tomorrow) = await open_spot(days=2)
    elsewhere, _ = await open_spot()
    with clock.frozen_at(MORNING):
        alice = await login(client, "alice")
        me = Actor("resident", alice.id)
        today_s, cancelled = await sold(spot, slot, adult("001"), adult("002"), buyer=me)
        (tomorrow_s,) = await sold(spot, tomorrow, adult("003"), buyer=me)
        unpaid = (await tickets.create_order(me, spot, slot.id, [adult("004")], None)).tickets[0]
        staff, device = await gate_of(client, spot, "gate.here")
        other_staff, other_device = await gate_of(client, elsewhere, "gate.elsewhere")

        shown_elsewhere = await code_of(client, alice, today_s)
        r = await client.post(SCANS, json=scan_body(other_device, shown_elsewhere), headers=other_staff)
        assert refused(r) == (403, "scan_wrong_site")
        r = await client.post(
            SCANS, json=scan_body(device, await code_of(client, alice, tomorrow_s)), headers=staff
        )
        assert refused(r) == (409, "ticket_not_today")
        code = await code_of(client, alice, cancelled)
        await tickets.cancel_ticket(me, cancelled.id, None)
        # Cancelling revoked the code it had shown (offline gates learn it from the revocation list).
        assert refused(await client.post(SCANS, json=scan_body(device, code), headers=staff)) == (
            409,
            "credential_revoked",
        )
        assert refused(await client.get(credential_url(unpaid), headers=alice.headers)) == (
            409,
            "ticket_not_admissible",
        )
        # A code minted around that check (as if shown before it lapsed) is refused at the gate too.
        subject = await credentials.subject_for(Kind.TICKET, unpaid.id, alice.id)
        r = await client.post(SCANS, json=scan_body(device, credentials.mint(subject).token), headers=staff)
        assert refused(r) == (409, "ticket_not_admissible")
        assert await Ticket.filter(state=TicketState.USED).count() == 0
        assert await Occupancy.filter(inside__gt=0).count() == 0
        # The code refused at the wrong spot was not spent: it admits at its own gate.
        r = await client.post(SCANS, json=scan_body(device, shown_elsewhere), headers=staff)
        assert r.status_code == 200, r.text
    assert [t.id for t in await Ticket.filter(state=TicketState.USED)] == [today_s.id]


async def test_at_the_limit_a_ticket_is_refused_unused_and_its_code_admits_after_an_exit(
    client: httpx.AsyncClient,
) -> None:
    spot, (slot,) = await open_spot(instant_max=1)
    with clock.frozen_at(MORNING):
        alice = await login(client, "alice")
        (ticket,) = await sold(spot, slot, adult(), buyer=Actor("resident", alice.id))
        code = await code_of(client, alice, ticket)
        staff, device = await gate_of(client, spot, "gate.full")
        entries = f"/api/v1/staff/tourism/spots/{spot.code}"
        assert (await client.post(f"{entries}/entries", headers=staff)).json()["inside"] == 1  # a walk-in
        r = await client.post(SCANS, json=scan_body(device, code), headers=staff)
        assert refused(r) == (409, "spot_at_instant_max")
        assert (await Ticket.get(id=ticket.id)).state == TicketState.CONFIRMED
        assert (await client.post(f"{entries}/exits", headers=staff)).json()["inside"] == 0
        r = await client.post(SCANS, json=scan_body(device, code), headers=staff)  # not spent: again
        assert r.status_code == 200, r.text
        assert r.json()["shown"]["inside"] == 1 and r.json()["shown"]["level"] == "red"
    assert (await Ticket.get(id=ticket.id)).state == TicketState.USED


async def test_admission_by_id_number_at_the_gate(client: httpx.AsyncClient) -> None:
    spot, (slot,) = await open_spot()
    elsewhere, _ = await open_spot()
    grandpa = Visitor(document(DocumentKind.RESIDENT_ID, id_card(dt.date(1950, 3, 3))), name_masked="李*")
    cousin = Visitor(document(DocumentKind.HOME_RETURN_PERMIT, PERMIT), born=dt.date(1995, 6, 1))
    with clock.frozen_at(MORNING):
        await sold(spot, slot, grandpa, cousin)
        staff = await gate_staff(client, spot.code)
        url = ADMISSIONS.format(spot.code)
        body = {"document_kind": "resident_id", "document_number": id_card(dt.date(1950, 3, 3))}
        r = await client.post(url, json=body, headers={**staff, "Accept-Language": "en"})
        assert r.status_code == 200, r.text
        out = r.json()
        assert (out["name_masked"], out["category"], out["category_label"], out["percent"]) == (
            "李*",
            "elder",
            "Elder",
            0,
        )
        assert (out["inside"], out["level"], out["document_kind_label"]) == (
            1,
            "comfortable",
            "Resident ID card",
        )
        assert body["document_number"] not in r.text
        assert refused(await client.post(url, json=body, headers=staff)) == (409, "ticket_already_used")

        renewed = {"document_kind": "home_return_permit", "document_number": RENEWED}
        r = await client.post(url, json=renewed, headers=staff)
        assert (r.status_code, r.json()["category"], r.json()["inside"]) == (200, "adult", 2)

        nobody = {"document_kind": "resident_id", "document_number": id_card(dt.date(1980, 1, 1))}
        assert refused(await client.post(url, json=nobody, headers=staff)) == (404, "ticket_not_found")
        bad = {"document_kind": "resident_id", "document_number": "441802199001010000"}
        r = await client.post(url, json=bad, headers=staff)
        assert refused(r) == (422, "document_check_digit_invalid") and bad["document_number"] not in r.text
        other = await gate_staff(client, elsewhere.code)
        assert refused(await client.post(url, json=body, headers=other)) == (403, "staff_scope_required")
        assert (await client.post(url, json=body)).status_code == 401


# -- a refund racing the entry scan (PostgreSQL) ---------------------------------------------------

ROUNDS = 20
STEP = 0.002  # seconds between the rounds' head starts: the sweep crosses where both reach the ticket at once


async def _later(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)


async def a_paid_ticket(
    client: httpx.AsyncClient, app: Sanic, runtime: Any, me: Actor, spot: Spot, slot_id: int, i: int
) -> Ticket:
    ordered = await tickets.create_order(me, spot, slot_id, [adult(f"{i:03d}")], None)
    started = await payments.start(payments.Providers(wechat=fake_of(runtime)), ordered.payments[0])
    assert (await deliver(client, fake_of(runtime).pay(started.number, at=clock.now()))).status_code == 204
    await run_jobs(app)
    ticket = await Ticket.get(id=ordered.tickets[0].id)
    assert ticket.state == TicketState.CONFIRMED
    return ticket


async def race_once(
    gate: Actor, device: str, spent: scanning.Spent, me: Actor, ticket: Ticket, i: int
) -> tuple[str, str]:
    """The resident cancels (a refund) while the visitor's code is scanned at the gate; the sides
    start ``lead`` apart, from the cancel 20 ms ahead to the scan 18 ms ahead."""
    lead = (i - ROUNDS // 2) * STEP
    token = (await credentials.issue(me, Kind.TICKET, ticket.id)).token

    async def cancel() -> str:
        await _later(lead)
        try:
            await tickets.cancel_ticket(me, ticket.id, None)
        except TicketNotActive:
            return "refused"
        return "cancelled"

    async def scan() -> str:
        await _later(-lead)
        try:
            await scanning.scan(gate, spent, device_code=device, token=token)
        except Exception as exc:  # noqa: BLE001 - the refusal's code is the answer
            return str(getattr(exc, "code", exc))
        return "admitted"

    cancelled, scanned = await asyncio.gather(cancel(), scan())
    return cancelled, scanned


@pytest.mark.postgres
async def test_a_refund_racing_the_entry_scan_ends_refunded_or_admitted_never_both(
    client: httpx.AsyncClient, app: Sanic, runtime: Any
) -> None:
    spot, (slot,) = await open_spot()
    with clock.frozen_at(MORNING):
        await gate_of(client, spot, "gate.race")
        account = await StaffAccount.get(username="gate.race")
        gate = Actor(
            kind="staff",
            id=account.id,
            roles=frozenset(account.roles),
            scopes=frozenset(account.scopes),
            scan_kinds=frozenset(account.scan_kinds),
        )
        device = (await scanning.my_devices(gate))[0].code
        spent = scanning.Spent(runtime.redis, runtime.keys)
        # A resident a round: each may cancel only so many tickets a day (the spot's quota).
        residents = [await someone() for _ in range(ROUNDS)]
        paid = [
            await a_paid_ticket(client, app, runtime, residents[i], spot, slot.id, i) for i in range(ROUNDS)
        ]
        answers = [await race_once(gate, device, spent, residents[i], paid[i], i) for i in range(ROUNDS)]
        await run_jobs(app)  # the cancellations' settlements: the refunds

    endings: Counter[str] = Counter()
    for ticket, (cancelled, scanned) in zip(paid, answers, strict=True):
        now = await Ticket.get(id=ticket.id)
        order = await PaymentOrder.get(purpose=f"ticket:{ticket.id}")
        refunds = await Refund.filter(order_id=order.id).values_list("amount_fen", flat=True)
        if now.state == TicketState.CANCELLED:
            # The scan lost: the ticket had ended, or its code was revoked with the cancellation.
            assert cancelled == "cancelled", (cancelled, scanned)
            assert scanned in ("ticket_not_admissible", "credential_revoked"), (cancelled, scanned)
            # Within 24 hours of the slot: the default tier keeps 10 % of the 80 yuan.
            assert now.used_at is None and refunds == [7200] and order.state == OrderState.PARTIALLY_REFUNDED
            endings["refunded"] += 1
        else:
            assert now.state == TicketState.USED, now.state
            assert (cancelled, scanned) == ("refused", "admitted"), (cancelled, scanned)
            assert refunds == [] and order.state == OrderState.PAID
            endings["admitted"] += 1
    row = await Occupancy.get(spot_id=spot.id)
    assert row.inside == row.entered == endings["admitted"]
    assert set(endings) == {"refunded", "admitted"} and sum(endings.values()) == ROUNDS, endings


# -- the entry window ----------------------------------------------------------------------------


async def test_the_gate_admits_a_ticket_only_in_its_entry_window_by_code_and_by_id_number(
    client: httpx.AsyncClient,
) -> None:
    from tests.domain.test_ticket_admission import MINUTE, SLOT_ENDS, SLOT_STARTS
    from tests.support.scanning import PASSWORD

    spot, (slot,) = await open_spot()
    spot.rules = {}  # the default window: from 30 minutes before the 08:00-09:00 slot until it ends
    await spot.save(update_fields=["rules"])
    with clock.frozen_at(MORNING):
        alice = await login(client, "alice")
        by_code, by_number = await sold(
            spot, slot, adult("001"), adult("002"), buyer=Actor("resident", alice.id)
        )
        _, device = await gate_of(client, spot, "gate.one")
    number = {"document_kind": "resident_id", "document_number": id_card(dt.date(1990, 1, 1), "002")}
    url = ADMISSIONS.format(spot.code)

    async def logged_in() -> tuple[Resident, dict[str, str], dict[str, str]]:
        """Alice, the QR gate's scanner and an ID-number desk, logged in now (tokens expire)."""
        r = await client.post("/api/v1/staff/auth/login", json={"username": "gate.one", "password": PASSWORD})
        assert r.status_code == 200, r.text
        staff = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return await login(client, "alice"), staff, await gate_staff(client, spot.code)

    async def unchanged(*ticket_list: Ticket) -> None:
        for t in ticket_list:
            assert (await Ticket.get(id=t.id)).state == TicketState.CONFIRMED
        row = await Occupancy.get_or_none(spot_id=spot.id)
        assert row is None or (row.inside, row.entered) == (0, 0)

    with clock.frozen_at(SLOT_STARTS - 31 * MINUTE):  # a minute before the window opens
        alice, staff, desk = await logged_in()
        r = await client.post(
            SCANS,
            json=scan_body(device, await code_of(client, alice, by_code)),
            headers={**staff, "Accept-Language": "zh-Hans"},
        )
        assert refused(r) == (409, "ticket_not_yet")
        error = r.json()["error"]
        assert (error["details"]["opens"], error["details"]["closes"]) == ("07:30", "09:00")
        assert "07:30" in error["message"] and "09:00" in error["message"]
        r = await client.post(url, json=number, headers={**desk, "Accept-Language": "en"})
        assert refused(r) == (409, "ticket_not_yet")
        assert r.json()["error"]["details"]["opens_at"] == "2026-05-01T07:30:00+08:00"
    await unchanged(by_code, by_number)

    with clock.frozen_at(SLOT_ENDS + MINUTE):  # a minute after it closed
        alice, staff, desk = await logged_in()
        r = await client.post(
            SCANS, json=scan_body(device, await code_of(client, alice, by_code)), headers=staff
        )
        assert refused(r) == (409, "ticket_entry_passed")
        assert r.json()["error"]["details"]["closes_at"] == "2026-05-01T09:00:00+08:00"
        assert refused(await client.post(url, json=number, headers=desk)) == (409, "ticket_entry_passed")
    await unchanged(by_code, by_number)

    with clock.frozen_at(SLOT_STARTS - 30 * MINUTE):  # the window's first instant
        alice, staff, desk = await logged_in()
        r = await client.post(
            SCANS, json=scan_body(device, await code_of(client, alice, by_code)), headers=staff
        )
        assert r.status_code == 200, r.text
        assert r.json()["shown"]["inside"] == 1
    with clock.frozen_at(SLOT_ENDS):  # its last
        alice, staff, desk = await logged_in()
        r = await client.post(url, json=number, headers=desk)
        assert r.status_code == 200, r.text
        assert r.json()["inside"] == 2
    assert {t.state for t in await Ticket.filter(id__in=[by_code.id, by_number.id])} == {TicketState.USED}
