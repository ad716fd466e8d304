"""Demo data for ``make run``: regions, departments, staff accounts and sandbox residents.

Loading is idempotent (rows are matched by their natural keys), so ``make run`` can load it on
every start. Later modules add their own ``load_*`` step to ``load_all``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from domain.org.models import Department, Region, RegionLevel

log = logging.getLogger("palmcity.demo")
DATA = Path(__file__).with_name("regions.json")


async def load_regions() -> int:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for code, hans, hant, en, level, parent, gba in data["regions"]:
        await Region.update_or_create(
            code=code,
            defaults={
                "name_zh_hans": hans,
                "name_zh_hant": hant,
                "name_en": en,
                "level": RegionLevel(level),
                "parent_id": parent,
                "greater_bay_area": gba,
            },
        )
    for code, hans, hant, en, region in data["departments"]:
        await Department.update_or_create(
            code=code,
            defaults={"name_zh_hans": hans, "name_zh_hant": hant, "name_en": en, "region_id": region},
        )
    return len(data["regions"]) + len(data["departments"])


async def load_all() -> None:
    loaded = await load_regions()
    log.info("demo data loaded", extra={"rows": loaded})
