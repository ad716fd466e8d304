"""Issue a health card to a resident (L3) or an active family member, and let the holder freeze,
unfreeze, cancel it, set its PIN and read its uses.

One person, one card: a child's card held under an entry whose guardianship was never proven is
reclaimed by a proven guardian who asks for it (revoked and issued again to the guardian: the
platform registers the same person's card again, it has no transfer), the unproven entry ends,
both accounts are told.

The card is registered with the provincial platform before it exists here: a card PalmCity shows
is one the platform knows. Freezing and cancelling reach the credentials module in the same
transaction, so a frozen card's codes are refused from the moment the holder taps "freeze".
"""

from __future__ import annotations

import datetime as dt

from stdnum.iso7064 import mod_11_2
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.healthcard.port import CardHolder, HealthCardPlatform, HealthCardPlatformError
from domain.accounts.models import User
from domain.audit import service as audit
from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.credentials.models import CredentialSubject, SubjectStatus
from domain.family import guardianship
from domain.family import service as family
from domain.family.models import FamilyMember, Guardianship
from domain.health_cards.errors import (
    HealthCardExists,
    HealthCardNotActive,
    HealthCardNotFound,
    HealthCardNotFrozen,
    HealthCardPlatformUnavailable,
    HealthCardPurposeInvalid,
)
from domain.health_cards.models import CardState, CardUse, HealthCard
from domain.identity.models import IdentityLevel
from domain.identity.service import require_level
from domain.outbox.service import enqueue
from domain.shared import clock, pii
from domain.shared.actor import Actor

REPORT_TOPIC = "health_cards.report_usage"
RECLAIMED_TOPIC = "health_cards.reclaimed"  # {"card_id", "from_card_id", "from_user_id"}
# What a hospital may do with a scanned card (the only answer a scan gives besides who and state).
PURPOSES = ("register", "treat", "pay")
PROVINCE = "44"
_MAX_ID = 2**63 - 1
_SUBJECT_STATUS = {
    CardState.ACTIVE: SubjectStatus.ACTIVE,
    CardState.FROZEN: SubjectStatus.FROZEN,
    CardState.REVOKED: SubjectStatus.REVOKED,
}


def number_for(serial: int) -> str:
    body = f"{PROVINCE}{serial:014d}"
    return body + mod_11_2.calc_check_digit(body)


def is_valid_number(number: str) -> bool:
    return len(number) == 17 and number[:16].isdigit() and mod_11_2.is_valid(number)


# -- issuing -----------------------------------------------------------------------------------------


async def issue(
    actor: Actor, platform: HealthCardPlatform | None, *, family_member_id: int | None = None
) -> HealthCard:
    """A card for the resident (``family_member_id`` None) or for an active family member."""
    require_level(actor, IdentityLevel.REAL_NAME)
    member: FamilyMember | None = None
    name: str | None
    id_number: str | None
    index: str | None
    phone: str | None
    if family_member_id is not None:
        acting = await family.acting_for(actor, family_member_id)  # consent rules: active members only
        member = await FamilyMember.get(id=family_member_id)
        name, id_number, index, phone = member.name, member.id_number, member.id_number_index, None
    else:
        acting = actor
        user = await User.get(id=actor.id)
        name, id_number, index, phone = user.real_name, user.id_number, user.id_number_index, user.phone
    if not (name and id_number and index):
        raise HealthCardNotFound()  # cannot happen at L3; never register a card without a person
    existing = await HealthCard.get_or_none(live_person_index=index)
    if existing is not None and not await _reclaimable(existing, member, actor):
        raise HealthCardExists(details={"card_id": existing.id} if existing.owner_id == actor.id else {})
    if platform is None:
        raise HealthCardPlatformUnavailable()
    try:
        platform_card_id = await platform.register(CardHolder(name=name, id_number=id_number, phone=phone))
    except HealthCardPlatformError as exc:
        raise HealthCardPlatformUnavailable(details={"platform_code": exc.code}) from exc
    now = clock.now()
    try:
        async with in_transaction() as conn:
            taken = await _take_back(conn, existing, member, acting) if existing and member else None
            card = await HealthCard.create(
                owner_id=actor.id,
                family_member_id=member.id if member else None,
                live_person_index=index,
                holder_name_masked=pii.mask_name(name) or "",
                id_number_masked=pii.mask_id_number(id_number) or "",
                platform_card_id=platform_card_id,
                issued_at=now,
                updated_at=now,
                using_db=conn,
            )
            card.number = number_for(card.id)
            await card.save(using_db=conn, update_fields=["number"])
            await audit.record(
                acting,
                "health_card.issued",
                target_type="health_card",
                target_id=card.id,
                after={"number": card.number, "family_member_id": card.family_member_id},
                using_db=conn,
            )
            if taken is not None:
                await _announce_reclaim(conn, card, taken, acting)
    except IntegrityError:
        raise HealthCardExists() from None  # the same person, twice at once: one card
    return card


