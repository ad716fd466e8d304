"""Ticket routes end to end: visitors (self, a proven child, companions by each document), the
explained quote, ordering and paying through the payments page's order, one ticket per person and
day (a Home Return Permit renewal is the same person), refunds by the order's tiers and cut-off,
cancellation quotas, the no-show lock and the standing that shows them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from adapters.wechatpay.port import WeChatPayUnavailable
from domain.capacity.models import CapacitySlot
from domain.payments.models import OrderState, PaymentOrder, Refund
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import china_midnight
from domain.tourism import tickets
from domain.tourism.models import Spot, SpotDay, Ticket, TicketState
from server.settings import Settings
from tests.api.test_family import add
from tests.api.test_payment_settlement import run_jobs
from tests.api.test_payments import deliver, fake_of
from tests.api.test_tickets import id_card, open_spot
from tests.support.apps import error_code
from tests.support.households import seat_child
from tests.support.residents import Resident, login, new_id_number, verified

ORDERS = "/api/v1/tourism/orders"
EN = {"Accept-Language": "en"}
HK_PERMIT = "H1234567800"  # Hong Kong, lifelong number 12345678, first issue


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


async def verified_en(client: httpx.AsyncClient, name: str, **kwargs: Any) -> Resident:
    """A verified resident who reads English (their saved locale wins over Accept-Language)."""
    resident = await verified(client, name, **kwargs)
    r = await client.patch("/api/v1/me", json={"locale": "en"}, headers=resident.headers)
    assert r.status_code == 200, r.text
    return resident


def companion(number: str, kind: str = "resident_id", name: str = "李四", **more: Any) -> dict[str, Any]:
    return {"document_kind": kind, "document_number": number, "name": name, **more}


async def order(
    client: httpx.AsyncClient, who: Resident, spot: Spot, slot: CapacitySlot, *visitors: dict[str, Any]
) -> httpx.Response:
    body = {"spot": spot.code, "slot_id": slot.id, "visitors": list(visitors)}
    return await client.post(ORDERS, json=body, headers={**who.headers, **EN})


async def test_a_quote_names_each_visitor_masked_and_explains_each_line_at_the_visit_day(
    client: httpx.AsyncClient,
) -> None:
    me = await verified_en(client, "quoter", id_number=new_id_number(years_old=40))
    child = new_id_number(years_old=6)
    await seat_child(client, me, child)
    member = (await add(client, me, "child", "王小明", child)).json()
    spot, _slot = await open_spot()
    day = clock.today_in_china() + dt.timedelta(days=3)
    seven_tomorrow = day - dt.timedelta(days=1) - dt.timedelta(days=365 * 7 + 2)  # 7 on the visit day
    visitors = [
        {"self": True},
        {"member_id": member["id"]},
        companion(HK_PERMIT, "home_return_permit", "陈大文", born="1950-01-01"),
        companion(id_card(seven_tomorrow, "003"), name="Lee"),
        companion("E12345678", "passport", "Smith", born="2000-02-02", claims=["student"]),
    ]
    r = await client.post(
        f"/api/v1/tourism/spots/{spot.code}/quote",
        json={"day": day.isoformat(), "visitors": visitors},
        headers={**me.headers, **EN},
    )
    assert r.status_code == 200, r.text
    lines = r.json()["lines"]
    assert [(x["category"], x["amount_fen"]) for x in lines] == [
        ("adult", 8000),
        ("child", 0),  # 6: free
        ("elder", 0),  # 65 and over, by the birth date given with the permit
        ("minor", 4000),  # turned 7 the day before the visit: half price
        ("student", 4000),
    ]
    assert r.json()["total_fen"] == 16000
    assert lines[0]["name_masked"] == "q*****" and lines[1]["name_masked"] == "王**"
    assert lines[2]["document_masked"] == "H1*******00" and lines[2]["document_kind_label"].startswith(
        "Home Return"
    )
    assert lines[3]["explanation"] == "Young person: aged 7 on the visit day, 50% of the full price"
    assert lines[4]["proof"] == "a student card"
    assert HK_PERMIT not in r.text and child not in r.text


@pytest.mark.parametrize(
    ("visitor", "code", "details"),
    [
        ({"self": True, "member_id": 3}, "ticket_visitor_invalid", {"visitor": 0, "reason": "one_of"}),
        ({}, "ticket_visitor_invalid", {"visitor": 0, "reason": "one_of"}),
        (
            {"document_kind": "passport", "document_number": "E12345678"},
            "ticket_visitor_invalid",
            {"visitor": 0, "reason": "name"},
        ),
        (
            companion("H12345", "home_return_permit"),
            "document_number_format_invalid",
            {"visitor": 0, "kind": "home_return_permit"},
        ),
        (companion("E12345678", "passport"), "ticket_birth_date_needed", {"visitor": 0}),
        (
            companion("E12345678", "passport", born="2999-01-01"),
            "ticket_visitor_invalid",
            {"visitor": 0, "reason": "born"},
        ),
        ({"member_id": 999}, "family_member_not_found", {"visitor": 0}),
    ],
)
async def test_visitors_are_refused_with_their_position_and_reason(
    client: httpx.AsyncClient, visitor: dict[str, Any], code: str, details: dict[str, Any]
) -> None:
    me = await verified_en(client, "refused")
    spot, slot = await open_spot()
    r = await order(client, me, spot, slot, visitor)
    assert error_code(r) == code, r.text
    assert r.json()["error"]["details"] == details
    assert await Ticket.all().count() == 0


async def test_an_unproven_child_and_an_unverified_resident_cannot_be_named(
    client: httpx.AsyncClient,
) -> None:
    me = await verified_en(client, "impostor")
    number = new_id_number(years_old=6, area="441803")  # the register does not list me
    member = (await add(client, me, "child", "王小宝", number)).json()
    spot, slot = await open_spot()
    r = await order(client, me, spot, slot, {"member_id": member["id"]})
    assert r.status_code == 403 and error_code(r) == "family_guardianship_unproven"
    assert r.json()["error"]["details"]["visitor"] == 0
    nobody = await client.post("/api/v1/auth/wechat/login", json={"code": "dev:unverified"})
    headers = {"Authorization": f"Bearer {nobody.json()['access_token']}"}
    r = await client.post(
        ORDERS, json={"spot": spot.code, "slot_id": slot.id, "visitors": [{"self": True}]}, headers=headers
    )
    assert error_code(r) == "identity_level_required"


async def pay_all(
    client: httpx.AsyncClient, app: Sanic, runtime: Any, who: Resident, made: dict[str, Any]
) -> None:
    """Pay each priced ticket as the payments page does: the order's pay_params, then the provider."""
    for payment in made["payments"]:
        seen = (await client.get(f"/api/v1/payments/{payment['order_id']}", headers=who.headers)).json()
        assert seen["pay_params"] and seen["amount_fen"] == payment["amount_fen"]
        assert (await deliver(client, fake_of(runtime).pay(seen["number"]))).status_code == 204
    await run_jobs(app)


