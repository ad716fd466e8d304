"""What PalmCity needs from the unified public payment platform for government fees (非税收入).

No public specification exists; this port is designed from what seed 001 describes: a payment
notice number (缴款码) per fee, payment confirmation by callback or query, and an electronic
receipt (电子票据) for the payer. Callbacks are signed with HMAC-SHA256 over
``TIMESTAMP\\nNONCE\\nBODY\\n`` with a key shared with the platform, and refused when more than
5 minutes old (``protocol.py``, shared by the client and the sandbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class PublicPaymentError(Exception):
    """The platform refused or failed; ``code`` is its error code (for logs)."""

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        super().__init__(f"public payment {code}: {message}")


class PublicPaymentUnavailable(PublicPaymentError):
    """The outcome is unknown (a timeout, a connection reset, a 5xx): ask again later."""


class CallbackInvalid(Exception):
    """``reason``: ``signature``, ``stale`` or ``malformed``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Notice:
    notice_number: str  # 缴款码: the payer can also pay it at a bank counter or in other apps
    pay_url: str


@dataclass(frozen=True)
class NoticeState:
    notice_number: str
    order_number: str
    paid: bool
    amount_fen: int
    payment_id: str | None  # the platform's own id of the payment
    receipt_url: str | None  # 电子票据
    paid_at: dt.datetime | None = None  # when the platform took the money (reconciliation's day)


class PublicPayment(Protocol):
    async def create_notice(
        self, *, order_number: str, amount_fen: int, item_code: str, description: str, due: dt.datetime
    ) -> Notice: ...

    async def query(self, notice_number: str) -> NoticeState: ...

    async def close_notice(self, notice_number: str) -> None:
        """Withdraw an unpaid notice (its deadline passed, or what it was for was cancelled);
        ``PublicPaymentError("ALREADY_PAID")`` when it was paid meanwhile."""
        ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> NoticeState:
        """The paid notice a callback announces, or ``CallbackInvalid``."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SandboxPublicPaymentDesk(Protocol):
    """The sandbox platform's counter: the payer pays a notice and the callback is returned."""

    def pay(self, notice_number: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]: ...
