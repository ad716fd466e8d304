"""Tourism routes for a spot's staff: the manual window's sales and the spot's dashboard
(``/staff/tourism/spots/{code}``; the spot's code is the scope). Parse → one domain call → render."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, respond
from api._labels import LabelText
from api.appointments.routes import gate_of
from api.tourism import window_pay
from api.tourism.ticket_schemas import MAX_VISITORS, Claim, OrderOut, RefundPreviewOut
from domain.identity.documents import DocumentKind
from domain.tourism import crowd, dashboard, service, tickets, window
from domain.tourism.dashboard import Dashboard
from domain.tourism.models import SaleChannel, Spot
from domain.tourism.tickets import OrderView
from domain.tourism.window import WindowSale


class CounterVisitorIn(BaseModel):
    """A visitor at the counter: the document shown, the name on it, the birth date where the
    document does not carry it (passport, permits), the claims whose proof the seller saw."""

    model_config = ConfigDict(extra="forbid")

    document_kind: DocumentKind
    document_number: str = Field(min_length=5, max_length=32)
    name: str = Field(min_length=1, max_length=64, description="Kept only masked (张*).")
    born: dt.date | None = Field(
        None, description="Only for a Home Return Permit, Taiwan permit or passport (no birth date inside)."
    )
    claims: list[Claim] = Field(
        default_factory=list, max_length=4, description="Categories whose proof the seller saw, e.g. student."
    )


class SaleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: int | None = Field(
        None, gt=0, description="Absent: today's slot under way, else the next one today."
    )
    visitors: list[CounterVisitorIn] = Field(min_length=1, max_length=MAX_VISITORS)
    paid_by: Literal["cash", "wechat"]


class WindowOrderOut(OrderOut):
    """The order as the tickets' routes show it (channel ``window``), how it was paid, and each
    ticket's price explained with the visitor's age on the visit day (the seller reads it out)."""

    paid_by: str = Field(description="cash (valid at once) or wechat (each priced ticket's payment to pay).")
    paid_by_label: LabelText

    @classmethod
    def of_sale(cls, sale: WindowSale, spot: Spot, paid_by: window.PaidBy, locale: str) -> WindowOrderOut:
        made = sale.ordered
        paid = {tickets.ticket_id_of(p.purpose): p for p in made.payments}
        base = OrderOut.of(tickets.OrderView(made.order, spot, made.tickets, paid, {}), locale)
        explained = [
            shown.model_copy(update={"explanation": line.explanation})
            for shown, line in zip(base.tickets, sale.lines, strict=True)
        ]
        return cls(
            **{**dict(base), "tickets": explained},
            paid_by=paid_by.value,
            paid_by_label=window.PAID_BY_LABELS(paid_by),
        )

    @classmethod
    def of_view(cls, view: OrderView, locale: str) -> WindowOrderOut:
        """A window order as it is now, each ticket with what cancelling it now gives back."""
        paid_by = window.PaidBy(view.order.paid_by or window.PaidBy.WECHAT.value)
        base = OrderOut.of(view, locale)
        return cls(**dict(base), paid_by=paid_by.value, paid_by_label=window.PAID_BY_LABELS(paid_by))


class SoldOut(BaseModel):
    online: int
    window: int
    waitlist: int
    total: int


class LevelPointOut(BaseModel):
    at: dt.datetime = Field(description="The level holds from here until the next point.")
    level: str
    level_label: LabelText
    rank: int = Field(description="0 comfortable … 3 red: the chart's height.")
    inside: int
    sold: int


class DashboardOut(BaseModel):
    spot: str
    spot_name: str
    day: dt.date
    sold: SoldOut = Field(description="Today's tickets by channel (held for payment included).")
    sold_online: int
    sold_window: int
    taken: int = Field(description="The day's places taken (every channel).")
    capacity: int = Field(description="The day's limit (daily maximum × policy); 0: no entries today.")
    online_left: int
    walk_in_left: int = Field(description="Of the share kept for the window, not yet sold.")
    window_left: int = Field(description="What the window can still sell today.")
    booking_required: bool
    inside: int
    limit: int = Field(description="Inside at once at most: the instantaneous maximum × policy.")
    entered: int
    exited: int
    level: str
    level_label: LabelText
    series: list[LevelPointOut] = Field(description="The level over time, as steps from the opening to now.")

    @classmethod
    def of(cls, found: Dashboard, locale: str) -> DashboardOut:
        sold = found.sold
        return cls(
            spot=found.spot.code,
            spot_name=found.spot.name_in(locale),
            day=found.day,
            sold=SoldOut(
                online=sold[SaleChannel.ONLINE],
                window=sold[SaleChannel.WINDOW],
                waitlist=sold[SaleChannel.WAITLIST],
                total=sum(sold.values()),
            ),
            sold_online=sold[SaleChannel.ONLINE],
            sold_window=sold[SaleChannel.WINDOW],
            taken=found.taken,
            capacity=found.capacity,
            online_left=found.online_left,
            walk_in_left=found.walk_in_left,
            window_left=found.window_left,
            booking_required=found.booking_required,
            inside=found.inside,
            limit=found.limit,
            entered=found.entered,
            exited=found.exited,
            level=found.level.value,
            level_label=crowd.LABELS[found.level],
            series=[
                LevelPointOut(
                    at=p.at,
                    level=p.level.value,
                    level_label=crowd.LABELS[p.level],
                    rank=crowd.ORDER.index(p.level),
                    inside=p.inside,
                    sold=p.sold,
                )
                for p in found.series
            ],
        )


@openapi.summary("Sell tickets at the spot's manual window, for cash or WeChat Pay")
@openapi.description(
    "Staff with the `ticket_seller` role for the spot's code. Today's sales take the window's walk-in "
    "share first. `cash`: the tickets are valid at once; `wechat`: one payment order per priced "
    "ticket, to be paid within 5 minutes by the codes `POST …/sales/{order_id}/wechat` shows the visitor. "
    "Send an `Idempotency-Key`: a retried sale is answered "
    "with the first one's answer, never sold twice. Refusals: `spot_not_found`, `slot_not_found`, "
    "`window_no_slot` (no slot left today), `spot_day_full`, `slot_full`, `spot_stop_selling`, "
    "`slot_waitlisted` (beyond its share, the places left are owed to the waitlist), "
    "`spot_day_not_open`, `ticket_person_taken` (details: `visitor`), `ticket_birth_date_needed` "
    "(details: `visitor`), the document's checks (`document_kind_unknown`, "
    "`document_number_format_invalid`…), `staff_role_required`, `staff_scope_required`."
)
@openapi.tag("tourism")
@documented(WindowOrderOut, status=201)
@requires("staff")
@idempotent()
@body(SaleIn)
async def sell(request: Request, code: str) -> HTTPResponse:
    data: SaleIn = request.ctx.body
    spot = await service.spot_by_code(code)
    paid_by = window.PaidBy(data.paid_by)
    visitors = [
        window.Counter(v.document_kind.value, v.document_number, v.name, v.born, frozenset(v.claims))
        for v in data.visitors
    ]
    sale = await window.sell(
        actor_of(request), spot, visitors, paid_by, slot_id=data.slot_id, gate=gate_of(request)
    )
    return respond(WindowOrderOut.of_sale(sale, spot, paid_by, request.ctx.locale), status=201)


WINDOW_REFUSALS = (
    "`spot_not_found`, `ticket_not_found` (not a ticket or order of this spot), `ticket_not_window_sale` "
    "(sold by the app: its buyer cancels it there), `staff_role_required`, `staff_scope_required`"
)
CANCEL_REFUSALS = (
    "`ticket_not_active` (used, or already ended), `ticket_cancel_cutoff_passed` (the spot's cut-off "
    "before the slot, as the order saved it; `details.cutoff_minutes`)"
)
CANCELLING = (
    "Staff with the `ticket_seller` role for the spot's code. By the order's refund rules, as a "
    "resident's cancellation (no quotas: they are a resident's). The places go back (to the walk-in "
    "share what the sale drew from it). Cash sales: hand back each ticket's `refund_preview` amount "
    "as previewed, recorded as `tourism.window_refunded`; WeChat Pay sales: refunded by payments to "
    "the payer. Send an `Idempotency-Key`: a retry is answered with the first answer, never "
    "refunded twice (without one, a second cancel is `ticket_not_active`). Answers the order."
)


@openapi.summary("What cancelling a window ticket now gives back, or why it cannot be cancelled")
@openapi.description(
    "Staff with the `ticket_seller` role for the spot's code. A cash ticket's `paid_fen` is its price "
    f"(taken at the counter). Refusals: {WINDOW_REFUSALS}."
)
@openapi.tag("tourism")
@documented(RefundPreviewOut)
@requires("staff")
async def refund_preview(request: Request, code: str, ticket_id: int) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    found = await window.refund_preview(actor_of(request), spot, ticket_id)
    return respond(RefundPreviewOut.of(found))


@openapi.summary("Cancel one ticket the window sold and give its money back")
@openapi.description(f"{CANCELLING} Refusals: {WINDOW_REFUSALS}, {CANCEL_REFUSALS}.")
@openapi.tag("tourism")
@documented(WindowOrderOut)
@requires("staff")
@idempotent()
async def cancel_ticket(request: Request, code: str, ticket_id: int) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    view = await window.cancel_ticket(actor_of(request), spot, ticket_id, gate_of(request))
    return respond(WindowOrderOut.of_view(view, request.ctx.locale))


@openapi.summary("Cancel every live ticket of a window order and give the money back")
@openapi.description(f"{CANCELLING} Refusals: {WINDOW_REFUSALS}, {CANCEL_REFUSALS}.")
@openapi.tag("tourism")
@documented(WindowOrderOut)
@requires("staff")
@idempotent()
async def cancel_sale(request: Request, code: str, order_id: int) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    view = await window.cancel_order(actor_of(request), spot, order_id, gate_of(request))
    return respond(WindowOrderOut.of_view(view, request.ctx.locale))


@openapi.summary("The spot's dashboard: today's sales, places left, inside, and the level over time")
@openapi.description(
    "Staff with the `spot_manager`, `ticket_seller` or `scanner` role for the spot's code. Refusals: "
    "`spot_not_found`, `staff_role_required`, `staff_scope_required`."
)
@openapi.tag("tourism")
@documented(DashboardOut)
@requires("staff")
async def spot_dashboard(request: Request, code: str) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    found = await dashboard.dashboard(actor_of(request), spot)
    return respond(DashboardOut.of(found, request.ctx.locale))


def add_routes(bp: Blueprint) -> None:
    """The window's sales and the dashboard on the tourism blueprint."""
    spot = "/staff/tourism/spots/<code:str>"
    bp.add_route(sell, f"{spot}/sales", methods=["POST"], name="window_sale")
    bp.add_route(
        cancel_sale, f"{spot}/sales/<order_id:id>/cancel", methods=["POST"], name="window_sale_cancel"
    )
    bp.add_route(
        refund_preview, f"{spot}/tickets/<ticket_id:id>/refund", methods=["GET"], name="window_ticket_refund"
    )
    bp.add_route(
        cancel_ticket, f"{spot}/tickets/<ticket_id:id>/cancel", methods=["POST"], name="window_ticket_cancel"
    )
    bp.add_route(spot_dashboard, f"{spot}/dashboard", methods=["GET"], name="spot_dashboard")
    window_pay.add_routes(bp)  # taking WeChat Pay at the window
    from api.tourism import window_sales  # noqa: PLC0415 - it builds on this module's WindowOrderOut

    window_sales.add_routes(bp)  # the window's sales found again
