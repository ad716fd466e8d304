"""Residents' applications (办件): drafts, forms, materials, submission with 秒批, withdrawal, privacy.

The items come from the real catalogue (``domain.catalog``): each test publishes what it needs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest
from tortoise import connections

from domain.applications.models import ServiceRequest
from domain.applications.service import form_of
from domain.audit.models import AuditRecord
from domain.catalog import service as catalogue
from domain.catalog.schema import ItemDocument
from domain.org.models import Department, Region, RegionLevel
from domain.outbox.models import OutboxMessage
from domain.shared.actor import Actor
from server.settings import Settings
from tests.support.apps import client_for, error_code, running
from tests.support.households import registered_child
from tests.support.residents import Resident, login, new_id_number, verified

APPLICATIONS = "/api/v1/applications"
EDITOR = Actor(kind="staff", id=None, roles=frozenset({"catalogue_editor"}), scopes=frozenset({"*"}))
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 32


def _name(zh: str, en: str) -> dict[str, str]:
    return {"zh_Hans": zh, "zh_Hant": zh, "en": en}


def item_document(**changes: Any) -> dict[str, Any]:
    """A small item: a form with a text, a phone, an ID number and a select; one required material."""
    document: dict[str, Any] = {
        "name": _name("测试事项", "Test item"),
        "guide": _name("办事指南", "Guide"),
        "department": "gz-civil",
        "region": "440100",
        "region_level": "city",
        "online_depth": 4,
        "promised_days": 5,
        "legal_days": 10,
        "min_identity_level": 3,
        "applicant_kinds": ["self", "family_member"],
        "materials": [
            {"code": "proof", "name": _name("证明", "Proof"), "required": True},
            {"code": "photo", "name": _name("照片", "Photo"), "required": False},
        ],
        "form": {
            "fields": [
                {
                    "key": "full_name",
                    "type": "text",
                    "label": _name("姓名", "Name"),
                    "required": True,
                    "max": 20,
                },
                {"key": "phone", "type": "phone", "label": _name("手机", "Phone"), "required": True},
                {"key": "id_number", "type": "id_number", "label": _name("证件号", "ID"), "required": False},
                {
                    "key": "kind",
                    "type": "select",
                    "label": _name("类别", "Kind"),
                    "required": True,
                    "options": [
                        {"value": "a", "label": _name("甲", "A")},
                        {"value": "b", "label": _name("乙", "B")},
                    ],
                },
            ]
        },
        "workflow": "standard",
    }
    document.update(changes)
    return document


async def publish_item(basic_code: str = "GG0001", **changes: Any) -> str:
    """Publish an item in the real catalogue (creating its region and department); returns its code."""
    document = ItemDocument.model_validate(item_document(**changes))
    region, _created = await Region.get_or_create(
        code=document.region,
        defaults={
            "name_zh_hans": "广州市",
            "name_zh_hant": "廣州市",
            "name_en": "Guangzhou",
            "level": RegionLevel.CITY,
        },
    )
    await Department.get_or_create(
        code=document.department,
        defaults={
            "name_zh_hans": "部门",
            "name_zh_hant": "部門",
            "name_en": document.department,
            "region": region,
        },
    )
    item = await catalogue.create_item(EDITOR, basic_code=basic_code, document=document, cache=None)
    await catalogue.publish(EDITOR, item.code, cache=None)
    return item.code


GOOD_FORM = {"full_name": "张三", "phone": "13800138000", "kind": "a"}


async def draft(client: httpx.AsyncClient, resident: Resident, item: str, **body: Any) -> dict[str, Any]:
    r = await client.post(APPLICATIONS, json={"item_code": item, **body}, headers=resident.headers)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def upload(
    client: httpx.AsyncClient,
    resident: Resident,
    request_id: int,
    data: bytes = PDF,
    *,
    name: str = "proof.pdf",
    content_type: str = "application/pdf",
    code: str = "proof",
) -> httpx.Response:
    return await client.post(
        f"{APPLICATIONS}/{request_id}/materials",
        data={"material_code": code},
        files={"file": (name, data, content_type)},
        headers=resident.headers,
    )


async def submitted_case(
    client: httpx.AsyncClient, resident: Resident, item: str, form: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A case with a good form and its material, submitted."""
    case = await draft(client, resident, item, form=form or GOOD_FORM)
    assert (await upload(client, resident, case["id"])).status_code == 201
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=resident.headers)
    assert r.status_code == 200, r.text
    submitted: dict[str, Any] = r.json()
    return submitted


