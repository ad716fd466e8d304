"""The aid schemes' item documents as data files (domain/aid/documents), checked against the rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from domain.aid import items
from domain.aid import medical as med
from domain.aid import rehabilitation as rehab
from domain.aid.items import DOCUMENTS_DIR, AidDocumentInvalid, load_document


def fields(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in document["form"]["fields"]}


def written(workflow: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DOCUMENTS_DIR / f"{workflow}.json").read_text("utf-8"))
    return data


def test_the_guide_is_its_paragraphs_joined_and_the_rules_come_from_python() -> None:
    paragraphs = written("rehabilitation_aid")["document"]["guide"]["en"]

    assert items.REHABILITATION_AID_ITEM["guide"]["en"] == "\n".join(paragraphs)
    assert items.REHABILITATION_AID_ITEM["instant_rules"] == items.as_instant_rules(rehab.eligibility_rules())
    assert "instant_rules" not in written("medical_aid")["document"]


def test_art_5_property_questions_are_shown_to_the_property_tested_categories() -> None:
    form = fields(items.MEDICAL_AID_ITEM)
    tested = sorted(c.value for c in med.PROPERTY_TESTED)

    for key in ("houses", "deposits_per_capita_fen", "has_vehicle_or_ship", "securities_per_capita_fen"):
        assert form[key]["show_if"] == {"field": "category", "op": "in", "value": tested}


def test_art_16_every_exclusion_is_asked_and_its_exception_only_after_it() -> None:
    form = fields(items.MEDICAL_AID_ITEM)

    for exclusion in med.EXCLUSIONS:
        assert form[exclusion.code]["type"] == "boolean"
        if exclusion.unless:
            assert form[exclusion.unless]["show_if"] == {"field": exclusion.code, "op": "eq", "value": True}


def test_art_8_the_institution_is_asked_for_the_monthly_items() -> None:
    monthly = sorted(i.value for i, s in rehab.STANDARDS.items() if s.monthly_fen)

    assert fields(items.REHABILITATION_AID_ITEM)["institution_kind"]["show_if"]["value"] == monthly


def _option_dropped(d: dict[str, Any]) -> None:
    fields(d)["category"]["options"].pop()


def _unknown_value_compared(d: dict[str, Any]) -> None:
    fields(d)["houses"]["show_if"]["value"].append("nobody")


def _time_limit_changed(d: dict[str, Any]) -> None:
    d.update(promised_days=5, legal_days=5)


def _bad_schema(d: dict[str, Any]) -> None:
    d.update(online_depth=9)


@pytest.mark.parametrize(
    ("workflow", "change", "problem"),
    [
        ("medical_aid", _option_dropped, "not the values of MedicalAidCategory"),
        ("medical_aid", _unknown_value_compared, "does not offer"),
        ("rehabilitation_aid", _time_limit_changed, "policy"),
        ("rehabilitation_aid", _bad_schema, "online_depth"),
    ],
)
def test_a_file_that_disagrees_with_the_rules_is_refused(
    tmp_path: Path, workflow: str, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    data = written(workflow)
    change(data["document"])
    (tmp_path / f"{workflow}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    with pytest.raises(AidDocumentInvalid, match=problem):
        load_document(workflow, tmp_path)


def test_a_file_whose_code_differs_from_its_name_is_refused(tmp_path: Path) -> None:
    data = {**written("medical_aid"), "code": "rehabilitation_aid"}
    (tmp_path / "medical_aid.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    with pytest.raises(AidDocumentInvalid, match="name"):
        load_document("medical_aid", tmp_path)


def test_medical_aid_asks_money_in_yuan_and_presets_the_nine_exclusions_to_no() -> None:
    form = load_document("medical_aid")["form"]["fields"]

    money = [f for f in form if f["type"] == "money"]
    assert len(money) == 6
    assert all("元" in f["label"]["zh_Hans"] and "分" not in f["label"]["zh_Hans"] for f in money)
    assert not [f["key"] for f in form if f["type"] == "number" and f["key"].endswith("_fen")]
    # The exclusions everyone is asked (no show_if) start at "no"; conditional questions stay open.
    assert len([f for f in form if f.get("default") is False and "show_if" not in f]) == 9
    assert not [f["key"] for f in form if "default" in f and "show_if" in f]
