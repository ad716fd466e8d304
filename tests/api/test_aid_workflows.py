"""Both aid schemes end to end through the API, as configured workflows on the real catalogue items.

Rehabilitation aid for disabled children (seed 001, 汕府办〔2019〕21号) and medical aid (seed 000,
清新府办〔2018〕16号 §2.3.2): the resident applies with the item's form and materials, the 秒批 rules
are evaluated with the computed inputs (age on 31 August, per-capita property), staff take every
step of the chain, the approval issues the e-certificate and opens the 好差评 rating.
Each test names the article it checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from tortoise.transactions import in_transaction

from domain.aid.items import MEDICAL_AID_ITEM, REHABILITATION_AID_ITEM
from domain.audit.models import AuditRecord
from domain.catalog import service as catalogue
from domain.catalog.schema import ItemDocument
from domain.certificates import service as certificates
from domain.certificates.models import ECertificate
from domain.org.models import Department, Region, RegionLevel
from tests.api.test_applications import APPLICATIONS, upload
from tests.api.test_cases import CASES, china_day, claim, officer
from tests.api.test_staff import bearer, log_in, make_staff, staff_client
from tests.support.apps import error_code
from tests.support.households import registered_child
from tests.support.residents import Resident, login, verified

REHAB = "JF0005-441500"
MEDICAL = "JF0004-441803"
CERTIFICATES = "/api/v1/certificates"


async def import_aid_item(raw: dict[str, Any], basic_code: str) -> str:
    document = ItemDocument.model_validate(raw)
    region, _ = await Region.get_or_create(
        code=document.region,
        defaults={
            "name_zh_hans": "地区",
            "name_zh_hant": "地區",
            "name_en": "Region",
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
    await catalogue.import_item(basic_code, document, high_frequency_rank=None)
    return catalogue.item_code(basic_code, document.region)


async def add_child(
    client: httpx.AsyncClient, guardian: Resident, born: dt.date, name: str = "林小宝"
) -> int:
    r = await client.post(
        "/api/v1/family",
        json={
            "relation": "child",
            "name": name,
            "id_number": await registered_child(client, guardian, born=born),
        },
        headers=guardian.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def rehab_form(child_id_number: str, **changes: Any) -> dict[str, Any]:
    form = {
        "child_name": "林小宝",
        "child_id_number": child_id_number,
        "disability_type": "autism",
        "residence": "hukou",
        "has_disability_certificate": True,
        "rehabilitation_indicated": True,
        "aid_item": "full_time_training",
        "institution_kind": "public",
        "priority_group": "dibao",
        "guardian_phone": "13800138000",
    }
    return {**form, **changes}


async def post(client: httpx.AsyncClient, path: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    data: dict[str, Any] = r.json()
    return data


async def staff_step(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: int, name: str, **body: Any
) -> httpx.Response:
    return await client.post(f"{CASES}/{case_id}/steps/{name}", json=body, headers=headers)


async def rehab_case(client: httpx.AsyncClient, guardian: Resident, born: dt.date) -> dict[str, Any]:
    """A submitted rehabilitation-aid case for a new child of ``guardian`` born on ``born``."""
    child_id = await registered_child(client, guardian, born=born)
    r = await client.post(
        "/api/v1/family",
        json={"relation": "child", "name": "林小宝", "id_number": child_id},
        headers=guardian.headers,
    )
    assert r.status_code == 201, r.text
    case = await post(
        client,
        APPLICATIONS,
        guardian.headers,
        item_code=REHAB,
        on_behalf_of=r.json()["id"],
        form=rehab_form(child_id),
    )
    for code in ("application_form", "id_or_household_book", "disability_proof"):
        assert (await upload(client, guardian, case["id"], code=code)).status_code == 201
    return await post(client, f"{APPLICATIONS}/{case['id']}/submit", guardian.headers)


async def checklist(
    client: httpx.AsyncClient, resident: Resident, case: dict[str, Any]
) -> list[dict[str, Any]]:
    """The case's 秒批 checklist as its applicant reads it."""
    r = await client.get(f"{APPLICATIONS}/{case['id']}", headers=resident.headers)
    assert r.status_code == 200, r.text
    lines: list[dict[str, Any]] = [line for line in r.json()["checklist"] if line["depth"] == 0]
    return lines


# -- rehabilitation aid (seed 001) ---------------------------------------------------------------------