# -- drafts ------------------------------------------------------------------------------------------


async def test_a_verified_resident_starts_a_draft_and_reads_it_back(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")

    case = await draft(client, alice, item, form={"full_name": "张三"})

    assert case["state"] == "draft" and case["item_code"] == item and case["department"] == "gz-civil"
    assert len(case["number"]) == 16 and case["number"].isdigit()
    assert case["next_steps"] == ["submit"]
    one = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()
    assert one["timeline"] == [] and one["materials"] == [] and one["form"] == {"full_name": "张三"}
    mine = (await client.get(APPLICATIONS, headers=alice.headers)).json()["items"]
    assert [c["id"] for c in mine] == [case["id"]]
    assert await AuditRecord.filter(action="applications.draft_created", target_id=str(case["id"])).exists()


async def test_the_items_identity_level_is_required(client: httpx.AsyncClient) -> None:
    item = await publish_item(min_identity_level=3)
    newcomer = await login(client, "newcomer")  # L1: WeChat only
    r = await client.post(APPLICATIONS, json={"item_code": item}, headers=newcomer.headers)
    assert r.status_code == 403 and error_code(r) == "identity_level_required"


async def test_an_unknown_item_or_a_bad_body_is_a_clear_4xx(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    r = await client.post(APPLICATIONS, json={"item_code": "GG9999-440100"}, headers=alice.headers)
    assert r.status_code == 404 and error_code(r) == "catalog_item_not_found"
    r = await client.post(APPLICATIONS, json={"item_code": "x", "form": []}, headers=alice.headers)
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"][0]["field"] == "form"
    r = await client.post(APPLICATIONS, json={"item_code": "x", "on_behalf_of": 2**64}, headers=alice.headers)
    assert r.status_code == 422


async def test_a_draft_for_a_child_names_the_child_and_the_item_must_allow_it(
    client: httpx.AsyncClient,
) -> None:
    item = await publish_item()
    self_only = await publish_item("GG0002", applicant_kinds=["self"])
    parent = await verified(client, "parent")
    child = await client.post(
        "/api/v1/family",
        json={
            "relation": "child",
            "name": "王小明",
            "id_number": await registered_child(client, parent, years_old=5),
        },
        headers=parent.headers,
    )
    member_id = child.json()["id"]

    case = await draft(client, parent, item, on_behalf_of=member_id)
    assert case["on_behalf_of"] == member_id
    r = await client.post(
        APPLICATIONS, json={"item_code": self_only, "on_behalf_of": member_id}, headers=parent.headers
    )
    assert r.status_code == 403 and error_code(r) == "applicant_kind_not_allowed"
    stranger = await verified(client, "stranger")
    r = await client.post(
        APPLICATIONS, json={"item_code": item, "on_behalf_of": member_id}, headers=stranger.headers
    )
    assert r.status_code == 404 and error_code(r) == "family_member_not_found"


async def test_phone_and_id_number_answers_are_encrypted_at_rest_and_masked(
    client: httpx.AsyncClient,
) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, item)
    number = new_id_number(years_old=40)

    r = await client.patch(
        f"{APPLICATIONS}/{case['id']}",
        json={"form": {**GOOD_FORM, "id_number": number}},
        headers=alice.headers,
    )

    assert r.status_code == 200
    assert r.json()["form"]["phone"] == "138****8000"
    assert r.json()["form"]["id_number"] == number[:4] + "*" * 10 + number[-4:]
    _count, rows = await connections.get("default").execute_query(
        "SELECT form_data, form_secrets FROM service_request WHERE id = $1"
        if connections.get("default").capabilities.dialect == "postgres"
        else "SELECT form_data, form_secrets FROM service_request WHERE id = ?",
        [case["id"]],
    )
    form_data, secrets = dict(rows[0])["form_data"], dict(rows[0])["form_secrets"]
    stored = f"{form_data} {secrets}"
    assert "13800138000" not in stored and number not in stored
    # The name is not a secret: it is in the plain answers (SQLite keeps JSON text \u-escaped).
    plain = json.loads(form_data) if isinstance(form_data, str) else form_data
    assert plain["full_name"] == "张三"


async def test_sending_back_the_masked_answers_keeps_the_stored_ones(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    number = new_id_number(years_old=40)
    case = await draft(client, alice, item, form={**GOOD_FORM, "id_number": number})
    shown = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()["form"]

    # The app edits one answer and sends back the form as it read it, masks included.
    r = await client.patch(
        f"{APPLICATIONS}/{case['id']}", json={"form": {**shown, "full_name": "张三丰"}}, headers=alice.headers
    )
    changed_phone = await client.patch(
        f"{APPLICATIONS}/{case['id']}",
        json={"form": {**shown, "phone": "13900139000"}},
        headers=alice.headers,
    )

    assert r.status_code == 200 and r.json()["form"]["id_number"] == shown["id_number"]
    assert changed_phone.json()["form"]["phone"] == "139****9000"  # a new value is taken as given
    req = await ServiceRequest.get(id=case["id"])
    assert form_of(req)["id_number"] == number and form_of(req)["phone"] == "13900139000"


async def test_the_form_is_checked_at_submission_field_by_field(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(
        client, alice, item, form={"phone": "12345", "kind": "z", "colour": "red", "full_name": 7}
    )
    await upload(client, alice, case["id"])

    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=alice.headers)

    assert r.status_code == 422 and error_code(r) == "invalid_input"
    codes = {f["field"]: f["code"] for f in r.json()["error"]["details"]["fields"]}
    assert codes["form.colour"] == "unknown_field"
    assert codes["form.kind"] == "not_allowed"
    assert codes["form.full_name"] == "wrong_type"
    assert codes["form.phone"] in ("bad_format", "phone_invalid")
    assert (await ServiceRequest.get(id=case["id"])).state == "draft"


async def test_required_materials_must_be_there_before_submission(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, item, form=GOOD_FORM)
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=alice.headers)
    assert r.status_code == 422 and error_code(r) == "application_materials_missing"
    assert r.json()["error"]["details"]["materials"] == ["proof"]


async def test_a_tolerated_material_may_follow_later(client: httpx.AsyncClient) -> None:
    materials = [{"code": "proof", "name": _name("证明", "Proof"), "required": True, "tolerated": True}]
    item = await publish_item(materials=materials)
    alice = await verified(client, "alice")
    case = await draft(client, alice, item, form=GOOD_FORM)
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=alice.headers)
    assert r.status_code == 200 and r.json()["state"] == "submitted"


