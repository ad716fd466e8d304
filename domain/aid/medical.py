"""Medical aid (医疗救助): seed 000, 清新府办〔2018〕16号 (lines cited as L in 000_*.txt).

Pure rules, no I/O: the eligibility categories (Art. 3), the household property test (Art. 5),
the exclusions (Arts. 2, 16, 21), and the payout calculator (Arts. 7-11). Each rule exists once,
as data, and is offered two ways: as a Python function the calculator and tests call, and in the
catalogue's condition format (``domain.catalog.conditions``) for the item's form and 秒批 rules.

Money is in fen (integers). A share of a sum is rounded down to the fen: aid never pays more
than the rate allows.

Two readings the seed leaves open, made explicit here:

* Art. 11 "个人实际负担部分累计仍超过 10000 元的，按实际负担部分 50% 给予救助" may mean 50 % of the
  whole remaining burden (the literal reading, the default) or 50 % of the part above the
  threshold. :class:`CatastrophicReading` names both; the policy picks one and a staff calculation
  may ask for the other.
* Family pooling (Arts. 10 and 11: "年度内个人自付医疗费用可合并计算") combines the pooled members'
  figures before the rate and the threshold apply. The caps stay "每人每年", so a pooled claim's
  cap is the sum of its members' remaining caps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from domain.aid import NamedRule, cmp, failed_rules
from domain.aid.errors import AidDeductionsNotApplicable, AidPaidExceedsCap, AidPoolingNotAllowed

YUAN = 100  # fen


class MedicalAidCategory(StrEnum):
    """Art. 3's classes (L281-295); class (一) names three groups, kept apart for the records."""

    DIBAO = "dibao"  # (一) 城乡最低生活保障家庭
    REGISTERED_POVERTY = "registered_poverty"  # (一) 建档立卡中非低保（特困或孤儿）的贫困对象
    UNSUPPORTED_CHILD = "unsupported_child"  # (一) 事实无人抚养儿童
    TEKUN = "tekun"  # (二) 特困供养人员
    LOW_INCOME = "low_income"  # (三) 低收入家庭的老年人、未成年人、重度残疾人和重病患者
    ILLNESS_POVERTY = "illness_poverty"  # (四) 因病致贫家庭重病患者
    OTHER_SPECIAL = "other_special"  # (五) 经区政府认定的其他特殊困难人员

    @property
    def article_3_class(self) -> int:
        return _CLASS[self]


_CLASS = {
    MedicalAidCategory.DIBAO: 1,
    MedicalAidCategory.REGISTERED_POVERTY: 1,
    MedicalAidCategory.UNSUPPORTED_CHILD: 1,
    MedicalAidCategory.TEKUN: 2,
    MedicalAidCategory.LOW_INCOME: 3,
    MedicalAidCategory.ILLNESS_POVERTY: 4,
    MedicalAidCategory.OTHER_SPECIAL: 5,
}
CLASS_1 = frozenset(c for c, n in _CLASS.items() if n == 1)
# Art. 5 (L301): the property test applies to classes (三), (四) and (五).
PROPERTY_TESTED = frozenset(c for c, n in _CLASS.items() if n >= 3)
# Art. 15(1) (L377): people already on file with civil affairs go straight to the district.
ON_FILE = frozenset(c for c, n in _CLASS.items() if n <= 2)


class LowIncomeGroup(StrEnum):
    """Art. 3(三) (L287): who in a low-income family may be aided."""

    ELDERLY = "elderly"
    MINOR = "minor"
    SEVERELY_DISABLED = "severely_disabled"
    SERIOUSLY_ILL = "seriously_ill"


