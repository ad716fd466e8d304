"""A child's birth certificate (出生医学证明) as proof of guardianship, and the staff check of it.

When the population register does not confirm a resident as a child's guardian, the resident
uploads the child's birth certificate (PDF, JPEG or PNG, checked and stored as application
materials are). A case officer whose departments cover the child's county of registration (the
ID number's address code, or the city or province above it; ``*`` covers all) compares it with
the names shown and approves (the member is proven) or refuses with a reason (the member is
``refused``; another certificate may be sent). The resident is told either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from adapters.storage.port import Storage, StoredFileMissing
from domain.accounts.models import User
from domain.applications.materials import CONTENT_TYPES, check_file, safe_filename, store
from domain.audit import service as audit
from domain.family import guardianship
from domain.family.errors import (
    GuardianshipProofDecided,
    GuardianshipProofNotFound,
    GuardianshipReasonRequired,
)
from domain.family.guardianship import MemberView
from domain.family.models import (
    FamilyMember,
    Guardianship,
    GuardianshipProof,
    ProofMethod,
    ProofOutcome,
)
from domain.family.service import unproven_member
from domain.org.models import Department
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.errors import PlatformUnavailable
from domain.staff.roles import ALL_SCOPES, Role, authorize

_MAX_ID = 2**63 - 1
REASON_MAX_CHARS = 200


# -- the resident ------------------------------------------------------------------------------------


async def submit(
    actor: Actor,
    storage: Storage,
    member_id: int,
    *,
    filename: str,
    declared_type: str,
    data: bytes,
    max_bytes: int,
) -> MemberView:
    """Send the child's birth certificate for staff to check; an earlier one still waiting is replaced."""
    kind = check_file(data, filename=filename, declared_type=declared_type, max_bytes=max_bytes)
    await unproven_member(actor, member_id)
    stored = await store(storage, data, CONTENT_TYPES[kind], safe_filename(filename))
    async with in_transaction() as conn:
        member = await unproven_member(actor, member_id, conn=conn)
        await guardianship.withdraw_certificates(conn, member)
        proof = await GuardianshipProof.create(
            member_id=member.id,
            owner_id=member.owner_id,
            method=ProofMethod.BIRTH_CERTIFICATE,
            outcome=ProofOutcome.SUBMITTED,
            region_code=guardianship.region_of(member.id_number),
            created_at=clock.now(),
            using_db=conn,
            **stored,
        )
        if member.guardianship != Guardianship.PENDING:  # a refused one is pending again
            await guardianship.set_guardianship(conn, member, Guardianship.PENDING)
        await audit.record(
            actor,
            "family.birth_certificate_submitted",
            target_type="family_member",
            target_id=member.id,
            after=guardianship.snapshot(proof),
            using_db=conn,
        )
    return MemberView(member, proof)


# -- the case officer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateToCheck:
    """A birth certificate with what the officer compares it with: names in clear (they must read
    them on the certificate), ID numbers masked."""

    proof: GuardianshipProof
    member: FamilyMember
    guardian: User


@dataclass(frozen=True)
class CertificateFile:
    proof: GuardianshipProof
    data: bytes


async def _prefixes(actor: Actor) -> list[str] | None:
    """The region-code prefixes ``actor``'s departments cover (None: everywhere).

    GB/T 2260: a county ``441803`` covers itself, a city ``441800`` every ``4418xx``, a province
    ``440000`` every ``44xxxx``; a town's department covers no county.
    """
    authorize(actor, Role.CASE_OFFICER)
    if ALL_SCOPES in actor.scopes:
        return None
    regions = await Department.filter(code__in=sorted(actor.scopes)).values_list("region_id", flat=True)
    prefixes = []
    for code in {str(r) for r in regions if len(str(r)) == 6}:
        prefix = code
        for _level in range(2):
            if prefix.endswith("00"):
                prefix = prefix[:-2]
        prefixes.append(prefix)
    return sorted(prefixes)


