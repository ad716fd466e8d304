"""The audit log: append-only, one row per state change that matters."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditRecord(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor_kind = fields.CharField(max_length=16)  # resident | staff | system
    actor_id = fields.BigIntField(null=True, db_index=True)
    on_behalf_of = fields.BigIntField(null=True)  # FamilyMember.id when a resident acts for one
    action = fields.CharField(max_length=64, db_index=True)  # e.g. "family.member_added"
    target_type = fields.CharField(max_length=64)
    target_id = fields.CharField(max_length=64, db_index=True)
    # Masked or id-only snapshots; never clear personal data.
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)
    ip = fields.CharField(max_length=64, null=True)
    request_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "audit_record"
        ordering = ["id"]
