"""WeChat Pay's Native order (a code the payer scans at a counter): the real client's request over
real HTTP against the stand-in (signed both ways), and the sandbox provider doing the same offline
(its pay desk pays it as a payer scanning would, with the notification WeChat Pay would send)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from adapters.wechatpay.client import WeChatPayClient
from adapters.wechatpay.fake import NATIVE_PAYER, SandboxWeChatPay
from adapters.wechatpay.port import WeChatPayError, WeChatPayUnavailable
from tests.support.paystandins.wechatpay import WeChatPayStandIn

CHINA = dt.timezone(dt.timedelta(hours=8))
DESCRIPTION = "古龙峡 2026-05-01"


def _deadline() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=5)


async def test_a_native_order_is_asked_for_without_a_payer_and_answers_the_code_to_scan(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    deadline = _deadline()
    native = await wechatpay.native_prepay(
        out_trade_no="P260501000001", total_fen=8000, description=DESCRIPTION, expires_at=deadline
    )
    [sent] = provider.asked("POST", "/v3/pay/transactions/native")
    assert sent == {
        "appid": provider.appid,
        "mchid": provider.mchid,
        "description": DESCRIPTION,
        "out_trade_no": "P260501000001",
        "time_expire": deadline.astimezone(CHINA).isoformat(timespec="seconds"),  # China time
        "notify_url": "https://palmcity.example.cn/api/v1/payments/notify/wechat",
        "amount": {"total": 8000, "currency": "CNY"},
    }
    assert native.code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert native.pay_params == {"trade_type": "NATIVE", "code_url": native.code_url}
    # Paid by whoever scans it: queried and notified as any order.
    headers, body = provider.pay("P260501000001")
    assert (await wechatpay.query("P260501000001")).trade_state == "SUCCESS"
    notice = wechatpay.verify(headers, body, dt.datetime.now(dt.UTC))
    assert notice.resource["out_trade_no"] == "P260501000001"


async def test_an_unpaid_native_order_closes_like_any(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await wechatpay.native_prepay(
        out_trade_no="P260501000002", total_fen=100, description=DESCRIPTION, expires_at=_deadline()
    )
    await wechatpay.close("P260501000002")
    assert provider.orders["P260501000002"].state == "CLOSED"


async def test_refusals_and_unknown_outcomes_of_a_native_order(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    paid = "P260501000003"
    await wechatpay.native_prepay(
        out_trade_no=paid, total_fen=100, description=DESCRIPTION, expires_at=_deadline()
    )
    provider.pay(paid)
    with pytest.raises(WeChatPayError) as refused:  # a definite answer: it was paid
        await wechatpay.native_prepay(
            out_trade_no=paid, total_fen=100, description=DESCRIPTION, expires_at=_deadline()
        )
    assert refused.value.code == "ORDERPAID" and not isinstance(refused.value, WeChatPayUnavailable)

    provider.fault("/v3/pay/transactions/native", "server_error")
    with pytest.raises(WeChatPayUnavailable):
        await wechatpay.native_prepay(
            out_trade_no="P260501000004", total_fen=100, description=DESCRIPTION, expires_at=_deadline()
        )
    # A signed answer whose code is no WeChat Pay link is not shown to a payer: the outcome is unknown.
    provider.code_url = "https://evil.example.com/pay"
    with pytest.raises(WeChatPayUnavailable) as unreadable:
        await wechatpay.native_prepay(
            out_trade_no="P260501000005", total_fen=100, description=DESCRIPTION, expires_at=_deadline()
        )
    assert unreadable.value.code == "MALFORMED"


# -- the sandbox ----------------------------------------------------------------------------------


async def test_the_sandbox_s_native_order_is_paid_at_its_desk_with_a_native_notification() -> None:
    sandbox = SandboxWeChatPay(mchid="1900000109", appid="wx-sandbox")
    native = await sandbox.native_prepay(
        out_trade_no="P260501000010", total_fen=8000, description=DESCRIPTION, expires_at=_deadline()
    )
    assert native.code_url == "weixin://wxpay/bizpayurl?pr=sandboxP260501000010"
    expected: dict[str, Any] = {"trade_type": "NATIVE", "code_url": native.code_url, "sandbox": True}
    assert native.pay_params == {**expected, "complete_url": "/sandbox/wechatpay/P260501000010/pay"}
    assert (await sandbox.query("P260501000010")).trade_state == "NOTPAY"
    # Asked again (a retried start): the same order, not a second one.
    again = await sandbox.native_prepay(
        out_trade_no="P260501000010", total_fen=8000, description=DESCRIPTION, expires_at=_deadline()
    )
    assert again.code_url == native.code_url

    headers, body = await sandbox.apay("P260501000010")
    notice = sandbox.verify(headers, body, dt.datetime.now(dt.UTC))
    assert notice.event_type == "TRANSACTION.SUCCESS"
    assert (notice.resource["trade_type"], notice.resource["payer"]) == ("NATIVE", {"openid": NATIVE_PAYER})
    assert notice.resource["amount"]["total"] == 8000
    seen = await sandbox.query("P260501000010")
    assert (seen.trade_state, seen.total_fen) == ("SUCCESS", 8000) and seen.transaction_id


async def test_the_sandbox_s_native_order_closed_unpaid_cannot_be_paid() -> None:
    sandbox = SandboxWeChatPay(mchid="1900000109", appid="wx-sandbox")
    await sandbox.native_prepay(
        out_trade_no="P260501000011", total_fen=100, description=DESCRIPTION, expires_at=_deadline()
    )
    await sandbox.close("P260501000011")
    with pytest.raises(WeChatPayError) as refused:
        await sandbox.apay("P260501000011")
    assert refused.value.code == "ORDERCLOSED"
    sandbox.down.add("P260501000012")  # told to fail: an unknown outcome, as a 5xx
    with pytest.raises(WeChatPayUnavailable):
        await sandbox.native_prepay(
            out_trade_no="P260501000012", total_fen=100, description=DESCRIPTION, expires_at=_deadline()
        )
