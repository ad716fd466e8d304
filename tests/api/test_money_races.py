"""Money under concurrency, on PostgreSQL (several real connections; SQLite serialises every write,
so only PostgreSQL shows these races): a resident's cancel racing the payment ends either paid and
refunded or closed and unpaid, never paid and kept; ten cancels at once refund once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import httpx
import pytest
from sanic import Sanic

from adapters.wechatpay.port import WeChatPayError
from domain.appointments.models import Appointment, AppointmentState
from domain.payments.models import OrderState, Refund
from domain.shared import clock
from tests.api.test_appointments import BASE, MONDAY, at, book, open_hospital, slots_on
from tests.api.test_money_follows_state import a_paid_booking, given_back, order_of, settle
from tests.api.test_payments import deliver, fake_of
from tests.support.apps import client_for
from tests.support.residents import verified

TUESDAY = MONDAY + dt.timedelta(days=1)
ROUNDS = 20
STEP = 0.008  # seconds between the rounds' head starts

pytestmark = pytest.mark.postgres


async def _later(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)


async def race_once(app: Sanic, fake: Any, service: Any, slot_id: int, i: int) -> str:
    """One resident books, then cancels while paying; the two sides start ``lead`` apart, from the
    cancel (and its settlement) 80 ms ahead to the payment 72 ms ahead, so that some rounds close
    the order before the payer pays, some pay first, and the middle ones race. Returns how it ended."""
    lead = (i - ROUNDS // 2) * STEP
    # A client of its own per round: all the rounds together would pass one address's rate limit.
    async with client_for(app, f"10.9.{i}.1") as client:
        who = await verified(client, f"racer{i}")
        made = (await book(client, who, service, slot_id)).json()
        number = (await order_of(made)).number

        async def cancel_and_settle() -> int:
            await _later(lead)
            r = await client.post(f"{BASE}/{made['id']}/cancel", headers=who.headers)
            await settle(app)
            return r.status_code

        async def pay() -> str:
            await _later(-lead)
            try:
                signed = fake.pay(number, at=clock.now())
            except WeChatPayError as exc:  # closed at the provider first: the payer cannot pay
                return str(exc.code)
            return str((await deliver(client, signed)).status_code)

        cancelled, paid = await asyncio.gather(cancel_and_settle(), pay())
        await settle(app)

    order = await order_of(made)
    back = await given_back(order)
    state = (await Appointment.get(id=made["id"])).state
    assert cancelled == 200 and state == AppointmentState.CANCELLED, (i, cancelled, state)
    if order.paid_fen:
        assert back == order.paid_fen == 1000, (i, paid, order.state, back)  # never paid and kept
        return "paid_and_refunded"
    assert order.state == OrderState.CLOSED and back == 0, (i, paid, order.state)
    return "closed_and_unpaid"


async def test_a_cancel_racing_the_payment_never_ends_paid_and_kept(
    client: httpx.AsyncClient, app: Sanic, runtime: Any
) -> None:
    with at(MONDAY, 7):
        service = await open_hospital(places=ROUNDS, fee_fen=1000)
        slot = (await slots_on(client, service, TUESDAY))[0]
        endings = Counter(
            [await race_once(app, fake_of(runtime), service, slot["slot_id"], i) for i in range(ROUNDS)]
        )

    assert sum(endings.values()) == ROUNDS, endings


async def test_ten_concurrent_cancels_of_one_paid_appointment_refund_once(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    with at(MONDAY, 7):
        alice, made = await a_paid_booking(client, app)

        answers = await asyncio.gather(
            *(client.post(f"{BASE}/{made['id']}/cancel", headers=alice.headers) for _ in range(10))
        )
        await settle(app)

    assert Counter(r.status_code for r in answers) == {200: 1, 409: 9}
    order = await order_of(made)
    assert await Refund.filter(order_id=order.id).count() == 1
    assert order.state == OrderState.REFUNDED and await given_back(order) == 1000