async def test_an_order_is_paid_ticket_by_ticket_and_a_late_cancellation_refunds_by_its_tier(
    client: httpx.AsyncClient, app: Sanic, runtime: Any
) -> None:
    me = await verified_en(client, "payer")
    # Free until 48 hours before, 20 % kept within them; the spot's later change reaches no order.
    spot, slot = await open_spot(days_ahead=1)  # the tickets test's RULES
    grandma = companion(id_card(dt.date(1950, 3, 3), "008"), name="王奶奶")
    r = await order(
        client, me, spot, slot, {"self": True}, companion(id_card(dt.date(1990, 1, 1), "002")), grandma
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["channel"] == "online" and made["channel_label"] == "Booked online"
    assert [t["state"] for t in made["tickets"]] == ["held", "held", "confirmed"]  # 65+: free, at once
    assert made["total_fen"] == 16000 and len(made["payments"]) == 2
    assert (
        made["tickets"][1]["name_masked"] == "李*"
        and made["tickets"][2]["explanation"] == "Elder: 0% of the full price"
    )
    await tickets.set_rules(Actor.system(), spot, {"refunds": {"tiers": [[0, 100]]}})

    await pay_all(client, app, runtime, me, made)
    seen = (await client.get(f"{ORDERS}/{made['id']}", headers={**me.headers, **EN})).json()
    assert [t["state_label"] for t in seen["tickets"]] == ["Valid"] * 3
    second = seen["tickets"][1]
    assert second["refund_preview"] == {
        "ticket_id": second["id"],
        "cancellable": True,
        "refusal": None,
        "refusal_label": None,
        "kind": "fee_kept",
        "kind_label": "All but the cancellation fee comes back",
        "paid_fen": 8000,
        "refund_fen": 6400,
    }
    r = await client.post(f"/api/v1/tourism/tickets/{second['id']}/cancel", headers=me.headers)
    assert r.status_code == 200, r.text
    assert [t["state"] for t in r.json()["tickets"]] == ["confirmed", "cancelled", "confirmed"]
    await run_jobs(app)
    refund = await Refund.get(order__purpose=f"ticket:{second['id']}")
    assert refund.amount_fen == 6400
    listed = (await client.get(ORDERS, headers=me.headers)).json()["items"]
    assert [o["id"] for o in listed] == [made["id"]] and listed[0]["tickets"][0]["refund_preview"] is None


async def test_a_used_ticket_gives_nothing_back_and_cannot_be_cancelled(client: httpx.AsyncClient) -> None:
    me = await verified_en(client, "visitor")
    spot, slot = await open_spot()
    made = (await order(client, me, spot, slot, companion(id_card(dt.date(1950, 3, 3), "009")))).json()
    ticket_id = made["tickets"][0]["id"]
    await Ticket.filter(id=ticket_id).update(
        state=TicketState.USED, used_at=clock.now()
    )  # admitted at a gate
    preview = (await client.get(f"/api/v1/tourism/tickets/{ticket_id}/refund", headers=me.headers)).json()
    assert (preview["cancellable"], preview["refusal"], preview["kind"], preview["refund_fen"]) == (
        False,
        "ticket_not_active",
        "none",
        0,
    )
    r = await client.post(f"/api/v1/tourism/tickets/{ticket_id}/cancel", headers=me.headers)
    assert r.status_code == 409 and error_code(r) == "ticket_not_active"
    other = await verified_en(client, "other")
    r = await client.get(f"/api/v1/tourism/tickets/{ticket_id}/refund", headers=other.headers)
    assert r.status_code == 404 and error_code(r) == "ticket_not_found"


async def test_the_cut_off_refuses_a_cancellation_too_close_to_the_slot(client: httpx.AsyncClient) -> None:
    spot, slot = await open_spot(rules={"refunds": {"tiers": [[0, 0]], "cutoff_minutes": 10}})
    with clock.frozen_at(slot.starts_at - dt.timedelta(minutes=9)):  # booked late, cancelled at once
        me = await verified_en(client, "late")
        made = (await order(client, me, spot, slot, companion(id_card(dt.date(1950, 3, 3), "010")))).json()
        ticket_id = made["tickets"][0]["id"]
        preview = (await client.get(f"/api/v1/tourism/tickets/{ticket_id}/refund", headers=me.headers)).json()
        assert preview["refusal"] == "ticket_cancel_cutoff_passed" and not preview["cancellable"]
        assert (
            preview["refusal_label"]
            == "It is too late to cancel this ticket: its entry time is too close or has passed."
        )
        r = await client.post(f"{ORDERS}/{made['id']}/cancel", headers=me.headers)
    assert r.status_code == 409 and r.json()["error"]["details"] == {"cutoff_minutes": 10}
    assert (await Ticket.get(id=ticket_id)).state == TicketState.CONFIRMED


async def test_one_person_one_ticket_a_day_and_a_permit_renewal_is_the_same_person(
    client: httpx.AsyncClient,
) -> None:
    me, you = await verified_en(client, "first"), await verified_en(client, "second")
    spot, slot = await open_spot()
    hk = companion(HK_PERMIT, "home_return_permit", "陈大文", born="1950-01-01")
    assert (await order(client, me, spot, slot, hk)).status_code == 201
    renewed = {**hk, "document_number": "H1234567801"}  # the same person's renewed permit
    r = await order(client, you, spot, slot, companion(id_card(dt.date(1950, 1, 1), "011")), renewed)
    assert r.status_code == 409 and error_code(r) == "ticket_person_taken"
    assert r.json()["error"]["details"] == {"visitor": 1}
    twice = companion(id_card(dt.date(1950, 1, 2), "012"))
    r = await order(client, you, spot, slot, twice, twice)
    assert error_code(r) == "ticket_person_taken" and r.json()["error"]["details"] == {"visitor": 1}
    for number, kind in (
        ("H9876543200", "home_return_permit"),
        ("12345678", "taiwan_permit"),
        ("E99887766", "passport"),
    ):
        other = companion(number, kind, "Visitor", born="1950-01-01")
        assert (await order(client, you, spot, slot, other)).status_code == 201, kind
    permit = companion(new_id_number(born=dt.date(1950, 1, 3), area="810000"), "residence_permit")
    assert (await order(client, you, spot, slot, permit)).status_code == 201
    assert await Ticket.filter(state=TicketState.CONFIRMED).count() == 5


def next_tuesday_at_ten() -> dt.datetime:
    """10:00 China time on the coming Tuesday: its week holds the Wednesday after it."""
    today = clock.today_in_china()
    tuesday = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)
    return china_midnight(tuesday) + dt.timedelta(hours=10)


