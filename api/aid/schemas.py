"""The aid calculators' request and response bodies. Every amount is whole fen."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api._kit import Day
from domain.aid import medical as med
from domain.aid import rehabilitation as rehab
from domain.aid.errors import AidExpenseFlagUnknown, ChildIdNumberInvalid
from domain.identity.errors import IdNumberInvalid
from domain.identity.service import normalize_id_number

# A billion yuan: far above any medical bill, far below anything that could overflow a column.
MAX_FEN = 100_000_000_000
# strict: 12.5 or "100" is a wrong type, not a number to be rounded or parsed.
Fen = Annotated[int, Field(strict=True, ge=0, le=MAX_FEN)]
_FLAGS = frozenset((*med.EXCLUSION_CODES, *med.EXCEPTION_FLAGS))


def _known_flag(value: str) -> str:
    if value not in _FLAGS:
        raise AidExpenseFlagUnknown(details={"allowed": sorted(_FLAGS)})
    return value


def _id_number(value: str) -> str:
    try:
        return normalize_id_number(value)
    except IdNumberInvalid:
        raise ChildIdNumberInvalid() from None


ExpenseFlag = Annotated[str, Field(max_length=40), AfterValidator(_known_flag)]
IdNumber = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_id_number)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- medical aid --------------------------------------------------------------------------------


class ExpenseIn(_Body):
    amount_fen: Fen = Field(description="In-scope self-pay of this bill (政策范围内个人自付), fen.")
    care: med.Care
    flags: list[ExpenseFlag] = Field(
        default_factory=list,
        max_length=len(_FLAGS),
        description="Causes that are true: exclusions of Arts. 2, 16 and 21, and their exceptions "
        "(`mental_illness`, `emergency_rescue`).",
    )

    def to_domain(self) -> med.Expense:
        return med.Expense(amount_fen=self.amount_fen, care=self.care, flags=frozenset(self.flags))


class MemberIn(_Body):
    expenses: list[ExpenseIn] = Field(max_length=500)
    deductions_fen: Fen = Field(
        0, description="Art. 10 only: insurance deductible + class B drugs + 大病保险 threshold."
    )
    basic_paid_fen: Fen = Field(0, description="Basic aid already paid to this person this aid year.")
    catastrophic_paid_fen: Fen = Field(0, description="Catastrophic-illness aid already paid this aid year.")

    def to_domain(self) -> med.MemberClaim:
        return med.MemberClaim(
            expenses=tuple(e.to_domain() for e in self.expenses),
            deductions_fen=self.deductions_fen,
            basic_paid_fen=self.basic_paid_fen,
            catastrophic_paid_fen=self.catastrophic_paid_fen,
        )


class MedicalPayoutIn(_Body):
    category: med.MedicalAidCategory
    members: list[MemberIn] = Field(min_length=1, max_length=20)
    pool_family: bool = Field(False, description="Combine co-resident members' costs (Arts. 10, 11).")
    catastrophic_reading: med.CatastrophicReading | None = Field(
        None, description="Art. 11's reading; the scheme's configured one when left out."
    )


class ExcludedOut(BaseModel):
    member: int
    expense: int
    reasons: list[str]


class MemberOut(BaseModel):
    counted_fen: int
    base_fen: int
    basic_fen: int | None


class MedicalPayoutOut(BaseModel):
    category: med.MedicalAidCategory
    article_3_class: int
    rate_percent: int
    pooled: bool
    catastrophic_reading: med.CatastrophicReading
    members: list[MemberOut]
    excluded: list[ExcludedOut]
    basic_fen: int
    basic_cap_left_fen: int | None
    remaining_burden_fen: int
    catastrophic_applies: bool
    catastrophic_threshold_fen: int | None
    catastrophic_fen: int
    catastrophic_cap_left_fen: int
    total_fen: int

    @classmethod
    def of(cls, p: med.Payout) -> MedicalPayoutOut:
        return cls(
            category=p.category,
            article_3_class=p.category.article_3_class,
            rate_percent=p.rate_percent,
            pooled=p.pooled,
            catastrophic_reading=p.reading,
            members=[
                MemberOut(counted_fen=m.counted_fen, base_fen=m.base_fen, basic_fen=m.basic_fen)
                for m in p.members
            ],
            excluded=[
                ExcludedOut(member=x.member, expense=x.expense, reasons=list(x.reasons)) for x in p.excluded
            ],
            basic_fen=p.basic_fen,
            basic_cap_left_fen=p.basic_cap_left_fen,
            remaining_burden_fen=p.remaining_burden_fen,
            catastrophic_applies=p.catastrophic_applies,
            catastrophic_threshold_fen=p.catastrophic_threshold_fen,
            catastrophic_fen=p.catastrophic_fen,
            catastrophic_cap_left_fen=p.catastrophic_cap_left_fen,
            total_fen=p.total_fen,
        )


# -- rehabilitation aid ---------------------------------------------------------------------------


class RehabilitationAmountIn(_Body):
    child_id_number: IdNumber
    applied_on: Day | None = Field(None, description="The application date; today (China) when left out.")
    disability_type: rehab.DisabilityType
    item: rehab.RehabilitationItem
    institution: rehab.Institution = rehab.Institution.PUBLIC
    months: int | None = Field(None, strict=True, ge=1, le=12)
    months_already: int = Field(0, strict=True, ge=0, le=12)
    self_pay_fen: Fen | None = None
    last_course_on: Day | None = None
    in_mainstream_school: bool = False

    def to_domain(self, today: dt.date) -> rehab.AmountRequest:
        return rehab.AmountRequest(
            child_id_number=self.child_id_number,
            applied_on=self.applied_on or today,
            disability_type=self.disability_type,
            item=self.item,
            institution=self.institution,
            months=self.months,
            months_already=self.months_already,
            self_pay_fen=self.self_pay_fen,
            last_course_on=self.last_course_on,
            in_mainstream_school=self.in_mainstream_school,
        )


class RehabilitationAmountOut(BaseModel):
    item: rehab.RehabilitationItem
    age_on_31_august: int
    cutoff: dt.date
    amount_fen: int
    surgery_fen: int
    extra_fen: int
    monthly_fen: int | None
    months: int | None
    device_in_kind: bool

    @classmethod
    def of(cls, a: rehab.Amount) -> RehabilitationAmountOut:
        return cls(
            item=a.item,
            age_on_31_august=a.age_on_31_august,
            cutoff=a.cutoff,
            amount_fen=a.amount_fen,
            surgery_fen=a.surgery_fen,
            extra_fen=a.extra_fen,
            monthly_fen=a.monthly_fen,
            months=a.months,
            device_in_kind=a.device_in_kind,
        )
