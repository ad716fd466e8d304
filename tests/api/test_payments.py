"""Payments through the API with the sandbox WeChat Pay, which signs and encrypts its notifications
exactly as the real platform does, so every test runs the real verification code."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.wechatpay import apiv3
from adapters.wechatpay.fake import SandboxWeChatPay
from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.outbox.jobs import SCHEDULES
from domain.outbox.models import OutboxMessage
from domain.payments import service as payments
from domain.payments.errors import PaymentPurposeConflict
from domain.payments.models import LedgerEntry, OrderState, PaymentOrder, Provider
from domain.payments.service import Providers
from domain.shared import clock
from tests.api.test_staff import staff_client
from tests.support.apps import error_code
from tests.support.residents import Resident, login

NOTIFY = "/api/v1/payments/notify/wechat"
MERCHANT = "QY-PEOPLE"


def fake_of(runtime: Any) -> SandboxWeChatPay:
    provider: SandboxWeChatPay = runtime.adapters.wechatpay
    return provider


async def pending_order(
    runtime: Any, payer: Resident, *, amount: int = 2000, purpose: str = "test:1"
) -> PaymentOrder:
    order = await payments.create_order(
        payer_id=payer.id,
        purpose=purpose,
        amount_fen=amount,
        description="挂号费",
        merchant_code=MERCHANT,
        pay_within=dt.timedelta(minutes=15),
    )
    return await payments.start(Providers(wechat=fake_of(runtime)), order)


async def deliver(client: httpx.AsyncClient, signed: tuple[dict[str, str], bytes]) -> httpx.Response:
    headers, body = signed
    return await client.post(NOTIFY, content=body, headers={**headers, "Content-Type": "application/json"})


async def topics() -> Counter[str]:
    """The payment events written so far; not the scheduled runs (the embedded default's in-process
    worker enqueues those on its own clock)."""
    scheduled = set(SCHEDULES)
    found = await OutboxMessage.filter(topic__startswith="payments.")
    return Counter(m.topic for m in found if m.topic not in scheduled)


async def finance(client: httpx.AsyncClient) -> dict[str, str]:
    return await staff_client(client, "finance.hosp", roles=["finance"], scopes=[MERCHANT])


# -- creating and paying ---------------------------------------------------------------------------


async def test_creation_is_idempotent_per_purpose(client: httpx.AsyncClient, runtime: Any) -> None:
    alice = await login(client, "alice")
    first = await pending_order(runtime, alice)
    again = await pending_order(runtime, alice)
    assert first.id == again.id and first.state == OrderState.PENDING
    assert first.pay_params["package"].startswith("prepay_id=") and first.pay_params["signType"] == "RSA"
    with pytest.raises(PaymentPurposeConflict):
        await pending_order(runtime, alice, amount=3000)


async def test_a_notification_delivered_twice_changes_the_order_once(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice)
    signed = fake_of(runtime).pay(order.number)

    first, second = await deliver(client, signed), await deliver(client, signed)

    assert (first.status_code, second.status_code) == (204, 204)
    paid = await PaymentOrder.get(id=order.id)
    assert paid.state == OrderState.PAID and paid.paid_fen == 2000 and paid.provider_transaction_id
    assert await topics() == {"payments.paid": 1}  # the owner is told once
    assert [e.amount_fen for e in await LedgerEntry.filter(order_id=order.id)] == [2000]
    assert await AuditRecord.filter(action="payments.paid", target_id=str(order.id)).count() == 1


@pytest.mark.postgres
async def test_ten_copies_of_a_notification_at_once_change_the_order_once(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice)
    signed = fake_of(runtime).pay(order.number)

    answers = await asyncio.gather(*(deliver(client, signed) for _ in range(10)))

    assert {r.status_code for r in answers} == {204}
    assert await topics() == {"payments.paid": 1}
    assert await LedgerEntry.filter(order_id=order.id).count() == 1


async def test_forged_stale_and_mismatched_notifications_change_nothing(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice)
    provider = fake_of(runtime)
    provider.pay(order.number)  # paid at the provider; only the notifications below may tell us
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    genuine = provider.transaction_notification(order.number)
    forged = apiv3.sign_notification(
        "TRANSACTION.SUCCESS",
        {"out_trade_no": order.number},
        platform_key=forger,
        serial=provider.serial,
        apiv3_key=provider.apiv3_key,
        at=clock.now(),
    )
    tampered = (genuine[0], genuine[1].replace(b'"summary"', b'"Summary"'))
    stale = provider.transaction_notification(order.number, at=clock.now() - dt.timedelta(minutes=6))
    unknown_serial = ({**genuine[0], "Wechatpay-Serial": "PUB_KEY_ID_OTHER"}, genuine[1])
    cases = {
        "signature": [forged, tampered],
        "stale": [stale],
        "unknown_serial": [unknown_serial],
        "amount": [provider.transaction_notification(order.number, amount={"total": 1, "currency": "CNY"})],
        "mchid": [provider.transaction_notification(order.number, mchid="1230000109")],
        "appid": [provider.transaction_notification(order.number, appid="wx-someone-else")],
        "order": [provider.transaction_notification(order.number, out_trade_no="P20260101000000000000")],
    }

    for reason, notifications in cases.items():
        for signed in notifications:
            r = await deliver(client, signed)
            assert r.status_code == 401, (reason, r.text)
            assert r.json() == {"code": "FAIL", "message": f"rejected: {reason}"}

    unchanged = await PaymentOrder.get(id=order.id)
    assert unchanged.state == OrderState.PENDING and unchanged.paid_fen == 0
    assert await topics() == {}
    assert (await deliver(client, genuine)).status_code == 204  # the real one still goes through


# -- refunds ---------------------------------------------------------------------------------------


async def paid_order(client: httpx.AsyncClient, runtime: Any, **kwargs: Any) -> PaymentOrder:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice, **kwargs)
    assert (await deliver(client, fake_of(runtime).pay(order.number))).status_code == 204
    return await PaymentOrder.get(id=order.id)


async def test_partial_and_repeated_refunds_up_to_what_was_paid(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    fake_of(runtime).instant_refunds = False  # the results come by notification, as they mostly do
    order = await paid_order(client, runtime, amount=1000)
    headers = await finance(client)
    path = f"/api/v1/staff/payments/{order.id}/refunds"

    first = await client.post(path, json={"amount_fen": 300, "reason": "部分退费"}, headers=headers)
    too_much = await client.post(path, json={"amount_fen": 701, "reason": "超额"}, headers=headers)
    assert first.status_code == 201 and first.json()["state"] == "processing"
    assert too_much.status_code == 409 and error_code(too_much) == "refund_exceeds_paid"
    assert too_much.json()["error"]["details"] == {"refundable": 700}

    done = await deliver(client, fake_of(runtime).complete_refund(first.json()["number"]))
    again = await deliver(client, fake_of(runtime).complete_refund(first.json()["number"]))
    rest = await client.post(path, json={"amount_fen": 700, "reason": "余额"}, headers=headers)
    await deliver(client, fake_of(runtime).complete_refund(rest.json()["number"]))

    assert (done.status_code, again.status_code) == (204, 204)
    refunded = await PaymentOrder.get(id=order.id)
    assert refunded.state == OrderState.REFUNDED and refunded.refunded_fen == 1000
    assert sorted(e.amount_fen for e in await LedgerEntry.filter(order_id=order.id)) == [-700, -300, 1000]
    assert (await topics())["payments.refunded"] == 2  # once per refund, whatever the duplicates
    # A payment notification arriving after the refunds (out of order) changes nothing.
    assert (await deliver(client, fake_of(runtime).transaction_notification(order.number))).status_code == 204
    assert (await PaymentOrder.get(id=order.id)).state == OrderState.REFUNDED
    assert (await topics())["payments.paid"] == 1


@pytest.mark.postgres
async def test_concurrent_refunds_never_exceed_the_payment(client: httpx.AsyncClient, runtime: Any) -> None:
    order = await paid_order(client, runtime, amount=1000)
    headers = await finance(client)

    answers = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/staff/payments/{order.id}/refunds",
                json={"amount_fen": 300, "reason": f"并发{i}"},
                headers=headers,
            )
            for i in range(10)
        )
    )

    assert Counter(r.status_code for r in answers) == {201: 3, 409: 7}
    assert {error_code(r) for r in answers if r.status_code == 409} == {"refund_exceeds_paid"}
    assert (await PaymentOrder.get(id=order.id)).refunded_fen == 900


async def test_an_unpaid_order_is_not_refundable_and_refunds_need_finance(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice)
    headers = await finance(client)
    officer = await staff_client(client, "clerk", roles=["case_officer"], scopes=[MERCHANT])
    elsewhere = await staff_client(client, "finance.other", roles=["finance"], scopes=["OTHER"])
    body = {"amount_fen": 100, "reason": "退"}

    unpaid = await client.post(f"/api/v1/staff/payments/{order.id}/refunds", json=body, headers=headers)
    not_finance = await client.post(f"/api/v1/staff/payments/{order.id}/refunds", json=body, headers=officer)
    out_of_scope = await client.post(
        f"/api/v1/staff/payments/{order.id}/refunds", json=body, headers=elsewhere
    )
    zero = await client.post(
        f"/api/v1/staff/payments/{order.id}/refunds", json={"amount_fen": 0, "reason": "x"}, headers=headers
    )

    assert unpaid.status_code == 409 and error_code(unpaid) == "order_not_refundable"
    assert not_finance.status_code == 403 and out_of_scope.status_code == 403
    assert zero.status_code == 422


async def test_the_payer_sees_their_payments_and_refunds_and_nobody_elses(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    order = await paid_order(client, runtime, amount=1000)
    headers = await finance(client)
    refund = await client.post(
        f"/api/v1/staff/payments/{order.id}/refunds",
        json={"amount_fen": 400, "reason": "部分"},
        headers=headers,
    )
    alice, bob = await login(client, "alice"), await login(client, "bob")

    mine = (await client.get("/api/v1/payments", headers=alice.headers)).json()["items"]
    one = (await client.get(f"/api/v1/payments/{order.id}", headers=alice.headers)).json()
    own_refund = await client.get(f"/api/v1/refunds/{refund.json()['id']}", headers=alice.headers)
    theirs = await client.get(f"/api/v1/payments/{order.id}", headers=bob.headers)
    their_refund = await client.get(f"/api/v1/refunds/{refund.json()['id']}", headers=bob.headers)

    assert [o["number"] for o in mine] == [order.number]
    assert one["state"] == "partially_refunded" and [r["amount_fen"] for r in one["refunds"]] == [400]
    assert own_refund.status_code == 200
    assert theirs.status_code == 404 and their_refund.status_code == 404


# -- reconciliation --------------------------------------------------------------------------------


async def test_reconciliation_finds_each_kind_of_mismatch_and_reruns_in_place(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    provider = fake_of(runtime)
    alice = await login(client, "alice")
    matched = await paid_order(client, runtime, purpose="rec:ok")
    lost = await pending_order(runtime, alice, purpose="rec:lost")
    provider.pay(lost.number)  # paid at WeChat Pay, its notification never arrived
    extra = await paid_order(client, runtime, purpose="rec:extra")
    differs = await paid_order(client, runtime, purpose="rec:differs")
    today = clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    lines = provider.lines[today]
    lines[:] = [line for line in lines if line.out_trade_no != extra.number]  # missing from their side
    lines[:] = [
        line if line.out_trade_no != differs.number else type(line)(**{**line.__dict__, "amount_fen": 1999})
        for line in lines
    ]
    lines.append(type(lines[0])("payment", "P20260101999999999999", "4200000000", None, 500, "SUCCESS"))
    headers = await finance(client)

    run = await client.post(
        "/api/v1/staff/payments/reconciliation/runs", json={"day": today.isoformat()}, headers=headers
    )
    rerun = await client.post(
        "/api/v1/staff/payments/reconciliation/runs", json={"day": today.isoformat()}, headers=headers
    )
    found = (await client.get("/api/v1/staff/payments/reconciliation/exceptions", headers=headers)).json()[
        "items"
    ]

    assert run.status_code == 201, run.text
    assert run.json()["lines"] == 4 and run.json()["matched"] == 1 and run.json()["exceptions"] == 4
    assert rerun.json()["exceptions"] == 4
    kinds = {(e["kind"], e["reference"]) for e in found}
    assert kinds == {
        ("state_differs", lost.number),
        ("extra", extra.number),
        ("amount_differs", differs.number),
        ("missing", "P20260101999999999999"),
    }
    assert matched.number not in {e["reference"] for e in found}
    resolved = await client.post(
        f"/api/v1/staff/payments/reconciliation/exceptions/{found[0]['id']}/resolve",
        json={"note": "已补记"},
        headers=headers,
    )
    assert resolved.json()["resolved"] is True
    left = (await client.get("/api/v1/staff/payments/reconciliation/exceptions", headers=headers)).json()[
        "items"
    ]
    assert len(left) == 3


async def test_a_silent_order_is_asked_about_and_recorded(client: httpx.AsyncClient, runtime: Any) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice)
    fake_of(runtime).pay(order.number)  # the notification is lost
    synced = await payments.sync_with_provider(Providers(wechat=fake_of(runtime)), order)
    assert synced.state == OrderState.PAID
    assert await User.exists(id=alice.id)


# -- government fees through the public payment platform (非税) -------------------------------------


async def test_a_government_fee_is_paid_by_notice_number_before_approval(client: httpx.AsyncClient) -> None:
    from tests.api.test_applications import APPLICATIONS, draft, publish_item, submitted_case
    from tests.api.test_cases import claim, officer, ok, step
    from tests.support.residents import verified

    item = await publish_item(fee_fen=2000, non_tax_item_code="103010100601")
    alice = await verified(client, "alice")
    early = await draft(client, alice, item)
    not_due = await client.post(f"{APPLICATIONS}/{early['id']}/payment", headers=alice.headers)
    case = await submitted_case(client, alice, item)
    assert case["state"] == "submitted"
    wang, li = await officer(client, "wang.fang"), await officer(client, "li.na")
    await claim(client, wang, case["id"])
    await ok(client, wang, case["id"], "accept")
    await claim(client, li, case["id"])
    await ok(client, li, case["id"], "review")

    unpaid = await step(client, li, case["id"], "approve")
    asked = await client.post(f"{APPLICATIONS}/{case['id']}/payment", headers=alice.headers)
    again = await client.post(f"{APPLICATIONS}/{case['id']}/payment", headers=alice.headers)
    order = asked.json()
    paid = await client.post(order["pay_params"]["pay_url"])
    seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()
    receipt = await client.get(seen["payment"]["receipt_url"])
    approved = await step(client, li, case["id"], "approve")

    assert not_due.status_code == 409 and error_code(not_due) == "application_fee_not_due"
    assert unpaid.status_code == 409 and error_code(unpaid) == "application_fee_unpaid"
    assert asked.status_code == 200 and order["provider"] == "public" and order["amount_fen"] == 2000
    assert (
        len(order["notice_number"]) == 20 and order["pay_params"]["notice_number"] == order["notice_number"]
    )
    assert again.json()["number"] == order["number"]  # asked twice: one order
    assert paid.json()["outcome"] == "paid"
    assert seen["fee_fen"] == 2000 and seen["payment"]["state"] == "paid"
    assert receipt.status_code == 200 and order["notice_number"] in receipt.text  # 电子票据
    assert approved.status_code == 200 and approved.json()["state"] == "approved"


async def public_order(
    runtime: Any, payer: Resident, *, purpose: str, merchant_code: str = MERCHANT
) -> PaymentOrder:
    """A government fee of 10 yuan, pending on the public payment platform (its notice made)."""
    order = await payments.create_order(
        payer_id=payer.id,
        purpose=purpose,
        amount_fen=1000,
        description="临时居民身份证工本费",
        merchant_code=merchant_code,
        pay_within=dt.timedelta(days=7),
        provider=Provider.PUBLIC,
    )
    adapters = runtime.adapters
    return await payments.start(Providers(wechat=adapters.wechatpay, public=adapters.publicpay), order)


async def test_forged_and_stale_public_platform_callbacks_change_nothing(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    from adapters.publicpay import protocol

    alice = await login(client, "alice")
    order = await public_order(runtime, alice, purpose="test:fee", merchant_code="qy-public-security")
    adapters = runtime.adapters
    genuine = adapters.publicpay.pay(order.notice_number)
    payload = {"notice_number": order.notice_number, "order_number": order.number, "status": "PAID",
               "amount_fen": 1000, "payment_id": "FSX", "receipt_url": None}  # fmt: skip
    forged = protocol.sign_callback(b"not-the-shared-key-not-the-key!!", payload, clock.now())
    stale = protocol.sign_callback(adapters.publicpay.key, payload, clock.now() - dt.timedelta(minutes=10))
    other = protocol.sign_callback(adapters.publicpay.key, {**payload, "notice_number": "44000"}, clock.now())
    public = "/api/v1/payments/notify/public"

    answers = [
        await client.post(public, content=body, headers=headers) for headers, body in (forged, stale, other)
    ]
    assert [(r.status_code, r.json()["message"]) for r in answers] == [
        (401, "rejected: signature"),
        (401, "rejected: stale"),
        (401, "rejected: order"),
    ]
    assert (await PaymentOrder.get(id=order.id)).state == OrderState.PENDING
    assert (await client.post(public, content=genuine[1], headers=genuine[0])).status_code == 204
    assert (await PaymentOrder.get(id=order.id)).state == OrderState.PAID


async def test_a_refund_settled_in_the_providers_answer_is_recorded_at_once(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    order = await paid_order(client, runtime, amount=1000)  # the sandbox settles refunds at once
    headers = await finance(client)
    made = await client.post(
        f"/api/v1/staff/payments/{order.id}/refunds",
        json={"amount_fen": 400, "reason": "部分"},
        headers=headers,
    )
    seen = (await client.get(f"/api/v1/staff/payments/{order.id}", headers=headers)).json()
    late_notice = await deliver(client, fake_of(runtime).complete_refund(made.json()["number"]))

    assert made.status_code == 201 and made.json()["state"] == "succeeded"
    assert seen["state"] == "partially_refunded" and [r["state"] for r in seen["refunds"]] == ["succeeded"]
    assert late_notice.status_code == 204  # its notification, arriving after, is a duplicate
    assert (await topics())["payments.refunded"] == 1
