"""The real WeChat Pay APIv3 client against a local stand-in (tests/support/paystandins.py).

Every test is a real HTTP call: the stand-in verifies the client's request signature and signs its
own answers, so both directions of the protocol run as in production.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from adapters.wechatpay.client import WeChatPayClient
from adapters.wechatpay.port import StatementLine, WeChatPayError, WeChatPayUnavailable
from tests.support.paystandins import BILL_HEADER, BILL_SUMMARY_HEADER, Fault, WeChatPayStandIn

CHINA = dt.timezone(dt.timedelta(hours=8))
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


async def _order(client: WeChatPayClient, number: str, fen: int) -> None:
    await client.prepay(
        out_trade_no=number,
        total_fen=fen,
        description="预约挂号费",
        openid=OPENID,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15),
    )


async def _paid(provider: WeChatPayStandIn, client: WeChatPayClient, number: str, fen: int) -> None:
    await _order(client, number, fen)
    provider.pay(number)


# -- signing, both ways ---------------------------------------------------------------------------


async def test_a_signed_request_is_accepted_and_a_wrongly_signed_one_refused(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _order(wechatpay, "P250101000001", 100)
    [sent] = provider.asked("POST", "/v3/pay/transactions/jsapi")
    assert sent.pop("time_expire").endswith("+08:00")  # China time, as the provider requires
    assert sent == {
        "appid": provider.appid,
        "mchid": provider.mchid,
        "description": "预约挂号费",
        "out_trade_no": "P250101000001",
        "notify_url": "https://palmcity.example.cn/api/v1/payments/notify/wechat",
        "amount": {"total": 100, "currency": "CNY"},
        "payer": {"openid": OPENID},
    }

    impostor = provider.client(merchant_key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(WeChatPayError) as refused:
        await impostor.query("P250101000001")
    assert refused.value.code == "SIGN_ERROR" and not isinstance(refused.value, WeChatPayUnavailable)


async def test_a_request_signed_too_long_ago_is_refused(
    wechatpay: WeChatPayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ten_minutes_ago = time.time() - 600
    monkeypatch.setattr("adapters.wechatpay.client.time.time", lambda: ten_minutes_ago)
    with pytest.raises(WeChatPayError) as refused:
        await wechatpay.query("P250101000001")
    assert refused.value.code == "SIGN_ERROR"


async def test_an_answer_signed_by_another_key_is_not_believed(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _paid(provider, wechatpay, "P250101000002", 100)
    provider.fault("/out-trade-no/", "forged")
    with pytest.raises(WeChatPayUnavailable) as unknown:
        await wechatpay.query("P250101000002")
    assert unknown.value.code == "RESPONSE_SIGNATURE"
    assert (await wechatpay.query("P250101000002")).trade_state == "SUCCESS"  # the real answer


async def test_prepay_gives_request_payment_arguments_signed_by_the_merchant(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _order(wechatpay, "P250101000003", 1)
    prepay = await wechatpay.prepay(
        out_trade_no="P250101000003",
        total_fen=1,
        description="预约挂号费",
        openid=OPENID,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15),
    )
    params = prepay.pay_params
    assert prepay.prepay_id.startswith("wx") and params["package"] == f"prepay_id={prepay.prepay_id}"
    assert params["signType"] == "RSA" and set(params) == {
        "timeStamp", "nonceStr", "package", "signType", "paySign"
    }  # fmt: skip
    message = f"{provider.appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    provider.merchant_key.public_key().verify(  # raises unless WeChat would accept it
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


# -- query and close ------------------------------------------------------------------------------


async def test_query_reads_a_paid_order_with_the_providers_success_time(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _order(wechatpay, "P250101000004", 2500)
    unpaid = await wechatpay.query("P250101000004")
    assert (unpaid.trade_state, unpaid.transaction_id, unpaid.success_time) == ("NOTPAY", None, None)
    assert unpaid.total_fen == 2500

    paid_at = dt.datetime(2025, 1, 1, 23, 59, 58, tzinfo=CHINA)
    headers, body = provider.pay("P250101000004", at=paid_at)
    paid = await wechatpay.query("P250101000004")
    assert paid.trade_state == "SUCCESS" and paid.transaction_id and paid.total_fen == 2500
    assert (paid.mchid, paid.appid) == (provider.mchid, provider.appid)
    assert paid.success_time == paid_at and paid.success_time.utcoffset() == dt.timedelta(hours=8)
    path = f"/v3/pay/transactions/out-trade-no/P250101000004?mchid={provider.mchid}"
    assert provider.requests[-1][1] == path

    # The notification for the same payment, as the provider sends it, is believed by the client.
    notice = wechatpay.verify(headers, body, paid_at)
    assert notice.event_type == "TRANSACTION.SUCCESS"
    assert notice.resource["transaction_id"] == paid.transaction_id


async def test_an_unknown_order_is_a_definite_answer(wechatpay: WeChatPayClient) -> None:
    with pytest.raises(WeChatPayError) as refused:
        await wechatpay.query("P250101000099")
    assert refused.value.code == "ORDER_NOT_EXIST" and not isinstance(refused.value, WeChatPayUnavailable)


async def test_close_closes_an_unpaid_order_and_says_orderpaid_for_a_paid_one(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _order(wechatpay, "P250101000005", 100)
    await wechatpay.close("P250101000005")
    assert provider.orders["P250101000005"].state == "CLOSED"
    assert provider.asked("POST", "/P250101000005/close") == [{"mchid": provider.mchid}]

    await _paid(provider, wechatpay, "P250101000006", 100)
    with pytest.raises(WeChatPayError) as refused:
        await wechatpay.close("P250101000006")
    assert refused.value.code == "ORDERPAID" and not isinstance(refused.value, WeChatPayUnavailable)


# -- refunds --------------------------------------------------------------------------------------


async def test_a_refund_answers_processing_then_its_query_says_success(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _paid(provider, wechatpay, "P250101000007", 5000)
    status = await wechatpay.refund(
        out_trade_no="P250101000007", out_refund_no="R1", refund_fen=2000, total_fen=5000
    )
    assert status == "PROCESSING"
    assert provider.asked("POST", "/v3/refund/domestic/refunds")[0]["amount"] == {
        "refund": 2000, "total": 5000, "currency": "CNY"
    }  # fmt: skip
    pending = await wechatpay.query_refund("R1")
    assert (pending.out_refund_no, pending.status, pending.success_time) == ("R1", "PROCESSING", None)

    done_at = dt.datetime(2025, 1, 2, 0, 0, 1, tzinfo=CHINA)
    provider.complete_refund("R1", at=done_at)
    done = await wechatpay.query_refund("R1")
    assert (done.status, done.success_time) == ("SUCCESS", done_at)


async def test_a_refund_that_succeeds_at_once_says_so(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _paid(provider, wechatpay, "P250101000008", 5000)
    provider.refund_answer = "SUCCESS"
    status = await wechatpay.refund(
        out_trade_no="P250101000008", out_refund_no="R2", refund_fen=5000, total_fen=5000
    )
    assert status == "SUCCESS"


async def test_not_enough_balance_is_a_definite_refusal(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    await _paid(provider, wechatpay, "P250101000009", 5000)
    provider.balance_fen = 100
    with pytest.raises(WeChatPayError) as refused:
        await wechatpay.refund(
            out_trade_no="P250101000009", out_refund_no="R3", refund_fen=5000, total_fen=5000
        )
    assert refused.value.code == "NOT_ENOUGH" and not isinstance(refused.value, WeChatPayUnavailable)
    with pytest.raises(WeChatPayError) as never_received:
        await wechatpay.query_refund("R3")
    assert never_received.value.code == "RESOURCE_NOT_EXISTS"


@pytest.mark.parametrize("fault", ["server_error", "slow", "reset", "proxy_refusal"])
async def test_a_refund_whose_outcome_is_unknown_is_not_a_refusal(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient, fault: Fault
) -> None:
    await _paid(provider, wechatpay, "P250101000010", 5000)
    provider.fault("/v3/refund/domestic/refunds", fault)
    with pytest.raises(WeChatPayUnavailable) as unknown:
        await wechatpay.refund(
            out_trade_no="P250101000010", out_refund_no="R4", refund_fen=5000, total_fen=5000
        )
    unknown_codes = {
        "server_error": "SYSTEM_ERROR",
        "slow": "NETWORK",
        "reset": "NETWORK",
        "proxy_refusal": "403",
    }
    assert unknown.value.code == unknown_codes[fault]
    # Asking again under the same number is safe: it is refunded once, whatever happened the first time.
    assert await wechatpay.refund(
        out_trade_no="P250101000010", out_refund_no="R4", refund_fen=5000, total_fen=5000
    ) == "PROCESSING"  # fmt: skip
    assert [r.out_refund_no for r in provider.refunds.values()] == ["R4"]
    assert (await wechatpay.query_refund("R4")).status == "PROCESSING"


@pytest.mark.parametrize("fault", ["server_error", "slow", "reset", "proxy_refusal"])
async def test_closing_or_querying_without_an_answer_is_unknown_not_refused(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient, fault: Fault
) -> None:
    await _order(wechatpay, "P250101000011", 100)
    provider.fault("/close", fault)
    with pytest.raises(WeChatPayUnavailable):
        await wechatpay.close("P250101000011")
    provider.fault("/out-trade-no/P250101000011?", fault, times=2)
    with pytest.raises(WeChatPayUnavailable):
        await wechatpay.query("P250101000011")


# -- the daily statement --------------------------------------------------------------------------


async def test_the_statement_reads_the_bill_in_yuan_as_exact_fen(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    day = dt.datetime.now(CHINA).date()
    await _paid(provider, wechatpay, "P250101000012", 1)  # 0.01
    await _paid(provider, wechatpay, "P250101000013", 123450)  # 1234.50
    await _paid(provider, wechatpay, "P250101000014", 1999)  # 19.99
    await wechatpay.refund(out_trade_no="P250101000013", out_refund_no="R5", refund_fen=10, total_fen=123450)
    lines = await wechatpay.statement(day)

    def tx(number: str) -> str:
        return provider.orders[number].transaction_id or ""

    assert sorted(lines, key=lambda line: (line.kind, line.out_trade_no)) == [
        StatementLine("payment", "P250101000012", tx("P250101000012"), None, 1, "SUCCESS"),
        StatementLine("payment", "P250101000013", tx("P250101000013"), None, 123450, "SUCCESS"),
        StatementLine("payment", "P250101000014", tx("P250101000014"), None, 1999, "SUCCESS"),
        StatementLine("refund", "P250101000013", tx("P250101000013"), "R5", 10, "REFUND"),
    ]  # fmt: skip
    assert provider.asked("GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL")
    assert provider.asked("GET", "/v3/billdownload/file?token=")  # signed like any request


async def test_a_day_without_transactions_has_an_empty_statement(wechatpay: WeChatPayClient) -> None:
    assert await wechatpay.statement(dt.date(2024, 2, 29)) == []


def _bill(*amounts: str) -> bytes:
    rows = [
        ",".join(
            f"`{cell}"
            for cell in [
                "2025-01-01 10:00:00", "wxd678efh567hg6787", "1900000109", "0", "", f"4200000{i}",
                f"P{i}", OPENID, "JSAPI", "SUCCESS", "OTHERS", "CNY", yuan, "0.00", "0", "0", "0.00",
                "0.00", "", "", "预约挂号费", "", "0.00000", "0.60%", yuan, "0.00", "",
            ]
        )
        for i, yuan in enumerate(amounts)
    ]  # fmt: skip
    total = sum((Decimal(a) for a in amounts), Decimal("0"))
    summary = f"`{len(amounts)},`{total},`0.00,`0.00,`0.00000,`{total},`0.00"
    return "\r\n".join([BILL_HEADER, *rows, BILL_SUMMARY_HEADER, summary, ""]).encode()


async def test_amounts_are_converted_exactly_never_through_floats(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    day = dt.date(2025, 1, 1)
    provider.bill_files[day] = _bill("0.01", "0.29", "1234.50", "99999.99", "0.07")
    lines = await wechatpay.statement(day)
    assert [line.amount_fen for line in lines] == [1, 29, 123450, 9999999, 7]

    provider.bill_files[day] = _bill("0.015")  # not a whole fen: unreadable, never rounded
    with pytest.raises(WeChatPayUnavailable) as unknown:
        await wechatpay.statement(day)
    assert unknown.value.code == "MALFORMED"


async def test_a_bill_that_does_not_match_its_hash_is_refused(
    provider: WeChatPayStandIn, wechatpay: WeChatPayClient
) -> None:
    day = dt.date(2025, 1, 1)
    provider.bill_files[day] = _bill("1.00")
    provider.tampered_bill = _bill("100.00")  # what arrives is not what the hash describes
    with pytest.raises(WeChatPayUnavailable) as unknown:
        await wechatpay.statement(day)
    assert unknown.value.code == "BILL_HASH"
