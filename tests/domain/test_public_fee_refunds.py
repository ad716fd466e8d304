"""A government fee (the public platform, 非税) cannot be refunded by API: cancelled after it was paid,
or paid late, it is owed back through the finance bureau's 退付. Finance of its merchant and the payer
are told once per order; finance records the 退付 done (never above what is refundable, only on a fee
owed back, in its own scope), which refunds the order, writes the ledger and tells the payer."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from adapters.publicpay.fake import SandboxPublicPayment
from adapters.wechat.fake import SandboxWeChat
from adapters.wechatpay.fake import SandboxWeChatPay
from domain.accounts.models import User
from domain.audit.models import AuditRecord
from domain.notifications.models import InboxMessage
from domain.outbox.jobs import Job, JobContext, handler_for
from domain.outbox.models import OutboxMessage
from domain.payments import outside, reconciliation, settlement
from domain.payments import service as payments
from domain.payments.errors import (
    PaymentAmountInvalid,
    RefundExceedsPaid,
    RefundOutsideNotDue,
    RefundReferenceInvalid,
    RefundReferenceUsed,
)
from domain.payments.models import (
    LedgerEntry,
    OrderState,
    PaymentOrder,
    Provider,
    ReconciliationException,
    Refund,
    RefundState,
)
from domain.payments.owners import FULL_REFUND, PaymentOwnerBase, RefundKind, RefundPolicy, payment_owners
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff import alerts
from domain.staff.errors import StaffRoleRequired, StaffScopeRequired
from domain.staff.models import StaffAlert

MERCHANT = "gz-civil"
FINANCE = Actor("staff", 7, roles=frozenset({"finance"}), scopes=frozenset({MERCHANT}))
ELSEWHERE = Actor("staff", 8, roles=frozenset({"finance"}), scopes=frozenset({"gz-other"}))
CLERK = Actor("staff", 9, roles=frozenset({"case_officer"}), scopes=frozenset({MERCHANT}))


@dataclass
class Fee(PaymentOwnerBase):
    """A throwaway owner of ``govfee:<n>`` purposes, steered by the test."""

    stands: bool = True
    refund_policy: RefundPolicy = FULL_REFUND

    async def standing(self, order: PaymentOrder, conn: Any) -> bool:
        return self.stands

    async def policy(self, order: PaymentOrder, at: dt.datetime) -> RefundPolicy:
        return self.refund_policy


@pytest.fixture
def owner(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fee]:
    made = Fee()
    monkeypatch.setitem(payment_owners._entries, "govfee", made)  # removed after the test
    yield made


PUBLIC = SandboxPublicPayment()
PROVIDERS = payments.Providers(public=PUBLIC)  # a government fee never asks WeChat Pay


async def payer() -> User:
    return await User.create(openid=f"o-{uuid.uuid4().hex}", created_at=clock.now())


async def paid_fee(purpose: str, *, provider: Provider = Provider.PUBLIC, amount: int = 1500) -> PaymentOrder:
    """A fee of ``amount`` fen paid (its payment recorded as the platform's callback would)."""
    user = await payer()
    order = await payments.create_order(
        payer_id=user.id,
        purpose=purpose,
        amount_fen=amount,
        description="临时居民身份证工本费",
        merchant_code=MERCHANT,
        pay_within=dt.timedelta(days=7),
        provider=provider,
    )
    await payments.record_payment(payments.Payment(order.number, f"PUB-{uuid.uuid4().hex[:12]}", amount))
    return await PaymentOrder.get(id=order.id)


async def cancel(purpose: str) -> str:
    """The ``payments.settle`` job of a cancellation by the payer."""
    return await settlement.settle(
        PROVIDERS, purpose, by_site=False, reason="withdrawn", at=clock.now(), cancelled_by="resident:1"
    )


def context(wechat: SandboxWeChat) -> JobContext:
    return JobContext(redis=None, keys=None, adapters=SimpleNamespace(wechat=wechat))  # type: ignore[arg-type]


async def run(topic: str, wechat: SandboxWeChat) -> int:
    """Every job of ``topic`` so far, run (again: running one twice changes nothing)."""
    spec = handler_for(topic)
    assert spec is not None
    found = await OutboxMessage.filter(topic=topic).order_by("id")
    for m in found:
        await spec.run(Job(m.id, m.topic, m.payload, 1, context(wechat)))
    return len(found)


async def test_a_cancelled_paid_government_fee_tells_finance_and_the_payer_once(db: str, owner: Fee) -> None:
    order = await paid_fee("govfee:1")
    assert order.state == OrderState.PAID

    assert await cancel("govfee:1") == "refund_outside"
    assert await cancel("govfee:1") == "refund_outside"  # the job delivered twice
    wechat = SandboxWeChat()
    assert await run(outside.OUTSIDE_TOPIC, wechat) == 1
    await run(outside.OUTSIDE_TOPIC, wechat)  # and its announcement too

    owed = await AuditRecord.filter(action=outside.OWED_ACTION, target_id=str(order.id))
    assert len(owed) == 1 and owed[0].after["refund_fen"] == 1500 and owed[0].after["why"] == "cancelled"
    [alert] = await StaffAlert.filter(scope=MERCHANT)
    assert alert.role == "finance" and alert.kind == outside.KIND
    assert alert.link == f"/pages/finance/refund?id={order.id}"
    [read] = await alerts.readable(FINANCE)
    assert read.id == alert.id and "15.00 yuan" in alerts.body_of(read, "en")
    assert order.number in alerts.body_of(read, "en")
    assert await alerts.readable(ELSEWHERE) == []
    [told] = await InboxMessage.filter(user_id=order.payer_id)
    assert told.kind == outside.KIND and told.params["amount"] == "15.00"
    assert "finance bureau" in told.body_msgid
    assert await Refund.filter(order_id=order.id).count() == 0  # nothing refunded by API
    assert (await outside.due([order]))[order.id] == outside.Due(1500, returned=False)


async def test_finance_records_the_refund_the_order_is_refunded_and_the_payer_told(
    db: str, owner: Fee
) -> None:
    order = await paid_fee("govfee:2")
    await cancel("govfee:2")

    made = await outside.record_returned(FINANCE, order.id, amount_fen=1500, reference="CZ2026-0042")
    again = await outside.record_returned(FINANCE, order.id, amount_fen=1500, reference="CZ2026-0042")

    after = await PaymentOrder.get(id=order.id)
    assert again.id == made.id  # the same 退付 recorded again: the first answer
    assert made.number == "TCZ2026-0042" and made.state == RefundState.SUCCEEDED and made.cause is None
    assert made.requested_by == "staff:7" and "CZ2026-0042" in made.reason
    assert after.state == OrderState.REFUNDED and after.refunded_fen == 1500
    [entry] = await LedgerEntry.filter(order_id=order.id, kind="refund")
    assert entry.amount_fen == -1500 and entry.refund_id == made.id
    assert await AuditRecord.filter(action=outside.RECORDED_ACTION, target_id=str(order.id)).count() == 1
    assert (await outside.due([after]))[order.id] == outside.Due(1500, returned=True)
    wechat = SandboxWeChat()
    assert await run(payments.REFUNDED_TOPIC, wechat) == 1
    [told] = await InboxMessage.filter(user_id=order.payer_id, kind="payment_refunded")
    assert "finance bureau" in told.body_msgid and told.params["amount"] == "15.00"


async def test_a_fee_kept_in_part_is_owed_and_recorded_in_parts(db: str, owner: Fee) -> None:
    owner.refund_policy = RefundPolicy(RefundKind.FEE_KEPT, fee_fen=500)
    order = await paid_fee("govfee:3")
    await cancel("govfee:3")

    assert (await outside.due([order]))[order.id] == outside.Due(1000, returned=False)
    await outside.record_returned(FINANCE, order.id, amount_fen=600, reference="CZ-1")
    part = await PaymentOrder.get(id=order.id)
    assert part.state == OrderState.PARTIALLY_REFUNDED and part.refunded_fen == 600
    assert (await outside.due([part]))[order.id].state == "to_return"
    with pytest.raises(RefundExceedsPaid) as exceeded:  # 900 is refundable, 400 is owed
        await outside.record_returned(FINANCE, order.id, amount_fen=401, reference="CZ-2")
    assert exceeded.value.details == {"refundable": 400}
    await outside.record_returned(FINANCE, order.id, amount_fen=400, reference="CZ-2", note="the rest")
    rest = await PaymentOrder.get(id=order.id)
    assert (await outside.due([rest]))[order.id].state == "returned"
    with pytest.raises(RefundExceedsPaid) as exceeded:  # the fee the policy kept stays kept
        await outside.record_returned(FINANCE, order.id, amount_fen=1, reference="CZ-3")
    assert exceeded.value.details == {"refundable": 0}


async def test_late_money_on_a_government_fee_is_owed_told_and_recorded(db: str, owner: Fee) -> None:
    owner.stands = False
    order = await paid_fee("govfee:4")
    assert order.late_payment and order.state == OrderState.CLOSED

    assert await settlement.refund_late(PROVIDERS, order.id) == "refund_outside"
    assert await settlement.refund_late(PROVIDERS, order.id) == "refund_outside"
    wechat = SandboxWeChat()
    await run(outside.OUTSIDE_TOPIC, wechat)
    assert await StaffAlert.filter(scope=MERCHANT, role="finance").count() == 1
    assert await InboxMessage.filter(user_id=order.payer_id, kind=outside.KIND).count() == 1

    await outside.record_returned(FINANCE, order.id, amount_fen=1500, reference="CZ-LATE-1")
    after = await PaymentOrder.get(id=order.id)
    assert after.state == OrderState.CLOSED and after.refunded_fen == 1500  # it stays closed, given back
    assert await settlement.refund_late(PROVIDERS, order.id) == "nothing"


async def test_recording_is_refused_unless_a_government_fee_is_owed_back_in_scope(
    db: str, owner: Fee
) -> None:
    standing = await paid_fee("govfee:5")  # paid, nothing cancelled
    wechat = await paid_fee("govfee:6", provider=Provider.WECHAT)
    owed = await paid_fee("govfee:7")
    await cancel("govfee:7")
    await outside.record_returned(FINANCE, owed.id, amount_fen=100, reference="CZ-USED")

    with pytest.raises(RefundOutsideNotDue) as not_cancelled:
        await outside.record_returned(FINANCE, standing.id, amount_fen=100, reference="CZ-A")
    with pytest.raises(RefundOutsideNotDue) as by_wechat:
        await outside.record_returned(FINANCE, wechat.id, amount_fen=100, reference="CZ-B")
    with pytest.raises(StaffScopeRequired):
        await outside.record_returned(ELSEWHERE, owed.id, amount_fen=100, reference="CZ-C")
    with pytest.raises(StaffRoleRequired):
        await outside.record_returned(CLERK, owed.id, amount_fen=100, reference="CZ-D")
    with pytest.raises(RefundReferenceUsed):
        await outside.record_returned(FINANCE, owed.id, amount_fen=200, reference="CZ-USED")
    with pytest.raises(RefundReferenceInvalid):
        await outside.record_returned(FINANCE, owed.id, amount_fen=100, reference="-bad ref")
    with pytest.raises(PaymentAmountInvalid):
        await outside.record_returned(FINANCE, owed.id, amount_fen=0, reference="CZ-E")

    assert not_cancelled.value.details == {"state": "paid"}
    assert by_wechat.value.details == {"provider": "wechat"}
    assert (await PaymentOrder.get(id=owed.id)).refunded_fen == 100  # nothing else moved
    assert await Refund.filter(order_id__in=[standing.id, wechat.id]).count() == 0


async def test_a_recorded_refund_outside_is_on_no_wechat_pay_statement(db: str, owner: Fee) -> None:
    order = await paid_fee("govfee:8")
    await cancel("govfee:8")
    made = await outside.record_returned(FINANCE, order.id, amount_fen=1500, reference="CZ-RECON")
    assert made.provider_success_at is not None
    day = made.provider_success_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    wechat = payments.Providers(wechat=SandboxWeChatPay(mchid="1900000001", appid="wx-test"))

    run = await reconciliation.reconcile(wechat, day)

    assert (run.lines, run.exceptions) == (0, 0)  # not "extra": the finance bureau gave it back
    assert await ReconciliationException.filter(reference=made.number).count() == 0


@pytest.mark.postgres
async def test_at_once_a_fee_is_owed_once_and_returned_once(db: str, owner: Fee) -> None:
    """Two settlements of one cancellation, two finance staff recording the full 退付 under two
    references, and one reference recorded on two orders, each at the same moment."""
    order = await paid_fee("govfee:race")
    await asyncio.gather(cancel("govfee:race"), cancel("govfee:race"), cancel("govfee:race"))
    assert await AuditRecord.filter(action=outside.OWED_ACTION, target_id=str(order.id)).count() == 1
    assert await OutboxMessage.filter(topic=outside.OUTSIDE_TOPIC).count() == 1

    async def record(order_id: int, reference: str) -> str:
        try:
            await outside.record_returned(FINANCE, order_id, amount_fen=1500, reference=reference)
        except (RefundExceedsPaid, RefundReferenceUsed) as refused:
            return refused.code
        return "recorded"

    outcomes = await asyncio.gather(record(order.id, "CZ-A"), record(order.id, "CZ-B"))
    assert sorted(outcomes) == ["recorded", "refund_exceeds_paid"]
    after = await PaymentOrder.get(id=order.id)
    assert after.refunded_fen == 1500 and after.state == OrderState.REFUNDED
    assert await LedgerEntry.filter(order_id=order.id, kind="refund").count() == 1

    one, other = await paid_fee("govfee:r1"), await paid_fee("govfee:r2")
    await cancel("govfee:r1")
    await cancel("govfee:r2")
    outcomes = await asyncio.gather(record(one.id, "CZ-SAME"), record(other.id, "CZ-SAME"))
    assert sorted(outcomes) == ["recorded", "refund_reference_used"]
    assert await Refund.filter(number="TCZ-SAME").count() == 1
