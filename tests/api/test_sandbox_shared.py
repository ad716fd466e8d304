"""The sandbox platforms are one platform for every process of the app: two apps (as two workers or
two machines) sharing one Redis server, each thing started through one and finished through the
other. Before the sandboxes kept their state in Redis, each of these answered "not found".

The embedded default's Redis lives in one process, so these tests need a Redis server: the one the
suite uses, or one of their own when the suite runs embedded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
import redis
from sanic import Sanic

import domain.health_cards.jobs  # noqa: F401 - registers the usage-report job
from adapters.healthcard.fake import SandboxHealthCardPlatform
from adapters.publicpay.fake import SandboxPublicPayment
from adapters.wechatpay.fake import SandboxWeChatPay
from domain.family.models import FamilyMember
from domain.health_cards.models import HealthCard
from domain.outbox.service import Outcome
from domain.payments.models import OrderState, PaymentOrder
from server.settings import Settings
from tests.api.test_health_cards import code_of, issued
from tests.api.test_inbox import run_due_jobs
from tests.api.test_payments import finance, pending_order
from tests.support import environment
from tests.support.apps import client_for, running
from tests.support.residents import new_id_number, verified
from tests.support.scanning import SCANS, hospital_scanner, scan_body
from tests.support.server_process import free_port

CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def redis_server_url() -> Iterator[str]:
    url = environment.redis_url()
    if url != "memory://":
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("the suite runs the embedded Redis and there is no redis-server to share")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )
        try:
            probe = redis.Redis(port=port)
            for _ in range(100):
                try:
                    probe.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(timeout=10)


@dataclass
class Side:
    """One of the two apps: its client and its sandbox platforms."""

    app: Sanic
    client: httpx.AsyncClient

    @property
    def wechatpay(self) -> SandboxWeChatPay:
        found: SandboxWeChatPay = self.app.ctx.runtime.adapters.wechatpay
        return found

    @property
    def publicpay(self) -> SandboxPublicPayment:
        found: SandboxPublicPayment = self.app.ctx.runtime.adapters.publicpay
        return found

    @property
    def healthcard(self) -> SandboxHealthCardPlatform:
        found: SandboxHealthCardPlatform = self.app.ctx.runtime.adapters.healthcard
        return found


@pytest.fixture
async def sides(settings: Settings, redis_server_url: str) -> AsyncIterator[tuple[Side, Side]]:
    async with AsyncExitStack() as stack:
        made = []
        for _ in range(2):  # the same settings: one Redis server, one key prefix, one database
            app = await stack.enter_async_context(running(settings, redis_url=redis_server_url))
            made.append(Side(app, await stack.enter_async_context(client_for(app))))
        yield made[0], made[1]


async def test_an_order_made_through_one_is_paid_queried_and_refunded_through_the_other(
    sides: tuple[Side, Side],
) -> None:
    one, other = sides
    alice = await verified(one.client, "alice")
    order = await pending_order(one.app.ctx.runtime, alice, amount=1500)  # prepaid at one's provider

    paid = await other.client.post(f"/sandbox/wechatpay/{order.number}/pay")

    assert paid.status_code == 200, paid.text
    assert paid.json()["outcome"] == "paid"
    assert (await PaymentOrder.get(id=order.id)).state == OrderState.PAID
    seen = await one.wechatpay.query(order.number)
    assert seen.trade_state == "SUCCESS" and seen == await other.wechatpay.query(order.number)

    headers = await finance(other.client)
    refund = await other.client.post(
        f"/api/v1/staff/payments/{order.id}/refunds",
        json={"amount_fen": 500, "reason": "部分退费"},
        headers=headers,
    )
    assert refund.status_code == 201, refund.text
    assert (await one.wechatpay.query_refund(refund.json()["number"])).status == "SUCCESS"
    assert seen.success_time is not None
    statement = await one.wechatpay.statement(seen.success_time.astimezone(CHINA).date())
    assert [(line.kind, line.amount_fen) for line in statement] == [("payment", 1500), ("refund", 500)]


async def test_an_order_paid_through_both_at_once_is_paid_once(sides: tuple[Side, Side]) -> None:
    one, other = sides
    alice = await verified(one.client, "alice")
    order = await pending_order(one.app.ctx.runtime, alice)

    answers = await asyncio.gather(*(side.wechatpay.apay(order.number) for side in 2 * sides))

    paid = await other.wechatpay.query(order.number)
    assert paid.trade_state == "SUCCESS" and paid.transaction_id
    now = dt.datetime.now(dt.UTC)
    told = {
        side.wechatpay.verify(h, b, now).resource["transaction_id"]
        for side, (h, b) in zip(2 * sides, answers, strict=True)
    }
    assert told == {paid.transaction_id}  # every payer was told of the one payment
    assert paid.success_time is not None
    lines = await one.wechatpay.statement(paid.success_time.astimezone(CHINA).date())
    assert [line.out_trade_no for line in lines] == [order.number]  # on the statement once


async def test_a_government_fee_is_one_notice_paid_through_either(sides: tuple[Side, Side]) -> None:
    one, other = sides
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)

    notices = await asyncio.gather(
        *(
            side.publicpay.create_notice(
                order_number="F20260101000001", amount_fen=1000, item_code="X", description="工本费", due=due
            )
            for side in sides
        )
    )
    number = notices[0].notice_number
    assert notices[1].notice_number == number  # one order, one notice, whoever asked

    assert not (await other.publicpay.query(number)).paid
    await other.publicpay.apay(number)
    state = await one.publicpay.query(number)
    assert state.paid and state.payment_id and state.receipt_url


async def test_a_card_issued_through_one_has_its_uses_reported_through_the_other(
    sides: tuple[Side, Side],
) -> None:
    one, other = sides
    holder = await verified(one.client, "张三丰", id_number=new_id_number(years_old=40))
    card = await issued(one.client, holder)  # registered with the platform through one
    staff, device = await hospital_scanner(one.client)
    code = (await code_of(one.client, holder, card["id"])).json()["token"]
    scanned = await one.client.post(SCANS, json=scan_body(device, code, purpose="pay"), headers=staff)
    assert scanned.status_code == 200, scanned.text

    outcomes = await run_due_jobs(other.app)  # the job process that reports is the other one

    assert outcomes and set(outcomes) == {Outcome.DONE}, outcomes
    platform_card_id = (await HealthCard.get(id=card["id"])).platform_card_id
    assert [(r.platform_card_id, r.purpose) for r in await one.healthcard.reported()] == [
        (platform_card_id, "pay")
    ]


async def test_a_child_seated_through_one_is_proven_through_the_other(sides: tuple[Side, Side]) -> None:
    one, other = sides
    mother = await verified(one.client, "mother")
    child = new_id_number(years_old=6)

    seated = await one.client.post(
        "/sandbox/population/children", json={"id_number": child}, headers=mother.headers
    )
    added = await other.client.post(
        "/api/v1/family",
        json={"relation": "child", "name": "王小明", "id_number": child},
        headers=mother.headers,
    )

    assert seated.status_code == 204, seated.text
    assert added.status_code == 201, added.text
    assert added.json()["guardianship"] == "proven"
    assert await FamilyMember.filter(id=added.json()["id"]).exists()
