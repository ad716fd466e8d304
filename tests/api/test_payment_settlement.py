"""Money follows every ending: late money given back, deadlines closing orders at the provider,
cancellations settled once, refunds with an unknown outcome followed up, the payer told, and
reconciliation by the provider's own day. Through the API and the outbox's jobs, with the sandbox
providers (the real notification checks run)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sanic import Sanic
from tortoise.transactions import in_transaction

import domain.notifications.jobs  # noqa: F401 - registers the notification handlers
import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from adapters.publicpay.fake import SandboxPublicPayment
from domain.audit.models import AuditRecord
from domain.notifications.models import InboxMessage, PushState
from domain.outbox.jobs import Job
from domain.payments import service as payments
from domain.payments import settlement
from domain.payments.errors import PaymentOrderClosed
from domain.payments.models import (
    ClosedReason,
    LedgerEntry,
    OrderState,
    PaymentOrder,
    Refund,
    RefundCause,
    RefundState,
)
from domain.payments.owners import FULL_REFUND, PaymentOwnerBase, RefundKind, RefundPolicy, payment_owners
from domain.shared import clock
from domain.shared.actor import Actor
from tests.api.test_inbox import run_due_jobs
from tests.api.test_payments import (
    deliver,
    fake_of,
    finance,
    paid_order,
    pending_order,
    public_order,
    topics,
)
from tests.support.apps import error_code
from tests.support.residents import Resident, login

CHINA = dt.timezone(dt.timedelta(hours=8))
STAFF = "/api/v1/staff/payments"


@dataclass
class Owner(PaymentOwnerBase):
    """A throwaway owner of ``thing:<n>`` purposes, steered by the test; it notes what it is told."""

    stands: bool = True
    reopens: bool = True
    refund_policy: RefundPolicy = FULL_REFUND
    told: list[str] = field(default_factory=list)

    async def standing(self, order: PaymentOrder, conn: Any) -> bool:
        return self.stands

    async def paid(self, order: PaymentOrder, job: Job) -> None:
        self.told.append(f"paid:{order.number}")

    async def closed(self, order: PaymentOrder, job: Job) -> None:
        self.told.append(f"closed:{order.number}")

    async def refunded(self, order: PaymentOrder, refund: Refund, job: Job) -> None:
        self.told.append(f"refunded:{refund.number}")

    async def policy(self, order: PaymentOrder, at: dt.datetime) -> RefundPolicy:
        return self.refund_policy


@pytest.fixture
def owner(monkeypatch: pytest.MonkeyPatch) -> Iterator[Owner]:
    made = Owner()
    monkeypatch.setitem(payment_owners._entries, "thing", made)  # removed after the test
    yield made


async def run_jobs(app: Sanic) -> None:
    """Run due jobs until none is left (a job's own messages run in the next round)."""
    for _ in range(6):
        if not await run_due_jobs(app):
            return


def providers(runtime: Any) -> payments.Providers:
    return payments.Providers(wechat=runtime.adapters.wechatpay, public=runtime.adapters.publicpay)


async def cancel(purpose: str, *, by_site: bool = False) -> None:
    """What an owner does when what was paid for is cancelled: inside its own transaction."""
    async with in_transaction() as conn:
        await payments.purpose_cancelled(
            conn, purpose, actor=Actor.system(), reason="test cancellation", by_site=by_site
        )


@pytest.fixture
async def desk(client: httpx.AsyncClient) -> dict[str, str]:
    """Finance of the test merchant (its auth headers)."""
    return await finance(client)


async def late_list(client: httpx.AsyncClient, desk: dict[str, str]) -> list[dict[str, Any]]:
    r = await client.get(STAFF, params={"late": "true"}, headers=desk)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


# -- late money ------------------------------------------------------------------------------------


async def test_money_for_a_purpose_that_no_longer_stands_is_refunded_automatically_and_listed(
    app: Sanic, client: httpx.AsyncClient, runtime: Any, desk: dict[str, str], owner: Owner
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice, purpose="thing:1")
    owner.stands = False  # cancelled while the payer was paying

    r = await deliver(client, fake_of(runtime).pay(order.number))
    late = await PaymentOrder.get(id=order.id)
    assert r.status_code == 204
    assert late.state == OrderState.CLOSED and late.closed_reason == ClosedReason.CANCELLED
    assert late.late_payment and late.paid_fen == 2000
    assert await topics() == {"payments.paid_late": 1}  # never "paid": the owner is not told so

    await run_jobs(app)

    given_back = await PaymentOrder.get(id=order.id)
    [refund] = await Refund.filter(order_id=order.id)
    assert refund.cause == RefundCause.LATE_PAYMENT and refund.state == RefundState.SUCCEEDED
    assert refund.amount_fen == 2000 and refund.requested_by == "system"
    assert given_back.state == OrderState.CLOSED and given_back.refunded_fen == 2000
    [listed] = await late_list(client, desk)
    assert listed["number"] == order.number and listed["late_refund"] == "succeeded"
    assert [r["cause"] for r in listed["refunds"]] == ["late_payment"]
    assert owner.told == [f"refunded:{refund.number}"]
    assert await AuditRecord.filter(action="payments.paid_late", target_id=str(order.id)).count() == 1
    # Asked again (a redelivered job), nothing is refunded twice.
    assert await settlement.refund_late(providers(runtime), order.id) == "nothing"
    assert await Refund.filter(order_id=order.id).count() == 1


async def test_money_for_an_order_closed_meanwhile_is_late_money(
    app: Sanic, client: httpx.AsyncClient, runtime: Any, owner: Owner
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice, purpose="thing:2")
    signed = fake_of(runtime).pay(order.number)
    # Closed here before the notification arrived (as when the provider could not be told).
    await PaymentOrder.filter(id=order.id).update(
        state=OrderState.CLOSED, closed_reason=ClosedReason.DEADLINE
    )

    assert (await deliver(client, signed)).status_code == 204
    await run_jobs(app)

    late = await PaymentOrder.get(id=order.id)
    assert late.late_payment and late.closed_reason == ClosedReason.DEADLINE
    assert [r.state for r in await Refund.filter(order_id=order.id)] == [RefundState.SUCCEEDED]


async def test_a_late_government_fee_stays_on_finances_list_for_the_finance_bureau(
    app: Sanic, client: httpx.AsyncClient, runtime: Any, desk: dict[str, str], owner: Owner
) -> None:
    alice = await login(client, "alice")
    order = await public_order(runtime, alice, purpose="thing:fee")
    owner.stands = False
    public: SandboxPublicPayment = runtime.adapters.publicpay
    headers, body = public.pay(str(order.notice_number))

    assert (
        await client.post("/api/v1/payments/notify/public", content=body, headers=headers)
    ).status_code == 204
    await run_jobs(app)

    [listed] = await late_list(client, desk)
    assert listed["number"] == order.number and listed["late_refund"] == "finance_bureau"
    assert listed["refunds"] == []
    refused = await client.post(
        f"{STAFF}/{order.id}/refunds", json={"amount_fen": 1000, "reason": "退付"}, headers=desk
    )
    assert refused.status_code == 409 and error_code(refused) == "order_not_refundable"
    assert refused.json()["error"]["details"]["provider"] == "public"


# -- deadlines -------------------------------------------------------------------------------------


async def test_a_fee_past_its_deadline_is_closed_at_the_provider_and_a_new_one_can_be_started(
    app: Sanic, client: httpx.AsyncClient, runtime: Any, owner: Owner
) -> None:
    alice = await login(client, "alice")
    first = await pending_order(runtime, alice, purpose="thing:3")
    fake = fake_of(runtime)

    with clock.shifted(dt.timedelta(minutes=16)):  # its 15 minutes are over
        assert await settlement.close_overdue(providers(runtime)) == 1
        await run_jobs(app)
        closed = await PaymentOrder.get(id=first.id)
        again = await payments.start(providers(runtime), closed)
        paid = await deliver(client, fake.pay(again.number, at=clock.now()))

    assert closed.state == OrderState.CLOSED and closed.closed_reason == ClosedReason.DEADLINE
    assert fake.orders[first.number].state == "CLOSED"  # closed at the provider: it cannot be paid
    assert owner.told[0] == f"closed:{first.number}"
    assert again.number != first.number and again.attempt == 2 and again.state == OrderState.PENDING
    assert paid.status_code == 204
    latest = await payments.by_purpose("thing:3")
    assert latest is not None and latest.id == again.id and latest.state == OrderState.PAID


async def test_a_government_fee_past_its_deadline_has_its_notice_withdrawn(
    client: httpx.AsyncClient, runtime: Any, owner: Owner
) -> None:
    alice = await login(client, "alice")
    unpaid = await public_order(runtime, alice, purpose="thing:11")
    paid_there = await public_order(runtime, alice, purpose="thing:12")
    public: SandboxPublicPayment = runtime.adapters.publicpay
    public.pay(str(paid_there.notice_number))  # paid at a bank counter; the callback was lost

    with clock.shifted(dt.timedelta(days=8)):
        assert await settlement.close_overdue(providers(runtime)) == 1

    assert (await PaymentOrder.get(id=unpaid.id)).closed_reason == ClosedReason.DEADLINE
    assert public.notices[str(unpaid.notice_number)].closed  # it can no longer be paid anywhere
    assert (await PaymentOrder.get(id=paid_there.id)).state == OrderState.PAID  # ALREADY_PAID: recorded


async def test_an_owner_that_does_not_reopen_refuses_a_closed_order(
    client: httpx.AsyncClient, runtime: Any, owner: Owner
) -> None:
    owner.reopens = False
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice, purpose="thing:4")

    with clock.shifted(dt.timedelta(minutes=16)), pytest.raises(PaymentOrderClosed) as refused:
        # No sweep yet: start itself closes the overdue order rather than hand out its stale prepay.
        await payments.start(providers(runtime), order)

    assert refused.value.details == {"reason": "deadline"}
    assert (await PaymentOrder.get(id=order.id)).state == OrderState.CLOSED
    assert await PaymentOrder.filter(purpose="thing:4").count() == 1


