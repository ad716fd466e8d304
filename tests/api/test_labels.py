"""Labels: every code a person might see comes with its name in the caller's language.

A case's, an appointment's, a payment's and a health card's state, a role, a site and an
authority, each in the three locales; an inbox message after a case event names the service and
shows no code; the 秒批 checklist reads as words, with no rule code in it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sanic import Sanic

from domain.accounts.models import User
from domain.org.models import Department, Region, RegionLevel
from tests.api.test_applications import APPLICATIONS, GOOD_FORM, draft, publish_item, upload
from tests.api.test_appointments import BASE, MONDAY, at, book, open_hall, open_hospital, slots_on
from tests.api.test_health_cards import issued
from tests.api.test_inbox import run_due_jobs
from tests.api.test_staff import staff_client
from tests.domain.test_certificates import issue
from tests.support.residents import Resident, login, verified

LOCALES = {"zh_Hans": "zh-CN", "zh_Hant": "zh-TW", "en": "en"}
# What a person must never read: a snake_case word, a site code, a rule's operator or braces.
RAW = re.compile(r"[a-z]+_[a-z_]+|[A-Z]+-[A-Z]+|[{}\[\]]|\b(eq|ne|lt|le|gt|ge|not_in|present)\b")


def speaking(resident_or_headers: Resident | dict[str, str], locale: str) -> dict[str, str]:
    """Staff ask by Accept-Language; a resident's saved preference wins over it (see ``saying``)."""
    headers = resident_or_headers if isinstance(resident_or_headers, dict) else resident_or_headers.headers
    return {**headers, "Accept-Language": LOCALES[locale]}


async def saying(client: httpx.AsyncClient, resident: Resident, locale: str) -> dict[str, str]:
    """A resident who chose ``locale`` in the app."""
    r = await client.patch("/api/v1/me", json={"locale": locale}, headers=resident.headers)
    assert r.status_code == 200, r.text
    return resident.headers


@pytest.mark.parametrize(
    ("locale", "state", "item", "department"),
    [
        ("zh_Hans", "草稿", "测试事项", "部门"),
        ("zh_Hant", "草稿", "测试事项", "部門"),
        ("en", "Draft", "Test item", "gz-civil"),  # the test department's English name is its code
    ],
)
async def test_a_cases_state_item_and_authority_by_name(
    client: httpx.AsyncClient, locale: str, state: str, item: str, department: str
) -> None:
    code = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, code)

    seen = (
        await client.get(f"{APPLICATIONS}/{case['id']}", headers=await saying(client, alice, locale))
    ).json()
    listed = (await client.get(APPLICATIONS, headers=await saying(client, alice, locale))).json()["items"][0]

    for shown in (seen, listed):
        assert shown["state"] == "draft" and shown["state_label"] == state
        assert shown["item_label"] == item and shown["department_label"] == department
    assert seen["applicant_steps_labels"] == [
        {"zh_Hans": "提交申请", "zh_Hant": "提交申請"}.get(locale, "Submit")
    ]


@pytest.mark.parametrize(
    ("locale", "booked", "site"),
    [
        ("zh_Hans", "已预约", "清远市政务服务中心"),
        ("zh_Hant", "已預約", "清远市政务服务中心"),
        ("en", "Booked", "Qingyuan service centre"),
    ],
)
async def test_an_appointments_state_and_site_by_name(
    client: httpx.AsyncClient, locale: str, booked: str, site: str
) -> None:
    with at(MONDAY):
        service = await open_hall()
        alice = await verified(client, "alice")
        slot = (await slots_on(client, service, MONDAY))[2]
        made = (await book(client, alice, service, slot["slot_id"])).json()
        seen = (await client.get(f"{BASE}/{made['id']}", headers=await saying(client, alice, locale))).json()

    assert seen["state"] == "booked" and seen["state_label"] == booked
    assert seen["site"] == "QY-HALL" and seen["site_label"] == site


@pytest.mark.parametrize(
    ("locale", "to_pay"), [("zh_Hans", "待支付"), ("zh_Hant", "待支付"), ("en", "To pay")]
)
async def test_a_payments_state_by_name(client: httpx.AsyncClient, locale: str, to_pay: str) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(places=1)
        alice = await verified(client, "alice")
        slot = (await slots_on(client, service, MONDAY))[0]
        assert (await book(client, alice, service, slot["slot_id"])).status_code == 201
        orders = (await client.get("/api/v1/payments", headers=await saying(client, alice, locale))).json()[
            "items"
        ]

    assert [(o["state"], o["state_label"]) for o in orders] == [("pending", to_pay)]


@pytest.mark.parametrize(("locale", "active"), [("zh_Hans", "正常"), ("zh_Hant", "正常"), ("en", "Active")])
async def test_a_health_cards_state_by_name(client: httpx.AsyncClient, locale: str, active: str) -> None:
    alice = await verified(client, "alice")
    card = await issued(client, alice)
    seen = (
        await client.get(f"/api/v1/health-cards/{card['id']}", headers=await saying(client, alice, locale))
    ).json()
    assert seen["state"] == "active" and seen["state_label"] == active


