"""The real client (aiohttp) in the shape of the open health card platform's ISV interface.

Every call is ``POST {base}/rest/auth/HealthCard/HealthOpenPlatform/ISVOpenObj/<method>`` with
``{"commonIn": {appToken, requestId, hospitalId, channelNum}, "req": {...}}``; the app token comes
from ``getAppToken`` and is cached until shortly before it expires (tech-facts §5, from public
hospital integrations). Field names beyond those are the province's to confirm: they are kept here,
behind the port.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import aiohttp

from adapters.healthcard.port import CardHolder, HealthCardPlatformError

TIMEOUT = aiohttp.ClientTimeout(total=10)
PATH = "/rest/auth/HealthCard/HealthOpenPlatform/ISVOpenObj/"
# Usage scenes (reportHISData). "treat" has no published code: such uses are kept by PalmCity and
# not reported until the platform's specification names one.
SCENES = {"register": "0101012", "pay": "0101051"}


class HealthCardClient:
    def __init__(
        self, *, base_url: str, app_id: str, app_secret: str, hospital_id: str, channel: str
    ) -> None:
        self._base = base_url.rstrip("/")
        self._app_id, self._app_secret = app_id, app_secret
        self._hospital_id, self._channel = hospital_id, channel
        self._token: tuple[str, float] | None = None  # (token, monotonic deadline)
        self._session: aiohttp.ClientSession | None = None

    async def register(self, holder: CardHolder) -> str:
        answer = await self._call(
            "registerHealthCard",
            {"name": holder.name, "idType": "01", "idNumber": holder.id_number, "phone1": holder.phone or ""},
        )
        card_id = answer.get("healthCardId")
        if not isinstance(card_id, str) or not card_id:
            raise HealthCardPlatformError("MALFORMED", "no healthCardId in the answer")
        return card_id

    async def report_usage(
        self, platform_card_id: str, *, purpose: str, site_code: str, at: dt.datetime
    ) -> None:
        scene = SCENES.get(purpose)
        if scene is None:
            return
        await self._call(
            "reportHISData",
            {
                "healthCardId": platform_card_id,
                "scene": scene,
                "department": site_code,
                "time": at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S"),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _app_token(self) -> str:
        if self._token is not None and self._token[1] > time.monotonic():
            return self._token[0]
        answer = await self._post("getAppToken", {"appId": self._app_id, "appSecret": self._app_secret})
        token, expires_in = answer.get("appToken"), int(answer.get("expiresIn", 7200))
        if not isinstance(token, str) or not token:
            raise HealthCardPlatformError("MALFORMED", "no appToken in the answer")
        self._token = (token, time.monotonic() + max(60, expires_in - 300))  # renew 5 minutes early
        return token

    async def _call(self, method: str, req: dict[str, Any]) -> dict[str, Any]:
        common = {
            "appToken": await self._app_token(),
            "requestId": uuid.uuid4().hex,
            "hospitalId": self._hospital_id,
            "channelNum": self._channel,
        }
        return await self._post(method, {"commonIn": common, "req": req})

    async def _post(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.post(self._base + PATH + method, json=payload) as response:
                status = response.status
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise HealthCardPlatformError("NETWORK", str(exc)) from exc
        if status >= 400 or not isinstance(answer, dict):
            raise HealthCardPlatformError(f"HTTP_{status}", "unexpected answer")
        common_out = answer.get("commonOut") or {}
        if str(common_out.get("resultCode", "0")) != "0":
            raise HealthCardPlatformError(
                str(common_out.get("resultCode")), str(common_out.get("errMsg", ""))
            )
        rsp = answer.get("rsp", answer)
        return rsp if isinstance(rsp, dict) else {}