# -- materials ---------------------------------------------------------------------------------------


async def test_an_upload_is_sniffed_hashed_and_readable_by_its_applicant(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, item)

    r = await upload(client, alice, case["id"], PNG, name="photo.png", content_type="image/png", code="photo")

    assert r.status_code == 201, r.text
    material = r.json()
    assert material["content_type"] == "image/png" and material["size"] == len(PNG)
    assert material["sha256"] == hashlib.sha256(PNG).hexdigest()
    got = await client.get(f"{APPLICATIONS}/{case['id']}/materials/{material['id']}", headers=alice.headers)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png" and got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("data", "name", "content_type", "code"),
    [
        (PNG, "scan.pdf", "application/pdf", "material_disguised"),  # a PNG calling itself a PDF
        (PDF, "scan.pdf", "image/png", "material_disguised"),  # the declared type lies
        (PDF, "scan.exe", "application/octet-stream", "material_disguised"),  # a PDF named as a program
        (EXE, "scan.pdf", "application/pdf", "material_type_not_allowed"),  # a program named as a PDF
        (b"", "empty.pdf", "application/pdf", "material_type_not_allowed"),
    ],
)
async def test_disguised_and_unknown_files_are_refused(
    client: httpx.AsyncClient, data: bytes, name: str, content_type: str, code: str
) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, item)
    r = await upload(client, alice, case["id"], data, name=name, content_type=content_type)
    assert r.status_code == 422 and error_code(r) == code


