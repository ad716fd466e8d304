"""The sandbox WeChat Pay: a provider in this process that speaks real APIv3.

It generates its own platform and merchant RSA keys and APIv3 key, keeps orders, refunds and the
daily statement in memory, and produces notifications signed and encrypted exactly as the real
platform's (``apiv3.sign_notification``), so the notification endpoint runs its real checks. Tests
and the sandbox pay page decide when a notification arrives, how often, and whether it is forged.

A process outside the server (``bench/payments.py``) can sign notifications the server believes
only if both hold the same platform key, serial and APIv3 key: ``save_keys`` writes them to a file
and ``PALMCITY_SANDBOX_WECHATPAY_KEYS_FILE`` hands that file to the server's sandbox
(``load_keys``). Settings refuse that variable unless ``PALMCITY_SANDBOX`` is true; the real client
never reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.wechatpay import apiv3
from adapters.wechatpay.port import (
    Notification,
    Prepay,
    RefundStatus,
    StatementLine,
    Transaction,
    WeChatPayError,
    WeChatPayUnavailable,
)

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass
class _Refund:
    fen: int
    status: str = "PROCESSING"  # SUCCESS, CLOSED, ABNORMAL
    success_time: dt.datetime | None = None


@dataclass
class _Order:
    out_trade_no: str
    total_fen: int
    description: str
    openid: str
    state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: dt.datetime | None = None  # when the payer paid (the desk's ``at``)
    refunds: dict[str, _Refund] = field(default_factory=dict)  # by out_refund_no


@dataclass(frozen=True)
class SandboxKeys:
    """What signs and seals the sandbox's notifications: the platform's private key and its serial,
    and the merchant's APIv3 key."""

    platform_key: rsa.RSAPrivateKey
    serial: str
    apiv3_key: str

    @classmethod
    def generate(cls) -> SandboxKeys:
        return cls(
            platform_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
            serial="PUB_KEY_ID_SANDBOX" + secrets.token_hex(4).upper(),
            apiv3_key=secrets.token_hex(16),  # 32 characters, like the real key
        )


def save_keys(keys: SandboxKeys, path: Path) -> None:
    """Write ``keys`` as JSON (the private key as unencrypted PKCS#8 PEM), readable by the owner only."""
    pem = keys.platform_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    text = json.dumps({"platform_key": pem, "serial": keys.serial, "apiv3_key": keys.apiv3_key})
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)


def load_keys(path: Path) -> SandboxKeys:
    raw = json.loads(path.read_text())
    key = serialization.load_pem_private_key(raw["platform_key"].encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path}: the platform key is not an RSA key")
    serial, apiv3_key = str(raw["serial"]), str(raw["apiv3_key"])
    if len(apiv3_key.encode()) != 32:
        raise ValueError(f"{path}: the APIv3 key must be 32 bytes")
    return SandboxKeys(platform_key=key, serial=serial, apiv3_key=apiv3_key)


