"""The sandbox health card platform: one card per ID number, every usage report checked and kept.

Cards live in the app's Redis (``adapters.sandbox_state``), so a card registered through one worker
is known to the worker (or job process) that reports its use; two processes registering one person
at once get one card. Cards do not expire (one person, one card, as on the real platform); reports
are kept a day (the state's default), for tests and for looking at.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict, dataclass

from adapters.healthcard.port import CardHolder, HealthCardPlatformError
from adapters.sandbox_state import SandboxState

FOREVER = 0


@dataclass(frozen=True)
class UsageReport:
    platform_card_id: str
    purpose: str
    site_code: str
    at: dt.datetime


class SandboxHealthCardPlatform:
    def __init__(self, state: SandboxState | None = None) -> None:
        """``state``: where cards and reports live (the app's Redis: every process sees them);
        without one, in this process."""
        self._state = state or SandboxState("healthcard")
        # What this process registered and reported, for tests to look at (``reported`` has every
        # process's reports).
        self._cards: dict[str, str] = {}  # id number → card id
        self.reports: list[UsageReport] = []
        self.failing = False  # tests switch the platform (of this process) off

    async def register(self, holder: CardHolder) -> str:
        if self.failing:
            raise HealthCardPlatformError("UNAVAILABLE", "sandbox switched off")
        if len(holder.id_number) != 18 or not holder.name:
            raise HealthCardPlatformError("INVALID_HOLDER", "name and an 18-character ID number")
        # 64 hex characters, like the national platform's healthCardId; the first one asked for stays.
        fresh = secrets.token_hex(32).upper()
        card = await self._state.claim(self._state.key("holder", holder.id_number), fresh, ttl=FOREVER)
        await self._state.claim(self._card_key(card), holder.id_number, ttl=FOREVER)
        self._cards[holder.id_number] = card
        return card

    async def report_usage(
        self, platform_card_id: str, *, purpose: str, site_code: str, at: dt.datetime
    ) -> None:
        if self.failing:
            raise HealthCardPlatformError("UNAVAILABLE", "sandbox switched off")
        if await self._state.text(self._card_key(platform_card_id)) is None:
            raise HealthCardPlatformError("CARD_NOT_FOUND", platform_card_id[:8])
        report = UsageReport(platform_card_id, purpose, site_code, at)
        await self._state.append(self._state.key("reports"), {**asdict(report), "at": at.isoformat()})
        self.reports.append(report)

    async def reported(self) -> list[UsageReport]:
        """Every process's usage reports of the last day, oldest first."""
        found = await self._state.listed(self._state.key("reports"))
        return [UsageReport(**{**r, "at": dt.datetime.fromisoformat(r["at"])}) for r in found]

    async def aclose(self) -> None:
        self._state.close()

    def _card_key(self, platform_card_id: str) -> str:
        return self._state.key("card", platform_card_id)
