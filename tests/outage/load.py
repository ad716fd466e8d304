"""A modest load on the served app, recorded answer by answer: a few clients, each in a loop
reading the public catalogue, logging a new resident in, reading her account and booking the
seeded slot."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field

import httpx

# A request that takes longer than this is a hang: an outage must be answered, not waited out.
HANG_SECONDS = 10.0
_names = itertools.count()


@dataclass(frozen=True)
class Answer:
    sent: float  # time.monotonic() when sent
    took: float
    what: str  # catalog, login, me, book
    status: int | None  # None: no answer at all (a hang or a broken connection)
    code: str | None = None  # error.code
    appointment_id: int | None = None

    @property
    def clean(self) -> bool:
        """2xx, 4xx, or a 503 that says what is unavailable: never a 500, another 5xx or silence."""
        if self.status is None:
            return False
        return self.status < 500 or (self.status == 503 and self.code is not None)


@dataclass
class Load:
    base: str
    service_id: int
    slot_id: int
    clients: int = 4
    answers: list[Answer] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    async def __aenter__(self) -> Load:
        self._tasks = [asyncio.create_task(self._client()) for _ in range(self.clients)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def since(self, moment: float) -> list[Answer]:
        return [a for a in self.answers if a.sent >= moment]

    def booked(self) -> list[int]:
        return [a.appointment_id for a in self.answers if a.appointment_id is not None]

    async def _client(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=HANG_SECONDS) as http:
            while True:
                await self._call(http, "catalog", "GET", "/api/v1/catalog/items")
                token = await self._login(http)
                if token is not None:
                    auth = {"Authorization": f"Bearer {token}"}
                    await self._call(http, "me", "GET", "/api/v1/me", headers=auth)
                    body = {"service_id": self.service_id, "slot_id": self.slot_id}
                    await self._call(http, "book", "POST", "/api/v1/appointments", json=body, headers=auth)
                await asyncio.sleep(0.05)

    async def _login(self, http: httpx.AsyncClient) -> str | None:
        code = f"dev:outage-{self._run}-{next(_names)}"
        r = await self._call(http, "login", "POST", "/api/v1/auth/wechat/login", json={"code": code})
        return str(r.json()["access_token"]) if r is not None and r.status_code == 200 else None

    async def _call(
        self, http: httpx.AsyncClient, what: str, method: str, path: str, **kwargs: object
    ) -> httpx.Response | None:
        sent = time.monotonic()
        try:
            r = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError:
            self.answers.append(Answer(sent, time.monotonic() - sent, what, None))
            return None
        try:
            body = r.json()
        except ValueError:  # not the error shape: counted as no code
            body = {}
        code = body.get("error", {}).get("code") if r.status_code >= 400 else None
        booked = body.get("id") if what == "book" and r.status_code == 201 else None
        self.answers.append(Answer(sent, time.monotonic() - sent, what, r.status_code, code, booked))
        return r


async def wait_ready(base: str, seconds: float = 20.0) -> float:
    """Poll ``/readyz`` until it says ready; when it did (``time.monotonic()``)."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        while True:
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"/readyz not ready {seconds} s after the outage"
            await asyncio.sleep(0.2)


async def readiness(base: str) -> tuple[int, dict[str, str]]:
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        r = await http.get("/readyz")
        return r.status_code, r.json()["checks"]


def summary(answers: list[Answer]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in answers:
        key = f"{a.what} {a.status} {a.code or ''}".strip()
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
