"""The real WeChat Pay APIv3 client: aiohttp, our own signing (``apiv3``), no blocking call.

Every request is signed with the merchant key (``Authorization: WECHATPAY2-SHA256-RSA2048 ...``)
and every response's signature is checked against the platform keys before its body is believed.
Endpoints (JSAPI, merchant mode): POST /v3/pay/transactions/jsapi, POST /v3/pay/transactions/native
(a counter's code, ``native_prepay``), GET
/v3/pay/transactions/out-trade-no/{no}, POST .../{no}/close, POST /v3/refund/domestic/refunds,
GET /v3/refund/domestic/refunds/{no}, GET /v3/bill/tradebill → download_url (CSV, checked by its
SHA1; the file itself is not signed).

What is a refusal and what is not: a 4xx with the provider's ``{"code", "message"}`` is a definite
answer (``WeChatPayError(code)``); a timeout, a reset connection, a 5xx, ``SYSTEM_ERROR``,
``FREQUENCY_LIMITED``, an answer we cannot read or whose signature does not check leave the outcome
unknown (``WeChatPayUnavailable``): the caller asks again (query) rather than concluding.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from wechatpayv3.utils import rsa_sign
from yarl import URL

from adapters.wechatpay import apiv3
from adapters.wechatpay.port import (
    NativePrepay,
    Notification,
    NotificationInvalid,
    Prepay,
    RefundStatus,
    StatementLine,
    Transaction,
    WeChatPayError,
    WeChatPayUnavailable,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
# Codes whose request may or may not have been carried out (the provider's own advice: retry).
UNKNOWN_OUTCOME = frozenset({"SYSTEM_ERROR", "FREQUENCY_LIMITED"})
# The day's bill does not exist because nothing happened that day: an empty statement.
NO_STATEMENT = "NO_STATEMENT_EXIST"


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
        timeout_seconds: float = 10.0,
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
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
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

    def _order(
        self, out_trade_no: str, total_fen: int, description: str, expires_at: dt.datetime
    ) -> dict[str, Any]:
        """What every order placed here says, however it is paid (JSAPI adds its payer)."""
        return {
            "appid": self.appid,
            "mchid": self.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "time_expire": expires_at.astimezone(CHINA).isoformat(timespec="seconds"),
            "notify_url": self._notify_url,
            "amount": {"total": total_fen, "currency": "CNY"},
        }

    async def prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, openid: str, expires_at: dt.datetime
    ) -> Prepay:
        answer = await self._call(
            "POST",
            "/v3/pay/transactions/jsapi",
            {**self._order(out_trade_no, total_fen, description, expires_at), "payer": {"openid": openid}},
        )
        with _readable():
            prepay_id = str(answer["prepay_id"])
        return Prepay(
            prepay_id, apiv3.jsapi_pay_params(self.appid, prepay_id, self._key, dt.datetime.now(dt.UTC))
        )

    async def native_prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, expires_at: dt.datetime
    ) -> NativePrepay:
        # Why Native and not 付款码 (the cashier scanning the payer's code) at the ticket window:
        # APIv3 has both (POST /v3/pay/transactions/native; POST /v3/pay/transactions/codepay with
        # /reverse), but a payment code is bound to the merchant order number it was charged under:
        # a code refused (expired, balance short, the payer cancelling on the phone) can only be
        # charged again under a new out_trade_no. Our numbers are one per order attempt, and a
        # ticket's order is never reopened (its place went with its hold), so one refused scan would
        # strand the visitor's ticket until its hold lapsed. A Native code_url stays payable until
        # time_expire, whoever scans it and however often, and the order is then queried, notified
        # and closed exactly as a JSAPI one (close applies to Native; a codepay order needs reverse).
        answer = await self._call(
            "POST",
            "/v3/pay/transactions/native",
            self._order(out_trade_no, total_fen, description, expires_at),
        )
        with _readable():
            code_url = str(answer["code_url"])
            if not code_url.startswith("weixin://"):
                raise ValueError(f"not a WeChat Pay code: {code_url[:40]!r}")
        return NativePrepay(code_url, {"trade_type": "NATIVE", "code_url": code_url})

    async def query(self, out_trade_no: str) -> Transaction:
        answer = await self._call(
            "GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={self.mchid}"
        )
        with _readable():
            return Transaction(
                out_trade_no=str(answer["out_trade_no"]),
                trade_state=str(answer["trade_state"]),
                transaction_id=answer.get("transaction_id"),
                total_fen=int(answer.get("amount", {}).get("total", 0)),
                mchid=str(answer.get("mchid", "")),
                appid=str(answer.get("appid", "")),
                success_time=apiv3.instant(answer.get("success_time")),
            )

    async def close(self, out_trade_no: str) -> None:
        # 204 when closed; a paid order answers 400 ORDERPAID, raised as such by _call.
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
        with _readable():
            return str(answer["status"])

    async def query_refund(self, out_refund_no: str) -> RefundStatus:
        answer = await self._call("GET", f"/v3/refund/domestic/refunds/{out_refund_no}")
        with _readable():
            return RefundStatus(
                out_refund_no=str(answer["out_refund_no"]),
                status=str(answer["status"]),
                success_time=apiv3.instant(answer.get("success_time")),
            )

    def verify(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> Notification:
        return apiv3.verify_notification(
            headers, body, platform_keys=self._platform_keys, apiv3_key=self._apiv3_key, now=now
        )

    async def statement(self, day: dt.date) -> list[StatementLine]:
        try:
            answer = await self._call("GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL")
        except WeChatPayError as exc:
            if exc.code == NO_STATEMENT and not isinstance(exc, WeChatPayUnavailable):
                return []
            raise
        with _readable():
            url, hash_type, hash_value = (
                URL(str(answer["download_url"])),
                str(answer["hash_type"]),
                str(answer["hash_value"]),
            )
        if url.origin() != URL(self._base).origin():
            # The download is signed like any request: it goes to the API's own host or nowhere.
            raise WeChatPayUnavailable("MALFORMED", f"bill download outside the API host: {url.host}")
        raw = await self._download(url.raw_path_qs)
        digest = hashlib.sha1(raw).hexdigest()  # SHA1 is the provider's choice (hash_type), not ours
        if hash_type != "SHA1" or not hmac.compare_digest(digest, hash_value.lower()):
            raise WeChatPayUnavailable("BILL_HASH", "the bill does not match its hash")
        with _readable():
            return parse_trade_bill(raw.decode("utf-8-sig"))

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

    async def _send(self, method: str, path: str, body: str) -> tuple[int, Mapping[str, str], bytes]:
        """One signed request; a network failure, timeout or reset is an unknown outcome."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {
            "Authorization": self._authorization(method, path, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        try:
            async with self._session.request(
                method, URL(self._base + path, encoded=True), data=body.encode() or None, headers=headers
            ) as response:
                return response.status, response.headers, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise WeChatPayUnavailable("NETWORK", f"{type(exc).__name__}: {exc}") from exc

    async def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload is not None else ""
        status, headers, raw = await self._send(method, path, body)
        if status >= 500 or status == 429:
            raise WeChatPayUnavailable(*_error(raw, status))  # not checked: it concludes nothing
        if raw:
            try:
                apiv3.verify_signature(
                    headers, raw, platform_keys=self._platform_keys, now=dt.datetime.now(dt.UTC)
                )
            except NotificationInvalid as exc:
                raise WeChatPayUnavailable("RESPONSE_SIGNATURE", exc.reason) from exc
        if status >= 400:
            code, message = _error(raw, status)
            # A refusal names its code in a signed body; a bare status (a proxy's page) says nothing.
            unknown = code in UNKNOWN_OUTCOME or code == str(status)
            raise (WeChatPayUnavailable if unknown else WeChatPayError)(code, message)
        with _readable():
            data = json.loads(raw) if raw else {}
            if not isinstance(data, dict):
                raise TypeError("the answer is not a JSON object")
        return data

    async def _download(self, path_qs: str) -> bytes:
        status, _headers, raw = await self._send("GET", path_qs, "")
        if status >= 400:
            raise WeChatPayUnavailable(str(status), "bill download failed")
        return raw


def _error(raw: bytes, status: int) -> tuple[str, str]:
    """The provider's ``{"code", "message"}``, or the HTTP status when the body is not that."""
    try:
        data = json.loads(raw)
        return str(data["code"]), str(data.get("message", ""))
    except (ValueError, TypeError, KeyError, AttributeError):
        return str(status), raw[:200].decode(errors="replace")


@contextmanager
def _readable() -> Iterator[None]:
    """A signed answer without the fields the published shape promises: we cannot tell what
    happened, so the outcome is unknown rather than a refusal."""
    try:
        yield
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise WeChatPayUnavailable("MALFORMED", f"{type(exc).__name__}: {exc}") from exc


def _fen(yuan: str) -> int:
    """Yuan with two decimals, exactly, as fen (``1234.50`` → 123450); anything finer is refused."""
    fen = Decimal(yuan or "0") * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"not a whole number of fen: {yuan!r}")
    return int(fen)


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
                amount_fen=_fen(amount),
                state="SUCCESS" if kind == "payment" else "REFUND",
            )
        )
    return lines