async def test_an_overdue_order_paid_at_the_provider_is_recorded_not_closed(
    client: httpx.AsyncClient, runtime: Any, owner: Owner
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice, purpose="thing:5")
    fake_of(runtime).pay(order.number)  # paid in time; the notification was lost

    with clock.shifted(dt.timedelta(minutes=16)):
        assert await settlement.close_overdue(providers(runtime)) == 0

    found = await PaymentOrder.get(id=order.id)
    assert found.state == OrderState.PAID and not found.late_payment  # ORDERPAID: synced instead


async def test_an_unreachable_provider_leaves_the_order_for_the_next_sweep(
    client: httpx.AsyncClient, runtime: Any, owner: Owner
) -> None:
    alice = await login(client, "alice")
    stuck = await pending_order(runtime, alice, purpose="thing:6")
    other = await pending_order(runtime, alice, purpose="thing:7")
    fake_of(runtime).down.add(stuck.number)

    with clock.shifted(dt.timedelta(minutes=16)):
        assert await settlement.close_overdue(providers(runtime)) == 1  # the other one still closes
        fake_of(runtime).down.clear()
        assert await settlement.close_overdue(providers(runtime)) == 1

    assert (await PaymentOrder.get(id=stuck.id)).state == OrderState.CLOSED
    assert (await PaymentOrder.get(id=other.id)).state == OrderState.CLOSED


