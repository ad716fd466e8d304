"""Payments: one order for anything payable, moved only forward, each step audited.

- **Creation is idempotent**: an order pays for a ``purpose`` (``appointment:42``); a retried
  request gets the same order, so one thing is never paid twice. A purpose gets a new order (its
  next ``attempt``) only after the last one closed unpaid and its owner reopens (``start``).
- **Every order ends**: unpaid by its deadline (``expires_at``) or when what it pays for is
  cancelled (``purpose_cancelled``), it is closed at the provider and here (``close_unpaid``),
  and its owner is told (``payments.closed``).
- **Notifications** (WeChat Pay APIv3) are believed only after the provider's signature over the
  raw body, a timestamp within 5 minutes, the decrypted resource, and our own order's merchant,
  app, number and amount all check out. A duplicate changes nothing and is acknowledged; a failure
  is answered so that the provider retries.
- **Late money is never kept**: money arrives, the order's owner is asked under the order's lock
  whether what it pays for still stands (``standing``); if not (or the order is closed), it is
  recorded as ``late_payment`` and announced (``payments.paid_late``), whose handler gives it back.
- **The owner is told exactly once**: ``payments.paid`` / ``.closed`` / ``.refunded`` outbox
  messages, keyed by order and refund, written in the transaction of the change.
- Refunds live in ``refunds.py``, settling cancellations and the scheduled upkeep in
  ``settlement.py``, reconciliation in ``reconciliation.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.publicpay.port import CallbackInvalid, PublicPaymentError, PublicPaymentUnavailable
from adapters.wechatpay import apiv3
from adapters.wechatpay.port import NotificationInvalid, WeChatPay, WeChatPayError, WeChatPayUnavailable
from domain.accounts.models import User
from domain.outbox.service import enqueue
from domain.payments import refunds
from domain.payments.common import (
    MAX_ID,
    Providers,
    locked,
    log,
    number,
    record,
    require_public,
    require_wechat,
)
from domain.payments.errors import (
    NotificationRejected,
    PaymentAmountInvalid,
    PaymentNotPayable,
    PaymentOrderClosed,
    PaymentOrderNotFound,
    PaymentProviderUnavailable,
    PaymentPurposeConflict,
    RefundNotFound,
)
from domain.payments.models import (
    OPEN_STATES,
    ClosedReason,
    LedgerEntry,
    OrderState,
    PaymentOrder,
    Provider,
    Refund,
)
from domain.payments.owners import owner_of
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.errors import StaffScopeRequired
from domain.staff.roles import Role, authorize, visible_scopes

__all__ = ["Providers"]  # wired by the server and the owners; defined in common.py

PAID_TOPIC = "payments.paid"
PAID_LATE_TOPIC = "payments.paid_late"
REFUNDED_TOPIC = refunds.REFUNDED_TOPIC
CLOSED_TOPIC = "payments.closed"
SETTLE_TOPIC = "payments.settle"
MAX_AMOUNT_FEN = 100_000_000  # one million yuan: above that, nothing here is paid by phone
REFUNDABLE = refunds.REFUNDABLE


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
    """The order for ``purpose``: a new one, or the latest made for it (same amount)."""
    if (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or not 0 < amount_fen <= MAX_AMOUNT_FEN
    ):
        raise PaymentAmountInvalid(details={"amount_fen": str(amount_fen)[:20]})
    existing = await by_purpose(purpose)
    if existing is None:
        now = clock.now()
        try:
            async with in_transaction() as conn:
                existing = await PaymentOrder.create(
                    number=number("P"),
                    purpose=purpose,
                    attempt=1,
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
                await record(conn, existing, "payments.created", None, Actor.system(), attempt=1)
                return existing
        except IntegrityError:
            # A concurrent creation for the same purpose won: that order is the answer.
            existing = await by_purpose(purpose)
            assert existing is not None
    if existing.amount_fen != amount_fen:
        raise PaymentPurposeConflict(details={"order": existing.number})
    return existing


async def start_at_counter(providers: Providers, order: PaymentOrder) -> PaymentOrder:
    """Hand a WeChat Pay order to the provider for a counter (a ticket window): a Native order whose
    ``pay_params`` hold the ``code_url`` the payer scans (``trade_type`` ``NATIVE``). Everything else
    is ``start``'s: the deadline, a closed order, a retried start (the same code). The money comes
    as every payment does, by the provider's notification or a query (``record_payment``: the
    owner's ``standing`` decides whether it is kept)."""
    if order.provider != Provider.WECHAT:
        raise PaymentNotPayable(details={"provider": order.provider.value})  # why: not its state
    return await start(providers, order, _counter=True)


