"""Bodies of the ticket routes: visitors as an order names them, explained prices, orders with
their tickets and payments, refund previews, and the resident's standing at a spot."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api._labels import LabelText
from api.appointments.schemas import china
from domain.identity.documents import DocumentKind
from domain.payments import labels as payment_labels
from domain.shared.i18n import LazyText
from domain.tourism import pricing, rules
from domain.tourism.errors import TicketNotActive
from domain.tourism.models import Ticket
from domain.tourism.tickets import (
    FairUse,
    OrderView,
    RefundPreview,
    Visitor,
    VisitorSpec,
    channel_label,
    state_label,
)

# The categories that need proof (pricing.PROOF; a test keeps the two the same).
Claim = Literal["student", "disabled", "soldier", "fire_rescue"]
MAX_VISITORS = 10


class VisitorIn(BaseModel):
    """Exactly one of: ``{"self": true}``, ``{"member_id": 12}``, or a companion's
    ``document_kind`` + ``document_number`` + ``name`` (+ ``born`` for a document without a birth date)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    myself: bool = Field(False, alias="self", description="The resident, from their verified document.")
    member_id: int | None = Field(
        None, gt=0, lt=2**63, description="A family member's id (`/api/v1/family`)."
    )
    document_kind: DocumentKind | None = None
    document_number: str | None = Field(None, min_length=5, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=64, description="Masked on the ticket (张*).")
    born: dt.date | None = Field(
        None, description="Only for a Home Return Permit, Taiwan permit or passport (no birth date inside)."
    )
    claims: list[Claim] = Field(
        default_factory=list, max_length=4, description="Categories that need proof, e.g. student."
    )

    def spec(self) -> VisitorSpec:
        return VisitorSpec(
            myself=self.myself,
            member_id=self.member_id,
            document_kind=self.document_kind.value if self.document_kind else None,
            document_number=self.document_number,
            name=self.name,
            born=self.born,
            claims=frozenset(self.claims),
        )


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: dt.date = Field(description="The visit day (China date): each visitor's age on it decides.")
    visitors: list[VisitorIn] = Field(min_length=1, max_length=MAX_VISITORS)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spot: str = Field(min_length=1, max_length=40, description="The spot's code.")
    slot_id: int = Field(gt=0, lt=2**63, description="An entry slot of the spot (`.../days/{day}`).")
    visitors: list[VisitorIn] = Field(min_length=1, max_length=MAX_VISITORS)


class StandingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spot: str = Field(min_length=1, max_length=40, description="The spot's code.")


class WhoOut(BaseModel):
    """The visitor as a ticket names them: masked, never in clear."""

    document_kind: str
    document_kind_label: LabelText
    document_masked: str
    name_masked: str


def _who(kind: str, masked: str, name_masked: str) -> dict[str, Any]:
    return {
        "document_kind": kind,
        "document_kind_label": DocumentKind(kind).label,
        "document_masked": masked,
        "name_masked": name_masked,
    }


class QuoteLineOut(WhoOut):
    visitor: int = Field(description="The visitor's position in the request.")
    category: str
    category_label: LabelText
    percent: int = Field(description="Of the full price.")
    amount_fen: int
    age: int = Field(description="Whole years on the visit day.")
    proof: LabelText | None = Field(description="What must be shown for the category; null: the age decides.")
    explanation: LabelText


class QuoteOut(BaseModel):
    spot: str
    day: dt.date
    total_fen: int
    lines: list[QuoteLineOut]

    @classmethod
    def of(cls, spot: str, day: dt.date, priced: list[tuple[Visitor, pricing.PriceLine]]) -> QuoteOut:
        lines = [
            QuoteLineOut(
                **_who(v.document.kind.value, v.document.masked, v.name_masked),
                visitor=i,
                category=line.category,
                category_label=pricing.category_label(line.category),
                percent=line.percent,
                amount_fen=line.amount_cents,
                age=line.age,
                proof=line.proof,
                explanation=line.explanation,
            )
            for i, (v, line) in enumerate(priced)
        ]
        return cls(spot=spot, day=day, total_fen=sum(x.amount_fen for x in lines), lines=lines)


# Why a live ticket cannot be cancelled now, in words (the refusal's own message).
_REFUSALS: dict[str, LazyText] = {
    TicketNotActive.code: TicketNotActive.message,
    rules.CancelCutoffPassed.code: rules.CancelCutoffPassed.message,
    rules.CancelQuotaReached.code: rules.CancelQuotaReached.message,
}


