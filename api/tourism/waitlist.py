"""Waitlist routes (候补) for residents: join a full slot, my entries with their place in line, leave.
Parse → one domain call → render."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sanic import Blueprint, HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires, requires_level
from api._idempotency import idempotent
from api._kit import body, documented, respond
from api._labels import LabelText
from api.appointments.routes import gate_of
from api.appointments.schemas import china
from api.tourism.ticket_schemas import OrderIn, WhoOut
from api.tourism.tickets import VISITOR_REFUSALS
from domain.identity.documents import DocumentKind
from domain.identity.models import IdentityLevel
from domain.tourism import service, tickets, waitlist
from domain.tourism.models import WaitlistEntry

PATH = "/tourism/waitlist"


class EntryOut(BaseModel):
    id: int
    spot: str
    spot_name: str
    day: dt.date
    slot_id: int
    starts_at: str = Field(description="The entry slot's start, China time.")
    size: int = Field(description="Places wanted: one per visitor.")
    state: str = Field(description="waiting, offered (pay the order), filled, lapsed or cancelled")
    state_label: LabelText
    position: int | None = Field(description="While waiting: 1 is served next. Null otherwise.")
    order_id: int | None = Field(
        description="The ticket order made when offered (`GET /api/v1/tourism/orders/{id}` has its payments)."
    )
    offer_expires_at: dt.datetime | None = Field(
        description="Offered: unpaid by then, the tickets lapse and the places pass to the next in line."
    )
    visitors: list[WhoOut]
    created_at: dt.datetime

    @classmethod
    def of(cls, view: waitlist.EntryView, locale: str) -> EntryOut:
        e = view.entry
        return cls(
            id=e.id,
            spot=view.spot.code,
            spot_name=view.spot.name_in(locale),
            day=e.day,
            slot_id=e.slot_id,
            starts_at=china(view.starts_at),
            size=e.size,
            state=e.state.value,
            state_label=waitlist.STATE_LABELS(e.state),
            position=view.position,
            order_id=e.order_id,
            offer_expires_at=e.offer_expires_at,
            visitors=[
                WhoOut(
                    document_kind=v.document.kind.value,
                    document_kind_label=DocumentKind(v.document.kind).label,
                    document_masked=v.document.masked,
                    name_masked=v.name_masked,
                )
                for v in view.visitors
            ],
            created_at=e.created_at,
        )


class EntriesOut(BaseModel):
    items: list[EntryOut]


async def _one(request: Request, entry: WaitlistEntry) -> EntryOut:
    return EntryOut.of((await waitlist.views([entry]))[0], request.ctx.locale)


@openapi.summary("Join the waitlist (候补) of a full slot")
@openapi.description(
    "Served in the order joined when places come back: the first in line gets an order made for it "
    "(channel `waitlist`) and must pay within the spot's `waitlist_pay_minutes` (30 by default), or it "
    "lapses and passes to the next; a free order is confirmed at once. Nobody overtakes: while the "
    "first needs more places than came back, everyone waits, and orders are refused the places the "
    "line is owed (`slot_waitlisted`: whoever is told so may join). Refusals: `spot_not_found`, "
    "`slot_not_found`, `slot_closed`, `spot_day_not_open`, `waitlist_slot_started`, "
    "`waitlist_places_left` (409: enough places for your visitors beyond those the line is owed, book "
    "them; `details.left`), "
    "`waitlist_already_joined` (one live entry per resident and slot), `ticket_person_taken` (a "
    f"visitor already holds a ticket that day, or is named twice), {VISITOR_REFUSALS}."
)
@openapi.tag("tourism")
@documented(EntryOut, 201)
@requires_level(IdentityLevel.REAL_NAME)
@idempotent()
@body(OrderIn)  # the order's own body: the order the line will make for it
async def join(request: Request) -> HTTPResponse:
    data: OrderIn = request.ctx.body
    actor = actor_of(request)
    spot = await service.spot_by_code(data.spot)
    visitors = await tickets.resolve_visitors(actor, [v.spec() for v in data.visitors])
    entry = await waitlist.join(actor, spot, data.slot_id, visitors)
    response = respond(await _one(request, entry), status=201)
    response.headers["Location"] = f"/api/v1{PATH}/{entry.id}"
    return response


@openapi.summary("My waitlist entries, newest first (the latest 50), with my place in line")
@openapi.description("An offer that was paid reads `filled` (offers are settled when read).")
@openapi.tag("tourism")
@documented(EntriesOut)
@requires("resident")
async def mine(request: Request) -> HTTPResponse:
    found = await waitlist.my_entries(actor_of(request))
    return respond(EntriesOut(items=[EntryOut.of(v, request.ctx.locale) for v in found]))


@openapi.summary("Leave the waitlist; answers the entry")
@openapi.description(
    "Waiting: the entry is cancelled. Offered: its unpaid tickets are cancelled and their places pass "
    "to the next in line (a ticket already paid stays, and the entry reads `filled`). Refusals: "
    "`waitlist_entry_not_found` (404, also for another's), `waitlist_entry_ended` (409), and the "
    "ticket cancellation's own (`ticket_cancel_cutoff_passed`, `ticket_cancel_quota_reached`)."
)
@openapi.tag("tourism")
@documented(EntryOut)
@requires("resident")
async def leave(request: Request, entry_id: int) -> HTTPResponse:
    entry = await waitlist.leave(actor_of(request), entry_id, gate_of(request))
    return respond(await _one(request, entry))


def add_routes(bp: Blueprint) -> None:
    """Add this module's routes to the tourism blueprint."""
    bp.add_route(join, PATH, methods=["POST"], name="waitlist_join")
    bp.add_route(mine, PATH, methods=["GET"], name="waitlist_mine")
    bp.add_route(leave, f"{PATH}/<entry_id:id>", methods=["DELETE"], name="waitlist_leave")
