"""好差评: one rating per finished service, the 3-day invitation, 差评 work orders, statistics."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sanic import Sanic
from tortoise.transactions import in_transaction

from adapters.wechat.fake import SandboxWeChat
from domain.audit.models import AuditRecord
from domain.evaluations import service
from domain.evaluations.models import RateableService, RectificationOrder, TargetType
from domain.notifications.models import InboxMessage
from domain.shared import clock
from tests.api.test_inbox import run_due_jobs, wechat_of
from tests.api.test_staff import bearer, log_in, staff_client
from tests.support.apps import error_code
from tests.support.residents import Resident, verified

EVALUATIONS = "/api/v1/evaluations"
ORDERS = "/api/v1/staff/evaluations/orders"
STATISTICS = "/api/v1/staff/evaluations/statistics"
# Friday 25 September 2026, 10:00 in China: Mid-Autumn Festival, then the National Day week with
# its make-up Saturday (10 October) — 15 working days later is Thursday 22 October.
T0 = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
DUE = date(2026, 10, 22)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(T0):
        yield


async def finish(
    resident: Resident,
    target_id: int,
    *,
    target_type: TargetType = TargetType.SERVICE_REQUEST,
    item_code: str = "RA-001",
    department_code: str = "CDPF-GZ",
) -> RateableService:
    """What the applications module does when a case is finished (办结)."""
    async with in_transaction() as conn:
        return await service.service_finished(
            target_type=target_type,
            target_id=target_id,
            user_id=resident.id,
            item_code=item_code,
            department_code=department_code,
            using_db=conn,
        )


def rating(target_id: int, level: str = "very_satisfied", **extra: Any) -> dict[str, Any]:
    return {"target_type": "service_request", "target_id": target_id, "level": level, **extra}


async def test_only_a_finished_service_of_yours_can_be_rated(client: httpx.AsyncClient) -> None:
    alice, bob = await verified(client, "alice"), await verified(client, "bob")
    await finish(bob, 2)

    unfinished = await client.post(EVALUATIONS, json=rating(1), headers=alice.headers)
    someone_elses = await client.post(EVALUATIONS, json=rating(2), headers=alice.headers)

    assert unfinished.status_code == 409 and error_code(unfinished) == "evaluation_not_open"
    assert someone_elses.status_code == 409 and error_code(someone_elses) == "evaluation_not_open"


async def test_one_rating_per_application(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    await finish(alice, 1)

    first = await client.post(
        EVALUATIONS, json=rating(1, indicators={"timeliness": "satisfied"}), headers=alice.headers
    )
    second = await client.post(EVALUATIONS, json=rating(1, "satisfied"), headers=alice.headers)

    assert first.status_code == 201, first.text
    assert first.json()["score"] == 5 and first.json()["rectification_opened"] is False
    assert second.status_code == 409 and error_code(second) == "evaluation_exists"
    mine = (await client.get(f"{EVALUATIONS}/mine", headers=alice.headers)).json()["items"]
    assert [(e["target_id"], e["level"], e["indicators"]) for e in mine] == [
        (1, "very_satisfied", {"timeliness": "satisfied"})
    ]


async def test_an_application_and_a_counter_service_with_the_same_id_are_rated_separately(
    client: httpx.AsyncClient,
) -> None:
    alice = await verified(client, "alice")
    await finish(alice, 5)
    await finish(alice, 5, target_type=TargetType.COUNTER_SERVICE)

    online = await client.post(EVALUATIONS, json=rating(5), headers=alice.headers)
    counter = await client.post(
        EVALUATIONS,
        json={**rating(5, indicators={"environment": "satisfied"}), "target_type": "counter_service"},
        headers=alice.headers,
    )

    assert online.status_code == 201 and counter.status_code == 201, counter.text


async def test_levels_and_indicators_are_validated(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    await finish(alice, 1)

    bad_level = await client.post(EVALUATIONS, json=rating(1, "great"), headers=alice.headers)
    bad_indicator_level = await client.post(
        EVALUATIONS, json=rating(1, indicators={"attitude": "meh"}), headers=alice.headers
    )
    unknown_indicator = await client.post(
        EVALUATIONS, json=rating(1, indicators={"environment": "satisfied"}), headers=alice.headers
    )
    no_comment = await client.post(EVALUATIONS, json=rating(1, "dissatisfied"), headers=alice.headers)
    bad_target = await client.post(
        EVALUATIONS, json={**rating(1), "target_type": "window"}, headers=alice.headers
    )

    assert bad_level.json()["error"]["details"]["fields"] == [
        {
            "field": "level",
            "code": "not_allowed",
            "message": bad_level.json()["error"]["details"]["fields"][0]["message"],
        }
    ]
    assert bad_indicator_level.json()["error"]["details"]["fields"][0]["field"] == "indicators.attitude"
    # Rated online, an application has no hall environment to rate.
    assert unknown_indicator.status_code == 422
    assert error_code(unknown_indicator) == "evaluation_indicator_unknown"
    assert no_comment.status_code == 422 and error_code(no_comment) == "evaluation_comment_required"
    assert bad_target.status_code == 422
    assert await RateableService.filter(evaluated_at__isnull=False).count() == 0


async def test_rating_needs_a_verified_real_name(client: httpx.AsyncClient) -> None:
    from tests.support.residents import login

    anonymous = await login(client, "carol")
    r = await client.post(EVALUATIONS, json=rating(1), headers=anonymous.headers)
    assert r.status_code == 403 and error_code(r) == "identity_level_required"


async def test_a_bad_rating_opens_a_work_order_due_in_15_working_days(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    await finish(alice, 1)

    r = await client.post(
        EVALUATIONS, json=rating(1, "very_dissatisfied", comment="等了很久没人处理"), headers=alice.headers
    )

    assert r.status_code == 201 and r.json()["rectification_opened"] is True
    order = await RectificationOrder.get()
    assert order.due_date == DUE and order.department_code == "CDPF-GZ" and order.state == "open"
    assert await AuditRecord.filter(action="rectification.opened", target_id=str(order.id)).count() == 1


async def test_a_work_order_walks_through_its_five_steps(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    await finish(alice, 1)
    await client.post(EVALUATIONS, json=rating(1, "dissatisfied", comment="态度差"), headers=alice.headers)
    order_id = (await RectificationOrder.get()).id
    gz = await staff_client(client, "officer.chen", roles=["case_officer"], scopes=["CDPF-GZ"])
    sz = await staff_client(client, "officer.lin", roles=["case_officer"], scopes=["CDPF-SZ"])
    steps = f"{ORDERS}/{order_id}/steps"

    async def step(headers: dict[str, str], action: str, **extra: Any) -> httpx.Response:
        return await client.post(
            steps, json={"action": action, "note": f"{action} done", **extra}, headers=headers
        )

    too_early = await step(gz, "approve")
    no_department = await step(gz, "reassign")
    assert (await step(gz, "revisit")).json()["state"] == "revisited"
    assert (await step(gz, "reassign", department_code="CDPF-SZ")).json()["state"] == "reassigned"
    lost_scope = await step(gz, "supervise")
    assert (await step(sz, "supervise")).json()["state"] == "supervised"
    assert (await step(sz, "rectify")).json()["state"] == "rectified"
    assert (await step(sz, "reject")).json()["state"] == "supervised"  # 审核 not passed
    assert (await step(sz, "rectify")).json()["state"] == "rectified"
    closed = await step(sz, "approve")
    after_close = await step(sz, "rectify")

    assert too_early.status_code == 409 and error_code(too_early) == "invalid_transition"
    assert (
        no_department.status_code == 422 and error_code(no_department) == "rectification_department_required"
    )
    assert lost_scope.status_code == 403
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["closed_at"] is not None and closed.json()["comment"] == "态度差"
    assert [s["action"] for s in closed.json()["steps"]] == [
        "open",
        "revisit",
        "reassign",
        "supervise",
        "rectify",
        "reject",
        "rectify",
        "approve",
    ]
    assert after_close.status_code == 409 and error_code(after_close) == "invalid_transition"
    assert (
        await AuditRecord.filter(
            target_type="rectification_order", action__startswith="rectification."
        ).count()
        == 8
    )
    unknown_action = await client.post(steps, json={"action": "delete", "note": "x"}, headers=sz)
    assert unknown_action.status_code == 422


async def test_work_orders_are_listed_per_department_and_show_overdue(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    await finish(alice, 1, department_code="CDPF-GZ")
    await finish(alice, 2, department_code="HR-SZ")
    for target in (1, 2):
        await client.post(
            EVALUATIONS, json=rating(target, "dissatisfied", comment="慢"), headers=alice.headers
        )
    gz = await staff_client(client, "officer.chen", roles=["case_officer"], scopes=["CDPF-GZ"])
    everywhere = await staff_client(client, "officer.boss", roles=["case_officer"], scopes=["*"])

    own = (await client.get(ORDERS, headers=gz)).json()
    everyone = (await client.get(ORDERS, headers=everywhere)).json()
    not_mine = await client.get(ORDERS, headers=gz, params={"department_code": "HR-SZ"})

    assert [o["department_code"] for o in own["items"]] == ["CDPF-GZ"] and own["total"] == 1
    assert everyone["total"] == 2
    assert not_mine.status_code == 403
    assert own["items"][0]["overdue"] is False
    with clock.frozen_at(datetime(2026, 10, 22, 16, 0, tzinfo=UTC)):  # 23 October in China
        gz = bearer(await log_in(client, "officer.chen"))  # a month on: a fresh staff login
        late = (await client.get(ORDERS, headers=gz)).json()
    assert late["items"][0]["overdue"] is True


async def test_statistics_per_department_and_item(client: httpx.AsyncClient) -> None:
    residents = [await verified(client, name) for name in ("alice", "bob", "carol")]
    levels = ["very_satisfied", "basically_satisfied", "very_dissatisfied"]
    for n, (resident, level) in enumerate(zip(residents, levels, strict=True), start=1):
        await finish(resident, n, item_code="RA-001")
        body = rating(n, level, comment="差" if level == "very_dissatisfied" else None)
        assert (await client.post(EVALUATIONS, json=body, headers=resident.headers)).status_code == 201
    await finish(residents[0], 9, item_code="MA-002")
    await client.post(EVALUATIONS, json=rating(9, "satisfied"), headers=residents[0].headers)
    officer = await staff_client(client, "officer.chen", roles=["case_officer"], scopes=["CDPF-GZ"])

    r = await client.get(STATISTICS, headers=officer)
    only_ra = await client.get(STATISTICS, headers=officer, params={"item_code": "RA-001"})

    items = {i["item_code"]: i for i in r.json()["items"]}
    assert items["RA-001"]["total"] == 3 and items["RA-001"]["bad"] == 1
    assert items["RA-001"]["satisfaction_rate"] == pytest.approx(0.6667)
    assert items["RA-001"]["counts"]["very_dissatisfied"] == 1
    assert items["MA-002"]["total"] == 1
    assert [i["item_code"] for i in only_ra.json()["items"]] == ["RA-001"]


async def test_an_unrated_finished_case_gets_an_invitation_after_3_days(
    app: Sanic, client: httpx.AsyncClient
) -> None:
    alice, bob = await verified(client, "alice"), await verified(client, "bob")
    await finish(alice, 1)
    await finish(bob, 2)
    await client.post(EVALUATIONS, json=rating(2), headers=bob.headers)  # bob rated in time

    with clock.frozen_at(T0 + timedelta(days=3) - timedelta(minutes=1)):
        assert await run_due_jobs(app) == []
    with clock.frozen_at(T0 + timedelta(days=3)):
        outcomes = await run_due_jobs(app)

    assert len(outcomes) == 2
    [message] = await InboxMessage.all()
    assert message.user_id == alice.id and message.kind == "evaluation_invite"
    assert message.link == "/pages/evaluations/new?target_type=service_request&target_id=1"
    assert [m.openid for m in wechat_of(app).sent] == [SandboxWeChat.openid_for("alice")]
    assert (await RateableService.get(target_id=1)).invited_at is not None


async def test_the_invitation_is_scheduled_once_per_service(client: httpx.AsyncClient) -> None:
    from domain.outbox.models import OutboxMessage

    alice = await verified(client, "alice")
    await finish(alice, 1)
    await finish(alice, 1)  # a retried 办结

    [job] = await OutboxMessage.filter(topic="evaluations.invite")
    assert job.available_at == T0 + timedelta(days=3)


@pytest.mark.postgres
async def test_concurrent_ratings_of_one_service_record_one(client: httpx.AsyncClient) -> None:
    alice = await verified(client, "alice")
    await finish(alice, 1)

    answers = await asyncio.gather(
        *(
            client.post(EVALUATIONS, json=rating(1, level), headers=alice.headers)
            for level in ("satisfied", "very_satisfied", "basically_satisfied", "satisfied", "satisfied")
        )
    )

    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409, 409]
    assert {error_code(r) for r in answers if r.status_code == 409} == {"evaluation_exists"}
