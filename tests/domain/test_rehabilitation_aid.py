"""Rehabilitation aid for disabled children against its text: seed 001, 汕府办〔2019〕21号.

Each test names the article and the line of 001_*.txt it checks. Amounts are fen; ``Y`` = yuan.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from domain.aid import items
from domain.aid import rehabilitation as rehab
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
from domain.applications.rules import evaluate
from domain.catalog.schema import ItemDocument
from domain.identity.errors import IdNumberInvalid
from domain.shared.actor import Actor
from domain.workflows import engine
from tests.support.residents import new_id_number

Y = 100
T = rehab.DisabilityType
I = rehab.RehabilitationItem  # noqa: E741 - the item enum, short in tables
APPLIED = dt.date(2026, 3, 2)
FIVE_YEARS_OLD = new_id_number(born=dt.date(2021, 1, 15))


def ask(item: rehab.RehabilitationItem, kind: rehab.DisabilityType, **kw: Any) -> rehab.Amount:
    request = rehab.AmountRequest(
        child_id_number=kw.pop("id_number", FIVE_YEARS_OLD),
        applied_on=kw.pop("applied_on", APPLIED),
        disability_type=kind,
        item=item,
        **kw,
    )
    return rehab.amount(request)


# -- Art. 5: under 7 on 31 August of the application year -----------------------------------------


def test_art_5_L799_a_child_who_turns_7_on_31_august_is_too_old() -> None:
    child = new_id_number(born=dt.date(2019, 8, 31))

    with pytest.raises(RehabilitationAgeExceeded) as caught:
        ask(I.FULL_TIME_TRAINING, T.AUTISM, id_number=child, months=10)

    assert caught.value.details == {"age": 7, "limit": 7, "on": "2026-08-31"}


def test_art_5_L799_a_child_born_on_1_september_is_still_6_on_31_august() -> None:
    child = new_id_number(born=dt.date(2019, 9, 1))

    result = ask(I.FULL_TIME_TRAINING, T.AUTISM, id_number=child, months=10)

    assert result.age_on_31_august == 6
    assert result.cutoff == dt.date(2026, 8, 31)


def test_art_5_L799_age_is_counted_on_31_august_not_on_the_day_of_application() -> None:
    # Born 1 October 2019: 7 on the day of application in November 2026, 6 on 31 August 2026.
    child = new_id_number(born=dt.date(2019, 10, 1))

    result = ask(I.FULL_TIME_TRAINING, T.AUTISM, id_number=child, applied_on=dt.date(2026, 11, 2), months=1)

    assert result.age_on_31_august == 6


def test_art_5_L799_a_county_may_widen_the_age_range() -> None:
    wider = rehab.RehabilitationPolicy(age_limit=8)
    child = new_id_number(born=dt.date(2019, 8, 31))
    request = rehab.AmountRequest(child, APPLIED, T.AUTISM, I.FULL_TIME_TRAINING, months=1)

    assert rehab.amount(request, wider).age_on_31_august == 7


def test_art_5_L799_the_birth_date_comes_from_the_id_number_and_a_bad_one_is_refused() -> None:
    with pytest.raises(IdNumberInvalid):
        rehab.age_on_cutoff("110101202101150000", APPLIED)


def test_art_5_L799_a_child_born_after_the_application_day_is_refused() -> None:
    child = new_id_number(born=dt.date(2026, 5, 1))

    with pytest.raises(IdNumberInvalid):
        rehab.age_on_cutoff(child, APPLIED)


def eligible_form(**answers: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "child_name": "小明",
        "child_id_number": FIVE_YEARS_OLD,
        "disability_type": "autism",
        "residence": "hukou",
        "has_disability_certificate": True,
        "rehabilitation_indicated": True,
        "aid_item": "full_time_training",
        "institution_kind": "public",
        "priority_group": "none",
        "guardian_phone": "13800138000",
    }
    form.update(answers)
    return form


@pytest.mark.parametrize(
    ("answers", "failed"),
    [
        ({}, []),
        ({"residence": "residence_permit"}, []),  # Art. 6 L804
        ({"residence": "other"}, ["residence"]),  # Art. 5 L799: 汕尾市户籍
        ({"has_disability_certificate": False, "has_diagnosis": True}, []),  # Art. 5(1) L801
        ({"has_disability_certificate": False, "has_diagnosis": False}, ["disability_proof"]),
        ({"rehabilitation_indicated": False}, ["rehabilitation_indicated"]),  # Art. 5(2) L802
        ({"child_id_number": new_id_number(born=dt.date(2019, 8, 31))}, ["age_under_limit"]),
        ({"child_id_number": "not a number"}, ["age_under_limit"]),
    ],
)
def test_art_5_L799_eligibility_rules(answers: dict[str, Any], failed: list[str]) -> None:
    assert rehab.eligibility(eligible_form(**answers), APPLIED) == failed


@pytest.mark.parametrize(
    "answers", [{}, {"residence": "other"}, {"child_id_number": new_id_number(born=dt.date(2019, 8, 31))}]
)
def test_art_5_item_instant_rules_decide_like_the_eligibility_function(answers: dict[str, Any]) -> None:
    document = ItemDocument.model_validate(items.REHABILITATION_AID_ITEM)
    form = eligible_form(**answers)
    assert document.instant_rules is not None

    result = evaluate(
        document.instant_rules, {"form": items.derived_form("rehabilitation_aid", form, APPLIED)}
    )

    assert result.passed is (rehab.eligibility(form, APPLIED) == [])


# -- Art. 8: items and amounts ---------------------------------------------------------------------------


def test_art_8_1_L814_cochlear_implant_pays_15000_yuan() -> None:
    result = ask(I.COCHLEAR_IMPLANT, T.HEARING, self_pay_fen=40_000 * Y)

    assert result.amount_fen == 15_000 * Y


def test_art_8_1_L814_cochlear_implant_pays_the_self_pay_when_it_is_less() -> None:
    assert ask(I.COCHLEAR_IMPLANT, T.HEARING, self_pay_fen=9_000 * Y + 1).amount_fen == 9_000 * Y + 1


def test_art_8_1_L814_cochlear_implant_needs_the_self_pay() -> None:
    with pytest.raises(RehabilitationSelfPayRequired):
        ask(I.COCHLEAR_IMPLANT, T.HEARING)


def test_art_8_1_L814_national_programme_gives_the_device_and_15000_yuan_for_surgery() -> None:
    result = ask(I.COCHLEAR_IMPLANT_NATIONAL, T.HEARING)

    assert result.amount_fen == 15_000 * Y and result.device_in_kind


def test_art_8_1_L814_cochlear_implants_are_for_children_of_1_to_6() -> None:
    baby = new_id_number(born=dt.date(2025, 6, 1))

    with pytest.raises(RehabilitationAgeTooYoung) as caught:
        ask(I.COCHLEAR_IMPLANT, T.HEARING, id_number=baby, self_pay_fen=1)

    assert caught.value.details == {"age": 0, "minimum": 1}


def test_art_8_1_L816_limb_correction_pays_10000_for_surgery_and_6000_for_devices_and_training() -> None:
    full = ask(I.LIMB_CORRECTION, T.LIMB, self_pay_fen=30_000 * Y)
    cheaper = ask(I.LIMB_CORRECTION, T.LIMB, self_pay_fen=8_000 * Y)

    assert (full.surgery_fen, full.extra_fen, full.amount_fen) == (10_000 * Y, 6_000 * Y, 16_000 * Y)
    # Only the surgery part is capped by what the family paid.
    assert cheaper.amount_fen == 14_000 * Y


def test_art_8_2_L820_assistive_devices_follow_another_provincial_standard() -> None:
    with pytest.raises(RehabilitationStandardExternal):
        ask(I.ASSISTIVE_DEVICES, T.VISION)


@pytest.mark.parametrize(
    ("item", "kind", "institution", "monthly"),
    [
        (I.FULL_TIME_TRAINING, T.HEARING, rehab.Institution.PUBLIC, 1_200),  # L826 (1)
        (I.FULL_TIME_TRAINING, T.INTELLECTUAL, rehab.Institution.NON_PUBLIC, 2_000),
        (I.PART_TIME_TRAINING, T.SPEECH, rehab.Institution.PUBLIC, 600),  # L826 (2)
        (I.PART_TIME_TRAINING, T.LIMB, rehab.Institution.NON_PUBLIC, 1_000),
        (I.LOW_VISION_TRAINING, T.VISION, rehab.Institution.NON_PUBLIC, 2_000),  # L824 (2)
    ],
)
def test_art_8_3_L824_L826_monthly_training_rates_for_10_months(
    item: rehab.RehabilitationItem, kind: rehab.DisabilityType, institution: rehab.Institution, monthly: int
) -> None:
    result = ask(item, kind, institution=institution, months=10, in_mainstream_school=True)

    assert result.monthly_fen == monthly * Y
    assert result.amount_fen == 10 * monthly * Y


def test_art_8_3_L826_at_most_10_months_a_year() -> None:
    assert ask(I.FULL_TIME_TRAINING, T.AUTISM, months=4, months_already=6).amount_fen == 4_800 * Y

    with pytest.raises(RehabilitationMonthsExceeded) as caught:
        ask(I.FULL_TIME_TRAINING, T.AUTISM, months=5, months_already=6)

    assert caught.value.details == {"months": 5, "already": 6, "limit": 10}


def test_art_8_3_L826_monthly_items_need_the_months() -> None:
    with pytest.raises(RehabilitationMonthsRequired):
        ask(I.FULL_TIME_TRAINING, T.AUTISM)


def test_art_8_3_L826_part_time_training_is_for_under_3s_or_children_in_ordinary_school() -> None:
    toddler = new_id_number(born=dt.date(2024, 1, 10))

    assert ask(I.PART_TIME_TRAINING, T.AUTISM, id_number=toddler, months=1).amount_fen == 600 * Y
    assert ask(I.PART_TIME_TRAINING, T.AUTISM, months=1, in_mainstream_school=True).amount_fen == 600 * Y
    with pytest.raises(RehabilitationPartTimeNotEligible):
        ask(I.PART_TIME_TRAINING, T.AUTISM, months=1)


def test_art_8_3_L826_training_is_not_for_vision_disability() -> None:
    with pytest.raises(RehabilitationItemNotForDisability) as caught:
        ask(I.FULL_TIME_TRAINING, T.VISION, months=1)

    assert caught.value.details["allowed"] == ["autism", "hearing", "intellectual", "limb", "speech"]


def test_art_8_1_L814_a_cochlear_implant_is_not_for_a_vision_disability() -> None:
    with pytest.raises(RehabilitationItemNotForDisability):
        ask(I.COCHLEAR_IMPLANT, T.VISION, self_pay_fen=1)


def test_art_8_3_L824_low_vision_basic_training_is_paid_once_in_3_years() -> None:
    last = dt.date(2023, 3, 2)

    with pytest.raises(RehabilitationCourseTooSoon) as caught:
        ask(I.LOW_VISION_BASIC, T.VISION, last_course_on=last, applied_on=dt.date(2026, 3, 1))
    assert caught.value.details == {"years": 3, "next_on": "2026-03-02"}

    again = ask(I.LOW_VISION_BASIC, T.VISION, last_course_on=last, applied_on=dt.date(2026, 3, 2))
    assert again.amount_fen == 1_500 * Y


def test_art_8_3_L824_orientation_training_for_blind_children_is_paid_once_in_5_years() -> None:
    assert ask(I.BLIND_ORIENTATION, T.VISION).amount_fen == 3_000 * Y
    with pytest.raises(RehabilitationCourseTooSoon):
        ask(I.BLIND_ORIENTATION, T.VISION, last_course_on=dt.date(2021, 6, 1))


def test_art_8_L834_every_item_names_its_line_and_a_disability_type() -> None:
    assert set(rehab.STANDARDS) == set(I)
    assert all(s.types and 812 <= s.line <= 834 for s in rehab.STANDARDS.values())


# -- the item document ------------------------------------------------------------------------------


def test_item_document_validates_and_names_a_department_of_the_demo_regions() -> None:
    document = ItemDocument.model_validate(items.REHABILITATION_AID_ITEM)
    regions = json.loads(
        (Path(__file__).resolve().parents[2] / "server/demo/regions.json").read_text("utf-8")
    )

    assert document.department == "sw-disabled-persons"
    assert document.department in {d[0] for d in regions["departments"]}
    assert document.workflow == "rehabilitation_aid"
    assert document.promised_days == document.legal_days == 10


def test_art_10_L846_item_lists_the_documents() -> None:
    document = ItemDocument.model_validate(items.REHABILITATION_AID_ITEM)

    assert [m.code for m in document.materials if m.required] == [
        "application_form", "id_or_household_book", "disability_proof",
    ]  # fmt: skip
    assert [m.code for m in document.materials if not m.required] == ["residence_permit"]


# -- Art. 10: the workflow definition ----------------------------------------------------------------

OFFICER = Actor(kind="staff", id=1, roles=frozenset({"case_officer"}))
GUARDIAN = Actor(kind="resident", id=2, identity_level=3)


def test_art_10_definition_loads_and_validates() -> None:
    assert "rehabilitation_aid" in engine.load_definitions()


def test_art_10_L850_review_decides_within_10_working_days_with_written_reasons_for_a_refusal() -> None:
    workflow = engine.get("rehabilitation_aid")

    assert workflow.stage_limit("under_review") == 10
    assert workflow.transitions["deny"].needs_reasons
    assert not workflow.transitions["approve"].needs_reasons


def test_art_10_L850_the_guardian_may_appeal_a_refusal_answered_in_10_working_days() -> None:
    workflow = engine.get("rehabilitation_aid")

    assert engine.check(workflow, "denied", "appeal", GUARDIAN).to == "appealed"
    assert workflow.stage_limit("appealed") == 10
    assert engine.check(workflow, "appealed", "uphold_appeal", OFFICER).to == "approved"
    assert engine.check(workflow, "appealed", "dismiss_appeal", OFFICER).to == "appeal_dismissed"
    assert workflow.transitions["dismiss_appeal"].needs_reasons


def test_art_10_L850_staff_cannot_appeal_for_the_guardian_nor_the_guardian_decide() -> None:
    workflow = engine.get("rehabilitation_aid")

    with pytest.raises(engine.InvalidTransition):
        engine.check(workflow, "denied", "appeal", OFFICER)
    with pytest.raises(engine.InvalidTransition):
        engine.check(workflow, "appealed", "uphold_appeal", GUARDIAN)
    with pytest.raises(engine.InvalidTransition):
        engine.check(workflow, "approved", "appeal", GUARDIAN)
