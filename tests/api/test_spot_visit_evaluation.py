"""好差评 of a scenic-spot visit: a ticket used at a gate makes its order's visit rateable once, however
many of the order's tickets are used (also when two gates report at once, PostgreSQL); the existing
evaluation routes take it, and a 差评's work order goes to the spot's case officers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from sanic import Sanic
from tortoise.transactions import in_transaction

from domain.evaluations.models import RateableService, RectificationOrder, TargetType
from domain.notifications.models import InboxMessage
from domain.notifications.service import render
from domain.outbox import service as outbox
from domain.outbox.models import OutboxMessage
from domain.shared import clock, pii
from domain.tourism import admission, complaints
from domain.tourism.models import SaleChannel, Spot, Ticket, TicketOrder, TicketState
from tests.api.test_inbox import run_due_jobs
from tests.api.test_staff import staff_client
from tests.domain.test_tourism_complaints import as_job, make_order, make_spot
from tests.support.apps import error_code
from tests.support.residents import verified


async def ticket(order: TicketOrder, state: TicketState = TicketState.USED) -> Ticket:
    number = uuid.uuid4().hex[:18]
    return await Ticket.create(
        code=uuid.uuid4().hex[:20],
        order_id=order.id,
        spot_id=order.spot_id,
        day=order.day,
        person=pii.blind_index(number, purpose="test"),
        document_kind="resident_id",
        document_number=number,
        document_masked=pii.mask_id_number(number) or "",
        category="adult",
        percent=100,
        amount_fen=8000,
        reservation_id=int(uuid.uuid4().int % 10**12),
        state=state,
        used_at=clock.now() if state == TicketState.USED else None,
        updated_at=clock.now(),
    )


async def used(*tickets: Ticket) -> None:
    """What admission enqueues in the gate's transaction, one job per used ticket."""
    for t in tickets:
        async with in_transaction() as conn:
            await outbox.enqueue(admission.TICKET_USED_TOPIC, {"ticket_id": t.id}, using_db=conn)


async def visit(user_id: int) -> tuple[Spot, TicketOrder]:
    spot = await make_spot()
    return spot, await make_order(user_id, spot, clock.today_in_china())


async def test_two_tickets_used_make_one_rateable_visit_rated_through_the_evaluation_routes(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    alice = await verified(client, "alice")
    spot, order = await visit(alice.id)
    await used(await ticket(order), await ticket(order))
    await run_due_jobs(app)
    await run_due_jobs(app)  # a job delivered again changes nothing
    [rateable] = await RateableService.filter(target_type=TargetType.SPOT_VISIT)
    assert (rateable.target_id, rateable.user_id) == (order.id, alice.id)
    assert (rateable.item_code, rateable.department_code) == (complaints.SPOT_VISIT_ITEM, spot.code)
    assert await OutboxMessage.filter(topic="evaluations.invite").count() == 1

    sets = (await client.get("/api/v1/evaluations/indicators")).json()["sets"]
    [visit_set] = [s for s in sets if s["target_type"] == "spot_visit"]
    assert [i["code"] for i in visit_set["indicators"]] == ["process", "attitude", "environment", "quality"]
    rating = {
        "target_type": "spot_visit",
        "target_id": order.id,
        "level": "dissatisfied",
        "indicators": {"environment": "very_dissatisfied"},
        "comment": "Queues of two hours at the cable car.",
    }
    r = await client.post("/api/v1/evaluations", json=rating, headers=alice.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["department_code"], r.json()["rectification_opened"]) == (spot.code, True)
    r = await client.post("/api/v1/evaluations", json=rating, headers=alice.headers)
    assert (r.status_code, error_code(r)) == (409, "evaluation_exists")
    bad = {**rating, "target_id": order.id, "indicators": {"timeliness": "satisfied"}}
    r = await client.post("/api/v1/evaluations", json=bad, headers=alice.headers)
    assert error_code(r) == "evaluation_indicator_unknown"

    # The 差评's work order goes to the case officers of the spot, and to no other spot's.
    officer = await staff_client(client, "officer.spot", roles=["case_officer"], scopes=[spot.code])
    orders = (await client.get("/api/v1/staff/evaluations/orders", headers=officer)).json()["items"]
    assert [o["department_code"] for o in orders] == [spot.code]
    other = await staff_client(client, "officer.other", roles=["case_officer"], scopes=["ELSEWHERE"])
    assert (await client.get("/api/v1/staff/evaluations/orders", headers=other)).json()["items"] == []
    assert await RectificationOrder.filter(department_code=spot.code).count() == 1


async def test_no_rating_for_a_window_sale_or_a_ticket_not_used(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    alice = await verified(client, "alice")
    spot, order = await visit(alice.id)
    window = await make_order(0, spot, clock.today_in_china())
    window.channel = SaleChannel.WINDOW
    await window.save(update_fields=["channel"])
    await used(await ticket(order, TicketState.CONFIRMED), await ticket(window))
    await run_due_jobs(app)
    assert await RateableService.filter(target_type=TargetType.SPOT_VISIT).count() == 0
    r = await client.post(
        "/api/v1/evaluations",
        json={"target_type": "spot_visit", "target_id": order.id, "level": "satisfied"},
        headers=alice.headers,
    )
    assert (r.status_code, error_code(r)) == (409, "evaluation_not_open")


@pytest.mark.postgres
async def test_two_gates_reporting_one_order_at_once_make_it_rateable_once(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    alice = await verified(client, "alice")
    _spot, order = await visit(alice.id)
    tickets = [await ticket(order) for _ in range(4)]
    await used(*tickets)
    jobs = await OutboxMessage.filter(topic=admission.TICKET_USED_TOPIC).order_by("id")
    await asyncio.gather(*(complaints.ticket_used(as_job(j)) for j in jobs))
    assert await RateableService.filter(target_type=TargetType.SPOT_VISIT, target_id=order.id).count() == 1
    assert await OutboxMessage.filter(topic="evaluations.invite").count() == 1


async def test_the_invitation_to_rate_a_visit_names_the_spot(client: httpx.AsyncClient, app: Sanic) -> None:
    """Notifications know no spots: tourism registers how a visit is named (``rated_names``)."""
    alice = await verified(client, "alice")
    _spot, order = await visit(alice.id)
    await used(await ticket(order))
    await run_due_jobs(app)
    with clock.frozen_at(clock.now() + timedelta(days=3, minutes=1)):
        await run_due_jobs(app)
    [message] = await InboxMessage.filter(user_id=alice.id, kind="evaluation_invite")
    assert "测试景区" in render(message.body_msgid, message.params, "zh_Hans")
    assert "Test spot" in render(message.body_msgid, message.params, "en")
