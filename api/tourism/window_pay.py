"""The ticket window takes WeChat Pay: each priced ticket's payment shown as a code the visitor scans
(WeChat Pay's Native order), and the sale's state the seller's screen polls until it is paid
(``/staff/tourism/spots/{code}/sales/{order_id}/wechat``). Parse → one domain call → render."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import documented, parse_query, respond
from api.payments.routes import providers_of
from api.tourism.ticket_schemas import OrderOut
from domain.credentials import qr
from domain.payments.models import OPEN_STATES, OrderState
from domain.tourism import service, window
from domain.tourism.models import TicketState
from domain.tourism.tickets import OrderView


class PayCodeOut(BaseModel):
    payment_id: int = Field(description="The payment order (one per priced ticket).")
    ticket_id: int
    amount_fen: int
    code_url: str = Field(description="WeChat Pay's `weixin://wxpay/bizpayurl?...` link, for the QR code.")
    svg: str = Field(description="The code as a QR image (an SVG document) the visitor scans with WeChat.")
    expires_at: dt.datetime = Field(description="Unpaid by then: the ticket lapses and its place goes back.")
    sandbox_pay_url: str | None = Field(
        None, description="Sandbox only: `POST` it (the sandbox pay desk) to pay as a visitor scanning would."
    )


class WindowPayOut(OrderOut):
    """The window sale (the tickets' Order shape) with the codes still to pay."""

    codes: list[PayCodeOut] = Field(
        description="One per priced ticket still held and awaiting its money, in the order of the tickets."
    )
    settled: bool = Field(
        description="Nothing left to pay: every priced ticket paid (confirmed), or its payment ended "
        "unpaid (the ticket lapsed). The screen stops polling."
    )

    @classmethod
    def of(cls, view: OrderView, locale: str) -> WindowPayOut:
        codes = []
        for ticket in view.tickets:
            paying = view.payments.get(ticket.id)
            params = (paying.pay_params or {}) if paying is not None else {}
            code_url = params.get("code_url")
            if paying is None or paying.state != OrderState.PENDING or ticket.state != TicketState.HELD:
                continue
            if not isinstance(code_url, str):
                continue  # started otherwise (never at the window): nothing to scan here
            sandbox = params.get("complete_url")
            codes.append(
                PayCodeOut(
                    payment_id=paying.id,
                    ticket_id=ticket.id,
                    amount_fen=paying.amount_fen,
                    code_url=code_url,
                    svg=qr.svg(code_url),
                    expires_at=paying.expires_at,
                    sandbox_pay_url=sandbox if isinstance(sandbox, str) else None,
                )
            )
        settled = all(p.state not in OPEN_STATES for p in view.payments.values())
        return cls(**dict(OrderOut.of(view, locale)), codes=codes, settled=settled)


class PayStateQuery(BaseModel):
    ask: bool = Field(
        False, description="Ask the provider about payments still pending first (a notification late)."
    )


PAY_REFUSALS = (
    "`spot_not_found`, `window_sale_not_found` (not a window sale of this spot), `staff_role_required`, "
    "`staff_scope_required`"
)


@openapi.summary("Show the visitor the WeChat Pay codes of a window sale")
@openapi.description(
    "Staff with the `ticket_seller` role for the spot's code. Each priced ticket still held is handed "
    "to WeChat Pay as a Native order; its `code_url` (and the QR `svg`) is what the visitor scans with "
    "WeChat, as often as needed until `expires_at`. Asked again, the same codes. The money comes by "
    "the provider's notification; poll `GET` on this path until `settled`. Refusals: "
    f"{PAY_REFUSALS}, `payment_provider_unavailable` (try again)."
)
@openapi.tag("tourism")
@documented(WindowPayOut)
@requires("staff")
async def take_wechat(request: Request, code: str, order_id: int) -> HTTPResponse:
    spot = await service.spot_by_code(code)
    view = await window.take_wechat(actor_of(request), providers_of(request), spot, order_id)
    return respond(WindowPayOut.of(view, request.ctx.locale))


@openapi.summary("A window sale's payments as they stand, what the seller's screen polls")
@openapi.description(
    "Staff with the `ticket_seller` role for the spot's code. `ask=true` asks WeChat Pay about the "
    "payments still pending first (a paid one is recorded as its notification would be). Refusals: "
    f"{PAY_REFUSALS}."
)
@openapi.tag("tourism")
@openapi.parameter("ask", bool, "query")
@documented(WindowPayOut)
@requires("staff")
async def pay_state(request: Request, code: str, order_id: int) -> HTTPResponse:
    query = parse_query(request, PayStateQuery)
    spot = await service.spot_by_code(code)
    providers = providers_of(request) if query.ask else None
    view = await window.sale_state(actor_of(request), spot, order_id, providers=providers)
    return respond(WindowPayOut.of(view, request.ctx.locale))


def add_routes(bp: Blueprint) -> None:
    """Taking WeChat Pay at the window, on the tourism blueprint."""
    paying = "/staff/tourism/spots/<code:str>/sales/<order_id:id>/wechat"
    bp.add_route(take_wechat, paying, methods=["POST"], name="window_sale_wechat")
    bp.add_route(pay_state, paying, methods=["GET"], name="window_sale_wechat_state")
