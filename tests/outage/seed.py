"""``python -m tests.outage.seed``: the hall and service the outage tests book, on the server's database.

Run in a process of its own (the test process's Tortoise serves the shared test database), with
the server's environment; prints ``{"service_id", "slot_id"}`` of a slot no load can sell out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from tortoise import Tortoise

from domain.appointments import setup
from domain.appointments.models import SiteKind
from domain.capacity.models import CapacitySlot
from domain.shared import clock
from server.db import tortoise_config
from server.settings import Settings


def _name(text: str) -> dict[str, str]:
    return {"zh_Hans": text, "zh_Hant": text, "en": text}


async def seed() -> dict[str, int]:
    await Tortoise.init(config=tortoise_config(Settings().database_url))
    try:
        site = await setup.create_site(
            "OUTAGE-HALL", SiteKind.HALL, _name("停机大厅"), region_code="441800", department_code="outage"
        )
        service = await setup.create_service(
            site,
            "outage",
            _name("停机演练"),
            business_type="B",
            schedule={"periods": [["09:00", "09:30"]], "slot_minutes": 30, "places": None},
        )
        await setup.generate_slots(service, clock.china_day(clock.now()) + dt.timedelta(days=1), 7)
        slots = CapacitySlot.filter(resource_id=service.capacity_resource_id)
        slot = await slots.order_by("starts_at").first()
        assert slot is not None, "no working day in the next week"
        return {"service_id": service.id, "slot_id": slot.id}
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed())))
