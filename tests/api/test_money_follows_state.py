"""Money follows every cancellation (issue 11), through the API with the sandbox WeChat Pay and the
public payment platform: a paid registration cancelled by the resident or by the site is refunded
(in full, or per the service's cancellation fee) and the resident told; an order cancelled while
pending is closed and money paid after it is refunded; an application's fee past its deadline is
closed and paid again with a new order, and the case then granted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sanic import Sanic

import domain.appointments.jobs  # noqa: F401 - the appointments' notices
import domain.payments.jobs  # noqa: F401 - settling, late money, refund notices, telling owners
from domain.appointments.models import Service
from domain.notifications.models import InboxMessage
from domain.outbox import service as outbox
from domain.outbox.models import OutboxMessage
from domain.payments.models import OrderState, PaymentOrder, Refund, RefundState
from domain.shared import clock
from tests.api.test_appointments import BASE, MONDAY, STAFF, at, book, open_hospital, scanner, slots_on
from tests.api.test_inbox import run_due_jobs
from tests.api.test_payments import deliver, fake_of
from tests.support.apps import error_code
from tests.support.residents import Resident, login, verified

TUESDAY = MONDAY + dt.timedelta(days=1)
HOSPITAL = "QY-HOSP"


async def settle(app: Sanic) -> int:
    """Run the worker's due jobs until none is left (a settlement leads to a refund, a refund to its
    notices); returns how many ran."""
    ran = 0
    for _round in range(10):
        outcomes = await run_due_jobs(app)
        if not outcomes:
            return ran
        if set(outcomes) != {outbox.Outcome.DONE}:
            failed = await OutboxMessage.filter(last_error__isnull=False).values_list("topic", "last_error")
            raise AssertionError(f"{outcomes}: {failed}")
        ran += len(outcomes)
    raise AssertionError("the jobs never settled")


async def paid_booking(
    client: httpx.AsyncClient, who: Resident, service: Service, slot_id: int
) -> dict[str, Any]:
    """A registration booked and paid (the sandbox delivers its signed notification), confirmed."""
    made = await book(client, who, service, slot_id)
    assert made.status_code == 201, made.text
    paid = await client.post(made.json()["pay_params"]["complete_url"])
    assert paid.json()["outcome"] == "paid", paid.text
    confirmed = await client.post(f"{BASE}/{made.json()['id']}/payment/confirm", headers=who.headers)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "booked", confirmed.text
    data: dict[str, Any] = confirmed.json()
    return data


async def a_paid_booking(client: httpx.AsyncClient, app: Sanic) -> tuple[Resident, dict[str, Any]]:
    """Alice's paid registration (¥10) for Tuesday 08:00 at the hospital, its jobs run."""
    service = await open_hospital(fee_fen=1000)
    alice = await verified(client, "alice")
    made = await paid_booking(
        client, alice, service, (await slots_on(client, service, TUESDAY))[0]["slot_id"]
    )
    await settle(app)
    return alice, made


async def order_of(appointment: dict[str, Any]) -> PaymentOrder:
    found = await PaymentOrder.filter(purpose=f"appointment:{appointment['id']}").order_by("-id").first()
    assert found is not None
    return found


async def given_back(order: PaymentOrder) -> int:
    """Refunds the provider confirmed."""
    return sum(r.amount_fen for r in await Refund.filter(order_id=order.id, state=RefundState.SUCCEEDED))


async def inbox_kinds(who: Resident) -> list[str]:
    return [m.kind for m in await InboxMessage.filter(user_id=who.id).order_by("id")]


# -- the resident cancels a paid registration ------------------------------------------------------


