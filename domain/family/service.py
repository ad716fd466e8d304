"""Adding family members, their consent, and acting for them.

Rules:
- the resident adding someone must be real-name verified (L3+): the family list is about people;
- a child under 14 is added by the guardian, as ``child`` or ``other``, and is active at once, but
  is acted for only once guardianship is proven (``domain.family.guardianship``): by the
  population register at once, else by a birth certificate that staff check;
- anyone 14 or older decides for themselves: the entry stays ``pending_consent`` until that
  person logs in with their own WeChat, verifies the same ID number, and accepts;
- at most five members per resident, nobody twice, never oneself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from adapters.population.port import PopulationRegister
from domain.accounts.errors import UserNotFound
from domain.accounts.models import User
from domain.audit import service as audit
from domain.family import guardianship
from domain.family.errors import (
    FamilyConsentRequired,
    FamilyGuardianshipUnproven,
    FamilyInvitationNotFound,
    FamilyLimitReached,
    FamilyMemberDuplicate,
    FamilyMemberEnded,
    FamilyMemberIsSelf,
    FamilyMemberNotFound,
    FamilyRelationNotAllowed,
    GuardianshipNotPending,
)
from domain.family.guardianship import MemberView, RegisterAnswer
from domain.family.models import (
    CONSENT_AGE,
    MAX_FAMILY_MEMBERS,
    FamilyMember,
    Guardianship,
    MemberStatus,
    Relation,
)
from domain.identity.errors import IdentityLevelRequired
from domain.identity.models import IdentityLevel, level_label
from domain.identity.service import (
    age_on,
    birth_date_of,
    id_number_index,
    normalize_id_number,
    normalize_name,
    require_level,
    today,
)
from domain.shared import clock, pii
from domain.shared.actor import Actor

_GUARDIAN_RELATIONS = (Relation.CHILD, Relation.OTHER)
_MAX_ID = 2**63 - 1  # a path id beyond BIGINT is simply not found (and never reaches the database)


def _check_id(member_id: int, error: type[FamilyMemberNotFound | FamilyInvitationNotFound]) -> None:
    if not 0 < member_id <= _MAX_ID:
        raise error()


def is_minor(member: FamilyMember) -> bool:
    """Under 14 today: the guardian acts without the member's own consent."""
    return age_on(member.birth_date, today()) < CONSENT_AGE


def _snapshot(member: FamilyMember) -> dict[str, object]:
    """What the audit log keeps about a member: masked, never in clear."""
    return {
        "relation": str(member.relation),
        "status": str(member.status),
        "guardianship": str(member.guardianship),
        "name": pii.mask_name(member.name),
        "id_number": pii.mask_id_number(member.id_number),
    }


async def list_members(actor: Actor) -> list[MemberView]:
    """``actor``'s family, each child with the latest attempt to prove guardianship."""
    return await guardianship.views(await FamilyMember.filter(owner_id=actor.id).order_by("id"))


async def add_member(
    actor: Actor,
    register: PopulationRegister | None,
    *,
    relation: Relation,
    name: str,
    id_number: str,
) -> MemberView:
    """Add someone to ``actor``'s family: a child under 14 active at once (proven as guardian by the
    register, else pending), anyone older awaiting their consent."""
    require_level(actor, IdentityLevel.REAL_NAME)
    name = normalize_name(name)
    id_number = normalize_id_number(id_number)
    minor = age_on(birth_date_of(id_number), today()) < CONSENT_AGE
    if minor and relation not in _GUARDIAN_RELATIONS:
        raise FamilyRelationNotAllowed(details={"allowed": [str(r) for r in _GUARDIAN_RELATIONS]})
    index = id_number_index(id_number)
    answer = await _ask_register(actor, register, id_number) if minor else None
    try:
        async with in_transaction() as conn:
            # Locking the owner serialises their adds, so two at once cannot pass the limit.
            owner = await User.filter(id=actor.id).using_db(conn).select_for_update().first()
            if owner is None:
                raise UserNotFound()
            if owner.id_number_index == index:
                raise FamilyMemberIsSelf()
            existing = FamilyMember.filter(owner_id=owner.id).using_db(conn)
            if await existing.filter(id_number_index=index).exists():
                raise FamilyMemberDuplicate()
            if await existing.count() >= MAX_FAMILY_MEMBERS:
                raise FamilyLimitReached(details={"limit": MAX_FAMILY_MEMBERS})
            now = clock.now()
            member = await FamilyMember.create(
                owner_id=owner.id,
                relation=relation,
                name=name,
                id_number=id_number,
                id_number_index=index,
                birth_date=birth_date_of(id_number),
                status=MemberStatus.ACTIVE if minor else MemberStatus.PENDING_CONSENT,
                guardianship=Guardianship.PENDING if minor else Guardianship.NOT_REQUIRED,
                created_at=now,
                decided_at=now if minor else None,
                using_db=conn,
            )
            proof = await guardianship.record_register_answer(conn, member, answer) if answer else None
            await audit.record(
                actor,
                "family.member_added",
                target_type="family_member",
                target_id=member.id,
                after={
                    **_snapshot(member),
                    "minor": minor,
                    **({"register": str(answer.outcome)} if answer else {}),
                },
                using_db=conn,
            )
    except IntegrityError as exc:
        raise FamilyMemberDuplicate() from exc
    return MemberView(member, proof)


