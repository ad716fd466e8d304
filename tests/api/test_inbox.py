"""Notifications: outbox events become inbox messages and WeChat subscribe messages.

A refusal (errcode 43101) is final; any other WeChat failure is retried by the outbox with backoff.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sanic import Sanic
from tortoise.transactions import in_transaction

import domain.notifications.jobs  # noqa: F401 - registers the notification handlers
from adapters.wechat.fake import SandboxWeChat
from adapters.wechat.port import WeChatUnavailable
from domain.notifications.models import InboxMessage, PushState
from domain.outbox import service as outbox
from domain.outbox.jobs import JobContext
from domain.outbox.models import OutboxMessage, OutboxState
from domain.shared import clock
from tests.support.apps import error_code
from tests.support.residents import Resident, login

INBOX = "/api/v1/inbox"
T0 = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)


async def run_due_jobs(app: Sanic) -> list[outbox.Outcome]:
    """What the worker does, in-line: lease the due jobs and run each once."""
    runtime = app.ctx.runtime
    context = JobContext(redis=runtime.redis, keys=runtime.keys, adapters=runtime.adapters)
    dispatches = await outbox.claim_due(lease=timedelta(seconds=60))
    return [await outbox.execute(d.message_id, d.attempt, context=context) for d in dispatches]


async def emit(topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """An event as another module writes it, in its own transaction."""
    async with in_transaction() as conn:
        return await outbox.enqueue(topic, payload, using_db=conn)


def wechat_of(app: Sanic) -> SandboxWeChat:
    wechat: SandboxWeChat = app.ctx.runtime.adapters.wechat
    return wechat


def status_changed(resident: Resident, state: str = "approved") -> dict[str, Any]:
    return {"request_id": 41, "user_id": resident.id, "state": state, "reference": "BJ2026-0041"}


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(T0):
        yield


async def test_a_status_change_reaches_the_inbox_and_wechat(app: Sanic, client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    await emit("applications.status_changed", status_changed(alice))

    assert await run_due_jobs(app) == [outbox.Outcome.DONE]

    r = await client.get(INBOX, headers=alice.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and body["unread"] == 1
    message = body["items"][0]
    assert message["kind"] == "application_status"
    # A case's number is no name for it (test_labels checks a real case's message names its service).
    assert "BJ2026-0041" not in message["body"] and message["link"] == "/pages/applications/detail?id=41"
    [sent] = wechat_of(app).sent
    assert sent.openid == SandboxWeChat.openid_for("alice")
    assert sent.template_id == app.ctx.settings.subscribe_template_ids["application_status"]
    assert all(len(v) <= 20 for v in sent.data.values())  # WeChat's `thing` limit
    assert (await InboxMessage.get()).push_state == PushState.SENT


async def test_messages_render_in_the_readers_language(app: Sanic, client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    await emit("applications.status_changed", status_changed(alice, "supplement_requested"))
    await run_due_jobs(app)

    chinese = await client.get(INBOX, headers=alice.headers)
    assert chinese.json()["items"][0]["body"] == "您的办件当前状态：待补正。"
    # The saved preference decides the language, whatever the device asks for.
    await client.patch("/api/v1/me", json={"locale": "en"}, headers=alice.headers)
    english = await client.get(INBOX, headers={**alice.headers, "Accept-Language": "zh-CN"})
    assert english.json()["items"][0]["body"] == "Your application is now: Needs more information."
    stored = await InboxMessage.get()
    assert stored.params["state"] == {"msgid": "Needs more information"}  # a msgid, not text


async def test_a_refused_recipient_is_not_retried(app: Sanic, client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    wechat_of(app).unsubscribed.add(SandboxWeChat.openid_for("alice"))
    job = await emit("applications.deadline_warning", {**status_changed(alice), "due_date": "2026-05-20"})

    assert await run_due_jobs(app) == [outbox.Outcome.DONE]

    row = await OutboxMessage.get(id=job.id)
    assert row.state == OutboxState.DONE and row.attempts == 1
    message = await InboxMessage.get()
    assert message.push_state == PushState.REFUSED and message.push_error == "errcode 43101"
    assert wechat_of(app).sent == []
    # Still in the inbox: the refusal concerns WeChat only.
    assert (await client.get(INBOX, headers=alice.headers)).json()["total"] == 1


async def test_other_wechat_failures_are_retried_with_backoff_without_a_second_message(
    app: Sanic, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await login(client, "alice")
    wechat = wechat_of(app)
    calls = 0
    real_send = wechat.send_subscribe_message

    async def flaky(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise WeChatUnavailable(-1, "system busy")
        await real_send(*args, **kwargs)

    monkeypatch.setattr(wechat, "send_subscribe_message", flaky)
    job = await emit("applications.status_changed", status_changed(alice))

    assert await run_due_jobs(app) == [outbox.Outcome.RETRY]
    row = await OutboxMessage.get(id=job.id)
    assert row.state == OutboxState.PENDING and row.available_at == T0 + outbox.backoff(1)
    assert (await InboxMessage.get()).push_error == "errcode -1"
    assert await run_due_jobs(app) == []  # not due before the backoff

    with clock.frozen_at(T0 + outbox.backoff(1)):
        assert await run_due_jobs(app) == [outbox.Outcome.DONE]

    assert await InboxMessage.all().count() == 1
    assert (await InboxMessage.get()).push_state == PushState.SENT
    assert len(wechat.sent) == 1


async def test_a_kind_without_a_template_goes_to_the_inbox_only(settings: Any) -> None:
    from tests.support.apps import client_for, running

    async with running(settings, subscribe_templates="{}") as app, client_for(app) as client:
        alice = await login(client, "alice")
        await emit("applications.status_changed", status_changed(alice))
        assert await run_due_jobs(app) == [outbox.Outcome.DONE]
        assert wechat_of(app).sent == []
        assert (await InboxMessage.get()).push_state == PushState.SKIPPED


async def test_mark_read_is_for_your_own_messages(app: Sanic, client: httpx.AsyncClient) -> None:
    alice, bob = await login(client, "alice"), await login(client, "bob")
    await emit("applications.status_changed", status_changed(alice))
    await emit("applications.status_changed", {**status_changed(bob), "request_id": 42})
    await run_due_jobs(app)
    alices = (await client.get(INBOX, headers=alice.headers)).json()["items"][0]["id"]

    others = await client.post(f"{INBOX}/{alices}/read", headers=bob.headers)
    read = await client.post(f"{INBOX}/{alices}/read", headers=alice.headers)
    again = await client.post(f"{INBOX}/{alices}/read", headers=alice.headers)

    assert others.status_code == 404 and error_code(others) == "inbox_message_not_found"
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert again.json()["read_at"] == read.json()["read_at"]
    listing = (await client.get(INBOX, headers=alice.headers, params={"unread": "true"})).json()
    assert listing["unread"] == 0 and listing["items"] == []
    assert (await client.get(INBOX, headers=bob.headers)).json()["unread"] == 1


async def test_inbox_query_errors_are_422(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")

    r = await client.get(INBOX, headers=alice.headers, params={"limit": "1000"})

    assert r.status_code == 422
    assert r.json()["error"]["details"]["fields"][0]["code"] == "too_large"
    assert (await client.get(INBOX)).status_code == 401
