"""Bodies of the payments API. Amounts are whole fen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api._labels import LabelText
from domain.payments import labels
from domain.payments.models import (
    OrderState,
    PaymentOrder,
    ReconciliationException,
    ReconciliationRun,
    Refund,
)
from domain.payments.outside import REFERENCE, Due
from domain.payments.refunds import late_refund


class RefundOut(BaseModel):
    id: int
    number: str
    order_id: int
    amount_fen: int
    reason: str
    state: str = Field(
        description="processing (asked; the answer is awaited, or was lost and is being asked about), "
        "succeeded, or failed (refused for good: the amount is refundable again)"
    )
    state_label: LabelText
    cause: str | None = Field(
        description="Why the system refunded: cancellation or late_payment; null when finance asked "
        "(or recorded a government fee's 退付: its number is T and the finance bureau's reference)."
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None
    success_time: dt.datetime | None = Field(description="When the provider gave the money back.")

    @classmethod
    def of(cls, r: Refund) -> RefundOut:
        return cls(
            id=r.id,
            number=r.number,
            order_id=r.order_id,
            amount_fen=r.amount_fen,
            reason=r.reason,
            state=r.state.value,
            state_label=labels.refund_state(r.state),
            cause=r.cause.value if r.cause else None,
            created_at=r.created_at,
            finished_at=r.finished_at,
            success_time=r.provider_success_at,
        )


class OrderOut(BaseModel):
    id: int
    number: str
    purpose: str = Field(description="What it pays for, e.g. `appointment:42`.")
    description: str
    amount_fen: int
    attempt: int = Field(description="The purpose's n-th order (a new one after the last closed unpaid).")
    state: str = Field(description="created, pending, paid, partially_refunded, refunded or closed")
    state_label: LabelText
    closed_reason: str | None = Field(description="Closed unpaid: deadline, or cancelled.")
    paid_fen: int
    refunded_fen: int = Field(description="Refunds asked for and not failed (processing ones included).")
    late_payment: bool = Field(
        description="Paid when what it paid for no longer stood: given back, never kept."
    )
    late_refund: str | None = Field(
        description="Late money only: processing, succeeded or failed (the system's full refund), "
        "to_refund, or finance_bureau (a government fee, given back through the finance bureau's 退付)."
    )
    provider: str = Field(description="wechat, or public (the unified public payment platform, 非税)")
    notice_number: str | None = Field(description="The payment notice number (缴款码) of a government fee.")
    pay_params: dict[str, Any] | None = Field(description="What the app pays with while pending.")
    receipt_url: str | None = Field(description="The e-receipt (电子票据), for government fees.")
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    success_time: dt.datetime | None = Field(description="When the provider took the money.")
    finance_bureau: str | None = Field(
        default=None,
        description="Finance's views only: a government fee owed back through the finance bureau's 退付 "
        "(cancelled after it was paid, or paid late): to_return until finance records it, then "
        "returned; null otherwise.",
    )
    finance_bureau_due_fen: int | None = Field(
        default=None, description="What is owed back through the finance bureau (the owner's policy)."
    )
    refunds: list[RefundOut] = Field(default_factory=list)

    @classmethod
    def of(cls, o: PaymentOrder, refunds: list[Refund] | None = None, due: Due | None = None) -> OrderOut:
        return cls(
            id=o.id,
            number=o.number,
            purpose=o.purpose,
            description=o.description,
            amount_fen=o.amount_fen,
            attempt=o.attempt,
            state=o.state.value,
            state_label=labels.order_state(o.state),
            closed_reason=o.closed_reason.value if o.closed_reason else None,
            paid_fen=o.paid_fen,
            refunded_fen=o.refunded_fen,
            late_payment=o.late_payment,
            late_refund=late_refund(o, refunds or []),
            provider=o.provider.value,
            notice_number=o.notice_number,
            pay_params=o.pay_params if o.state.value == "pending" else None,
            receipt_url=o.receipt_url,
            expires_at=o.expires_at,
            paid_at=o.paid_at,
            success_time=o.provider_success_at,
            finance_bureau=due.state if due else None,
            finance_bureau_due_fen=due.due_fen if due else None,
            refunds=[RefundOut.of(r) for r in refunds or []],
        )


class OrdersOut(BaseModel):
    items: list[OrderOut]


class StaffOrdersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    late: bool = Field(
        default=False, description="Only late money (paid when what it paid for no longer stood)."
    )
    state: OrderState | None = None


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: int = Field(gt=0, le=100_000_000)
    reason: str = Field(min_length=1, max_length=200)


class RefundOutsideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: int = Field(gt=0, le=100_000_000, description="What the finance bureau gave back, in fen.")
    reference: str = Field(
        pattern=f"^{REFERENCE.pattern}$",  # the domain's own rule, one source
        description="The finance bureau's reference number of the 退付 (1 to 31 letters, digits, - _ /).",
    )
    note: str = Field(default="", max_length=120)


class ReconcileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: dt.date = Field(description="The China date whose statement to match; rerunning updates.")


class RunOut(BaseModel):
    id: int
    day: dt.date
    provider: str
    state: str
    lines: int
    matched: int
    exceptions: int

    @classmethod
    def of(cls, r: ReconciliationRun) -> RunOut:
        return cls(
            id=r.id,
            day=r.day,
            provider=r.provider.value,
            state=r.state.value,
            lines=r.lines,
            matched=r.matched,
            exceptions=r.exceptions,
        )


class ExceptionOut(BaseModel):
    id: int
    day: dt.date
    provider: str
    kind: str = Field(description="missing, extra, amount_differs or state_differs")
    kind_label: LabelText
    reference: str
    ours: dict[str, Any] | None
    theirs: dict[str, Any] | None
    resolved: bool
    note: str | None

    @classmethod
    def of(cls, e: ReconciliationException) -> ExceptionOut:
        return cls(
            id=e.id,
            day=e.day,
            provider=e.provider.value,
            kind=e.kind.value,
            kind_label=labels.mismatch_kind(e.kind),
            reference=e.reference,
            ours=e.ours,
            theirs=e.theirs,
            resolved=e.resolved,
            note=e.note,
        )


class ExceptionsOut(BaseModel):
    items: list[ExceptionOut]


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=200)