class Care(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    SPECIAL_OUTPATIENT = "special_outpatient"  # 特殊门诊


class CatastrophicReading(StrEnum):
    """The two readings of Art. 11's "按实际负担部分 50%" (L341, L343)."""

    WHOLE_BURDEN = "whole_burden"  # 50 % of the whole remaining burden (literal)
    ABOVE_THRESHOLD = "above_threshold"  # 50 % of the part above 10,000 / 20,000 yuan


@dataclass(frozen=True)
class CategoryRule:
    """Arts. 7-11 for one category: basic rate, yearly cap, care counted, catastrophic threshold."""

    rate_percent: int
    cap_fen: int | None  # None: 全额救助 without a cap (Art. 8)
    care: frozenset[Care]
    catastrophic_threshold_fen: int | None  # None: Art. 11 does not name the class
    deductions: bool = False  # Art. 10's deductible, class B drugs and 大病保险 threshold


_ALL_CARE = frozenset(Care)
_HOSPITAL_CARE = frozenset({Care.INPATIENT, Care.SPECIAL_OUTPATIENT})
_CLASS_1_RULE = CategoryRule(80, 50_000 * YUAN, _ALL_CARE, 10_000 * YUAN)  # Art. 7 L325, Art. 11(一)
_CLASS_4_5_RULE = CategoryRule(70, 50_000 * YUAN, _HOSPITAL_CARE, 20_000 * YUAN, deductions=True)


@dataclass(frozen=True)
class MedicalAidPolicy:
    """The scheme's figures. The dibao standard is not in the seed: set it from the yearly notice."""

    rules: Mapping[MedicalAidCategory, CategoryRule]
    catastrophic_rate_percent: int = 50  # Art. 11 L341, L343
    catastrophic_cap_fen: int = 30_000 * YUAN  # Art. 11: 每人全年累计 ≤ 30000 元
    catastrophic_reading: CatastrophicReading = CatastrophicReading.WHOLE_BURDEN
    # 清新区城镇最低生活保障标准 per person per month. Illustrative only (the seed gives no figure).
    urban_dibao_monthly_fen: int = 650 * YUAN
    low_income_multiple_percent: int = 150  # Art. 3(三): 1.5 倍以内
    property_months: int = 12  # Art. 5(二)(四)(六): 12 个月城镇最低生活保障标准
    illness_poverty_share_percent: int = 60  # Art. 3(四): 达到或超过 60%
    houses_max: int = 1  # Art. 5(一)
    non_local_insured_months: int = 24  # Art. 3(四): 连续参加基本医疗保险满 2 年

    @property
    def property_limit_fen(self) -> int:
        return self.property_months * self.urban_dibao_monthly_fen

    @property
    def low_income_limit_fen(self) -> int:
        # Incomes are whole fen, so "≤ 1.5 × standard" is "≤ the standard's 1.5 × rounded down".
        return self.urban_dibao_monthly_fen * self.low_income_multiple_percent // 100


POLICY = MedicalAidPolicy(
    rules={
        MedicalAidCategory.DIBAO: _CLASS_1_RULE,
        MedicalAidCategory.REGISTERED_POVERTY: _CLASS_1_RULE,
        MedicalAidCategory.UNSUPPORTED_CHILD: _CLASS_1_RULE,
        MedicalAidCategory.TEKUN: CategoryRule(100, None, _ALL_CARE, None),  # Art. 8 L329
        MedicalAidCategory.LOW_INCOME: CategoryRule(
            75, 50_000 * YUAN, _HOSPITAL_CARE, 10_000 * YUAN
        ),  # Art. 9
        MedicalAidCategory.ILLNESS_POVERTY: _CLASS_4_5_RULE,  # Art. 10 L333, Art. 11(二) L343
        MedicalAidCategory.OTHER_SPECIAL: _CLASS_4_5_RULE,
    }
)


def _only_for(categories: Iterable[MedicalAidCategory], *conditions: dict[str, Any]) -> dict[str, Any]:
    """A rule that binds only applicants of ``categories``: anyone else passes it."""
    others = cmp("category", "not_in", sorted(c.value for c in categories))
    if len(conditions) > 1:
        return {"any": [others, {"all": list(conditions)}]}
    # An "any" inside an "any" is flattened: documents have a nesting limit (catalog.schema).
    inner = conditions[0]
    return {"any": [others, *inner["any"]]} if "any" in inner else {"any": [others, inner]}


# -- exclusions (Arts. 2, 16, 21) -----------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """An expense flagged with ``code`` is not aided, unless it is also flagged ``unless``."""

    code: str
    article: str
    line: int
    unless: str | None = None

    @property
    def rule(self) -> NamedRule:
        passes = cmp(self.code, "ne", True)
        if self.unless:
            passes = {"any": [passes, cmp(self.unless, "eq", True)]}
        return NamedRule(f"not_{self.code}", self.article, self.line, passes)


EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion("covered_by_special_scheme", "2", 279),  # 特定重大疾病、传染病 with their own rules
    Exclusion("own_illegal_act", "16(1)", 399),
    Exclusion("third_party_liable", "16(2)", 400),  # 交通事故、工伤事故、医疗事故
    Exclusion("self_inflicted", "16(3)", 401, unless="mental_illness"),  # 酗酒、斗殴、自杀、互杀、自伤
    Exclusion("cosmetic", "16(4)", 402),  # 整容、美容、镶牙
    Exclusion("unapproved_nominal_stay", "16(5)", 403),  # 挂床住院、家庭病床
    Exclusion("outside_insurance_catalogue", "16(6)", 404),
    Exclusion("non_designated_without_procedure", "16(7)", 405, unless="emergency_rescue"),
    Exclusion("after_discharge_notice", "21", 417),  # 无正当理由拒绝出院
)
EXCLUSION_CODES = tuple(e.code for e in EXCLUSIONS)
EXCEPTION_FLAGS = tuple(e.unless for e in EXCLUSIONS if e.unless)


