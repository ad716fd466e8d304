"""Complaint routes: a resident files one about their ticket order and lists theirs; the spot's case
officer lists, accepts, answers and closes it, each step with its labels and clocks; refusals."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sanic import Sanic

from domain.notifications.models import InboxMessage
from domain.shared import clock
from domain.tourism import complaints
from tests.api.test_inbox import run_due_jobs
from tests.api.test_staff import staff_client
from tests.domain.test_tourism_complaints import make_order, make_spot
from tests.support.apps import error_code
from tests.support.residents import login

MINE = "/api/v1/tourism/complaints"
STAFF = "/api/v1/staff/tourism/complaints"
EN = {"Accept-Language": "en"}
# Mon 21 Sep 2026, 10:00 in China: the Mid-Autumn Festival (Fri 25) falls in the 5 working days.
T0 = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(T0):
        yield


async def test_filed_then_accepted_answered_and_closed_by_the_spot_s_officer(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    spot = await make_spot()
    alice = await login(client, "alice")
    order = await make_order(alice.id, spot, dt.date(2026, 9, 20))
    r = await client.post(
        MINE,
        json={"order_id": order.id, "matter": "The cable car never ran.", "complainants": 4},
        headers=alice.headers,
    )
    assert r.status_code == 201, r.text
    filed = r.json()  # in the resident's own language (简体 here)
    assert (filed["state"], filed["state_label"]) == (
        "submitted",
        complaints.STATE_LABELS("submitted").render(),
    )
    assert (filed["kind"], filed["kind_label"]) == ("joint", complaints.KIND_LABELS("joint").render())
    assert (filed["spot"], filed["spot_name"], filed["visit_day"]) == (spot.code, "测试景区", "2026-09-20")
    assert (filed["accept_by"], filed["step"], filed["due"], filed["overdue"]) == (
        "2026-09-29",
        "accept",
        "2026-09-29",
        False,
    )
    assert filed["step_label"] == complaints.STEP_LABELS("accept").render() and filed["answer_by"] is None

    officer = await staff_client(client, "officer.spot", roles=["case_officer"], scopes=[spot.code])
    listed = (await client.get(f"{STAFF}?spot={spot.code}", headers=officer)).json()["items"]
    assert [c["id"] for c in listed] == [filed["id"]]
    r = await client.post(f"{STAFF}/{filed['id']}/accept", headers={**officer, **EN})
    assert r.status_code == 200, r.text
    accepted = r.json()
    # 10 days from 21 Sep is 1 Oct (National Day): the answer is due the next working day, 8 Oct.
    assert (accepted["state"], accepted["answer_by"], accepted["close_by"]) == (
        "accepted",
        "2026-10-08",
        "2026-11-20",
    )
    assert accepted["step_label"] == "The operator answers by"
    r = await client.post(
        f"{STAFF}/{filed['id']}/answer", json={"text": "Closed for repairs."}, headers=officer
    )
    assert (r.status_code, r.json()["answer"]) == (200, "Closed for repairs.")
    r = await client.post(f"{STAFF}/{filed['id']}/close", json={"text": "Refunded 40 yuan."}, headers=officer)
    closed = r.json()
    assert (closed["state"], closed["decision"], closed["step"], closed["due"]) == (
        "closed",
        "Refunded 40 yuan.",
        None,
        None,
    )
    r = await client.post(f"{STAFF}/{filed['id']}/refuse", json={"text": "No"}, headers=officer)
    assert (r.status_code, error_code(r)) == (409, "complaint_state_conflict")

    mine = (await client.get(MINE, headers=alice.headers)).json()["items"]
    assert [(c["id"], c["state"]) for c in mine] == [(filed["id"], "closed")]
    await run_due_jobs(app)
    assert await InboxMessage.filter(user_id=alice.id, kind="tourism_complaint").count() == 3


async def test_refusals_of_the_routes(client: httpx.AsyncClient) -> None:
    spot, other = await make_spot(), await make_spot()
    alice, bob = await login(client, "alice"), await login(client, "bob")
    old = await make_order(alice.id, spot, dt.date(2026, 6, 1))  # 90 days end on 31 Aug (30 Aug a Sunday)
    r = await client.post(MINE, json={"order_id": old.id, "matter": "Late"}, headers=alice.headers)
    assert (r.status_code, error_code(r)) == (409, "complaint_too_late")
    assert r.json()["error"]["details"]["last_day"] == "2026-08-31"
    r = await client.post(MINE, json={"order_id": old.id, "matter": "Not mine"}, headers=bob.headers)
    assert (r.status_code, error_code(r)) == (404, "complaint_order_not_found")
    r = await client.post(MINE, json={"order_id": old.id, "matter": ""}, headers=alice.headers)
    assert r.status_code == 422
    assert (await client.post(MINE, json={"order_id": old.id, "matter": "x"})).status_code == 401

    order = await make_order(alice.id, spot, dt.date(2026, 9, 20))
    filed = (
        await client.post(MINE, json={"order_id": order.id, "matter": "Rude"}, headers=alice.headers)
    ).json()
    assert filed["kind"] == "single"
    elsewhere = await staff_client(client, "officer.other", roles=["case_officer"], scopes=[other.code])
    r = await client.post(f"{STAFF}/{filed['id']}/accept", headers=elsewhere)
    assert (r.status_code, error_code(r)) == (403, "staff_scope_required")
    assert (await client.get(STAFF, headers=elsewhere)).json()["items"] == []
    r = await client.get(f"{STAFF}?spot={spot.code}", headers=elsewhere)
    assert (r.status_code, error_code(r)) == (403, "staff_scope_required")
    gate = await staff_client(client, "gate.spot", roles=["scanner"], scopes=[spot.code])
    r = await client.post(f"{STAFF}/{filed['id']}/accept", headers=gate)
    assert (r.status_code, error_code(r)) == (403, "staff_role_required")
    officer = await staff_client(client, "officer.spot", roles=["case_officer"], scopes=[spot.code])
    r = await client.post(f"{STAFF}/{filed['id']}/refuse", json={}, headers=officer)
    assert (r.status_code, error_code(r)) == (422, "complaint_text_required")
    r = await client.post(f"{STAFF}/999999/accept", headers=officer)
    assert (r.status_code, error_code(r)) == (404, "complaint_not_found")
    r = await client.post(f"{STAFF}/{filed['id']}/refuse", json={"text": "Weather"}, headers=officer)
    assert (r.status_code, r.json()["reason"], r.json()["state"]) == (200, "Weather", "refused")


async def test_the_staff_list_flags_overdue_complaints_first(client: httpx.AsyncClient) -> None:
    spot = await make_spot()
    alice = await login(client, "alice")
    order = await make_order(alice.id, spot, dt.date(2026, 9, 20))
    first = (
        await client.post(MINE, json={"order_id": order.id, "matter": "A"}, headers=alice.headers)
    ).json()
    with clock.frozen_at(datetime(2026, 9, 29, 2, tzinfo=UTC)):  # tokens last minutes: log in again
        alice = await login(client, "alice")
        second = (
            await client.post(MINE, json={"order_id": order.id, "matter": "B"}, headers=alice.headers)
        ).json()
    with clock.frozen_at(datetime(2026, 9, 30, 2, tzinfo=UTC)):
        officer = await staff_client(client, "officer.spot", roles=["case_officer"], scopes=[spot.code])
        listed = (await client.get(f"{STAFF}?state=submitted", headers=officer)).json()["items"]
    assert [(c["id"], c["overdue"]) for c in listed] == [(first["id"], True), (second["id"], False)]