# -- cancellations ---------------------------------------------------------------------------------


async def test_cancelling_an_unpaid_purpose_closes_its_order_at_the_provider_once(
    app: Sanic, client: httpx.AsyncClient, runtime: Any, owner: Owner
) -> None:
    alice = await login(client, "alice")
    order = await pending_order(runtime, alice, purpose="thing:8")

    for _ in range(3):
        await cancel("thing:8")
    assert await topics() == {"payments.settle": 1}
    await run_jobs(app)

    closed = await PaymentOrder.get(id=order.id)
    assert closed.state == OrderState.CLOSED and closed.closed_reason == ClosedReason.CANCELLED
    assert fake_of(runtime).orders[order.number].state == "CLOSED"
    assert owner.told == [f"closed:{order.number}"]


@pytest.mark.parametrize(
    ("policy", "by_site", "back"),
    [
        (RefundPolicy(RefundKind.FEE_KEPT, fee_fen=500), False, 1500),
        (RefundPolicy(RefundKind.FEE_KEPT, fee_fen=500), True, 2000),  # the site's doing: all back
        (RefundPolicy(RefundKind.NONE), False, 0),
    ],
)
async def test_cancelling_a_paid_purpose_refunds_it_by_the_owners_policy(
    app: Sanic,
    client: httpx.AsyncClient,
    runtime: Any,
    owner: Owner,
    policy: RefundPolicy,
    by_site: bool,
    back: int,
) -> None:
    owner.refund_policy = policy
    order = await paid_order(client, runtime, purpose="thing:9")

    await cancel("thing:9", by_site=by_site)
    await cancel("thing:9", by_site=by_site)
    await run_jobs(app)

    made = await Refund.filter(order_id=order.id)
    settled = await PaymentOrder.get(id=order.id)
    assert [(r.amount_fen, r.cause, r.state) for r in made] == (
        [(back, RefundCause.CANCELLATION, RefundState.SUCCEEDED)] if back else []
    )
    assert settled.refunded_fen == back
    assert settled.state == {0: OrderState.PAID, 1500: OrderState.PARTIALLY_REFUNDED}.get(
        back, OrderState.REFUNDED
    )
    if not back:
        assert await AuditRecord.filter(action="payments.kept", target_id=str(order.id)).count() == 1


