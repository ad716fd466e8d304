"""Proving that the resident who adds a child under 14 is the child's guardian (监护关系).

Rules:
- at once, by the population register (``adapters/population``): the resident's own verified ID
  number must be among the child's guardians; the answer is kept as a proof (``register``);
- otherwise the member stays ``pending`` and nobody acts for the child (``service.acting_for``
  refuses with ``family_guardianship_unproven``) until the register confirms on a later check or
  a case officer accepts the child's birth certificate (``birth_certificates``); a refusal leaves
  the member ``refused`` with the officer's reason, and another certificate may be sent;
- a proven guardian may reclaim a health card that an unproven entry holds for the child
  (``domain.health_cards``): that entry then ends (:func:`end_link`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from adapters.population.port import (
    Guardian,
    GuardianRelation,
    PersonNotFound,
    PopulationRegister,
    PopulationRegisterError,
    SandboxPopulationDesk,
)
from domain.accounts.errors import UserNotFound
from domain.accounts.models import User
from domain.audit import service as audit
from domain.family.models import (
    FamilyMember,
    Guardianship,
    GuardianshipProof,
    MemberStatus,
    ProofMethod,
    ProofOutcome,
)
from domain.identity.models import IdentityLevel
from domain.identity.service import normalize_id_number, require_level
from domain.outbox.service import enqueue
from domain.shared import clock, pii
from domain.shared.actor import Actor

log = logging.getLogger("palmcity.family")

DECIDED_TOPIC = "family.guardianship_decided"  # {"proof_id"}: tell the resident staff's decision
ENDED_REASON_RECLAIMED = "reclaimed_by_guardian"
# Where guardianship is still to be proven: a new proof may be sent, nobody acts for the child.
UNPROVEN = (Guardianship.PENDING, Guardianship.REFUSED)


@dataclass(frozen=True)
class RegisterAnswer:
    outcome: ProofOutcome  # confirmed, not_listed, not_found or unavailable
    relation: str | None = None  # the register's relation when confirmed


@dataclass(frozen=True)
class MemberView:
    """A member with the latest attempt to prove guardianship (None for adults)."""

    member: FamilyMember
    proof: GuardianshipProof | None


def region_of(child_id_number: str) -> str:
    """The county of the child's household registration at birth: the ID number's address code."""
    return child_id_number[:6]


async def ask_register(
    register: PopulationRegister | None, *, guardian_id_number: str, child_id_number: str
) -> RegisterAnswer:
    """Whether the register lists ``guardian_id_number`` among the child's guardians.

    Never raises: an unreachable or unconfigured register is an answer (``unavailable``) that
    leaves the member pending, not a failed request.
    """
    if register is None:
        return RegisterAnswer(ProofOutcome.UNAVAILABLE)
    try:
        guardians = await register.guardians_of(child_id_number)
    except PersonNotFound:
        return RegisterAnswer(ProofOutcome.NOT_FOUND)
    except PopulationRegisterError as exc:
        log.warning("population register did not answer", extra={"register_code": exc.code})
        return RegisterAnswer(ProofOutcome.UNAVAILABLE)
    mine = guardian_id_number.upper()
    match = next((g for g in guardians if g.id_number.upper() == mine), None)
    if match is None:
        return RegisterAnswer(ProofOutcome.NOT_LISTED)
    return RegisterAnswer(ProofOutcome.CONFIRMED, match.relation.value)


async def record_register_answer(
    conn: BaseDBAsyncClient, member: FamilyMember, answer: RegisterAnswer
) -> GuardianshipProof:
    """In the caller's transaction: the answer as a proof, and the member proven when it confirms."""
    now = clock.now()
    proof = await GuardianshipProof.create(
        member_id=member.id,
        owner_id=member.owner_id,
        method=ProofMethod.REGISTER,
        outcome=answer.outcome,
        relation=answer.relation,
        region_code=region_of(member.id_number),
        created_at=now,
        decided_at=now,
        using_db=conn,
    )
    if answer.outcome is ProofOutcome.CONFIRMED:
        await withdraw_certificates(conn, member)
        await set_guardianship(conn, member, Guardianship.PROVEN)
    return proof


async def set_guardianship(conn: BaseDBAsyncClient, member: FamilyMember, to: Guardianship) -> None:
    member.guardianship, member.guardianship_decided_at = to, clock.now()
    await member.save(using_db=conn, update_fields=["guardianship", "guardianship_decided_at"])


async def withdraw_certificates(conn: BaseDBAsyncClient, member: FamilyMember) -> None:
    """Birth certificates still waiting for staff are moot once the member is proven or ended."""
    await (
        GuardianshipProof.filter(
            member_id=member.id, method=ProofMethod.BIRTH_CERTIFICATE, outcome=ProofOutcome.SUBMITTED
        )
        .using_db(conn)
        .update(outcome=ProofOutcome.WITHDRAWN, decided_at=clock.now())
    )


async def end_link(conn: BaseDBAsyncClient, member: FamilyMember, actor: Actor, *, reason: str) -> None:
    """In the caller's transaction: the entry stays for the record but is never acted for again."""
    before = {"status": str(member.status), "guardianship": str(member.guardianship)}
    member.status, member.decided_at = MemberStatus.ENDED, clock.now()
    await member.save(using_db=conn, update_fields=["status", "decided_at"])
    await withdraw_certificates(conn, member)
    await audit.record(
        actor,
        "family.member_ended",
        target_type="family_member",
        target_id=member.id,
        before=before,
        after={"status": str(member.status), "reason": reason, "owner_id": member.owner_id},
        using_db=conn,
    )


async def announce_decision(conn: BaseDBAsyncClient, proof: GuardianshipProof) -> None:
    await enqueue(DECIDED_TOPIC, {"proof_id": proof.id}, key=f"{DECIDED_TOPIC}:{proof.id}", using_db=conn)


def snapshot(proof: GuardianshipProof) -> dict[str, object]:
    """What the audit log keeps about a proof (never a file's content or an ID number)."""
    return {
        "proof_id": proof.id,
        "method": str(proof.method),
        "outcome": str(proof.outcome),
        "relation": proof.relation,
        "region_code": proof.region_code,
        "sha256": proof.sha256,
        "reason": proof.reason,
    }


async def views(members: list[FamilyMember]) -> list[MemberView]:
    """Each member with its latest proof, in two queries for the whole list."""
    ids = [m.id for m in members if m.guardianship != Guardianship.NOT_REQUIRED]
    latest: dict[int, GuardianshipProof] = {}
    if ids:
        for proof in await GuardianshipProof.filter(member_id__in=ids).order_by("-id"):
            latest.setdefault(proof.member_id, proof)
    return [MemberView(m, latest.get(m.id)) for m in members]


def masked_name(member: FamilyMember) -> str:
    return pii.mask_name(member.name) or ""


async def sandbox_seat_child(
    actor: Actor, desk: SandboxPopulationDesk, child_id_number: str, relation: GuardianRelation
) -> None:
    """Sandbox only: record ``actor`` (by their verified ID number) as a guardian of the child in the
    sandbox register, as the sandbox identity page lets a tester be anyone; then adding the child
    proves guardianship at once. The real register is never told anything."""
    require_level(actor, IdentityLevel.REAL_NAME)
    user = await User.get_or_none(id=actor.id) if actor.id is not None else None
    if user is None or not user.id_number:
        raise UserNotFound()
    desk.add_household(normalize_id_number(child_id_number), [Guardian(user.id_number, relation)])
