"""Chinese working days: holiday overrides first, then chinese-calendar, then plain weekends.

chinese-calendar ships the State Council's notices up to its release (2026 today) and raises
``NotImplementedError`` for later years. An administrator enters the next year's notice as
``HolidayOverride`` rows; until then an unknown year falls back to Monday–Friday with a logged
warning, and ``calendar_known(year)`` lets a staff report say that its dates are provisional.

The arithmetic runs on a :class:`WorkCalendar` (pure, no I/O) built once per request from the
overrides in the span it needs, so a deadline over months costs one query.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import chinese_calendar
from tortoise.transactions import in_transaction

from domain.audit import service as audit
from domain.shared.actor import Actor
from domain.workdays.models import HolidayOverride

log = logging.getLogger("palmcity.workdays")

# Longest stretch a working-day count may walk: 10 years of days. A limit beyond it is a bug.
_MAX_SPAN_DAYS = 3660
_warned_years: set[int] = set()


def library_knows(year: int) -> bool:
    """Whether chinese-calendar holds the holiday notice of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _library_is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "no holiday data for this year: counting Monday to Friday as working days",
                extra={"year": day.year},
            )
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    """Working-day arithmetic over a fixed set of overrides."""

    overrides: dict[dt.date, bool] = field(default_factory=dict)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _library_is_workday(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted); ``start`` for 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        day, left = start, n
        for _step in range(_MAX_SPAN_DAYS):
            if left == 0:
                return day
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        raise ValueError(f"{n} working days exceed the supported span")

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in ``(a, b]``; negative when ``b`` is before ``a``."""
        if b < a:
            return -self.working_days_between(b, a)
        if (b - a).days > _MAX_SPAN_DAYS:
            raise ValueError("span too long")
        return sum(1 for i in range(1, (b - a).days + 1) if self.is_workday(a + dt.timedelta(days=i)))


async def calendar_for(start: dt.date, end: dt.date) -> WorkCalendar:
    """A calendar holding the overrides between ``start`` and ``end`` (inclusive)."""
    rows = await HolidayOverride.filter(date__gte=start, date__lte=end)
    return WorkCalendar({row.date: row.is_workday for row in rows})


async def calendar_around(day: dt.date, *, days_after: int = 400) -> WorkCalendar:
    """A calendar good for limits counted from ``day`` (a year and a bit ahead, a year back)."""
    return await calendar_for(day - dt.timedelta(days=400), day + dt.timedelta(days=days_after))


async def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day in mainland China."""
    return (await calendar_for(day, day)).is_workday(day)


async def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start``."""
    # Three calendar days per working day plus a month covers the longest holidays and weekends.
    return (await calendar_for(start, start + dt.timedelta(days=n * 3 + 30))).add_working_days(start, n)


async def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in ``(a, b]``."""
    return (await calendar_for(min(a, b), max(a, b))).working_days_between(a, b)


async def calendar_known(year: int) -> bool:
    """Whether ``year``'s holidays are known: from chinese-calendar or from entered overrides."""
    if library_knows(year):
        return True
    return await HolidayOverride.filter(
        date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
    ).exists()


async def set_override(actor: Actor, day: dt.date, *, is_workday: bool, note: str = "") -> HolidayOverride:
    """Record ``day`` as a working day or a holiday (the yearly notice), audited."""
    async with in_transaction() as conn:
        existing = await HolidayOverride.filter(date=day).using_db(conn).first()
        before = None if existing is None else {"is_workday": existing.is_workday, "note": existing.note}
        if existing is None:
            row = await HolidayOverride.create(date=day, is_workday=is_workday, note=note, using_db=conn)
        else:
            existing.is_workday, existing.note = is_workday, note
            await existing.save(using_db=conn)
            row = existing
        await audit.record(
            actor,
            "workdays.override_set",
            target_type="holiday_override",
            target_id=day.isoformat(),
            before=before,
            after={"is_workday": is_workday, "note": note},
            using_db=conn,
        )
    return row
