"""The staff back office: queues, claims, every workflow step and its refusals, 受审分离, deadlines."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from domain.applications import jobs
from domain.applications.models import ServiceRequest
from domain.audit.models import AuditRecord
from domain.outbox.jobs import SCHEDULES, Job, handler_for
from domain.outbox.models import OutboxMessage
from domain.shared import clock
from tests.api.test_applications import APPLICATIONS, PDF, publish_item, submitted_case, upload
from tests.api.test_staff import bearer, log_in, make_staff
from tests.support.apps import error_code
from tests.support.residents import login, verified

CASES = "/api/v1/staff/cases"
STAFF_STEPS = ("accept", "not-accept", "request-supplement", "review", "approve", "deny", "deliver", "close")


@contextmanager
def china_day(day: dt.date) -> Iterator[None]:
    """Freeze the clock at 10:00 China time on ``day`` (an office morning)."""
    with clock.frozen_at(dt.datetime.combine(day, dt.time(10, 0), clock.CHINA).astimezone(dt.UTC)):
        yield


async def officer(
    client: httpx.AsyncClient, name: str, scopes: tuple[str, ...] = ("gz-civil",)
) -> dict[str, str]:
    if not await _exists(name):
        await make_staff(name, roles=["case_officer"], scopes=scopes)
    return bearer(await log_in(client, name))


async def _exists(name: str) -> bool:
    from domain.staff.models import StaffAccount

    return await StaffAccount.exists(username=name)


async def step(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: int, action: str, **body: Any
) -> httpx.Response:
    if action == "request-supplement" and "supplement_due_on" not in body:
        body["supplement_due_on"] = "2099-01-05"  # refused later for its date; shape only
    return await client.post(f"{CASES}/{case_id}/{action}", json=body, headers=headers)


async def ok(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: int, action: str, **body: Any
) -> dict[str, Any]:
    r = await step(client, headers, case_id, action, **body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def claim(client: httpx.AsyncClient, headers: dict[str, str], case_id: int) -> httpx.Response:
    return await client.post(f"{CASES}/{case_id}/claim", headers=headers)


async def test_a_case_runs_from_intake_to_closed_with_two_officers(client: httpx.AsyncClient) -> None:
    with china_day(dt.date(2026, 2, 12)):  # Thursday before the 2026 Spring Festival
        item = await publish_item()
        alice = await verified(client, "alice")
        case = await submitted_case(client, alice, item)
        wang, li = await officer(client, "wang.fang"), await officer(client, "li.na")
        intake = (await client.get(f"{CASES}?queue=intake", headers=wang)).json()["items"]
        assert [c["id"] for c in intake] == [case["id"]]
        assert (await claim(client, wang, case["id"])).json()["claimed_by"] is not None

        accepted = await ok(client, wang, case["id"], "accept", comment="材料齐全")

        assert accepted["state"] == "accepted" and accepted["started_on"] == "2026-02-12"
        # 5 working days: 13, 14 (make-up Saturday), then the holiday, then 24, 25, 26 February.
        assert accepted["due_promised_on"] == "2026-02-26"
        # 10 working days: … 27, 28 (make-up Saturday), 2, 3, 4 March.
        assert accepted["due_legal_on"] == "2026-03-04"
        assert accepted["claimed_by"] is None  # 受审分离: back to the queue for a reviewer
        review_queue = (await client.get(f"{CASES}?queue=review", headers=li)).json()["items"]
        assert [c["id"] for c in review_queue] == [case["id"]]

        # The officer who accepted may not review (受审分离).
        assert (await claim(client, wang, case["id"])).status_code == 200
        r = await step(client, wang, case["id"], "review")
        assert r.status_code == 403 and error_code(r) == "separation_of_duties"
        assert (await client.post(f"{CASES}/{case['id']}/release", headers=wang)).status_code == 200

        assert (await claim(client, li, case["id"])).status_code == 200
        assert (await ok(client, li, case["id"], "review"))["state"] == "under_review"
        approved = await ok(client, li, case["id"], "approve", comment="同意")
        assert approved["state"] == "approved" and approved["decided_at"] is not None
        assert (await ok(client, li, case["id"], "deliver"))["state"] == "delivered"
        closed = await ok(client, li, case["id"], "close")
        assert closed["state"] == "closed" and closed["claimed_by"] is None

        seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()
        steps = ["submit", "accept", "review", "approve", "deliver", "close"]
        assert [t["name"] for t in seen["timeline"]] == steps
        assert all(t["staff_id"] is None for t in seen["timeline"])  # residents do not see who
        staff_view = (await client.get(f"{CASES}/{case['id']}", headers=li)).json()
        assert staff_view["timeline"][1]["staff_id"] != staff_view["timeline"][2]["staff_id"]
        assert staff_view["timeline"][1]["comment"] == "材料齐全"
        for name in steps:
            assert await AuditRecord.filter(action=f"applications.{name}", target_id=str(case["id"])).exists()
        changes = await OutboxMessage.filter(topic="applications.status_changed").order_by("id")
        assert [m.payload["state"] for m in changes] == [
            "submitted", "accepted", "under_review", "approved", "delivered", "closed"
        ]  # fmt: skip


# What each state allows staff to do; every other step must be refused with invalid_transition.
ALLOWED = {
    "submitted": {"accept", "not-accept", "request-supplement"},
    "accepted": {"request-supplement", "review"},
    "under_review": {"request-supplement", "approve", "deny"},
    "approved": {"deliver"},
    "delivered": {"close"},
    "closed": set(),
}


async def _refused_except(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: int, state: str
) -> None:
    for action in STAFF_STEPS:
        if action in ALLOWED[state]:
            continue
        r = await step(client, headers, case_id, action, reasons=["x"])
        assert r.status_code == 409, (state, action, r.text)
        assert error_code(r) in ("invalid_transition", "case_not_claimed"), (state, action)
        if error_code(r) == "invalid_transition":
            assert r.json()["error"]["details"]["state"] == state


async def test_every_step_not_open_from_a_state_is_refused(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    wang, li = await officer(client, "wang.fang"), await officer(client, "li.na")
    await claim(client, wang, case["id"])
    await _refused_except(client, wang, case["id"], "submitted")
    await ok(client, wang, case["id"], "accept")
    await claim(client, li, case["id"])
    await _refused_except(client, li, case["id"], "accepted")
    await ok(client, li, case["id"], "review")
    await _refused_except(client, li, case["id"], "under_review")
    await ok(client, li, case["id"], "approve")
    await _refused_except(client, li, case["id"], "approved")
    await ok(client, li, case["id"], "deliver")
    await _refused_except(client, li, case["id"], "delivered")
    await ok(client, li, case["id"], "close")
    r = await step(client, li, case["id"], "close")
    assert r.status_code == 409 and error_code(r) == "case_not_claimed"  # closed cases are unclaimed
    r = await client.post(f"{APPLICATIONS}/{case['id']}/withdraw", json={}, headers=alice.headers)
    assert r.status_code == 409 and error_code(r) == "invalid_transition"


async def test_not_accepting_needs_reasons_and_ends_the_case(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    wang = await officer(client, "wang.fang")
    await claim(client, wang, case["id"])

    r = await step(client, wang, case["id"], "not-accept")
    assert r.status_code == 422 and error_code(r) == "transition_reasons_required"
    refused = await ok(client, wang, case["id"], "not-accept", reasons=["不属于本部门职责"])

    assert refused["state"] == "not_accepted" and refused["next_steps"] == []
    timeline = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()["timeline"]
    assert timeline[-1]["reasons"] == ["不属于本部门职责"]
    r = await claim(client, wang, case["id"])
    assert r.status_code == 409 and error_code(r) == "case_not_claimable"


async def test_a_denial_needs_reasons(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    wang, li = await officer(client, "wang.fang"), await officer(client, "li.na")
    await claim(client, wang, case["id"])
    await ok(client, wang, case["id"], "accept")
    await claim(client, li, case["id"])
    await ok(client, li, case["id"], "review")
    r = await step(client, li, case["id"], "deny")
    assert r.status_code == 422 and error_code(r) == "transition_reasons_required"
    denied = await ok(client, li, case["id"], "deny", reasons=["收入超过标准"], comment="依据第三条")
    assert denied["state"] == "denied" and denied["decided_at"] is not None
    r = await client.post(f"{APPLICATIONS}/{case['id']}/withdraw", json={}, headers=alice.headers)
    assert r.status_code == 409 and error_code(r) == "invalid_transition"


async def test_a_supplement_pauses_the_clock_and_moves_the_due_dates(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    with china_day(dt.date(2026, 11, 23)):  # Monday
        alice = await verified(client, "alice")
        case = await submitted_case(client, alice, item)
        wang = await officer(client, "wang.fang")
        await claim(client, wang, case["id"])
        accepted = await ok(client, wang, case["id"], "accept")
        assert accepted["due_promised_on"] == "2026-11-30"
        await claim(client, wang, case["id"])  # acceptance handed it back to the queue
        for bad in ("2026-11-28", "2026-11-23", "2027-06-01"):  # a Saturday, today, beyond 60 days
            r = await step(
                client, wang, case["id"], "request-supplement", reasons=["缺少证明"], supplement_due_on=bad
            )
            assert r.status_code == 422 and error_code(r) == "supplement_deadline_invalid", bad
        r = await step(client, wang, case["id"], "request-supplement", supplement_due_on="2026-12-04")
        assert r.status_code == 422 and error_code(r) == "transition_reasons_required"
        waiting = await ok(
            client,
            wang,
            case["id"],
            "request-supplement",
            reasons=["缺少证明"],
            supplement_due_on="2026-12-04",
        )
        assert waiting["state"] == "supplement_requested" and waiting["paused_since"] == "2026-11-23"
        assert waiting["supplement_due_on"] == "2026-12-04"
        waiting_queue = (await client.get(f"{CASES}?queue=waiting", headers=wang)).json()["items"]
        assert [c["id"] for c in waiting_queue] == [case["id"]]
    with china_day(dt.date(2026, 11, 26)):  # Thursday: three working days later
        alice = await login(client, "alice")
        wang = await officer(client, "wang.fang")
        assert (await upload(client, alice, case["id"])).status_code == 201  # the supplement itself
        resumed = await client.post(f"{APPLICATIONS}/{case['id']}/resubmit", json={}, headers=alice.headers)

        assert resumed.status_code == 200 and resumed.json()["state"] == "resubmitted"
        assert resumed.json()["paused_working_days"] == 3 and resumed.json()["paused_since"] is None
        assert resumed.json()["due_promised_on"] == "2026-12-03"  # 30 Nov + 3 working days
        assert resumed.json()["due_legal_on"] == "2026-12-10"  # 7 Dec + 3 working days
        # The officer still holds the case and accepts the supplemented one; the clock is not restarted.
        again = await ok(client, wang, case["id"], "accept")
        assert again["started_on"] == "2026-11-23" and again["due_promised_on"] == "2026-12-03"


async def test_claims_are_exclusive_and_needed_to_act(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    wang, li = await officer(client, "wang.fang"), await officer(client, "li.na")

    r = await step(client, wang, case["id"], "accept")
    assert r.status_code == 409 and error_code(r) == "case_not_claimed"
    assert (await claim(client, wang, case["id"])).status_code == 200
    r = await claim(client, li, case["id"])
    assert r.status_code == 409 and error_code(r) == "case_already_claimed"
    r = await step(client, li, case["id"], "accept")
    assert r.status_code == 409 and error_code(r) == "case_not_claimed"
    r = await client.post(f"{CASES}/{case['id']}/release", headers=li)
    assert r.status_code == 409 and error_code(r) == "case_not_claimed"
    mine = (await client.get(f"{CASES}?queue=mine", headers=wang)).json()["items"]
    assert [c["id"] for c in mine] == [case["id"]]
    assert (await client.get(f"{CASES}?queue=intake", headers=li)).json()["items"] == []
    assert (await client.post(f"{CASES}/{case['id']}/release", headers=wang)).status_code == 200
    assert (await claim(client, li, case["id"])).status_code == 200
    assert await AuditRecord.filter(action="applications.claimed").count() == 2
    assert await AuditRecord.filter(action="applications.released").count() == 1


async def test_officers_see_and_act_only_in_their_departments(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    elsewhere = await officer(client, "zhao.lei", scopes=("sz-civil",))
    scanner = bearer(
        await log_in(client, (await make_staff("sun.yu", roles=["scanner"], scopes=["*"])).username)
    )

    # Another department's case does not exist for them, exactly like an id nobody has.
    r = await client.get(f"{CASES}/{case['id']}", headers=elsewhere)
    assert r.status_code == 404 and error_code(r) == "application_not_found"
    r = await claim(client, elsewhere, case["id"])
    assert r.status_code == 404 and error_code(r) == "application_not_found"
    r = await client.get(f"{CASES}/{case['id']}", headers=scanner)
    assert r.status_code == 403 and error_code(r) == "staff_role_required"
    assert (await client.get(f"{CASES}?queue=intake", headers=elsewhere)).json()["items"] == []
    r = await client.get(f"{CASES}?queue=intake&department=gz-civil", headers=elsewhere)
    assert r.status_code == 403
    r = await client.get(f"{CASES}?queue=intake", headers=scanner)
    assert r.status_code == 403 and error_code(r) == "staff_role_required"
    r = await client.get(f"{CASES}?queue=intake", headers=alice.headers)
    assert r.status_code == 401
    wang = await officer(client, "wang.fang")
    r = await client.get(f"{CASES}?queue=everything", headers=wang)
    assert r.status_code == 422 and error_code(r) == "queue_unknown"
    r = await client.get(f"{CASES}/999999", headers=wang)
    assert r.status_code == 404 and error_code(r) == "application_not_found"


async def test_staff_read_materials_in_scope_and_attach_them_to_a_step(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    material = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()["materials"][
        0
    ]
    wang = await officer(client, "wang.fang")
    elsewhere = await officer(client, "zhao.lei", scopes=("sz-civil",))

    got = await client.get(f"{CASES}/{case['id']}/materials/{material['id']}", headers=wang)
    assert got.status_code == 200 and got.content == PDF
    r = await client.get(f"{CASES}/{case['id']}/materials/{material['id']}", headers=elsewhere)
    assert r.status_code == 404 and error_code(r) == "application_not_found"
    await claim(client, wang, case["id"])
    r = await step(client, wang, case["id"], "accept", attachments=[material["id"] + 1000])
    assert r.status_code == 422 and error_code(r) == "attachment_unknown"
    await ok(client, wang, case["id"], "accept", attachments=[material["id"]])
    timeline = (await client.get(f"{CASES}/{case['id']}", headers=wang)).json()["timeline"]
    assert timeline[-1]["attachments"] == [material["id"]]


async def test_deadline_warnings_turn_yellow_then_red_and_the_report_counts_them(
    client: httpx.AsyncClient,
) -> None:
    item = await publish_item()
    with china_day(dt.date(2026, 11, 23)):
        alice = await verified(client, "alice")
        case = await submitted_case(client, alice, item)
        wang = await officer(client, "wang.fang")
        await claim(client, wang, case["id"])
        await ok(client, wang, case["id"], "accept")  # promised by Mon 30 Nov

    assert await jobs.refresh_warnings(dt.date(2026, 11, 24)) == 0  # four working days left
    assert await jobs.refresh_warnings(dt.date(2026, 11, 26)) == 1  # two left: yellow
    assert (await ServiceRequest.get(id=case["id"])).warning == "yellow"
    assert await jobs.refresh_warnings(dt.date(2026, 11, 26)) == 0  # a re-run changes nothing
    assert await jobs.refresh_warnings(dt.date(2026, 12, 1)) == 1  # past the limit: red
    warnings = await OutboxMessage.filter(topic="applications.deadline_warning").order_by("id")
    assert [m.payload["level"] for m in warnings] == ["yellow", "red"]

    with china_day(dt.date(2026, 12, 1)):
        wang = await officer(client, "wang.fang")
        report = (await client.get(f"{CASES}/overdue-report", headers=wang)).json()
        overdue = (await client.get(f"{CASES}?queue=overdue", headers=wang)).json()["items"]
    assert report["calendar_known"] == {"2026": True, "2027": False}
    assert report["departments"] == [
        {
            "department": "gz-civil",
            "open": 1,
            "yellow": 0,
            "red": 1,
            "past_legal_limit": 0,
            "stage_overdue": 0,
            "overdue_numbers": [case["number"]],
        }
    ]
    assert [c["id"] for c in overdue] == [case["id"]]
    assert overdue[0]["warning"] == "red"


async def test_the_daily_check_is_a_scheduled_outbox_job(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    wang = await officer(client, "wang.fang")
    await claim(client, wang, case["id"])
    await ok(client, wang, case["id"], "accept")
    spec = handler_for(jobs.CHECK_TOPIC)
    assert spec is not None and jobs.CHECK_TOPIC in SCHEDULES

    with clock.shifted(dt.timedelta(days=30)):  # well past the promised limit
        await spec.run(Job(id=1, topic=jobs.CHECK_TOPIC, payload={}, attempt=1, context=None))  # type: ignore[arg-type]

    assert (await ServiceRequest.get(id=case["id"])).warning == "red"


@pytest.mark.postgres
async def test_concurrent_claims_of_one_case_have_one_winner(client: httpx.AsyncClient) -> None:
    item = await publish_item()
    alice = await verified(client, "alice")
    case = await submitted_case(client, alice, item)
    headers = [await officer(client, f"officer.{i}") for i in range(8)]

    answers = await asyncio.gather(*(claim(client, h, case["id"]) for h in headers))

    assert sorted(r.status_code for r in answers) == [200] + [409] * 7
    assert {error_code(r) for r in answers if r.status_code == 409} == {"case_already_claimed"}
    assert await AuditRecord.filter(action="applications.claimed").count() == 1


async def test_the_case_routes_are_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/docs/openapi.json")).json()
    summaries = {
        path.split("/")[-1]: operation["summary"]
        for path, item in spec["paths"].items()
        if path.startswith(CASES)
        for operation in item.values()
        if isinstance(operation, dict) and "summary" in operation
    }
    assert summaries["approve"] == "Approve a case under review"
    assert summaries["request-supplement"].startswith("Ask the applicant for a supplement")
    assert any(path.startswith(APPLICATIONS) for path in spec["paths"])


async def test_staff_attach_a_written_decision_that_the_applicant_can_read(client: httpx.AsyncClient) -> None:
    with china_day(dt.date(2026, 3, 2)):
        item = await publish_item()
        alice = await verified(client, "alice")
        case = await submitted_case(client, alice, item)
        wang = await officer(client, "wang.fang")
        path = f"{CASES}/{case['id']}/materials"
        letter = {"file": ("决定书.pdf", PDF, "application/pdf")}

        unclaimed = await client.post(path, files=letter, headers=wang)
        await claim(client, wang, case["id"])
        disguised = await client.post(path, files={"file": ("a.png", PDF, "image/png")}, headers=wang)
        attached = await client.post(path, files=letter, headers=wang)
        assert attached.status_code == 201, attached.text
        attachment = attached.json()["id"]
        refused = await ok(
            client, wang, case["id"], "not-accept", reasons=["不属于受理范围"], attachments=[attachment]
        )

        seen = (await client.get(f"{APPLICATIONS}/{case['id']}", headers=alice.headers)).json()
        download = await client.get(
            f"{APPLICATIONS}/{case['id']}/materials/{attachment}", headers=alice.headers
        )
        later = await client.post(APPLICATIONS, json={"item_code": item}, headers=alice.headers)
        reuse = await client.post(
            f"{APPLICATIONS}/{later.json()['id']}/materials",
            json={"material_code": "proof", "reuse_material_id": attachment},
            headers=alice.headers,
        )

    assert unclaimed.status_code == 409 and error_code(unclaimed) == "case_not_claimed"
    assert disguised.status_code == 422 and error_code(disguised) == "material_disguised"
    assert refused["state"] == "not_accepted"
    assert seen["timeline"][-1]["attachments"] == [attachment]
    assert [m["uploaded_by"] for m in seen["materials"]] == ["applicant", "staff"]
    assert download.status_code == 200 and download.content == PDF
    # A staff document is not the applicant's upload to reuse elsewhere.
    assert reuse.status_code == 404 and error_code(reuse) == "material_not_found"
    assert await AuditRecord.filter(action="applications.material_added", actor_kind="staff").count() == 1
