"""Medical aid (医疗救助) against its text: seed 000, 清新府办〔2018〕16号, lines of 000_*.txt.

Each test names the article and the line it checks. Amounts are fen; ``Y`` turns yuan into fen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.aid import items
from domain.aid import medical as med
from domain.aid.errors import AidDeductionsNotApplicable, AidPaidExceedsCap, AidPoolingNotAllowed
from domain.applications.rules import evaluate
from domain.catalog.schema import ItemDocument
from domain.shared.actor import Actor
from domain.workflows import engine

Y = 100  # fen per yuan
A = med.MedicalAidCategory
INPATIENT, OUTPATIENT, SPECIAL = med.Care.INPATIENT, med.Care.OUTPATIENT, med.Care.SPECIAL_OUTPATIENT


def bill(fen: int, care: med.Care = INPATIENT, *flags: str) -> med.Expense:
    return med.Expense(amount_fen=fen, care=care, flags=frozenset(flags))


def one(fen: int, care: med.Care = INPATIENT, **claim: Any) -> list[med.MemberClaim]:
    return [med.MemberClaim(expenses=(bill(fen, care),), **claim)]


# -- Art. 7: class (一) at 80 %, outpatient and inpatient, 50,000 yuan a year -------------------------


@pytest.mark.parametrize("category", [A.DIBAO, A.REGISTERED_POVERTY, A.UNSUPPORTED_CHILD])
def test_art_7_L325_class_1_rate_is_80_percent(category: med.MedicalAidCategory) -> None:
    p = med.payout(category, one(10_000 * Y))

    assert p.rate_percent == 80
    assert p.basic_fen == 8_000 * Y
    assert p.catastrophic_fen == 0  # 2,000 yuan left: far below Art. 11's threshold


def test_art_7_L325_class_1_outpatient_costs_count() -> None:
    p = med.payout(A.DIBAO, one(1_000 * Y, OUTPATIENT))

    assert p.basic_fen == 800 * Y and p.excluded == ()


def test_art_7_L325_exactly_at_the_50000_yuan_cap() -> None:
    p = med.payout(A.DIBAO, one(62_500 * Y))

    assert p.basic_fen == 50_000 * Y


def test_art_7_L325_one_fen_over_the_cap_is_cut_to_the_cap() -> None:
    # 80 % of 62,500.02 yuan is 50,000.016 yuan: one fen above the cap, which is all that is paid.
    p = med.payout(A.DIBAO, one(62_500 * Y + 2))

    assert p.basic_fen == 50_000 * Y


def test_art_7_L325_aid_already_paid_this_year_counts_against_the_cap() -> None:
    p = med.payout(A.DIBAO, one(10_000 * Y, basic_paid_fen=45_000 * Y))

    assert p.basic_fen == 5_000 * Y
    assert p.basic_cap_left_fen == 5_000 * Y


def test_art_7_L325_paid_above_the_cap_is_refused_as_inconsistent() -> None:
    with pytest.raises(AidPaidExceedsCap) as caught:
        med.payout(A.DIBAO, one(1 * Y, basic_paid_fen=50_000 * Y + 1))

    assert caught.value.details["field"] == "members.0.basic_paid_fen"


def test_shares_are_rounded_down_to_the_fen() -> None:
    # 80 % of 0.99 yuan is 79.2 fen: aid never pays more than the rate.
    assert med.payout(A.DIBAO, one(99)).basic_fen == 79


# -- Art. 8: 特困 in full, without a cap -----------------------------------------------------------------


def test_art_8_L329_tekun_get_full_aid_without_a_cap() -> None:
    p = med.payout(A.TEKUN, one(200_000 * Y, OUTPATIENT))

    assert p.rate_percent == 100
    assert p.basic_fen == 200_000 * Y
    assert p.basic_cap_left_fen is None


def test_art_11_L339_tekun_have_no_catastrophic_step() -> None:
    # Art. 11 names classes (一), (三), (四) and (五); (二) is already aided in full.
    p = med.payout(A.TEKUN, one(200_000 * Y))

    assert p.catastrophic_threshold_fen is None and p.catastrophic_fen == 0


# -- Art. 9: class (三) at 75 %, hospital care only ------------------------------------------------------


def test_art_9_L331_low_income_rate_is_75_percent() -> None:
    p = med.payout(A.LOW_INCOME, one(10_000 * Y))

    assert p.rate_percent == 75 and p.basic_fen == 7_500 * Y


def test_art_9_L331_special_outpatient_counts_for_low_income() -> None:
    assert med.payout(A.LOW_INCOME, one(1_000 * Y, SPECIAL)).basic_fen == 750 * Y


def test_art_9_L331_ordinary_outpatient_costs_do_not_count_for_low_income() -> None:
    p = med.payout(A.LOW_INCOME, one(1_000 * Y, OUTPATIENT))

    assert p.basic_fen == 0
    assert p.excluded == (med.ExcludedExpense(0, 0, ("care_not_covered",)),)


def test_art_9_L331_low_income_cap_is_50000_yuan() -> None:
    assert med.payout(A.LOW_INCOME, one(100_000 * Y)).basic_fen == 50_000 * Y


# -- Art. 10: classes (四) and (五) at 70 % after the deductions, pooled in a family ---------------------


@pytest.mark.parametrize("category", [A.ILLNESS_POVERTY, A.OTHER_SPECIAL])
def test_art_10_L333_illness_poverty_rate_is_70_percent_after_the_deductions(
    category: med.MedicalAidCategory,
) -> None:
    p = med.payout(category, one(12_000 * Y, deductions_fen=2_000 * Y))

    assert p.rate_percent == 70
    assert p.members[0].base_fen == 10_000 * Y
    assert p.basic_fen == 7_000 * Y


def test_art_10_L333_deductions_above_the_costs_leave_nothing_rather_than_a_negative_sum() -> None:
    p = med.payout(A.ILLNESS_POVERTY, one(1_000 * Y, deductions_fen=3_000 * Y))

    assert p.members[0].base_fen == 0 and p.total_fen == 0


def test_art_10_L333_deductions_are_refused_for_other_categories() -> None:
    with pytest.raises(AidDeductionsNotApplicable):
        med.payout(A.DIBAO, one(1_000 * Y, deductions_fen=1))


def test_art_10_L333_pooling_needs_two_members_in_hospital() -> None:
    members = [
        med.MemberClaim(expenses=(bill(10_000 * Y),)),
        med.MemberClaim(expenses=(bill(10_000 * Y, SPECIAL),)),  # special outpatient: not 住院
    ]

    with pytest.raises(AidPoolingNotAllowed) as caught:
        med.payout(A.ILLNESS_POVERTY, members, pool_family=True)

    assert caught.value.details == {"inpatients": 1}


def test_art_10_L333_an_excluded_hospital_stay_does_not_count_towards_pooling() -> None:
    members = [
        med.MemberClaim(expenses=(bill(10_000 * Y),)),
        med.MemberClaim(expenses=(bill(10_000 * Y, INPATIENT, "cosmetic"),)),
    ]

    with pytest.raises(AidPoolingNotAllowed):
        med.payout(A.ILLNESS_POVERTY, members, pool_family=True)


def test_art_10_L333_pooled_basic_aid_keeps_each_members_cap() -> None:
    members = [
        med.MemberClaim(expenses=(bill(100_000 * Y),)),
        med.MemberClaim(expenses=(bill(10_000 * Y),)),
    ]

    apart = med.payout(A.ILLNESS_POVERTY, members)
    pooled = med.payout(A.ILLNESS_POVERTY, members, pool_family=True)

    # Apart: min(70,000, 50,000) + 7,000. Pooled: 70 % of 110,000 = 77,000, under 2 × 50,000.
    assert apart.basic_fen == 57_000 * Y
    assert pooled.basic_fen == 77_000 * Y
    assert pooled.basic_cap_left_fen == 100_000 * Y
    assert [m.basic_fen for m in pooled.members] == [None, None]


# -- Art. 11: catastrophic illness, 50 % above 10,000 / 20,000 yuan, at most 30,000 -------------------


def test_art_11_L341_literal_reading_pays_50_percent_of_the_whole_remaining_burden() -> None:
    # The worked example of seed-000.md: class (一), 100,000 yuan in-scope self-pay.
    p = med.payout(A.DIBAO, one(100_000 * Y), reading=med.CatastrophicReading.WHOLE_BURDEN)

    assert p.basic_fen == 50_000 * Y
    assert p.remaining_burden_fen == 50_000 * Y
    assert p.catastrophic_fen == 25_000 * Y
    assert p.total_fen == 75_000 * Y


def test_art_11_L341_threshold_reading_pays_50_percent_of_the_part_above_10000() -> None:
    p = med.payout(A.DIBAO, one(100_000 * Y), reading=med.CatastrophicReading.ABOVE_THRESHOLD)

    assert p.catastrophic_fen == 20_000 * Y
    assert p.total_fen == 70_000 * Y


def test_art_11_L341_the_literal_reading_is_the_configured_default() -> None:
    assert med.POLICY.catastrophic_reading is med.CatastrophicReading.WHOLE_BURDEN
    assert med.payout(A.DIBAO, one(100_000 * Y)).reading is med.CatastrophicReading.WHOLE_BURDEN


def test_art_11_L341_a_burden_of_exactly_10000_yuan_is_not_more_than_10000() -> None:
    # 50,000 yuan: basic aid 40,000 leaves exactly 10,000 — "超过" is strictly more.
    p = med.payout(A.DIBAO, one(50_000 * Y))

    assert p.remaining_burden_fen == 10_000 * Y
    assert not p.catastrophic_applies and p.catastrophic_fen == 0


def test_art_11_L341_one_fen_over_10000_yuan_opens_catastrophic_aid() -> None:
    p = med.payout(A.DIBAO, one(50_000 * Y + 5))  # basic 40,000.04 → 10,000.01 left

    assert p.remaining_burden_fen == 10_000 * Y + 1
    assert p.catastrophic_applies
    assert p.catastrophic_fen == 5_000 * Y  # 50 % of 1,000,001 fen, rounded down


def test_art_11_L341_low_income_families_share_the_10000_yuan_threshold() -> None:
    p = med.payout(A.LOW_INCOME, one(100_000 * Y))

    assert p.catastrophic_threshold_fen == 10_000 * Y
    assert p.catastrophic_fen == 25_000 * Y  # 50 % of 100,000 − 50,000


def test_art_11_L341_catastrophic_aid_is_capped_at_30000_yuan() -> None:
    at_cap = med.payout(A.DIBAO, one(110_000 * Y))  # 60,000 left → exactly 30,000
    over = med.payout(A.DIBAO, one(110_000 * Y + 2))  # one fen more

    assert at_cap.catastrophic_fen == 30_000 * Y
    assert over.catastrophic_fen == 30_000 * Y


def test_art_11_L341_catastrophic_aid_paid_earlier_this_year_counts_against_its_cap() -> None:
    p = med.payout(A.DIBAO, one(110_000 * Y, catastrophic_paid_fen=25_000 * Y))

    assert p.catastrophic_fen == 5_000 * Y


def test_art_11_L343_illness_poverty_threshold_is_20000_yuan() -> None:
    exactly = med.payout(A.ILLNESS_POVERTY, one(6_666_666))  # basic 4,666,666 → 2,000,000 left
    over = med.payout(A.ILLNESS_POVERTY, one(6_666_667))  # basic 4,666,666 → 2,000,001 left

    assert exactly.remaining_burden_fen == 20_000 * Y and exactly.catastrophic_fen == 0
    assert over.remaining_burden_fen == 20_000 * Y + 1 and over.catastrophic_fen == 1_000_000


def test_art_11_L345_pooling_lets_a_family_reach_the_threshold_together() -> None:
    # Class (一), each 40,000 yuan: 8,000 left each, under 10,000 alone; 16,000 together.
    members = [med.MemberClaim(expenses=(bill(40_000 * Y),)) for _ in range(2)]

    apart = med.payout(A.DIBAO, members)
    pooled = med.payout(A.DIBAO, members, pool_family=True)

    assert apart.catastrophic_fen == 0
    assert pooled.remaining_burden_fen == 16_000 * Y
    assert pooled.catastrophic_fen == 8_000 * Y
    # Arts. 7 and 9 do not pool basic aid: each member's 80 % is computed alone.
    assert [m.basic_fen for m in pooled.members] == [32_000 * Y, 32_000 * Y]


# -- Arts. 2, 16, 21: exclusions ----------------------------------------------------------------------


@pytest.mark.parametrize("exclusion", med.EXCLUSIONS, ids=lambda e: f"art_{e.article}_L{e.line}_{e.code}")
def test_art_16_each_exclusion_keeps_the_bill_out_of_aid(exclusion: med.Exclusion) -> None:
    members = [med.MemberClaim(expenses=(bill(5_000 * Y, INPATIENT, exclusion.code), bill(1_000 * Y)))]

    p = med.payout(A.DIBAO, members)

    assert p.members[0].counted_fen == 1_000 * Y
    assert p.excluded == (med.ExcludedExpense(0, 0, (exclusion.code,)),)


def test_art_16_3_L401_self_harm_from_mental_illness_is_aided() -> None:
    assert med.exclusions_of(bill(1, INPATIENT, "self_inflicted", "mental_illness")) == []
    assert med.exclusions_of(bill(1, INPATIENT, "self_inflicted")) == ["self_inflicted"]


def test_art_16_7_L405_emergency_rescue_at_a_non_designated_hospital_is_aided() -> None:
    assert med.exclusions_of(bill(1, INPATIENT, "non_designated_without_procedure", "emergency_rescue")) == []


def test_art_16_an_exception_excuses_only_its_own_exclusion() -> None:
    # Emergency rescue does not excuse a cosmetic operation.
    assert med.exclusions_of(bill(1, INPATIENT, "cosmetic", "emergency_rescue")) == ["cosmetic"]


@pytest.mark.parametrize(
    "flags",
    [(), ("cosmetic",), ("self_inflicted",), ("self_inflicted", "mental_illness"),
     ("non_designated_without_procedure", "emergency_rescue"), ("third_party_liable", "emergency_rescue")],
)  # fmt: skip
def test_art_16_exclusion_rules_in_the_rule_format_agree_with_the_calculator(flags: tuple[str, ...]) -> None:
    expense = bill(1, INPATIENT, *flags)
    failed = [r.code for r in med.exclusion_rules() if not evaluate(r.condition, expense.as_facts()).passed]

    assert failed == [f"not_{code}" for code in med.exclusions_of(expense)]


# -- Art. 3: the eligibility categories --------------------------------------------------------------

LIMIT = med.POLICY.property_limit_fen  # 12 months of the urban dibao standard
POOR_HOUSE = med.HouseholdProperty(
    houses=1, deposits_per_capita_fen=0, has_vehicle_or_ship=False, securities_per_capita_fen=0,
    owns_for_profit_business=False,
)  # fmt: skip


def low_income(income_fen: int, household: med.HouseholdProperty | None = POOR_HOUSE) -> med.Applicant:
    return med.Applicant(
        category=A.LOW_INCOME,
        low_income_group=med.LowIncomeGroup.ELDERLY,
        monthly_income_per_capita_fen=income_fen,
        household=household,
    )


def test_art_3_L283_class_1_and_2_need_no_income_or_property_test() -> None:
    for category in (A.DIBAO, A.REGISTERED_POVERTY, A.UNSUPPORTED_CHILD, A.TEKUN):
        assert med.eligibility(med.Applicant(category=category)) == []


def test_art_3_L283_class_1_must_be_of_the_district() -> None:
    assert med.eligibility(med.Applicant(category=A.DIBAO, local_hukou=False)) == ["local_hukou"]


def test_art_3_3_L287_income_of_exactly_1_5_times_the_dibao_standard_qualifies() -> None:
    limit = med.POLICY.urban_dibao_monthly_fen * 3 // 2

    assert med.eligibility(low_income(limit)) == []
    assert med.eligibility(low_income(limit + 1)) == ["low_income_income"]


def test_art_3_3_L287_low_income_needs_one_of_the_four_groups() -> None:
    applicant = med.Applicant(category=A.LOW_INCOME, monthly_income_per_capita_fen=0, household=POOR_HOUSE)

    assert med.eligibility(applicant) == ["low_income_group"]


def illness(self_pay_fen: int, income_fen: int, **kw: Any) -> med.Applicant:
    return med.Applicant(
        category=A.ILLNESS_POVERTY,
        self_pay_past_year_fen=self_pay_fen,
        household_annual_income_fen=income_fen,
        household=POOR_HOUSE,
        **kw,
    )


def test_art_3_4_L289_self_pay_of_exactly_60_percent_of_income_qualifies() -> None:
    assert med.eligibility(illness(60_000 * Y, 100_000 * Y)) == []
    assert med.eligibility(illness(60_000 * Y - 1, 100_000 * Y)) == ["illness_poverty_share"]


def test_art_3_4_L289_a_household_without_income_qualifies_with_any_self_pay() -> None:
    assert med.eligibility(illness(1, 0)) == []


def test_art_3_4_L291_non_local_workers_need_two_full_years_of_insurance() -> None:
    worker = {
        "local_hukou": False,
        "works_in_district": True,
        "residence_permit": True,
        "fixed_residence": True,
    }

    assert med.eligibility(illness(90_000 * Y, 100_000 * Y, insured_months_in_district=24, **worker)) == []
    assert med.eligibility(illness(90_000 * Y, 100_000 * Y, insured_months_in_district=23, **worker)) == [
        "illness_poverty_residence"
    ]


def test_art_3_4_L293_non_local_college_students_insured_here_qualify() -> None:
    student = illness(90_000 * Y, 100_000 * Y, local_hukou=False, college_student_insured_here=True)

    assert med.eligibility(student) == []


def test_art_3_5_L295_other_special_cases_need_the_districts_recognition() -> None:
    applicant = med.Applicant(category=A.OTHER_SPECIAL, household=POOR_HOUSE)

    assert med.eligibility(applicant) == ["other_special_recognised"]
    assert (
        med.eligibility(
            med.Applicant(category=A.OTHER_SPECIAL, household=POOR_HOUSE, recognised_by_district=True)
        )
        == []
    )


# -- Art. 5: the household property test -----------------------------------------------------------


def house(**changes: Any) -> med.HouseholdProperty:
    fields = {**POOR_HOUSE.__dict__, **changes}
    return med.HouseholdProperty(**fields)


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"houses": 1}, []),
        ({"houses": 2}, ["property_houses"]),  # 5(一) L303
        ({"deposits_per_capita_fen": LIMIT}, []),  # 5(二) L305, exactly at the limit
        ({"deposits_per_capita_fen": LIMIT + 1}, ["property_deposits", "property_combined"]),
        ({"has_vehicle_or_ship": True}, ["property_vehicles"]),  # 5(三) L307
        ({"securities_per_capita_fen": LIMIT}, []),  # 5(四) L309
        ({"securities_per_capita_fen": LIMIT + 1}, ["property_securities", "property_combined"]),
        ({"owns_for_profit_business": True}, ["property_business"]),  # 5(五) L313
        # 5(六) L315: each within the limit, together one fen over.
        (
            {"deposits_per_capita_fen": LIMIT // 2, "securities_per_capita_fen": LIMIT - LIMIT // 2 + 1},
            ["property_combined"],
        ),
        ({"deposits_per_capita_fen": LIMIT // 2, "securities_per_capita_fen": LIMIT - LIMIT // 2}, []),
    ],
)
def test_art_5_L301_household_property_test(changes: dict[str, Any], failed: list[str]) -> None:
    assert med.property_test(house(**changes)) == failed


def test_art_5_L301_property_test_applies_to_classes_3_to_5_only() -> None:
    rich = house(houses=3, has_vehicle_or_ship=True)

    assert med.eligibility(med.Applicant(category=A.DIBAO, household=rich)) == []
    assert "property_houses" in med.eligibility(low_income(0, household=rich))


def test_art_5_L301_a_missing_property_declaration_fails_the_test_for_class_3() -> None:
    assert med.eligibility(low_income(0, household=None))[:1] == ["property_houses"]


# -- the rules as the item's form rules --------------------------------------------------------------


def medical_form(**answers: Any) -> dict[str, Any]:
    form: dict[str, Any] = {"category": "dibao", "local_hukou": True, "self_pay_in_scope_fen": 100 * Y}
    form.update({e.code: False for e in med.EXCLUSIONS})
    form.update(answers)
    return form


POOR_HOUSE_FORM = {
    "houses": 1, "deposits_per_capita_fen": 0, "has_vehicle_or_ship": False,
    "securities_per_capita_fen": 0, "owns_for_profit_business": False,
}  # fmt: skip
LOW_INCOME_MINOR = {"category": "low_income", "low_income_group": "minor", "monthly_income_per_capita_fen": 0}
HALF = LIMIT // 2


@pytest.mark.parametrize(
    ("answers", "passes"),
    [
        ({}, True),
        ({"cosmetic": True}, False),  # Art. 16(4)
        ({"self_inflicted": True, "mental_illness": True}, True),  # Art. 16(3) exception
        # Art. 5(六): each half of the limit, together one fen over; then exactly at it.
        ({**LOW_INCOME_MINOR, **POOR_HOUSE_FORM, "deposits_per_capita_fen": HALF,
          "securities_per_capita_fen": LIMIT - HALF + 1}, False),
        ({**LOW_INCOME_MINOR, **POOR_HOUSE_FORM, "deposits_per_capita_fen": HALF,
          "securities_per_capita_fen": LIMIT - HALF}, True),
        # Art. 3(四): 59 % of the income is short of 60 %.
        ({"category": "illness_poverty", "self_pay_past_year_fen": 59 * Y,
          "household_annual_income_fen": 100 * Y, **POOR_HOUSE_FORM}, False),
        ({"category": "illness_poverty", "self_pay_past_year_fen": 60 * Y,
          "household_annual_income_fen": 100 * Y, **POOR_HOUSE_FORM}, True),
    ],
)  # fmt: skip
def test_item_instant_rules_decide_like_the_eligibility_functions(
    answers: dict[str, Any], passes: bool
) -> None:
    form = medical_form(**answers)
    document = ItemDocument.model_validate(items.MEDICAL_AID_ITEM)
    assert document.instant_rules is not None

    result = evaluate(document.instant_rules, {"form": items.derived_form("medical_aid", form, _today())})

    assert result.passed is passes


def test_item_form_accepts_an_answer_the_rules_judge() -> None:
    from domain.catalog.forms import validate_form

    document = ItemDocument.model_validate(items.MEDICAL_AID_ITEM)
    answers = medical_form(category="other_special", recognised_by_district=True, **POOR_HOUSE_FORM)

    cleaned = validate_form(document, answers)

    assert cleaned["recognised_by_district"] is True
    assert "low_income_group" not in cleaned  # shown only for class (三)


def _today() -> Any:
    from domain.identity.service import today

    return today()


# -- the item document -----------------------------------------------------------------------------


def test_item_document_validates_and_names_a_department_of_the_demo_regions() -> None:
    document = ItemDocument.model_validate(items.MEDICAL_AID_ITEM)
    regions = json.loads(
        (Path(__file__).resolve().parents[2] / "server/demo/regions.json").read_text("utf-8")
    )

    assert document.department == "qx-civil-affairs"
    assert document.department in {d[0] for d in regions["departments"]}
    assert document.workflow == "medical_aid"


def test_art_12_L351_item_lists_the_seven_documents_and_the_non_local_extras() -> None:
    document = ItemDocument.model_validate(items.MEDICAL_AID_ITEM)
    required = [m.code for m in document.materials if m.required]

    # (一) application, (二) register and IDs, (四) diagnosis and receipts, (五) insurance vouchers,
    # (六) statement, (七) bank card; (三) is required of classes (三)-(五) only (L357).
    assert required == [
        "written_application", "household_register_and_ids", "diagnosis_and_receipts",
        "insurance_reimbursement", "other_aid_statement", "bank_card",
    ]  # fmt: skip
    assert {"hardship_survey", "commitment_letter", "financial_check_consent"} <= {
        m.code for m in document.materials
    }
    # L367: non-local applicants add four more.
    assert {"residence_permit", "insurance_contribution_proof", "hukou_income_property_proof",
            "no_duplicate_aid_proof"} <= {m.code for m in document.materials if not m.required}  # fmt: skip


# -- Art. 15: the workflow definition ---------------------------------------------------------------


def test_art_15_definition_loads_and_validates() -> None:
    loaded = engine.load_definitions()

    assert "medical_aid" in loaded
    assert engine.get("medical_aid").initial == "draft"


@pytest.mark.parametrize(
    ("transition", "limit", "notice", "line"),
    [
        ("forward_on_file", 10, 0, 377),  # 已备案对象 10 个工作日内上报
        ("post_first_notice", 3, 5, 379),  # 3 个工作日内审核意见, 公示 5 日
        ("township_deny", 3, 0, 379),
        ("forward_to_district", 3, 0, 381),  # 公示结束后 3 个工作日内上报
        ("appraise_ineligible", 3, 0, 383),  # 民主评议不符合: 3 个工作日内书面告知
        ("propose_approval", 5, 5, 385),  # 区民政 5 个工作日内审批, 再公示 5 日 (L387)
        ("deny", 5, 0, 385),
        ("approve", 3, 0, 389),  # 公示期满无异议 3 个工作日内决定
        ("request_funds", 5, 0, 389),  # 批准后 5 个工作日内向财政申请
        ("disburse", 3, 0, 389),  # 财政 3 个工作日内拨付
        ("repropose", 20, 5, 391),  # 异议: 20 个工作日内重新决定, 重新公示
        ("deny_after_reinvestigation", 20, 0, 391),
    ],
)
def test_art_15_working_day_limits_and_public_notices(
    transition: str, limit: int, notice: int, line: int
) -> None:
    spec = engine.get("medical_aid").transitions[transition]

    assert (spec.limit_working_days, spec.public_notice_days) == (limit, notice), f"L{line}"


def test_art_15_3_L381_an_objection_to_the_first_notice_goes_to_democratic_appraisal() -> None:
    workflow = engine.get("medical_aid")

    assert workflow.transitions["object_to_first_notice"].to == "democratic_appraisal"
    assert workflow.transitions["object_to_first_notice"].needs_reasons
    assert workflow.open_from("democratic_appraisal") == [
        "appraise_eligible",
        "appraise_ineligible",
        "withdraw",
    ]


def test_art_15_every_refusal_carries_written_reasons() -> None:
    workflow = engine.get("medical_aid")

    refusals = [t for t in workflow.transitions.values() if t.to in ("denied", "not_accepted")]
    assert refusals and all(t.needs_reasons for t in refusals)


def test_art_15_7_L389_only_finance_disburses() -> None:
    workflow = engine.get("medical_aid")
    officer = Actor(kind="staff", id=1, roles=frozenset({"case_officer"}))
    finance = Actor(kind="staff", id=2, roles=frozenset({"finance"}))

    with pytest.raises(engine.TransitionRoleRequired):
        engine.check(workflow, "payment_requested", "disburse", officer)
    assert engine.check(workflow, "payment_requested", "disburse", finance).to == "disbursed"


def test_art_15_6_L387_no_decision_while_the_second_notice_has_not_been_posted() -> None:
    officer = Actor(kind="staff", id=1, roles=frozenset({"case_officer"}))

    with pytest.raises(engine.InvalidTransition):
        engine.check(engine.get("medical_aid"), "district_review", "approve", officer)
