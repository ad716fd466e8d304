"""The real client of the unified public payment platform (aiohttp, HMAC-signed both ways).

The platform's interface is not public: the endpoints below (``POST /notices``,
``GET /notices/{number}``, ``POST /notices/{number}/close``) and the signature (``protocol.py``) are
this project's reading of seed 001, kept behind the port so that the real contract, once the
province publishes it to the city, changes this file only.

A request signs the body it sends (empty for a GET). An answer is believed only when signed; a 4xx
carries ``{"code", "message"}`` and is a definite answer (``PublicPaymentError(code)``); a timeout,
a reset connection, a 5xx or an answer we cannot read or check leaves the outcome unknown
(``PublicPaymentUnavailable``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import aiohttp

from adapters.publicpay import protocol
from adapters.publicpay.port import (
    CallbackInvalid,
    Notice,
    NoticeState,
    PublicPaymentError,
    PublicPaymentUnavailable,
)


class PublicPaymentClient:
    def __init__(self, *, base_url: str, agency_code: str, key: bytes, timeout_seconds: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._agency = agency_code  # 执收单位编码: who collects the fee
        self._key = key
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
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
        with _readable():
            return Notice(str(answer["notice_number"]), str(answer["pay_url"]))

    async def query(self, notice_number: str) -> NoticeState:
        answer = await self._call("GET", f"/notices/{notice_number}")
        with _readable():
            return protocol.notice_state(answer)

    async def close_notice(self, notice_number: str) -> None:
        # 200 when withdrawn (or already withdrawn); a paid notice answers 409 ALREADY_PAID.
        await self._call("POST", f"/notices/{notice_number}/close", {"agency_code": self._agency})

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> NoticeState:
        return protocol.verify_callback(self._key, headers, body, now)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        timestamp, nonce = str(int(dt.datetime.now(dt.UTC).timestamp())), secrets.token_hex(16)
        stamp, once, signed = protocol.HEADERS
        headers = {
            stamp: timestamp,
            once: nonce,
            signed: protocol.signature(self._key, timestamp, nonce, body),
            "Content-Type": "application/json",
        }
        try:
            async with self._session.request(
                method, self._base + path, data=body or None, headers=headers
            ) as response:
                raw, status, answer_headers = await response.read(), response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PublicPaymentUnavailable("NETWORK", f"{type(exc).__name__}: {exc}") from exc
        if status >= 500:
            raise PublicPaymentUnavailable(str(status), raw[:200].decode(errors="replace"))
        try:
            # Answers are signed like callbacks: believe none that is not, refusals included.
            protocol.verify_signature(self._key, answer_headers, raw, dt.datetime.now(dt.UTC))
        except CallbackInvalid as exc:
            raise PublicPaymentUnavailable("RESPONSE_SIGNATURE", exc.reason) from exc
        with _readable():
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise TypeError("the answer is not a JSON object")
        if status >= 400:
            raise PublicPaymentError(str(data.get("code", status)), str(data.get("message", "")))
        return data


@contextmanager
def _readable() -> Iterator[None]:
    """A signed answer without the promised fields: the outcome is unknown, not a refusal."""
    try:
        yield
    except (KeyError, TypeError, ValueError) as exc:
        raise PublicPaymentUnavailable("MALFORMED", f"{type(exc).__name__}: {exc}") from exc
