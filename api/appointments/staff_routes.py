"""Frontline staff at a site (``scanner`` role, scoped to the site's code): the day's list,
check-in, walk-ins, calling numbers, and cancelling a slot."""

from __future__ import annotations

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, parse_query, respond
from api.appointments.routes import gate_of, rendered
from api.appointments.schemas import (
    AppointmentsOut,
    CalledOut,
    CallNextIn,
    CancelSlotIn,
    CheckedInOut,
    CheckInIn,
    MoveSlotIn,
    QueueQuery,
    RecallIn,
    SlotPlacesIn,
    SlotPlacesOut,
    TicketOut,
    TicketsOut,
    TodayQuery,
    WalkInIn,
)
from domain.appointments import queue, service
from domain.appointments.models import Appointment


async def staff_list(request: Request, found: list[Appointment]) -> AppointmentsOut:
    """The frontline's view of appointments: each with the masked name of the person it is for."""
    who = await service.who_of(found)
    items = [(await rendered(request, a)).model_copy(update={"who": who[a.id]}) for a in found]
    return AppointmentsOut(items=items)


@openapi.summary("The site's appointments of a day (today by default)")
@openapi.parameter("site", str, "query")
@openapi.parameter("date", str, "query")
@openapi.tag("appointments-staff")
@documented(AppointmentsOut)
@requires("staff")
async def today(request: Request) -> HTTPResponse:
    query = parse_query(request, TodayQuery)
    found = await queue.today(actor_of(request), query.site, query.date)
    return respond(await staff_list(request, found))


@openapi.summary("Check a resident in by the code they show; they get a queue number")
@openapi.description(
    "Refusals: `checkin_code_invalid`, `appointment_not_found` (also another site's), "
    "`appointment_not_active`, `checkin_window_closed` (with `opens_at`, `closes_at`)."
)
@openapi.tag("appointments-staff")
@documented(CheckedInOut)
@requires("staff")
@body(CheckInIn)
async def check_in(request: Request) -> HTTPResponse:
    data: CheckInIn = request.ctx.body
    done = await queue.check_in(actor_of(request), data.code)
    return respond(
        CheckedInOut(appointment=await rendered(request, done.appointment), ticket=TicketOut.of(done.ticket))
    )


@openapi.summary("A queue number for someone without a booking (takes a walk-in place)")
@openapi.tag("appointments-staff")
@documented(TicketOut, 201)
@requires("staff")
@idempotent()
@body(WalkInIn)
async def walk_in(request: Request) -> HTTPResponse:
    data: WalkInIn = request.ctx.body
    ticket = await queue.walk_in(actor_of(request), gate_of(request), data.service_id)
    return respond(TicketOut.of(ticket), status=201)


@openapi.summary("Today's numbers of one business type: waiting, called, skipped")
@openapi.parameter("site", str, "query")
@openapi.parameter("business_type", str, "query")
@openapi.tag("appointments-staff")
@documented(TicketsOut)
@requires("staff")
async def queue_list(request: Request) -> HTTPResponse:
    query = parse_query(request, QueueQuery)
    tickets = await queue.waiting(actor_of(request), query.site, query.business_type)
    return respond(TicketsOut(items=[TicketOut.of(t) for t in tickets]))


@openapi.summary("The window finishes its number and calls the next (叫号)")
@openapi.tag("appointments-staff")
@documented(CalledOut)
@requires("staff")
@body(CallNextIn)
async def call_next(request: Request) -> HTTPResponse:
    data: CallNextIn = request.ctx.body
    ticket = await queue.call_next(actor_of(request), data.site, data.business_type, data.window)
    return respond(CalledOut(ticket=TicketOut.of(ticket) if ticket else None))


@openapi.summary("The called person is not there: set the number aside")
@openapi.tag("appointments-staff")
@documented(TicketOut)
@requires("staff")
async def skip(request: Request, ticket_id: int) -> HTTPResponse:
    return respond(TicketOut.of(await queue.skip(actor_of(request), ticket_id)))


@openapi.summary("Call a skipped number again")
@openapi.tag("appointments-staff")
@documented(TicketOut)
@requires("staff")
@body(RecallIn)
async def recall(request: Request, ticket_id: int) -> HTTPResponse:
    data: RecallIn = request.ctx.body
    return respond(TicketOut.of(await queue.recall(actor_of(request), ticket_id, data.window)))


@openapi.summary("Finish a called number (the resident may then rate the counter service)")
@openapi.tag("appointments-staff")
@documented(TicketOut)
@requires("staff")
async def serve(request: Request, ticket_id: int) -> HTTPResponse:
    return respond(TicketOut.of(await queue.serve(actor_of(request), ticket_id)))


@openapi.summary("Cancel a slot (a doctor's leave): everyone booked on it is cancelled and told")
@openapi.tag("appointments-staff")
@documented(AppointmentsOut)
@requires("staff")
@body(CancelSlotIn)
async def cancel_slot(request: Request, slot_id: int) -> HTTPResponse:
    data: CancelSlotIn = request.ctx.body
    affected = await queue.cancel_slot(actor_of(request), gate_of(request), slot_id, data.reason)
    return respond(await staff_list(request, affected))


@openapi.summary("Move a slot within its day (a doctor delayed): everyone booked on it is told")
@openapi.description(
    "Refusals: `slot_move_other_day` (422; cancel instead), `slot_in_past`, `slot_time_taken`, "
    "`slot_closed`, `appointment_not_found` (also another site's slot)."
)
@openapi.tag("appointments-staff")
@documented(AppointmentsOut)
@requires("staff")
@body(MoveSlotIn)
async def move_slot(request: Request, slot_id: int) -> HTTPResponse:
    data: MoveSlotIn = request.ctx.body
    affected = await queue.move_slot(
        actor_of(request), gate_of(request), slot_id, data.starts_at, data.reason
    )
    return respond(await staff_list(request, affected))


@openapi.summary("Change one slot's places (a second doctor, a window closed)")
@openapi.description(
    "`places`: the slot's new maximum, or null for its schedule's own (which may be unlimited). "
    "Refusals: `capacity_below_taken` (409, with `taken`: places already held or confirmed), "
    "`slot_closed` (a cancelled slot), `appointment_not_found` (also another site's slot). Audited; "
    "residents see the new availability at once."
)
@openapi.tag("appointments-staff")
@documented(SlotPlacesOut)
@requires("staff")
@body(SlotPlacesIn)
async def set_places(request: Request, slot_id: int) -> HTTPResponse:
    data: SlotPlacesIn = request.ctx.body
    slot = await queue.set_places(actor_of(request), gate_of(request), slot_id, data.places)
    return respond(SlotPlacesOut.of(slot))