async def test_seed_001_art_10_L840_870_rehabilitation_aid_runs_from_application_to_rating(
    client: httpx.AsyncClient,
) -> None:
    with china_day(dt.date(2026, 3, 2)):  # a Monday
        await import_aid_item(REHABILITATION_AID_ITEM, "JF0005")
        guardian = await verified(client, "lin.guardian")
        case = await rehab_case(client, guardian, born=dt.date(2022, 5, 1))

        # Art. 5: under 7 on 31 August (computed from the child's ID number) and every other rule pass.
        assert case["state"] == "submitted" and all(
            line["passed"] for line in await checklist(client, guardian, case)
        )
        # Whose each open step is: the app shows the applicant's, the back office the staff's.
        assert case["applicant_steps"] == ["withdraw"]
        assert case["staff_steps"] == ["accept", "not_accept", "request_supplement"]
        acceptor = await officer(client, "sw.accept", scopes=("sw-disabled-persons",))
        reviewer = await officer(client, "sw.review", scopes=("sw-disabled-persons",))
        assert (await claim(client, acceptor, case["id"])).status_code == 200
        r = await client.post(
            f"{CASES}/{case['id']}/request-supplement",
            json={"reasons": ["诊断证明不清晰"], "supplement_due_on": "2026-03-09"},
            headers=acceptor,
        )
        assert r.status_code == 200 and r.json()["state"] == "supplement_requested", r.text

        assert (await upload(client, guardian, case["id"], code="disability_proof")).status_code == 201
        await post(client, f"{APPLICATIONS}/{case['id']}/resubmit", guardian.headers, comment="已补正")
        assert (await claim(client, acceptor, case["id"])).status_code == 200
        accepted = await post(client, f"{CASES}/{case['id']}/accept", acceptor)
        # L850: reviewed within 10 working days of acceptance.
        assert accepted["due_promised_on"] == "2026-03-16"

        assert (await claim(client, reviewer, case["id"])).status_code == 200
        await post(client, f"{CASES}/{case['id']}/review", reviewer)
        await post(client, f"{CASES}/{case['id']}/approve", reviewer, comment="符合条件")

        seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=guardian.headers)).json()
        # The result is the e-certificate alone, so the system delivers it at once.
        assert seen["state"] == "delivered"
        assert [t["name"] for t in seen["timeline"]][-2:] == ["approve", "deliver_electronically"]
        assert seen["rating"] == "open"
        wallet = (await client.get(CERTIFICATES, headers=guardian.headers)).json()["items"]
        assert len(wallet) == 1
        cert = wallet[0]
        assert cert["type_key"] == "rehab_aid" and cert["number"].startswith("CJKF-2026")
        assert cert["type_name"] == "残疾儿童康复救助审批决定书"
        assert cert["holder_name"] == "林**"  # the child's name, masked: the certificate is the child's
        assert cert["data"]["application_number"] == case["number"]
        assert cert["data"]["fields"] == [
            {"key": "disability_type", "label": "残疾类别", "value": "孤独症"},
            {"key": "aid_item", "label": "申请救助项目", "value": "全日制康复训练"},
        ]
        assert cert["valid_from"] == "2026-03-02" and cert["valid_until"] == "2027-03-01"
        checked = await post(client, "/api/v1/staff/certificates/verify", reviewer, signed=cert["signed"])
        assert checked["validity"] == "valid"

        r = await client.post(
            "/api/v1/evaluations",
            json={"target_type": "service_request", "target_id": case["id"], "level": "very_satisfied"},
            headers=guardian.headers,
        )
        assert r.status_code == 201, r.text
        seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=guardian.headers)).json()
        assert seen["rating"] == "rated"
        assert await AuditRecord.filter(action="certificate.issued").count() == 1


async def test_seed_001_art_5_L808_a_child_of_7_on_31_august_fails_the_age_rule(
    client: httpx.AsyncClient,
) -> None:
    with china_day(dt.date(2026, 3, 2)):
        await import_aid_item(REHABILITATION_AID_ITEM, "JF0005")
        guardian = await verified(client, "lin.guardian")
        # Born 31 August 2019: 7 on 31 August 2026, although only 6 on the day of application.
        case = await rehab_case(client, guardian, born=dt.date(2019, 8, 31))

        lines = await checklist(client, guardian, case)
    failed = [(line["label"], line["detail"]) for line in lines if not line["passed"]]
    assert failed == [("8月31日时儿童的年龄", "7")], lines
    assert case["state"] == "submitted"  # no instant approval: staff decide with the results shown


