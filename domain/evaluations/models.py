"""好差评 evaluations, the finished services that may be rated, and rectification work orders."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.accounts.models import User
from domain.shared.pii import EncryptedField


class TargetType(StrEnum):
    SERVICE_REQUEST = "service_request"  # an application (办件), rated online
    COUNTER_SERVICE = "counter_service"  # a service at a hall window
    SPOT_VISIT = "spot_visit"  # a visit to a scenic spot (a used ticket order), rated online


class EvaluationLevel(StrEnum):
    """The national five-level scale; the bottom two are a 差评."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意

    @property
    def score(self) -> int:
        return 5 - list(EvaluationLevel).index(self)

    @property
    def is_bad(self) -> bool:
        return self in (EvaluationLevel.DISSATISFIED, EvaluationLevel.VERY_DISSATISFIED)


class RectificationState(StrEnum):
    OPEN = "open"  # created by a 差评; waiting for the 回访
    REVISITED = "revisited"  # 回访: staff called the resident back
    REASSIGNED = "reassigned"  # 转派: handed to the responsible department
    SUPERVISED = "supervised"  # 督办: under supervision, to be rectified
    RECTIFIED = "rectified"  # 整改: the department reported its rectification
    CLOSED = "closed"  # 审核: the result was approved


class RateableService(Model):
    """A finished service its resident may rate, registered by the module that finished it."""

    id = fields.BigIntField(primary_key=True)
    target_type = fields.CharEnumField(TargetType, max_length=16)
    target_id = fields.BigIntField()
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="rateable_services", on_delete=fields.CASCADE
    )
    user_id: int
    item_code = fields.CharField(max_length=64)
    department_code = fields.CharField(max_length=64)
    finished_at = fields.DatetimeField()
    invited_at = fields.DatetimeField(null=True)
    evaluated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "rateable_service"
        unique_together = (("target_type", "target_id"),)


class Evaluation(Model):
    id = fields.BigIntField(primary_key=True)
    target_type = fields.CharEnumField(TargetType, max_length=16)
    target_id = fields.BigIntField()
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="evaluations", on_delete=fields.CASCADE
    )
    user_id: int
    item_code = fields.CharField(max_length=64, db_index=True)
    department_code = fields.CharField(max_length=64, db_index=True)
    level = fields.CharEnumField(EvaluationLevel, max_length=20)
    score = fields.SmallIntField()  # 5 (非常满意) … 1 (非常不满意), for averages
    indicators: Any = fields.JSONField(default=dict)  # {indicator code: level}
    comment = EncryptedField(null=True)  # free text often names people: encrypted at rest
    channel = fields.CharField(max_length=16, default="mini_program")
    created_at = fields.DatetimeField()

    class Meta:
        table = "evaluation"
        # One rating per application and per counter service; the database settles races.
        unique_together = (("target_type", "target_id"),)


class RectificationOrder(Model):
    """差评整改 work order: 回访 → 转派 → 督办 → 整改 → 审核, due in 15 working days."""

    id = fields.BigIntField(primary_key=True)
    evaluation: fields.OneToOneRelation[Evaluation] = fields.OneToOneField(
        "palmcity.Evaluation", related_name="rectification", on_delete=fields.CASCADE
    )
    evaluation_id: int
    department_code = fields.CharField(max_length=64, db_index=True)  # changes on 转派
    item_code = fields.CharField(max_length=64)
    state = fields.CharEnumField(RectificationState, max_length=12, default=RectificationState.OPEN)
    due_date = fields.DateField()
    created_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    steps: fields.ReverseRelation[RectificationStep]

    class Meta:
        table = "rectification_order"
        indexes = (("state", "due_date"),)


class RectificationStep(Model):
    """One transition of a work order: who, what, when, with which note."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[RectificationOrder] = fields.ForeignKeyField(
        "palmcity.RectificationOrder", related_name="steps", on_delete=fields.CASCADE
    )
    action = fields.CharField(max_length=16)
    from_state = fields.CharField(max_length=12, null=True)
    to_state = fields.CharField(max_length=12)
    department_code = fields.CharField(max_length=64)
    note = fields.TextField(null=True)
    actor_id = fields.BigIntField(null=True)
    at = fields.DatetimeField()

    class Meta:
        table = "rectification_step"
        ordering = ["id"]
