"""Local stand-ins of WeChat Pay APIv3 and the public payment platform, for the real clients.

Each is an aiohttp app on 127.0.0.1 (an ephemeral port) that checks what the provider checks and
answers with the shapes the provider documents, so a test drives the real client over real HTTP:

- WeChat Pay: every request's ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..., nonce_str=...,
  signature=..., timestamp=..., serial_no=...`` is verified against the merchant's public key over
  ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` (a stale timestamp, a reused nonce, another
  merchant: 401 SIGN_ERROR); every answer is signed with a platform key (``Wechatpay-Timestamp``,
  ``-Nonce``, ``-Signature``, ``-Serial``), so the client's own check runs. Errors come as
  ``{"code", "message"}`` with the provider's HTTP status. The trade bill is the real CSV layout:
  backtick-prefixed fields, amounts in yuan with two decimals, a summary after the rows, fetched from
  a ``download_url`` and checked by its SHA1.
- The public payment platform (no public specification): the shapes ``adapters/publicpay`` defines,
  HMAC-signed both ways as ``protocol.py`` says.

Faults are armed per route and fire once: ``slow`` (answers after the client gave up), ``reset``
(the connection is reset, no answer), ``server_error`` (500 with the provider's code for a system
error), ``proxy_refusal`` (a bare 403, as a gateway in between might answer: no code, no
signature), ``forged`` (an answer signed with a key the client does not know).
"""

from tests.support.paystandins.base import CLIENT_TIMEOUT, Fault, StandIn
from tests.support.paystandins.publicpay import PublicPaymentStandIn
from tests.support.paystandins.wechatpay import BILL_HEADER, BILL_SUMMARY_HEADER, WeChatPayStandIn

__all__ = [
    "BILL_HEADER",
    "BILL_SUMMARY_HEADER",
    "CLIENT_TIMEOUT",
    "Fault",
    "PublicPaymentStandIn",
    "StandIn",
    "WeChatPayStandIn",
]
