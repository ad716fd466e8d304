"""The real public payment platform client against a local stand-in (tests/support/paystandins.py).

The platform publishes no specification: the stand-in answers the shapes ``adapters/publicpay``
defines and checks the HMAC signature of every request, as the client checks every answer's.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator

import pytest

from adapters.publicpay.client import PublicPaymentClient
from adapters.publicpay.port import PublicPaymentError, PublicPaymentUnavailable
from tests.support.paystandins import Fault, PublicPaymentStandIn

CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
async def platform() -> AsyncIterator[PublicPaymentStandIn]:
    async with PublicPaymentStandIn().running() as stand_in:
        yield stand_in


@pytest.fixture
def publicpay(platform: PublicPaymentStandIn) -> PublicPaymentClient:
    return platform.client()  # closed with the stand-in


async def _notice(client: PublicPaymentClient, order_number: str = "P250101000001") -> str:
    notice = await client.create_notice(
        order_number=order_number,
        amount_fen=12050,
        item_code="103040101",
        description="不动产登记费",
        due=dt.datetime(2025, 1, 31, 23, 59, 59, tzinfo=CHINA),
    )
    return notice.notice_number


async def test_a_notice_is_created_with_what_the_platform_needs(
    platform: PublicPaymentStandIn, publicpay: PublicPaymentClient
) -> None:
    number = await _notice(publicpay)
    assert platform.asked("POST", "/notices") == [
        {
            "agency_code": platform.agency_code,
            "order_number": "P250101000001",
            "item_code": "103040101",
            "amount_fen": 12050,
            "description": "不动产登记费",
            "due": "2025-01-31T23:59:59+08:00",
        }
    ]
    assert await _notice(publicpay) == number  # one notice per order, however often asked


async def test_a_request_signed_with_another_key_is_refused(platform: PublicPaymentStandIn) -> None:
    impostor = platform.client(key=secrets.token_bytes(32))
    with pytest.raises(PublicPaymentError) as refused:
        await _notice(impostor)
    # The refusal itself is signed by the platform; the impostor cannot check it, so it cannot
    # tell a refusal from a forgery: the outcome is unknown to it.
    assert isinstance(refused.value, PublicPaymentUnavailable)
    assert refused.value.code == "RESPONSE_SIGNATURE" and platform.notices == {}


async def test_an_answer_signed_with_another_key_is_not_believed(
    platform: PublicPaymentStandIn, publicpay: PublicPaymentClient
) -> None:
    number = await _notice(publicpay)
    platform.fault(f"/notices/{number}", "forged")
    with pytest.raises(PublicPaymentUnavailable) as unknown:
        await publicpay.query(number)
    assert unknown.value.code == "RESPONSE_SIGNATURE"


async def test_query_reads_an_unpaid_then_a_paid_notice_with_when_it_was_paid(
    platform: PublicPaymentStandIn, publicpay: PublicPaymentClient
) -> None:
    number = await _notice(publicpay)
    unpaid = await publicpay.query(number)
    assert (unpaid.paid, unpaid.payment_id, unpaid.receipt_url, unpaid.paid_at) == (False, None, None, None)
    assert (unpaid.order_number, unpaid.amount_fen) == ("P250101000001", 12050)

    paid_at = dt.datetime(2025, 1, 2, 0, 0, 5, tzinfo=CHINA)
    headers, body = platform.pay(number, at=paid_at)
    paid = await publicpay.query(number)
    assert paid.paid and paid.payment_id and paid.receipt_url and paid.paid_at == paid_at

    # The platform's callback for the same payment says the same.
    assert publicpay.verify_callback(headers, body, dt.datetime.now(dt.UTC)) == paid


async def test_an_unknown_notice_is_a_definite_answer(publicpay: PublicPaymentClient) -> None:
    with pytest.raises(PublicPaymentError) as refused:
        await publicpay.query("44000000000000000000")
    assert refused.value.code == "NOTICE_NOT_FOUND"
    assert not isinstance(refused.value, PublicPaymentUnavailable)


async def test_close_notice_withdraws_an_unpaid_notice_and_says_already_paid_for_a_paid_one(
    platform: PublicPaymentStandIn, publicpay: PublicPaymentClient
) -> None:
    unpaid = await _notice(publicpay, "P250101000002")
    await publicpay.close_notice(unpaid)
    await publicpay.close_notice(unpaid)  # again: still withdrawn, not an error
    assert platform.notices[unpaid].status == "CLOSED"
    assert not (await publicpay.query(unpaid)).paid

    paid = await _notice(publicpay, "P250101000003")
    platform.pay(paid)
    with pytest.raises(PublicPaymentError) as refused:
        await publicpay.close_notice(paid)
    assert refused.value.code == "ALREADY_PAID"
    assert not isinstance(refused.value, PublicPaymentUnavailable)


@pytest.mark.parametrize("fault", ["server_error", "slow", "reset", "proxy_refusal"])
async def test_no_answer_is_an_unknown_outcome(
    platform: PublicPaymentStandIn, publicpay: PublicPaymentClient, fault: Fault
) -> None:
    number = await _notice(publicpay)
    platform.fault("/close", fault)
    with pytest.raises(PublicPaymentUnavailable):
        await publicpay.close_notice(number)
    platform.fault(f"/notices/{number}", fault, times=2)
    with pytest.raises(PublicPaymentUnavailable):
        await publicpay.query(number)
    platform.fault("/notices", fault)
    with pytest.raises(PublicPaymentUnavailable):
        await _notice(publicpay, "P250101000004")
