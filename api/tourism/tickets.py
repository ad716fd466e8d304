"""Ticket routes for residents: explained prices, orders (create, mine, one, cancel), a ticket's
cancellation and refund preview, and the standing at a spot. Parse → one domain call → render."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires, requires_level
from api._idempotency import idempotent
from api._kit import body, documented, parse_query, respond
from api.appointments.routes import gate_of
from api.payments.routes import providers_of
from api.tourism.ticket_schemas import (
    OrderIn,
    OrderOut,
    OrdersOut,
    QuoteIn,
    QuoteOut,
    RefundPreviewOut,
    StandingOut,
    StandingQuery,
)
from domain.identity.models import IdentityLevel
from domain.tourism import service, tickets

VISITOR_REFUSALS = (
    "`ticket_visitor_invalid` (422, `details.reason`: one_of, name, born), `identity_level_required` "
    "(`self` before verifying), `family_member_not_found`, `family_consent_required`, "
    "`family_guardianship_unproven`, `document_number_format_invalid`, "
    "`document_check_digit_invalid`, `ticket_birth_date_needed` (a permit or passport without `born`); "
    "each with `details.visitor`, the visitor's position; `invalid_input` for an unknown document "
    "kind or claim"
)


async def _order_out(request: Request, order_id: int) -> HTTPResponse:
    view = await tickets.my_order(actor_of(request), order_id)
    return respond(OrderOut.of(view, request.ctx.locale))


@openapi.summary("What each visitor would pay at a spot on a day, each line explained")
@openapi.description(
    f"The age on the visit day decides (not the booking day); claims needing proof are checked when "
    f"ordering. Refusals: `spot_not_found`, {VISITOR_REFUSALS}."
)
@openapi.tag("tourism")
@documented(QuoteOut)
@requires_level(IdentityLevel.REAL_NAME)
@body(QuoteIn)
async def quote(request: Request, code: str) -> HTTPResponse:
    data: QuoteIn = request.ctx.body
    spot = await service.spot_by_code(code)
    priced = await tickets.quote_for(actor_of(request), spot, data.day, [v.spec() for v in data.visitors])
    return respond(QuoteOut.of(spot.code, data.day, priced))


@openapi.summary("Order real-name tickets: one per visitor, each its own place and payment")
@openapi.description(
    "Priced tickets are held until paid: pay each through `payments[].order_id` (the payments page); "
    "free ones are confirmed at once. Either every visitor gets a ticket or none does. Refusals: "
    "`spot_not_found`, `slot_not_found`, `spot_day_not_open`, `spot_day_full`, `slot_full`, `slot_closed`, "
    "`spot_stop_selling` (the crowd level is red), `slot_waitlisted` (409: people wait for the slot "
    "and the places left are theirs first; join the waitlist), `ticket_person_taken` (one ticket per "
    "person, spot and day), `ticket_booking_locked` (no-shows; `details.locked_until`), claims not proven "
    f"(eligibility), {VISITOR_REFUSALS}, `payment_provider_unavailable`."
)
@openapi.tag("tourism")
@documented(OrderOut, 201)
@requires_level(IdentityLevel.REAL_NAME)
@idempotent()
@body(OrderIn)
async def create(request: Request) -> HTTPResponse:
    data: OrderIn = request.ctx.body
    spot = await service.spot_by_code(data.spot)
    ordered = await tickets.order_online(
        actor_of(request),
        providers_of(request),
        gate_of(request),
        spot,
        data.slot_id,
        [v.spec() for v in data.visitors],
    )
    view = await tickets.my_order(actor_of(request), ordered.order.id)
    return respond(OrderOut.of(view, request.ctx.locale), status=201)


@openapi.summary("My ticket orders, newest first (the latest 50)")
@openapi.tag("tourism")
@documented(OrdersOut)
@requires("resident")
async def mine(request: Request) -> HTTPResponse:
    found = await tickets.my_orders(actor_of(request))
    return respond(OrdersOut(items=[OrderOut.of(v, request.ctx.locale) for v in found]))


@openapi.summary("One of my ticket orders, with what cancelling each ticket now gives back")
@openapi.description("Refused with `ticket_not_found` (404) for an order that is not yours.")
@openapi.tag("tourism")
@documented(OrderOut)
@requires("resident")
async def get_one(request: Request, order_id: int) -> HTTPResponse:
    return await _order_out(request, order_id)


CANCEL_REFUSALS = (
    "`ticket_not_active` (used, or already ended), `ticket_cancel_cutoff_passed` (the spot's cut-off "
    "before the slot; `details.cutoff_minutes`), `ticket_cancel_quota_reached` (the spot's "
    "cancellations per day, week, month or year for your account; `details.period`, `allowed`, `used`)"
)


@openapi.summary("Cancel every live ticket of my order (one cancellation against the quotas)")
@openapi.description(
    "Places go back; paid money comes back by the refund rules of the order (snapshotted when "
    f"ordered). Refusals: `ticket_not_found`, {CANCEL_REFUSALS}."
)
@openapi.tag("tourism")
@documented(OrderOut)
@requires("resident")
async def cancel_order(request: Request, order_id: int) -> HTTPResponse:
    await tickets.cancel_order(actor_of(request), order_id, gate_of(request))
    return await _order_out(request, order_id)


@openapi.summary("Cancel one ticket of my order (a group's partial refund); answers the order")
@openapi.description(f"The other tickets stay. Refusals: `ticket_not_found`, {CANCEL_REFUSALS}.")
@openapi.tag("tourism")
@documented(OrderOut)
@requires("resident")
async def cancel_ticket(request: Request, ticket_id: int) -> HTTPResponse:
    cancelled = await tickets.cancel_ticket(actor_of(request), ticket_id, gate_of(request))
    return await _order_out(request, cancelled.order_id)


@openapi.summary("What cancelling my ticket now would give back, or why it cannot be cancelled")
@openapi.description("Refused with `ticket_not_found` (404) for a ticket that is not yours.")
@openapi.tag("tourism")
@documented(RefundPreviewOut)
@requires("resident")
async def refund(request: Request, ticket_id: int) -> HTTPResponse:
    return respond(RefundPreviewOut.of(await tickets.refund_preview(actor_of(request), ticket_id)))


@openapi.summary("My standing at a spot: no-shows, a booking lock, cancellations per period")
@openapi.parameter("spot", str, "query")
@openapi.description("Refused with `spot_not_found` (404).")
@openapi.tag("tourism")
@documented(StandingOut)
@requires("resident")
async def standing(request: Request) -> HTTPResponse:
    query = parse_query(request, StandingQuery)
    spot = await service.spot_by_code(query.spot)
    return respond(StandingOut.of(spot.code, await tickets.standing(actor_of(request), spot)))


def add_routes(bp: Blueprint) -> None:
    """Add this module's routes to the tourism blueprint."""
    orders = "/tourism/orders"
    bp.add_route(quote, "/tourism/spots/<code:str>/quote", methods=["POST"], name="ticket_quote")
    bp.add_route(create, orders, methods=["POST"], name="ticket_order_create")
    bp.add_route(mine, orders, methods=["GET"], name="ticket_orders")
    bp.add_route(get_one, f"{orders}/<order_id:id>", methods=["GET"], name="ticket_order")
    bp.add_route(cancel_order, f"{orders}/<order_id:id>/cancel", methods=["POST"], name="ticket_order_cancel")
    bp.add_route(
        cancel_ticket, "/tourism/tickets/<ticket_id:id>/cancel", methods=["POST"], name="ticket_cancel"
    )
    bp.add_route(refund, "/tourism/tickets/<ticket_id:id>/refund", methods=["GET"], name="ticket_refund")
    bp.add_route(standing, "/tourism/standing", methods=["GET"], name="ticket_standing")
