"""Form fields filled from verified records (``prefill``): the child's name and ID number after
picking the child, one's own when applying for oneself; never what the client sends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from domain.applications.models import ServiceRequest
from domain.applications.service import form_of
from domain.catalog.schema import ItemDocument
from tests.api.test_applications import APPLICATIONS, _name, draft, item_document, publish_item
from tests.support.apps import error_code
from tests.support.households import registered_child
from tests.support.residents import Resident, login, new_id_number, verified

SEX = [{"value": "female", "label": _name("女", "Female")}, {"value": "male", "label": _name("男", "Male")}]
FIELDS: list[dict[str, Any]] = [
    {
        "key": "who",
        "type": "text",
        "label": _name("姓名", "Name"),
        "required": True,
        "prefill": "subject.name",
    },
    {
        "key": "who_id",
        "type": "id_number",
        "label": _name("身份证号", "ID number"),
        "required": True,
        "prefill": "subject.id_number",
    },
    {"key": "born", "type": "date", "label": _name("出生日期", "Born"), "prefill": "subject.birth_date"},
    {"key": "sex", "type": "select", "label": _name("性别", "Sex"), "options": SEX, "prefill": "subject.sex"},
    {
        "key": "declarant_id",
        "type": "id_number",
        "label": _name("申报人身份证号", "Declarant's ID"),
        "prefill": "applicant.id_number",
    },
    {"key": "phone", "type": "phone", "label": _name("手机", "Phone"), "required": True},
]
FORGED = {"who": "冒名", "who_id": new_id_number(years_old=8), "declarant_id": new_id_number(years_old=50)}


def _masked(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


async def _item() -> str:
    return await publish_item("GG0007", form={"fields": FIELDS}, materials=[])


async def _child(client: httpx.AsyncClient, parent: Resident) -> tuple[int, str]:
    number = await registered_child(client, parent, years_old=6)
    r = await client.post(
        "/api/v1/family",
        json={"relation": "child", "name": "王小明", "id_number": number},
        headers=parent.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), number


async def test_applying_for_a_child_fills_the_childs_name_and_id_number_not_the_forged_ones(
    client: httpx.AsyncClient,
) -> None:
    item = await _item()
    parent_number = new_id_number(years_old=35)
    parent = await verified(client, "parent", id_number=parent_number)
    member_id, child_number = await _child(client, parent)

    case = await draft(client, parent, item, on_behalf_of=member_id, form={**FORGED, "phone": "13800138000"})

    stored = form_of(await ServiceRequest.get(id=case["id"]))
    assert stored["who"] == "王小明" and stored["who_id"] == child_number
    assert stored["declarant_id"] == parent_number  # the applicant's own, not the forged one
    assert stored["born"] == f"{child_number[6:10]}-{child_number[10:12]}-{child_number[12:14]}"
    assert stored["sex"] == ("male" if int(child_number[16]) % 2 else "female")
    assert case["form"]["who_id"] == _masked(child_number) and case["form"]["who"] == "王小明"
    one = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=parent.headers)).json()
    assert one["prefilled"] == ["born", "declarant_id", "sex", "who", "who_id"]
    assert one["form"]["declarant_id"] == _masked(parent_number)

    # An edit that forges them again (or sends the masks back) changes nothing; submission refills.
    r = await client.patch(
        f"{APPLICATIONS}/{case['id']}",
        json={"form": {**FORGED, "who_id": _masked(child_number), "phone": "13900139000"}},
        headers=parent.headers,
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=parent.headers)
    assert r.status_code == 200, r.text
    stored = form_of(await ServiceRequest.get(id=case["id"]))
    assert (stored["who"], stored["who_id"], stored["phone"]) == ("王小明", child_number, "13900139000")


async def test_applying_for_oneself_fills_ones_own_verified_name_and_id_number(
    client: httpx.AsyncClient,
) -> None:
    item = await _item()
    number = new_id_number(years_old=40)
    alice = await verified(client, "爱丽丝", id_number=number)

    case = await draft(client, alice, item, form={"who": "冒名", "who_id": FORGED["who_id"]})

    stored = form_of(await ServiceRequest.get(id=case["id"]))
    assert (stored["who"], stored["who_id"], stored["declarant_id"]) == ("爱丽丝", number, number)
    assert case["form"]["who_id"] == _masked(number) and case["form"]["who"] == "爱丽丝"
    r = await client.patch(
        f"{APPLICATIONS}/{case['id']}", json={"form": {"phone": "13800138000"}}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=alice.headers)
    assert r.status_code == 200 and r.json()["state"] != "draft", r.text


async def test_an_unverified_record_fills_nothing_and_the_field_is_still_required(
    client: httpx.AsyncClient,
) -> None:
    item = await publish_item("GG0008", form={"fields": FIELDS}, materials=[], min_identity_level=1)
    bob = await login(client, "bob")  # WeChat only: no verified name or number to fill

    case = await draft(client, bob, item, form={**FORGED, "phone": "13800138000"})

    assert "who" not in case["form"] and "who_id" not in case["form"]
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=bob.headers)
    assert r.status_code == 422
    assert {f["field"] for f in r.json()["error"]["details"]["fields"]} == {"form.who", "form.who_id"}
    assert error_code(r) == "invalid_input"


@pytest.mark.parametrize(
    "field",
    [
        {"key": "x", "type": "text", "label": _name("号", "No"), "prefill": "subject.id_number"},
        {
            "key": "x",
            "type": "select",
            "label": _name("性", "S"),
            "options": SEX[:1],
            "prefill": "subject.sex",
        },
    ],
)
def test_a_prefill_that_does_not_fit_the_field_is_refused(field: dict[str, Any]) -> None:
    # The editors' API reports it at document.form.fields.<n> with this code (as test_catalog's cases).
    with pytest.raises(ValidationError, match="prefill_type_mismatch"):
        ItemDocument.model_validate(item_document(form={"fields": [field]}))
