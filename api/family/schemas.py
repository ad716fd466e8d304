"""Bodies of the family-member API. Names and ID numbers only ever leave masked."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.family.birth_certificates import REASON_MAX_CHARS, CertificateToCheck
from domain.family.guardianship import MemberView
from domain.family.models import (
    MAX_FAMILY_MEMBERS,
    FamilyMember,
    Guardianship,
    GuardianshipProof,
    MemberStatus,
    ProofMethod,
    ProofOutcome,
    Relation,
)
from domain.family.service import is_minor
from domain.shared import pii


class AddMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relation: Relation = Field(description="What the member is to you. A child under 14: `child` or `other`.")
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=32, description="Resident ID number (居民身份证号码).")


class ProofOut(BaseModel):
    """The latest attempt to prove guardianship of a child."""

    id: int
    method: ProofMethod
    outcome: ProofOutcome = Field(
        description="Register: `confirmed`, `not_listed`, `not_found`, `unavailable` (ask again later). "
        "Birth certificate: `submitted` (staff to check), `approved`, `refused`, `withdrawn`."
    )
    reason: str | None = Field(description="Why staff refused the birth certificate.")
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, proof: GuardianshipProof) -> ProofOut:
        return cls(
            id=proof.id,
            method=proof.method,
            outcome=proof.outcome,
            reason=proof.reason,
            created_at=proof.created_at,
            decided_at=proof.decided_at,
        )


class MemberOut(BaseModel):
    id: int
    relation: Relation
    name: str = Field(description="The name the caller gave their family member, in full (their own family).")
    id_number: str = Field(description="Masked, e.g. 4418**********1234.")
    status: MemberStatus
    is_minor: bool = Field(description="Under 14: the guardian acts without the member's own consent.")
    guardianship: Guardianship = Field(
        description="A child under 14: `proven` (acted for), `pending` or `refused` (nobody acts for the "
        "child until proven); `not_required` for anyone older."
    )
    proof: ProofOut | None = Field(description="The latest attempt to prove guardianship, if any.")
    created_at: datetime

    @classmethod
    def of(cls, view: MemberView) -> MemberOut:
        member = view.member
        return cls(
            id=member.id,
            relation=member.relation,
            name=member.name or "",
            id_number=pii.mask_id_number(member.id_number) or "",
            status=member.status,
            is_minor=is_minor(member),
            guardianship=member.guardianship,
            proof=ProofOut.of(view.proof) if view.proof else None,
            created_at=member.created_at,
        )


class MembersOut(BaseModel):
    items: list[MemberOut]
    limit: int = MAX_FAMILY_MEMBERS


class InvitationOut(BaseModel):
    id: int
    from_name: str = Field(description="The inviting resident's verified name, masked.")
    relation: Relation = Field(description="What you are to the inviting resident.")
    status: MemberStatus
    created_at: datetime

    @classmethod
    def of(cls, member: FamilyMember) -> InvitationOut:
        return cls(
            id=member.id,
            from_name=pii.mask_name(member.owner.real_name) or "",
            relation=member.relation,
            status=member.status,
            created_at=member.created_at,
        )


class InvitationsOut(BaseModel):
    items: list[InvitationOut]


class CertificateToCheckOut(BaseModel):
    """A birth certificate for an officer to compare: names in clear, ID numbers masked."""

    id: int
    child_name: str
    child_id_number: str = Field(description="Masked.")
    child_birth_date: date
    relation: Relation = Field(description="What the resident says the child is to them.")
    guardian_name: str = Field(description="The resident's verified name.")
    guardian_id_number: str = Field(description="Masked.")
    region_code: str = Field(description="The county of the child's registration at birth.")
    content_type: str
    size: int
    submitted_at: datetime

    @classmethod
    def of(cls, found: CertificateToCheck) -> CertificateToCheckOut:
        proof, member, guardian = found.proof, found.member, found.guardian
        return cls(
            id=proof.id,
            child_name=member.name,
            child_id_number=pii.mask_id_number(member.id_number) or "",
            child_birth_date=member.birth_date,
            relation=member.relation,
            guardian_name=guardian.real_name or "",
            guardian_id_number=pii.mask_id_number(guardian.id_number) or "",
            region_code=proof.region_code,
            content_type=proof.content_type or "",
            size=proof.size or 0,
            submitted_at=proof.created_at,
        )


class CertificatesToCheckOut(BaseModel):
    items: list[CertificateToCheckOut]


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=REASON_MAX_CHARS, description="Told to the resident.")
