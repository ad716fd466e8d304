"""China time in one place (domain.shared.clock): the fixed offset, China dates and midnights."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from domain.shared import clock


def test_the_fixed_offset_is_asia_shanghai_since_its_last_summer_time() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    instant = dt.datetime(1991, 9, 16, tzinfo=dt.UTC)  # the day after the 1991 summer time ended
    while instant.year < 2100:
        assert instant.astimezone(shanghai).utcoffset() == clock.CHINA.utcoffset(instant)
        instant += dt.timedelta(days=13, hours=5)  # every season, every hour of the day over the years
    # Before that, China kept summer time: the fixed offset is not meant for such instants.
    assert dt.datetime(1991, 7, 1, tzinfo=shanghai).utcoffset() == dt.timedelta(hours=9)


def test_a_china_day_begins_at_16_utc_the_evening_before() -> None:
    late_evening_utc = dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)

    assert clock.china_day(late_evening_utc) == dt.date(2026, 3, 2)
    assert clock.china_day(late_evening_utc - dt.timedelta(microseconds=1)) == dt.date(2026, 3, 1)
    assert clock.china_midnight(dt.date(2026, 3, 2)) == late_evening_utc
    assert clock.china_midnight(dt.date(2026, 3, 2)).tzinfo == dt.UTC
    with clock.frozen_at(late_evening_utc):
        assert clock.today_in_china() == dt.date(2026, 3, 2)


def test_a_process_offset_moves_now_and_a_test_shift_still_adds_to_it() -> None:
    wall = dt.datetime.now(dt.UTC)
    try:
        clock.set_offset(dt.timedelta(hours=-10))
        assert abs(clock.now() - (wall - dt.timedelta(hours=10))) < dt.timedelta(seconds=5)
        with clock.shifted(dt.timedelta(minutes=16)):  # a test's block on top of the process's clock
            assert abs(clock.now() - (wall - dt.timedelta(hours=10, minutes=-16))) < dt.timedelta(seconds=5)
        clock.set_offset(dt.timedelta(hours=-10))  # set, not added: installing again changes nothing
        assert abs(clock.now() - (wall - dt.timedelta(hours=10))) < dt.timedelta(seconds=5)
    finally:
        clock.set_offset(dt.timedelta(0))
    assert abs(clock.now() - wall) < dt.timedelta(seconds=5)
