"""Refunds: asked for under the order's row lock, never above what was paid, settled exactly once.

A refund is ``processing`` from the moment it is asked for until the provider says how it ended.
An answer that never came (a timeout, a reset, a 5xx: ``WeChatPayUnavailable``) is *not* a
refusal: the provider may have carried it out, so the refund stays processing and
:func:`follow_up` asks about it (``query_refund``) until the provider knows. Only a definite
refusal (any other provider error, or a refund that ends CLOSED/ABNORMAL) fails it, and only then
is its amount refundable again. A success that arrives after a failure is still applied, once:
money that left is never left out of the books.
"""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from adapters.wechatpay.port import WeChatPay, WeChatPayError, WeChatPayUnavailable
from domain.outbox.service import enqueue
from domain.payments.common import MAX_ID, Providers, locked, log, number, record, require_wechat
from domain.payments.errors import (
    NotificationRejected,
    OrderNotRefundable,
    PaymentAmountInvalid,
    RefundExceedsPaid,
    RefundRefused,
)
from domain.payments.models import (
    LedgerEntry,
    OrderState,
    PaymentOrder,
    Provider,
    Refund,
    RefundCause,
    RefundState,
)
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.roles import Role, authorize

REFUNDED_TOPIC = "payments.refunded"
REFUNDABLE = (OrderState.PAID, OrderState.PARTIALLY_REFUNDED)
# Provider answers of a refund that ended without the money going back.
REFUSED = ("CLOSED", "ABNORMAL")


async def refund(
    actor: Actor,
    providers: Providers,
    order_id: int,
    *,
    amount_fen: int,
    reason: str,
    cause: RefundCause | None = None,
) -> Refund:
    """Give money back (finance staff of the order's merchant, or the system): partial and repeated
    refunds, never above what was paid. A system refund for a ``cause`` happens once per order:
    asked again, the first one is the answer. An unknown outcome leaves it ``processing``."""
    if actor.kind != "system":
        authorize(actor, Role.FINANCE)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise PaymentAmountInvalid(details={"amount_fen": str(amount_fen)[:20]})
    wechat = require_wechat(providers)
    async with in_transaction() as conn:
        order = await locked(conn, id=order_id if 0 < order_id <= MAX_ID else 0)
        if actor.kind != "system":
            authorize(actor, Role.FINANCE, order.merchant_code)
        if cause is not None:
            earlier = await Refund.filter(order_id=order.id, cause=cause).using_db(conn).first()
            if earlier is not None:
                return earlier
        if order.state not in REFUNDABLE and not order.late_payment:
            raise OrderNotRefundable(details={"state": order.state.value})
        if order.provider == Provider.PUBLIC:
            # A government fee is given back by the finance bureau's own 退付 procedure, not here.
            raise OrderNotRefundable(details={"state": order.state.value, "provider": order.provider.value})
        refundable = order.paid_fen - order.refunded_fen
        if amount_fen > refundable:
            raise RefundExceedsPaid(details={"refundable": refundable})
        now = clock.now()
        order.refunded_fen += amount_fen
        order.updated_at = now
        await order.save(using_db=conn, update_fields=["refunded_fen", "updated_at"])
        created = await Refund.create(
            number=number("R"),
            order_id=order.id,
            amount_fen=amount_fen,
            reason=reason[:200],
            state=RefundState.PROCESSING,
            requested_by="system" if actor.kind == "system" else f"staff:{actor.id}",
            cause=cause,
            created_at=now,
            asked_at=now,
            using_db=conn,
        )
        await record(conn, order, "payments.refund_requested", order.state, actor, refund=created.number,
                     amount_fen=amount_fen, cause=cause.value if cause else None)  # fmt: skip
    return await _ask(wechat, order, created)


async def _ask(wechat: WeChatPay, order: PaymentOrder, asked: Refund) -> Refund:
    """Send the refund to the provider (again, under the same number, when it never arrived)."""
    try:
        status = await wechat.refund(
            out_trade_no=order.number,
            out_refund_no=asked.number,
            refund_fen=asked.amount_fen,
            total_fen=order.paid_fen,
        )
    except WeChatPayUnavailable as exc:
        # It may have been carried out: it stays processing, and follow_up asks about it later.
        log.warning("refund %s: outcome unknown (%s); it will be asked about", asked.number, exc.code)
        return asked
    except WeChatPayError as exc:
        await record_refund_result(asked.number, succeeded=False)
        raise RefundRefused(details={"provider_code": exc.code}) from exc
    if status == "SUCCESS":  # settled in the answer itself; a notification may still follow (a duplicate)
        await record_refund_result(asked.number, succeeded=True)
    return await Refund.get(id=asked.id)


