"""E-certificates (电子证照) as issued: the signed document is rebuilt from these columns."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from domain.accounts.models import User
from domain.shared.pii import EncryptedField


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class ECertificate(Model):
    id = fields.BigIntField(primary_key=True)
    # "<type code>-<year><10-digit serial><ISO 7064 MOD 37,36 check character>", set right after
    # the insert because the serial is the row id.
    number = fields.CharField(max_length=48, unique=True, null=True)
    type_code = fields.CharField(max_length=16, db_index=True)
    holder: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="certificates", on_delete=fields.RESTRICT
    )
    holder_id: int
    holder_name_masked = fields.CharField(max_length=64, null=True)
    # The ServiceRequest (办件) that was approved; one certificate per request and type.
    request_id = fields.BigIntField(null=True)
    # JSON text, encrypted: certificate data is usually personal (a child's disability type...).
    data = EncryptedField()
    valid_from = fields.DateField()
    valid_until = fields.DateField()  # inclusive, China dates
    department_code = fields.CharField(max_length=64, db_index=True)
    status = fields.CharEnumField(CertificateStatus, max_length=8, default=CertificateStatus.ACTIVE)
    issued_at = fields.DatetimeField()
    kid = fields.CharField(max_length=64, null=True)
    signature = fields.CharField(max_length=128, null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "e_certificate"
        unique_together = (("request_id", "type_code"),)
