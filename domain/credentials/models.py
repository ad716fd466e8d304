"""What PalmCity keeps about credentials: the subjects they name, and the revocation list's history."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class SubjectStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"  # by the holder (a lost phone); reversible
    REVOKED = "revoked"  # for good


class CredentialSubject(Model):
    """The thing a credential stands for (a health card, an appointment...), by an opaque reference.

    Tokens carry ``ref``, never the object's id or anything about its holder, so a code read off a
    screen tells a stranger nothing.
    """

    id = fields.BigIntField(primary_key=True)
    ref = fields.CharField(max_length=24, unique=True)
    kind = fields.CharField(max_length=24)
    object_id = fields.BigIntField()  # the owning module's row
    holder_user_id = fields.BigIntField(db_index=True)  # the account that shows it
    status = fields.CharEnumField(SubjectStatus, max_length=8, default=SubjectStatus.ACTIVE)
    # The static code's nonce (kinds with a static form): replacing it voids printed codes.
    static_nonce = fields.CharField(max_length=20, null=True)
    # The holder's PIN for the static code (argon2id); wrong PINs lock it for a while.
    pin_hash = fields.CharField(max_length=255, null=True)
    pin_failures = fields.SmallIntField(default=0)
    pin_locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "credential_subject"
        unique_together = (("kind", "object_id"),)


class RevocationEvent(Model):
    """Every change of a subject's status, in order: the newest id is the revocation list's version,
    so an offline scanner asks "anything after version N?" and gets lifted freezes too."""

    id = fields.BigIntField(primary_key=True)
    ref = fields.CharField(max_length=24, db_index=True)
    kind = fields.CharField(max_length=24)
    status = fields.CharEnumField(SubjectStatus, max_length=8)
    at = fields.DatetimeField()

    class Meta:
        table = "credential_revocation_event"
