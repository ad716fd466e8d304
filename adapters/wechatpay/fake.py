"""The sandbox WeChat Pay: a provider in this process that speaks real APIv3.

It generates its own platform and merchant RSA keys and APIv3 key, keeps orders, refunds and the
daily statement in the app's Redis (``adapters.sandbox_state``: every worker and machine sees one
provider, and a payment paid twice at once is paid once), and produces notifications signed and
encrypted exactly as the real platform's (``apiv3.sign_notification``), so the notification
endpoint runs its real checks. Tests
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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.sandbox_state import Decision, Record, SandboxState
from adapters.wechatpay import apiv3
from adapters.wechatpay.port import (
    NativePrepay,
    Notification,
    Prepay,
    RefundStatus,
    StatementLine,
    Transaction,
    WeChatPayError,
    WeChatPayUnavailable,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
NATIVE_PAYER = "oSandboxNativePayer0000000000"  # who pays a Native order in the sandbox


@dataclass
class _Refund:
    fen: int
    status: str = "PROCESSING"  # SUCCESS, CLOSED, ABNORMAL
    success_time: dt.datetime | None = None


@dataclass
class _Order:
    """An order as the sandbox keeps it; a snapshot when read (the record in Redis is the truth)."""

    out_trade_no: str
    total_fen: int
    description: str
    openid: str
    state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: dt.datetime | None = None  # when the payer paid (the desk's ``at``)
    trade_type: str = "JSAPI"  # NATIVE: a counter's code, paid by whoever scans it
    refunds: dict[str, _Refund] = field(default_factory=dict)  # by out_refund_no

    def record(self) -> Record:
        refunds = {no: {**asdict(r), "success_time": _iso(r.success_time)} for no, r in self.refunds.items()}
        return {**asdict(self), "success_time": _iso(self.success_time), "refunds": refunds}

    @classmethod
    def of(cls, record: Record) -> _Order:
        refunds = {
            no: _Refund(r["fen"], r["status"], _time(r["success_time"]))
            for no, r in record["refunds"].items()
        }
        return cls(**{**record, "success_time": _time(record["success_time"]), "refunds": refunds})


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def _time(raw: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(raw) if raw else None


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
    def __init__(
        self, *, mchid: str, appid: str, keys: SandboxKeys | None = None, state: SandboxState | None = None
    ) -> None:
        """``keys``: fresh ones when not given (tests, ``make run``); a bench shares them through a file.
        ``state``: where orders, refunds and statements live (the app's Redis: every process sees
        them); without one, in this process."""
        keys = keys or SandboxKeys.generate()
        self.mchid = mchid
        self.appid = appid
        # The keys stay per process: a notification is signed and checked in one process (the pay
        # page hands it to its own handler); a bench shares them through the keys file.
        self.apiv3_key = keys.apiv3_key
        self.platform_key = keys.platform_key
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.serial = keys.serial
        self._state = state or SandboxState("wechatpay")
        self.orders = _Orders(self)  # tests read an order as it stands: ``fake.orders[number].state``
        self.lines = _Lines(self._state)  # and the statement: ``fake.lines[day]``
        # Refunds succeed in the refund call's own answer (so the demo's refunds complete); tests of
        # the notification path turn this off and complete them with complete_refund().
        self.instant_refunds = True
        # Test hooks for outcomes unknown, steering this process's calls only: the next ``refund``
        # calls that time out (after the provider took the request, or before it did), and the
        # order or refund numbers about which every call fails with a 5xx (``WeChatPayUnavailable``)
        # until removed from the set.
        self._timeouts: list[bool] = []
        self.down: set[str] = set()

    # -- the port --------------------------------------------------------------------------------

    async def prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, openid: str, expires_at: dt.datetime
    ) -> Prepay:
        new = _Order(out_trade_no, total_fen, description, openid)
        await self._state.change(self._order_key(out_trade_no), lambda found: (found or new.record(), None))
        prepay_id = f"wx{out_trade_no}"
        params: dict[str, Any] = apiv3.jsapi_pay_params(
            self.appid, prepay_id, self.merchant_key, dt.datetime.now(dt.UTC)
        )
        params.update(sandbox=True, complete_url=f"/sandbox/wechatpay/{out_trade_no}/pay")
        return Prepay(prepay_id=prepay_id, pay_params=params)

    async def native_prepay(
        self, *, out_trade_no: str, total_fen: int, description: str, expires_at: dt.datetime
    ) -> NativePrepay:
        """A Native order: its code is the sandbox's own ``weixin://`` link, paid through the pay desk
        (``apay``/``pay``) as a payer scanning it would; the payer's openid is the sandbox's."""
        self._reachable(out_trade_no)
        new = _Order(out_trade_no, total_fen, description, NATIVE_PAYER, trade_type="NATIVE")
        await self._state.change(self._order_key(out_trade_no), lambda found: (found or new.record(), None))
        code_url = f"weixin://wxpay/bizpayurl?pr=sandbox{out_trade_no}"
        params: dict[str, Any] = {"trade_type": "NATIVE", "code_url": code_url, "sandbox": True}
        params["complete_url"] = f"/sandbox/wechatpay/{out_trade_no}/pay"
        return NativePrepay(code_url, params)

    async def query(self, out_trade_no: str) -> Transaction:
        self._reachable(out_trade_no)
        order = _known(await self._state.read(self._order_key(out_trade_no)), out_trade_no)
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

        def closing(found: Record | None) -> Decision[None]:
            order = _known(found, out_trade_no)
            if order.state in ("SUCCESS", "REFUND"):
                raise WeChatPayError("ORDERPAID", "the order is paid")
            order.state = "CLOSED"
            return order.record(), None

        await self._state.change(self._order_key(out_trade_no), closing)

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int) -> str:
        self._reachable(out_trade_no)
        self._reachable(out_refund_no)
        timeout = self._timeouts.pop(0) if self._timeouts else None
        if timeout is False:  # lost on the way: the provider never saw it
            raise WeChatPayUnavailable("TIMEOUT", "no answer (never received)")
        # The refund's number leads to its order (refunds live in their order's record).
        await self._state.claim(self._refund_key(out_refund_no), out_trade_no)

        def taking(found: Record | None) -> Decision[None]:
            order = _known(found, out_trade_no)
            if order.state not in ("SUCCESS", "REFUND"):
                raise WeChatPayError("RESOURCE_NOT_EXISTS", "the order is not paid")
            order.refunds.setdefault(out_refund_no, _Refund(refund_fen))
            return order.record(), None

        await self._state.change(self._order_key(out_trade_no), taking)
        if timeout:  # carried out, but the answer is lost: the outcome is unknown to the caller
            raise WeChatPayUnavailable("TIMEOUT", "no answer (carried out)")
        if self.instant_refunds:  # as WeChat Pay may: SUCCESS in the answer itself
            order, line = await self._state.change(
                self._order_key(out_trade_no), self._completing(out_refund_no, dt.datetime.now(dt.UTC))
            )
            await self._record(line)
        else:
            order = _known(await self._state.read(self._order_key(out_trade_no)), out_trade_no)
        return order.refunds[out_refund_no].status

    async def query_refund(self, out_refund_no: str) -> RefundStatus:
        self._reachable(out_refund_no)
        trade = await self._state.text(self._refund_key(out_refund_no))
        found = await self._state.read(self._order_key(trade)) if trade else None
        refund = _Order.of(found).refunds.get(out_refund_no) if found else None
        if refund is None:
            raise WeChatPayError("RESOURCE_NOT_EXISTS", out_refund_no)
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
        return [StatementLine(**line) for line in await self._state.listed(self._statement_key(day))]

    async def aclose(self) -> None:
        self._state.close()

    # -- the sandbox's own counter: paying, refunding, notifying ----------------------------------

    async def apay(self, out_trade_no: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]:
        """``pay`` for the app's sandbox pay page: any process may pay any process's order."""
        at = at or dt.datetime.now(dt.UTC)
        order, line = await self._state.change(self._order_key(out_trade_no), self._paying(out_trade_no, at))
        await self._record(line)
        return self._transaction_notification(order, at=at)

    def pay(self, out_trade_no: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]:
        """The payer pays at ``at`` (the success time): the order succeeds and the success
        notification is returned, signed at that time (a test's hook: blocking)."""
        at = at or dt.datetime.now(dt.UTC)
        order, line = self._state.change_now(self._order_key(out_trade_no), self._paying(out_trade_no, at))
        self._record_now(line)
        return self._transaction_notification(order, at=at)

    def time_out_refunds(self, *, carried_out: bool = True, times: int = 1) -> None:
        """The next ``times`` refund requests time out (``WeChatPayUnavailable``). ``carried_out``:
        the provider took the request (the refund is PROCESSING there; ``complete_refund`` or
        ``refuse_refund`` answers later); otherwise it never saw it (``query_refund`` answers
        RESOURCE_NOT_EXISTS)."""
        self._timeouts.extend([carried_out] * times)

    def transaction_notification(
        self, out_trade_no: str, /, *, at: dt.datetime | None = None, **changes: Any
    ) -> tuple[dict[str, str], bytes]:
        """The TRANSACTION.SUCCESS notification of a paid order, signed at ``at`` (``changes``
        overwrite fields: a test's wrong amount or foreign mchid)."""
        return self._transaction_notification(self.orders[out_trade_no], at=at, **changes)

    def complete_refund(
        self, out_refund_no: str, *, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The refund goes through at ``at``: its REFUND.SUCCESS notification, signed."""
        at = at or dt.datetime.now(dt.UTC)
        trade = self._trade_now(out_refund_no)
        order, line = self._state.change_now(self._order_key(trade), self._completing(out_refund_no, at))
        self._record_now(line)
        return self._refund_notification(order, out_refund_no, at=at)

    def refuse_refund(
        self, out_refund_no: str, *, status: str = "ABNORMAL", at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The refund fails for good (``ABNORMAL``: the payer's card is gone; ``CLOSED``): its
        notification, signed."""
        trade = self._trade_now(out_refund_no)

        def refusing(found: Record | None) -> Decision[_Order]:
            order = _known(found, trade)
            refund = _known_refund(order, out_refund_no)
            if refund.status == "PROCESSING":
                refund.status = status
            return order.record(), order

        order = self._state.change_now(self._order_key(trade), refusing)
        return self._refund_notification(order, out_refund_no, at=at)

    def refund_notification(
        self, out_refund_no: str, *, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The REFUND.* notification of a refund as it stands, signed at ``at``."""
        return self._refund_notification(self.orders[self._trade_now(out_refund_no)], out_refund_no, at=at)

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

    # -- what both the async and the blocking paths decide ----------------------------------------

    def _paying(self, out_trade_no: str, at: dt.datetime) -> Callable[[Record | None], Decision[_Paid]]:
        def paying(found: Record | None) -> Decision[_Paid]:
            order = _known(found, out_trade_no)
            if order.state == "CLOSED":
                raise WeChatPayError("ORDERCLOSED", "the order is closed")
            if order.state != "NOTPAY":
                return None, (order, None)  # paid already: paid once, whoever pays again
            order.state, order.transaction_id = "SUCCESS", "42000" + secrets.token_hex(12)
            order.success_time = at
            line = StatementLine(
                "payment", out_trade_no, order.transaction_id, None, order.total_fen, "SUCCESS"
            )
            return order.record(), (order, (at, line))

        return paying

    def _completing(self, out_refund_no: str, at: dt.datetime) -> Callable[[Record | None], Decision[_Paid]]:
        def completing(found: Record | None) -> Decision[_Paid]:
            order = _known(found, out_refund_no)
            refund = _known_refund(order, out_refund_no)
            if refund.status == "SUCCESS":
                return None, (order, None)
            refund.status, refund.success_time, order.state = "SUCCESS", at, "REFUND"
            paid_by = order.transaction_id or ""
            line = StatementLine("refund", order.out_trade_no, paid_by, out_refund_no, refund.fen, "SUCCESS")
            return order.record(), (order, (at, line))

        return completing

    def _transaction_notification(
        self, order: _Order, *, at: dt.datetime | None = None, **changes: Any
    ) -> tuple[dict[str, str], bytes]:
        paid_at = order.success_time or at or dt.datetime.now(dt.UTC)
        resource = {
            "mchid": self.mchid,
            "appid": self.appid,
            "out_trade_no": order.out_trade_no,
            "transaction_id": order.transaction_id,
            "trade_type": order.trade_type,
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "success_time": paid_at.astimezone(CHINA).isoformat(),
            "payer": {"openid": order.openid},
            "amount": {"total": order.total_fen, "payer_total": order.total_fen, "currency": "CNY"},
            **changes,
        }
        return self.sign("TRANSACTION.SUCCESS", resource, at=at)

    def _refund_notification(
        self, order: _Order, out_refund_no: str, *, at: dt.datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        refund = _known_refund(order, out_refund_no)
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

    # -- where things are kept ----------------------------------------------------------------------

    def _order_key(self, out_trade_no: str) -> str:
        return self._state.key("order", out_trade_no)

    def _refund_key(self, out_refund_no: str) -> str:
        return self._state.key("refund", out_refund_no)

    def _statement_key(self, day: dt.date) -> str:
        return self._state.key("statement", day.isoformat())

    def _trade_now(self, out_refund_no: str) -> str:
        trade = self._state.text_now(self._refund_key(out_refund_no))
        if trade is None:
            raise WeChatPayError("RESOURCE_NOT_EXISTS", out_refund_no)
        return trade

    async def _record(self, line: _Line | None) -> None:
        """A statement line, written once by whoever made the change it records."""
        if line is not None:
            await self._state.append(self._statement_key(_day(line[0])), asdict(line[1]))

    def _record_now(self, line: _Line | None) -> None:
        if line is not None:
            self._state.append_now(self._statement_key(_day(line[0])), asdict(line[1]))

    def _reachable(self, number: str) -> None:
        if number in self.down:
            raise WeChatPayUnavailable("SYSTEM_ERROR", "the sandbox is told to fail for " + number)


# A statement line and when it happened; an order with the line its change made (None: no change).
_Line = tuple[dt.datetime, StatementLine]
_Paid = tuple[_Order, _Line | None]


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(CHINA).date()


def _known(found: Record | None, number: str) -> _Order:
    if found is None:
        raise WeChatPayError("ORDER_NOT_EXIST", number)
    return _Order.of(found)


def _known_refund(order: _Order, out_refund_no: str) -> _Refund:
    refund = order.refunds.get(out_refund_no)
    if refund is None:
        raise WeChatPayError("RESOURCE_NOT_EXISTS", out_refund_no)
    return refund


class _Orders:
    """``fake.orders[number]``: the order as the sandbox holds it now (a snapshot; tests read it)."""

    def __init__(self, fake: SandboxWeChatPay) -> None:
        self._fake = fake

    def __getitem__(self, out_trade_no: str) -> _Order:
        found = self._fake._state.read_now(self._fake._order_key(out_trade_no))
        if found is None:
            raise KeyError(out_trade_no)
        return _Order.of(found)

    def __contains__(self, out_trade_no: object) -> bool:
        return self.get(str(out_trade_no)) is not None

    def get(self, out_trade_no: str) -> _Order | None:
        try:
            return self[out_trade_no]
        except KeyError:
            return None


class _Lines:
    """``fake.lines[day]``: the day's statement so far; a test may rewrite it in place (a line
    missing or different on the provider's side), and the provider then says what it says."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def __getitem__(self, day: dt.date) -> list[StatementLine]:
        key = self._state.key("statement", day.isoformat())
        lines = _Statement(self._state, key, [StatementLine(**line) for line in self._state.listed_now(key)])
        if not lines:
            raise KeyError(day)
        return lines

    def get(self, day: dt.date, default: list[StatementLine] | None = None) -> list[StatementLine] | None:
        try:
            return self[day]
        except KeyError:
            return default


class _Statement(list[StatementLine]):
    """One day's lines, written back whole after each change a test makes."""

    def __init__(self, state: SandboxState, key: str, lines: list[StatementLine]) -> None:
        super().__init__(lines)
        self._state, self._key = state, key

    def _saved(self) -> None:
        self._state.replace_now(self._key, [asdict(line) for line in self])

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._saved()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._saved()

    def append(self, line: StatementLine) -> None:
        super().append(line)
        self._saved()

    def extend(self, lines: Iterable[StatementLine]) -> None:
        super().extend(lines)
        self._saved()
