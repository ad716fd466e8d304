"""The real WeChat client (aiohttp). Endpoints and error codes: tech-facts §3.

The platform access token is fetched with ``/cgi-bin/stable_token`` and cached in Redis under one
key for all workers; a Redis lock makes sure only one worker asks for it at a time. (The legacy
``/cgi-bin/token`` invalidates the previous token on every call, which is why it is not used.)
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from adapters.wechat.port import (
    WeChatCodeInvalid,
    WeChatError,
    WeChatRateLimited,
    WeChatRecipientRefused,
    WeChatSession,
    WeChatUnavailable,
)

log = logging.getLogger("palmcity.adapters.wechat")

# errcode -> the exception it becomes (everything else is a plain WeChatError).
_ERRORS: dict[int, type[WeChatError]] = {
    -1: WeChatUnavailable,  # system busy
    40029: WeChatCodeInvalid,  # invalid code
    40163: WeChatCodeInvalid,  # code already used
    45011: WeChatRateLimited,  # too frequent (100/min per user)
    43101: WeChatRecipientRefused,  # user refused or unsubscribed
}
# The access token we sent is no longer good: fetch another one and retry once.
_TOKEN_EXPIRED = {40001, 40014, 42001}


class KeyNamer(Protocol):
    """``domain.shared.kv.Keys`` as seen from here (adapters do not import the domain)."""

    def of(self, *parts: object) -> str: ...


class WeChatClient:
    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        redis: Redis,
        keys: KeyNamer,
        api_base: str = "https://api.weixin.qq.com",
        timeout_seconds: float = 10.0,
        miniprogram_state: str = "formal",
        lang: str = "zh_CN",
    ) -> None:
        self._appid = appid
        self._secret = secret
        self._redis = redis
        self._token_key = keys.of("wechat", "access_token", appid)
        self._lock_key = keys.of("wechat", "access_token_lock", appid)
        self._base = api_base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._state = miniprogram_state
        self._lang = lang
        self._session: aiohttp.ClientSession | None = None

    # -- the port ------------------------------------------------------------------------------

    async def code_to_session(self, code: str) -> WeChatSession:
        data = await self._call(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self._appid,
                "secret": self._secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        openid, session_key = data.get("openid"), data.get("session_key")
        if not isinstance(openid, str) or not openid or not isinstance(session_key, str):
            raise WeChatUnavailable(-1, "jscode2session answered without openid")
        unionid = data.get("unionid")
        return WeChatSession(
            openid=openid, unionid=unionid if isinstance(unionid, str) else None, session_key=session_key
        )

    async def phone_number(self, code: str) -> str:
        data = await self._call_with_token("POST", "/wxa/business/getuserphonenumber", json={"code": code})
        info = data.get("phone_info")
        if not isinstance(info, dict):
            raise WeChatUnavailable(-1, "getuserphonenumber answered without phone_info")
        watermark = info.get("watermark") or {}
        if not isinstance(watermark, dict) or watermark.get("appid") != self._appid:
            # The code was issued to another mini-program: for us it is not a valid code.
            raise WeChatCodeInvalid(0, "phone_info watermark names another appid")
        pure, full, country = info.get("purePhoneNumber"), info.get("phoneNumber"), info.get("countryCode")
        if str(country or "86") == "86" and isinstance(pure, str) and pure:
            return pure
        if isinstance(full, str) and full:
            return full
        raise WeChatUnavailable(-1, "getuserphonenumber answered without a number")

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> None:
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {k: v if isinstance(v, dict) else {"value": str(v)} for k, v in data.items()},
            "miniprogram_state": self._state,
            "lang": self._lang,
        }
        if page:
            body["page"] = page
        await self._call_with_token("POST", "/cgi-bin/message/subscribe/send", json=body)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- access token ----------------------------------------------------------------------------

    async def access_token(self, *, stale: str | None = None) -> str:
        """The shared platform access token; ``stale`` is one WeChat just refused."""
        try:
            cached = await self._redis.get(self._token_key)
            if cached and cached != stale:
                return _text(cached)
            lock = self._redis.lock(self._lock_key, timeout=15, blocking_timeout=15)
            if not await lock.acquire():
                raise WeChatUnavailable(-1, "timed out waiting for the access token lock")
            try:
                # Another worker may have fetched it while we waited.
                cached = await self._redis.get(self._token_key)
                if cached and cached != stale:
                    return _text(cached)
                token, expires_in = await self._fetch_stable_token(force_refresh=False)
                if token == stale:
                    # Normal mode hands back the current token; WeChat just said it is dead.
                    token, expires_in = await self._fetch_stable_token(force_refresh=True)
                # Keep a margin: the platform rotates the token 5 minutes before it expires.
                await self._redis.set(self._token_key, token, ex=max(expires_in - 300, 60))
                return token
            finally:
                try:
                    await lock.release()
                except LockError:
                    log.warning("wechat access token lock expired before release")
        except RedisError as exc:
            raise WeChatUnavailable(-1, f"redis: {exc.__class__.__name__}") from exc

    async def _fetch_stable_token(self, *, force_refresh: bool) -> tuple[str, int]:
        data = await self._call(
            "POST",
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self._appid,
                "secret": self._secret,
                "force_refresh": force_refresh,
            },
        )
        token, expires_in = data.get("access_token"), data.get("expires_in", 7200)
        if not isinstance(token, str) or not token:
            raise WeChatUnavailable(-1, "stable_token answered without access_token")
        return token, int(expires_in) if isinstance(expires_in, int | str) and str(
            expires_in
        ).isdigit() else 7200

    # -- HTTP ------------------------------------------------------------------------------------

    async def _call_with_token(self, method: str, path: str, *, json: dict[str, Any]) -> dict[str, Any]:
        token = await self.access_token()
        try:
            return await self._call(method, path, params={"access_token": token}, json=json)
        except WeChatError as exc:
            if exc.errcode not in _TOKEN_EXPIRED:
                raise
        token = await self.access_token(stale=token)
        return await self._call(method, path, params={"access_token": token}, json=json)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.request(method, self._base + path, params=params, json=json) as resp:
                if resp.status >= 500:
                    raise WeChatUnavailable(-1, f"HTTP {resp.status} from {path}")
                # Some WeChat endpoints label JSON as text/plain.
                data = await resp.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise WeChatUnavailable(-1, f"{path}: {exc.__class__.__name__}") from exc
        if not isinstance(data, dict):
            raise WeChatUnavailable(-1, f"{path} answered with something that is not an object")
        errcode = data.get("errcode", 0)
        if errcode not in (0, None, "0"):
            number = (
                int(errcode) if isinstance(errcode, int | str) and str(errcode).lstrip("-").isdigit() else -1
            )
            errmsg = str(data.get("errmsg", ""))
            log.info("wechat refused", extra={"path": path, "errcode": number, "errmsg": errmsg})
            raise _ERRORS.get(number, WeChatError)(number, errmsg)
        return data


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