async def test_an_oversized_file_is_refused(settings: Settings) -> None:
    async with running(settings, max_upload_bytes=1024) as app, client_for(app) as client:
        item = await publish_item()
        alice = await verified(client, "alice")
        case = await draft(client, alice, item)
        r = await upload(client, alice, case["id"], PDF + b"0" * 1024)
        assert r.status_code == 422 and error_code(r) == "material_too_large"
        assert r.json()["error"]["details"] == {"limit": 1024}
        assert (await upload(client, alice, case["id"], PDF)).status_code == 201


async def test_uploads_need_a_file_and_a_known_material_code(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, item)
    r = await upload(client, alice, case["id"], code="passport")
    assert r.status_code == 422 and error_code(r) == "material_code_unknown"
    r = await client.post(
        f"{APPLICATIONS}/{case['id']}/materials",
        data={"material_code": "proof"},
        files={"other": ("a.pdf", PDF, "application/pdf")},
        headers=alice.headers,
    )
    assert r.status_code == 422 and error_code(r) == "material_file_required"
    r = await client.post(
        f"{APPLICATIONS}/{case['id']}/materials", content=b"{not json", headers=alice.headers
    )
    assert r.status_code == 400 and error_code(r) == "malformed_json"


async def test_an_earlier_upload_is_reused_but_only_by_its_owner(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice, bob = await verified(client, "alice"), await verified(client, "bob")
    first = await submitted_case(client, alice, item)
    earlier = (await client.get(f"{APPLICATIONS}/{first['id']}", headers=alice.headers)).json()["materials"][
        0
    ]
    second = await draft(client, alice, item)

    r = await client.post(
        f"{APPLICATIONS}/{second['id']}/materials",
        json={"material_code": "proof", "reuse_material_id": earlier["id"]},
        headers=alice.headers,
    )

    assert r.status_code == 201
    assert r.json()["reused_from"] == earlier["id"] and r.json()["sha256"] == earlier["sha256"]
    got = await client.get(f"{APPLICATIONS}/{second['id']}/materials/{r.json()['id']}", headers=alice.headers)
    assert got.content == PDF
    bobs = await draft(client, bob, item)
    r = await client.post(
        f"{APPLICATIONS}/{bobs['id']}/materials",
        json={"material_code": "proof", "reuse_material_id": earlier["id"]},
        headers=bob.headers,
    )
    assert r.status_code == 404 and error_code(r) == "material_not_found"


async def test_another_resident_sees_neither_the_case_nor_its_files(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice, mallory = await verified(client, "alice"), await verified(client, "mallory")
    case = await submitted_case(client, alice, item)
    material = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()["materials"][
        0
    ]

    for path in (f"{APPLICATIONS}/{case['id']}", f"{APPLICATIONS}/{case['id']}/materials/{material['id']}"):
        r = await client.get(path, headers=mallory.headers)
        assert r.status_code == 404 and error_code(r) == "application_not_found"
    r = await client.post(f"{APPLICATIONS}/{case['id']}/withdraw", json={}, headers=mallory.headers)
    assert r.status_code == 404
    assert (await client.get(APPLICATIONS, headers=mallory.headers)).json()["items"] == []
    # A material id of another case is not found through this one.
    own = await draft(client, mallory, item)
    r = await client.get(f"{APPLICATIONS}/{own['id']}/materials/{material['id']}", headers=mallory.headers)
    assert r.status_code == 404 and error_code(r) == "material_not_found"


# -- submission, 秒批, withdrawal ------------------------------------------------------------------------


async def test_submission_writes_the_timeline_the_audit_and_the_outbox(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")

    case = await submitted_case(client, alice, item)

    assert case["state"] == "submitted" and case["submitted_at"] is not None and case["rule_results"] is None
    timeline = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()["timeline"]
    assert [(t["name"], t["from_state"], t["to_state"], t["by"]) for t in timeline] == [
        ("submit", "draft", "submitted", "applicant")
    ]
    assert await AuditRecord.filter(action="applications.submit", target_id=str(case["id"])).exists()
    message = await OutboxMessage.get(topic="applications.status_changed")
    assert message.payload["state"] == "submitted" and message.payload["user_id"] == alice.id
    assert message.payload["reference"] == case["number"]
    r = await client.patch(f"{APPLICATIONS}/{case['id']}", json={"form": GOOD_FORM}, headers=alice.headers)
    assert r.status_code == 409 and error_code(r) == "application_not_editable"
    r = await upload(client, alice, case["id"])
    assert r.status_code == 409 and error_code(r) == "application_not_editable"


async def test_the_applicant_withdraws_before_a_decision_and_cannot_submit_again(
    client: httpx.AsyncClient,
) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)

    r = await client.post(
        f"{APPLICATIONS}/{case['id']}/withdraw", json={"comment": "不需要了"}, headers=alice.headers
    )

    assert r.status_code == 200 and r.json()["state"] == "withdrawn" and r.json()["next_steps"] == []
    for step in ("withdraw", "submit", "resubmit"):
        r = await client.post(f"{APPLICATIONS}/{case['id']}/{step}", json={}, headers=alice.headers)
        assert r.status_code == 409 and error_code(r) == "invalid_transition", step


async def test_a_draft_cannot_be_resubmitted_or_withdrawn(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, item)
    for step in ("withdraw", "resubmit"):
        r = await client.post(f"{APPLICATIONS}/{case['id']}/{step}", json={}, headers=alice.headers)
        assert r.status_code == 409 and error_code(r) == "invalid_transition"
        assert r.json()["error"]["details"]["allowed"] == ["submit"]


INSTANT_RULES = {
    "all": [
        {"field": "applicant.identity_level", "op": "ge", "value": 3},
        {"field": "subject.age", "op": "lt", "value": 7},
        {"field": "form.kind", "op": "eq", "value": "a"},
    ]
}


async def _child_case(
    client: httpx.AsyncClient, parent: Resident, item: str, years_old: int
) -> dict[str, Any]:
    child = await client.post(
        "/api/v1/family",
        json={
            "relation": "child",
            "name": "王小明",
            "id_number": await registered_child(client, parent, years_old=years_old),
        },
        headers=parent.headers,
    )
    case = await draft(client, parent, item, on_behalf_of=child.json()["id"], form=GOOD_FORM)
    await upload(client, parent, case["id"])
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=parent.headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_instant_approval_when_every_rule_passes(client: httpx.AsyncClient) -> None:
    item = await publish_item(workflow="instant", instant_rules=INSTANT_RULES)
    parent = await verified(client, "parent")

    case = await _child_case(client, parent, item, years_old=5)

    assert case["state"] == "approved" and case["decided_at"] is not None
    assert case["rule_results"] is None  # the raw record is for staff tools; people read the checklist
    seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=parent.headers)).json()
    assert [line["passed"] for line in seen["checklist"]] == [True, True, True]
    timeline = seen["timeline"]
    assert [(t["name"], t["by"]) for t in timeline] == [
        ("submit", "applicant"),
        ("instant_approve", "system"),
    ]
    assert await AuditRecord.filter(action="applications.instant_approve").exists()


async def test_instant_rules_that_fail_send_the_case_to_staff_with_the_results(
    client: httpx.AsyncClient,
) -> None:
    item = await publish_item(workflow="instant", instant_rules=INSTANT_RULES)
    parent = await verified(client, "parent")

    case = await _child_case(client, parent, item, years_old=8)

    assert case["state"] == "submitted" and case["decided_at"] is None
    seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=parent.headers)).json()
    assert seen["checklist"][1] == {
        "label": "办理对象年龄",
        "passed": False,
        "detail": "8",
        "requirement": "小于 7",
        "depth": 0,
    }
    assert "accept" in case["next_steps"]
