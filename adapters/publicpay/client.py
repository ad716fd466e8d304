"""The real client of the unified public payment platform (aiohttp, HMAC-signed both ways).

The platform's interface is not public: the endpoints below (``POST /notices``,
``GET /notices/{number}``) and the signature (``protocol.py``) are this project's reading of seed 001,
kept behind the port so that the real contract, once the province publishes it to the city, changes
this file only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import aiohttp

from adapters.publicpay import protocol
from adapters.publicpay.port import CallbackInvalid, Notice, NoticeState, PublicPaymentError

TIMEOUT = aiohttp.ClientTimeout(total=10)


class PublicPaymentClient:
    def __init__(self, *, base_url: str, agency_code: str, key: bytes) -> None:
        self._base = base_url.rstrip("/")
        self._agency = agency_code  # 执收单位编码: who collects the fee
        self._key = key
        self._session: aiohttp.ClientSession | None = None

    async def create_notice(
        self, *, order_number: str, amount_fen: int, item_code: str, description: str, due: dt.datetime
    ) -> Notice:
        answer = await self._call(
            "POST",
            "/notices",
            {
                "agency_code": self._agency,
                "order_number": order_number,
                "item_code": item_code,  # 非税项目编码
                "amount_fen": amount_fen,
                "description": description,
                "due": due.isoformat(timespec="seconds"),
            },
        )
        return Notice(str(answer["notice_number"]), str(answer["pay_url"]))

    async def query(self, notice_number: str) -> NoticeState:
        answer = await self._call("GET", f"/notices/{notice_number}")
        return NoticeState(
            notice_number=str(answer["notice_number"]),
            order_number=str(answer["order_number"]),
            paid=answer.get("status") == "PAID",
            amount_fen=int(answer["amount_fen"]),
            payment_id=answer.get("payment_id"),
            receipt_url=answer.get("receipt_url"),
        )

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> NoticeState:
        return protocol.verify_callback(self._key, headers, body, now)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        headers, body = protocol.sign_callback(self._key, payload or {}, dt.datetime.now(dt.UTC))
        try:
            async with self._session.request(
                method,
                self._base + path,
                data=body if payload is not None else None,
                headers={**headers, "Content-Type": "application/json"},
            ) as response:
                raw, status, answer_headers = await response.read(), response.status, dict(response.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PublicPaymentError("NETWORK", str(exc)) from exc
        if status >= 400:
            raise PublicPaymentError(str(status), raw[:200].decode(errors="replace"))
        try:
            # Answers are signed like callbacks: believe none that is not.
            protocol.verify_signature(self._key, answer_headers, raw, dt.datetime.now(dt.UTC))
        except CallbackInvalid as exc:
            raise PublicPaymentError("RESPONSE_SIGNATURE", exc.reason) from exc
        data: dict[str, Any] = json.loads(raw)
        return data
