"""What PalmCity needs from WeChat, and how WeChat says no.

The errors are the adapter's own (adapters sit below the domain and cannot import it); the domain
turns them into DomainErrors with stable codes. ``errcode`` keeps the platform's number for logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str | None
    # Never leaves the server: it decrypts legacy payloads and signs checksession calls.
    session_key: str = field(repr=False)


class WeChatError(Exception):
    """WeChat answered with an error we do not handle more specifically."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        super().__init__(f"wechat errcode {errcode}: {errmsg}")


class WeChatCodeInvalid(WeChatError):
    """A login or phone code that is wrong, spent or expired (40029, 40163, 40013 ...)."""


class WeChatRateLimited(WeChatError):
    """45011: too many calls for this user; retry later."""


class WeChatUnavailable(WeChatError):
    """-1 (system busy), a network failure, a timeout or an unreadable answer: retry later."""


class WeChatRecipientRefused(WeChatError):
    """43101: the user has not (or no longer) subscribed to this template. Not retryable."""


class WeChat(Protocol):
    async def code_to_session(self, code: str) -> WeChatSession:
        """Exchange a ``wx.login`` code for the user's openid (and unionid, session_key)."""
        ...

    async def phone_number(self, code: str) -> str:
        """Exchange a ``getPhoneNumber`` button code for the user's phone number (pure digits)."""
        ...

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> None:
        """Send one subscribe message; ``data`` is ``{"thing1": "..."}`` (values are wrapped here)."""
        ...

    async def aclose(self) -> None: ...