async def test_a_paid_registration_cancelled_by_the_resident_is_refunded_in_full_and_the_resident_told(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    with at(MONDAY, 7):
        alice, made = await a_paid_booking(client, app)
        code = made["checkin_code"]

        cancelled = await client.post(f"{BASE}/{made['id']}/cancel", headers=alice.headers)
        await settle(app)
        seen = (await client.get(f"{BASE}/{made['id']}", headers=alice.headers)).json()
    with at(TUESDAY, 7, 30):
        staff = await scanner(client, HOSPITAL, "clinic.scanner")
        check_in = await client.post(f"{STAFF}/check-in", json={"code": code}, headers=staff)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["checkin_code"] is None
    order = await order_of(made)
    assert cancelled.json()["money"] == {
        "state": "refunding", "state_label": "退款中",
        "paid_fen": 1000, "refund_fen": 1000, "order_id": order.id,
    }  # fmt: skip
    assert order.state == OrderState.REFUNDED and await given_back(order) == 1000
    assert seen["money"]["state"] == "refunded" and seen["money"]["refund_fen"] == 1000
    assert check_in.status_code == 409 and error_code(check_in) == "appointment_not_active"
    assert "payment_refunded" in await inbox_kinds(alice)


async def test_a_service_that_keeps_a_cancellation_fee_refunds_the_rest(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(fee_fen=1000)
        # The fee is kept only within a day of the start: Tuesday's slot is more than a day away.
        service.rules = {"cancel_fee_fen": 300, "cancel_fee_within_minutes": 24 * 60}
        await service.save(update_fields=["rules"])
        alice, bob = await verified(client, "alice"), await verified(client, "bob")
        early = await paid_booking(
            client, alice, service, (await slots_on(client, service, TUESDAY))[1]["slot_id"]
        )
        late = await paid_booking(
            client, bob, service, (await slots_on(client, service, MONDAY))[3]["slot_id"]
        )
        await settle(app)

        in_time = await client.post(f"{BASE}/{early['id']}/cancel", headers=alice.headers)
        kept = await client.post(f"{BASE}/{late['id']}/cancel", headers=bob.headers)
        await settle(app)

    assert in_time.json()["money"]["refund_fen"] == 1000
    assert kept.json()["money"]["refund_fen"] == 700  # 3 yuan kept
    assert await given_back(await order_of(early)) == 1000
    late_order = await order_of(late)
    assert late_order.state == OrderState.PARTIALLY_REFUNDED and await given_back(late_order) == 700
    assert "payment_refunded" in await inbox_kinds(bob)


# -- cancelled while the payment is pending --------------------------------------------------------


async def test_cancelling_while_pending_closes_the_order_and_money_paid_after_is_refunded(
    client: httpx.AsyncClient, app: Sanic, runtime: Any
) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(fee_fen=1000)
        alice, bob = await verified(client, "alice"), await verified(client, "bob")
        slots = await slots_on(client, service, TUESDAY)
        unpaid = (await book(client, alice, service, slots[0]["slot_id"])).json()
        paying = (await book(client, bob, service, slots[1]["slot_id"])).json()
        # Bob pays at the provider, and its notification is held up until after he cancelled.
        held_up = fake_of(runtime).pay((await order_of(paying)).number, at=clock.now())

        first = await client.post(f"{BASE}/{unpaid['id']}/cancel", headers=alice.headers)
        second = await client.post(f"{BASE}/{paying['id']}/cancel", headers=bob.headers)
        await settle(app)
        arrived = await deliver(client, held_up)
        await settle(app)
        bobs = (await client.get(f"{BASE}/{paying['id']}", headers=bob.headers)).json()
        alices = (await client.get(f"{BASE}/{unpaid['id']}", headers=alice.headers)).json()

    assert first.json()["money"]["state"] == "closed" and second.status_code == 200
    closed = await order_of(unpaid)
    assert closed.state == OrderState.CLOSED and closed.paid_fen == 0
    assert fake_of(runtime).orders[closed.number].state == "CLOSED"  # closed at the provider too
    assert alices["money"]["state"] == "closed"
    assert arrived.status_code == 204
    late = await order_of(paying)
    assert late.paid_fen == 1000 and late.late_payment and await given_back(late) == 1000
    assert bobs["state"] == "cancelled" and bobs["money"] == {
        **bobs["money"],
        "state": "refunded",
        "refund_fen": 1000,
    }


async def test_money_paid_after_the_hold_lapsed_is_refunded_automatically(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(fee_fen=1000)
        alice = await verified(client, "alice")
        made = (
            await book(client, alice, service, (await slots_on(client, service, TUESDAY))[0]["slot_id"])
        ).json()
    with at(MONDAY, 7, 20):
        await settle(app)  # nothing due yet by itself: the lapse is found by the sweep or on paying
        paid = await client.post(made["pay_params"]["complete_url"])
        alice = await login(client, "alice")
        late = await client.post(f"{BASE}/{made['id']}/payment/confirm", headers=alice.headers)
        await settle(app)
        seen = (await client.get(f"{BASE}/{made['id']}", headers=alice.headers)).json()

    assert paid.status_code == 200
    assert late.status_code == 409 and error_code(late) == "payment_too_late"
    assert seen["state"] == "expired" and seen["money"]["state"] == "refunded"
    assert await given_back(await order_of(made)) == 1000


# -- the site cancels a slot -----------------------------------------------------------------------


async def test_a_slot_cancelled_by_the_site_refunds_everyone_on_it_and_says_so(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(fee_fen=1000)
        service.rules = {"cancel_fee_fen": 500}  # the resident's rule: never the site's
        await service.save(update_fields=["rules"])
        alice, bob, carol = [await verified(client, name) for name in ("alice", "bob", "carol")]
        slot = (await slots_on(client, service, TUESDAY))[0]
        first = await paid_booking(client, alice, service, slot["slot_id"])
        second = await paid_booking(client, bob, service, slot["slot_id"])
        pending = (await book(client, carol, service, slot["slot_id"])).json()
        await settle(app)
        staff = await scanner(client, HOSPITAL, "clinic.scanner")
        # Moved first (the doctor delayed), then cancelled (the doctor away): the move changes nothing.
        moved = await client.post(
            f"{STAFF}/slots/{slot['slot_id']}/move",
            json={"starts_at": "2026-03-03T12:30:00+08:00", "reason": "医生延误"},
            headers=staff,
        )
        r = await client.post(
            f"{STAFF}/slots/{slot['slot_id']}/cancel", json={"reason": "医生停诊"}, headers=staff
        )
        await settle(app)

    assert moved.status_code == 200, moved.text
    assert r.status_code == 200 and len(r.json()["items"]) == 3
    for made in (first, second):
        order = await order_of(made)
        assert order.state == OrderState.REFUNDED and await given_back(order) == 1000
    assert (await order_of(pending)).state == OrderState.CLOSED
    told = await InboxMessage.filter(user_id=alice.id, kind="appointment_cancelled").get()
    assert told.params["amount"] == "10.00"  # the notice says the fee comes back in full
    unpaid = await InboxMessage.filter(user_id=carol.id, kind="appointment_cancelled").get()
    assert "amount" not in unpaid.params  # nothing was paid: nothing to give back


# -- a finance refund of a booked appointment ------------------------------------------------------


async def test_a_full_refund_by_finance_cancels_the_booked_appointment(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    from tests.api.test_staff import staff_client

    with at(MONDAY, 7):
        alice, made = await a_paid_booking(client, app)
        finance = await staff_client(client, "finance.hosp", roles=["finance"], scopes=[HOSPITAL])
        order = await order_of(made)
        r = await client.post(
            f"/api/v1/staff/payments/{order.id}/refunds",
            json={"amount_fen": 1000, "reason": "医院退号"},
            headers=finance,
        )
        await settle(app)
        seen = (await client.get(f"{BASE}/{made['id']}", headers=alice.headers)).json()
        after = (await slots_on(client, await Service.get(id=made["service_id"]), TUESDAY))[0]

    assert r.status_code == 201, r.text
    assert seen["state"] == "cancelled" and seen["checkin_code"] is None
    assert seen["money"]["state"] == "refunded"
    assert after["left"] == 5  # the place is free again


async def test_a_registration_refunded_in_full_is_refused_at_check_in_before_it_is_cancelled(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    """Between finance's full refund and the outbox cancelling the appointment, its code is refused:
    the app already reads it as cancelled (已退款，取消中), and the desk agrees."""
    from tests.api.test_staff import staff_client

    refunds = []
    with at(MONDAY, 7):
        alice, made = await a_paid_booking(client, app)
        finance = await staff_client(client, "finance.hosp", roles=["finance"], scopes=[HOSPITAL])
        order = await order_of(made)
        for amount, reason in ((400, "退差价"), (600, "停诊")):
            refunds.append(
                await client.post(
                    f"/api/v1/staff/payments/{order.id}/refunds",
                    json={"amount_fen": amount, "reason": reason},
                    headers=finance,
                )
            )
        seen = (await client.get(f"{BASE}/{made['id']}", headers=alice.headers)).json()  # outbox not run yet
    with at(TUESDAY, 7, 30):
        staff = await scanner(client, HOSPITAL, "clinic.scanner")
        check_in = await client.post(f"{STAFF}/check-in", json={"code": made["checkin_code"]}, headers=staff)

    assert [r.status_code for r in refunds] == [201, 201], [r.text for r in refunds]
    assert seen["state"] == "booked" and seen["money"]["refund_fen"] == 1000  # cancelled by the outbox later
    assert check_in.status_code == 409 and error_code(check_in) == "appointment_not_active", check_in.text
    assert check_in.json()["error"]["details"]["state"] == "refunded"


async def test_a_registration_partly_refunded_is_checked_in(client: httpx.AsyncClient, app: Sanic) -> None:
    """Part of the fee given back (a cheaper doctor): the place stands and its code works."""
    from tests.api.test_staff import staff_client

    with at(MONDAY, 7):
        _alice, made = await a_paid_booking(client, app)
        finance = await staff_client(client, "finance.hosp", roles=["finance"], scopes=[HOSPITAL])
        part = await client.post(
            f"/api/v1/staff/payments/{(await order_of(made)).id}/refunds",
            json={"amount_fen": 400, "reason": "退差价"},
            headers=finance,
        )
        await settle(app)
    with at(TUESDAY, 7, 30):
        staff = await scanner(client, HOSPITAL, "clinic.scanner")
        check_in = await client.post(f"{STAFF}/check-in", json={"code": made["checkin_code"]}, headers=staff)

    assert part.status_code == 201, part.text
    assert check_in.status_code == 200, check_in.text


# -- an application's fee --------------------------------------------------------------------------


async def reviewed_case(
    client: httpx.AsyncClient, who: Resident, item: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """A case accepted and under review (ready for a decision), and its reviewing officer."""
    from tests.api.test_applications import submitted_case
    from tests.api.test_cases import claim, officer, ok

    case = await submitted_case(client, who, item)
    wang, li = await officer(client, "wang.fang"), await officer(client, "li.na")
    await claim(client, wang, case["id"])
    await ok(client, wang, case["id"], "accept")
    await claim(client, li, case["id"])
    await ok(client, li, case["id"], "review")
    return case, li


async def test_a_fee_past_its_deadline_is_closed_then_paid_with_a_new_order_and_the_case_granted(
    client: httpx.AsyncClient, app: Sanic, runtime: Any
) -> None:
    from domain.applications.fees import PAY_WITHIN
    from domain.payments.jobs import DEADLINES_TOPIC
    from tests.api.test_applications import APPLICATIONS, publish_item
    from tests.api.test_cases import officer, step
    from tests.api.test_inbox import emit

    start = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        item = await publish_item(fee_fen=2000)  # no non-tax code: paid with WeChat Pay
        alice = await verified(client, "alice")
        case, _li = await reviewed_case(client, alice, item)
        first = (await client.post(f"{APPLICATIONS}/{case['id']}/payment", headers=alice.headers)).json()
    with clock.frozen_at(start + PAY_WITHIN + dt.timedelta(hours=1)):
        await emit(DEADLINES_TOPIC, {})
        await settle(app)
        alice, li = await login(client, "alice"), await officer(client, "li.na")
        unpaid = await step(client, li, case["id"], "approve")
        closed = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()
        again = (await client.post(f"{APPLICATIONS}/{case['id']}/payment", headers=alice.headers)).json()
        paid = await client.post(again["pay_params"]["complete_url"])
        seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()
        approved = await step(client, li, case["id"], "approve")

    assert first["state"] == "pending" and first["provider"] == "wechat"
    old = await PaymentOrder.get(number=first["number"])
    assert old.state == OrderState.CLOSED and fake_of(runtime).orders[old.number].state == "CLOSED"
    assert "application_fee" in await inbox_kinds(alice)  # told the window closed, and how to pay
    assert unpaid.status_code == 409 and error_code(unpaid) == "application_fee_unpaid"
    assert closed["fee_state"] == "closed" and closed["fee_note"] and closed["payment"]["state"] == "closed"
    assert again["number"] != first["number"] and again["state"] == "pending"
    assert paid.json()["outcome"] == "paid"
    assert seen["fee_state"] == "paid" and seen["payment"]["number"] == again["number"]
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"


async def test_a_withdrawn_case_gives_its_fee_back_a_government_fee_through_the_finance_bureau(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    from tests.api.test_applications import APPLICATIONS, publish_item

    wechat_item = await publish_item(fee_fen=2000)
    public_item = await publish_item("GG0002", fee_fen=1500, non_tax_item_code="103010100601")
    alice = await verified(client, "alice")
    cases = []
    for item in (wechat_item, public_item):
        case, _li = await reviewed_case(client, alice, item)
        order = (await client.post(f"{APPLICATIONS}/{case['id']}/payment", headers=alice.headers)).json()
        pay_url = order["pay_params"].get("complete_url") or order["pay_params"]["pay_url"]
        assert (await client.post(pay_url)).json()["outcome"] == "paid"
        withdrawn = await client.post(f"{APPLICATIONS}/{case['id']}/withdraw", json={}, headers=alice.headers)
        assert withdrawn.status_code == 200, withdrawn.text
        cases.append(case)
    await settle(app)
    wechat, public = [
        (await client.get(f"{APPLICATIONS}/{c['id']}", headers=alice.headers)).json() for c in cases
    ]

    assert wechat["state"] == "withdrawn" and wechat["fee_state"] == "refunded"
    assert wechat["payment"]["refunded_fen"] == 2000
    assert public["fee_state"] == "refund_by_finance" and "退付" in public["fee_note"]
    assert public["payment"]["refunded_fen"] == 0  # not by API: the finance bureau gives it back


async def test_the_payment_told_again_after_check_in_changes_nothing(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    from tests.api.test_inbox import emit

    with at(MONDAY, 7):
        _alice, made = await a_paid_booking(client, app)
    with at(TUESDAY, 7, 30):
        staff = await scanner(client, HOSPITAL, "clinic.scanner")
        checked_in = await client.post(
            f"{STAFF}/check-in", json={"code": made["checkin_code"]}, headers=staff
        )
        order = await order_of(made)
        await emit("payments.paid", {"order_id": order.id, "purpose": order.purpose})  # delivered twice
        await settle(app)

    assert checked_in.status_code == 200, checked_in.text
    assert (await order_of(made)).state == OrderState.PAID and await Refund.filter(
        order_id=order.id
    ).count() == 0
