"""The WeChat Pay APIv3 stand-in (see the package's docstring for what it checks)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from wechatpayv3.utils import rsa_sign

from adapters.wechatpay import apiv3
from adapters.wechatpay.client import WeChatPayClient
from tests.support.paystandins.base import (
    CHINA,
    CLIENT_TIMEOUT,
    MAX_SKEW_SECONDS,
    Refusal,
    StandIn,
    china,
    yuan,
)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class WxOrder:
    out_trade_no: str
    appid: str
    total_fen: int
    openid: str
    description: str
    time_expire: str
    state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: dt.datetime | None = None


@dataclass
class WxRefund:
    out_refund_no: str
    order: WxOrder
    refund_fen: int
    status: str
    refund_id: str = field(default_factory=lambda: "50300" + secrets.token_hex(12))
    create_time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    success_time: dt.datetime | None = None


_AUTHORIZATION = re.compile(r'(\w+)="([^"]*)"')
BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
    "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
BILL_SUMMARY_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
BILL_FILE = "application/octet-stream"


class WeChatPayStandIn(StandIn):
    def __init__(self, *, mchid: str = "1900000109", appid: str = "wxd678efh567hg6787") -> None:
        super().__init__()
        self.mchid, self.appid = mchid, appid
        self.merchant_key, self.merchant_serial = _new_key(), "5157F09EFDC096DE15EBE81A47057A72"
        self.platform_key, self.platform_serial = _new_key(), "PUB_KEY_ID_0119000010912025"
        self.apiv3_key = secrets.token_hex(16)
        self.orders: dict[str, WxOrder] = {}
        self.refunds: dict[str, WxRefund] = {}
        self.refund_answer = "PROCESSING"  # what a refund request answers (SUCCESS: at once)
        self.balance_fen: int | None = None  # when set, a larger refund is refused NOT_ENOUGH
        self.bills: dict[str, bytes] = {}  # download token → the file
        self.bill_files: dict[dt.date, bytes] = {}  # a day's file as a test wrote it
        self.tampered_bill: bytes | None = None  # when set, served instead of the file announced
        self.code_url: str | None = None  # when set, what a Native order answers (else a weixin:// code)
        self._nonces: set[str] = set()

    def client(self, **overrides: Any) -> WeChatPayClient:
        """The real client, configured for this stand-in (``overrides``: a wrong key, a wrong serial)."""
        settings: dict[str, Any] = {
            "mchid": self.mchid,
            "appid": self.appid,
            "api_base": self.base_url,
            "merchant_serial": self.merchant_serial,
            "merchant_key": self.merchant_key,
            "apiv3_key": self.apiv3_key,
            "platform_keys": {self.platform_serial: self.platform_key.public_key()},
            "notify_url": "https://palmcity.example.cn/api/v1/payments/notify/wechat",
            "timeout_seconds": CLIENT_TIMEOUT,
        }
        return self.opened(WeChatPayClient(**{**settings, **overrides}))

    # -- the payer's and the provider's own side --------------------------------------------------

    def pay(self, out_trade_no: str, *, at: dt.datetime | None = None) -> tuple[dict[str, str], bytes]:
        """The payer pays: the order succeeds; its TRANSACTION.SUCCESS notification, signed."""
        order = self.orders[out_trade_no]
        at = at or dt.datetime.now(dt.UTC)
        if order.state == "NOTPAY":
            order.state, order.success_time = "SUCCESS", at
            order.transaction_id = "42000" + secrets.token_hex(12)[:23]
        return apiv3.sign_notification(
            "TRANSACTION.SUCCESS",
            self._transaction(order),
            platform_key=self.platform_key,
            serial=self.platform_serial,
            apiv3_key=self.apiv3_key,
            at=at,
        )

    def complete_refund(self, out_refund_no: str, *, at: dt.datetime | None = None) -> None:
        refund = self.refunds[out_refund_no]
        refund.status, refund.success_time = "SUCCESS", at or dt.datetime.now(dt.UTC)

    # -- the API ----------------------------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v3/pay/transactions/jsapi", self._prepay),
            web.post("/v3/pay/transactions/native", self._native),
            web.get("/v3/pay/transactions/out-trade-no/{no}", self._query),
            web.post("/v3/pay/transactions/out-trade-no/{no}/close", self._close),
            web.post("/v3/refund/domestic/refunds", self._refund),
            web.get("/v3/refund/domestic/refunds/{no}", self._query_refund),
            web.get("/v3/bill/tradebill", self._tradebill),
            web.get("/v3/billdownload/file", self._download),
        ]

    def authenticate(self, request: web.Request, body: bytes) -> None:
        scheme, _, rest = request.headers.get("Authorization", "").partition(" ")
        fields = dict(_AUTHORIZATION.findall(rest))
        if scheme != "WECHATPAY2-SHA256-RSA2048" or fields.get("mchid") != self.mchid:
            raise Refusal(401, "SIGN_ERROR", "签名错误: 商户号或认证类型不符")
        if fields.get("serial_no") != self.merchant_serial:
            raise Refusal(401, "SIGN_ERROR", "签名错误: 证书序列号不符")
        timestamp, nonce = fields.get("timestamp", ""), fields.get("nonce_str", "")
        sent_at = int(timestamp) if timestamp.isdigit() else 0
        if abs(dt.datetime.now(dt.UTC).timestamp() - sent_at) > MAX_SKEW_SECONDS:
            raise Refusal(401, "SIGN_ERROR", "签名错误: 时间戳过期")
        if not nonce or nonce in self._nonces:
            raise Refusal(401, "SIGN_ERROR", "签名错误: 随机串重复")
        message = f"{request.method}\n{request.raw_path}\n{timestamp}\n{nonce}\n{body.decode()}\n"
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(fields.get("signature", "")),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            raise Refusal(401, "SIGN_ERROR", "签名错误") from None
        self._nonces.add(nonce)
        if request.headers.get("Accept") != "application/json":
            raise Refusal(400, "PARAM_ERROR", "Accept 须为 application/json")

    def signed(self, response: web.Response, *, forged: bool = False) -> web.Response:
        if response.content_type == BILL_FILE:
            return response  # a bill file is not an API answer: its SHA1 is in the tradebill answer
        key = _new_key() if forged else self.platform_key
        timestamp, nonce = str(int(dt.datetime.now(dt.UTC).timestamp())), secrets.token_hex(16)
        body = response.body if isinstance(response.body, bytes) else b""
        response.headers.update(
            {
                "Wechatpay-Timestamp": timestamp,
                "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature": rsa_sign(key, f"{timestamp}\n{nonce}\n{body.decode()}\n"),
                "Wechatpay-Serial": self.platform_serial,
                "Request-ID": secrets.token_hex(16),
            }
        )
        return response

    def _order(self, no: str) -> WxOrder:
        order = self.orders.get(no)
        if order is None:
            raise Refusal(404, "ORDER_NOT_EXIST", "订单不存在")
        return order

    def _placed(self, body: dict[str, Any], *, payer: bool) -> WxOrder:
        """An order placed by JSAPI (with its payer) or Native (none: whoever scans pays), checked as
        WeChat Pay checks it; the same number again is the same order, unless paid or changed."""
        try:
            order = WxOrder(
                out_trade_no=body["out_trade_no"],
                appid=body["appid"],
                total_fen=int(body["amount"]["total"]),
                openid=body["payer"]["openid"] if payer else "",
                description=body["description"],
                time_expire=body["time_expire"],
            )
            dt.datetime.fromisoformat(order.time_expire)
            if (
                body["mchid"] != self.mchid
                or (not payer and "payer" in body)
                or not body["notify_url"].startswith("https://")
            ):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise Refusal(400, "PARAM_ERROR", "参数错误") from None
        known = self.orders.setdefault(order.out_trade_no, order)
        if known.state == "SUCCESS":
            raise Refusal(400, "ORDERPAID", "该订单已支付")
        if known.total_fen != order.total_fen:
            raise Refusal(403, "OUT_TRADE_NO_USED", "商户订单号重复")
        return known

    async def _prepay(self, request: web.Request) -> web.Response:
        self._placed(await request.json(), payer=True)
        return self.json({"prepay_id": "wx" + secrets.token_hex(16)[:30]})

    async def _native(self, request: web.Request) -> web.Response:
        self._placed(await request.json(), payer=False)
        code = self.code_url or f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}"
        return self.json({"code_url": code})

    def _transaction(self, order: WxOrder) -> dict[str, Any]:
        paid = order.state in ("SUCCESS", "REFUND")
        answer: dict[str, Any] = {
            "appid": order.appid,
            "mchid": self.mchid,
            "out_trade_no": order.out_trade_no,
            "trade_state": order.state,
            "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(
                order.state, order.state
            ),
            "amount": {"total": order.total_fen, "currency": "CNY", "payer_currency": "CNY"},
        }
        if paid and order.success_time is not None:
            answer |= {
                "transaction_id": order.transaction_id,
                "trade_type": "JSAPI",
                "bank_type": "OTHERS",
                "attach": "",
                "success_time": china(order.success_time),
                "payer": {"openid": order.openid},
                "promotion_detail": [],
            }
            answer["amount"]["payer_total"] = order.total_fen
        return answer

    async def _query(self, request: web.Request) -> web.Response:
        if request.query.get("mchid") != self.mchid:
            raise Refusal(400, "PARAM_ERROR", "mchid 参数错误")
        return self.json(self._transaction(self._order(request.match_info["no"])))

    async def _close(self, request: web.Request) -> web.Response:
        if (await request.json()).get("mchid") != self.mchid:
            raise Refusal(400, "PARAM_ERROR", "mchid 参数错误")
        order = self._order(request.match_info["no"])
        if order.state in ("SUCCESS", "REFUND"):
            raise Refusal(400, "ORDERPAID", "订单已支付")
        order.state = "CLOSED"
        return web.Response(status=204)

    def _refund_answer(self, refund: WxRefund) -> dict[str, Any]:
        order = refund.order
        answer: dict[str, Any] = {
            "refund_id": refund.refund_id,
            "out_refund_no": refund.out_refund_no,
            "transaction_id": order.transaction_id,
            "out_trade_no": order.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": china(refund.create_time),
            "status": refund.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": order.total_fen,
                "refund": refund.refund_fen,
                "from": [],
                "payer_total": order.total_fen,
                "payer_refund": refund.refund_fen,
                "settlement_refund": refund.refund_fen,
                "settlement_total": order.total_fen,
                "discount_refund": 0,
                "currency": "CNY",
                "refund_fee": 0,
            },
            "promotion_detail": [],
        }
        if refund.success_time is not None:
            answer["success_time"] = china(refund.success_time)
        return answer

    async def _refund(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            no, fen, total = (
                body["out_refund_no"],
                int(body["amount"]["refund"]),
                int(body["amount"]["total"]),
            )
            order = self.orders[body["out_trade_no"]]
        except KeyError:
            raise Refusal(404, "RESOURCE_NOT_EXISTS", "订单不存在") from None
        except (TypeError, ValueError):
            raise Refusal(400, "PARAM_ERROR", "参数错误") from None
        if no in self.refunds:  # the same number asks once: the refund as it stands
            return self.json(self._refund_answer(self.refunds[no]))
        if order.state not in ("SUCCESS", "REFUND"):
            raise Refusal(400, "INVALID_REQUEST", "订单未支付")
        refunded = sum(r.refund_fen for r in self.refunds.values() if r.order is order)
        if total != order.total_fen or fen <= 0 or refunded + fen > order.total_fen:
            raise Refusal(400, "INVALID_REQUEST", "退款金额超过订单可退金额")
        if self.balance_fen is not None and fen > self.balance_fen:
            raise Refusal(403, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起")
        refund = WxRefund(no, order, fen, "PROCESSING")
        self.refunds[no], order.state = refund, "REFUND"
        if self.refund_answer == "SUCCESS":
            self.complete_refund(no)
        return self.json(self._refund_answer(refund))

    async def _query_refund(self, request: web.Request) -> web.Response:
        refund = self.refunds.get(request.match_info["no"])
        if refund is None:
            raise Refusal(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return self.json(self._refund_answer(refund))

    def bill(self, day: dt.date) -> bytes | None:
        """The day's ALL trade bill: payments by their success time, refunds by their acceptance
        (the published layout: a header, backtick-prefixed rows, a summary header and line)."""

        def row(at: dt.datetime, order: WxOrder, state: str, refund: WxRefund | None) -> str:
            cells = [
                at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                order.appid, self.mchid, "0", "", order.transaction_id or "", order.out_trade_no,
                order.openid, "JSAPI", state, "OTHERS", "CNY",
                yuan(order.total_fen if refund is None else 0), "0.00",
                refund.refund_id if refund else "0", refund.out_refund_no if refund else "0",
                yuan(refund.refund_fen) if refund else "0.00", "0.00",
                "ORIGINAL" if refund else "", refund.status if refund else "",
                order.description, "", "0.00000", "0.60%",
                yuan(order.total_fen if refund is None else 0),
                yuan(refund.refund_fen) if refund else "0.00", "",
            ]  # fmt: skip
            return ",".join("`" + cell for cell in cells)

        rows: list[str] = []
        paid_fen = refunded_fen = 0
        for order in self.orders.values():
            if order.success_time and order.success_time.astimezone(CHINA).date() == day:
                rows.append(row(order.success_time, order, "SUCCESS", None))
                paid_fen += order.total_fen
        for refund in self.refunds.values():
            if refund.create_time.astimezone(CHINA).date() == day:
                rows.append(row(refund.create_time, refund.order, "REFUND", refund))
                refunded_fen += refund.refund_fen
        if not rows:
            return None  # the provider makes no bill for a day without transactions
        summary = [str(len(rows)), yuan(paid_fen), yuan(refunded_fen), "0.00", "0.00000"]
        summary += [yuan(paid_fen), yuan(refunded_fen)]
        lines = [BILL_HEADER, *rows, BILL_SUMMARY_HEADER, ",".join("`" + cell for cell in summary)]
        return ("\r\n".join(lines) + "\r\n").encode()

    async def _tradebill(self, request: web.Request) -> web.Response:
        try:
            day = dt.date.fromisoformat(request.query["bill_date"])
        except (KeyError, ValueError):
            raise Refusal(400, "PARAM_ERROR", "bill_date 参数错误") from None
        content = self.bill_files.get(day) or self.bill(day)
        if content is None:
            raise Refusal(400, "NO_STATEMENT_EXIST", "账单不存在")
        token = secrets.token_urlsafe(12)
        self.bills[token] = content
        return self.json(
            {
                "hash_type": "SHA1",
                "hash_value": hashlib.sha1(content).hexdigest(),
                "download_url": f"{self.base_url}/v3/billdownload/file?token={token}",
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        content = self.bills.get(request.query.get("token", ""))
        if content is None:
            raise Refusal(400, "INVALID_REQUEST", "下载链接已失效")
        return web.Response(body=self.tampered_bill or content, content_type=BILL_FILE)
