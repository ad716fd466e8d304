"""Scenic spots made for tests that count places one by one."""

from __future__ import annotations

import uuid

from domain.tourism import service
from domain.tourism.models import Spot, SpotKind
from domain.tourism.service import SpotSettings

NAMES = {"zh_Hans": "测试景区", "zh_Hant": "測試景區", "en": "Test spot"}


async def spot_with(settings: SpotSettings, *, region_code: str = "441802") -> Spot:
    """A scenic spot of its own code with ``settings`` and a full price of ¥80; no day opened."""
    return await service.create_spot(
        f"W{uuid.uuid4().hex[:8]}",
        SpotKind.SCENIC,
        NAMES,
        settings,
        region_code=region_code,
        prices={"full_cents": 8000},
    )


async def small_spot() -> Spot:
    """10 a day, 2 of them kept for the window (20 %); four one-hour slots (08:00–12:00) of 10 (2 kept).
    Its days are not opened: each test opens the day it needs, with the rules it needs."""
    return await spot_with(
        SpotSettings(
            daily_max=10,
            instant_max=10,
            opens_minute=8 * 60,
            closes_minute=12 * 60,
            slot_entries=10,
            walk_in_percent=20,
        )
    )
