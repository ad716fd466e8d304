"""What PalmCity needs from the health card platform: register a card, report each use.

The national platform generates, authenticates and manages cards centrally, one person one card
(国卫办规划发〔2018〕34号). PalmCity registers a resident's card there and keeps the platform's card id;
every use at a hospital is reported with a scene code. The codes residents show are PalmCity's own
signed credentials (``domain.credentials``): the platform's QR layout is not public, and this
backend never mints official health card QR codes (tech-facts §5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class HealthCardPlatformError(Exception):
    """The platform refused or could not be reached; ``code`` is its error code (for logs)."""

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        super().__init__(f"health card platform {code}: {message}")


@dataclass(frozen=True)
class CardHolder:
    """The person a card is for, as the platform's real-name registration needs them."""

    name: str
    id_number: str  # 居民身份证 (id type "01")
    phone: str | None = None


class HealthCardPlatform(Protocol):
    async def register(self, holder: CardHolder) -> str:
        """The platform's card id (``healthCardId``); the same person gets the same card again."""
        ...

    async def report_usage(
        self, platform_card_id: str, *, purpose: str, site_code: str, at: dt.datetime
    ) -> None:
        """Tell the platform a card was used (``purpose``: register, treat, pay)."""
        ...

    async def aclose(self) -> None: ...
