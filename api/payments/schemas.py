"""Bodies of the payments API. Amounts are whole fen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.payments.models import (
    OrderState,
    PaymentOrder,
    ReconciliationException,
    ReconciliationRun,
    Refund,
)


class RefundOut(BaseModel):
    id: int
    number: str
    order_id: int
    amount_fen: int
    reason: str
    state: str = Field(description="pending, succeeded or failed")
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, r: Refund) -> RefundOut:
        return cls(
            id=r.id,
            number=r.number,
            order_id=r.order_id,
            amount_fen=r.amount_fen,
            reason=r.reason,
            state=r.state.value,
            created_at=r.created_at,
            finished_at=r.finished_at,
        )


class OrderOut(BaseModel):
    id: int
    number: str
    purpose: str = Field(description="What it pays for, e.g. `appointment:42`.")
    description: str
    amount_fen: int
    state: str = Field(description="created, pending, paid, partially_refunded, refunded, closed, expired")
    paid_fen: int
    refunded_fen: int = Field(description="Refunds asked for and not failed (pending ones included).")
    late_payment: bool = Field(description="Paid after it expired: to be refunded, not accepted.")
    provider: str = Field(description="wechat, or public (the unified public payment platform, 非税)")
    notice_number: str | None = Field(description="The payment notice number (缴款码) of a government fee.")
    pay_params: dict[str, Any] | None = Field(description="What the app pays with while pending.")
    receipt_url: str | None = Field(description="The e-receipt (电子票据), for government fees.")
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    refunds: list[RefundOut] = Field(default_factory=list)

    @classmethod
    def of(cls, o: PaymentOrder, refunds: list[Refund] | None = None) -> OrderOut:
        return cls(
            id=o.id,
            number=o.number,
            purpose=o.purpose,
            description=o.description,
            amount_fen=o.amount_fen,
            state=o.state.value,
            paid_fen=o.paid_fen,
            refunded_fen=o.refunded_fen,
            late_payment=o.late_payment,
            provider=o.provider.value,
            notice_number=o.notice_number,
            pay_params=o.pay_params if o.state.value == "pending" else None,
            receipt_url=o.receipt_url,
            expires_at=o.expires_at,
            paid_at=o.paid_at,
            refunds=[RefundOut.of(r) for r in refunds or []],
        )


class OrdersOut(BaseModel):
    items: list[OrderOut]


class StaffOrdersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    late: bool = Field(default=False, description="Only money that came after its order expired.")
    state: OrderState | None = None


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: int = Field(gt=0, le=100_000_000)
    reason: str = Field(min_length=1, max_length=200)


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
