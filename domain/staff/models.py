"""Staff accounts. The lockout counter lives here, not in Redis, so a Redis restart unlocks nobody."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class StaffAccount(Model):
    id = fields.IntField(primary_key=True)
    # Lower case; see domain.staff.service.normalize_username.
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64)
    password_hash = fields.CharField(max_length=255)  # argon2id, PHC string format
    active = fields.BooleanField(default=True)
    # Role codes (domain.staff.roles.Role) and scope codes (department or site codes, or "*").
    roles: fields.JSONField[list[str]] = fields.JSONField(default=list)
    scopes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # What a scanner may scan (credential kinds, domain.credentials.kinds.Kind): scopes say where.
    scan_kinds: fields.JSONField[list[str]] = fields.JSONField(default=list)
    failed_attempts = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "staff_account"
        ordering = ["id"]


class StaffAlert(Model):
    """An alert to the staff of a scope (a site or spot code) holding a role, e.g. a spot's crowd
    level changed. Stored as message ids and parameters, like residents' inbox messages, so each
    reader gets their language; read by any staff account with that role and scope."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=40, db_index=True)
    role = fields.CharField(max_length=32)
    kind = fields.CharField(max_length=32)
    title_msgid = fields.CharField(max_length=200)
    body_msgid = fields.CharField(max_length=500)
    params: Any = fields.JSONField(default=dict)
    link = fields.CharField(max_length=200, null=True)
    source_key = fields.CharField(max_length=120, unique=True)  # a redelivered job writes it once
    created_at = fields.DatetimeField()

    class Meta:
        table = "staff_alert"
