"""The APIv3 wire protocol, shared by the real client and the sandbox (tech-facts §2.3–2.4).

- Requests are signed ``METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with the merchant key.
- Notifications and responses carry ``Wechatpay-Timestamp``, ``-Nonce``, ``-Signature``, ``-Serial``:
  RSA-SHA256 over ``TIMESTAMP\\nNONCE\\nBODY\\n`` (the raw body, never re-serialised) by the platform
  key named by the serial. wechatpayv3 does not check the timestamp: we refuse more than 5 minutes.
- A notification's ``resource`` is AEAD_AES_256_GCM with the merchant's APIv3 key.
- ``wx.requestPayment``'s ``paySign`` is RSA-SHA256 over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3.utils import aes_decrypt, rsa_sign, rsa_verify

from adapters.wechatpay.port import Notification, NotificationInvalid

MAX_SKEW_SECONDS = 300
CHINA = dt.timezone(dt.timedelta(hours=8))


def instant(value: Any) -> dt.datetime | None:
    """A time as the provider writes it (RFC 3339, ``2024-05-20T13:29:35+08:00``; China time when
    it names no offset); ``None`` when absent, ``ValueError`` when not a time."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name) or headers.get(name.lower())
    if not value:
        raise NotificationInvalid("malformed")
    return str(value)


def verify_signature(
    headers: Mapping[str, str], body: bytes, *, platform_keys: Mapping[str, RSAPublicKey], now: dt.datetime
) -> str:
    """The body as text if the platform signed it within the last 5 minutes (notifications and
    API responses alike); ``NotificationInvalid`` otherwise."""
    timestamp = _header(headers, "Wechatpay-Timestamp")
    nonce = _header(headers, "Wechatpay-Nonce")
    signature = _header(headers, "Wechatpay-Signature")
    key = platform_keys.get(_header(headers, "Wechatpay-Serial"))
    if key is None:
        raise NotificationInvalid("unknown_serial")
    try:
        text = body.decode("utf-8")
        sent_at = int(timestamp)
    except (UnicodeDecodeError, ValueError):
        raise NotificationInvalid("malformed") from None
    if not rsa_verify(timestamp, nonce, text, signature, key):
        raise NotificationInvalid("signature")
    if abs(now.timestamp() - sent_at) > MAX_SKEW_SECONDS:
        raise NotificationInvalid("stale")  # a replay of a genuine old notification
    return text


def verify_notification(
    headers: Mapping[str, str],
    body: bytes,
    *,
    platform_keys: Mapping[str, RSAPublicKey],
    apiv3_key: str,
    now: dt.datetime,
) -> Notification:
    """Check a notification's signature and freshness, then decrypt its resource."""
    text = verify_signature(headers, body, platform_keys=platform_keys, now=now)
    try:
        envelope = json.loads(text)
        resource = envelope["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationInvalid("malformed")
        plain = aes_decrypt(
            resource["nonce"], resource["ciphertext"], resource.get("associated_data", ""), apiv3_key
        )
        if plain is None:
            raise NotificationInvalid("decrypt")
        return Notification(
            id=str(envelope["id"]), event_type=str(envelope["event_type"]), resource=json.loads(plain)
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise NotificationInvalid("malformed") from None


def sign_notification(
    event_type: str,
    resource: dict[str, Any],
    *,
    platform_key: RSAPrivateKey,
    serial: str,
    apiv3_key: str,
    at: dt.datetime,
) -> tuple[dict[str, str], bytes]:
    """A notification exactly as WeChat Pay sends one (the sandbox's side of the protocol)."""
    nonce = secrets.token_hex(6)  # 12 characters, as the platform uses
    associated = "transaction" if event_type.startswith("TRANSACTION") else "refund"
    sealed = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), associated.encode()
    )
    body = json.dumps(
        {
            "id": secrets.token_hex(16),
            "create_time": at.isoformat(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if event_type == "TRANSACTION.SUCCESS" else "退款通知",
            "resource": {
                "original_type": associated,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": associated,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    ).encode()
    timestamp, signing_nonce = str(int(at.timestamp())), secrets.token_hex(16)
    signature = rsa_sign(platform_key, f"{timestamp}\n{signing_nonce}\n{body.decode()}\n")
    headers = {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": signing_nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }
    return headers, body


def jsapi_pay_params(
    appid: str, prepay_id: str, merchant_key: RSAPrivateKey, at: dt.datetime
) -> dict[str, str]:
    """The arguments of ``wx.requestPayment`` for a prepay id."""
    timestamp, nonce, package = str(int(at.timestamp())), secrets.token_hex(16), f"prepay_id={prepay_id}"
    return {
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": rsa_sign(merchant_key, f"{appid}\n{timestamp}\n{nonce}\n{package}\n"),
    }
