"""Bodies of the staff case API. Cases render with the applications schemas (staff view)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from domain.applications.queues import DepartmentDeadlines, OverdueReport


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)
    reasons: list[str] = Field(
        default_factory=list, max_length=20, description="Reasons (refusal, supplement)."
    )
    attachments: list[int] = Field(
        default_factory=list, max_length=20, description="Ids of materials of this case the step refers to."
    )


class SupplementIn(ActionIn):
    supplement_due_on: dt.date = Field(description="The applicant's deadline: a working day within 60 days.")


class DepartmentDeadlinesOut(BaseModel):
    department: str
    open: int
    yellow: int
    red: int
    past_legal_limit: int
    stage_overdue: int
    overdue_numbers: list[str]

    @classmethod
    def of(cls, d: DepartmentDeadlines) -> DepartmentDeadlinesOut:
        return cls(**d.__dict__)


class OverdueReportOut(BaseModel):
    day: dt.date
    calendar_known: dict[str, bool] = Field(
        description="Per year: false means the holidays are not known yet and Monday–Friday were counted."
    )
    departments: list[DepartmentDeadlinesOut]

    @classmethod
    def of(cls, r: OverdueReport) -> OverdueReportOut:
        return cls(
            day=r.day,
            calendar_known={str(year): known for year, known in r.calendar_known.items()},
            departments=[DepartmentDeadlinesOut.of(d) for d in r.departments],
        )
