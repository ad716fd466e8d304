"""Payment orders, refunds, the ledger, merchants and reconciliation.

Amounts are whole fen (integers only). An order's state only moves forward; a purpose has one
order per ``attempt`` (a new attempt only once the last closed unpaid, when its owner reopens), so
one thing is never paid twice; ``provider_transaction_id`` and each refund's number are unique, so
a notification can never be applied to two rows.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from domain.accounts.models import User


def yuan(fen: int) -> str:
    """An amount in fen as yuan with two decimals, for people (integers only: no float touches money)."""
    return f"{fen // 100}.{fen % 100:02d}"


class Provider(StrEnum):
    WECHAT = "wechat"  # WeChat Pay APIv3 (JSAPI in the mini-program)
    PUBLIC = "public"  # the unified public payment platform (非税支付): government fees


class OrderState(StrEnum):
    CREATED = "created"
    PENDING = "pending"  # handed to the provider, waiting for the payer
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CLOSED = "closed"  # ended unpaid (``closed_reason``); late money may still be recorded on it


OPEN_STATES = (OrderState.CREATED, OrderState.PENDING)  # not paid yet, still payable


class ClosedReason(StrEnum):
    DEADLINE = "deadline"  # not paid by ``expires_at``
    CANCELLED = "cancelled"  # what it paid for was cancelled first


class PaymentOrder(Model):
    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)  # out_trade_no
    purpose = fields.CharField(max_length=96)  # "appointment:42": what it pays for
    # The purpose's n-th order: a new one only after the last closed unpaid (an owner that reopens).
    attempt = fields.IntField(default=1, db_default=1)
    payer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="payment_orders", on_delete=fields.RESTRICT
    )
    payer_id: int
    amount_fen = fields.IntField()
    description = fields.CharField(max_length=120)
    provider = fields.CharEnumField(Provider, max_length=16)
    merchant_code = fields.CharField(max_length=64)  # the department or site it is paid to
    state = fields.CharEnumField(OrderState, max_length=24, db_index=True)
    closed_reason = fields.CharEnumField(ClosedReason, max_length=16, null=True)
    paid_fen = fields.IntField(default=0)
    refunded_fen = fields.IntField(default=0)  # refunds asked for and not failed
    provider_transaction_id = fields.CharField(max_length=64, null=True, unique=True)
    notice_number = fields.CharField(max_length=32, null=True, unique=True)  # 缴款码 (public platform)
    receipt_url = fields.CharField(max_length=300, null=True)  # 电子票据 (public platform)
    pay_params: Any = fields.JSONField(null=True)  # what the app needs to pay (no secret in it)
    # Late money: paid when what it paid for no longer stood (cancelled, lapsed, the order closed).
    # It is never quietly kept: the system refunds it in full (WeChat Pay), or finance has it given
    # back by the finance bureau (退付, the public platform), and it stays on finance's list.
    late_payment = fields.BooleanField(default=False)
    expires_at = fields.DatetimeField()  # the deadline: unpaid by then, it is closed
    paid_at = fields.DatetimeField(null=True)  # when we learned of the payment
    # When the provider took the money (its own word): reconciliation files the payment under this
    # day, whenever its notification reached us.
    provider_success_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()  # also: when the provider was last asked (sync_pending)

    class Meta:
        table = "payment_order"
        unique_together = (("purpose", "attempt"),)


class RefundState(StrEnum):
    PROCESSING = "processing"  # asked for; the provider's answer is awaited (or was lost: unknown)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # refused for good: the amount is refundable again


class RefundCause(StrEnum):
    """Why the system refunded: each at most once per order (finance's own refunds have none)."""

    CANCELLATION = "cancellation"  # what it paid for was cancelled (by the payer or the site)
    LATE_PAYMENT = "late_payment"  # the money came when what it paid for no longer stood


class Refund(Model):
    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)  # out_refund_no
    order: fields.ForeignKeyRelation[PaymentOrder] = fields.ForeignKeyField(
        "palmcity.PaymentOrder", related_name="refunds", on_delete=fields.RESTRICT
    )
    order_id: int
    amount_fen = fields.IntField()
    reason = fields.CharField(max_length=200)
    state = fields.CharEnumField(RefundState, max_length=16, db_index=True)
    requested_by = fields.CharField(max_length=40)  # "staff:3", "system"
    cause = fields.CharEnumField(RefundCause, max_length=16, null=True)  # null: asked by finance
    created_at = fields.DatetimeField()
    asked_at = fields.DatetimeField(null=True)  # the provider last asked (made, or queried)
    finished_at = fields.DatetimeField(null=True)  # when we learned the outcome
    provider_success_at = fields.DatetimeField(null=True)  # when the provider paid it back

    class Meta:
        table = "payment_refund"
        unique_together = (("order", "cause"),)


class LedgerEntry(Model):
    """Money that moved, as the provider confirmed it: + for a payment, − for a refund."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[PaymentOrder] = fields.ForeignKeyField(
        "palmcity.PaymentOrder", related_name="ledger", on_delete=fields.RESTRICT
    )
    order_id: int
    refund_id = fields.BigIntField(null=True, unique=True)
    kind = fields.CharField(max_length=16)  # payment | refund
    amount_fen = fields.IntField()
    at = fields.DatetimeField()

    class Meta:
        table = "payment_ledger"


class Merchant(Model):
    """Who receives the money for a department or site: the provider's sub-merchant id. Keys and
    certificates are settings, never rows."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)  # a department or site code
    provider = fields.CharEnumField(Provider, max_length=16)
    sub_mchid = fields.CharField(max_length=32)
    name = fields.CharField(max_length=120)

    class Meta:
        table = "payment_merchant"


class RunState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReconciliationRun(Model):
    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    provider = fields.CharEnumField(Provider, max_length=16)
    state = fields.CharEnumField(RunState, max_length=16)
    lines = fields.IntField(default=0)  # statement lines read
    matched = fields.IntField(default=0)
    exceptions = fields.IntField(default=0)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payment_reconciliation_run"


class MismatchKind(StrEnum):
    MISSING = "missing"  # on the statement, not in our books
    EXTRA = "extra"  # in our books, not on the statement
    AMOUNT_DIFFERS = "amount_differs"
    STATE_DIFFERS = "state_differs"


class ReconciliationException(Model):
    """One mismatch for finance staff to work through (a rerun of the day updates it, never duplicates it)."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField(db_index=True)
    provider = fields.CharEnumField(Provider, max_length=16)
    kind = fields.CharEnumField(MismatchKind, max_length=16)
    reference = fields.CharField(max_length=40)  # our order or refund number
    ours: Any = fields.JSONField(null=True)
    theirs: Any = fields.JSONField(null=True)
    resolved = fields.BooleanField(default=False)
    resolved_by = fields.BigIntField(null=True)
    note = fields.CharField(max_length=200, null=True)
    run_id = fields.BigIntField()

    class Meta:
        table = "payment_reconciliation_exception"
        unique_together = (("day", "provider", "kind", "reference"),)
