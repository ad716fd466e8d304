"""Crowd levels: how full a spot is today, from what is sold and who is inside, on a ladder per spot.

The ladder is data (``Spot.crowd_ladder``: ``[[percent, level], …]`` from the lowest step); the
default follows the warning ladders of next-modules §2 (LB/T 034-2014 asks spots to warn and divert
before their maximum): comfortable below 80 %, yellow from 80 %, orange from 90 %, red from 100 %.
Red stops selling (``SpotDay.stop_selling``, read by ``service.take_entry``). The fullness is the
larger of the day's share sold (``SpotDay.taken / capacity``) and the share inside
(``Occupancy.inside / limit``): either alone can crowd a spot.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from domain.shared.i18n import _
from domain.tourism.errors import CrowdLadderInvalid


class Level(StrEnum):
    COMFORTABLE = "comfortable"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


ORDER = list(Level)
LABELS = {
    Level.COMFORTABLE: _("comfortable"),
    Level.YELLOW: _("busy (yellow)"),
    Level.ORANGE: _("very busy (orange)"),
    Level.RED: _("full (red): no more entries sold today"),
}
DEFAULT_LADDER: tuple[tuple[int, Level], ...] = ((80, Level.YELLOW), (90, Level.ORANGE), (100, Level.RED))


def ladder(data: Sequence[object] | None) -> tuple[tuple[int, Level], ...]:
    """The spot's ladder from its data (empty: the default); steps rise in percent and in level,
    and red must be among them (red is what stops selling)."""
    if not data:
        return DEFAULT_LADDER
    try:
        steps = tuple(_step(step) for step in data)
    except (TypeError, ValueError) as exc:
        raise CrowdLadderInvalid() from exc
    percents = [p for p, _ in steps]
    ranks = [ORDER.index(level) for _, level in steps]
    if (
        percents != sorted(set(percents))
        or ranks != sorted(set(ranks))
        or percents[0] <= 0
        or percents[-1] > 100  # fullness never passes 100 %: a step above it would never be reached
        or steps[-1][1] != Level.RED
        or ranks[0] == 0  # comfortable is what lies below the first step
    ):
        raise CrowdLadderInvalid()
    return steps


def _step(step: object) -> tuple[int, Level]:
    if not isinstance(step, list | tuple) or len(step) != 2:
        raise ValueError(step)
    return int(step[0]), Level(step[1])


def fullness(sold: int, capacity: int, inside: int, limit: int) -> int:
    """Whole percent, the larger of the day sold and the spot inside (rounded down: a level is
    reached when its percent is, not before)."""
    shares = [100 * part // whole for part, whole in ((sold, capacity), (inside, limit)) if whole > 0]
    return max(shares, default=0)


def level_at(steps: Sequence[tuple[int, Level]], percent: int) -> Level:
    reached = [level for threshold, level in steps if percent >= threshold]
    return reached[-1] if reached else Level.COMFORTABLE