async def _ask_register(
    actor: Actor, register: PopulationRegister | None, child_id_number: str
) -> RegisterAnswer:
    """The register's word on whether ``actor`` (by their own verified ID number) is the child's guardian."""
    user = await User.get_or_none(id=actor.id) if actor.id is not None else None
    if user is None or not user.id_number:
        raise UserNotFound()
    return await guardianship.ask_register(
        register, guardian_id_number=user.id_number, child_id_number=child_id_number
    )


async def check_guardianship(actor: Actor, register: PopulationRegister | None, member_id: int) -> MemberView:
    """Ask the register again for a child still unproven (it was down, or has been updated since)."""
    member = await unproven_member(actor, member_id)
    answer = await _ask_register(actor, register, member.id_number)
    async with in_transaction() as conn:
        member = await unproven_member(actor, member_id, conn=conn)
        proof = await guardianship.record_register_answer(conn, member, answer)
        await audit.record(
            actor,
            "family.guardianship_checked",
            target_type="family_member",
            target_id=member.id,
            after={**guardianship.snapshot(proof), "guardianship": str(member.guardianship)},
            using_db=conn,
        )
    return MemberView(member, proof)


async def unproven_member(
    actor: Actor, member_id: int, *, conn: BaseDBAsyncClient | None = None
) -> FamilyMember:
    """``actor``'s own member whose guardianship is still to be proven (locked in ``conn``)."""
    _check_id(member_id, FamilyMemberNotFound)
    query = FamilyMember.filter(id=member_id, owner_id=actor.id)
    if conn is not None:
        query = query.using_db(conn).select_for_update()
    member = await query.first() if actor.kind == "resident" else None
    if member is None:
        raise FamilyMemberNotFound()
    if member.status == MemberStatus.ENDED:
        raise FamilyMemberEnded()
    if member.guardianship not in guardianship.UNPROVEN:
        raise GuardianshipNotPending(details={"guardianship": str(member.guardianship)})
    return member


# What other modules do when a member leaves the family, in the same transaction, before the row
# goes (a health card held for the member is revoked: domain.health_cards.service).
MemberRemoved = Callable[[FamilyMember, Actor, BaseDBAsyncClient], Awaitable[None]]
_ON_REMOVED: list[MemberRemoved] = []


def on_member_removed(fn: MemberRemoved) -> MemberRemoved:
    _ON_REMOVED.append(fn)
    return fn


async def remove_member(actor: Actor, member_id: int) -> None:
    """Remove a member from ``actor``'s family; acting for them stops at once."""
    _check_id(member_id, FamilyMemberNotFound)
    async with in_transaction() as conn:
        member = await FamilyMember.filter(id=member_id, owner_id=actor.id).using_db(conn).first()
        if member is None:
            raise FamilyMemberNotFound()
        before = _snapshot(member)
        for removed in _ON_REMOVED:
            await removed(member, actor, conn)
        await member.delete(using_db=conn)
        await audit.record(
            actor,
            "family.member_removed",
            target_type="family_member",
            target_id=member_id,
            before=before,
            using_db=conn,
        )