async def test_seed_001_art_10_L850_a_refusal_with_reasons_can_be_appealed_and_upheld(
    client: httpx.AsyncClient,
) -> None:
    with china_day(dt.date(2026, 3, 2)):
        await import_aid_item(REHABILITATION_AID_ITEM, "JF0005")
        guardian = await verified(client, "lin.guardian")
        case = await rehab_case(client, guardian, born=dt.date(2022, 5, 1))
        acceptor = await officer(client, "sw.accept", scopes=("sw-disabled-persons",))
        reviewer = await officer(client, "sw.review", scopes=("sw-disabled-persons",))
        await claim(client, acceptor, case["id"])
        await post(client, f"{CASES}/{case['id']}/accept", acceptor)
        await claim(client, reviewer, case["id"])
        await post(client, f"{CASES}/{case['id']}/review", reviewer)
        r = await client.post(f"{CASES}/{case['id']}/deny", json={}, headers=reviewer)
        assert r.status_code == 422 and error_code(r) == "transition_reasons_required"  # 书面说明理由
        await post(client, f"{CASES}/{case['id']}/deny", reviewer, reasons=["康复指征不明确"])
        assert (await client.get(CERTIFICATES, headers=guardian.headers)).json()["items"] == []

        r = await client.post(f"{APPLICATIONS}/{case['id']}/appeal", json={}, headers=guardian.headers)
        assert r.status_code == 422 and error_code(r) == "transition_reasons_required"
        appealed = await post(
            client, f"{APPLICATIONS}/{case['id']}/appeal", guardian.headers, comment="有新诊断"
        )
        assert appealed["state"] == "appealed"
        await claim(client, reviewer, case["id"])
        r = await staff_step(client, reviewer, case["id"], "uphold_appeal", comment="申诉成立")
        assert r.status_code == 200 and r.json()["state"] == "delivered", r.text

        wallet = (await client.get(CERTIFICATES, headers=guardian.headers)).json()["items"]
        assert [c["type_key"] for c in wallet] == ["rehab_aid"]
        # One rating per application: it opened at the refusal and stays open after the appeal.
        seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=guardian.headers)).json()
        assert seen["rating"] == "open"


async def test_an_unknown_or_closed_step_is_refused_with_the_steps_that_are_open(
    client: httpx.AsyncClient,
) -> None:
    with china_day(dt.date(2026, 3, 2)):
        await import_aid_item(REHABILITATION_AID_ITEM, "JF0005")
        guardian = await verified(client, "lin.guardian")
        case = await rehab_case(client, guardian, born=dt.date(2022, 5, 1))
        acceptor = await officer(client, "sw.accept", scopes=("sw-disabled-persons",))
        await claim(client, acceptor, case["id"])

        for name in ("uphold_appeal", "no_such_step", "deliver_electronically", "appeal"):
            r = await staff_step(client, acceptor, case["id"], name)
            assert r.status_code == 409 and error_code(r) == "invalid_transition", (name, r.text)
            assert "accept" in r.json()["error"]["details"]["allowed"]


async def test_a_withdrawn_case_is_not_rateable_but_one_not_accepted_is(client: httpx.AsyncClient) -> None:
    with china_day(dt.date(2026, 3, 2)):
        await import_aid_item(REHABILITATION_AID_ITEM, "JF0005")
        guardian = await verified(client, "lin.guardian")
        withdrawn = await rehab_case(client, guardian, born=dt.date(2022, 5, 1))
        refused = await rehab_case(client, guardian, born=dt.date(2023, 1, 9))
        await post(client, f"{APPLICATIONS}/{withdrawn['id']}/withdraw", guardian.headers)
        acceptor = await officer(client, "sw.accept", scopes=("sw-disabled-persons",))
        await claim(client, acceptor, refused["id"])
        await post(client, f"{CASES}/{refused['id']}/not-accept", acceptor, reasons=["不属于本级受理"])

        ratings = {
            c["id"]: (await client.get(f"{APPLICATIONS}/{c['id']}", headers=guardian.headers)).json()[
                "rating"
            ]
            for c in (withdrawn, refused)
        }
    assert ratings == {withdrawn["id"]: None, refused["id"]: "open"}


# -- 免提交: an e-certificate instead of an upload ---------------------------------------------------


async def household_register_of(resident: Resident, *, request_id: int = 900_001) -> ECertificate:
    async with in_transaction() as conn:
        return await certificates.issue_for_request(
            request_id=request_id,
            holder_user_id=resident.id,
            type_code="HKB",
            data={"household": "汕尾市城区"},
            department_code="sw-public-security",
            valid_days=3650,
            using_db=conn,
        )