class RefundPreviewOut(BaseModel):
    ticket_id: int
    cancellable: bool
    refusal: str | None = Field(
        description="Why not: ticket_not_active (used or ended), ticket_cancel_cutoff_passed, "
        "ticket_cancel_quota_reached; null: it may be cancelled now."
    )
    refusal_label: LabelText | None
    kind: str = Field(description="full, fee_kept or none (a used ticket gives nothing back).")
    kind_label: LabelText
    paid_fen: int = Field(description="Paid and not refunded yet (0 while awaiting payment).")
    refund_fen: int = Field(description="What cancelling now gives back.")

    @classmethod
    def of(cls, p: RefundPreview) -> RefundPreviewOut:
        return cls(
            ticket_id=p.ticket_id,
            cancellable=p.refusal is None,
            refusal=p.refusal,
            refusal_label=_REFUSALS[p.refusal] if p.refusal else None,
            kind=p.kind.value,
            kind_label=rules.refund_kind_label(p.kind.value),
            paid_fen=p.paid_fen,
            refund_fen=p.refund_fen,
        )


class TicketOut(WhoOut):
    id: int
    code: str
    state: str = Field(description="held (awaiting payment), confirmed, lapsed, cancelled, used, no_show")
    state_label: LabelText
    category: str
    category_label: LabelText
    percent: int
    amount_fen: int
    explanation: LabelText
    member_id: int | None = Field(description="The family member it names, if any.")
    used_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    refund_preview: RefundPreviewOut | None = Field(
        None, description="One order's view only: what cancelling this ticket now gives back."
    )

    @classmethod
    def of(cls, t: Ticket, preview: RefundPreview | None = None) -> TicketOut:
        return cls(
            **_who(t.document_kind, t.document_masked, t.name_masked),
            id=t.id,
            code=t.code,
            state=t.state.value,
            state_label=state_label(t.state.value),
            category=t.category,
            category_label=pricing.category_label(t.category),
            percent=t.percent,
            amount_fen=t.amount_fen,
            explanation=pricing.explain(t.category, t.percent),
            member_id=t.member_id,
            used_at=t.used_at,
            cancelled_at=t.cancelled_at,
            refund_preview=RefundPreviewOut.of(preview) if preview else None,
        )


class PaymentOut(BaseModel):
    ticket_id: int
    order_id: int = Field(description="The payment order: `GET /api/v1/payments/{id}` has its pay_params.")
    amount_fen: int
    state: str = Field(description="The payment order's state (created, pending, paid, refunded, closed...).")
    state_label: LabelText
    expires_at: dt.datetime = Field(description="Unpaid by then: the ticket lapses and its place goes back.")


class OrderOut(BaseModel):
    id: int
    spot: str
    spot_name: str
    day: dt.date
    slot_id: int
    starts_at: str = Field(description="The entry slot's start, China time.")
    channel: str = Field(description="online, window or waitlist")
    channel_label: LabelText
    total_fen: int
    tickets: list[TicketOut]
    payments: list[PaymentOut] = Field(description="One per priced ticket: pay each through its order_id.")

    @classmethod
    def of(cls, view: OrderView, locale: str) -> OrderOut:
        o = view.order
        return cls(
            id=o.id,
            spot=view.spot.code,
            spot_name=view.spot.name_in(locale),
            day=o.day,
            slot_id=o.slot_id,
            starts_at=china(o.starts_at),
            channel=o.channel.value,
            channel_label=channel_label(o.channel.value),
            total_fen=sum(t.amount_fen for t in view.tickets),
            tickets=[TicketOut.of(t, view.previews.get(t.id)) for t in view.tickets],
            payments=[
                PaymentOut(
                    ticket_id=t.id,
                    order_id=paid.id,
                    amount_fen=paid.amount_fen,
                    state=paid.state.value,
                    state_label=payment_labels.order_state(paid.state),
                    expires_at=paid.expires_at,
                )
                for t in view.tickets
                if (paid := view.payments.get(t.id)) is not None
            ],
        )


class OrdersOut(BaseModel):
    items: list[OrderOut]


class QuotaOut(BaseModel):
    period: str = Field(description="day, week, month or year (calendar periods, China time).")
    period_label: LabelText
    used: int = Field(description="Cancellations made (an order cancelled whole counts once).")
    allowed: int | None = Field(description="Null: no limit.")


class StandingOut(BaseModel):
    spot: str
    no_shows: int = Field(description="Your no-shows at this spot within the window.")
    window_days: int
    locked_until: dt.date | None = Field(description="Booking is locked until this day; null: not locked.")
    cancellations: list[QuotaOut]

    @classmethod
    def of(cls, spot: str, found: FairUse) -> StandingOut:
        return cls(
            spot=spot,
            no_shows=found.no_shows,
            window_days=found.window_days,
            locked_until=found.locked_until,
            cancellations=[
                QuotaOut(
                    period=q.period, period_label=rules.period_label(q.period), used=q.used, allowed=q.allowed
                )
                for q in found.quotas
            ],
        )