class SandboxWeChatPay:
    def __init__(self, *, mchid: str, appid: str, keys: SandboxKeys | None = None) -> None:
        """``keys``: fresh ones when not given (tests, ``make run``); a bench shares them through a file."""
        keys = keys or SandboxKeys.generate()
        self.mchid = mchid
        self.appid = appid
        self.apiv3_key = keys.apiv3_key
        self.platform_key = keys.platform_key
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.serial = keys.serial
        self.orders: dict[str, _Order] = {}
        # Refunds succeed in the refund call's own answer (so the demo's refunds complete); tests of
        # the notification path turn this off and complete them with complete_refund().
        self.instant_refunds = True
        self.lines: dict[dt.date, list[StatementLine]] = {}
        # Test hooks for outcomes unknown: the next ``refund`` calls that time out (after the
        # provider took the request, or before it did), and the order or refund numbers about which
        # every call fails with a 5xx (``WeChatPayUnavailable``) until removed from the set.
        self._timeouts: list[bool] = []
        self.down: set[str] = set()

    # -- the port --------------------------------------------------------------------------------

    async def prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, openid: str, expires_at: dt.datetime
    ) -> Prepay:
        if out_trade_no not in self.orders:
            self.orders[out_trade_no] = _Order(out_trade_no, total_fen, description, openid)
        prepay_id = f"wx{out_trade_no}"
        params: dict[str, Any] = apiv3.jsapi_pay_params(
            self.appid, prepay_id, self.merchant_key, dt.datetime.now(dt.UTC)
        )
        params.update(sandbox=True, complete_url=f"/sandbox/wechatpay/{out_trade_no}/pay")
        return Prepay(prepay_id=prepay_id, pay_params=params)

    async def query(self, out_trade_no: str) -> Transaction:
        self._reachable(out_trade_no)
        order = self._order(out_trade_no)
        return Transaction(
            out_trade_no,
            order.state,
            order.transaction_id,
            order.total_fen,
            self.mchid,
            self.appid,
            success_time=order.success_time,
        )

    async def close(self, out_trade_no: str) -> None:
        self._reachable(out_trade_no)
        order = self._order(out_trade_no)
        if order.state in ("SUCCESS", "REFUND"):
            raise WeChatPayError("ORDERPAID", "the order is paid")
        order.state = "CLOSED"

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int) -> str:
        self._reachable(out_trade_no)
        self._reachable(out_refund_no)
        timeout = self._timeouts.pop(0) if self._timeouts else None
        if timeout is False:  # lost on the way: the provider never saw it
            raise WeChatPayUnavailable("TIMEOUT", "no answer (never received)")
        order = self._order(out_trade_no)
        if order.state not in ("SUCCESS", "REFUND"):
            raise WeChatPayError("RESOURCE_NOT_EXISTS", "the order is not paid")
        order.refunds.setdefault(out_refund_no, _Refund(refund_fen))
        if timeout:  # carried out, but the answer is lost: the outcome is unknown to the caller
            raise WeChatPayUnavailable("TIMEOUT", "no answer (carried out)")
        if self.instant_refunds:
            self.complete_refund(out_refund_no)  # as WeChat Pay may: SUCCESS in the answer itself
        return order.refunds[out_refund_no].status

    async def query_refund(self, out_refund_no: str) -> RefundStatus:
        self._reachable(out_refund_no)
        found = self._refund(out_refund_no)
        if found is None:
            raise WeChatPayError("RESOURCE_NOT_EXISTS", out_refund_no)
        refund = found[1]
        return RefundStatus(out_refund_no, refund.status, refund.success_time)

    def verify(self, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> Notification:
        return apiv3.verify_notification(
            headers,
            body,
            platform_keys={self.serial: self.platform_key.public_key()},
            apiv3_key=self.apiv3_key,
            now=now,
        )

    async def statement(self, day: dt.date) -> list[StatementLine]:
        return list(self.lines.get(day, []))

    async def aclose(self) -> None:
        return None

    # -- the sandbox's own counter: paying, refunding, notifying ----------------------------------

    def time_out_refunds(self, *, carried_out: bool = True, times: int = 1) -> None:
        """The next ``times`` refund requests time out (``WeChatPayUnavailable``). ``carried_out``:
        the provider took the request (the refund is PROCESSING there; ``complete_refund`` or
        ``refuse_refund`` answers later); otherwise it never saw it (``query_refund`` answers
        RESOURCE_NOT_EXISTS)."""
        self._timeouts.extend([carried_out] * times)

    def pay(self, out_trade_no: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]:
        """The payer pays at ``at`` (the success time): the order succeeds and the success
        notification is returned, signed at that time."""
        at = at or dt.datetime.now(dt.UTC)
        order = self._order(out_trade_no)
        if order.state == "CLOSED":
            raise WeChatPayError("ORDERCLOSED", "the order is closed")
        if order.state == "NOTPAY":
            order.state, order.transaction_id = "SUCCESS", "42000" + secrets.token_hex(12)
            order.success_time = at
            self._line(
                at,
                StatementLine(
                    "payment", out_trade_no, order.transaction_id, None, order.total_fen, "SUCCESS"
                ),
            )
        return self.transaction_notification(out_trade_no, at=at)

    def transaction_notification(
        self, out_trade_no: str, /, *, at: dt.datetime | None = None, **changes: Any
    ) -> tuple[dict[str, str], bytes]:
        """The TRANSACTION.SUCCESS notification of a paid order, signed at ``at`` (``changes``
        overwrite fields: a test's wrong amount or foreign mchid)."""
        order = self._order(out_trade_no)
        paid_at = order.success_time or at or dt.datetime.now(dt.UTC)
        resource = {
            "mchid": self.mchid,
            "appid": self.appid,
            "out_trade_no": out_trade_no,
            "transaction_id": order.transaction_id,
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "success_time": paid_at.astimezone(CHINA).isoformat(),
            "payer": {"openid": order.openid},
            "amount": {"total": order.total_fen, "payer_total": order.total_fen, "currency": "CNY"},
            **changes,
        }
        return self.sign("TRANSACTION.SUCCESS", resource, at=at)

    def complete_refund(
        self, out_refund_no: str, *, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The refund goes through at ``at``: its REFUND.SUCCESS notification, signed."""
        at = at or dt.datetime.now(dt.UTC)
        order, refund = self._known_refund(out_refund_no)
        if refund.status != "SUCCESS":
            refund.status, refund.success_time, order.state = "SUCCESS", at, "REFUND"
            paid_by = order.transaction_id or ""
            line = StatementLine("refund", order.out_trade_no, paid_by, out_refund_no, refund.fen, "SUCCESS")
            self._line(at, line)
        return self.refund_notification(out_refund_no, at=at)

    def refuse_refund(
        self, out_refund_no: str, *, status: str = "ABNORMAL", at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The refund fails for good (``ABNORMAL``: the payer's card is gone; ``CLOSED``): its
        notification, signed."""
        _, refund = self._known_refund(out_refund_no)
        if refund.status == "PROCESSING":
            refund.status = status
        return self.refund_notification(out_refund_no, at=at)

    def refund_notification(
        self, out_refund_no: str, *, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The REFUND.* notification of a refund as it stands, signed at ``at``."""
        order, refund = self._known_refund(out_refund_no)
        resource: dict[str, Any] = {
            "mchid": self.mchid,
            "out_trade_no": order.out_trade_no,
            "transaction_id": order.transaction_id,
            "out_refund_no": out_refund_no,
            "refund_id": "50300" + secrets.token_hex(10),
            "refund_status": refund.status,
            "amount": {
                "total": order.total_fen,
                "refund": refund.fen,
                "payer_total": order.total_fen,
                "payer_refund": refund.fen,
            },
        }
        if refund.success_time is not None:
            resource["success_time"] = refund.success_time.astimezone(CHINA).isoformat()
        return self.sign(f"REFUND.{refund.status}", resource, at=at)

    def sign(
        self, event_type: str, resource: dict[str, Any], *, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        return apiv3.sign_notification(
            event_type,
            resource,
            platform_key=self.platform_key,
            serial=self.serial,
            apiv3_key=self.apiv3_key,
            at=at or dt.datetime.now(dt.UTC),
        )

    def _reachable(self, number: str) -> None:
        if number in self.down:
            raise WeChatPayUnavailable("SYSTEM_ERROR", "the sandbox is told to fail for " + number)

    def _refund(self, out_refund_no: str) -> tuple[_Order, _Refund] | None:
        for order in self.orders.values():
            if out_refund_no in order.refunds:
                return order, order.refunds[out_refund_no]
        return None

    def _known_refund(self, out_refund_no: str) -> tuple[_Order, _Refund]:
        found = self._refund(out_refund_no)
        if found is None:
            raise WeChatPayError("RESOURCE_NOT_EXISTS", out_refund_no)
        return found

    def _order(self, out_trade_no: str) -> _Order:
        order = self.orders.get(out_trade_no)
        if order is None:
            raise WeChatPayError("ORDER_NOT_EXIST", out_trade_no)
        return order

    def _line(self, at: dt.datetime, line: StatementLine) -> None:
        self.lines.setdefault(at.astimezone(CHINA).date(), []).append(line)
