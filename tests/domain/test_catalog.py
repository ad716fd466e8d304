"""The catalogue's domain: form validation per field type, conditions, the import, pinned versions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.catalog import service
from domain.catalog.conditions import AllOf, AnyOf, Comparison, holds
from domain.catalog.errors import CatalogItemRetired, CatalogVersionStale
from domain.catalog.forms import validate_form
from domain.catalog.models import CatalogItem, CatalogItemVersion
from domain.catalog.schema import ItemDocument
from domain.shared.actor import Actor
from domain.shared.errors import InvalidInput
from server.demo.catalog import load_catalog
from tests.api.test_catalog import demo_catalogue
from tests.support.residents import new_id_number


def _label(text: str) -> dict[str, str]:
    return {"zh_Hans": text, "zh_Hant": text, "en": text}


def document(*fields: dict[str, Any]) -> ItemDocument:
    return ItemDocument.model_validate(
        {
            "name": _label("测试"),
            "guide": _label("说明"),
            "department": "qy-hrss",
            "region": "441800",
            "region_level": "city",
            "online_depth": 4,
            "promised_days": 1,
            "legal_days": 5,
            "applicant_kinds": ["self"],
            "workflow": "standard",
            "form": {"fields": [{"label": _label(f["key"]), **f} for f in fields]},
        }
    )


def errors(doc: ItemDocument, data: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        validate_form(doc, data)
    return {f["field"]: f["code"] for f in caught.value.details["fields"]}


# -- validate_form, one field type at a time -----------------------------------------------------


def test_text_fields_check_length_pattern_and_characters() -> None:
    doc = document(
        {"key": "name", "type": "text", "required": True, "min": 2, "max": 4, "pattern": "[一-龥]+"}
    )

    assert validate_form(doc, {"name": "  李四 "}) == {"name": "李四"}
    assert errors(doc, {"name": "李"}) == {"form.name": "too_short"}
    assert errors(doc, {"name": "李四张三王"}) == {"form.name": "too_long"}
    assert errors(doc, {"name": "Li"}) == {"form.name": "bad_format"}
    assert errors(doc, {"name": "李\x00四"}) == {"form.name": "bad_characters"}
    assert errors(doc, {"name": 42}) == {"form.name": "wrong_type"}
    assert errors(doc, {"name": "   "}) == {"form.name": "required"}
    assert errors(doc, {}) == {"form.name": "required"}


def test_a_text_field_without_a_max_still_has_one() -> None:
    doc = document({"key": "reason", "type": "text"})

    assert errors(doc, {"reason": "x" * 2001}) == {"form.reason": "too_long"}
    assert validate_form(doc, {}) == {}  # optional and absent


def test_number_fields_check_type_and_bounds() -> None:
    doc = document({"key": "amount", "type": "number", "required": True, "min": 1, "max": 100})

    assert validate_form(doc, {"amount": 99.5}) == {"amount": 99.5}
    assert errors(doc, {"amount": 0}) == {"form.amount": "too_small"}
    assert errors(doc, {"amount": 101}) == {"form.amount": "too_large"}
    assert errors(doc, {"amount": "50"}) == {"form.amount": "wrong_type"}
    assert errors(doc, {"amount": True}) == {"form.amount": "wrong_type"}
    assert errors(doc, {"amount": float("nan")}) == {"form.amount": "wrong_type"}


def test_money_fields_keep_whole_fen_within_bounds() -> None:
    doc = document({"key": "income", "type": "money", "required": True, "max": 1_000_000})

    assert validate_form(doc, {"income": 800_050}) == {"income": 800_050}  # ¥8000.50 typed
    assert validate_form(doc, {"income": 800_050.0}) == {"income": 800_050}
    assert errors(doc, {"income": 8000.5}) == {"form.income": "bad_format"}  # half a fen
    assert errors(doc, {"income": -1}) == {"form.income": "too_small"}
    assert errors(doc, {"income": 1_000_001}) == {"form.income": "too_large"}
    assert errors(doc, {"income": "8000.50"}) == {"form.income": "wrong_type"}
    assert errors(doc, {"income": True}) == {"form.income": "wrong_type"}


def test_date_fields_check_the_calendar_and_bounds() -> None:
    doc = document(
        {"key": "born", "type": "date", "required": True, "min": "2019-09-01", "max": "2026-08-31"}
    )

    assert validate_form(doc, {"born": "2020-02-29"}) == {"born": "2020-02-29"}
    assert errors(doc, {"born": "2021-02-29"}) == {"form.born": "bad_format"}
    assert errors(doc, {"born": "2020/02/01"}) == {"form.born": "bad_format"}
    assert errors(doc, {"born": "2019-08-31"}) == {"form.born": "too_small"}
    assert errors(doc, {"born": "2026-09-01"}) == {"form.born": "too_large"}
    assert errors(doc, {"born": 20200101}) == {"form.born": "wrong_type"}


def test_select_and_boolean_fields_take_only_their_values() -> None:
    options = [{"value": v, "label": _label(v)} for v in ("hearing", "vision")]
    doc = document(
        {"key": "kind", "type": "select", "required": True, "options": options},
        {"key": "urgent", "type": "boolean", "required": True},
    )

    assert validate_form(doc, {"kind": "vision", "urgent": False}) == {"kind": "vision", "urgent": False}
    assert errors(doc, {"kind": "speech", "urgent": "yes"}) == {
        "form.kind": "not_allowed",
        "form.urgent": "wrong_type",
    }
    assert errors(doc, {"kind": ["vision"], "urgent": 1}) == {
        "form.kind": "wrong_type",
        "form.urgent": "wrong_type",
    }


def test_id_number_and_phone_fields_are_checked_and_normalised() -> None:
    doc = document({"key": "id", "type": "id_number", "required": True}, {"key": "phone", "type": "phone"})
    good = new_id_number(years_old=40)

    cleaned = validate_form(doc, {"id": good.lower(), "phone": "+86 138-0013-8000"})
    assert cleaned == {"id": good.upper(), "phone": "13800138000"}
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert errors(doc, {"id": bad_checksum, "phone": "12800138000"}) == {
        "form.id": "id_number_invalid",
        "form.phone": "phone_invalid",
    }
    assert errors(doc, {"id": 441802, "phone": 13800138000}) == {
        "form.id": "wrong_type",
        "form.phone": "wrong_type",
    }


def test_show_if_hides_a_field_so_it_is_neither_required_nor_kept() -> None:
    doc = document(
        {"key": "married", "type": "boolean", "required": True},
        {
            "key": "certificate",
            "type": "text",
            "required": True,
            "show_if": {"field": "married", "op": "eq", "value": True},
        },
    )

    assert validate_form(doc, {"married": False}) == {"married": False}
    assert validate_form(doc, {"married": False, "certificate": "stale"}) == {"married": False}
    assert errors(doc, {"married": True}) == {"form.certificate": "required"}
    assert validate_form(doc, {"married": True, "certificate": "粤2020-1"}) == {
        "married": True,
        "certificate": "粤2020-1",
    }
    # A condition reads the accepted values: a rejected "married" shows nothing below it.
    assert errors(doc, {"married": "yes"}) == {"form.married": "wrong_type"}


def test_unknown_fields_and_non_objects_are_refused() -> None:
    doc = document({"key": "name", "type": "text"})

    assert errors(doc, {"name": "a", "extra": 1}) == {"form.extra": "unknown_field"}
    assert errors(doc, ["name"]) == {"form": "wrong_type"}
    with pytest.raises(InvalidInput) as caught:
        validate_form(doc, {"extra": 1}, prefix="answers")
    assert caught.value.details["fields"][0]["field"] == "answers.extra"


# -- conditions -------------------------------------------------------------------------------------


def test_conditions_combine_and_never_raise_on_odd_values() -> None:
    young = Comparison(field="age", op="lt", value=7)
    kinds = Comparison(field="kind", op="in", value=["hearing", "vision"])
    rule = AllOf(all=[young, AnyOf(any=[kinds, Comparison(field="note", op="present")])])

    assert holds(rule, {"age": 6, "kind": "vision"})
    assert holds(rule, {"age": 6, "kind": "other", "note": "x"})
    assert not holds(rule, {"age": 7, "kind": "vision"})
    assert not holds(rule, {"age": "six", "kind": "vision"})  # wrong type: just false
    assert not holds(rule, {"kind": "vision"})  # missing
    assert not holds(Comparison(field="flag", op="eq", value=1), {"flag": True})  # true is not 1
    assert holds(Comparison(field="applicant.level", op="ge", value=3), {"applicant": {"level": 4}})
    assert holds(Comparison(field="x", op="not_in", value=[1]), {"x": 2})


# -- the import and versions ------------------------------------------------------------------------


async def test_loading_the_demo_catalogue_twice_changes_nothing_the_second_time(db: str) -> None:
    async with demo_catalogue():
        await _demo_catalogue_loads_once()


async def _demo_catalogue_loads_once() -> None:
    first = await CatalogItem.all().count()  # demo_catalogue loaded it once already

    assert first >= 30
    assert await load_catalog() == 0
    assert await CatalogItem.filter(status="published").count() == first
    assert await CatalogItemVersion.all().count() == first
    workflows = {
        code: (await service.version_to_apply(code))[2].workflow
        for code in ("JF0004-441803", "JF0005-441500")
    }
    assert workflows == {"JF0004-441803": "medical_aid", "JF0005-441500": "rehabilitation_aid"}


async def test_an_application_keeps_the_version_it_was_filed_under(db: str) -> None:
    async with demo_catalogue():
        await _application_keeps_its_version()


async def _application_keeps_its_version() -> None:
    _item, filed_under, _doc = await service.version_to_apply("GG0015-441800")
    editor = Actor(kind="staff", id=1, roles=frozenset({"catalogue_editor"}), scopes=frozenset({"qy-hrss"}))
    changed = filed_under.document | {"promised_days": 1}

    await service.add_version(
        editor, "GG0015-441800", base_version=1, document=ItemDocument.model_validate(changed), cache=None
    )
    await service.publish(editor, "GG0015-441800", cache=None)

    old, old_document = await service.version_by_id(filed_under.id)
    _item, now, now_document = await service.version_to_apply("GG0015-441800")
    assert (old.number, old_document.promised_days) == (1, 0)
    assert (now.number, now_document.promised_days) == (2, 1)
    await service.retire(editor, "GG0015-441800", cache=None)
    with pytest.raises(CatalogItemRetired):
        await service.version_to_apply("GG0015-441800")
    assert (await service.version_by_id(filed_under.id))[0].number == 1


@pytest.mark.postgres
async def test_concurrent_edits_from_the_same_base_cannot_both_win(db: str) -> None:
    async with demo_catalogue():
        await _concurrent_edits()


async def _concurrent_edits() -> None:
    _item, version, document = await service.version_to_apply("GG0016-441900")
    editor = Actor(kind="staff", id=1, roles=frozenset({"catalogue_editor"}), scopes=frozenset({"*"}))

    outcomes = await asyncio.gather(
        *(
            service.add_version(editor, "GG0016-441900", base_version=1, document=document, cache=None)
            for _ in range(8)
        ),
        return_exceptions=True,
    )

    won = [o for o in outcomes if isinstance(o, CatalogItemVersion)]
    assert len(won) == 1 and won[0].number == 2
    assert all(isinstance(o, CatalogVersionStale) for o in outcomes if o not in won)
    assert await CatalogItemVersion.filter(item__code="GG0016-441900").count() == 2
