"""Residents: one User per WeChat openid, with what they have proven about themselves."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from domain.shared.pii import EncryptedField


class User(Model):
    """A resident (居民) of the app. Staff accounts live in ``domain.staff``."""

    id = fields.BigIntField(primary_key=True)
    # openid/unionid identify the WeChat account, not the person; they are not personal data.
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, null=True, db_index=True)
    nickname = fields.CharField(max_length=32, null=True)
    phone = EncryptedField(null=True)
    phone_index = fields.CharField(max_length=64, null=True, db_index=True)
    # Real-name verification (统一身份认证). The blind index is unique: one person, one account.
    real_name = EncryptedField(null=True)
    id_number = EncryptedField(null=True)
    id_number_index = fields.CharField(max_length=64, null=True, unique=True)
    # Which document ``id_number`` is (``domain.identity.documents.DocumentKind``); the index is on
    # (kind, person key). The birth date is kept as a date (see docs/identity.md) for eligibility.
    id_document_kind = fields.CharField(max_length=24, null=True)
    birth_date = fields.DateField(null=True)
    identity_subject = fields.CharField(max_length=128, null=True)
    identity_level = fields.SmallIntField(default=1)  # 1 = WeChat only, 2..5 from the platform
    verified_at = fields.DatetimeField(null=True)
    locale = fields.CharField(max_length=8, default="zh_Hans")
    care_mode = fields.BooleanField(default=False)  # 关怀模式: larger type, simpler pages
    created_at = fields.DatetimeField()
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user_account"

    @property
    def real_name_verified(self) -> bool:
        """L3 and above: name and ID number checked against the population register."""
        return self.identity_level >= 3 and self.id_number_index is not None
