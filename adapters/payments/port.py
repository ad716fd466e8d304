"""The payments port as the appointments module needs it: start a payment, ask whether it is paid.

The payments issue brings the real providers (WeChat Pay APIv3, the unified public payment
platform) behind this port, with their notifications; until then only the sandbox implements it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class PaymentState(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CLOSED = "closed"


class PaymentUnknown(Exception):
    """The provider does not know this payment id."""


@dataclass(frozen=True)
class PaymentStart:
    payment_id: str
    # What the app needs to pay: wx.requestPayment's parameters on weapp, a page on H5 (sandbox).
    pay_params: dict[str, Any] = field(default_factory=dict)


class Payments(Protocol):
    async def start(
        self, *, reference: str, amount_fen: int, description: str, expires_at: dt.datetime
    ) -> PaymentStart: ...

    async def state(self, payment_id: str) -> PaymentState:
        """PaymentUnknown for an id the provider never issued."""
        ...

    async def close(self, payment_id: str) -> None:
        """Stop a pending payment from being paid (the hold lapsed, the booking was cancelled)."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SandboxPaymentDesk(Protocol):
    """The sandbox provider's own counter: the H5 app's sandbox pay button pays through it."""

    async def complete(self, payment_id: str) -> PaymentState: ...