async def _holder_unproven(card: HealthCard, conn: BaseDBAsyncClient | None = None) -> FamilyMember | None:
    """The entry ``card`` is held under, when that entry never proved guardianship (else None)."""
    if card.family_member_id is None:
        return None  # the person's own card
    query = FamilyMember.filter(id=card.family_member_id, guardianship__in=guardianship.UNPROVEN)
    if conn is not None:
        query = query.using_db(conn).select_for_update()
    return await query.first()


async def _reclaimable(existing: HealthCard, member: FamilyMember | None, actor: Actor) -> bool:
    """A proven guardian asking for the child's card, which another account holds without proof."""
    return (
        member is not None
        and member.guardianship == Guardianship.PROVEN
        and existing.owner_id != actor.id
        and await _holder_unproven(existing) is not None
    )


async def _take_back(
    conn: BaseDBAsyncClient, seen: HealthCard, member: FamilyMember, acting: Actor
) -> HealthCard | None:
    """In the issuing transaction: revoke the unproven holder's card and end their entry. None when
    it changed meanwhile (revoked by its holder: nothing to take; anything else: one card stays)."""
    holder = await _holder_unproven(seen, conn)  # the entry first: the order guardianship changes take
    card = await HealthCard.filter(id=seen.id).using_db(conn).select_for_update().get()
    if card.state == CardState.REVOKED:
        return None
    if holder is None or holder.id != card.family_member_id or card.owner_id == acting.id:
        raise HealthCardExists()  # its holder proved guardianship meanwhile: one card stays
    await _set_state(
        conn,
        card,
        CardState.REVOKED,
        acting,
        "health_card.revoked",
        reason=guardianship.ENDED_REASON_RECLAIMED,
    )
    await guardianship.end_link(conn, holder, acting, reason=guardianship.ENDED_REASON_RECLAIMED)
    return card


async def _announce_reclaim(
    conn: BaseDBAsyncClient, card: HealthCard, taken: HealthCard, acting: Actor
) -> None:
    await audit.record(
        acting,
        "health_card.reclaimed",
        target_type="health_card",
        target_id=card.id,
        before={"card_id": taken.id, "owner_id": taken.owner_id, "family_member_id": taken.family_member_id},
        after={"card_id": card.id, "owner_id": card.owner_id, "family_member_id": card.family_member_id},
        using_db=conn,
    )
    payload = {"card_id": card.id, "from_card_id": taken.id, "from_user_id": taken.owner_id}
    await enqueue(RECLAIMED_TOPIC, payload, using_db=conn)


# -- the holder's own cards --------------------------------------------------------------------------


async def mine(actor: Actor) -> list[HealthCard]:
    """The resident's cards: their own and their family members', newest first."""
    return await HealthCard.filter(owner_id=actor.id).order_by("-issued_at", "-id")


async def own(actor: Actor, card_id: int, *, conn: BaseDBAsyncClient | None = None) -> HealthCard:
    query = HealthCard.filter(id=card_id, owner_id=actor.id)
    if conn is not None:
        query = query.using_db(conn).select_for_update()
    found = await query.first() if 0 < card_id <= _MAX_ID and actor.kind == "resident" else None
    if found is None:
        raise HealthCardNotFound()
    return found


async def freeze(actor: Actor, card_id: int) -> HealthCard:
    return await _change(actor, card_id, CardState.FROZEN, "health_card.frozen")


async def unfreeze(actor: Actor, card_id: int) -> HealthCard:
    return await _change(actor, card_id, CardState.ACTIVE, "health_card.unfrozen")


