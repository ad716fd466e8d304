"""What residents browse before booking: sites, their services, and a service's slots of a day."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.appointments.errors import ServiceNotFound, SiteNotFound
from domain.appointments.models import Service, Site, SiteKind
from domain.capacity import service as capacity
from domain.capacity.gate import generation_key
from domain.capacity.service import Availability
from domain.capacity.views import AvailabilityViews
from domain.shared.clock import CHINA
from domain.shared.kv import Keys
from domain.shared.labels import Names


async def sites(kind: str | None = None) -> list[Site]:
    query = Site.all()
    if kind is not None:
        if kind not in {k.value for k in SiteKind}:
            return []
        query = query.filter(kind=kind)
    return await query.order_by("code")


@dataclass(frozen=True)
class Nearby:
    site: Site
    distance_m: int | None  # None: no position given, or the site has no location


async def nearby(
    position: tuple[float, float] | None, kind: str | None = None, limit: int = 10
) -> list[Nearby]:
    """Sites nearest ``position`` (latitude, longitude) first, those without a location last; without
    a position, by name (a device that may not tell where it is still gets a list)."""
    found = await sites(kind)
    if position is None:
        return [Nearby(s, None) for s in sorted(found, key=lambda s: (s.name_zh_hans, s.code))][:limit]
    located = [Nearby(s, _metres(position, (s.latitude, s.longitude))) for s in found]
    far = 1 << 62
    return sorted(located, key=lambda n: (far if n.distance_m is None else n.distance_m, n.site.code))[:limit]


def _metres(a: tuple[float, float], b: tuple[float | None, float | None]) -> int | None:
    """Great-circle distance (haversine, the Earth as a sphere of its mean radius): for order, not routes."""
    if b[0] is None or b[1] is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h))))


async def site_labels(codes: set[str]) -> dict[str, Names]:
    """Site code → its names, for the codes that are sites (a staff scope, a place a card was used)."""
    return {s.code: Names.of(s) for s in await Site.filter(code__in=sorted(codes))} if codes else {}


async def site_with_services(code: str) -> tuple[Site, list[Service]]:
    site = await Site.get_or_none(code=code[:64])
    if site is None:
        raise SiteNotFound()
    return site, await Service.filter(site_id=site.id).order_by("code")


async def slots_view(
    views: AvailabilityViews,
    service_id: int,
    day: dt.date,
    render: Callable[[Availability], dict[str, Any]],
    *,
    generations: Mapping[str, str | None] | None = None,
) -> str:
    """The JSON text of a service's slots on China date ``day``, from the availability cache.

    ``generations``: Redis keys read already (``server.guards``'s ``redis_reads``) → their values;
    the resource's generation is taken from there when it was read (see :func:`redis_reads`).
    """
    resource_id = await _resource_of(views, service_id)
    start = dt.datetime.combine(day, dt.time(0, 0), CHINA)

    async def build() -> dict[str, Any]:
        found = await capacity.availability(resource_id, start, start + dt.timedelta(days=1))
        return {"service_id": service_id, "date": day.isoformat(), "slots": [render(a) for a in found]}

    read = generations.get(generation_key(views.gate.keys, resource_id)) if generations else None
    return await views.day(resource_id, day, build, generation=read)


def redis_reads(keys: Keys, service_id: int) -> list[str]:
    """What a read of the service's slots asks Redis first: its resource's availability generation,
    once this worker knows the resource (after its first read of the service), else nothing."""
    resource_id = _resources.get((keys.prefix, service_id))
    return [] if resource_id is None else [generation_key(keys, resource_id)]


# (Redis prefix, service id) → its capacity resource id, which never changes once a service exists:
# a cached read of availability asks the database nothing.
_resources: dict[tuple[str, int], int] = {}


async def _resource_of(views: AvailabilityViews, service_id: int) -> int:
    cached = _resources.get((views.gate.keys.prefix, service_id))
    if cached is not None:
        return cached
    service = await Service.get_or_none(id=service_id) if 0 < service_id < 2**63 else None
    if service is None:
        raise ServiceNotFound()
    if len(_resources) > 10_000:
        _resources.clear()
    resource_id = int(service.capacity_resource_id)
    _resources[(views.gate.keys.prefix, service_id)] = resource_id
    return resource_id
