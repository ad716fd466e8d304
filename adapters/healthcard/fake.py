"""The sandbox health card platform: one card per ID number, every usage report kept for tests."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from adapters.healthcard.port import CardHolder, HealthCardPlatformError


@dataclass(frozen=True)
class UsageReport:
    platform_card_id: str
    purpose: str
    site_code: str
    at: dt.datetime


class SandboxHealthCardPlatform:
    def __init__(self) -> None:
        self._cards: dict[str, str] = {}  # id number → card id
        self.reports: list[UsageReport] = []
        self.failing = False  # tests switch the platform off

    async def register(self, holder: CardHolder) -> str:
        if self.failing:
            raise HealthCardPlatformError("UNAVAILABLE", "sandbox switched off")
        if len(holder.id_number) != 18 or not holder.name:
            raise HealthCardPlatformError("INVALID_HOLDER", "name and an 18-character ID number")
        # 64 hex characters, like the national platform's healthCardId.
        return self._cards.setdefault(holder.id_number, secrets.token_hex(32).upper())

    async def report_usage(
        self, platform_card_id: str, *, purpose: str, site_code: str, at: dt.datetime
    ) -> None:
        if self.failing:
            raise HealthCardPlatformError("UNAVAILABLE", "sandbox switched off")
        if platform_card_id not in self._cards.values():
            raise HealthCardPlatformError("CARD_NOT_FOUND", platform_card_id[:8])
        self.reports.append(UsageReport(platform_card_id, purpose, site_code, at))

    async def aclose(self) -> None:
        return None