async def test_an_e_certificate_stands_in_for_the_material_it_replaces(client: httpx.AsyncClient) -> None:
    with china_day(dt.date(2026, 3, 2)):
        await import_aid_item(REHABILITATION_AID_ITEM, "JF0005")
        guardian = await verified(client, "lin.guardian")
        stranger = await verified(client, "stranger")
        mine = await household_register_of(guardian)
        theirs = await household_register_of(stranger, request_id=900_002)
        child = await add_child(client, guardian, dt.date(2022, 5, 1))
        case = await post(client, APPLICATIONS, guardian.headers, item_code=REHAB, on_behalf_of=child)
        path = f"{APPLICATIONS}/{case['id']}/materials"

        wrong_material = await client.post(
            path,
            json={"material_code": "disability_proof", "certificate_id": mine.id},
            headers=guardian.headers,
        )
        someone_elses = await client.post(
            path,
            json={"material_code": "id_or_household_book", "certificate_id": theirs.id},
            headers=guardian.headers,
        )
        both = await client.post(
            path,
            json={"material_code": "id_or_household_book", "certificate_id": mine.id, "reuse_material_id": 1},
            headers=guardian.headers,
        )
        offered = await client.post(
            path,
            json={"material_code": "id_or_household_book", "certificate_id": mine.id},
            headers=guardian.headers,
        )

        assert wrong_material.status_code == 422
        assert error_code(wrong_material) == "material_certificate_mismatch"
        assert wrong_material.json()["error"]["details"]["accepted"] == "disability_certificate"
        assert someone_elses.status_code == 404 and error_code(someone_elses) == "certificate_not_found"
        assert both.status_code == 422 and "material_source_required" in both.text
        assert offered.status_code == 201, offered.text
        material = offered.json()
        assert material["certificate_id"] == mine.id and material["content_type"] == "application/json"
        # The material is the signed certificate as offered: staff can verify it offline.
        download = await client.get(f"{path}/{material['id']}", headers=guardian.headers)
        assert download.json()["document"]["number"] == mine.number
        assert download.json()["kid"] == mine.kid


async def test_a_revoked_e_certificate_cannot_stand_in_for_a_material(client: httpx.AsyncClient) -> None:
    with china_day(dt.date(2026, 3, 2)):
        await import_aid_item(REHABILITATION_AID_ITEM, "JF0005")
        guardian = await verified(client, "lin.guardian")
        cert = await household_register_of(guardian)
        clerk = await staff_client(client, "sw.police", roles=["case_officer"], scopes=["sw-public-security"])
        await post(client, f"/api/v1/staff/certificates/{cert.id}/revoke", clerk, reason="户口迁出")
        child = await add_child(client, guardian, dt.date(2022, 5, 1))
        case = await post(client, APPLICATIONS, guardian.headers, item_code=REHAB, on_behalf_of=child)

        r = await client.post(
            f"{APPLICATIONS}/{case['id']}/materials",
            json={"material_code": "id_or_household_book", "certificate_id": cert.id},
            headers=guardian.headers,
        )
    assert r.status_code == 409 and error_code(r) == "material_certificate_not_valid"
    assert r.json()["error"]["details"]["validity"] == "revoked"


# -- medical aid (seed 000 §2.3.2) ---------------------------------------------------------------------

DIBAO_FORM: dict[str, Any] = {
    "category": "dibao",
    "local_hukou": True,
    "self_pay_in_scope_fen": 1_200_000,
    "covered_by_special_scheme": False,
    "own_illegal_act": False,
    "third_party_liable": False,
    "self_inflicted": False,
    "cosmetic": False,
    "unapproved_nominal_stay": False,
    "outside_insurance_catalogue": False,
    "non_designated_without_procedure": False,
    "after_discharge_notice": False,
}
MEDICAL_MATERIALS = (
    "written_application",
    "household_register_and_ids",
    "diagnosis_and_receipts",
    "insurance_reimbursement",
    "other_aid_statement",
    "bank_card",
)