# -- consent ---------------------------------------------------------------------------------------


async def list_invitations(actor: Actor) -> list[FamilyMember]:
    """Entries other residents made for ``actor`` (matched by verified ID number) awaiting an answer."""
    user = await _verified_user(actor, required=False)
    if user is None or user.id_number_index is None:
        return []
    return (
        await FamilyMember.filter(id_number_index=user.id_number_index, status=MemberStatus.PENDING_CONSENT)
        .exclude(owner_id=user.id)
        .select_related("owner")
        .order_by("id")
    )


async def accept_invitation(actor: Actor, member_id: int) -> FamilyMember:
    """``actor`` agrees to be acted for by the resident who added them."""
    return await _answer(actor, member_id, MemberStatus.ACTIVE, "family.consent_given")


async def decline_invitation(actor: Actor, member_id: int) -> FamilyMember:
    return await _answer(actor, member_id, MemberStatus.DECLINED, "family.consent_declined")


async def _answer(actor: Actor, member_id: int, status: MemberStatus, action: str) -> FamilyMember:
    _check_id(member_id, FamilyInvitationNotFound)
    user = await _verified_user(actor, required=True)
    assert user is not None and user.id_number_index is not None
    async with in_transaction() as conn:
        # Only the person the entry names can answer it: the blind index must be theirs.
        member = (
            await FamilyMember.filter(
                id=member_id, id_number_index=user.id_number_index, status=MemberStatus.PENDING_CONSENT
            )
            .exclude(owner_id=user.id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if member is None:
            raise FamilyInvitationNotFound()
        before = _snapshot(member)
        member.status = status
        member.decided_at = clock.now()
        if status is MemberStatus.ACTIVE:
            member.member_user_id = user.id
        await member.save(using_db=conn, update_fields=["status", "decided_at", "member_user_id"])
        await audit.record(
            actor,
            action,
            target_type="family_member",
            target_id=member.id,
            before=before,
            after=_snapshot(member),
            using_db=conn,
        )
    await member.fetch_related("owner")
    return member


async def _verified_user(actor: Actor, *, required: bool) -> User | None:
    user = await User.get_or_none(id=actor.id) if actor.id is not None else None
    if user is None:
        raise UserNotFound()
    if user.id_number_index is None or user.identity_level < IdentityLevel.REAL_NAME:
        if required:
            raise IdentityLevelRequired(
                details={
                    "required": level_label(IdentityLevel.REAL_NAME),
                    "current": level_label(user.identity_level),
                }
            )
        return None
    return user


# -- acting for someone ----------------------------------------------------------------------------


async def acting_for(actor: Actor, member_id: int) -> Actor:
    """``actor`` acting for their family member ``member_id``: only if that member is active.

    Services that act for someone take the returned Actor; the audit log then records both.
    """
    _check_id(member_id, FamilyMemberNotFound)
    member = (
        await FamilyMember.get_or_none(id=member_id, owner_id=actor.id)
        if actor.kind == "resident" and actor.id is not None
        else None
    )
    if member is None:
        raise FamilyMemberNotFound()
    if member.status == MemberStatus.ENDED:
        raise FamilyMemberEnded()
    if member.status != MemberStatus.ACTIVE:
        raise FamilyConsentRequired(details={"status": str(member.status)})
    # The one place every module acts for a member through: an unproven guardian gets no card,
    # no booking, no application for the child.
    if member.guardianship in guardianship.UNPROVEN:
        raise FamilyGuardianshipUnproven(details={"guardianship": str(member.guardianship)})
    return dataclasses.replace(actor, on_behalf_of=member.id)


async def names_for_owner(actor: Actor, member_ids: Iterable[int]) -> dict[int, str]:
    """The names ``actor`` gave the members of their own family: shown to them in full (a guardian
    reads their child's name on the child's card), masked to anyone else."""
    wanted = sorted({i for i in member_ids if i})
    if not wanted or actor.kind != "resident" or actor.id is None:
        return {}
    return {m.id: m.name for m in await FamilyMember.filter(id__in=wanted, owner_id=actor.id)}
