"""Live occupancy: entry and exit scans at any number of a spot's gates, never above its
instantaneous limit, and the crowd level they move.

One :class:`Occupancy` row per spot and day is moved by conditional UPDATEs, as the capacity
engine takes a slot: an entry only while ``inside < limit`` (at the limit "one out, one in": the
entry is refused with ``spot_at_instant_max`` until an exit), an exit only while ``inside > 0``.
Concurrent gates serialise on that row; the CHECK of migration 0017 is the last guard. The level
is recomputed in the same transaction; a change is written once (conditional on the level read)
and announced through the outbox (``tourism.crowd_changed``, handled in ``jobs.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.audit.service import record
from domain.outbox.service import enqueue
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.roles import Role, authorize
from domain.tourism import crowd, service
from domain.tourism.errors import SpotAtInstantMax
from domain.tourism.models import CrowdChange, CrowdSubscription, Occupancy, Spot, SpotDay

CROWD_CHANGED_TOPIC = "tourism.crowd_changed"
DIVERSIONS = 3  # nearby spots suggested beside a crowded one
EARTH_RADIUS_KM = 6371.0


def instant_limit(spot: Spot) -> int:
    """The instantaneous maximum under the spot's policy cap (at least one)."""
    return max(int(spot.instant_max) * int(spot.policy_percent) // 100, 1)


async def occupancy_of(spot: Spot, day: dt.date) -> Occupancy:
    """The spot's row for ``day``, made on the first scan (two gates making it at once: one wins).

    Also inside a caller's transaction (a ticket's scan): the insert runs in its own savepoint
    there, so the losing gate's unique violation does not abort the caller's transaction."""
    found = await Occupancy.get_or_none(spot_id=spot.id, day=day)
    if found is not None:
        return found
    try:
        async with in_transaction():
            return await Occupancy.create(spot_id=spot.id, day=day, limit=instant_limit(spot))
    except IntegrityError:
        return await Occupancy.get(spot_id=spot.id, day=day)


@dataclass(frozen=True)
class Count:
    inside: int
    limit: int
    level: crowd.Level
    counted: bool  # False: an exit with nobody inside, not counted


async def _relevel(conn: BaseDBAsyncClient, actor: Actor, spot: Spot, row_id: int) -> tuple[crowd.Level, int]:
    """The level and who is inside, from the row as this transaction now sees it; a change of
    level written and announced once."""
    row = await Occupancy.filter(id=row_id).using_db(conn).get()
    day = await SpotDay.filter(spot_id=spot.id, day=row.day).using_db(conn).first()
    sold, capacity = (day.taken, day.capacity) if day else (0, 0)
    level = crowd.level_at(
        crowd.ladder(spot.crowd_ladder), crowd.fullness(sold, capacity, row.inside, row.limit)
    )
    if level == row.level:
        return level, row.inside
    if await Occupancy.filter(id=row.id, level=row.level).using_db(conn).update(level=level.value):
        if day is not None:
            await SpotDay.filter(id=day.id).using_db(conn).update(stop_selling=level == crowd.Level.RED)
        await record(
            actor,
            "tourism.crowd_level_changed",
            target_type="spot",
            target_id=spot.id,
            before={"level": row.level, "day": row.day.isoformat()},
            after={"level": level.value, "inside": row.inside, "sold": sold},
            using_db=conn,
        )
        # The dashboard's level over time: one row a change, written with it.
        await CrowdChange.create(
            spot_id=spot.id,
            day=row.day,
            at=clock.now(),
            level_from=row.level,
            level_to=level.value,
            inside=row.inside,
            sold=sold,
            using_db=conn,
        )
        await enqueue(
            CROWD_CHANGED_TOPIC,
            {"spot_id": spot.id, "day": row.day.isoformat(), "from": row.level, "to": level.value},
            using_db=conn,
        )
    return level, row.inside


async def relevel(conn: BaseDBAsyncClient, actor: Actor, spot: Spot, row: Occupancy) -> crowd.Level:
    """The level again after the spot's limits or ladder changed (``domain.tourism.manage``), in
    the caller's transaction: a change is written and announced as a scan's is."""
    level, _inside = await _relevel(conn, actor, spot, row.id)
    return level


async def enter(conn: BaseDBAsyncClient, actor: Actor, spot: Spot, row: Occupancy) -> Count:
    """One entry counted in the caller's transaction (a gate's scan, or a ticket admitted with it):
    at the limit refused with ``spot_at_instant_max``, which rolls the caller's work back too."""
    moved = await (
        Occupancy.filter(id=row.id, inside__lt=F("limit"))
        .using_db(conn)
        .update(inside=F("inside") + 1, entered=F("entered") + 1)
    )
    if not moved:
        raise SpotAtInstantMax(details={"limit": row.limit})
    return await _counted(conn, actor, spot, row, counted=True)


async def leave(conn: BaseDBAsyncClient, actor: Actor, spot: Spot, row: Occupancy) -> Count:
    """One exit counted in the caller's transaction; with nobody inside, nothing changes."""
    moved = await (
        Occupancy.filter(id=row.id, inside__gt=0)
        .using_db(conn)
        .update(inside=F("inside") - 1, exited=F("exited") + 1)
    )
    return await _counted(conn, actor, spot, row, counted=bool(moved))


async def entered_earlier(conn: BaseDBAsyncClient, row: Occupancy) -> Count:
    """An entry a gate admitted offline, uploaded later: counted among the day's entries, not
    inside (who is inside now is not known, and the limit was the gate's to keep then)."""
    await Occupancy.filter(id=row.id).using_db(conn).update(entered=F("entered") + 1)
    now = await Occupancy.filter(id=row.id).using_db(conn).get()
    return Count(now.inside, now.limit, crowd.Level(now.level), counted=True)


async def _counted(
    conn: BaseDBAsyncClient, actor: Actor, spot: Spot, row: Occupancy, *, counted: bool
) -> Count:
    level, inside = await _relevel(conn, actor, spot, row.id)
    return Count(inside, row.limit, level, counted)


async def scan(actor: Actor, spot: Spot, *, entering: bool) -> Count:
    """An entry or exit scan at one of the spot's gates, by staff with the ``scanner`` role for the
    spot (its code is the scope). Refuses an entry at the limit with ``spot_at_instant_max``."""
    authorize(actor, Role.SCANNER, spot.code)
    row = await occupancy_of(spot, clock.today_in_china())
    async with in_transaction() as conn:
        return await (enter if entering else leave)(conn, actor, spot, row)


async def subscribe(user_id: int, spot: Spot) -> CrowdSubscription:
    """A resident asks to be told when the spot's crowd level changes (asking again changes nothing)."""
    try:
        found, _ = await CrowdSubscription.get_or_create(
            spot_id=spot.id, user_id=user_id, defaults={"created_at": clock.now()}
        )
    except IntegrityError:  # the same resident twice at once
        found = await CrowdSubscription.get(spot_id=spot.id, user_id=user_id)
    return found


# -- the public crowd board ------------------------------------------------------------------------


@dataclass(frozen=True)
class SpotCrowd:
    spot: Spot
    level: crowd.Level
    inside: int
    limit: int
    sold: int  # today's entries sold (held or confirmed)
    capacity: int  # today's day limit (0: the spot takes no entries today)
    diversions: list[tuple[Spot, crowd.Level, float]]  # nearby spots with a lower level, km, nearest first


def distance_km(a: Spot, b: Spot) -> float | None:
    """Great-circle distance between two spots, None when either has no location."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lon1, lat2, lon2 = (math.radians(x) for x in (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


async def crowd_board(region_code: str | None = None) -> list[SpotCrowd]:
    """Every spot's level now (of a region and those under it), from today's sales and who is
    inside, with up to ``DIVERSIONS`` nearby spots of a lower level (within the same region)."""
    today = clock.today_in_china()
    found = await service.spots(region_code)
    rows = {o.spot_id: o for o in await Occupancy.filter(spot_id__in=[s.id for s, _ in found], day=today)}
    levels: list[tuple[Spot, crowd.Level, int, int, int, int]] = []
    for spot, day in found:
        row = rows.get(spot.id)
        inside, limit = (row.inside, row.limit) if row else (0, instant_limit(spot))
        sold, capacity = (day.taken, day.capacity) if day else (0, 0)
        level = crowd.level_at(crowd.ladder(spot.crowd_ladder), crowd.fullness(sold, capacity, inside, limit))
        levels.append((spot, level, inside, limit, sold, capacity))
    board = []
    for spot, level, inside, limit, sold, capacity in levels:
        rank = crowd.ORDER.index(level)
        near = [
            (other, other_level, km)
            for other, other_level, *_ in levels
            if crowd.ORDER.index(other_level) < rank and (km := distance_km(spot, other)) is not None
        ]
        near.sort(key=lambda n: n[2])
        board.append(SpotCrowd(spot, level, inside, limit, sold, capacity, near[:DIVERSIONS]))
    return board