async def test_seed_000_art_15_L375_395_medical_aid_runs_township_district_finance(
    client: httpx.AsyncClient,
) -> None:
    with china_day(dt.date(2026, 3, 2)):  # Monday
        await import_aid_item(MEDICAL_AID_ITEM, "JF0004")
        applicant = await verified(client, "he.applicant")
        case = await post(client, APPLICATIONS, applicant.headers, item_code=MEDICAL, form=DIBAO_FORM)
        for code in MEDICAL_MATERIALS:
            assert (await upload(client, applicant, case["id"], code=code)).status_code == 201
        case = await post(client, f"{APPLICATIONS}/{case['id']}/submit", applicant.headers)
        # Art. 3(一) and Art. 16: a 低保 member, no exclusion
        assert all(line["passed"] for line in await checklist(client, applicant, case))

        township = await officer(client, "qx.township", scopes=("qx-civil-affairs",))
        district = await officer(client, "qx.district", scopes=("qx-civil-affairs",))
        await make_staff("qx.finance", roles=["finance"], scopes=["qx-civil-affairs"])
        await claim(client, township, case["id"])
        await post(client, f"{CASES}/{case['id']}/accept", township)
        await claim(client, township, case["id"])
        for name in ("investigate", "finish_investigation", "post_first_notice"):
            assert (await staff_step(client, township, case["id"], name)).status_code == 200, name

        # Art. 15(三): 5 days of public notice before the case goes on.
        r = await staff_step(client, township, case["id"], "forward_to_district")
        assert r.status_code == 409 and error_code(r) == "public_notice_running"
    with china_day(dt.date(2026, 3, 10)):
        # A week later: everyone signs in again (access tokens last minutes, not days).
        township = await officer(client, "qx.township", scopes=("qx-civil-affairs",))
        district = await officer(client, "qx.district", scopes=("qx-civil-affairs",))
        assert (await staff_step(client, township, case["id"], "forward_to_district")).status_code == 200
        await client.post(f"{CASES}/{case['id']}/release", headers=township)
        # 受审分离: the officer who accepted may not propose the district's approval.
        await claim(client, township, case["id"])
        r = await staff_step(client, township, case["id"], "propose_approval")
        assert r.status_code == 403 and error_code(r) == "separation_of_duties"
        await client.post(f"{CASES}/{case['id']}/release", headers=township)
        await claim(client, district, case["id"])
        assert (await staff_step(client, district, case["id"], "propose_approval")).status_code == 200
    with china_day(dt.date(2026, 3, 18)):
        district = await officer(client, "qx.district", scopes=("qx-civil-affairs",))
        finance = bearer(await log_in(client, "qx.finance"))
        applicant = await login(client, "he.applicant")
        approved = await staff_step(client, district, case["id"], "approve")
        assert approved.status_code == 200 and approved.json()["state"] == "approved", approved.text
        assert (await staff_step(client, district, case["id"], "request_funds")).json()["state"] == (
            "payment_requested"
        )
        # Art. 15(七): only finance pays out; it sees the payment in its queue, not the reviews.
        r = await staff_step(client, district, case["id"], "disburse")
        assert r.status_code == 403 and error_code(r) == "transition_role_required"
        await client.post(f"{CASES}/{case['id']}/release", headers=district)
        queue = (await client.get(f"{CASES}?queue=review", headers=finance)).json()["items"]
        assert [c["id"] for c in queue] == [case["id"]]
        assert (await claim(client, finance, case["id"])).status_code == 200
        paid = await staff_step(client, finance, case["id"], "disburse")
        assert paid.status_code == 200 and paid.json()["state"] == "disbursed", paid.text
        await client.post(f"{CASES}/{case['id']}/release", headers=finance)
        await claim(client, district, case["id"])
        assert (await staff_step(client, district, case["id"], "close")).json()["state"] == "closed"

        seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=applicant.headers)).json()
        assert [t["name"] for t in seen["timeline"]] == [
        "submit", "accept", "investigate", "finish_investigation", "post_first_notice",
        "forward_to_district", "propose_approval", "approve", "request_funds", "disburse", "close",
        ]  # fmt: skip
        assert seen["rating"] == "open"
        wallet = (await client.get(CERTIFICATES, headers=applicant.headers)).json()["items"]
        assert [(c["type_key"], c["data"]["fields"]) for c in wallet] == [
            (
                "medical_aid",
                [{"key": "category", "label": "救助对象类别", "value": "城乡最低生活保障家庭成员"}],
            )
        ]


async def test_finance_cannot_claim_a_case_waiting_for_a_review(client: httpx.AsyncClient) -> None:
    with china_day(dt.date(2026, 3, 2)):
        await import_aid_item(MEDICAL_AID_ITEM, "JF0004")
        applicant = await verified(client, "he.applicant")
        case = await post(client, APPLICATIONS, applicant.headers, item_code=MEDICAL, form=DIBAO_FORM)
        for code in MEDICAL_MATERIALS:
            await upload(client, applicant, case["id"], code=code)
        await post(client, f"{APPLICATIONS}/{case['id']}/submit", applicant.headers)
        finance = await staff_client(client, "qx.finance", roles=["finance"], scopes=["qx-civil-affairs"])

        r = await claim(client, finance, case["id"])
        assert r.status_code == 409 and error_code(r) == "case_not_claimable"
        assert (await client.get(f"{CASES}?queue=review", headers=finance)).json()["items"] == []
        # But it may read the case, as every role that works on the department's cases can.
        assert (await client.get(f"{CASES}/{case['id']}", headers=finance)).status_code == 200