# -- refunds with an unknown outcome ---------------------------------------------------------------


async def refund_by_finance(
    client: httpx.AsyncClient, desk: dict[str, str], order: PaymentOrder, amount: int
) -> httpx.Response:
    return await client.post(
        f"{STAFF}/{order.id}/refunds", json={"amount_fen": amount, "reason": "退费"}, headers=desk
    )


async def follow_up(runtime: Any) -> int:
    with clock.shifted(dt.timedelta(minutes=3)):  # quiet for long enough to be asked about
        return await settlement.follow_up_refunds(providers(runtime))


async def asked_refund(
    client: httpx.AsyncClient,
    runtime: Any,
    desk: dict[str, str],
    amount: int,
    *,
    carried_out: bool | None = None,
    instant: bool = False,
) -> tuple[PaymentOrder, str]:
    """A payment of 10 yuan, and finance's refund of ``amount`` still processing: its request timed
    out after the provider took it (``carried_out``) or before, or the provider has not answered yet
    (``None``). ``instant``: the provider settles a refund in the request's own answer."""
    fake_of(runtime).instant_refunds = instant
    order = await paid_order(client, runtime, amount=1000)
    if carried_out is not None:
        fake_of(runtime).time_out_refunds(carried_out=carried_out)
    made = await refund_by_finance(client, desk, order, amount)
    assert made.status_code == 201 and made.json()["state"] == "processing", made.text
    return order, str(made.json()["number"])