async def cancel(actor: Actor, card_id: int) -> HealthCard:
    """注销: for good. The person may be issued a new card afterwards."""
    return await _change(actor, card_id, CardState.REVOKED, "health_card.revoked")


async def _change(actor: Actor, card_id: int, to: CardState, action: str) -> HealthCard:
    async with in_transaction() as conn:
        card = await own(actor, card_id, conn=conn)
        before = card.state
        if before == CardState.REVOKED:
            raise HealthCardNotActive(details={"state": before.value})
        if to == CardState.ACTIVE and before != CardState.FROZEN:
            raise HealthCardNotFrozen()
        if to == CardState.FROZEN and before != CardState.ACTIVE:
            raise HealthCardNotActive(details={"state": before.value})
        await _set_state(conn, card, to, actor, action)
    return card


async def _set_state(
    conn: BaseDBAsyncClient, card: HealthCard, to: CardState, actor: Actor, action: str, **why: str
) -> None:
    """The card's new state, its codes' status and the audit record, in the caller's transaction."""
    before = card.state
    card.state, card.updated_at = to, clock.now()
    if to == CardState.REVOKED:
        card.live_person_index = None
    await card.save(using_db=conn, update_fields=["state", "updated_at", "live_person_index"])
    await credentials.set_status(Kind.HEALTH_CARD, card.id, card.owner_id, _SUBJECT_STATUS[to], using_db=conn)
    await audit.record(
        actor,
        action,
        target_type="health_card",
        target_id=card.id,
        before={"state": before.value},
        after={"state": to.value, **why},
        using_db=conn,
    )


@family.on_member_removed
async def _member_removed(member: FamilyMember, actor: Actor, conn: BaseDBAsyncClient) -> None:
    """A member who left the family takes their card with them: the one held for them is revoked
    (they may be issued their own), not left with the relative under no one's name."""
    held = (
        await HealthCard.filter(family_member_id=member.id)
        .exclude(state=CardState.REVOKED)
        .using_db(conn)
        .select_for_update()
    )
    for card in held:
        await _set_state(
            conn, card, CardState.REVOKED, actor, "health_card.revoked", reason="family_member_removed"
        )


async def set_pin(actor: Actor, card_id: int, pin: str) -> None:
    """The PIN a static code is scanned with (six digits, not trivial)."""
    card = await own(actor, card_id)
    if card.state == CardState.REVOKED:
        raise HealthCardNotActive(details={"state": card.state.value})
    subject = await credentials.subject_for(Kind.HEALTH_CARD, card.id, card.owner_id)
    async with in_transaction() as conn:
        await credentials.set_pin(subject, pin, using_db=conn)
        await audit.record(
            actor, "health_card.pin_set", target_type="health_card", target_id=card.id, using_db=conn
        )


async def pins_set(cards: list[HealthCard]) -> set[int]:
    """The ids of those cards whose static code has a PIN (one query for a list)."""
    if not cards:
        return set()
    subjects = await CredentialSubject.filter(
        kind=Kind.HEALTH_CARD.value, object_id__in=[c.id for c in cards], pin_hash__isnull=False
    ).only("object_id")
    return {s.object_id for s in subjects}


async def uses(actor: Actor, card_id: int, *, limit: int = 100) -> list[CardUse]:
    """Every use of the card, newest first: which site, when, for what."""
    card = await own(actor, card_id)
    return await CardUse.filter(card_id=card.id).limit(limit)


# -- at the hospital (domain.health_cards.credential) -------------------------------------------------


def check_purpose(purpose: str | None) -> str:
    chosen = purpose or PURPOSES[0]
    if chosen not in PURPOSES:
        raise HealthCardPurposeInvalid(details={"allowed": list(PURPOSES)})
    return chosen


async def record_use(
    conn: BaseDBAsyncClient,
    card: HealthCard,
    *,
    site_code: str,
    purpose: str,
    staff_id: int,
    scan_id: int,
    at: dt.datetime,
) -> CardUse:
    """In the scan's transaction: the use, and the job that reports it to the platform."""
    use = await CardUse.create(
        card_id=card.id,
        site_code=site_code,
        purpose=purpose,
        staff_id=staff_id,
        scan_id=scan_id,
        used_at=at,
        using_db=conn,
    )
    await enqueue(REPORT_TOPIC, {"use_id": use.id}, using_db=conn)
    return use
