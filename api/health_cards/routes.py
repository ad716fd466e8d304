"""Health card routes: parse, one service call with the actor, render."""

from __future__ import annotations

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._idempotency import idempotent
from api._kit import body, documented, respond
from api.health_cards.schemas import CardOut, CardsOut, IssueIn, PinIn, UseOut, UsesOut
from domain.appointments import directory
from domain.family import service as family
from domain.health_cards import service
from domain.health_cards.models import HealthCard
from domain.shared.actor import Actor


async def _out(actor: Actor, cards: list[HealthCard]) -> list[CardOut]:
    with_pin = await service.pins_set(cards)
    # A family member's card shows the name its holder gave them; anyone else's stays masked.
    names = await family.names_for_owner(actor, (c.family_member_id for c in cards if c.family_member_id))
    return [
        CardOut.of(card, pin_set=card.id in with_pin, holder_name=names.get(card.family_member_id or 0))
        for card in cards
    ]


@openapi.summary("The resident's health cards: their own and their family members'")
@openapi.tag("health-cards")
@documented(CardsOut)
@requires("resident")
async def mine(request: Request) -> HTTPResponse:
    return respond(CardsOut(items=await _out(actor_of(request), await service.mine(actor_of(request)))))


@openapi.summary("Issue a health card (identity level L3) to the resident or an active family member")
@openapi.description(
    "Registered with the provincial platform first. Refusals: `identity_level_required`, "
    "`family_consent_required`, `health_card_exists` (one person, one card), "
    "`health_card_platform_unavailable` (503)."
)
@openapi.tag("health-cards")
@documented(CardOut, 201)
@requires("resident")
@idempotent()
@body(IssueIn)
async def issue(request: Request) -> HTTPResponse:
    data: IssueIn = request.ctx.body
    card = await service.issue(
        actor_of(request), request.app.ctx.runtime.adapters.healthcard, family_member_id=data.family_member_id
    )
    return respond((await _out(actor_of(request), [card]))[0], status=201)


@openapi.summary("One of the resident's cards; anyone else's is 404")
@openapi.tag("health-cards")
@documented(CardOut)
@requires("resident")
async def get_one(request: Request, card_id: int) -> HTTPResponse:
    return respond((await _out(actor_of(request), [await service.own(actor_of(request), card_id)]))[0])


@openapi.summary("Freeze the card (a lost phone): its codes are refused until unfrozen")
@openapi.tag("health-cards")
@documented(CardOut)
@requires("resident")
async def freeze(request: Request, card_id: int) -> HTTPResponse:
    return respond((await _out(actor_of(request), [await service.freeze(actor_of(request), card_id)]))[0])


@openapi.summary("Unfreeze a frozen card")
@openapi.tag("health-cards")
@documented(CardOut)
@requires("resident")
async def unfreeze(request: Request, card_id: int) -> HTTPResponse:
    return respond((await _out(actor_of(request), [await service.unfreeze(actor_of(request), card_id)]))[0])


@openapi.summary("Cancel the card for good (注销); a new one may be issued afterwards")
@openapi.tag("health-cards")
@documented(CardOut)
@requires("resident")
async def cancel(request: Request, card_id: int) -> HTTPResponse:
    return respond((await _out(actor_of(request), [await service.cancel(actor_of(request), card_id)]))[0])


@openapi.summary("Set or change the PIN the static code is scanned with")
@openapi.description("Six digits, not all the same and not in a row (`credential_pin_weak`).")
@openapi.tag("health-cards")
@openapi.response(204, description="Set")
@requires("resident")
@body(PinIn)
async def set_pin(request: Request, card_id: int) -> HTTPResponse:
    data: PinIn = request.ctx.body
    await service.set_pin(actor_of(request), card_id, data.pin)
    return HTTPResponse(status=204)


@openapi.summary("Every use of the card: which site scanned it, when, for what")
@openapi.tag("health-cards")
@documented(UsesOut)
@requires("resident")
async def uses(request: Request, card_id: int) -> HTTPResponse:
    found = await service.uses(actor_of(request), card_id)
    names = await directory.site_labels({u.site_code for u in found})
    return respond(UsesOut(items=[UseOut.of(u, names.get(u.site_code), request.ctx.locale) for u in found]))
