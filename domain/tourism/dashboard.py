"""A spot's dashboard for its staff: today's sales by channel, the day's limit and the window's share
left, who is inside, and the crowd level over time.

Read-only and computed at read time, like the public board (``occupancy.crowd_board``): the level
now is the board's (the larger of the day sold and the spot inside, on the spot's ladder); the
level over time is the day's ``CrowdChange`` rows, written with each change of the stored level
(gate scans), drawn as steps from the opening to now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.functions import Count

from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import china_midnight
from domain.staff.roles import Role, authorize_any
from domain.tourism import crowd
from domain.tourism.models import CrowdChange, Occupancy, SaleChannel, Spot, SpotDay, Ticket, TicketState
from domain.tourism.occupancy import instant_limit

# Who may read it: the spot's manager, and those who work its window and gates.
READERS = (Role.SPOT_MANAGER, Role.TICKET_SELLER, Role.SCANNER)
# A ticket that took one of the day's places: held for payment, paid, used, or not shown up.
SOLD = (TicketState.HELD, TicketState.CONFIRMED, TicketState.USED, TicketState.NO_SHOW)


@dataclass(frozen=True)
class Point:
    """The level from ``at`` until the next point (a step chart)."""

    at: dt.datetime
    level: crowd.Level
    inside: int
    sold: int


@dataclass(frozen=True)
class Dashboard:
    spot: Spot
    day: dt.date
    sold: dict[SaleChannel, int]  # every channel, 0 where none
    taken: int  # the day's places taken (sold, held included)
    capacity: int  # the day's limit: daily maximum × policy (0: no entries today)
    online_left: int
    walk_in_left: int  # of the share kept for the window, not yet sold
    window_left: int  # what the window can still sell today (its share and the online places)
    booking_required: bool
    inside: int
    limit: int  # instantaneous maximum × policy
    entered: int
    exited: int
    level: crowd.Level
    series: list[Point]


async def dashboard(actor: Actor, spot: Spot) -> Dashboard:
    """Today's figures of ``spot``, for its staff (one of :data:`READERS` for the spot's code)."""
    authorize_any(actor, READERS, spot.code)
    today = clock.today_in_china()
    day = await SpotDay.get_or_none(spot_id=spot.id, day=today)
    row = await Occupancy.get_or_none(spot_id=spot.id, day=today)
    counts = (
        await Ticket.filter(spot_id=spot.id, day=today, state__in=SOLD)
        .annotate(n=Count("id"))
        .group_by("order__channel")
        .values_list("order__channel", "n")
    )
    sold = dict.fromkeys(SaleChannel, 0)
    for channel, n in counts:
        sold[SaleChannel(channel)] = int(n)
    taken, capacity = (day.taken, day.capacity) if day else (0, 0)
    reserved = day.walk_in_reserved if day else 0
    inside, limit = (row.inside, row.limit) if row else (0, instant_limit(spot))
    level = crowd.level_at(crowd.ladder(spot.crowd_ladder), crowd.fullness(taken, capacity, inside, limit))
    changes = await CrowdChange.filter(spot_id=spot.id, day=today).order_by("at", "id")
    return Dashboard(
        spot=spot,
        day=today,
        sold=sold,
        taken=taken,
        capacity=capacity,
        online_left=max(capacity - reserved - taken, 0),
        walk_in_left=min(reserved, max(capacity - taken, 0)),
        window_left=max(capacity - taken, 0),
        booking_required=day.booking_required if day else spot.booking_required,
        inside=inside,
        limit=limit,
        entered=row.entered if row else 0,
        exited=row.exited if row else 0,
        level=level,
        series=series(spot, today, changes, Point(clock.now(), level, inside, taken)),
    )


def series(spot: Spot, day: dt.date, changes: list[CrowdChange], now: Point) -> list[Point]:
    """Steps from the opening (the level the first change left, else the level now) through each
    change to ``now``: a chart draws each level until the next point."""
    opens = (china_midnight(day) + dt.timedelta(minutes=spot.opens_minute)).astimezone(dt.UTC)
    first = crowd.Level(changes[0].level_from) if changes else now.level
    points = [Point(min(opens, changes[0].at if changes else opens), first, 0, 0)]
    points += [Point(c.at.astimezone(dt.UTC), crowd.Level(c.level_to), c.inside, c.sold) for c in changes]
    if now.at > points[-1].at:
        points.append(Point(now.at.astimezone(dt.UTC), now.level, now.inside, now.sold))
    return points
