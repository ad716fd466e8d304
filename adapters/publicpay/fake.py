"""The sandbox public payment platform: notices in memory, paid by its own counter, callbacks
signed exactly as ``protocol.py`` says, receipts as links to a sandbox page."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.publicpay import protocol
from adapters.publicpay.port import Notice, NoticeState, PublicPaymentError, PublicPaymentUnavailable

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass
class _Notice:
    notice_number: str
    order_number: str
    amount_fen: int
    paid: bool = False
    closed: bool = False  # withdrawn: it can no longer be paid
    payment_id: str | None = None
    paid_at: dt.datetime | None = None  # when the payer paid (the counter's ``at``)


class SandboxPublicPayment:
    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)
        self.notices: dict[str, _Notice] = {}
        # Test hook: notice numbers about which every call fails with an outcome unknown
        # (``PublicPaymentUnavailable``) until removed from the set.
        self.down: set[str] = set()

    async def create_notice(
        self, *, order_number: str, amount_fen: int, item_code: str, description: str, due: dt.datetime
    ) -> Notice:
        found = next((n for n in self.notices.values() if n.order_number == order_number), None)
        if found is None:
            found = _Notice(f"44{secrets.randbelow(10**18):018d}", order_number, amount_fen)  # 20 digits
            self.notices[found.notice_number] = found
        return Notice(found.notice_number, f"/sandbox/nontax/{found.notice_number}/pay")

    async def query(self, notice_number: str) -> NoticeState:
        self._reachable(notice_number)
        return self._state(self._notice(notice_number))

    async def close_notice(self, notice_number: str) -> None:
        self._reachable(notice_number)
        notice = self._notice(notice_number)
        if notice.paid:
            raise PublicPaymentError("ALREADY_PAID", notice_number)
        notice.closed = True

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> NoticeState:
        return protocol.verify_callback(self.key, headers, body, now)

    async def aclose(self) -> None:
        return None

    def pay(self, notice_number: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]:
        """The payer pays at ``at`` (the platform's payment time): the callback, signed then."""
        at = at or dt.datetime.now(dt.UTC)
        notice = self._notice(notice_number)
        if notice.closed:
            raise PublicPaymentError("NOTICE_CLOSED", notice_number)
        if not notice.paid:
            notice.paid, notice.payment_id, notice.paid_at = True, f"FS{secrets.token_hex(10).upper()}", at
        state = self._state(notice)
        payload = {
            "notice_number": state.notice_number,
            "order_number": state.order_number,
            "status": "PAID",
            "amount_fen": state.amount_fen,
            "payment_id": state.payment_id,
            "receipt_url": state.receipt_url,
            "paid_at": state.paid_at.astimezone(CHINA).isoformat() if state.paid_at else None,
        }
        return protocol.sign_callback(self.key, payload, at)

    def _reachable(self, notice_number: str) -> None:
        if notice_number in self.down:
            raise PublicPaymentUnavailable("TIMEOUT", "the sandbox is told to fail for " + notice_number)

    def _notice(self, notice_number: str) -> _Notice:
        found = self.notices.get(notice_number)
        if found is None:
            raise PublicPaymentError("NOTICE_NOT_FOUND", notice_number)
        return found

    def _state(self, n: _Notice) -> NoticeState:
        receipt = f"/sandbox/nontax/receipts/{n.payment_id}" if n.paid else None
        return NoticeState(
            n.notice_number, n.order_number, n.paid, n.amount_fen, n.payment_id, receipt, paid_at=n.paid_at
        )
