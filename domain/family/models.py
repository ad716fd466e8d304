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