async def test_cancellations_beyond_the_quota_are_refused_and_the_standing_counts_them(
    client: httpx.AsyncClient,
) -> None:
    tuesday = next_tuesday_at_ten()
    with clock.frozen_at(tuesday):
        me = await verified_en(client, "canceller")
        spot, slot = await open_spot(rules={"cancel_quota": {"day": 2, "week": 2}})
        elders = [companion(id_card(dt.date(1950, 1, 1 + i), f"02{i}")) for i in range(4)]
        group = (await order(client, me, spot, slot, elders[0], elders[1])).json()
        single = (await order(client, me, spot, slot, elders[2])).json()
        last = (await order(client, me, spot, slot, elders[3])).json()
        # A whole order cancelled counts once; then a single ticket: two today.
        assert (await client.post(f"{ORDERS}/{group['id']}/cancel", headers=me.headers)).status_code == 200
        assert (await client.post(f"{ORDERS}/{single['id']}/cancel", headers=me.headers)).status_code == 200
        r = await client.post(
            f"/api/v1/tourism/tickets/{last['tickets'][0]['id']}/cancel", headers=me.headers
        )
        assert r.status_code == 409 and error_code(r) == "ticket_cancel_quota_reached"
        assert r.json()["error"]["details"] == {"period": "day", "allowed": 2, "used": 2}
        standing = await client.get(
            "/api/v1/tourism/standing", params={"spot": spot.code}, headers=me.headers
        )
        assert standing.json()["cancellations"] == [
            {"period": "day", "period_label": "Today", "used": 2, "allowed": 2},
            {"period": "week", "period_label": "This week", "used": 2, "allowed": 2},
            {"period": "month", "period_label": "This month", "used": 2, "allowed": 6},
            {"period": "year", "period_label": "This year", "used": 2, "allowed": 12},
        ]
    with clock.frozen_at(tuesday + dt.timedelta(days=1)):  # Wednesday: a new day, the same week
        me = await login(client, "canceller")
        r = await client.post(
            f"/api/v1/tourism/tickets/{last['tickets'][0]['id']}/cancel", headers=me.headers
        )
        assert error_code(r) == "ticket_cancel_quota_reached"
        assert r.json()["error"]["details"] == {"period": "week", "allowed": 2, "used": 2}
        preview = await client.get(
            f"/api/v1/tourism/tickets/{last['tickets'][0]['id']}/refund", headers=me.headers
        )
        assert preview.json()["refusal"] == "ticket_cancel_quota_reached"
    with clock.frozen_at(tuesday + dt.timedelta(days=6)):  # the next Monday: a new week
        me = await login(client, "canceller")
        r = await client.post(
            f"/api/v1/tourism/tickets/{last['tickets'][0]['id']}/cancel", headers=me.headers
        )
        assert r.status_code == 200, r.text