async def test_a_refund_that_times_out_and_then_succeeds_ends_succeeded_once(
    client: httpx.AsyncClient, runtime: Any, desk: dict[str, str]
) -> None:
    fake = fake_of(runtime)
    order, number = await asked_refund(client, runtime, desk, 1000, carried_out=True)

    again = await refund_by_finance(client, desk, order, 1)
    assert again.status_code == 409 and error_code(again) == "refund_exceeds_paid"  # not given back
    assert await follow_up(runtime) == 1  # PROCESSING at the provider: still processing here
    assert (await Refund.get(number=number)).state == RefundState.PROCESSING

    done = await deliver(client, fake.complete_refund(number))
    twice = await deliver(client, fake.complete_refund(number))
    assert await follow_up(runtime) == 0  # nothing left to ask about

    assert (done.status_code, twice.status_code) == (204, 204)
    refund = await Refund.get(number=number)
    assert refund.state == RefundState.SUCCEEDED and refund.provider_success_at is not None
    settled = await PaymentOrder.get(id=order.id)
    assert settled.state == OrderState.REFUNDED and settled.refunded_fen == 1000
    assert sorted(e.amount_fen for e in await LedgerEntry.filter(order_id=order.id)) == [-1000, 1000]
    assert (await topics())["payments.refunded"] == 1


async def test_a_refund_whose_answer_was_lost_is_found_by_asking(
    client: httpx.AsyncClient, runtime: Any, desk: dict[str, str]
) -> None:
    order, number = await asked_refund(client, runtime, desk, 400, carried_out=True)
    fake_of(runtime).complete_refund(number)  # it went through; its notification is lost too

    assert await follow_up(runtime) == 1

    assert (await Refund.get(number=number)).state == RefundState.SUCCEEDED
    assert (await PaymentOrder.get(id=order.id)).state == OrderState.PARTIALLY_REFUNDED


async def test_a_refund_the_provider_never_received_is_asked_for_again_under_its_number(
    client: httpx.AsyncClient, runtime: Any, desk: dict[str, str]
) -> None:
    order, number = await asked_refund(client, runtime, desk, 1000, carried_out=False, instant=True)

    assert await follow_up(runtime) == 1  # RESOURCE_NOT_EXISTS: asked again, settled in the answer

    [refund] = await Refund.filter(order_id=order.id)
    assert refund.number == number and refund.state == RefundState.SUCCEEDED
    assert [r.status for r in fake_of(runtime).orders[order.number].refunds.values()] == ["SUCCESS"]


async def test_an_unreachable_provider_keeps_a_refund_processing(
    client: httpx.AsyncClient, runtime: Any, desk: dict[str, str]
) -> None:
    _order, number = await asked_refund(client, runtime, desk, 1000)
    fake_of(runtime).down.add(number)

    assert await follow_up(runtime) == 1

    assert (await Refund.get(number=number)).state == RefundState.PROCESSING


async def test_only_a_definite_refusal_fails_a_refund_and_frees_its_amount(
    client: httpx.AsyncClient, runtime: Any, desk: dict[str, str]
) -> None:
    order, number = await asked_refund(client, runtime, desk, 1000)
    fake_of(runtime).refuse_refund(number, status="CLOSED")  # found by asking

    assert await follow_up(runtime) == 1

    assert (await Refund.get(number=number)).state == RefundState.FAILED
    assert (await PaymentOrder.get(id=order.id)).refunded_fen == 0
    assert (await refund_by_finance(client, desk, order, 1000)).status_code == 201  # refundable again


async def test_a_success_after_a_local_failure_is_applied_once(
    client: httpx.AsyncClient, runtime: Any, desk: dict[str, str]
) -> None:
    fake = fake_of(runtime)
    order, number = await asked_refund(client, runtime, desk, 600)

    refused = await deliver(client, fake.refuse_refund(number))
    assert (await PaymentOrder.get(id=order.id)).refunded_fen == 0
    succeeded = await deliver(client, fake.complete_refund(number))
    again = await deliver(client, fake.complete_refund(number))

    assert (refused.status_code, succeeded.status_code, again.status_code) == (204, 204, 204)
    assert (await Refund.get(number=number)).state == RefundState.SUCCEEDED
    settled = await PaymentOrder.get(id=order.id)
    assert settled.refunded_fen == 600 and settled.state == OrderState.PARTIALLY_REFUNDED
    assert sorted(e.amount_fen for e in await LedgerEntry.filter(order_id=order.id)) == [-600, 1000]
    assert (await topics())["payments.refunded"] == 1


# -- silent orders ---------------------------------------------------------------------------------


