"""The real client (aiohttp) of the population register's guardianship look-up.

No public specification of this interface exists: the provincial population register (人口库,
reached through the government data-sharing exchange) publishes its interfaces to onboarded
departments only. This client fixes one documented shape, like ``adapters/healthcard/client.py``
does for its platform, so that the province's real field names change this file and nothing else:

Request: ``POST {base}/guardianship/query`` with the JSON body
``{"requestId": "<32 hex>", "appId": "...", "timestamp": <unix seconds>, "childIdNumber": "..."}``
and the header ``X-Signature: hex(HMAC-SHA256(app_secret, raw body))``.

Answer: ``{"code": "0", "message": "...", "data": {"guardians": [{"idNumber": "...", "relation":
"51"}]}}``. ``relation`` is a GB/T 4761 family-relation code: ``51`` 父亲, ``52`` 母亲, anything
else an other guardian (其他监护人). ``code`` ``"PERSON_NOT_FOUND"``: no such person;
``"SYSTEM_BUSY"``: ask again later; any other code is a refusal (bad signature, no permission).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import aiohttp

from adapters.population.port import (
    Guardian,
    GuardianRelation,
    PersonNotFound,
    PopulationRegisterError,
    PopulationRegisterUnavailable,
)

TIMEOUT = aiohttp.ClientTimeout(total=10)
PATH = "/guardianship/query"
RELATIONS = {"51": GuardianRelation.FATHER, "52": GuardianRelation.MOTHER}
_BUSY = frozenset({"SYSTEM_BUSY", "SYSTEM_ERROR"})


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class PopulationRegisterClient:
    def __init__(self, *, base_url: str, app_id: str, app_secret: str) -> None:
        self._url = base_url.rstrip("/") + PATH
        self._app_id, self._app_secret = app_id, app_secret
        self._session: aiohttp.ClientSession | None = None

    async def guardians_of(self, child_id_number: str) -> list[Guardian]:
        data = await self._post(
            {
                "requestId": uuid.uuid4().hex,
                "appId": self._app_id,
                "timestamp": int(time.time()),
                "childIdNumber": child_id_number,
            }
        )
        listed = data.get("guardians")
        if not isinstance(listed, list):
            raise PopulationRegisterUnavailable("MALFORMED", "no guardians in the answer")
        guardians = []
        for entry in listed:
            number = entry.get("idNumber") if isinstance(entry, dict) else None
            if not isinstance(number, str) or not number:
                raise PopulationRegisterUnavailable("MALFORMED", "a guardian without idNumber")
            relation = RELATIONS.get(str(entry.get("relation")), GuardianRelation.OTHER_GUARDIAN)
            guardians.append(Guardian(number.upper(), relation))
        return guardians

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Signature": sign(self._app_secret, body)}
        try:
            async with self._session.post(self._url, data=body, headers=headers) as response:
                status, text = response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError, UnicodeDecodeError) as exc:
            raise PopulationRegisterUnavailable("NETWORK", type(exc).__name__) from exc
        if status >= 500:
            raise PopulationRegisterUnavailable(f"HTTP_{status}", "server error")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise PopulationRegisterUnavailable(f"HTTP_{status}", "unreadable answer")
        code = str(answer.get("code", ""))
        message = str(answer.get("message", ""))[:200]
        if code == "PERSON_NOT_FOUND":
            raise PersonNotFound(code, message)
        if code in _BUSY:
            raise PopulationRegisterUnavailable(code, message)
        if status >= 400 or code != "0":
            raise PopulationRegisterError(code or f"HTTP_{status}", message)
        data = answer.get("data")
        return data if isinstance(data, dict) else {}
