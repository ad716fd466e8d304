"""The one clock, and China time. Domain code asks ``now()``; tests move it with ``frozen_at``
(or ``shifted``); a sandbox process may run on a clock set apart from the wall (``set_offset``).

Instants are stored in UTC; days are counted in China (a booking's day, a case's working days, a
certificate's validity, a birthday, the provider's statement day), so the China zone and its dates
are defined here once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone

# China has kept UTC+8 all year since its last summer time ended in September 1991, so a fixed
# offset is exact for every instant the platform handles (Asia/Shanghai differs only before then)
# and needs no tz database in the container.
CHINA = timezone(timedelta(hours=8), "CST")

_process_offset = timedelta(0)  # set_offset: the whole process, from start-up
_offset = timedelta(0)  # shifted: a test's block, on top of the process's
_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC) + _process_offset + _offset


def set_offset(by: timedelta) -> None:
    """Run this whole process ``by`` away from the wall clock, from now on (``timedelta(0)``: the
    wall clock again). Called once at start-up (``server.wiring.install``, ``server.cli``) from the
    setting ``sandbox_clock_shift_minutes``, which only a dev or test sandbox accepts.

    It exists for the sandbox's browser flows: the demo days (a scenic spot's entry slots, a hall's
    hours) run in China business hours, and a flow that admits a ticket at a gate needs a slot of
    today still to come, whatever the hour CI runs at. The server, its worker and the demo seed
    then share one shifted clock (every process gets the same setting); a shift that keeps the
    China date keeps the browser's date and the server's in agreement. ``shifted`` and
    ``frozen_at`` still work on top of it."""
    global _process_offset
    _process_offset = by


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    global _frozen
    previous, _frozen = _frozen, instant
    try:
        yield
    finally:
        _frozen = previous


@contextmanager
def shifted(by: timedelta) -> Iterator[None]:
    """Run as if ``by`` had passed: for expiry rules that Redis TTLs do not cover."""
    global _offset
    previous, _offset = _offset, _offset + by
    try:
        yield
    finally:
        _offset = previous


def china_day(instant: datetime) -> date:
    """The date in China at ``instant`` (timezone-aware)."""
    return instant.astimezone(CHINA).date()


def today_in_china() -> date:
    """Today's date in China, by :func:`now`."""
    return china_day(now())


def china_midnight(day: date) -> datetime:
    """The instant ``day`` begins in China, in UTC as instants are stored."""
    return datetime.combine(day, time(0, 0), CHINA).astimezone(UTC)