async def test_silent_orders_are_asked_oldest_first_in_batches_past_a_providers_error(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    fake = fake_of(runtime)
    alice = await login(client, "alice")
    orders = [await pending_order(runtime, alice, purpose=f"quiet:{n}") for n in range(3)]
    for minutes, order in zip((10, 9, 8), orders, strict=True):
        fake.pay(order.number)  # paid; every notification lost
        await PaymentOrder.filter(id=order.id).update(updated_at=clock.now() - dt.timedelta(minutes=minutes))
    oldest, broken, newest = orders
    fake.down.add(broken.number)

    assert await settlement.sync_pending(providers(runtime), limit=2) == 2
    states = [(await PaymentOrder.get(id=o.id)).state for o in orders]
    assert states == [OrderState.PAID, OrderState.PENDING, OrderState.PENDING]
    # The broken one was asked (and goes to the back); the next run reaches the newest.
    assert await settlement.sync_pending(providers(runtime), limit=2) == 1
    assert (await PaymentOrder.get(id=newest.id)).state == OrderState.PAID
    assert (await PaymentOrder.get(id=broken.id)).state == OrderState.PENDING


# -- telling the payer -----------------------------------------------------------------------------


async def test_the_payer_is_told_of_a_refund_in_their_language(
    app: Sanic, client: httpx.AsyncClient, runtime: Any, desk: dict[str, str], owner: Owner
) -> None:
    order = await paid_order(client, runtime, amount=2050, purpose="thing:10")
    made = await refund_by_finance(client, desk, order, 1234)
    assert made.json()["state"] == "succeeded"

    await run_jobs(app)

    alice: Resident = await login(client, "alice")
    chinese = (await client.get("/api/v1/inbox", headers=alice.headers)).json()["items"]
    await client.patch("/api/v1/me", json={"locale": "en"}, headers=alice.headers)
    english = (await client.get("/api/v1/inbox", headers=alice.headers)).json()["items"]
    assert [m["kind"] for m in chinese] == ["payment_refunded"]
    assert chinese[0]["title"] == "退款成功"
    assert chinese[0]["body"] == "您为挂号费支付的12.34元已退回。"
    assert english[0]["body"] == "12.34 yuan paid for 挂号费 has been refunded to you."
    assert english[0]["link"] == f"/pages/payments/detail?id={order.id}"
    message = await InboxMessage.get()
    assert message.push_state == PushState.SENT  # and as a WeChat subscribe message
    assert owner.told[-1] == f"refunded:{made.json()['number']}"  # after the payer is told


# -- reconciliation by the provider's day ----------------------------------------------------------


async def test_a_notification_after_midnight_reconciles_under_the_day_of_the_payment(
    client: httpx.AsyncClient, runtime: Any
) -> None:
    day = dt.date(2026, 5, 10)
    before_midnight = dt.datetime.combine(day, dt.time(23, 59, 50), CHINA)
    after_midnight = before_midnight + dt.timedelta(seconds=40)
    fake = fake_of(runtime)
    with clock.frozen_at(before_midnight - dt.timedelta(minutes=5)):
        alice = await login(client, "alice")
        order = await pending_order(runtime, alice)
    signed = fake.pay(order.number, at=before_midnight)

    with clock.frozen_at(after_midnight):
        assert (await deliver(client, signed)).status_code == 204
        headers = await finance(client)
        runs = [
            await client.post(f"{STAFF}/reconciliation/runs", json={"day": d.isoformat()}, headers=headers)
            for d in (day, day + dt.timedelta(days=1))
        ]
        left = await client.get(f"{STAFF}/reconciliation/exceptions", headers=headers)

    paid = await PaymentOrder.get(id=order.id)
    assert paid.provider_success_at == before_midnight and paid.paid_at == after_midnight
    assert [(r.json()["lines"], r.json()["matched"], r.json()["exceptions"]) for r in runs] == [
        (1, 1, 0),
        (0, 0, 0),
    ]
    assert left.json()["items"] == []