@dataclass(frozen=True)
class Expense:
    """One medical bill's in-scope self-pay (政策范围内个人自付), with what is known about its cause."""

    amount_fen: int
    care: Care
    flags: frozenset[str] = frozenset()  # exclusion codes and exception flags that are true

    def as_facts(self) -> dict[str, Any]:
        return {name: name in self.flags for name in (*EXCLUSION_CODES, *EXCEPTION_FLAGS)}


def exclusions_of(expense: Expense) -> list[str]:
    """The exclusion codes that keep ``expense`` out of medical aid (empty: it counts)."""
    return [
        e.code for e in EXCLUSIONS if e.code in expense.flags and not (e.unless and e.unless in expense.flags)
    ]


def exclusion_rules() -> list[NamedRule]:
    """The exclusions as rule checks for one expense's facts (each passes when it does not apply)."""
    return [e.rule for e in EXCLUSIONS]


# -- household property test (Art. 5) -------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdProperty:
    """What the co-resident family members own (Art. 5, L303-315); money per capita, in fen."""

    houses: int
    deposits_per_capita_fen: int
    has_vehicle_or_ship: bool  # disabled people's mobility scooters and motorcycles do not count
    securities_per_capita_fen: int  # securities, funds, paintings and other collectibles
    owns_for_profit_business: bool

    def as_facts(self) -> dict[str, Any]:
        return {
            "houses": self.houses,
            "deposits_per_capita_fen": self.deposits_per_capita_fen,
            "has_vehicle_or_ship": self.has_vehicle_or_ship,
            "securities_per_capita_fen": self.securities_per_capita_fen,
            "owns_for_profit_business": self.owns_for_profit_business,
            **derived_property_facts(self.deposits_per_capita_fen, self.securities_per_capita_fen),
        }


def derived_property_facts(deposits_fen: Any, securities_fen: Any) -> dict[str, Any]:
    """Art. 5(六) compares a sum, which the condition format cannot add: the form carries it derived."""
    if isinstance(deposits_fen, int) and isinstance(securities_fen, int):
        return {"deposits_and_securities_per_capita_fen": deposits_fen + securities_fen}
    return {}


