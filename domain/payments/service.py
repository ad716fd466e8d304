"""Payments: one order for anything payable, moved only forward, each step audited.

- **Creation is idempotent**: ``purpose`` (what it pays for, e.g. ``appointment:42``) is unique, so
  a retried request gets the same order and one thing is never paid twice.
- **Notifications** (WeChat Pay APIv3) are believed only after the provider's signature over the
  raw body, a timestamp within 5 minutes, the decrypted resource, and our own order's merchant,
  app, number and amount all check out. The order moves from pending to paid under a row lock; a
  duplicate changes nothing and is acknowledged; a failure is answered so that the provider retries.
- **The owner is told exactly once**: ``payments.paid`` / ``payments.refunded`` outbox messages,
  keyed by order and refund, written in the transaction of the change.
- **Late money is never silently accepted**: a payment for an order that expired or was closed is
  recorded (``late_payment``) and announced (``payments.paid_late``) for refund, and the order stays
  as it was.
- **Refunds** never exceed what was paid, even when several are asked for at once: the order's row
  is locked while ``refunded_fen`` grows, and a refund that the provider refuses gives it back.
- **Reconciliation** lives in ``reconciliation.py``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.publicpay.port import CallbackInvalid, PublicPayment, PublicPaymentError
from adapters.wechatpay.port import NotificationInvalid, WeChatPay, WeChatPayError
from domain.accounts.models import User
from domain.audit import service as audit
from domain.outbox.service import enqueue
from domain.payments.errors import (
    NotificationRejected,
    OrderNotRefundable,
    PaymentAmountInvalid,
    PaymentNotPayable,
    PaymentOrderNotFound,
    PaymentProviderUnavailable,
    PaymentPurposeConflict,
    RefundExceedsPaid,
    RefundNotFound,
)
from domain.payments.models import (
    LedgerEntry,
    OrderState,
    PaymentOrder,
    Provider,
    Refund,
    RefundState,
)
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.errors import StaffScopeRequired
from domain.staff.roles import Role, authorize, visible_scopes

PAID_TOPIC = "payments.paid"
PAID_LATE_TOPIC = "payments.paid_late"
REFUNDED_TOPIC = "payments.refunded"
MAX_AMOUNT_FEN = 100_000_000  # one million yuan: above that, nothing here is paid by phone
REFUNDABLE = (OrderState.PAID, OrderState.PARTIALLY_REFUNDED)
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Providers:
    """The payment platforms as wired for this process (``server.bootstrap``)."""

    wechat: WeChatPay | None = None
    public: PublicPayment | None = None


def _number(prefix: str) -> str:
    return f"{prefix}{clock.now():%Y%m%d}{secrets.randbelow(10**12):012d}"


def _require(providers: Providers) -> WeChatPay:
    if providers.wechat is None:
        raise PaymentProviderUnavailable()
    return providers.wechat


def _require_public(providers: Providers) -> PublicPayment:
    if providers.public is None:
        raise PaymentProviderUnavailable()
    return providers.public


# -- orders ----------------------------------------------------------------------------------------


async def create_order(
    *,
    payer_id: int,
    purpose: str,
    amount_fen: int,
    description: str,
    merchant_code: str,
    pay_within: dt.timedelta,
    provider: Provider = Provider.WECHAT,
) -> PaymentOrder:
    """The order for ``purpose``: a new one, or the one already made for it (same amount)."""
    if (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or not 0 < amount_fen <= MAX_AMOUNT_FEN
    ):
        raise PaymentAmountInvalid(details={"amount_fen": str(amount_fen)[:20]})
    existing = await PaymentOrder.get_or_none(purpose=purpose)
    if existing is None:
        now = clock.now()
        try:
            async with in_transaction() as conn:
                existing = await PaymentOrder.create(
                    number=_number("P"),
                    purpose=purpose,
                    payer_id=payer_id,
                    amount_fen=amount_fen,
                    description=description[:120],
                    provider=provider,
                    merchant_code=merchant_code,
                    state=OrderState.CREATED,
                    expires_at=now + pay_within,
                    created_at=now,
                    updated_at=now,
                    using_db=conn,
                )
                await _audit(conn, existing, "payments.created", None, Actor.system())
                return existing
        except IntegrityError:
            # A concurrent creation for the same purpose won: that order is the answer.
            existing = await PaymentOrder.get(purpose=purpose)
    if existing.amount_fen != amount_fen:
        raise PaymentPurposeConflict(details={"order": existing.number})
    return existing


async def start(providers: Providers, order: PaymentOrder, *, item_code: str = "") -> PaymentOrder:
    """Hand the order to its provider: ``pay_params`` are what the app pays with (WeChat Pay's
    ``wx.requestPayment`` arguments; the public platform's notice number, 缴款码, and its page)."""
    if order.state == OrderState.PENDING and order.pay_params:
        return order  # a retried start: the same prepay or notice
    if order.state not in (OrderState.CREATED, OrderState.PENDING):
        raise PaymentNotPayable(details={"state": order.state.value})
    notice_number = None
    try:
        if order.provider == Provider.PUBLIC:
            notice = await _require_public(providers).create_notice(
                order_number=order.number,
                amount_fen=order.amount_fen,
                item_code=item_code,
                description=order.description,
                due=order.expires_at,
            )
            notice_number = notice.notice_number
            pay_params: dict[str, Any] = {"notice_number": notice.notice_number, "pay_url": notice.pay_url}
        else:
            payer = await User.get(id=order.payer_id)
            prepay = await _require(providers).prepay(
                out_trade_no=order.number,
                total_fen=order.amount_fen,
                description=order.description,
                openid=payer.openid,
                expires_at=order.expires_at,
            )
            pay_params = prepay.pay_params
    except (WeChatPayError, PublicPaymentError) as exc:
        raise PaymentProviderUnavailable(details={"provider_code": exc.code}) from exc
    async with in_transaction() as conn:
        locked = await _locked(conn, order.number)
        if locked.state == OrderState.CREATED:
            locked.state, locked.pay_params, locked.updated_at = OrderState.PENDING, pay_params, clock.now()
            locked.notice_number = notice_number
            await locked.save(
                using_db=conn, update_fields=["state", "pay_params", "notice_number", "updated_at"]
            )
            await _audit(conn, locked, "payments.pending", OrderState.CREATED, Actor.system())
    return locked


async def _locked(conn: BaseDBAsyncClient, number: str) -> PaymentOrder:
    found = await PaymentOrder.filter(number=number).using_db(conn).select_for_update().first()
    if found is None:
        raise PaymentOrderNotFound()
    return found


async def _audit(
    conn: BaseDBAsyncClient,
    order: PaymentOrder,
    action: str,
    before: OrderState | None,
    actor: Actor,
    **extra: Any,
) -> None:
    await audit.record(
        actor,
        action,
        target_type="payment_order",
        target_id=order.id,
        before={"state": before.value} if before else None,
        after={
            "state": order.state.value,
            "paid_fen": order.paid_fen,
            "refunded_fen": order.refunded_fen,
            **extra,
        },
        using_db=conn,
    )


async def by_purpose(purpose: str) -> PaymentOrder | None:
    return await PaymentOrder.get_or_none(purpose=purpose)


async def by_receipt(receipt_url: str) -> PaymentOrder | None:
    return await PaymentOrder.filter(receipt_url=receipt_url).first()


async def mine(actor: Actor, *, limit: int = 50) -> list[PaymentOrder]:
    return await PaymentOrder.filter(payer_id=actor.id).order_by("-id").limit(limit)


async def own(actor: Actor, order_id: int) -> PaymentOrder:
    found = (
        await PaymentOrder.get_or_none(id=order_id, payer_id=actor.id) if 0 < order_id <= _MAX_ID else None
    )
    if found is None:
        raise PaymentOrderNotFound()
    return found


async def refunds_of(order: PaymentOrder) -> list[Refund]:
    return await Refund.filter(order_id=order.id).order_by("id")


async def own_refund(actor: Actor, refund_id: int) -> Refund:
    found = (
        await Refund.get_or_none(id=refund_id, order__payer_id=actor.id) if 0 < refund_id <= _MAX_ID else None
    )
    if found is None:
        raise RefundNotFound()
    return found


async def for_finance_one(actor: Actor, order_id: int) -> PaymentOrder:
    """One order of a merchant in the finance officer's scopes; others' are not found."""
    authorize(actor, Role.FINANCE)
    order = await PaymentOrder.get_or_none(id=order_id) if 0 < order_id <= _MAX_ID else None
    if order is None:
        raise PaymentOrderNotFound()
    try:
        authorize(actor, Role.FINANCE, order.merchant_code)
    except StaffScopeRequired:
        raise PaymentOrderNotFound() from None
    return order


async def for_finance(
    actor: Actor, *, late_only: bool = False, state: OrderState | None = None
) -> list[PaymentOrder]:
    """Orders of the merchants in the finance officer's scopes (``late_only``: money to give back)."""
    authorize(actor, Role.FINANCE)
    query = PaymentOrder.all()
    scopes = visible_scopes(actor)
    if scopes is not None:
        query = query.filter(merchant_code__in=sorted(scopes))
    if late_only:
        query = query.filter(late_payment=True)
    if state is not None:
        query = query.filter(state=state)
    return await query.order_by("-id").limit(200)


# -- being paid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """A provider's word that an order was paid (a notification, or a query's answer), after the
    provider-specific checks (signature, merchant, app)."""

    out_trade_no: str
    transaction_id: str
    total_fen: int
    receipt_url: str | None = None


async def wechat_notification(providers: Providers, headers: Mapping[str, str], body: bytes) -> str:
    """Handle one WeChat Pay notification; returns what it did (for the log). Refusals raise
    ``NotificationRejected`` and change nothing."""
    wechat = _require(providers)
    try:
        notice = wechat.verify(headers, body, clock.now())
    except NotificationInvalid as exc:
        raise NotificationRejected(details={"reason": exc.reason}) from None
    resource = notice.resource
    if notice.event_type == "TRANSACTION.SUCCESS":
        if resource.get("trade_state") != "SUCCESS":
            return "ignored"
        try:
            payment = Payment(
                out_trade_no=str(resource["out_trade_no"]),
                transaction_id=str(resource["transaction_id"]),
                total_fen=int(resource["amount"]["total"]),
            )
            _check_merchant(wechat, str(resource["mchid"]), str(resource["appid"]))
        except (KeyError, TypeError, ValueError):
            raise NotificationRejected(details={"reason": "malformed"}) from None
        return await record_payment(payment)
    if notice.event_type.startswith("REFUND."):
        return await record_refund_result(
            str(resource.get("out_refund_no", "")), succeeded=resource.get("refund_status") == "SUCCESS"
        )
    return "ignored"


def _check_merchant(wechat: WeChatPay, mchid: str, appid: str) -> None:
    """A notification for another merchant or app is not about our money (假通知)."""
    if mchid != wechat.mchid:
        raise NotificationRejected(details={"reason": "mchid"})
    if appid != wechat.appid:
        raise NotificationRejected(details={"reason": "appid"})


async def public_notification(providers: Providers, headers: Mapping[str, str], body: bytes) -> str:
    """Handle one callback of the public payment platform (a government fee paid)."""
    public = _require_public(providers)
    try:
        notice = public.verify_callback(headers, body, clock.now())
    except CallbackInvalid as exc:
        raise NotificationRejected(details={"reason": exc.reason}) from None
    if not notice.paid or notice.payment_id is None:
        return "ignored"
    order = await PaymentOrder.get_or_none(number=notice.order_number)
    if order is None or order.notice_number != notice.notice_number:
        raise NotificationRejected(details={"reason": "order"})
    return await record_payment(
        Payment(notice.order_number, notice.payment_id, notice.amount_fen, receipt_url=notice.receipt_url)
    )


async def record_payment(payment: Payment) -> str:
    """Apply a confirmed payment to our order: pending → paid once; anything else changes nothing,
    except money for an order that is gone, which is recorded for refund."""
    async with in_transaction() as conn:
        try:
            order = await _locked(conn, payment.out_trade_no)
        except PaymentOrderNotFound:
            raise NotificationRejected(details={"reason": "order"}) from None
        if payment.total_fen != order.amount_fen:
            raise NotificationRejected(details={"reason": "amount"})
        if order.provider_transaction_id is not None:
            return "duplicate"  # paid already (possibly refunded since): acknowledged, nothing moves
        before, now = order.state, clock.now()
        order.paid_fen, order.provider_transaction_id, order.paid_at = (
            payment.total_fen,
            payment.transaction_id,
            now,
        )
        order.receipt_url = payment.receipt_url
        late = order.state in (OrderState.EXPIRED, OrderState.CLOSED)
        if late:
            order.late_payment = True  # the state stays: what it paid for is gone
        else:
            order.state = OrderState.PAID
        order.updated_at = now
        await order.save(using_db=conn)
        await LedgerEntry.create(
            order_id=order.id, kind="payment", amount_fen=payment.total_fen, at=now, using_db=conn
        )
        await _audit(conn, order, "payments.paid_late" if late else "payments.paid", before, Actor.system(),
                     transaction_id=payment.transaction_id)  # fmt: skip
        topic = PAID_LATE_TOPIC if late else PAID_TOPIC
        await enqueue(
            topic,
            {"order_id": order.id, "purpose": order.purpose, "user_id": order.payer_id},
            using_db=conn,
            key=f"{topic}:{order.id}",
        )
    return "paid_late" if late else "paid"


async def sync_with_provider(providers: Providers, order: PaymentOrder) -> PaymentOrder:
    """Ask the provider about a pending order (no notification came): record a payment it knows of."""
    if order.state != OrderState.PENDING:
        return order
    try:
        if order.provider == Provider.PUBLIC:
            if order.notice_number is not None:
                notice = await _require_public(providers).query(order.notice_number)
                if notice.paid and notice.payment_id:
                    await record_payment(
                        Payment(order.number, notice.payment_id, notice.amount_fen, notice.receipt_url)
                    )
        else:
            wechat = _require(providers)
            seen = await wechat.query(order.number)
            if seen.trade_state == "SUCCESS" and seen.transaction_id:
                _check_merchant(wechat, seen.mchid, seen.appid)
                await record_payment(Payment(seen.out_trade_no, seen.transaction_id, seen.total_fen))
    except (WeChatPayError, PublicPaymentError) as exc:
        raise PaymentProviderUnavailable(details={"provider_code": exc.code}) from exc
    return await PaymentOrder.get(id=order.id)


async def expire(providers: Providers, purpose: str) -> PaymentOrder | None:
    """The owner gave up waiting (the place's hold lapsed): close the order here and at the provider."""
    async with in_transaction() as conn:
        order = await PaymentOrder.filter(purpose=purpose).using_db(conn).select_for_update().first()
        if order is None or order.state not in (OrderState.CREATED, OrderState.PENDING):
            return order
        before = order.state
        order.state, order.updated_at = OrderState.EXPIRED, clock.now()
        await order.save(using_db=conn, update_fields=["state", "updated_at"])
        await _audit(conn, order, "payments.expired", before, Actor.system())
    if providers.wechat is not None and before == OrderState.PENDING:
        with suppress(WeChatPayError):  # paid meanwhile: its notification records the late payment
            await providers.wechat.close(order.number)
    return order


async def flag_late(order: PaymentOrder, reason: str) -> None:
    """The owner cannot take this payment any more (the place it paid for lapsed first): flag it for
    finance to refund (``payments.paid_late``), once."""
    async with in_transaction() as conn:
        locked = await _locked(conn, order.number)
        if locked.late_payment:
            return
        locked.late_payment, locked.updated_at = True, clock.now()
        await locked.save(using_db=conn, update_fields=["late_payment", "updated_at"])
        await _audit(conn, locked, "payments.paid_late", locked.state, Actor.system(), reason=reason[:120])
        await enqueue(
            PAID_LATE_TOPIC,
            {"order_id": locked.id, "purpose": locked.purpose, "user_id": locked.payer_id},
            using_db=conn,
            key=f"{PAID_LATE_TOPIC}:{locked.id}",
        )


# -- refunds ---------------------------------------------------------------------------------------


async def refund(
    actor: Actor, providers: Providers, order_id: int, *, amount_fen: int, reason: str
) -> Refund:
    """Give money back (finance staff of the order's merchant, or the system): partial and repeated
    refunds, never above what was paid."""
    if actor.kind != "system":
        authorize(actor, Role.FINANCE)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise PaymentAmountInvalid(details={"amount_fen": str(amount_fen)[:20]})
    wechat = _require(providers)
    async with in_transaction() as conn:
        order = (
            await PaymentOrder.filter(id=order_id).using_db(conn).select_for_update().first()
            if 0 < order_id <= _MAX_ID
            else None
        )
        if order is None:
            raise PaymentOrderNotFound()
        if actor.kind != "system":
            authorize(actor, Role.FINANCE, order.merchant_code)
        if order.state not in REFUNDABLE and not order.late_payment:
            raise OrderNotRefundable(details={"state": order.state.value})
        if order.provider == Provider.PUBLIC:
            # A government fee is given back by the finance bureau's own 退付 procedure, not here.
            raise OrderNotRefundable(details={"state": order.state.value, "provider": order.provider.value})
        refundable = order.paid_fen - order.refunded_fen
        if amount_fen > refundable:
            raise RefundExceedsPaid(details={"refundable": refundable})
        order.refunded_fen += amount_fen
        order.updated_at = clock.now()
        await order.save(using_db=conn, update_fields=["refunded_fen", "updated_at"])
        created = await Refund.create(
            number=_number("R"),
            order_id=order.id,
            amount_fen=amount_fen,
            reason=reason[:200],
            state=RefundState.PENDING,
            requested_by="system" if actor.kind == "system" else f"staff:{actor.id}",
            created_at=clock.now(),
            using_db=conn,
        )
        await _audit(conn, order, "payments.refund_requested", order.state, actor, refund=created.number,
                     amount_fen=amount_fen)  # fmt: skip
    try:
        status = await wechat.refund(
            out_trade_no=order.number,
            out_refund_no=created.number,
            refund_fen=amount_fen,
            total_fen=order.paid_fen,
        )
    except WeChatPayError as exc:
        await record_refund_result(created.number, succeeded=False)
        raise PaymentProviderUnavailable(details={"provider_code": exc.code}) from exc
    if status == "SUCCESS":  # settled in the answer itself; a notification may still follow (a duplicate)
        await record_refund_result(created.number, succeeded=True)
        created = await Refund.get(id=created.id)
    return created


async def record_refund_result(refund_number: str, *, succeeded: bool) -> str:
    """A refund's outcome from the provider (notification or query), applied once."""
    async with in_transaction() as conn:
        found = await Refund.filter(number=refund_number).using_db(conn).select_for_update().first()
        if found is None:
            raise NotificationRejected(details={"reason": "refund"})
        if found.state != RefundState.PENDING:
            return "duplicate"
        order = await PaymentOrder.filter(id=found.order_id).using_db(conn).select_for_update().get()
        now = clock.now()
        found.state, found.finished_at = (RefundState.SUCCEEDED if succeeded else RefundState.FAILED), now
        await found.save(using_db=conn, update_fields=["state", "finished_at"])
        before = order.state
        if succeeded:
            await LedgerEntry.create(
                order_id=order.id,
                refund_id=found.id,
                kind="refund",
                amount_fen=-found.amount_fen,
                at=now,
                using_db=conn,
            )
            refunded = sum(
                r.amount_fen
                for r in await Refund.filter(order_id=order.id, state=RefundState.SUCCEEDED).using_db(conn)
            )
            if order.state in REFUNDABLE:
                order.state = (
                    OrderState.REFUNDED if refunded >= order.paid_fen else OrderState.PARTIALLY_REFUNDED
                )
            told = {"order_id": order.id, "refund_id": found.id, "purpose": order.purpose}
            await enqueue(
                REFUNDED_TOPIC,
                {**told, "user_id": order.payer_id, "amount_fen": found.amount_fen},
                using_db=conn,
                key=f"{REFUNDED_TOPIC}:{found.id}",
            )
        else:
            order.refunded_fen -= (
                found.amount_fen
            )  # what the provider refused to give back is refundable again
        order.updated_at = now
        await order.save(using_db=conn, update_fields=["state", "refunded_fen", "updated_at"])
        await _audit(conn, order, "payments.refunded" if succeeded else "payments.refund_failed", before,
                     Actor.system(), refund=found.number)  # fmt: skip
    return "refunded" if succeeded else "refund_failed"
