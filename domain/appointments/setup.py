"""Sites, their bookable services, and the slots their schedules generate on working days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from domain.appointments.errors import ScheduleInvalid, SiteNotFound
from domain.appointments.models import Service, Site, SiteKind
from domain.appointments.rules import rules_of
from domain.appointments.schedule import schedule_of
from domain.capacity import service as capacity
from domain.capacity.models import CapacityResource, CapacitySlot, ResourceKind
from domain.shared import clock
from domain.shared.clock import china_day, china_midnight
from domain.workdays.service import calendar_for

RESOURCE_KINDS = {SiteKind.HALL: ResourceKind.COUNTER, SiteKind.HOSPITAL: ResourceKind.HOSPITAL}
# The capacity owner of every service's resource (``domain.capacity.owners``; registered in jobs.py).
CAPACITY_OWNER = "appointment"


def names(value: dict[str, str]) -> dict[str, str]:
    return {"name_zh_hans": value["zh_Hans"], "name_zh_hant": value["zh_Hant"], "name_en": value["en"]}


async def create_site(
    code: str,
    kind: SiteKind,
    name: dict[str, str],
    *,
    region_code: str,
    department_code: str,
    address: str = "",
    location: tuple[float, float] | None = None,
) -> Site:
    """A site; ``location`` is its (latitude, longitude), for the nearest-first list."""
    latitude, longitude = location or (None, None)
    site = Site(
        code=code,
        kind=kind,
        region_code=region_code,
        department_code=department_code,
        address=address,
        latitude=latitude,
        longitude=longitude,
    )
    site.name_zh_hans, site.name_zh_hant, site.name_en = name["zh_Hans"], name["zh_Hant"], name["en"]
    await site.save()
    return site


async def create_service(
    site: Site,
    code: str,
    name: dict[str, str],
    *,
    business_type: str,
    schedule: dict[str, Any],
    rules: dict[str, Any] | None = None,
    fee_fen: int = 0,
    department: dict[str, str] | None = None,
    doctor_title: dict[str, str] | None = None,
    item_codes: list[str] | None = None,
    avg_service_minutes: int = 10,
    walk_in_percent: int = 0,
) -> Service:
    """A bookable line at ``site`` with its capacity resource; the schedule and rules are checked."""
    try:
        schedule_of(schedule)
        rules_of(rules)
    except ValidationError as exc:
        raise ScheduleInvalid(details={"errors": [e["msg"] for e in exc.errors()][:5]}) from exc
    async with in_transaction() as conn:
        resource = await capacity.create_resource(
            f"appointments:{site.code}:{code}",
            RESOURCE_KINDS[site.kind],
            owner=CAPACITY_OWNER,
            scope=site.code,
            walk_in_percent=walk_in_percent,
            using_db=conn,
        )
        return await Service.create(
            site_id=site.id,
            code=code,
            business_type=business_type,
            schedule=schedule,
            rules=rules or {},
            fee_fen=fee_fen,
            department=department,
            doctor_title=doctor_title,
            item_codes=item_codes or [],
            avg_service_minutes=avg_service_minutes,
            capacity_resource_id=resource.id,
            using_db=conn,
            **names(name),
        )


async def generate_slots(service: Service, first_day: dt.date, days: int) -> int:
    """Slots for the working days in [first_day, first_day + days); existing ones are kept as they
    are (their bookings and overrides). Returns how many were added."""
    schedule = schedule_of(service.schedule)
    resource = await CapacityResource.get(id=service.capacity_resource_id)
    last_day = first_day + dt.timedelta(days=days - 1)
    calendar = await calendar_for(first_day, last_day)
    # By the time each slot was planned for, not where it is now: a moved slot's old time stays free.
    since = china_midnight(first_day)
    rows = await CapacitySlot.filter(
        Q(starts_at__gte=since) | Q(planned_at__gte=since), resource_id=resource.id
    ).values_list("planned_at", "starts_at")
    existing = {planned or starts for planned, starts in rows}
    added = 0
    day = first_day
    while day <= last_day:
        if schedule.every_day or calendar.is_workday(day):
            for start, end in schedule.slots_on(day):
                if start.astimezone(dt.UTC) not in existing:
                    await capacity.add_slot(
                        resource, starts_at=start, ends_at=end, max_places=schedule.places
                    )
                    added += 1
        day += dt.timedelta(days=1)
    return added


async def site_by_code(code: str) -> Site:
    found = await Site.get_or_none(code=code)
    if found is None:
        raise SiteNotFound()
    return found


async def generate_all(today: dt.date | None = None) -> int:
    """Slots for every service from today to the end of its booking window; returns how many."""
    first = today or china_day(clock.now())
    added = 0
    for service in await Service.all():
        added += await generate_slots(service, first, rules_of(service.rules).window_days + 1)
    return added