def property_rules(policy: MedicalAidPolicy = POLICY) -> list[NamedRule]:
    """Art. 5's six tests, all of which must hold (需同时符合下列所有标准)."""
    limit = policy.property_limit_fen
    return [
        NamedRule("property_houses", "5(1)", 303, cmp("houses", "le", policy.houses_max)),
        NamedRule("property_deposits", "5(2)", 305, cmp("deposits_per_capita_fen", "le", limit)),
        NamedRule("property_vehicles", "5(3)", 307, cmp("has_vehicle_or_ship", "eq", False)),
        NamedRule("property_securities", "5(4)", 309, cmp("securities_per_capita_fen", "le", limit)),
        NamedRule("property_business", "5(5)", 313, cmp("owns_for_profit_business", "eq", False)),
        NamedRule(
            "property_combined", "5(6)", 315, cmp("deposits_and_securities_per_capita_fen", "le", limit)
        ),
    ]


def property_test(household: HouseholdProperty, policy: MedicalAidPolicy = POLICY) -> list[str]:
    """The codes of Art. 5's tests ``household`` fails (empty: it passes)."""
    return failed_rules(property_rules(policy), household.as_facts())


# -- eligibility (Art. 3) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """What the application says about the person (Art. 3) and their household (Art. 5)."""

    category: MedicalAidCategory
    local_hukou: bool = True
    low_income_group: LowIncomeGroup | None = None
    monthly_income_per_capita_fen: int | None = None  # (三): 家庭月人均可支配收入
    self_pay_past_year_fen: int | None = None  # (四): 过去一年住院和特殊门诊合规自付
    household_annual_income_fen: int | None = None  # (四): 家庭年可支配总收入
    works_in_district: bool = False  # (四) non-local: 在本区就业或创业
    residence_permit: bool = False  # 有效的《广东省居住证》
    fixed_residence: bool = False
    insured_months_in_district: int = 0  # 连续参加基本医疗保险
    college_student_insured_here: bool = False  # 全日制普通高校在校学生, 当月正常享受待遇
    recognised_by_district: bool = False  # (五) 经区政府认定
    household: HouseholdProperty | None = None

    def as_facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "category": self.category.value,
            "local_hukou": self.local_hukou,
            "low_income_group": self.low_income_group.value if self.low_income_group else None,
            "monthly_income_per_capita_fen": self.monthly_income_per_capita_fen,
            "self_pay_past_year_fen": self.self_pay_past_year_fen,
            "household_annual_income_fen": self.household_annual_income_fen,
            "works_in_district": self.works_in_district,
            "residence_permit": self.residence_permit,
            "fixed_residence": self.fixed_residence,
            "insured_months_in_district": self.insured_months_in_district,
            "college_student_insured_here": self.college_student_insured_here,
            "recognised_by_district": self.recognised_by_district,
        }
        facts.update(derived_share_facts(self.self_pay_past_year_fen, self.household_annual_income_fen))
        if self.household is not None:
            facts.update(self.household.as_facts())
        return {k: v for k, v in facts.items() if v is not None}


def derived_share_facts(self_pay_fen: Any, income_fen: Any) -> dict[str, Any]:
    """Art. 3(四) compares self-pay with 60 % of income: the form carries the share in per mille."""
    if not (isinstance(self_pay_fen, int) and isinstance(income_fen, int)) or self_pay_fen <= 0:
        return {}
    # No income at all: any self-pay is a share beyond every threshold.
    share = self_pay_fen * 1000 // income_fen if income_fen > 0 else 1_000_000
    return {"self_pay_share_of_income_permille": share}


def derived_facts(form: Mapping[str, Any]) -> dict[str, Any]:
    """``form`` with the derived fields the rules read (sums and shares the format cannot compute)."""
    return {
        **form,
        **derived_property_facts(form.get("deposits_per_capita_fen"), form.get("securities_per_capita_fen")),
        **derived_share_facts(form.get("self_pay_past_year_fen"), form.get("household_annual_income_fen")),
    }


