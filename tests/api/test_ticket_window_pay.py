"""The ticket window takes WeChat Pay over HTTP: a WeChat sale's codes (Native orders, a QR the
visitor scans), paid through the sandbox's pay desk as a visitor would, and the screen's poll until
the sale is settled; refused to other spots' sellers and for other sales."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sanic import Sanic

import domain.payments.jobs  # noqa: F401 - registers the payment handlers
from domain.payments.models import OrderState, PaymentOrder
from domain.shared import clock
from domain.tourism.models import Spot, Ticket, TicketState
from server.settings import Settings
from tests.api.test_payment_settlement import run_jobs
from tests.api.test_ticket_window import MORNING, at_counter, sales, small_spot, staff


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


@pytest.fixture(autouse=True)
def morning() -> Any:
    with clock.frozen_at(MORNING):
        yield


def paying(spot: Spot, order_id: int) -> str:
    return f"{sales(spot)}/{order_id}/wechat"


async def wechat_sale(
    client: httpx.AsyncClient, spot: Spot, seller: dict[str, str], n: int = 1
) -> dict[str, Any]:
    visitors = [at_counter(dt.date(1990, 1, 1), f"{i:03d}") for i in range(1, n + 1)]
    r = await client.post(sales(spot), json={"visitors": visitors, "paid_by": "wechat"}, headers=seller)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_the_visitor_scans_each_code_and_the_screen_sees_the_sale_settled(
    client: httpx.AsyncClient, app: Sanic
) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    sold = await wechat_sale(client, spot, seller, n=2)
    r = await client.post(paying(spot, sold["id"]), headers=seller)
    assert r.status_code == 200, r.text
    shown = r.json()
    assert (shown["id"], shown["channel"], shown["settled"]) == (sold["id"], "window", False)
    assert [c["ticket_id"] for c in shown["codes"]] == [t["id"] for t in sold["tickets"]]
    for code in shown["codes"]:
        number = (await PaymentOrder.get(id=code["payment_id"])).number
        assert code["code_url"] == f"weixin://wxpay/bizpayurl?pr=sandbox{number}"
        assert code["svg"].startswith("<svg") and code["amount_fen"] == 8000
        assert code["sandbox_pay_url"] == f"/sandbox/wechatpay/{number}/pay"
        assert dt.datetime.fromisoformat(code["expires_at"]) == MORNING + dt.timedelta(minutes=5)
    assert [p["state"] for p in shown["payments"]] == ["pending", "pending"]
    # Asked again: the same codes.
    again = (await client.post(paying(spot, sold["id"]), headers=seller)).json()
    assert [c["code_url"] for c in again["codes"]] == [c["code_url"] for c in shown["codes"]]

    # The visitor pays the first (the sandbox's pay desk, as scanning it in WeChat would).
    first, second = shown["codes"]
    r = await client.post(first["sandbox_pay_url"])
    assert (r.status_code, r.json()["outcome"]) == (200, "paid"), r.text
    await run_jobs(app)
    polled = (await client.get(paying(spot, sold["id"]), headers=seller)).json()
    assert (polled["settled"], [c["ticket_id"] for c in polled["codes"]]) == (False, [second["ticket_id"]])
    assert [t["state"] for t in polled["tickets"]] == ["confirmed", "held"]

    # The second is paid at the provider but its notification is late: the screen's poll asks.
    runtime = app.ctx.runtime
    runtime.adapters.wechatpay.pay((await PaymentOrder.get(id=second["payment_id"])).number, at=clock.now())
    assert not (await client.get(paying(spot, sold["id"]), headers=seller)).json()["settled"]
    asked = (await client.get(paying(spot, sold["id"]), params={"ask": "true"}, headers=seller)).json()
    assert (asked["settled"], asked["codes"]) == (True, [])
    await run_jobs(app)
    tickets = await Ticket.filter(order_id=sold["id"]).order_by("id")
    assert [t.state for t in tickets] == [TicketState.CONFIRMED, TicketState.CONFIRMED]
    assert await PaymentOrder.filter(state=OrderState.PAID).count() == 2


async def test_an_unpaid_sale_settles_when_its_payments_close(client: httpx.AsyncClient, app: Sanic) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    sold = await wechat_sale(client, spot, seller)
    await client.post(paying(spot, sold["id"]), headers=seller)
    with clock.frozen_at(MORNING + dt.timedelta(minutes=6)):
        # Past the deadline: asked again, nothing is shown to pay (the order is closed, the ticket lapses).
        r = await client.post(paying(spot, sold["id"]), headers=seller)
        assert r.status_code == 200, r.text
        await run_jobs(app)
        after = (await client.get(paying(spot, sold["id"]), headers=seller)).json()
    assert (after["settled"], after["codes"], after["payments"][0]["state"]) == (True, [], "closed")
    assert after["tickets"][0]["state"] == "lapsed"


async def test_refused_to_other_spots_sellers_and_for_other_sales(client: httpx.AsyncClient) -> None:
    spot, other = await small_spot(), await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    _, elsewhere = await staff(client, ["ticket_seller"], other.code)
    _, manager = await staff(client, ["spot_manager"], spot.code)
    sold = await wechat_sale(client, spot, seller)
    r = await client.post(paying(spot, sold["id"]), headers=elsewhere)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_scope_required")
    r = await client.get(paying(spot, sold["id"]), headers=manager)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_role_required")
    r = await client.post(paying(other, sold["id"]), headers=elsewhere)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "window_sale_not_found")
    r = await client.get(paying(spot, sold["id"]))
    assert r.status_code == 401
    assert (await PaymentOrder.get(id=sold["payments"][0]["order_id"])).state == OrderState.CREATED
