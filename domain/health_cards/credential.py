"""The health card as a QR code: shown by its holder, scanned at a hospital to record a use.

A scan answers the holder's masked identity, the card's state and what the hospital may do with
it (register, treat, pay): nothing more (seed 003's 一码通, with records only by authorisation).
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.health_cards import service
from domain.health_cards.errors import HealthCardNotActive
from domain.health_cards.models import CardState, HealthCard
from domain.scanning import registry
from domain.shared.actor import Actor


@credentials.holder(Kind.HEALTH_CARD)
async def held(actor: Actor, card_id: int) -> credentials.Held:
    card = await service.own(actor, card_id)
    return credentials.Held(object_id=card.id, holder_user_id=card.owner_id)


@registry.action(Kind.HEALTH_CARD)
async def used(context: registry.ScanContext, conn: BaseDBAsyncClient) -> registry.Outcome:
    purpose = service.check_purpose(context.purpose)
    card = await HealthCard.filter(id=context.object_id).using_db(conn).get()
    if card.state != CardState.ACTIVE:  # the credential's status says the same; the card is the truth
        raise HealthCardNotActive(details={"state": card.state.value})
    await service.record_use(
        conn,
        card,
        site_code=context.device.site_code,
        purpose=purpose,
        staff_id=context.device.staff_id,
        scan_id=context.scan_id,
        at=context.at,
    )
    return registry.Outcome(
        action="health_card.used",
        shown={
            "holder": card.holder_name_masked,
            "id_number": card.id_number_masked,
            "card_number": card.number,
            "state": card.state.value,
            "purpose": purpose,
            "allowed_actions": list(service.PURPOSES),
        },
    )
