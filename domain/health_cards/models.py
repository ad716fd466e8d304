"""Health cards and their uses."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from domain.accounts.models import User
from domain.family.models import FamilyMember
from domain.shared.pii import EncryptedField


class CardState(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"  # by the holder, e.g. a lost phone; reversible
    REVOKED = "revoked"  # cancelled for good; a new card may be issued


class HealthCard(Model):
    id = fields.BigIntField(primary_key=True)
    # "44" + 14-digit serial + ISO 7064 MOD 11-2 check character (as on ID numbers): typed by hand
    # at a counter, so a slip of one digit is caught.
    number = fields.CharField(max_length=20, unique=True, null=True)
    # The account that holds the card: the person, or the guardian/relative who manages it.
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="health_cards", on_delete=fields.RESTRICT
    )
    owner_id: int
    family_member: fields.ForeignKeyNullableRelation[FamilyMember] = fields.ForeignKeyField(
        "palmcity.FamilyMember", related_name="health_cards", null=True, on_delete=fields.SET_NULL
    )
    family_member_id: int | None
    # One person, one card: the person's ID-number blind index while the card is not revoked
    # (NULL once revoked, so that a new card can be issued). The database keeps it unique.
    live_person_index = fields.CharField(max_length=64, unique=True, null=True)
    holder_name_masked = fields.CharField(max_length=64)
    id_number_masked = fields.CharField(max_length=24)
    platform_card_id = EncryptedField()  # the provincial platform's healthCardId
    state = fields.CharEnumField(CardState, max_length=8, default=CardState.ACTIVE)
    issued_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "health_card"


class CardUse(Model):
    """One scan of a card at a site: what the holder sees in the card's usage log."""

    id = fields.BigIntField(primary_key=True)
    card: fields.ForeignKeyRelation[HealthCard] = fields.ForeignKeyField(
        "palmcity.HealthCard", related_name="uses", on_delete=fields.CASCADE
    )
    card_id: int
    site_code = fields.CharField(max_length=64)
    purpose = fields.CharField(max_length=16)  # register, treat, pay
    staff_id = fields.BigIntField()
    scan_id = fields.BigIntField(null=True)
    used_at = fields.DatetimeField()  # when it was scanned (earlier than now for an offline upload)
    reported_at = fields.DatetimeField(null=True)  # told to the provincial platform

    class Meta:
        table = "health_card_use"
        ordering = ["-used_at", "-id"]
