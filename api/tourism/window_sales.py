"""The ticket window's sales found again: the list of a day's sales, one sale by its number, and a
look-up by a ticket's number or the visitor's document (``/staff/tourism/spots/{code}/sales``), so
that a walk-in who comes back is refunded at the counter. Parse → one domain call → render."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import Day, body, documented, parse_query, respond
from api.tourism.window import WindowOrderOut
from domain.identity.documents import DocumentKind
from domain.tourism import service, window


class WindowSaleOut(WindowOrderOut):
    """A window sale as the counter finds it again: the order as its other routes show it (each
    ticket's visitor masked, category, price and state; how it was paid), when and by whom it was
    sold, and whether a ticket of it can still be cancelled."""

    sold_at: dt.datetime
    seller_id: int | None = Field(description="The staff account that sold it.")
    seller_name: str | None = Field(description="Its display name.")
    cancellable: bool = Field(
        description="A ticket of it is live (held or valid) and the order's cut-off has not passed: "
        "`POST …/tickets/{id}/cancel` or `…/sales/{id}/cancel` may give it back (preview first)."
    )

    @classmethod
    def of_found(cls, found: window.SoldHere, locale: str) -> WindowSaleOut:
        order = found.view.order
        return cls(
            **dict(WindowOrderOut.of_view(found.view, locale)),
            sold_at=order.created_at,
            seller_id=order.seller_id,
            seller_name=found.seller_name,
            cancellable=found.cancellable,
        )


class WindowSalesOut(BaseModel):
    day: dt.date = Field(description="The China date the sales were made on.")
    items: list[WindowSaleOut] = Field(description="Newest first.")
    total: int
    limit: int
    offset: int


class SalesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: Day | None = Field(None, description="The China date the sales were made on; default today.")
    limit: int = Field(default=window.SALES_PAGE, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class SaleLookupIn(BaseModel):
    """Exactly one of: ``order_id``; ``ticket_code``; ``document_kind`` + ``document_number``. In a
    body, not a query string: a document number never lands in an access log."""

    model_config = ConfigDict(extra="forbid")

    order_id: int | None = Field(None, gt=0, lt=2**63, description="The sale's number (its order id).")
    ticket_code: str | None = Field(
        None, min_length=1, max_length=32, description="A ticket's number, as printed (16 characters)."
    )
    document_kind: DocumentKind | None = Field(None, description="The document the visitor shows.")
    document_number: str | None = Field(
        None,
        min_length=5,
        max_length=32,
        description="As typed at the counter; a Home Return Permit's renewal digits may differ.",
    )
    day: Day | None = Field(None, description="A document's visit day (China date); default today.")


SALES_REFUSALS = "`spot_not_found`, `staff_role_required`, `staff_scope_required`"


@openapi.summary("The window's sales of a day, newest first")
@openapi.description(
    "Staff with the `ticket_seller` role for the spot's code. The sales the window made on `day` "
    "(China time; default today), each with its tickets (visitors masked), how it was paid, the "
    "seller, and whether it can still be cancelled. Paginated by `limit` (at most 100) and "
    f"`offset`, `total` counting them all. Refusals: {SALES_REFUSALS}, `invalid_input`."
)
@openapi.tag("tourism")
@openapi.parameter("day", dt.date, "query")
@openapi.parameter("limit", int, "query")
@openapi.parameter("offset", int, "query")
@documented(WindowSalesOut)
@requires("staff")
async def sales_of_day(request: Request, code: str) -> HTTPResponse:
    query = parse_query(request, SalesQuery)
    spot = await service.spot_by_code(code)
    found = await window.sales_of_day(
        actor_of(request), spot, query.day, limit=query.limit, offset=query.offset
    )
    locale = request.ctx.locale
    return respond(
        WindowSalesOut(
            day=found.day,
            items=[WindowSaleOut.of_found(s, locale) for s in found.sales],
            total=found.total,
            limit=query.limit,
            offset=query.offset,
        )
    )


@openapi.summary("One window sale by its number")
@openapi.description(
    "Staff with the `ticket_seller` role for the spot's code. Refusals: "
    f"{SALES_REFUSALS}, `window_sale_not_found` (not a window sale of this spot)."
)
@openapi.tag("tourism")
@documented(WindowSaleOut)
@requires("staff")
async def one_sale(request: Request, code: str, order_id: int) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    found = await window.find_sale(actor_of(request), spot, window.Lookup(order_id=order_id))
    return respond(WindowSaleOut.of_found(found, request.ctx.locale))


@openapi.summary("Find a window sale by its number, a ticket's number or the visitor's document")
@openapi.description(
    "Staff with the `ticket_seller` role for the spot's code. A document finds the visitor's newest "
    "window sale for the visit day (`day`, default today) by its blind index, as a gate finds a "
    "ticket (a Home Return Permit by its first 9 characters). Refusals: "
    f"{SALES_REFUSALS}, `window_lookup_invalid` (not exactly one of the three), the document's own "
    "checks (`document_number_format_invalid`, `document_check_digit_invalid`…), "
    "`window_sale_not_found`, `ticket_not_window_sale` (sold by the app: its buyer cancels it there)."
)
@openapi.tag("tourism")
@documented(WindowSaleOut)
@requires("staff")
@body(SaleLookupIn)
async def look_up(request: Request, code: str) -> HTTPResponse:
    data: SaleLookupIn = request.ctx.body
    spot = await service.spot_by_code(code)
    lookup = window.Lookup(
        order_id=data.order_id,
        ticket_code=data.ticket_code,
        document_kind=data.document_kind.value if data.document_kind else None,
        document_number=data.document_number,
        day=data.day,
    )
    found = await window.find_sale(actor_of(request), spot, lookup)
    return respond(WindowSaleOut.of_found(found, request.ctx.locale))


def add_routes(bp: Blueprint) -> None:
    """The window's sales found again, on the tourism blueprint."""
    sales = "/staff/tourism/spots/<code:str>/sales"
    bp.add_route(sales_of_day, sales, methods=["GET"], name="window_sales")
    bp.add_route(one_sale, f"{sales}/<order_id:id>", methods=["GET"], name="window_sale_one")
    bp.add_route(look_up, f"{sales}/lookup", methods=["POST"], name="window_sale_lookup")