async def test_two_no_shows_lock_booking_for_the_person_and_the_standing_shows_it(
    client: httpx.AsyncClient,
) -> None:
    me = await verified_en(client, "absent", id_number=new_id_number(years_old=40, serial=77))
    spot, slot = await open_spot()
    made = (await order(client, me, spot, slot, {"self": True})).json()
    today = clock.today_in_china()
    first = await Ticket.get(id=made["tickets"][0]["id"])
    # Two earlier tickets of mine that I never used (the day-end job marks them no_show).
    for days_ago in (10, 40):
        await Ticket.create(
            **{
                k: getattr(first, k)
                for k in (
                    "order_id",
                    "spot_id",
                    "person",
                    "document_kind",
                    "document_number",
                    "document_masked",
                    "category",
                    "percent",
                    "amount_fen",
                )
            },
            code=uuid.uuid4().hex[:12].upper(),
            day=today - dt.timedelta(days=days_ago),
            reservation_id=10**9 + days_ago,
            state=TicketState.NO_SHOW,
            updated_at=clock.now(),
        )
    await client.post(f"{ORDERS}/{made['id']}/cancel", headers=me.headers)
    r = await order(client, me, spot, slot, companion(id_card(dt.date(1990, 5, 5), "031")), {"self": True})
    assert r.status_code == 409 and error_code(r) == "ticket_booking_locked"
    locked_until = (today + dt.timedelta(days=110)).isoformat()
    assert r.json()["error"]["details"] == {"visitor": 1, "locked_until": locked_until}
    standing = (
        await client.get("/api/v1/tourism/standing", params={"spot": spot.code}, headers=me.headers)
    ).json()
    assert (standing["no_shows"], standing["window_days"], standing["locked_until"]) == (2, 120, locked_until)
    other_spot, other_slot = await open_spot()  # the lock is this spot's
    assert (await order(client, me, other_spot, other_slot, {"self": True})).status_code == 201


