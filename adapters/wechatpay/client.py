"""The real WeChat Pay APIv3 client: aiohttp, our own signing (``apiv3``), no blocking call.

Every request is signed with the merchant key (``Authorization: WECHATPAY2-SHA256-RSA2048 ...``)
and every response's signature is checked against the platform keys before its body is believed.
Endpoints (JSAPI, merchant mode): POST /v3/pay/transactions/jsapi, GET
/v3/pay/transactions/out-trade-no/{no}, POST .../{no}/close, POST /v3/refund/domestic/refunds,
GET /v3/bill/tradebill → download_url (CSV).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from wechatpayv3.utils import rsa_sign

from adapters.wechatpay import apiv3
from adapters.wechatpay.port import (
    Notification,
    NotificationInvalid,
    Prepay,
    StatementLine,
    Transaction,
    WeChatPayError,
    WeChatPayUnavailable,
)

TIMEOUT = aiohttp.ClientTimeout(total=10)
CHINA = dt.timezone(dt.timedelta(hours=8))


class WeChatPayClient:
    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        api_base: str,
        merchant_serial: str,
        merchant_key: RSAPrivateKey,
        apiv3_key: str,
        platform_keys: Mapping[str, RSAPublicKey],
        notify_url: str,
    ) -> None:
        if len(apiv3_key) != 32:
            raise ValueError("the APIv3 key has 32 characters")
        self.mchid = mchid
        self.appid = appid
        self._base = api_base.rstrip("/")
        self._serial = merchant_serial
        self._key = merchant_key
        self._apiv3_key = apiv3_key
        self._platform_keys = dict(platform_keys)
        self._notify_url = notify_url
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(
        cls,
        *,
        mchid: str,
        appid: str,
        api_base: str,
        merchant_serial: str,
        private_key_pem: bytes,
        apiv3_key: str,
        platform_keys: str,
        notify_url: str,
    ) -> WeChatPayClient:
        key = load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, RSAPrivateKey):
            raise ValueError("the merchant key must be an RSA private key")
        public: dict[str, RSAPublicKey] = {}
        for serial, pem in json.loads(platform_keys or "{}").items():
            loaded = load_pem_public_key(str(pem).encode())
            if not isinstance(loaded, RSAPublicKey):
                raise ValueError(f"platform key {serial} is not an RSA public key")
            public[str(serial)] = loaded
        return cls(
            mchid=mchid,
            appid=appid,
            api_base=api_base,
            merchant_serial=merchant_serial,
            merchant_key=key,
            apiv3_key=apiv3_key,
            platform_keys=public,
            notify_url=notify_url,
        )

    # -- the port --------------------------------------------------------------------------------

    async def prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, openid: str, expires_at: dt.datetime
    ) -> Prepay:
        answer = await self._call(
            "POST",
            "/v3/pay/transactions/jsapi",
            {
                "appid": self.appid,
                "mchid": self.mchid,
                "description": description,
                "out_trade_no": out_trade_no,
                "time_expire": expires_at.astimezone(CHINA).isoformat(timespec="seconds"),
                "notify_url": self._notify_url,
                "amount": {"total": total_fen, "currency": "CNY"},
                "payer": {"openid": openid},
            },
        )
        prepay_id = str(answer["prepay_id"])
        return Prepay(
            prepay_id, apiv3.jsapi_pay_params(self.appid, prepay_id, self._key, dt.datetime.now(dt.UTC))
        )

    async def query(self, out_trade_no: str) -> Transaction:
        answer = await self._call(
            "GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={self.mchid}"
        )
        return Transaction(
            out_trade_no=str(answer["out_trade_no"]),
            trade_state=str(answer["trade_state"]),
            transaction_id=answer.get("transaction_id"),
            total_fen=int(answer.get("amount", {}).get("total", 0)),
            mchid=str(answer.get("mchid", "")),
            appid=str(answer.get("appid", "")),
        )

    async def close(self, out_trade_no: str) -> None:
        await self._call(
            "POST", f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close", {"mchid": self.mchid}
        )

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int) -> str:
        answer = await self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "notify_url": self._notify_url,
                "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            },
        )
        return str(answer.get("status", "PROCESSING"))

    def verify(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> Notification:
        return apiv3.verify_notification(
            headers, body, platform_keys=self._platform_keys, apiv3_key=self._apiv3_key, now=now
        )

    async def statement(self, day: dt.date) -> list[StatementLine]:
        answer = await self._call("GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL")
        url = str(answer["download_url"])
        path = url.removeprefix(self._base)
        text = await self._download(path)
        return parse_trade_bill(text)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    # -- signing and calling ---------------------------------------------------------------------

    def _authorization(self, method: str, path: str, body: str) -> str:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = rsa_sign(self._key, f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n")
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{self._serial}"'
        )

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload is not None else ""
        headers = {
            "Authorization": self._authorization(method, path, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        try:
            async with self._http().request(
                method, self._base + path, data=body.encode() or None, headers=headers
            ) as response:
                raw = await response.read()
                status, answer_headers = response.status, dict(response.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise WeChatPayUnavailable("NETWORK", str(exc)) from exc
        if status >= 500:
            raise WeChatPayUnavailable(str(status), raw[:200].decode(errors="replace"))
        if raw:
            try:
                apiv3.verify_signature(
                    answer_headers, raw, platform_keys=self._platform_keys, now=dt.datetime.now(dt.UTC)
                )
            except NotificationInvalid as exc:
                raise WeChatPayUnavailable("RESPONSE_SIGNATURE", exc.reason) from exc
        data: dict[str, Any] = json.loads(raw) if raw else {}
        if status >= 400:
            raise WeChatPayError(str(data.get("code", status)), str(data.get("message", "")))
        return data

    async def _download(self, path: str) -> str:
        headers = {"Authorization": self._authorization("GET", path, "")}
        try:
            async with self._http().get(self._base + path, headers=headers) as response:
                if response.status >= 400:
                    raise WeChatPayUnavailable(str(response.status), "bill download failed")
                return (await response.read()).decode("utf-8-sig")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise WeChatPayUnavailable("NETWORK", str(exc)) from exc


def parse_trade_bill(text: str) -> list[StatementLine]:
    """The trade bill's CSV: each field prefixed with a backtick, a summary after the rows.

    Columns used (by header name): 商户订单号, 微信订单号, 交易状态, 应结订单金额 (yuan),
    商户退款单号, 退款金额 (yuan).
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    lines: list[StatementLine] = []
    for row in rows[1:]:
        if len(row) != len(header):
            break  # the summary block
        cell = {name: value.strip().lstrip("`") for name, value in zip(header, row, strict=True)}
        state = cell.get("交易状态", "")
        refund_no = cell.get("商户退款单号") or None
        if state == "REFUND" and refund_no and refund_no != "0":
            amount, kind = cell.get("退款金额", "0"), "refund"
        else:
            amount, kind, refund_no = cell.get("应结订单金额", "0"), "payment", None
        lines.append(
            StatementLine(
                kind=kind,
                out_trade_no=cell.get("商户订单号", ""),
                transaction_id=cell.get("微信订单号", ""),
                out_refund_no=refund_no,
                amount_fen=int((Decimal(amount or "0") * 100).to_integral_value()),  # yuan, exactly
                state="SUCCESS" if kind == "payment" else "REFUND",
            )
        )
    return lines