async def start(
    providers: Providers, order: PaymentOrder, *, item_code: str = "", _counter: bool = False
) -> PaymentOrder:
    """Hand the order to its provider: ``pay_params`` are what the app pays with (WeChat Pay's
    ``wx.requestPayment`` arguments; the public platform's notice number, 缴款码, and its page;
    at a counter, ``start_at_counter``'s code).

    An order past its deadline is closed first (never a stale prepay); a closed order is opened
    again as the purpose's next attempt when its owner ``reopens``, else ``payment_order_closed``."""
    order = await PaymentOrder.get(id=order.id)
    if order.state in OPEN_STATES and order.expires_at <= clock.now():
        order = await close_unpaid(providers, order, ClosedReason.DEADLINE)
    if order.state == OrderState.CLOSED:
        if not owner_of(order.purpose).reopens:
            reason = order.closed_reason.value if order.closed_reason else None
            raise PaymentOrderClosed(details={"reason": reason})
        order = await _reopen(order)
    if order.state == OrderState.PENDING and order.pay_params:
        return order  # a retried start: the same prepay or notice
    if order.state not in OPEN_STATES:
        raise PaymentNotPayable(details={"state": order.state.value})
    notice_number = None
    try:
        if order.provider == Provider.PUBLIC:
            notice = await require_public(providers).create_notice(
                order_number=order.number,
                amount_fen=order.amount_fen,
                item_code=item_code,
                description=order.description,
                due=order.expires_at,
            )
            notice_number = notice.notice_number
            pay_params: dict[str, Any] = {"notice_number": notice.notice_number, "pay_url": notice.pay_url}
        elif _counter:
            native = await require_wechat(providers).native_prepay(
                out_trade_no=order.number,
                total_fen=order.amount_fen,
                description=order.description,
                expires_at=order.expires_at,
            )
            pay_params = native.pay_params
        else:
            payer = await User.get(id=order.payer_id)
            prepay = await require_wechat(providers).prepay(
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
        current = await locked(conn, number=order.number)
        if current.state == OrderState.CREATED:
            current.state, current.pay_params, current.updated_at = (
                OrderState.PENDING,
                pay_params,
                clock.now(),
            )
            current.notice_number = notice_number
            await current.save(
                using_db=conn, update_fields=["state", "pay_params", "notice_number", "updated_at"]
            )
            await record(conn, current, "payments.pending", OrderState.CREATED, Actor.system())
    return current


async def _reopen(closed: PaymentOrder) -> PaymentOrder:
    """The purpose's next attempt: a new order with the same amount and the same time to pay."""
    now = clock.now()
    try:
        async with in_transaction() as conn:
            opened = await PaymentOrder.create(
                number=number("P"),
                purpose=closed.purpose,
                attempt=closed.attempt + 1,
                payer_id=closed.payer_id,
                amount_fen=closed.amount_fen,
                description=closed.description,
                provider=closed.provider,
                merchant_code=closed.merchant_code,
                state=OrderState.CREATED,
                expires_at=now + (closed.expires_at - closed.created_at),
                created_at=now,
                updated_at=now,
                using_db=conn,
            )
            await record(conn, opened, "payments.created", None, Actor.system(), attempt=opened.attempt,
                         after_order=closed.number)  # fmt: skip
            return opened
    except IntegrityError:
        latest = await by_purpose(closed.purpose)  # a concurrent start opened it: that one
        assert latest is not None
        return latest


async def by_purpose(purpose: str) -> PaymentOrder | None:
    """The purpose's latest order (its last attempt)."""
    return await PaymentOrder.filter(purpose=purpose).order_by("-attempt").first()


async def by_receipt(receipt_url: str) -> PaymentOrder | None:
    return await PaymentOrder.filter(receipt_url=receipt_url).first()


async def mine(actor: Actor, *, limit: int = 50) -> list[PaymentOrder]:
    return await PaymentOrder.filter(payer_id=actor.id).order_by("-id").limit(limit)


async def own(actor: Actor, order_id: int) -> PaymentOrder:
    found = await PaymentOrder.get_or_none(id=order_id, payer_id=actor.id) if 0 < order_id <= MAX_ID else None
    if found is None:
        raise PaymentOrderNotFound()
    return found


async def refunds_of(order: PaymentOrder) -> list[Refund]:
    return await Refund.filter(order_id=order.id).order_by("id")


async def own_refund(actor: Actor, refund_id: int) -> Refund:
    found = (
        await Refund.get_or_none(id=refund_id, order__payer_id=actor.id) if 0 < refund_id <= MAX_ID else None
    )
    if found is None:
        raise RefundNotFound()
    return found


async def for_finance_one(actor: Actor, order_id: int) -> tuple[PaymentOrder, list[Refund]]:
    """One order of a merchant in the finance officer's scopes, with its refunds; others' are not found."""
    authorize(actor, Role.FINANCE)
    order = await PaymentOrder.get_or_none(id=order_id) if 0 < order_id <= MAX_ID else None
    if order is None:
        raise PaymentOrderNotFound()
    try:
        authorize(actor, Role.FINANCE, order.merchant_code)
    except StaffScopeRequired:
        raise PaymentOrderNotFound() from None
    return order, await refunds_of(order)


async def for_finance(
    actor: Actor, *, late_only: bool = False, state: OrderState | None = None
) -> list[tuple[PaymentOrder, list[Refund]]]:
    """Orders of the merchants in the finance officer's scopes, each with its refunds (``late_only``:
    late money, refunded by the system or to be given back through the finance bureau)."""
    authorize(actor, Role.FINANCE)
    query = PaymentOrder.all()
    scopes = visible_scopes(actor)
    if scopes is not None:
        query = query.filter(merchant_code__in=sorted(scopes))
    if late_only:
        query = query.filter(late_payment=True)
    if state is not None:
        query = query.filter(state=state)
    orders = await query.order_by("-id").limit(200)
    found: dict[int, list[Refund]] = {o.id: [] for o in orders}
    if found:
        for r in await Refund.filter(order_id__in=sorted(found)).order_by("id"):
            found[r.order_id].append(r)
    return [(o, found[o.id]) for o in orders]


# -- being paid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """A provider's word that an order was paid (a notification, or a query's answer), after the
    provider-specific checks (signature, merchant, app)."""

    out_trade_no: str
    transaction_id: str
    total_fen: int
    receipt_url: str | None = None
    success_time: dt.datetime | None = None  # when the provider took the money, if it says


async def wechat_notification(providers: Providers, headers: Mapping[str, str], body: bytes) -> str:
    """Handle one WeChat Pay notification; returns what it did (for the log). Refusals raise
    ``NotificationRejected`` and change nothing."""
    wechat = require_wechat(providers)
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
                success_time=apiv3.instant(resource.get("success_time")),
            )
            _check_merchant(wechat, str(resource["mchid"]), str(resource["appid"]))
        except (KeyError, TypeError, ValueError):
            raise NotificationRejected(details={"reason": "malformed"}) from None
        return await record_payment(payment)
    if notice.event_type.startswith("REFUND."):
        status = resource.get("refund_status")
        if status != "SUCCESS" and status not in refunds.REFUSED:
            return "ignored"
        try:
            success_time = apiv3.instant(resource.get("success_time"))
        except ValueError:
            raise NotificationRejected(details={"reason": "malformed"}) from None
        return await refunds.record_refund_result(
            str(resource.get("out_refund_no", "")), succeeded=status == "SUCCESS", success_time=success_time
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
    public = require_public(providers)
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
        Payment(notice.order_number, notice.payment_id, notice.amount_fen, notice.receipt_url, notice.paid_at)
    )


async def record_payment(payment: Payment) -> str:
    """Apply a confirmed payment to our order, once: paid if what it pays for still stands (its
    owner says, under the order's lock), else late money, recorded and given back."""
    async with in_transaction() as conn:
        try:
            order = await locked(conn, number=payment.out_trade_no)
        except PaymentOrderNotFound:
            raise NotificationRejected(details={"reason": "order"}) from None
        if payment.total_fen != order.amount_fen:
            raise NotificationRejected(details={"reason": "amount"})
        if order.provider_transaction_id is not None:
            return "duplicate"  # paid already (possibly refunded since): acknowledged, nothing moves
        before, now = order.state, clock.now()
        stands = order.state in OPEN_STATES and await owner_of(order.purpose).standing(order, conn)
        order.paid_fen, order.provider_transaction_id = payment.total_fen, payment.transaction_id
        # In UTC, as every instant is stored (SQLite compares them as text).
        order.paid_at, order.provider_success_at = now, (payment.success_time or now).astimezone(dt.UTC)
        order.receipt_url = payment.receipt_url
        if stands:
            order.state = OrderState.PAID
        else:
            order.late_payment = True
            if order.state in OPEN_STATES:  # what it paid for is gone: the order ends here
                order.state, order.closed_reason = OrderState.CLOSED, _why_closed(order, now)
        order.updated_at = now
        await order.save(using_db=conn)
        await LedgerEntry.create(
            order_id=order.id,
            kind="payment",
            amount_fen=payment.total_fen,
            at=order.provider_success_at,
            using_db=conn,
        )
        action, topic = ("payments.paid", PAID_TOPIC) if stands else ("payments.paid_late", PAID_LATE_TOPIC)
        await record(conn, order, action, before, Actor.system(), transaction_id=payment.transaction_id)
        await _tell(conn, topic, order)
    return "paid" if stands else "paid_late"


def _why_closed(order: PaymentOrder, now: dt.datetime) -> ClosedReason:
    return ClosedReason.DEADLINE if now >= order.expires_at else ClosedReason.CANCELLED


async def _tell(conn: BaseDBAsyncClient, topic: str, order: PaymentOrder) -> None:
    """``topic`` about ``order``, once (keyed by the order)."""
    payload = {"order_id": order.id, "purpose": order.purpose, "user_id": order.payer_id}
    await enqueue(topic, payload, using_db=conn, key=f"{topic}:{order.id}")


async def sync_with_provider(providers: Providers, order: PaymentOrder) -> PaymentOrder:
    """Ask the provider about a pending order (no notification came): record a payment it knows of."""
    if order.state != OrderState.PENDING:
        return order
    try:
        if order.provider == Provider.PUBLIC:
            if order.notice_number is not None:
                notice = await require_public(providers).query(order.notice_number)
                if notice.paid and notice.payment_id:
                    await record_payment(
                        Payment(order.number, notice.payment_id, notice.amount_fen, notice.receipt_url,
                                notice.paid_at)
                    )  # fmt: skip
        else:
            wechat = require_wechat(providers)
            seen = await wechat.query(order.number)
            if seen.trade_state == "SUCCESS" and seen.transaction_id:
                _check_merchant(wechat, seen.mchid, seen.appid)
                await record_payment(
                    Payment(seen.out_trade_no, seen.transaction_id, seen.total_fen, None, seen.success_time)
                )
    except (WeChatPayError, PublicPaymentError) as exc:
        raise PaymentProviderUnavailable(details={"provider_code": exc.code}) from exc
    return await PaymentOrder.get(id=order.id)


# -- ending unpaid ---------------------------------------------------------------------------------


async def close_unpaid(providers: Providers, order: PaymentOrder, reason: ClosedReason) -> PaymentOrder:
    """Close an unpaid order at its provider, then here, and tell its owner (``payments.closed``).

    Paid at the provider meanwhile, it is not closed: the payment is recorded instead (and, if its
    purpose no longer stands, given back as late money). An unknown outcome at the provider raises
    ``PaymentProviderUnavailable`` and closes nothing: the caller tries again later."""
    if order.state == OrderState.PENDING:
        try:
            if order.provider == Provider.PUBLIC:
                if order.notice_number is not None:
                    await require_public(providers).close_notice(order.notice_number)
            else:
                await require_wechat(providers).close(order.number)
        except (WeChatPayUnavailable, PublicPaymentUnavailable) as exc:
            raise PaymentProviderUnavailable(details={"provider_code": exc.code}) from exc
        except (WeChatPayError, PublicPaymentError) as exc:
            if exc.code in ("ORDERPAID", "ALREADY_PAID"):
                return await sync_with_provider(providers, order)
            # Any other definite answer (e.g. the provider never had it): nothing to close there.
            log.warning("closing %s at the provider: %s; closed here", order.number, exc.code)
    async with in_transaction() as conn:
        current = await locked(conn, id=order.id)
        if current.state not in OPEN_STATES:
            return current
        before = current.state
        current.state, current.closed_reason, current.updated_at = OrderState.CLOSED, reason, clock.now()
        await current.save(using_db=conn, update_fields=["state", "closed_reason", "updated_at"])
        await record(conn, current, "payments.closed", before, Actor.system(), reason=reason.value)
        await _tell(conn, CLOSED_TOPIC, current)
    return current


async def purpose_cancelled(
    conn: BaseDBAsyncClient,
    purpose: str,
    *,
    actor: Actor,
    reason: str,
    by_site: bool = False,
    at: dt.datetime | None = None,
) -> None:
    """What ``purpose`` paid for was cancelled, in the owner's transaction ``conn``: settle its money
    afterwards (``payments.settle``: an unpaid order closed, a paid one refunded by the system, in
    full when ``by_site``, else by the owner's policy at ``at``). Keyed by purpose: asked ten times,
    it settles once."""
    cancelled_by = "system" if actor.kind == "system" else f"{actor.kind}:{actor.id}"
    payload = {
        "purpose": purpose,
        "reason": reason[:120],
        "by_site": by_site,
        "at": (at or clock.now()).isoformat(),
        "cancelled_by": cancelled_by,
    }
    await enqueue(SETTLE_TOPIC, payload, using_db=conn, key=f"{SETTLE_TOPIC}:{purpose}")


# The refunds API, where callers have always found it.
refund = refunds.refund
record_refund_result = refunds.record_refund_result