def eligibility_rules(policy: MedicalAidPolicy = POLICY) -> list[NamedRule]:
    """Art. 3's conditions per category, then Art. 5 for the categories it applies to."""
    low_income, illness = [MedicalAidCategory.LOW_INCOME], [MedicalAidCategory.ILLNESS_POVERTY]
    non_local_worker = {
        "all": [
            cmp("works_in_district", "eq", True),
            cmp("residence_permit", "eq", True),
            cmp("fixed_residence", "eq", True),
            cmp("insured_months_in_district", "ge", policy.non_local_insured_months),
        ]
    }
    rules = [
        NamedRule(
            "category_known", "3", 281, cmp("category", "in", sorted(c.value for c in MedicalAidCategory))
        ),
        NamedRule(
            "low_income_group",
            "3(3)",
            287,
            _only_for(low_income, cmp("low_income_group", "in", sorted(g.value for g in LowIncomeGroup))),
        ),
        NamedRule(
            "low_income_income",
            "3(3)",
            287,
            _only_for(low_income, cmp("monthly_income_per_capita_fen", "le", policy.low_income_limit_fen)),
        ),
        NamedRule(
            "illness_poverty_share",
            "3(4)",
            289,
            _only_for(
                illness,
                cmp("self_pay_share_of_income_permille", "ge", policy.illness_poverty_share_percent * 10),
            ),
        ),
        NamedRule(
            "illness_poverty_residence",
            "3(4)",
            291,
            _only_for(
                illness,
                {
                    "any": [
                        cmp("local_hukou", "eq", True),
                        non_local_worker,
                        cmp("college_student_insured_here", "eq", True),
                    ]
                },
            ),
        ),
        NamedRule(
            "other_special_recognised",
            "3(5)",
            295,
            _only_for([MedicalAidCategory.OTHER_SPECIAL], cmp("recognised_by_district", "eq", True)),
        ),
    ]
    # Classes (一)-(三) and (五) are the district's own people (本区); only (四) admits non-locals.
    rules.append(
        NamedRule(
            "local_hukou",
            "3",
            281,
            _only_for([c for c in MedicalAidCategory if c not in illness], cmp("local_hukou", "eq", True)),
        )
    )
    rules += [replace(r, condition=_only_for(PROPERTY_TESTED, r.condition)) for r in property_rules(policy)]
    return rules


def eligibility(applicant: Applicant, policy: MedicalAidPolicy = POLICY) -> list[str]:
    """The codes of the rules ``applicant`` fails (empty: eligible under Arts. 3 and 5)."""
    return failed_rules(eligibility_rules(policy), applicant.as_facts())


# -- payout (Arts. 7-11) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberClaim:
    """One family member's bills in the aid year, and the aid already paid to them this year."""

    expenses: tuple[Expense, ...]
    deductions_fen: int = 0  # Art. 10: 起付标准 + 乙类自负 + 大病保险起付线
    basic_paid_fen: int = 0
    catastrophic_paid_fen: int = 0


@dataclass(frozen=True)
class ExcludedExpense:
    member: int
    expense: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MemberFigures:
    counted_fen: int  # in-scope self-pay after exclusions and the care the category covers
    base_fen: int  # after Art. 10's deductions
    basic_fen: int | None  # None when pooled: the basic aid is the pooled claim's


@dataclass(frozen=True)
class Payout:
    category: MedicalAidCategory
    rate_percent: int
    pooled: bool
    reading: CatastrophicReading
    members: tuple[MemberFigures, ...]
    excluded: tuple[ExcludedExpense, ...]
    basic_fen: int
    basic_cap_left_fen: int | None
    catastrophic_applies: bool
    remaining_burden_fen: int
    catastrophic_threshold_fen: int | None
    catastrophic_fen: int
    catastrophic_cap_left_fen: int
    total_fen: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_fen", self.basic_fen + self.catastrophic_fen)


def _share(amount_fen: int, percent: int) -> int:
    return amount_fen * percent // 100


def _cap_left(cap_fen: int, paid_fen: int, name: str) -> int:
    if paid_fen > cap_fen:
        raise AidPaidExceedsCap(details={"field": name, "cap_fen": cap_fen})
    return cap_fen - paid_fen


