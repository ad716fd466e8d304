"""A resident's family members, and whether each one has agreed to be acted for."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from domain.shared.pii import EncryptedField

if TYPE_CHECKING:
    from domain.accounts.models import User


MAX_FAMILY_MEMBERS = 5
# Under this age a guardian decides alone (PIPL art. 31: personal data of children under 14).
CONSENT_AGE = 14


class Relation(StrEnum):
    """What the member is to the resident who added them."""

    CHILD = "child"
    SPOUSE = "spouse"
    PARENT = "parent"
    OTHER = "other"


class MemberStatus(StrEnum):
    ACTIVE = "active"  # may be acted for
    PENDING_CONSENT = "pending_consent"  # an adult who has not accepted yet
    DECLINED = "declined"  # the adult said no; the owner may remove the entry
    # A proven guardian reclaimed the child this unproven entry held a health card for: never acted
    # for again; the owner may remove the entry.
    ENDED = "ended"


class Guardianship(StrEnum):
    """Whether the resident who added a child under 14 is proven to be the child's guardian."""

    NOT_REQUIRED = "not_required"  # 14 or older: the member's own consent decides instead
    PENDING = "pending"  # no proof yet: the register did not confirm, a birth certificate may be checked
    PROVEN = "proven"  # the register lists the resident, or staff accepted a birth certificate
    REFUSED = "refused"  # staff refused the birth certificate (with a reason); another may be sent


class ProofMethod(StrEnum):
    REGISTER = "register"  # the population register's look-up (adapters/population)
    BIRTH_CERTIFICATE = "birth_certificate"  # 出生医学证明, checked by a case officer


class ProofOutcome(StrEnum):
    # The register's answers.
    CONFIRMED = "confirmed"  # it lists the resident among the child's guardians
    NOT_LISTED = "not_listed"  # it knows the child, not this resident as a guardian
    NOT_FOUND = "not_found"  # it does not know the child
    UNAVAILABLE = "unavailable"  # no answer, or no register configured
    # A birth certificate's way through the staff check.
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # a later proof replaced it, or the entry ended before a decision


class FamilyMember(Model):
    id = fields.BigIntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="family_members", on_delete=fields.CASCADE
    )
    owner_id: int
    relation = fields.CharEnumField(Relation, max_length=16)
    name = EncryptedField()
    id_number = EncryptedField()
    # The same blind index as User.id_number_index: an adult's own verified account finds its invitations.
    id_number_index = fields.CharField(max_length=64, db_index=True)
    birth_date = fields.DateField()
    status = fields.CharEnumField(MemberStatus, max_length=16)
    guardianship = fields.CharEnumField(Guardianship, max_length=16, default=Guardianship.NOT_REQUIRED)
    guardianship_decided_at = fields.DatetimeField(null=True)
    # The member's own account, once they have consented.
    member_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="family_memberships", null=True, on_delete=fields.SET_NULL
    )
    member_user_id: int | None
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "family_member"
        unique_together = (("owner", "id_number_index"),)


class GuardianshipProof(Model):
    """One attempt to prove guardianship of a child member: a register look-up or a birth certificate."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[FamilyMember] = fields.ForeignKeyField(
        "palmcity.FamilyMember", related_name="proofs", on_delete=fields.CASCADE
    )
    member_id: int
    owner_id = fields.BigIntField(db_index=True)  # the resident who claims to be the guardian
    method = fields.CharEnumField(ProofMethod, max_length=24)
    outcome = fields.CharEnumField(ProofOutcome, max_length=16)
    relation = fields.CharField(max_length=16, null=True)  # the register's: father, mother, other_guardian
    # The county of the child's household registration at birth (the ID number's first six digits):
    # case officers of departments there or above check the certificate.
    region_code = fields.CharField(max_length=12, db_index=True)
    # The certificate's file (the storage key is its SHA-256, as for application materials).
    file_key = fields.CharField(max_length=80, null=True)
    sha256 = fields.CharField(max_length=64, null=True)
    content_type = fields.CharField(max_length=64, null=True)
    size = fields.IntField(null=True)
    filename = fields.CharField(max_length=128, null=True)
    reason = fields.CharField(max_length=200, null=True)  # why staff refused
    decided_by_id = fields.BigIntField(null=True)  # the staff account that approved or refused
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "guardianship_proof"
