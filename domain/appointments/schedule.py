"""A service's weekly pattern of opening periods, turned into capacity slots on working days.

Written in China time: ``{"periods": [["09:00", "12:00"], ["14:00", "17:30"]], "slot_minutes": 30,
"places": 10}``; the gaps between periods are the breaks. Slots are generated only on Chinese
working days (chinese-calendar, make-up Saturdays included, holidays excluded), so a holiday has
no slot to book, unless the schedule says ``"every_day": true`` (a 24-hour self-service area).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.shared.clock import CHINA


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    periods: list[tuple[dt.time, dt.time]] = Field(min_length=1, max_length=8)
    slot_minutes: int = Field(ge=5, le=480)
    places: int | None = Field(ge=0, le=100_000, description="per slot; null: unlimited")
    # Open on every day, holidays included (a 24-hour self-service area); otherwise working days only.
    every_day: bool = False

    @field_validator("periods")
    @classmethod
    def _ordered(cls, value: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
        for (start, end), following in zip(value, [*value[1:], None], strict=True):
            if end <= start or (following is not None and following[0] < end):
                raise ValueError("periods must be in order and must not overlap")
        return value

    def slots_on(self, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The (start, end) of each slot on ``day``, aware in China time."""
        step = dt.timedelta(minutes=self.slot_minutes)
        for start, end in self.periods:
            at = dt.datetime.combine(day, start, CHINA)
            close = dt.datetime.combine(day, end, CHINA)
            while at + step <= close:
                yield at, at + step
                at += step


def schedule_of(raw: dict[str, Any]) -> Schedule:
    return Schedule.model_validate(raw)
