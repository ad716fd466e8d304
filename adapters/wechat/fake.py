"""The sandbox WeChat: used by tests and by local runs without credentials.

Login codes look like ``dev:<name>`` (the H5 build asks the tester for a name) and always give the
same openid for the same name, so "log in as alice" is repeatable. Anything else is refused the
way WeChat refuses a bad code (40029). Phone codes must start with ``dev``: ``dev:13912345678``
gives that number, any other (``dev-phone``) gives 13800138000. Subscribe messages are kept in
``sent`` for tests to look at.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from adapters.wechat.port import WeChatCodeInvalid, WeChatRecipientRefused, WeChatSession

_SAFE_NAME = re.compile(r"^[\w.-]{1,40}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
DEFAULT_SANDBOX_PHONE = "13800138000"


@dataclass(frozen=True)
class SentMessage:
    openid: str
    template_id: str
    data: dict[str, Any]
    page: str | None


@dataclass
class SandboxWeChat:
    appid: str = "wx-sandbox-appid"
    sent: list[SentMessage] = field(default_factory=list)
    # openids that have not subscribed: sending to them fails like errcode 43101.
    unsubscribed: set[str] = field(default_factory=set)

    @staticmethod
    def openid_for(name: str) -> str:
        """The openid ``dev:<name>`` logs in as."""
        name = name.strip()
        if _SAFE_NAME.match(name):
            return f"sandbox-openid-{name}"
        return "sandbox-openid-" + hashlib.sha256(name.encode()).hexdigest()[:24]

    async def code_to_session(self, code: str) -> WeChatSession:
        prefix, _sep, name = code.partition(":")
        if prefix != "dev" or not name.strip():
            raise WeChatCodeInvalid(40029, "invalid code (the sandbox accepts dev:<name>)")
        openid = self.openid_for(name)
        return WeChatSession(
            openid=openid,
            unionid=None,
            session_key=hashlib.sha256(f"{self.appid}:{openid}".encode()).hexdigest()[:24],
        )

    async def phone_number(self, code: str) -> str:
        if not code.startswith("dev"):
            raise WeChatCodeInvalid(40029, "invalid code (the sandbox accepts dev-phone or dev:<mobile>)")
        _prefix, _sep, number = code.partition(":")
        return number if _MOBILE.match(number) else DEFAULT_SANDBOX_PHONE

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> None:
        if openid in self.unsubscribed:
            raise WeChatRecipientRefused(43101, "user refuse to accept the msg")
        self.sent.append(SentMessage(openid=openid, template_id=template_id, data=dict(data), page=page))

    async def aclose(self) -> None:
        return None