async def test_a_retried_order_with_its_idempotency_key_is_made_once(client: httpx.AsyncClient) -> None:
    me = await verified_en(client, "retry")
    spot, slot = await open_spot()
    body = {"spot": spot.code, "slot_id": slot.id, "visitors": [{"self": True}]}
    headers = {**me.headers, "Idempotency-Key": uuid.uuid4().hex}
    first = await client.post(ORDERS, json=body, headers=headers)
    again = await client.post(ORDERS, json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await PaymentOrder.all().count() == 1


async def test_a_provider_that_fails_gives_every_place_back_at_once(
    client: httpx.AsyncClient, app: Sanic, runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = await verified_en(client, "unlucky")
    spot, slot = await open_spot()

    async def down(**_kwargs: Any) -> Any:
        raise WeChatPayUnavailable("SYSTEM_ERROR", "the sandbox is down")

    monkeypatch.setattr(fake_of(runtime), "prepay", down)
    r = await order(client, me, spot, slot, {"self": True}, companion(id_card(dt.date(1990, 1, 1), "041")))
    assert error_code(r) == "payment_provider_unavailable", r.text
    assert await Ticket.filter(state=TicketState.CANCELLED).count() == 2
    assert (await SpotDay.get(spot_id=spot.id)).taken == 0
    await run_jobs(app)  # payments settles the cancelled purposes: closed unpaid
    assert {o.state for o in await PaymentOrder.all()} == {OrderState.CLOSED}
    assert (await client.get(ORDERS, headers=me.headers)).json()["items"] == []  # not shown as mine