async def record_refund_result(
    refund_number: str, *, succeeded: bool, success_time: dt.datetime | None = None
) -> str:
    """A refund's outcome from the provider (notification, query or the request's own answer),
    applied once: a success after a failure is applied too (the money did go back)."""
    found = await Refund.get_or_none(number=refund_number)
    if found is None:
        raise NotificationRejected(details={"reason": "refund"})
    async with in_transaction() as conn:
        # The order's lock first, as refund() takes it: the two never wait for each other.
        order = await locked(conn, id=found.order_id)
        found = await Refund.filter(id=found.id).using_db(conn).select_for_update().get()
        settled = RefundState.SUCCEEDED if succeeded else RefundState.FAILED
        if found.state in (RefundState.SUCCEEDED, settled):
            return "duplicate"
        revived, now, before = found.state == RefundState.FAILED, clock.now(), order.state
        found.state, found.finished_at = settled, now
        if succeeded:
            found.provider_success_at = (success_time or now).astimezone(dt.UTC)  # stored in UTC
        await found.save(using_db=conn, update_fields=["state", "finished_at", "provider_success_at"])
        if succeeded:
            await apply_success(conn, order, found, revived)
        else:
            order.refunded_fen -= found.amount_fen  # what the provider refused is refundable again
        order.updated_at = now
        await order.save(using_db=conn, update_fields=["state", "refunded_fen", "updated_at"])
        action = "payments.refunded" if succeeded else "payments.refund_failed"
        await record(conn, order, action, before, Actor.system(), refund=found.number, after_failure=revived)
    return "refunded" if succeeded else "refund_failed"


async def apply_success(
    conn: BaseDBAsyncClient, order: PaymentOrder, found: Refund, revived: bool = False
) -> None:
    """The ledger, the order's state and the owner's message of a refund that went through (here,
    or a government fee's 退付 that finance recorded, ``outside.record_returned``); the caller
    saves the order."""
    if revived:
        # Failed before, so its amount had been freed: it left after all. Should finance have
        # refunded that amount again meanwhile, refunded_fen now shows more than was paid, as the
        # provider's statement will: reconciliation and the audit show it; nothing is hidden.
        order.refunded_fen += found.amount_fen
    await LedgerEntry.create(
        order_id=order.id,
        refund_id=found.id,
        kind="refund",
        amount_fen=-found.amount_fen,
        at=found.provider_success_at,
        using_db=conn,
    )
    refunded = sum(
        r.amount_fen
        for r in await Refund.filter(order_id=order.id, state=RefundState.SUCCEEDED).using_db(conn)
    )
    if order.state in REFUNDABLE:
        order.state = OrderState.REFUNDED if refunded >= order.paid_fen else OrderState.PARTIALLY_REFUNDED
    told = {"order_id": order.id, "refund_id": found.id, "purpose": order.purpose}
    await enqueue(
        REFUNDED_TOPIC,
        {**told, "user_id": order.payer_id, "amount_fen": found.amount_fen},
        using_db=conn,
        key=f"{REFUNDED_TOPIC}:{found.id}",
    )


async def follow_up(providers: Providers, asked: Refund) -> str:
    """Ask the provider where a processing refund stands, and apply a definite answer."""
    wechat = require_wechat(providers)
    try:
        status = await wechat.query_refund(asked.number)
    except WeChatPayUnavailable as exc:
        return await _still_processing(asked, f"unknown:{exc.code}")
    except WeChatPayError as exc:
        if exc.code != "RESOURCE_NOT_EXISTS":
            return await _still_processing(asked, f"error:{exc.code}")
        # The provider never received it: ask for it again under the same number (no double refund).
        order = await PaymentOrder.get(id=asked.order_id)
        try:
            again = await _ask(wechat, order, asked)
        except RefundRefused:
            return "refund_failed"
        return "asked_again" if again.state == RefundState.PROCESSING else again.state.value
    if status.status == "SUCCESS":
        return await record_refund_result(asked.number, succeeded=True, success_time=status.success_time)
    if status.status in REFUSED:
        return await record_refund_result(asked.number, succeeded=False)
    return await _still_processing(asked, status.status)


async def _still_processing(asked: Refund, why: str) -> str:
    """No answer yet: to the back of the queue (the next batch asks the others first)."""
    await Refund.filter(id=asked.id, state=RefundState.PROCESSING).update(asked_at=clock.now())
    if why.startswith(("unknown", "error")):
        log.warning("refund %s: the provider could not say (%s); asked again later", asked.number, why)
    return "processing"


async def processing(*, quiet_for: dt.timedelta, limit: int) -> list[Refund]:
    """Refunds still processing, not asked about for ``quiet_for``: the longest unasked first."""
    since = clock.now() - quiet_for
    return (
        await Refund.filter(state=RefundState.PROCESSING, asked_at__lt=since)
        .order_by("asked_at", "id")
        .limit(limit)
    )


def late_refund(order: PaymentOrder, made: list[Refund]) -> str | None:
    """Where late money stands, for finance: ``processing``, ``succeeded`` or ``failed`` (the system's
    refund), ``to_refund`` (not asked yet), or ``finance_bureau`` (a government fee: given back by
    the finance bureau's 退付, outside this system); ``None`` for money that was not late."""
    if not order.late_payment:
        return None
    if order.provider == Provider.PUBLIC:
        return "finance_bureau"
    system = [r for r in made if r.cause == RefundCause.LATE_PAYMENT]
    return system[0].state.value if system else "to_refund"