def payout(
    category: MedicalAidCategory,
    members: Sequence[MemberClaim],
    *,
    pool_family: bool = False,
    reading: CatastrophicReading | None = None,
    policy: MedicalAidPolicy = POLICY,
) -> Payout:
    """The basic and catastrophic aid for one claim (a person, or a pooled family), in fen."""
    rule = policy.rules[category]
    reading = reading or policy.catastrophic_reading
    excluded: list[ExcludedExpense] = []
    counted: list[int] = []
    inpatients = 0
    for m, member in enumerate(members):
        if member.deductions_fen and not rule.deductions:
            raise AidDeductionsNotApplicable(details={"member": m})
        total = 0
        for e, expense in enumerate(member.expenses):
            reasons = exclusions_of(expense)
            if expense.care not in rule.care:
                reasons.append("care_not_covered")  # Arts. 9-10: 住院或特殊门诊 only
            if reasons:
                excluded.append(ExcludedExpense(m, e, tuple(reasons)))
            else:
                total += expense.amount_fen
        counted.append(total)
        # 患病住院: a member counts towards pooling with an inpatient bill that is aided at all.
        inpatients += any(x.care is Care.INPATIENT and not exclusions_of(x) for x in member.expenses)
    if pool_family and inpatients < 2:
        raise AidPoolingNotAllowed(details={"inpatients": inpatients})
    bases = [max(0, c - m.deductions_fen) for c, m in zip(counted, members, strict=True)]

    # Basic aid: Art. 10 pools it for classes (四)/(五); the other articles are per person.
    caps_left = (
        None
        if rule.cap_fen is None
        else [
            _cap_left(rule.cap_fen, m.basic_paid_fen, f"members.{i}.basic_paid_fen")
            for i, m in enumerate(members)
        ]
    )
    pooled_basic = pool_family and rule.deductions
    if pooled_basic:
        raw = _share(sum(bases), rule.rate_percent)
        basic_total = raw if caps_left is None else min(raw, sum(caps_left))
        per_member: list[int | None] = [None] * len(members)
    else:
        per_member = [
            _share(b, rule.rate_percent)
            if caps_left is None
            else min(_share(b, rule.rate_percent), caps_left[i])
            for i, b in enumerate(bases)
        ]
        basic_total = sum(x or 0 for x in per_member)

    # Catastrophic aid: what basic aid leaves, over the year, pooled when the family asks (Art. 11).
    cat_caps = [
        _cap_left(policy.catastrophic_cap_fen, m.catastrophic_paid_fen, f"members.{i}.catastrophic_paid_fen")
        for i, m in enumerate(members)
    ]
    threshold = rule.catastrophic_threshold_fen
    if pool_family or len(members) == 1:
        units = [(sum(bases) - basic_total, sum(cat_caps))]
    else:
        units = [(b - (p or 0), c) for b, p, c in zip(bases, per_member, cat_caps, strict=True)]
    remaining = sum(u[0] for u in units)
    catastrophic = 0
    applies = False
    if threshold is not None:
        for burden, cap in units:
            if burden > threshold:  # 超过: strictly more than the threshold
                applies = True
                base = burden if reading is CatastrophicReading.WHOLE_BURDEN else burden - threshold
                catastrophic += min(_share(base, policy.catastrophic_rate_percent), cap)
    return Payout(
        category=category,
        rate_percent=rule.rate_percent,
        pooled=pool_family,
        reading=reading,
        members=tuple(
            MemberFigures(counted_fen=c, base_fen=b, basic_fen=p)
            for c, b, p in zip(counted, bases, per_member, strict=True)
        ),
        excluded=tuple(excluded),
        basic_fen=basic_total,
        basic_cap_left_fen=None if caps_left is None else sum(caps_left),
        catastrophic_applies=applies,
        remaining_burden_fen=remaining,
        catastrophic_threshold_fen=threshold,
        catastrophic_fen=catastrophic,
        catastrophic_cap_left_fen=sum(cat_caps),
    )
