"""Settling money when what it paid for ends, and the scheduled upkeep of orders and refunds.

- **A cancellation** (``service.purpose_cancelled``, in the owner's transaction) is settled here
  once per purpose: an unpaid order is closed at the provider and here; a paid one is refunded by
  the system, in full when the site cancelled, else by the owner's policy at the time of cancelling
  (a refund with cause ``cancellation``, once per order).
- **Late money** (``payments.paid_late``) is refunded in full by the system (cause
  ``late_payment``), WeChat Pay only.
- **A government fee** (the public platform) cannot be refunded by API: cancelled after it was
  paid, or paid late, it is owed back through the finance bureau's own 退付 (``outside.owe``):
  finance of its merchant gets a staff alert and the payer an inbox message, once per order, and it
  stays on finance's list until finance records the 退付 done (``outside.record_returned``).
- **Deadlines**: orders unpaid past ``expires_at`` are closed, the longest overdue first.
- **Silent orders and refunds**: pending orders and processing refunds nobody heard of for a while
  are asked about, the longest unasked first, in bounded batches; a provider's error about one is
  logged and the batch goes on.
"""

from __future__ import annotations

import datetime as dt

from domain.audit import service as audit
from domain.payments import outside, refunds, service
from domain.payments.common import Providers, log
from domain.payments.errors import PaymentProviderUnavailable, RefundRefused
from domain.payments.models import (
    OPEN_STATES,
    ClosedReason,
    OrderState,
    PaymentOrder,
    Provider,
    RefundCause,
)
from domain.payments.owners import FULL_REFUND, owner_of
from domain.shared import clock
from domain.shared.actor import Actor

# A pending order or processing refund with no word for this long is asked about (WeChat retries
# its notifications for 24 hours; the query covers a notify URL that was unreachable).
QUIET_FOR = dt.timedelta(minutes=2)
BATCH = 100  # orders or refunds asked about (or closed) per run; the rest wait for the next run


async def settle(
    providers: Providers, purpose: str, *, by_site: bool, reason: str, at: dt.datetime, cancelled_by: str
) -> str:
    """Settle the money of a cancelled purpose (the ``payments.settle`` job; idempotent)."""
    order = await service.by_purpose(purpose)
    if order is None:
        return "none"
    if order.state in OPEN_STATES:
        closing = ClosedReason.DEADLINE if clock.now() >= order.expires_at else ClosedReason.CANCELLED
        # An unknown outcome raises: the job runs again later. Paid meanwhile, the payment is
        # recorded as late money (the purpose no longer stands) and given back by its own job.
        closed = await service.close_unpaid(providers, order, closing)
        return closed.state.value
    if order.late_payment or order.state not in refunds.REFUNDABLE:
        return "nothing"  # closed unpaid, or late money (its own job gives it back)
    policy = FULL_REFUND if by_site else await owner_of(purpose).policy(order, at)
    amount = min(policy.refund_fen(order.paid_fen), order.paid_fen - order.refunded_fen)
    if amount <= 0:  # kept by the policy
        await audit.record(Actor.system(), "payments.kept", target_type="payment_order", target_id=order.id,
                           after={"purpose": purpose, "policy": policy.kind.value, "refund_fen": amount,
                                  "cancelled_by": cancelled_by, "reason": reason})  # fmt: skip
        return "kept"
    if order.provider == Provider.PUBLIC:
        # A government fee, given back through the finance bureau (退付): finance and the payer are
        # told, once, and finance records it done (outside.py).
        await outside.owe(order, amount, why="cancelled", policy=policy.kind.value,
                          cancelled_by=cancelled_by, reason=reason)  # fmt: skip
        return "refund_outside"
    why = f"cancelled ({'by the site' if by_site else cancelled_by}): {reason}"
    return await _refund(providers, order, amount, why, RefundCause.CANCELLATION)


async def refund_late(providers: Providers, order_id: int) -> str:
    """Give late money back in full (the ``payments.paid_late`` job; idempotent)."""
    order = await PaymentOrder.get_or_none(id=order_id)
    if order is None or not order.late_payment:
        return "nothing"
    amount = order.paid_fen - order.refunded_fen
    if amount <= 0:
        return "nothing"
    if order.provider == Provider.PUBLIC:
        # 退付 through the finance bureau: finance and the payer are told; it stays on finance's list.
        await outside.owe(order, amount, why="late_payment")
        return "refund_outside"
    return await _refund(providers, order, amount, "paid after what it paid for had ended",
                         RefundCause.LATE_PAYMENT)  # fmt: skip


async def _refund(
    providers: Providers, order: PaymentOrder, amount: int, reason: str, cause: RefundCause
) -> str:
    try:
        made = await refunds.refund(
            Actor.system(), providers, order.id, amount_fen=amount, reason=reason, cause=cause
        )
    except RefundRefused as exc:
        # Refused for good: the failed refund stays on the order for finance to see and redo.
        log.error("refund of %s (%s) refused: %s", order.number, cause.value, exc.details)
        return "refund_failed"
    return made.state.value


async def close_overdue(providers: Providers, *, limit: int = BATCH) -> int:
    """Close unpaid orders past their deadline, the longest overdue first; returns how many closed."""
    closed = 0
    overdue = PaymentOrder.filter(state__in=OPEN_STATES, expires_at__lte=clock.now())
    for order in await overdue.order_by("expires_at", "id").limit(limit):
        try:
            after = await service.close_unpaid(providers, order, ClosedReason.DEADLINE)
        except PaymentProviderUnavailable as exc:
            log.warning("closing overdue %s: provider unavailable (%s); next run", order.number, exc.details)
            continue
        closed += after.state == OrderState.CLOSED
    return closed


async def sync_pending(providers: Providers, *, limit: int = BATCH) -> int:
    """Ask the provider about pending orders quiet for a while, the longest unasked first; returns
    how many were asked. An order asked about goes to the back of the queue (``updated_at``)."""
    now = clock.now()
    quiet = PaymentOrder.filter(state=OrderState.PENDING, updated_at__lt=now - QUIET_FOR)
    asked = await quiet.order_by("updated_at", "id").limit(limit)
    for order in asked:
        try:
            await service.sync_with_provider(providers, order)
        except PaymentProviderUnavailable as exc:
            log.warning("asking about %s: %s; next run", order.number, exc.details)
        # Unchanged (still pending, not touched by anyone since): asked, so last in line next time.
        await PaymentOrder.filter(id=order.id, state=OrderState.PENDING, updated_at=order.updated_at).update(
            updated_at=now
        )
    return len(asked)


async def follow_up_refunds(providers: Providers, *, limit: int = BATCH) -> int:
    """Ask about refunds still processing (an answer lost, a notification missed); returns how many."""
    asked = await refunds.processing(quiet_for=QUIET_FOR, limit=limit)
    for one in asked:
        try:
            await refunds.follow_up(providers, one)
        except PaymentProviderUnavailable as exc:  # WeChat Pay not wired in this process
            log.warning("asking about refund %s: %s", one.number, exc.details)
    return len(asked)
