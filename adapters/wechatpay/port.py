"""What PalmCity needs from WeChat Pay APIv3 (JSAPI for the mini-program, Native for a counter), and
how it says no.

The notification check (signature over the raw body, timestamp freshness, AES-256-GCM resource)
lives in ``apiv3.py``, shared by the real client and the sandbox, so tests run the real code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class WeChatPayError(Exception):
    """The provider refused or failed; ``code`` is its error code (for logs)."""

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        super().__init__(f"wechatpay {code}: {message}")


class WeChatPayUnavailable(WeChatPayError):
    """The outcome is unknown: a network failure, a timeout, a connection reset, a 5xx or
    ``SYSTEM_ERROR``. The request may or may not have been carried out: ask again (query) later;
    never treat it as a refusal."""


class NotificationInvalid(Exception):
    """A notification that must not be believed. ``reason``: ``signature``, ``stale``,
    ``unknown_serial``, ``malformed`` or ``decrypt``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    resource: dict[str, Any]  # decrypted


@dataclass(frozen=True)
class Prepay:
    prepay_id: str
    # wx.requestPayment's arguments: timeStamp, nonceStr, package, signType, paySign.
    pay_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NativePrepay:
    """A Native order (扫码支付, the payer scans): ``code_url`` (``weixin://wxpay/bizpayurl?pr=...``)
    is drawn as a QR code the payer scans with WeChat, again as often as needed until the order's
    deadline. ``pay_params``: what the order keeps for whoever shows the code (``trade_type``,
    ``code_url``; the sandbox adds its pay desk)."""

    code_url: str
    pay_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transaction:
    """The provider's view of one order (a query's answer)."""

    out_trade_no: str
    trade_state: str  # SUCCESS, NOTPAY, CLOSED, REFUND, PAYERROR, USERPAYING
    transaction_id: str | None
    total_fen: int
    mchid: str
    appid: str
    # When the provider took the money (``success_time``), in its own clock: reconciliation files a
    # payment under this day, not under the day our notification happened to arrive.
    success_time: dt.datetime | None = None


@dataclass(frozen=True)
class RefundStatus:
    """The provider's view of one refund (a refund query's answer)."""

    out_refund_no: str
    status: str  # SUCCESS, PROCESSING, CLOSED, ABNORMAL
    success_time: dt.datetime | None = None


@dataclass(frozen=True)
class StatementLine:
    """One line of the provider's daily statement (对账单)."""

    kind: str  # payment | refund
    out_trade_no: str
    transaction_id: str
    out_refund_no: str | None
    amount_fen: int
    state: str  # SUCCESS, REFUND...


class WeChatPay(Protocol):
    mchid: str
    appid: str

    async def prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, openid: str, expires_at: dt.datetime
    ) -> Prepay: ...

    async def native_prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, expires_at: dt.datetime
    ) -> NativePrepay:
        """A Native order for a counter (``POST /v3/pay/transactions/native``): no payer is named,
        whoever scans the code pays; paid, it is notified and queried like a JSAPI order, and closed
        unpaid with ``close``. Refusals and unknown outcomes as ``prepay``'s."""
        ...

    async def query(self, out_trade_no: str) -> Transaction: ...

    async def close(self, out_trade_no: str) -> None:
        """Close an unpaid order; ``WeChatPayError("ORDERPAID")`` when it was paid meanwhile."""
        ...

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int) -> str:
        """Ask for a refund; the answer is its status (PROCESSING, SUCCESS); the result comes by
        notification. ``WeChatPayUnavailable`` when the outcome is unknown (ask ``query_refund``
        later); any other ``WeChatPayError`` is a definite refusal (e.g. ``NOT_ENOUGH``)."""
        ...

    async def query_refund(self, out_refund_no: str) -> RefundStatus:
        """Where a refund stands; ``WeChatPayError("RESOURCE_NOT_EXISTS")`` when the provider never
        received it (then it may be asked for again under the same number)."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> Notification:
        """The notification, or ``NotificationInvalid``."""
        ...

    async def statement(self, day: dt.date) -> list[StatementLine]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SandboxWeChatPayDesk(Protocol):
    """The sandbox provider's own counter: the H5 app's sandbox pay button pays through it and gets
    the notification WeChat Pay would send."""

    def pay(self, out_trade_no: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]: ...
