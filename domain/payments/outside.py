"""Government fees given back outside the app: the finance bureau's 退付.

A government fee (``Provider.PUBLIC``, the unified public payment platform, 非税) cannot be refunded
by API: when what it paid for is cancelled after it was paid (``settlement.settle``), or money lands
on it late (``settlement.refund_late``), the department returns it through the finance bureau's own
refund procedure (退付). Here that case is:

- **owed** (:func:`owe`): audited (``payments.refund_outside``, with the amount due by the owner's
  policy) and announced once per order (``payments.refund_outside`` job, keyed by the order);
- **told** (:func:`announce`, the job): the finance staff of the order's merchant get a staff
  alert, and the payer an inbox message saying the fee comes back through the finance bureau,
  with the amount, each once per order, in the reader's language;
- **recorded** (:func:`record_returned`): finance records the 退付 done, with the amount and the
  bureau's reference number (stored as the refund's number, ``T<reference>``, so the same 退付 is
  never recorded twice). It is a ``Refund`` (no cause: finance's own) that succeeded at once, with
  its ledger entry; the order moves to refunded (or partially refunded) and the payer and the
  owner are told through ``payments.refunded``, as for a WeChat Pay refund;
- **listed** (:func:`due`): until the amount due is recorded, finance's views show the order as
  ``to_return`` through the finance bureau, then ``returned``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.wechat.port import WeChat
from domain.audit import service as audit
from domain.audit.models import AuditRecord
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job
from domain.outbox.service import enqueue
from domain.payments import refunds
from domain.payments.common import MAX_ID, locked, record
from domain.payments.errors import (
    PaymentAmountInvalid,
    RefundExceedsPaid,
    RefundOutsideNotDue,
    RefundReferenceInvalid,
    RefundReferenceUsed,
)
from domain.payments.models import PaymentOrder, Provider, Refund, RefundState, yuan
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.i18n import _
from domain.staff import alerts
from domain.staff.roles import Role, authorize

OUTSIDE_TOPIC = "payments.refund_outside"
OWED_ACTION = "payments.refund_outside"  # audited when the 退付 falls due
RECORDED_ACTION = "payments.refunded_outside"  # audited when finance records it done
KIND = "payment_refund_outside"  # the staff alert's and the inbox message's kind
NUMBER_PREFIX = "T"  # a 退付's refund number: T + the finance bureau's reference
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/\-]{0,30}")
FINANCE_PAGE = "/pages/finance/refund"


# -- falling due -----------------------------------------------------------------------------------


async def owe(order: PaymentOrder, amount_fen: int, *, why: str, **detail: object) -> bool:
    """A government fee to give back through the finance bureau: audited and announced once per
    order (``why``: ``cancelled`` or ``late_payment``). Returns whether it was new."""
    async with in_transaction() as conn:
        # Under the order's row lock: two settlements of one order at once record it once.
        await locked(conn, id=order.id)
        if await _owed_record(conn, order.id) is not None:
            return False
        await audit.record(Actor.system(), OWED_ACTION, target_type="payment_order", target_id=order.id,
                           after={"purpose": order.purpose, "refund_fen": amount_fen, "why": why, **detail},
                           using_db=conn)  # fmt: skip
        payload = {"order_id": order.id, "amount_fen": amount_fen, "why": why}
        await enqueue(OUTSIDE_TOPIC, payload, using_db=conn, key=f"{OUTSIDE_TOPIC}:{order.id}")
    return True


def _owed_fen(record: AuditRecord, order: PaymentOrder) -> int:
    """What an owed record says falls due (the whole fee when it does not say)."""
    fen = record.after.get("refund_fen") if isinstance(record.after, dict) else None
    return fen if isinstance(fen, int) and fen > 0 else order.paid_fen


async def _owed_record(conn: BaseDBAsyncClient | None, order_id: int) -> AuditRecord | None:
    return (
        await AuditRecord.filter(action=OWED_ACTION, target_type="payment_order", target_id=str(order_id))
        .using_db(conn)
        .order_by("id")
        .first()
    )


async def announce(job: Job) -> None:
    """The ``payments.refund_outside`` job: tell the merchant's finance staff (a staff alert) and the
    payer (their inbox), once per order each."""
    order = await PaymentOrder.get_or_none(id=int(job.payload["order_id"]))
    if order is None:
        return
    amount = yuan(int(job.payload["amount_fen"]))
    key = f"{OUTSIDE_TOPIC}:{order.id}"
    await alerts.alert(
        order.merchant_code,
        [Role.FINANCE],
        alerts.Alert(
            KIND,
            _("A government fee to return through the finance bureau"),
            _(
                "{amount} yuan paid for {what} (payment {number}) is to be returned to the payer through "
                "the finance bureau's refund procedure (退付). Record it here once it is done.",
                amount=amount,
                what=order.description,
                number=order.number,
            ),
            link=f"{FINANCE_PAGE}?id={order.id}",
        ),
        source_key=key,
    )
    wechat: WeChat = job.context.adapters.wechat
    notice = Notice(
        user_id=order.payer_id,
        kind=KIND,
        title=_("Your fee will be returned"),
        body=_(
            "{amount} yuan paid for {what} will be returned to you by the department through the finance "
            "bureau's refund procedure (退付). The department will contact you.",
            amount=amount,
            what=order.description,
        ),
        link=f"/pages/payments/detail?id={order.id}",
    )
    await deliver(notice, source_key=key, wechat=wechat)


# -- recorded done ---------------------------------------------------------------------------------


async def record_returned(
    actor: Actor, order_id: int, *, amount_fen: int, reference: str, note: str = ""
) -> Refund:
    """Finance of the order's merchant records a 退付 the finance bureau made: never above what is
    refundable, only on a government fee that is owed back. The same reference, order and amount
    again is answered with the refund already recorded."""
    authorize(actor, Role.FINANCE)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise PaymentAmountInvalid(details={"amount_fen": str(amount_fen)[:20]})
    if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
        raise RefundReferenceInvalid(details={"reference": str(reference)[:40]})
    number = f"{NUMBER_PREFIX}{reference}"
    async with in_transaction() as conn:
        order = await locked(conn, id=order_id if 0 < order_id <= MAX_ID else 0)
        authorize(actor, Role.FINANCE, order.merchant_code)
        earlier = await Refund.filter(number=number).using_db(conn).first()
        if earlier is not None:
            if earlier.order_id == order.id and earlier.amount_fen == amount_fen:
                return earlier  # the same 退付 recorded again (a retried request)
            raise RefundReferenceUsed(details={"reference": reference})
        if order.provider != Provider.PUBLIC:
            raise RefundOutsideNotDue(details={"provider": order.provider.value})
        owed = await _owed_record(conn, order.id)
        if not order.late_payment and owed is None:
            raise RefundOutsideNotDue(details={"state": order.state.value})
        # Never above what is owed (late money: all of it; a cancellation: what its policy gave
        # back, a fee kept stays kept), less what was recorded returned already.
        owed_fen = order.paid_fen if order.late_payment or owed is None else _owed_fen(owed, order)
        returned = (
            await Refund.filter(order_id=order.id, number__startswith=NUMBER_PREFIX, cause__isnull=True)
            .using_db(conn)
            .values_list("amount_fen", flat=True)
        )
        refundable = min(
            order.paid_fen - order.refunded_fen, owed_fen - sum(int(str(fen)) for fen in returned)
        )
        if amount_fen > refundable:
            raise RefundExceedsPaid(details={"refundable": refundable})
        return await _returned(conn, actor, order, amount_fen, number, reference, note)


async def _returned(
    conn: BaseDBAsyncClient,
    actor: Actor,
    order: PaymentOrder,
    amount_fen: int,
    number: str,
    reference: str,
    note: str,
) -> Refund:
    now, before = clock.now(), order.state
    reason = f"finance bureau 退付 {reference}" + (f": {note.strip()}" if note.strip() else "")
    try:
        made = await Refund.create(
            number=number,
            order_id=order.id,
            amount_fen=amount_fen,
            reason=reason[:200],
            state=RefundState.SUCCEEDED,
            requested_by=f"staff:{actor.id}",
            cause=None,  # finance's own
            created_at=now,
            finished_at=now,
            provider_success_at=now.astimezone(dt.UTC),
            using_db=conn,
        )
    except IntegrityError:
        # The same reference recorded at once on another order (the number is unique): that one
        # stands. Only this insert is read so; any other constraint failing is not hidden as it.
        raise RefundReferenceUsed(details={"reference": reference}) from None
    order.refunded_fen += amount_fen
    await refunds.apply_success(conn, order, made)
    order.updated_at = now
    await order.save(using_db=conn, update_fields=["state", "refunded_fen", "updated_at"])
    await record(conn, order, RECORDED_ACTION, before, actor, refund=number, amount_fen=amount_fen,
                 reference=reference)  # fmt: skip
    return made


# -- listed ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A government fee owed back through the finance bureau: how much, and whether it was."""

    due_fen: int  # what is to go back (the owner's policy, or all of late money)
    returned: bool  # recorded done (as much as was due)

    @property
    def state(self) -> str:
        return "returned" if self.returned else "to_return"


async def due(orders: Iterable[PaymentOrder]) -> dict[int, Due]:
    """The government fees among ``orders`` owed back through the finance bureau, by order id."""
    public = {o.id: o for o in orders if o.provider == Provider.PUBLIC}
    if not public:
        return {}
    owed: dict[int, int] = {o.id: o.paid_fen for o in public.values() if o.late_payment}
    records = await AuditRecord.filter(
        action=OWED_ACTION, target_type="payment_order", target_id__in=[str(i) for i in sorted(public)]
    ).order_by("id")
    for found in records:  # the first record of an order (owe writes one, under the order's lock)
        order_id = int(found.target_id)
        if order_id not in owed:
            owed[order_id] = _owed_fen(found, public[order_id])
    return {
        order_id: Due(fen, public[order_id].refunded_fen >= fen)
        for order_id, fen in owed.items()
        if public[order_id].paid_fen > 0
    }
