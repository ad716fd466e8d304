"""Residents' appointment routes: parse, one service call with the actor, render."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sanic import HTTPResponse, Request
from sanic.response import text
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, parse_query, respond
from api.appointments.schemas import (
    AppointmentOut,
    AppointmentsOut,
    BookIn,
    NearbyQuery,
    NearbySiteOut,
    NearbySitesOut,
    ServiceOut,
    SiteDetailOut,
    SiteOut,
    SitesOut,
    SlotsOut,
    SlotsQuery,
    StandingOut,
    slot_view,
)
from api.payments.routes import providers_of
from domain.appointments import directory, service, view
from domain.appointments.models import Appointment
from domain.appointments.rules import BookingRules
from domain.capacity.gate import Gate
from domain.capacity.views import AvailabilityViews
from domain.shared.kv import Keys


def gate_of(request: Request) -> Gate:
    """This app's gate, made once per runtime (it keeps nothing of a request)."""
    runtime = request.app.ctx.runtime
    made: tuple[object, Gate] | None = getattr(request.app.ctx, "gate", None)
    if made is not None and made[0] is runtime:
        return made[1]
    gate = Gate(runtime.redis, runtime.keys, sole_writer=runtime.settings.uses_embedded_redis)
    request.app.ctx.gate = (runtime, gate)
    return gate


def slots_reads(keys: Keys, params: Mapping[str, Any]) -> list[str]:
    """What a read of a service's slots asks Redis first (``ctx_redis_reads``, see server.guards)."""
    return directory.redis_reads(keys, params["service_id"])


async def rendered(
    request: Request, appointment: Appointment, *, just_booked: bool = False
) -> AppointmentOut:
    seen = await view.view_of(appointment, just_booked=just_booked)
    return AppointmentOut.of(
        seen.appointment,
        request.ctx.locale,
        position=seen.position,
        pay_params=seen.pay_params,
        money=seen.money,
    )


@openapi.summary("Service halls and hospitals that take appointments")
@openapi.parameter("kind", str, "query")
@openapi.tag("appointments")
@documented(SitesOut)
async def list_sites(request: Request) -> HTTPResponse:
    sites = await directory.sites(request.args.get("kind"))
    return respond(SitesOut(items=[SiteOut.of(s, request.ctx.locale) for s in sites]))


@openapi.summary("Sites nearest a position first (the device's, when it tells), else by name")
@openapi.parameter("lat", float, "query")
@openapi.parameter("lng", float, "query")
@openapi.parameter("kind", str, "query")
@openapi.parameter("limit", int, "query")
@openapi.tag("appointments")
@documented(NearbySitesOut)
async def nearby_sites(request: Request) -> HTTPResponse:
    query = parse_query(request, NearbyQuery)
    found = await directory.nearby(query.position, query.kind, query.limit)
    locale = request.ctx.locale
    return respond(
        NearbySitesOut(
            items=[NearbySiteOut(**dict(SiteOut.of(n.site, locale)), distance_m=n.distance_m) for n in found]
        )
    )


@openapi.summary("One site with what can be booked there (business types, doctors)")
@openapi.tag("appointments")
@documented(SiteDetailOut)
async def get_site(request: Request, code: str) -> HTTPResponse:
    site, services = await directory.site_with_services(code)
    locale = request.ctx.locale
    return respond(
        SiteDetailOut(
            **SiteOut.of(site, locale).model_dump(),
            services=[ServiceOut.of(s, locale) for s in services],
        )
    )


@openapi.summary("A service's slots on one day, with the places left (cached, never stale after a change)")
@openapi.parameter("date", str, "query")
@openapi.tag("appointments")
@documented(SlotsOut)
async def slots(request: Request, service_id: int) -> HTTPResponse:
    query = parse_query(request, SlotsQuery)
    views = AvailabilityViews(gate_of(request))
    # With a Redis server, the generation was read with the rate limit (slots_reads above).
    read: dict[str, str | None] | None = getattr(request.ctx, "redis_reads", None)
    body_text = await directory.slots_view(views, service_id, query.date, slot_view, generations=read)
    return text(body_text, content_type="application/json")


@openapi.summary("My no-show count and whether booking is suspended")
@openapi.tag("appointments")
@documented(StandingOut)
@requires("resident")
async def standing(request: Request) -> HTTPResponse:
    actor = actor_of(request)
    return respond(StandingOut.of(await service.standing_of(service.subject_key(actor), BookingRules())))


@openapi.summary("Book a slot, for yourself or a family member")
@openapi.description(
    "A service with a fee holds the place until the payment completes (`pay_params`, `pay_by`); "
    "then `POST .../payment/confirm`. Refusals: `slot_full`, `slot_closed`, `slot_not_found`, "
    "`slot_in_past`, `booking_window_closed`, `appointment_limit_reached`, `already_reserved`, "
    "`booking_suspended`, `family_member_not_found`, `family_consent_required`, "
    "`payment_provider_unavailable`."
)
@openapi.tag("appointments")
@documented(AppointmentOut, 201)
@requires("resident")
@idempotent()
@body(BookIn)
async def book(request: Request) -> HTTPResponse:
    data: BookIn = request.ctx.body
    booked = await service.book(
        actor_of(request),
        gate_of(request),
        providers_of(request),
        service_id=data.service_id,
        slot_id=data.slot_id,
        on_behalf_of=data.on_behalf_of,
    )
    return respond(
        await rendered(request, booked.appointment, just_booked=True),
        status=201,
    )


@openapi.summary("My appointments, latest first")
@openapi.tag("appointments")
@documented(AppointmentsOut)
@requires("resident")
async def mine(request: Request) -> HTTPResponse:
    found = await service.mine(actor_of(request))
    return respond(AppointmentsOut(items=[await rendered(request, a) for a in found]))


@openapi.summary("One of my appointments, with my place in the queue once checked in")
@openapi.tag("appointments")
@documented(AppointmentOut)
@requires("resident")
async def get_one(request: Request, appointment_id: int) -> HTTPResponse:
    return respond(await rendered(request, await service.own(actor_of(request), appointment_id)))


@openapi.summary("Cancel before the cut-off; the place is given back at once")
@openapi.description(
    "A paid registration's fee comes back (`money`: all of it, or all but the service's cancellation "
    "fee; an unpaid order is closed, and money paid after is refunded in full). "
    "Refusals: `cancel_cutoff_passed`, `appointment_not_active`, `appointment_not_found`."
)
@openapi.tag("appointments")
@documented(AppointmentOut)
@requires("resident")
async def cancel(request: Request, appointment_id: int) -> HTTPResponse:
    cancelled = await service.cancel(actor_of(request), gate_of(request), appointment_id)
    return respond(await rendered(request, cancelled))


@openapi.summary("After paying: confirm the held place")
@openapi.description(
    "Refusals: `payment_not_completed` (pay first), `payment_too_late` (the hold lapsed: the place is "
    "gone and the payment is refunded), `appointment_not_active`."
)
@openapi.tag("appointments")
@documented(AppointmentOut)
@requires("resident")
async def confirm_payment(request: Request, appointment_id: int) -> HTTPResponse:
    confirmed = await service.confirm_payment(
        actor_of(request), providers_of(request), gate_of(request), appointment_id
    )
    return respond(await rendered(request, confirmed))
