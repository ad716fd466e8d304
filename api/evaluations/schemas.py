"""Bodies of the 好差评 API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.evaluations import service
from domain.evaluations.models import (
    Evaluation,
    EvaluationLevel,
    RectificationOrder,
    RectificationState,
    RectificationStep,
    TargetType,
)
from domain.shared import pii

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType = Field(
        description=(
            "`service_request` (an application), `counter_service`, or `spot_visit` (a ticket order "
            "used at a scenic spot)."
        )
    )
    target_id: int = Field(gt=0, lt=2**63)
    level: EvaluationLevel = Field(
        description="very_satisfied 非常满意 … very_dissatisfied 非常不满意; the bottom two are a 差评."
    )
    indicators: dict[str, EvaluationLevel] = Field(
        default_factory=dict,
        max_length=10,
        description="Optional rating per indicator (see `GET /api/v1/evaluations/indicators`).",
    )
    comment: str | None = Field(default=None, max_length=500, description="Required for a 差评.")


class EvaluationOut(BaseModel):
    id: int
    target_type: TargetType
    target_id: int
    item_code: str
    department_code: str
    level: EvaluationLevel
    score: int = Field(description="5 (非常满意) … 1 (非常不满意).")
    indicators: dict[str, EvaluationLevel]
    comment: str | None
    rectification_opened: bool
    created_at: datetime

    @classmethod
    def of(cls, evaluation: Evaluation, *, rectification_opened: bool = False) -> EvaluationOut:
        return cls(
            id=evaluation.id,
            target_type=evaluation.target_type,
            target_id=evaluation.target_id,
            item_code=evaluation.item_code,
            department_code=evaluation.department_code,
            level=evaluation.level,
            score=evaluation.score,
            indicators=evaluation.indicators,
            comment=evaluation.comment,
            rectification_opened=rectification_opened,
            created_at=evaluation.created_at,
        )


class EvaluationsOut(BaseModel):
    items: list[EvaluationOut]


class IndicatorOut(BaseModel):
    code: str
    name: str


class IndicatorSetOut(BaseModel):
    target_type: TargetType
    indicators: list[IndicatorOut]


class IndicatorsOut(BaseModel):
    levels: list[EvaluationLevel]
    sets: list[IndicatorSetOut]


class StepOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    department_code: str
    note: str | None
    actor_id: int | None
    at: datetime

    @classmethod
    def of(cls, step: RectificationStep) -> StepOut:
        return cls(
            action=step.action,
            from_state=step.from_state,
            to_state=step.to_state,
            department_code=step.department_code,
            note=step.note,
            actor_id=step.actor_id,
            at=step.at,
        )


class OrderOut(BaseModel):
    id: int
    evaluation_id: int
    department_code: str
    item_code: str
    state: RectificationState
    due_date: date = Field(description="15 working days after the 差评.")
    overdue: bool
    created_at: datetime
    closed_at: datetime | None
    steps: list[StepOut]

    @classmethod
    def of(cls, order: RectificationOrder) -> OrderOut:
        return cls(
            id=order.id,
            evaluation_id=order.evaluation_id,
            department_code=order.department_code,
            item_code=order.item_code,
            state=order.state,
            due_date=order.due_date,
            overdue=service.is_overdue(order),
            created_at=order.created_at,
            closed_at=order.closed_at,
            steps=[StepOut.of(s) for s in order.steps],
        )


class OrderDetailOut(OrderOut):
    level: EvaluationLevel
    comment: str | None = Field(description="The resident's words, with ID numbers and phones masked.")

    @classmethod
    def detail(cls, order: RectificationOrder) -> OrderDetailOut:
        evaluation: Evaluation = order.evaluation
        return cls(
            **OrderOut.of(order).model_dump(),
            level=evaluation.level,
            comment=pii.scrub(evaluation.comment) if evaluation.comment else None,
        )


class OrdersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: RectificationState | None = None
    department_code: str | None = Field(default=None, pattern=CODE)
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=100_000)


class OrdersOut(BaseModel):
    items: list[OrderOut]
    total: int
    limit: int
    offset: int


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["revisit", "reassign", "supervise", "rectify", "approve", "reject"] = Field(
        description="回访 revisit → 转派 reassign → 督办 supervise → 整改 rectify → 审核 approve | reject."
    )
    note: str = Field(min_length=1, max_length=500)
    department_code: str | None = Field(
        default=None, pattern=CODE, description="For `reassign`: the responsible department."
    )


class StatisticsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_code: str | None = Field(default=None, pattern=CODE)
    item_code: str | None = Field(default=None, pattern=CODE)


class TallyOut(BaseModel):
    department_code: str
    item_code: str
    counts: dict[EvaluationLevel, int]
    total: int
    bad: int = Field(description="差评: dissatisfied and very dissatisfied.")
    satisfaction_rate: float = Field(description="Share of ratings that are not 差评, 0..1.")

    @classmethod
    def of(cls, tally: service.Tally) -> TallyOut:
        return cls(
            department_code=tally.department_code,
            item_code=tally.item_code,
            counts=tally.counts,
            total=tally.total,
            bad=tally.bad,
            satisfaction_rate=tally.satisfaction_rate,
        )


class StatisticsOut(BaseModel):
    items: list[TallyOut]
