"""Working days: chinese-calendar holidays and make-up days, overrides, the fallback for unknown years."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.shared.actor import Actor
from domain.workdays import service
from domain.workdays.models import HolidayOverride
from domain.workdays.service import WorkCalendar

D = dt.date
ADMIN = Actor(kind="staff", id=1, roles=frozenset({"admin"}), scopes=frozenset({"*"}))


def test_spring_festival_2026_is_skipped_and_its_make_up_saturdays_count() -> None:
    cal = WorkCalendar()
    # State Council notice for 2026: holiday Sun 15 Feb – Mon 23 Feb; Sat 14 Feb and Sat 28 Feb are workdays.
    assert cal.is_workday(D(2026, 2, 14))  # a make-up Saturday
    assert not any(cal.is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert cal.is_workday(D(2026, 2, 24))
    assert cal.is_workday(D(2026, 2, 28))  # the second make-up Saturday
    # Friday 13 Feb + 1 working day is the make-up Saturday, + 2 jumps the whole holiday.
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert cal.working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2


def test_ten_working_days_from_before_the_festival_end_after_the_make_up_saturday() -> None:
    cal = WorkCalendar()
    # 12 Feb (Thu): 13, 14(Sat), 24, 25, 26, 27, 28(Sat), 2 Mar, 3 Mar, 4 Mar.
    assert cal.add_working_days(D(2026, 2, 12), 10) == D(2026, 3, 4)
    assert cal.add_working_days(D(2026, 2, 12), 0) == D(2026, 2, 12)


def test_an_ordinary_weekend_is_not_worked() -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 23)  # Friday → Monday


def test_an_unknown_year_falls_back_to_weekdays_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[tuple[Any, ...]] = []
    # Recorded directly: the app's logging set-up stops palmcity loggers from propagating to caplog.
    monkeypatch.setattr(service.log, "warning", lambda *args, **kwargs: warnings.append((args, kwargs)))
    service._warned_years.discard(2027)
    cal = WorkCalendar()
    assert cal.is_workday(D(2027, 1, 1))  # New Year's Day, but the 2027 notice is not known
    assert not cal.is_workday(D(2027, 1, 2))  # Saturday
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert len(warnings) == 1  # once per year, not once per day
    assert warnings[0][1]["extra"] == {"year": 2027}


async def test_an_override_beats_the_fallback_and_makes_the_year_known(db: str) -> None:
    assert not await service.calendar_known(2027)
    assert await service.calendar_known(2026)
    await service.set_override(ADMIN, D(2027, 1, 1), is_workday=False, note="元旦")

    assert not await service.is_workday(D(2027, 1, 1))
    assert await service.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert await service.working_days_between(D(2026, 12, 31), D(2027, 1, 4)) == 1
    assert await service.calendar_known(2027)
    row = await HolidayOverride.get(date=D(2027, 1, 1))
    assert row.note == "元旦" and row.is_workday is False


async def test_an_override_can_also_correct_a_known_year(db: str) -> None:
    await service.set_override(ADMIN, D(2026, 11, 23), is_workday=False, note="typhoon closure")
    await service.set_override(ADMIN, D(2026, 11, 23), is_workday=False, note="typhoon closure, confirmed")
    assert await service.add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 24)
    assert await HolidayOverride.filter(date=D(2026, 11, 23)).count() == 1


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(D(2026, 1, 5), -1)
