"""Payment jobs: telling the owner, settling cancellations, giving late money back, telling the
payer of a refund, and the scheduled upkeep (deadlines, silent orders and refunds, reconciliation).

What each paid purpose does is its owner's (``domain.payments.owners``): ``payments.paid``,
``.closed`` and ``.refunded`` are delivered at least once, so owners are idempotent.
"""

from __future__ import annotations

import datetime as dt
from datetime import time, timedelta

from adapters.wechat.port import WeChat
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler, schedule
from domain.payments import outside, reconciliation, settlement
from domain.payments.models import PaymentOrder, Provider, Refund, yuan
from domain.payments.owners import owner_of
from domain.payments.service import (
    CLOSED_TOPIC,
    PAID_LATE_TOPIC,
    PAID_TOPIC,
    REFUNDED_TOPIC,
    SETTLE_TOPIC,
    Providers,
)
from domain.shared import clock
from domain.shared.i18n import _

SYNC_TOPIC = "payments.sync_pending"
REFUNDS_TOPIC = "payments.sync_refunds"
DEADLINES_TOPIC = "payments.close_overdue"
RECONCILE_TOPIC = "payments.reconcile"


def providers_of(job: Job) -> Providers:
    return Providers(wechat=job.context.adapters.wechatpay, public=job.context.adapters.publicpay)


async def _order(job: Job) -> PaymentOrder | None:
    return await PaymentOrder.get_or_none(id=int(job.payload["order_id"]))


@handler(PAID_TOPIC)
async def paid(job: Job) -> None:
    order = await _order(job)
    if order is not None:
        await owner_of(order.purpose).paid(order, job)


@handler(CLOSED_TOPIC)
async def closed(job: Job) -> None:
    order = await _order(job)
    if order is not None:
        await owner_of(order.purpose).closed(order, job)


@handler(SETTLE_TOPIC)
async def settle(job: Job) -> None:
    p = job.payload
    await settlement.settle(
        providers_of(job),
        str(p["purpose"]),
        by_site=bool(p.get("by_site")),
        reason=str(p.get("reason", "")),
        at=dt.datetime.fromisoformat(str(p["at"])),
        cancelled_by=str(p.get("cancelled_by", "system")),
    )


@handler(PAID_LATE_TOPIC)
async def paid_late(job: Job) -> None:
    await settlement.refund_late(providers_of(job), int(job.payload["order_id"]))


@handler(REFUNDED_TOPIC)
async def refunded(job: Job) -> None:
    """Tell the payer what came back and for what, then the owner."""
    order = await _order(job)
    made = await Refund.get_or_none(id=int(job.payload["refund_id"]))
    if order is None or made is None:
        return
    body = _(
        "{amount} yuan paid for {what} has been refunded to you.",
        amount=yuan(made.amount_fen),
        what=order.description,
    )
    if order.provider == Provider.PUBLIC:  # a government fee: the finance bureau's 退付, recorded by finance
        body = _(
            "{amount} yuan paid for {what} has been returned to you through the finance bureau's refund "
            "procedure (退付).",
            amount=yuan(made.amount_fen),
            what=order.description,
        )
    wechat: WeChat = job.context.adapters.wechat
    notice = Notice(
        user_id=order.payer_id,
        kind="payment_refunded",
        title=_("Refund made"),
        body=body,
        link=f"/pages/payments/detail?id={order.id}",
    )
    await deliver(notice, source_key=f"{job.topic}:{job.id}", wechat=wechat)
    await owner_of(order.purpose).refunded(order, made, job)


@handler(outside.OUTSIDE_TOPIC)
async def refund_outside(job: Job) -> None:
    """A government fee owed back through the finance bureau: finance and the payer are told."""
    await outside.announce(job)


@handler(SYNC_TOPIC)
async def sync_pending(job: Job) -> None:
    await settlement.sync_pending(providers_of(job))


@handler(REFUNDS_TOPIC)
async def sync_refunds(job: Job) -> None:
    await settlement.follow_up_refunds(providers_of(job))


@handler(DEADLINES_TOPIC)
async def close_overdue(job: Job) -> None:
    await settlement.close_overdue(providers_of(job))


@handler(RECONCILE_TOPIC)
async def reconcile_yesterday(job: Job) -> None:
    """Yesterday's statement (China date) against our books."""
    yesterday = clock.today_in_china() - timedelta(days=1)
    await reconciliation.reconcile(providers_of(job), yesterday)


schedule(SYNC_TOPIC, every=timedelta(minutes=5))
schedule(REFUNDS_TOPIC, every=timedelta(minutes=5))
schedule(DEADLINES_TOPIC, every=timedelta(minutes=1))
# WeChat Pay's statement of a day is ready from 10:00 the next morning.
schedule(RECONCILE_TOPIC, every=timedelta(days=1), at=time(10, 30))
