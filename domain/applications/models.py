"""Service requests (办件), their timeline and their materials."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from domain.shared.pii import EncryptedField

if TYPE_CHECKING:
    from domain.accounts.models import User
    from domain.family.models import FamilyMember


class WarningLevel(StrEnum):
    NONE = "none"
    YELLOW = "yellow"  # the promised limit is near
    RED = "red"  # the promised limit has passed


class ServiceRequest(Model):
    id = fields.BigIntField(primary_key=True)
    # What residents quote on the phone and staff search for: date + random digits, never the id.
    number = fields.CharField(max_length=20, unique=True)
    applicant: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="service_requests", on_delete=fields.RESTRICT
    )
    applicant_id: int
    on_behalf_of: fields.ForeignKeyNullableRelation[FamilyMember] = fields.ForeignKeyField(
        "palmcity.FamilyMember", related_name="service_requests", null=True, on_delete=fields.SET_NULL
    )
    on_behalf_of_id: int | None
    # The business channel (粤商通) fills this in; until then no enterprise can apply.
    enterprise_uscc = fields.CharField(max_length=18, null=True)
    item_code = fields.CharField(max_length=40, db_index=True)
    item_version_id = fields.BigIntField()
    department_code = fields.CharField(max_length=32, db_index=True)
    workflow_code = fields.CharField(max_length=40)
    state = fields.CharField(max_length=32, db_index=True)
    # Form values, except those of type id_number/phone, which live encrypted in form_secrets.
    form_data: Any = fields.JSONField(default=dict)
    form_secrets: str | None = EncryptedField(null=True)  # JSON of the personal fields, encrypted
    rule_results: Any = fields.JSONField(null=True)  # 秒批 evaluation at the last submission
    # Staff handling
    claimed_by_id = fields.IntField(null=True, db_index=True)  # StaffAccount.id
    claimed_at = fields.DatetimeField(null=True)
    accepted_by_id = fields.IntField(null=True)  # for 受审分离
    # The clock, in working days
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    submitted_at = fields.DatetimeField(null=True)
    started_on = fields.DateField(null=True)  # the clock starts on acceptance (受理)
    state_entered_on = fields.DateField(null=True)
    stage_due_on = fields.DateField(null=True)  # by when staff must move the case on from its state
    paused_since = fields.DateField(null=True)  # waiting for the applicant since
    paused_working_days = fields.IntField(default=0)
    pauses: Any = fields.JSONField(default=list)  # [{"from": date, "to": date | None, "working_days"}]
    due_promised_on = fields.DateField(null=True)
    due_legal_on = fields.DateField(null=True)
    supplement_due_on = fields.DateField(null=True)
    notice_ends_on = fields.DateField(null=True)  # a public notice running until this day
    warning = fields.CharEnumField(WarningLevel, max_length=8, default=WarningLevel.NONE)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "service_request"


class Transition(Model):
    """One step in a case's timeline."""

    id = fields.BigIntField(primary_key=True)
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "palmcity.ServiceRequest", related_name="transitions", on_delete=fields.CASCADE
    )
    request_id: int
    name = fields.CharField(max_length=40)
    from_state = fields.CharField(max_length=32)
    to_state = fields.CharField(max_length=32)
    actor_kind = fields.CharField(max_length=16)
    actor_id = fields.BigIntField(null=True)
    on_behalf_of = fields.BigIntField(null=True)
    comment = fields.TextField(default="")
    reasons: Any = fields.JSONField(default=list)
    attachments: Any = fields.JSONField(default=list)  # Material ids
    at = fields.DatetimeField()

    class Meta:
        table = "service_request_transition"
        ordering = ["id"]


class Material(Model):
    """A file attached to a case. A reused upload is a new row over the same stored file."""

    id = fields.BigIntField(primary_key=True)
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "palmcity.ServiceRequest", related_name="materials", on_delete=fields.CASCADE
    )
    request_id: int
    owner_id = fields.BigIntField(db_index=True)  # the applicant (User.id) whose upload it is
    material_code = fields.CharField(max_length=40)
    file_key = fields.CharField(max_length=80)  # the storage key: the content's SHA-256
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=32)
    size = fields.IntField()
    filename = fields.CharField(max_length=120, default="")
    reused_from_id = fields.BigIntField(null=True)  # Material.id it was copied from
    certificate_id = fields.BigIntField(null=True)  # an e-certificate shown instead of a file (免提交)
    uploaded_by = fields.CharField(max_length=16, default="applicant")  # applicant | staff
    created_at = fields.DatetimeField()

    class Meta:
        table = "service_request_material"
