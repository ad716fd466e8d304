"""Demo scenic spots and venues in Qingyuan and the Greater Bay Area, with a week of entry days.

DEMO DATA: the names are real places, but every capacity, opening hour and price here is a
plausible figure made up for the sandbox (``Spot.demo`` is set), not the spot's published one.
Idempotent: an existing spot is left alone; days are opened only where missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.shared import clock
from domain.shared.actor import Actor
from domain.tourism import rules, service, tickets
from domain.tourism.models import Advisory, Spot, SpotKind
from domain.tourism.service import SpotSettings

SHENZHEN_BANDS: list[list[Any]] = [
    [0, 6, "child", 0],
    [7, 18, "minor", 50],
    [65, 69, "senior", 50],
    [70, None, "elder", 0],
]


# Fair-use rules per spot (domain.tourism.rules), demo data like the rest: the Memorial Hall's
# quotas and no-show lock where booking is required; where booking is optional nobody is locked
# out (the quotas stay the defaults, which every spot has unless it sets its own).
BOOKED = {
    "cancel_quota": {"day": 2, "week": 4, "month": 6, "year": 12},
    "no_show": {"count": 2, "window_days": 120, "lock_days": 120},
}
NO_LOCK = {"no_show": {"count": 2, "window_days": 120, "lock_days": 0}}
DEMO_RULES: dict[str, dict[str, Any]] = {
    # Free until the day before, 10 % kept within it, nothing back once the slot began.
    "QY-GULONGXIA": {**BOOKED, "refunds": {"tiers": [[1440, 0], [0, 10]]}, "waitlist_pay_minutes": 30},
    # Booking optional: free until the slot starts, nobody locked out.
    "QY-YINGXI": {**NO_LOCK, "refunds": {"tiers": [[0, 0]]}},
    # Boats booked in advance: free until 48 h, 20 % within them, 50 % within 2 h, no cancelling in
    # the last 10 minutes.
    "QY-LIANZHOU-CAVE": {
        **BOOKED,
        "refunds": {"tiers": [[2880, 0], [120, 20], [0, 50]], "cutoff_minutes": 10},
        "waitlist_pay_minutes": 15,
    },
    # Free entry by booking: nothing to refund; 3 no-shows in 90 days lock booking for 30 days.
    "QY-MUSEUM": {"cancel_quota": {"day": 2}, "no_show": {"count": 3, "window_days": 90, "lock_days": 30}},
    "GZ-BAIYUN": {**NO_LOCK, "refunds": {"tiers": [[0, 0]]}},
    "SZ-DAPENG": {**BOOKED, "refunds": {"tiers": [[1440, 0], [0, 10]]}},
}


@dataclass(frozen=True)
class SpotSpec:
    code: str
    kind: SpotKind
    names: tuple[str, str, str]  # 简体, 繁體, English
    region_code: str
    location: tuple[float, float]
    settings: SpotSettings
    full_cents: int
    intro: tuple[str, str, str] = ("", "", "")
    bands: list[list[Any]] | None = None
    fire_season: bool = False  # a mountain spot under the seasonal forest-fire ban (seed 000)


def hours(opens: str, closes: str) -> tuple[int, int]:
    (oh, om), (ch, cm) = (map(int, opens.split(":")), map(int, closes.split(":")))
    return oh * 60 + om, ch * 60 + cm


def settings(opens: str, closes: str, daily: int, instant: int, per_slot: int, **more: Any) -> SpotSettings:
    o, c = hours(opens, closes)
    return SpotSettings(
        daily, instant, o, c, per_slot, **{"policy_percent": 75, "walk_in_percent": 10, **more}
    )


SPOTS = [
    SpotSpec(
        "QY-GULONGXIA",
        SpotKind.SCENIC,
        ("古龙峡", "古龍峽", "Gulong Gorge"),
        "441803",
        (23.9826, 112.9861),
        settings("09:00", "17:00", 20_000, 8_000, 3_000),
        9_800,
        ("峡谷、瀑布与玻璃桥。", "峽谷、瀑布與玻璃橋。", "A gorge with waterfalls and a glass bridge."),
        fire_season=True,
    ),
    SpotSpec(
        "QY-YINGXI",
        SpotKind.SCENIC,
        ("英西峰林", "英西峰林", "Yingxi Peak Forest"),
        "441881",
        (24.3210, 112.9120),
        settings("08:30", "17:30", 15_000, 5_000, 2_500, booking_required=False),
        6_000,
        ("喀斯特峰林与田园。", "喀斯特峰林與田園。", "Karst peaks among fields."),
    ),
    SpotSpec(
        "QY-LIANZHOU-CAVE",
        SpotKind.SCENIC,
        ("连州地下河", "連州地下河", "Lianzhou Underground River"),
        "441882",
        (24.9420, 112.3630),
        settings("08:30", "17:00", 6_000, 1_200, 800),
        9_800,
        ("乘船游览溶洞地下河。", "乘船遊覽溶洞地下河。", "A boat ride along a river inside a cave."),
    ),
    SpotSpec(
        "QY-MUSEUM",
        SpotKind.MUSEUM,
        ("清远市博物馆", "清遠市博物館", "Qingyuan Museum"),
        "441802",
        (23.6820, 113.0560),
        settings("09:00", "17:00", 3_000, 800, 400),
        0,
        ("免费开放，须预约。", "免費開放，須預約。", "Free entry, by booking."),
    ),
    SpotSpec(
        "GZ-BAIYUN",
        SpotKind.PARK,
        ("白云山", "白雲山", "Baiyun Mountain"),
        "440100",
        (23.1650, 113.2990),
        settings("06:00", "21:00", 100_000, 30_000, 8_000, booking_required=False),
        500,
        ("广州市区的山岳公园。", "廣州市區的山嶽公園。", "A mountain park in the city of Guangzhou."),
        fire_season=True,
    ),
    SpotSpec(
        "SZ-DAPENG",
        SpotKind.SCENIC,
        ("大鹏所城", "大鵬所城", "Dapeng Fortress"),
        "440300",
        (22.5990, 114.5080),
        settings("09:00", "17:30", 8_000, 2_500, 1_000),
        2_000,
        ("明代海防古城。", "明代海防古城。", "A Ming-dynasty coastal fortress."),
        bands=SHENZHEN_BANDS,  # Shenzhen's non-government spots: 65-69 half, 70 and over free
    ),
]


def fire_season(today: dt.date) -> tuple[dt.date, dt.date]:
    """The forest-fire season around ``today`` (1 October to 30 April), or the next one."""
    start_year = today.year if today.month >= 10 else today.year - 1
    if dt.date(start_year + 1, 4, 30) < today:
        start_year += 1
    return dt.date(start_year, 10, 1), dt.date(start_year + 1, 4, 30)


async def load_tourism() -> int:
    """Creates the missing demo spots, sets each demo spot's fair-use rules where they differ (as
    the system, audited), and opens the coming week's days; returns the spots created."""
    created = 0
    today = clock.today_in_china()
    for spec in SPOTS:
        spot = await Spot.get_or_none(code=spec.code)
        if spot is not None and spot.demo:
            await demo_rules(spot)
        if spot is None:
            prices: dict[str, Any] = {"full_cents": spec.full_cents}
            if spec.bands is not None:
                prices["bands"] = spec.bands
            hans, hant, en = spec.names
            spot = await service.create_spot(
                spec.code,
                spec.kind,
                {"zh_Hans": hans, "zh_Hant": hant, "en": en},
                spec.settings,
                region_code=spec.region_code,
                prices=prices,
                intros=dict(zip(("zh_Hans", "zh_Hant", "en"), spec.intro, strict=True)),
                location=spec.location,
                demo=True,
            )
            if spec.fire_season:
                first, last = fire_season(today)
                await Advisory.create(
                    spot_id=spot.id,
                    text_zh_hans="森林防火期：严禁携带火种进山。",
                    text_zh_hant="森林防火期：嚴禁攜帶火種進山。",
                    text_en="Forest-fire season: no fire, lighters or matches on the mountain.",
                    first_day=first,
                    last_day=last,
                )
            await demo_rules(spot)
            created += 1
    await service.open_coming_days()
    return created


async def demo_rules(spot: Spot) -> None:
    """The demo spot's rules (``DEMO_RULES``; none listed: the defaults), set only when they differ."""
    wanted = rules.rules_data(rules.spot_rules(DEMO_RULES.get(spot.code)))
    if spot.rules != wanted:
        await tickets.set_rules(Actor.system(), spot, wanted)
