"""The public payment platform stand-in: the shapes ``adapters/publicpay`` defines (no public
specification exists), HMAC-signed both ways as ``protocol.py`` says."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapters.publicpay import protocol
from adapters.publicpay.client import PublicPaymentClient
from adapters.publicpay.port import CallbackInvalid
from tests.support.paystandins.base import CLIENT_TIMEOUT, Refusal, StandIn, china


@dataclass
class PublicNotice:
    notice_number: str
    order_number: str
    amount_fen: int
    item_code: str
    status: str = "UNPAID"  # PAID, CLOSED
    payment_id: str | None = None
    paid_at: dt.datetime | None = None


class PublicPaymentStandIn(StandIn):
    def __init__(self, *, agency_code: str = "440300001") -> None:
        super().__init__()
        self.agency_code = agency_code
        self.key = secrets.token_bytes(32)
        self.notices: dict[str, PublicNotice] = {}

    def client(self, **overrides: Any) -> PublicPaymentClient:
        settings: dict[str, Any] = {
            "base_url": self.base_url,
            "agency_code": self.agency_code,
            "key": self.key,
            "timeout_seconds": CLIENT_TIMEOUT,
        }
        return self.opened(PublicPaymentClient(**{**settings, **overrides}))

    def pay(self, notice_number: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]:
        """The payer pays the notice (in the app or at a bank counter); the platform's callback."""
        notice = self.notices[notice_number]
        if notice.status == "UNPAID":
            notice.status, notice.paid_at = "PAID", at or dt.datetime.now(dt.UTC)
            notice.payment_id = "FS" + secrets.token_hex(10).upper()
        return protocol.sign_callback(self.key, self._state(notice), dt.datetime.now(dt.UTC))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/notices", self._create),
            web.get("/notices/{number}", self._query),
            web.post("/notices/{number}/close", self._close),
        ]

    def authenticate(self, request: web.Request, body: bytes) -> None:
        try:
            protocol.verify_signature(self.key, request.headers, body, dt.datetime.now(dt.UTC))
        except CallbackInvalid as exc:
            raise Refusal(401, "SIGNATURE", exc.reason) from None

    def signed(self, response: web.Response, *, forged: bool = False) -> web.Response:
        body = response.body if isinstance(response.body, bytes) else b""
        timestamp, nonce = str(int(dt.datetime.now(dt.UTC).timestamp())), secrets.token_hex(16)
        key = secrets.token_bytes(32) if forged else self.key
        stamp, once, signature = protocol.HEADERS
        response.headers.update(
            {stamp: timestamp, once: nonce, signature: protocol.signature(key, timestamp, nonce, body)}
        )
        return response

    def system_error(self) -> web.Response:
        return self.json({"code": "SYSTEM_BUSY", "message": "系统繁忙"}, status=503)

    def _state(self, notice: PublicNotice) -> dict[str, Any]:
        return {
            "notice_number": notice.notice_number,
            "order_number": notice.order_number,
            "status": notice.status,
            "amount_fen": notice.amount_fen,
            "payment_id": notice.payment_id,
            "receipt_url": f"{self.base_url}/receipts/{notice.payment_id}" if notice.payment_id else None,
            "paid_at": china(notice.paid_at) if notice.paid_at else None,
        }

    def _notice(self, number: str) -> PublicNotice:
        notice = self.notices.get(number)
        if notice is None:
            raise Refusal(404, "NOTICE_NOT_FOUND", "缴款码不存在")
        return notice

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            if body["agency_code"] != self.agency_code:
                raise Refusal(403, "AGENCY_UNKNOWN", "执收单位不存在")
            dt.datetime.fromisoformat(body["due"])
            notice = PublicNotice(
                f"44{secrets.randbelow(10**18):018d}", body["order_number"], int(body["amount_fen"]),
                body["item_code"],
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            raise Refusal(400, "PARAM_ERROR", "参数错误") from None
        known = next((n for n in self.notices.values() if n.order_number == notice.order_number), None)
        notice = known or self.notices.setdefault(notice.notice_number, notice)
        return self.json(
            {"notice_number": notice.notice_number, "pay_url": f"{self.base_url}/pay/{notice.notice_number}"}
        )

    async def _query(self, request: web.Request) -> web.Response:
        return self.json(self._state(self._notice(request.match_info["number"])))

    async def _close(self, request: web.Request) -> web.Response:
        if (await request.json()).get("agency_code") != self.agency_code:
            raise Refusal(403, "AGENCY_UNKNOWN", "执收单位不存在")
        notice = self._notice(request.match_info["number"])
        if notice.status == "PAID":
            raise Refusal(409, "ALREADY_PAID", "已缴款，不能撤销")
        notice.status = "CLOSED"
        return self.json({"notice_number": notice.notice_number, "status": "CLOSED"})