def _covered(region_code: str, prefixes: list[str] | None) -> bool:
    return prefixes is None or any(region_code.startswith(p) for p in prefixes)


async def to_check(actor: Actor, *, limit: int = 50) -> list[CertificateToCheck]:
    """Birth certificates waiting in ``actor``'s regions, oldest first."""
    prefixes = await _prefixes(actor)
    if prefixes == []:
        return []
    query = GuardianshipProof.filter(method=ProofMethod.BIRTH_CERTIFICATE, outcome=ProofOutcome.SUBMITTED)
    if prefixes is not None:
        query = query.filter(Q(*[Q(region_code__startswith=p) for p in prefixes], join_type="OR"))
    proofs = await query.order_by("created_at", "id").limit(limit).select_related("member")
    guardians = {u.id: u for u in await User.filter(id__in={p.owner_id for p in proofs})}
    return [CertificateToCheck(p, p.member, guardians[p.owner_id]) for p in proofs]


async def _in_scope(
    actor: Actor, proof_id: int, *, conn: BaseDBAsyncClient | None = None
) -> GuardianshipProof:
    prefixes = await _prefixes(actor)
    if not 0 < proof_id <= _MAX_ID:
        raise GuardianshipProofNotFound()
    query = GuardianshipProof.filter(id=proof_id, method=ProofMethod.BIRTH_CERTIFICATE)
    if conn is not None:
        query = query.using_db(conn).select_for_update()
    proof = await query.first()
    if proof is None or not _covered(proof.region_code, prefixes):
        raise GuardianshipProofNotFound()
    return proof


async def read_file(actor: Actor, storage: Storage, proof_id: int) -> CertificateFile:
    proof = await _in_scope(actor, proof_id)
    try:
        return CertificateFile(proof, await storage.get(proof.file_key or ""))
    except StoredFileMissing as exc:
        raise PlatformUnavailable(details={"service": "storage"}) from exc


async def approve(actor: Actor, proof_id: int) -> GuardianshipProof:
    """The certificate shows the resident as the child's parent: the member is proven."""
    return await _decide(actor, proof_id, ProofOutcome.APPROVED, Guardianship.PROVEN, reason=None)


async def refuse(actor: Actor, proof_id: int, reason: str) -> GuardianshipProof:
    """It does not (unreadable, another child, another parent): refused, with the reason told."""
    reason = " ".join(reason.split())[:REASON_MAX_CHARS]
    if not reason:
        raise GuardianshipReasonRequired()
    return await _decide(actor, proof_id, ProofOutcome.REFUSED, Guardianship.REFUSED, reason=reason)


async def _decide(
    actor: Actor, proof_id: int, outcome: ProofOutcome, to: Guardianship, *, reason: str | None
) -> GuardianshipProof:
    seen = await _in_scope(actor, proof_id)
    async with in_transaction() as conn:
        # The member first, then the proof: the order every change of a member's proofs takes
        # (a new certificate, a register check, an ended entry), so none of them deadlocks this.
        member = await FamilyMember.filter(id=seen.member_id).using_db(conn).select_for_update().get()
        proof = await _in_scope(actor, proof_id, conn=conn)
        if proof.outcome != ProofOutcome.SUBMITTED:
            # Decided by another officer, or withdrawn: a newer certificate, the register
            # confirmed meanwhile, or the entry ended.
            raise GuardianshipProofDecided(details={"outcome": str(proof.outcome)})
        before = guardianship.snapshot(proof)
        proof.outcome, proof.reason = outcome, reason
        proof.decided_by_id, proof.decided_at = actor.id, clock.now()
        await proof.save(using_db=conn, update_fields=["outcome", "reason", "decided_by_id", "decided_at"])
        await guardianship.set_guardianship(conn, member, to)
        await audit.record(
            actor,
            f"family.birth_certificate_{outcome}",
            target_type="family_member",
            target_id=member.id,
            before=before,
            after={**guardianship.snapshot(proof), "guardianship": str(member.guardianship)},
            using_db=conn,
        )
        await guardianship.announce_decision(conn, proof)
    return proof
