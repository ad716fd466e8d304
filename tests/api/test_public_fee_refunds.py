"""A withdrawn case whose government fee was paid: the department's finance staff are alerted and the
applicant told, once, that the fee comes back through the finance bureau (退付); finance's list shows
it to return; finance records the 退付 (``POST /staff/payments/<id>/refund-outside``), the case's fee
is refunded and the applicant told. Refused above what is refundable, on a WeChat Pay fee, out of
scope, and for bad input, each with its code."""

from __future__ import annotations

from typing import Any

import httpx
from sanic import Sanic

import domain.payments.jobs  # noqa: F401 - settling, the finance bureau's notices, refund notices
from domain.notifications.models import InboxMessage
from domain.outbox.models import OutboxMessage, OutboxState
from domain.payments import outside
from domain.payments.models import OrderState, PaymentOrder
from domain.shared import clock
from domain.staff.models import StaffAlert
from tests.api.test_money_follows_state import reviewed_case, settle
from tests.api.test_staff import staff_client
from tests.support.apps import error_code
from tests.support.residents import Resident, verified

STAFF = "/api/v1/staff/payments"
ALERTS = "/api/v1/staff/alerts"
DEPARTMENT = "gz-civil"  # the test item's department: the fee's merchant


async def withdrawn_paid_case(client: httpx.AsyncClient, who: Resident, item: str) -> dict[str, Any]:
    """A case under review whose fee was paid, then withdrawn by the applicant; its order."""
    from tests.api.test_applications import APPLICATIONS

    case, _li = await reviewed_case(client, who, item)
    order = (await client.post(f"{APPLICATIONS}/{case['id']}/payment", headers=who.headers)).json()
    pay_url = order["pay_params"].get("complete_url") or order["pay_params"]["pay_url"]
    assert (await client.post(pay_url)).json()["outcome"] == "paid"
    withdrawn = await client.post(f"{APPLICATIONS}/{case['id']}/withdraw", json={}, headers=who.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    return {"case": case, "order": order}


async def test_a_withdrawn_government_fee_is_returned_through_the_finance_bureau_and_recorded(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    from tests.api.test_applications import APPLICATIONS, publish_item

    item = await publish_item("GG0002", fee_fen=1500, non_tax_item_code="103010100601")
    alice = await verified(client, "alice")
    made = await withdrawn_paid_case(client, alice, item)
    await settle(app)
    order = await PaymentOrder.get(number=made["order"]["number"])
    # The settlement delivered again (a redelivered job): nobody is told twice.
    redone = await OutboxMessage.filter(topic__in=["payments.settle", outside.OUTSIDE_TOPIC]).update(
        state=OutboxState.PENDING, available_at=clock.now(), lease_until=None, done_at=None
    )
    assert redone == 2
    await settle(app)
    desk = await staff_client(client, "finance.civil", roles=["finance"], scopes=[DEPARTMENT])

    alerted = await client.get(ALERTS, headers={**desk, "Accept-Language": "en"})
    listed = await client.get(STAFF, headers=desk)
    case_before = (await client.get(f"{APPLICATIONS}/{made['case']['id']}", headers=alice.headers)).json()

    assert await StaffAlert.filter(scope=DEPARTMENT).count() == 1
    [alert] = [a for a in alerted.json()["items"] if a["kind"] == outside.KIND]
    assert "15.00 yuan" in alert["body"] and order.number in alert["body"]
    assert await InboxMessage.filter(user_id=alice.id, kind=outside.KIND).count() == 1
    [row] = [o for o in listed.json()["items"] if o["id"] == order.id]
    assert row["finance_bureau"] == "to_return" and row["finance_bureau_due_fen"] == 1500
    assert case_before["fee_state"] == "refund_by_finance"

    recorded = await client.post(
        f"{STAFF}/{order.id}/refund-outside",
        json={"amount_fen": 1500, "reference": "CZ2026-0042"},
        headers=desk,
    )
    await settle(app)
    seen = await client.get(f"{STAFF}/{order.id}", headers=desk)
    case_after = (await client.get(f"{APPLICATIONS}/{made['case']['id']}", headers=alice.headers)).json()
    told = await client.get("/api/v1/inbox", headers=alice.headers)  # she reads 简体 (her saved locale)

    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["number"] == "TCZ2026-0042" and recorded.json()["state"] == "succeeded"
    assert seen.json()["state"] == "refunded" and seen.json()["finance_bureau"] == "returned"
    assert case_after["fee_state"] == "refunded" and case_after["payment"]["refunded_fen"] == 1500
    bodies = [m["body"] for m in told.json()["items"]]
    assert any("15.00元已通过财政部门的退付程序退回" in b for b in bodies), bodies
    assert (await PaymentOrder.get(id=order.id)).state == OrderState.REFUNDED


async def test_recording_a_refund_outside_is_refused_with_a_code(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    from tests.api.test_applications import publish_item

    public_item = await publish_item("GG0002", fee_fen=1500, non_tax_item_code="103010100601")
    wechat_item = await publish_item(fee_fen=2000)
    alice = await verified(client, "alice")
    public = (await withdrawn_paid_case(client, alice, public_item))["order"]
    wechat = (await withdrawn_paid_case(client, alice, wechat_item))["order"]
    await settle(app)
    desk = await staff_client(client, "finance.civil", roles=["finance"], scopes=[DEPARTMENT])
    elsewhere = await staff_client(client, "finance.other", roles=["finance"], scopes=["gz-other"])
    path = f"{STAFF}/{public['id']}/refund-outside"
    good = {"amount_fen": 1500, "reference": "CZ-1"}

    too_much = await client.post(path, json={**good, "amount_fen": 1501}, headers=desk)
    by_wechat = await client.post(f"{STAFF}/{wechat['id']}/refund-outside", json=good, headers=desk)
    out_of_scope = await client.post(path, json=good, headers=elsewhere)
    bad_reference = await client.post(path, json={**good, "reference": "CZ 1; drop"}, headers=desk)
    zero = await client.post(path, json={**good, "amount_fen": 0}, headers=desk)
    extra = await client.post(path, json={**good, "reason": "x"}, headers=desk)
    unknown = await client.post(f"{STAFF}/999999/refund-outside", json=good, headers=desk)
    resident = await client.post(path, json=good, headers=alice.headers)

    assert too_much.status_code == 409 and error_code(too_much) == "refund_exceeds_paid"
    assert too_much.json()["error"]["details"]["refundable"] == 1500
    assert by_wechat.status_code == 409 and error_code(by_wechat) == "refund_outside_not_due"
    assert by_wechat.json()["error"]["details"]["provider"] == "wechat"
    assert out_of_scope.status_code == 403 and error_code(out_of_scope) == "staff_scope_required"
    for refused in (bad_reference, zero, extra):
        assert refused.status_code == 422 and error_code(refused), refused.text
    assert unknown.status_code == 404 and error_code(unknown) == "payment_order_not_found"
    assert resident.status_code == 401 and error_code(resident)  # a resident's token is no staff token
    assert (await PaymentOrder.get(id=public["id"])).refunded_fen == 0  # nothing was recorded

    done = await client.post(path, json=good, headers=desk)
    reused = await client.post(path, json={**good, "amount_fen": 100}, headers=desk)
    assert done.status_code == 201, done.text
    assert reused.status_code == 409 and error_code(reused) == "refund_reference_used"
