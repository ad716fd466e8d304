"""Rehabilitation aid for disabled children (残疾儿童康复救助): seed 001, 汕府办〔2019〕21号.

Lines are cited as L in 001_*.txt. Pure rules, no I/O: eligibility (Arts. 5-6, L799-804), the
aid items and their amounts as data (Art. 8, L810-834), and the amount calculator for staff.

The amounts are the province's minimums; a county may pay more, never less (Art. 7, L808), and
"有条件的地区可扩大残疾儿童康复救助年龄范围" (L799): both are fields of
:class:`RehabilitationPolicy`, so a county's figures are a different policy, not different code.

Readings the seed leaves open, made explicit here:

* Age is counted on 31 August of the year the application is made ("截至申请康复救助当年度的
  8 月 31 日止年龄不满 7 周岁"). A child born on 1 September 2019 is 6 on 31 August 2026.
* Cochlear implants are "为 1-6 岁": the lower bound is checked on the application date (a child
  must be one year old to be implanted), the upper one by the general 31 August rule.
* The cap "医保报销后个人支付部分低于补助标准的，按个人实际支付费用给予补助" applies to the
  surgery part only; the limb correction's 6,000 yuan for devices and training is paid as is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.aid import NamedRule, cmp, failed_rules
from domain.aid.errors import (
    RehabilitationAgeExceeded,
    RehabilitationAgeTooYoung,
    RehabilitationCourseTooSoon,
    RehabilitationItemNotForDisability,
    RehabilitationMonthsExceeded,
    RehabilitationMonthsRequired,
    RehabilitationPartTimeNotEligible,
    RehabilitationSelfPayRequired,
    RehabilitationStandardExternal,
)
from domain.identity.errors import IdNumberInvalid
from domain.identity.service import age_on, birth_date_of

YUAN = 100  # fen


class DisabilityType(StrEnum):
    """Art. 5 (L799): 视力、听力、言语、智力、肢体残疾 and 孤独症."""

    VISION = "vision"
    HEARING = "hearing"
    SPEECH = "speech"
    INTELLECTUAL = "intellectual"
    LIMB = "limb"
    AUTISM = "autism"


class RehabilitationItem(StrEnum):
    COCHLEAR_IMPLANT = "cochlear_implant"  # 人工耳蜗植入 (L814)
    COCHLEAR_IMPLANT_NATIONAL = "cochlear_implant_national"  # 国家人工耳蜗救助项目 (L814)
    LIMB_CORRECTION = "limb_correction"  # 肢体残疾矫治 (L816)
    ASSISTIVE_DEVICES = "assistive_devices"  # 辅助器具适配 (L820)
    LOW_VISION_BASIC = "low_vision_basic"  # 视力 (1) (L824)
    LOW_VISION_TRAINING = "low_vision_training"  # 视力 (2) (L824)
    BLIND_ORIENTATION = "blind_orientation"  # 视力 (3) 定向行走 (L824)
    FULL_TIME_TRAINING = "full_time_training"  # 全日制康复训练 (L826)
    PART_TIME_TRAINING = "part_time_training"  # 非全日制康复训练 (L826)


class Institution(StrEnum):
    """L828: 公办 means a 公益一类 institution; 公益二类/三类 count as non-public."""

    PUBLIC = "public"
    NON_PUBLIC = "non_public"


_TRAINED = frozenset(
    {
        DisabilityType.HEARING,
        DisabilityType.SPEECH,
        DisabilityType.INTELLECTUAL,
        DisabilityType.LIMB,
        DisabilityType.AUTISM,
    }
)


@dataclass(frozen=True)
class Standard:
    """One aid item's subsidy: a one-off sum, a monthly rate by institution, or another document's."""

    types: frozenset[DisabilityType]
    line: int
    once_fen: int | None = None  # one-off, capped at what the family paid when ``capped``
    capped: bool = False
    extra_fen: int = 0  # paid on top, not capped (limb correction's devices and training)
    monthly_fen: Mapping[Institution, int] = field(default_factory=dict)
    max_months: int | None = None
    every_years: int | None = None  # 限 N 年 1 次
    min_age: int | None = None
    external: bool = False  # amount set by another document


STANDARDS: Mapping[RehabilitationItem, Standard] = {
    RehabilitationItem.COCHLEAR_IMPLANT: Standard(
        frozenset({DisabilityType.HEARING}), 814, once_fen=15_000 * YUAN, capped=True, min_age=1
    ),
    RehabilitationItem.COCHLEAR_IMPLANT_NATIONAL: Standard(
        frozenset({DisabilityType.HEARING}), 814, once_fen=15_000 * YUAN, min_age=1
    ),
    RehabilitationItem.LIMB_CORRECTION: Standard(
        frozenset({DisabilityType.LIMB}), 816, once_fen=10_000 * YUAN, capped=True, extra_fen=6_000 * YUAN
    ),
    RehabilitationItem.ASSISTIVE_DEVICES: Standard(frozenset(DisabilityType), 820, external=True),
    RehabilitationItem.LOW_VISION_BASIC: Standard(
        frozenset({DisabilityType.VISION}), 824, once_fen=1_500 * YUAN, every_years=3
    ),
    RehabilitationItem.LOW_VISION_TRAINING: Standard(
        frozenset({DisabilityType.VISION}),
        824,
        monthly_fen={Institution.PUBLIC: 2_000 * YUAN, Institution.NON_PUBLIC: 2_000 * YUAN},
        max_months=10,
    ),
    RehabilitationItem.BLIND_ORIENTATION: Standard(
        frozenset({DisabilityType.VISION}), 824, once_fen=3_000 * YUAN, every_years=5
    ),
    RehabilitationItem.FULL_TIME_TRAINING: Standard(
        _TRAINED,
        826,
        monthly_fen={Institution.PUBLIC: 1_200 * YUAN, Institution.NON_PUBLIC: 2_000 * YUAN},
        max_months=10,
    ),
    RehabilitationItem.PART_TIME_TRAINING: Standard(
        _TRAINED,
        826,
        monthly_fen={Institution.PUBLIC: 600 * YUAN, Institution.NON_PUBLIC: 1_000 * YUAN},
        max_months=10,
    ),
}


@dataclass(frozen=True)
class RehabilitationPolicy:
    age_limit: int = 7  # 不满 7 周岁 (L799)
    cutoff_month: int = 8
    cutoff_day: int = 31
    part_time_age_limit: int = 3  # 3 岁以下 (L826)
    review_working_days: int = 10  # L850, also in the workflow definition
    standards: Mapping[RehabilitationItem, Standard] = field(default_factory=lambda: STANDARDS)

    def cutoff(self, year: int) -> dt.date:
        return dt.date(year, self.cutoff_month, self.cutoff_day)


POLICY = RehabilitationPolicy()


# -- eligibility (Arts. 5-6) ----------------------------------------------------------------------


def age_on_cutoff(id_number: str, applied_on: dt.date, policy: RehabilitationPolicy = POLICY) -> int:
    """The child's age on 31 August of the application year, from the ID number's birth date."""
    born = birth_date_of(id_number)
    if born > applied_on:
        raise IdNumberInvalid(details={"reason": "born_after_application"})
    return age_on(born, policy.cutoff(applied_on.year))


def eligibility_rules(policy: RehabilitationPolicy = POLICY) -> list[NamedRule]:
    """Arts. 5-6 as rules over the application form (``derived_facts`` adds the age)."""
    return [
        NamedRule("age_under_limit", "5", 799, cmp("age_on_31_august", "lt", policy.age_limit)),
        NamedRule(
            "disability_type", "5", 799, cmp("disability_type", "in", [t.value for t in DisabilityType])
        ),
        # Art. 5: 汕尾市户籍; Art. 6 (L804) extends the aid to holders of a Shanwei residence permit.
        NamedRule("residence", "5, 6", 804, cmp("residence", "in", ["hukou", "residence_permit"])),
        NamedRule(
            "disability_proof",
            "5(1)",
            801,
            {"any": [cmp("has_disability_certificate", "eq", True), cmp("has_diagnosis", "eq", True)]},
        ),
        NamedRule("rehabilitation_indicated", "5(2)", 802, cmp("rehabilitation_indicated", "eq", True)),
    ]


def derived_facts(
    form: Mapping[str, Any], applied_on: dt.date, policy: RehabilitationPolicy = POLICY
) -> dict[str, Any]:
    """``form`` with ``age_on_31_august`` computed from ``child_id_number`` (when it is valid)."""
    facts = dict(form)
    id_number = form.get("child_id_number")
    if isinstance(id_number, str):
        # An invalid number proves no age: the age rule then fails for want of one.
        with suppress(IdNumberInvalid):
            facts["age_on_31_august"] = age_on_cutoff(id_number, applied_on, policy)
    return facts


def eligibility(
    form: Mapping[str, Any], applied_on: dt.date, policy: RehabilitationPolicy = POLICY
) -> list[str]:
    """The codes of the rules an application fails (empty: eligible under Arts. 5-6)."""
    return failed_rules(eligibility_rules(policy), derived_facts(form, applied_on, policy))


# -- amounts (Art. 8) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountRequest:
    child_id_number: str
    applied_on: dt.date
    disability_type: DisabilityType
    item: RehabilitationItem
    institution: Institution = Institution.PUBLIC
    months: int | None = None
    months_already: int = 0  # months subsidised earlier in the same aid year
    self_pay_fen: int | None = None  # after basic medical insurance (surgery items)
    last_course_on: dt.date | None = None  # the last time this course was subsidised
    in_mainstream_school: bool = False  # 普通幼儿教育、普通小学教育 (part-time training)


@dataclass(frozen=True)
class Amount:
    item: RehabilitationItem
    age_on_31_august: int
    cutoff: dt.date
    amount_fen: int
    surgery_fen: int = 0
    extra_fen: int = 0
    monthly_fen: int | None = None
    months: int | None = None
    device_in_kind: bool = False  # the national programme gives the implant itself


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the period ends on 1 March
        return dt.date(day.year + years, 3, 1)


def amount(request: AmountRequest, policy: RehabilitationPolicy = POLICY) -> Amount:
    """The subsidy for one aid item, in fen, or the rule of Arts. 5 and 8 that refuses it."""
    standard = policy.standards[request.item]
    cutoff = policy.cutoff(request.applied_on.year)
    age = age_on_cutoff(request.child_id_number, request.applied_on, policy)
    if age >= policy.age_limit:
        raise RehabilitationAgeExceeded(
            details={"age": age, "limit": policy.age_limit, "on": cutoff.isoformat()}
        )
    if request.disability_type not in standard.types:
        raise RehabilitationItemNotForDisability(
            details={
                "item": request.item.value,
                "disability_type": request.disability_type.value,
                "allowed": sorted(t.value for t in standard.types),
            }
        )
    age_now = age_on(birth_date_of(request.child_id_number), request.applied_on)
    if standard.min_age is not None and age_now < standard.min_age:
        raise RehabilitationAgeTooYoung(details={"age": age_now, "minimum": standard.min_age})
    if standard.external:
        raise RehabilitationStandardExternal(details={"basis": "粤残联〔2018〕6号"})
    if request.item is RehabilitationItem.PART_TIME_TRAINING and not (
        age_now < policy.part_time_age_limit or request.in_mainstream_school
    ):
        raise RehabilitationPartTimeNotEligible(details={"age": age_now})
    if standard.every_years is not None and request.last_course_on is not None:
        next_on = _years_after(request.last_course_on, standard.every_years)
        if request.applied_on < next_on:
            raise RehabilitationCourseTooSoon(
                details={"years": standard.every_years, "next_on": next_on.isoformat()}
            )
    base = Amount(item=request.item, age_on_31_august=age, cutoff=cutoff, amount_fen=0)
    if standard.monthly_fen:
        return _monthly(request, standard, base)
    assert standard.once_fen is not None  # every non-external standard has one or the other
    surgery = standard.once_fen
    if standard.capped:
        if request.self_pay_fen is None:
            raise RehabilitationSelfPayRequired(details={"field": "self_pay_fen"})
        surgery = min(surgery, request.self_pay_fen)
    return Amount(
        item=base.item,
        age_on_31_august=age,
        cutoff=cutoff,
        amount_fen=surgery + standard.extra_fen,
        surgery_fen=surgery,
        extra_fen=standard.extra_fen,
        device_in_kind=request.item is RehabilitationItem.COCHLEAR_IMPLANT_NATIONAL,
    )


def _monthly(request: AmountRequest, standard: Standard, base: Amount) -> Amount:
    if request.months is None:
        raise RehabilitationMonthsRequired(details={"field": "months"})
    limit = standard.max_months or 0
    if request.months + request.months_already > limit:
        raise RehabilitationMonthsExceeded(
            details={"months": request.months, "already": request.months_already, "limit": limit}
        )
    rate = standard.monthly_fen[request.institution]
    return Amount(
        item=base.item,
        age_on_31_august=base.age_on_31_august,
        cutoff=base.cutoff,
        amount_fen=rate * request.months,
        monthly_fen=rate,
        months=request.months,
    )