@pytest.mark.parametrize(
    ("locale", "role", "site"),
    [
        ("zh_Hans", "办件人员", "清远市政务服务中心"),
        ("zh_Hant", "辦件人員", "清远市政务服务中心"),
        ("en", "Case officer", "Qingyuan service centre"),
    ],
)
async def test_a_staff_members_roles_and_scopes_by_name(
    client: httpx.AsyncClient, locale: str, role: str, site: str
) -> None:
    await open_hall()
    headers = await staff_client(client, "hall.officer", roles=("case_officer",), scopes=("QY-HALL",))
    me = (await client.get("/api/v1/staff/me", headers=speaking(headers, locale))).json()
    assert me["roles"] == ["case_officer"] and me["roles_labels"] == [role]
    assert me["scopes"] == ["QY-HALL"] and me["scopes_labels"] == [site]


@pytest.mark.parametrize(
    ("locale", "authority", "validity"),
    [("zh_Hans", "广州市残联", "有效"), ("zh_Hant", "廣州市殘聯", "有效"), ("en", "Guangzhou DPF", "Valid")],
)
async def test_a_certificates_issuing_authority_by_name(
    client: httpx.AsyncClient, locale: str, authority: str, validity: str
) -> None:
    region = await Region.create(
        code="440100",
        name_zh_hans="广州市",
        name_zh_hant="廣州市",
        name_en="Guangzhou",
        level=RegionLevel.CITY,
    )
    await Department.create(
        code="CDPF-GZ",
        name_zh_hans="广州市残联",
        name_zh_hant="廣州市殘聯",
        name_en="Guangzhou DPF",
        region=region,
    )
    alice = await login(client, "alice")
    data = {
        "item_code": "JF0005-441500",
        "item_name": "残疾儿童康复救助",
        "application_number": "1144150020260000001",
        "fields": [{"key": "disability_type", "label": "残疾类别", "value": "孤独症"}],
    }
    cert = await issue(await User.get(id=alice.id), data=data)

    seen = (
        await client.get(f"/api/v1/certificates/{cert.id}", headers=await saying(client, alice, locale))
    ).json()

    assert seen["department_code"] == "CDPF-GZ" and seen["department_label"] == authority
    assert seen["validity_label"] == validity and seen["item_name"] == "残疾儿童康复救助"
    assert seen["fields"] == [{"label": "残疾类别", "value": "孤独症"}]


async def test_an_inbox_message_after_a_case_event_names_the_service(
    app: Sanic, client: httpx.AsyncClient
) -> None:
    code = await publish_item()
    alice = await verified(client, "alice")
    case = await draft(client, alice, code, form=GOOD_FORM)
    await upload(client, alice, case["id"])
    assert (
        await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=alice.headers)
    ).status_code == 200
    await run_due_jobs(app)

    for locale, service, state in (("zh_Hans", "测试事项", "已提交"), ("en", "Test item", "Submitted")):
        [message] = (await client.get("/api/v1/inbox", headers=await saying(client, alice, locale))).json()[
            "items"
        ]
        assert service in message["body"] and state in message["body"], message
        assert case["number"] not in message["body"] and not RAW.search(message["title"] + message["body"])


INSTANT_RULES = {
    "all": [
        {"field": "applicant.identity_level", "op": "ge", "value": 3},
        {"field": "form.kind", "op": "eq", "value": "b"},
        {
            "any": [
                {"field": "form.full_name", "op": "present"},
                {"field": "subject.relation", "op": "eq", "value": "child"},
            ]
        },
    ]
}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "zh_Hans",
            [
                ("申请人实名等级", True, "3", "不少于 3", 0),
                ("类别", False, "甲", "须为：乙", 0),
                ("满足以下任一项", True, "2 项中符合 1 项", "至少满足一项", 0),
                ("姓名", True, "张三", "须已填写", 1),
                ("为谁申请", False, "本人", "须为：子女", 1),
            ],
        ),
        (
            "en",
            [
                ("The applicant's identity level", True, "3", "At least 3", 0),
                ("Kind", False, "A", "Must be: B", 0),
                ("At least one of the following", True, "1 of 2 met", "At least one", 0),
                ("Name", True, "张三", "Must be given", 1),
                ("Who the application is for", False, "Yourself", "Must be: Child", 1),
            ],
        ),
    ],
)
async def test_the_instant_approval_checklist_reads_as_words(
    client: httpx.AsyncClient, locale: str, expected: list[tuple[Any, ...]]
) -> None:
    code = await publish_item(workflow="instant", instant_rules=INSTANT_RULES)
    alice = await verified(client, "alice")
    case = await draft(client, alice, code, form=GOOD_FORM)
    await upload(client, alice, case["id"])
    assert (
        await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=alice.headers)
    ).status_code == 200
    officer = await staff_client(client, "officer", roles=("case_officer",), scopes=("gz-civil",))

    resident = await saying(client, alice, locale)
    staff = speaking(officer, locale)
    for headers, path in (
        (resident, f"{APPLICATIONS}/{case['id']}"),
        (staff, f"/api/v1/staff/cases/{case['id']}"),
    ):
        seen = (await client.get(path, headers=headers)).json()
        lines = [
            (x["label"], x["passed"], x["detail"], x["requirement"], x["depth"]) for x in seen["checklist"]
        ]
        assert lines == expected
        assert not any(RAW.search(" ".join(str(v) for v in line)) for line in lines)
