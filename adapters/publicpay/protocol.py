"""The callback signature of the public payment platform, shared by the client and the sandbox."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from adapters.publicpay.port import CallbackInvalid, NoticeState

MAX_SKEW_SECONDS = 300
CHINA = dt.timezone(dt.timedelta(hours=8))
HEADERS = ("X-Nontax-Timestamp", "X-Nontax-Nonce", "X-Nontax-Signature")


def signature(key: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_callback(key: bytes, payload: dict[str, Any], at: dt.datetime) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp, nonce = str(int(at.timestamp())), secrets.token_hex(16)
    stamp, once, signed = HEADERS
    return {stamp: timestamp, once: nonce, signed: signature(key, timestamp, nonce, body)}, body


def verify_signature(key: bytes, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> None:
    """Refuse a callback or an answer the platform did not sign within the last 5 minutes."""
    try:
        timestamp, nonce, given = (str(headers.get(h) or headers.get(h.lower()) or "") for h in HEADERS)
        sent_at = int(timestamp)
    except ValueError:
        raise CallbackInvalid("malformed") from None
    if not hmac.compare_digest(signature(key, timestamp, nonce, body), given):
        raise CallbackInvalid("signature")
    if abs(now.timestamp() - sent_at) > MAX_SKEW_SECONDS:
        raise CallbackInvalid("stale")


def notice_state(data: Mapping[str, Any]) -> NoticeState:
    """A notice as the platform describes it (a callback's body, a query's answer); ``KeyError``,
    ``TypeError`` or ``ValueError`` when it does not. ``paid_at``: ISO 8601, China time unless it
    names its offset."""
    paid_at = dt.datetime.fromisoformat(str(data["paid_at"])) if data.get("paid_at") else None
    if paid_at is not None and paid_at.tzinfo is None:
        paid_at = paid_at.replace(tzinfo=CHINA)
    return NoticeState(
        notice_number=str(data["notice_number"]),
        order_number=str(data["order_number"]),
        paid=data["status"] == "PAID",
        amount_fen=int(data["amount_fen"]),
        payment_id=str(data["payment_id"]) if data.get("payment_id") else None,
        receipt_url=str(data["receipt_url"]) if data.get("receipt_url") else None,
        paid_at=paid_at,
    )


def verify_callback(key: bytes, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> NoticeState:
    verify_signature(key, headers, body, now)
    try:
        state = notice_state(json.loads(body))
    except (KeyError, TypeError, ValueError):
        raise CallbackInvalid("malformed") from None
    if state.payment_id is None:
        raise CallbackInvalid("malformed")  # a callback announces a payment: it names it
    return state
