"""The ticket window takes WeChat Pay: each priced ticket's payment started at the counter as a
Native order (the code the visitor scans), the money recorded as any payment's (its notification, or
a query when it is late), never kept for a ticket whose hold lapsed; only the spot's sellers see
the codes, and a provider that fails changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from adapters.wechatpay.fake import SandboxWeChatPay
from domain.audit.models import AuditRecord
from domain.payments import service as payments
from domain.payments.errors import PaymentNotPayable, PaymentProviderUnavailable
from domain.payments.models import OrderState, PaymentOrder
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.errors import StaffScopeRequired
from domain.tourism import window
from domain.tourism.models import Spot, TicketState
from server.settings import Settings
from tests.api.test_ticket_window import MORNING, small_spot

MCHID, APPID = "1900000109", "wx-window-test"


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


@pytest.fixture(autouse=True)
def morning() -> Any:
    with clock.frozen_at(MORNING):
        yield


@pytest.fixture
def sandbox() -> SandboxWeChatPay:
    return SandboxWeChatPay(mchid=MCHID, appid=APPID)


def seller(spot: Spot) -> Actor:
    return Actor("staff", 7, roles=frozenset({"ticket_seller"}), scopes=frozenset({spot.code}))


def adult(serial: str) -> window.Counter:
    from tests.api.test_tickets import id_card

    return window.Counter("resident_id", id_card(dt.date(1990, 1, 1), serial), "张三")


async def wechat_sale(spot: Spot, *visitors: window.Counter) -> window.WindowSale:
    return await window.sell(seller(spot), spot, list(visitors), window.PaidBy.WECHAT)


async def test_the_codes_are_native_orders_shown_again_when_asked_again(
    db: str, sandbox: SandboxWeChatPay
) -> None:
    spot = await small_spot()
    sale = await wechat_sale(spot, adult("001"), adult("002"))
    providers = payments.Providers(wechat=sandbox)
    view = await window.take_wechat(seller(spot), providers, spot, sale.ordered.order.id)
    assert len(view.payments) == 2
    codes = []
    for ticket in view.tickets:
        paying = view.payments[ticket.id]
        assert paying.state == OrderState.PENDING and ticket.state == TicketState.HELD
        assert paying.pay_params["trade_type"] == "NATIVE"
        assert paying.pay_params["code_url"] == f"weixin://wxpay/bizpayurl?pr=sandbox{paying.number}"
        assert sandbox.orders[paying.number].trade_type == "NATIVE"
        codes.append(paying.pay_params["code_url"])
    again = await window.take_wechat(seller(spot), providers, spot, sale.ordered.order.id)
    assert [again.payments[t.id].pay_params["code_url"] for t in again.tickets] == codes
    assert await AuditRecord.filter(action="payments.pending").count() == 2  # started once each


async def test_paid_by_the_notification_through_the_paid_path(db: str, sandbox: SandboxWeChatPay) -> None:
    spot = await small_spot()
    sale = await wechat_sale(spot, adult("001"))
    providers = payments.Providers(wechat=sandbox)
    view = await window.take_wechat(seller(spot), providers, spot, sale.ordered.order.id)
    [paying] = view.payments.values()
    headers, body = await sandbox.apay(paying.number, at=clock.now())  # the visitor scans the code and pays
    assert await payments.wechat_notification(providers, headers, body) == "paid"
    paid = await PaymentOrder.get(id=paying.id)
    assert (paid.state, paid.paid_fen, paid.late_payment) == (OrderState.PAID, 8000, False)
    assert await AuditRecord.filter(action="payments.paid", target_id=str(paying.id)).exists()
    # A duplicate notification moves nothing.
    assert await payments.wechat_notification(providers, headers, body) == "duplicate"


async def test_a_late_notification_is_found_by_the_screen_s_poll(db: str, sandbox: SandboxWeChatPay) -> None:
    spot = await small_spot()
    sale = await wechat_sale(spot, adult("001"))
    providers = payments.Providers(wechat=sandbox)
    view = await window.take_wechat(seller(spot), providers, spot, sale.ordered.order.id)
    [paying] = view.payments.values()
    sandbox.pay(paying.number, at=clock.now())  # paid; the notification has not come
    unasked = await window.sale_state(seller(spot), spot, sale.ordered.order.id)
    assert unasked.payments[sale.ordered.tickets[0].id].state == OrderState.PENDING
    sandbox.down.add(paying.number)  # the provider does not answer: asked again next time
    still = await window.sale_state(seller(spot), spot, sale.ordered.order.id, providers=providers)
    assert still.payments[sale.ordered.tickets[0].id].state == OrderState.PENDING
    sandbox.down.clear()
    asked = await window.sale_state(seller(spot), spot, sale.ordered.order.id, providers=providers)
    assert asked.payments[sale.ordered.tickets[0].id].state == OrderState.PAID


async def test_money_after_the_hold_lapsed_is_late_and_given_back(db: str, sandbox: SandboxWeChatPay) -> None:
    spot = await small_spot()
    sale = await wechat_sale(spot, adult("001"))
    providers = payments.Providers(wechat=sandbox)
    view = await window.take_wechat(seller(spot), providers, spot, sale.ordered.order.id)
    [paying] = view.payments.values()
    with clock.frozen_at(MORNING + window.PAY_WITHIN + dt.timedelta(seconds=1)):
        headers, body = await sandbox.apay(paying.number, at=clock.now())
        assert await payments.wechat_notification(providers, headers, body) == "paid_late"
    late = await PaymentOrder.get(id=paying.id)
    assert late.late_payment and late.state == OrderState.CLOSED


async def test_only_the_spot_s_sellers_and_only_its_window_sales(db: str, sandbox: SandboxWeChatPay) -> None:
    spot, other = await small_spot(), await small_spot()
    sale = await wechat_sale(spot, adult("001"))
    providers = payments.Providers(wechat=sandbox)
    with pytest.raises(StaffScopeRequired):
        await window.take_wechat(seller(other), providers, spot, sale.ordered.order.id)
    with pytest.raises(window.WindowSaleNotFound):
        await window.take_wechat(seller(other), providers, other, sale.ordered.order.id)
    with pytest.raises(window.WindowSaleNotFound):
        await window.sale_state(seller(spot), spot, 2**63)
    # A cash sale has nothing to pay.
    cash = await window.sell(seller(spot), spot, [adult("002")], window.PaidBy.CASH)
    view = await window.take_wechat(seller(spot), providers, spot, cash.ordered.order.id)
    assert view.payments == {} and [t.state for t in view.tickets] == [TicketState.CONFIRMED]


async def test_a_provider_that_fails_changes_nothing(db: str, sandbox: SandboxWeChatPay) -> None:
    spot = await small_spot()
    sale = await wechat_sale(spot, adult("001"))
    [made] = sale.ordered.payments
    sandbox.down.add(made.number)
    with pytest.raises(PaymentProviderUnavailable):
        await window.take_wechat(
            seller(spot), payments.Providers(wechat=sandbox), spot, sale.ordered.order.id
        )
    assert (await PaymentOrder.get(id=made.id)).state == OrderState.CREATED
    with pytest.raises(PaymentProviderUnavailable):  # no WeChat Pay wired at all
        await window.take_wechat(seller(spot), payments.Providers(), spot, sale.ordered.order.id)
    sandbox.down.clear()
    view = await window.take_wechat(
        seller(spot), payments.Providers(wechat=sandbox), spot, sale.ordered.order.id
    )
    assert view.payments[sale.ordered.tickets[0].id].state == OrderState.PENDING


async def test_a_public_platform_order_is_not_started_at_a_counter(
    db: str, sandbox: SandboxWeChatPay
) -> None:
    spot = await small_spot()
    sale = await wechat_sale(spot, adult("001"))
    [made] = sale.ordered.payments
    await PaymentOrder.filter(id=made.id).update(provider="public")
    with pytest.raises(PaymentNotPayable) as refused:
        await payments.start_at_counter(
            payments.Providers(wechat=sandbox), await PaymentOrder.get(id=made.id)
        )
    assert refused.value.details == {"provider": "public"}


async def test_a_window_ticket_cancelled_unpaid_records_nothing_given_back(
    db: str, sandbox: SandboxWeChatPay
) -> None:
    """Its refund record says what was taken for it: nothing yet, so nothing comes back."""
    spot = await small_spot()
    sale = await wechat_sale(spot, adult("001"))
    [ticket] = sale.ordered.tickets
    await window.cancel_ticket(seller(spot), spot, ticket.id, None)
    [refunded] = await AuditRecord.filter(action="tourism.window_refunded", target_id=str(ticket.id))
    assert refunded.after is not None
    assert (refunded.after["paid_fen"], refunded.after["refund_kind"]) == (0, "none")
    assert refunded.after["amount_fen"] == 8000
