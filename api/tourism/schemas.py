"""Bodies of the tourism API: spots as their pages and lists show them, a day's slots, a price."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api._labels import LabelText
from api.appointments.schemas import SlotOut, slot_view
from domain.tourism import eligibility, pricing
from domain.tourism.models import Advisory, Spot, SpotDay
from domain.tourism.service import DayView, day_left


def clock_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class TodayOut(BaseModel):
    booking_required: bool
    capacity: int = Field(
        description="Entries bookable online today (daily maximum × policy − walk-in share)."
    )
    left: int


class SpotOut(BaseModel):
    code: str
    kind: str
    name: str
    region_code: str
    latitude: float | None
    longitude: float | None
    opens: str = Field(description="China time, HH:MM.")
    closes: str
    daily_max: int = Field(description="The published daily maximum (日最大承载量).")
    instant_max: int = Field(description="The published instantaneous maximum (瞬时最大承载量).")
    policy_percent: int = Field(description="The share of either maximum that is sold (e.g. 75).")
    from_cents: int = Field(description="The full price, in fen.")
    demo: bool = Field(description="Demo data, not the real spot's figures.")
    today: TodayOut | None = Field(description="Null: the spot takes no entries today.")

    @classmethod
    def of(cls, spot: Spot, today: SpotDay | None, locale: str) -> SpotOut:
        return cls(
            code=spot.code,
            kind=spot.kind.value,
            name=spot.name_in(locale),
            region_code=spot.region_code,
            latitude=spot.latitude,
            longitude=spot.longitude,
            opens=clock_time(spot.opens_minute),
            closes=clock_time(spot.closes_minute),
            daily_max=spot.daily_max,
            instant_max=spot.instant_max,
            policy_percent=spot.policy_percent,
            from_cents=pricing.price_list(spot.prices).full_cents,
            demo=spot.demo,
            today=None
            if today is None
            else TodayOut(
                booking_required=today.booking_required,
                capacity=today.capacity - today.walk_in_reserved,
                left=day_left(today),
            ),
        )


class SpotsOut(BaseModel):
    spots: list[SpotOut]


class SpotsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(
        None,
        max_length=12,
        pattern=r"^[0-9]+$",
        description="A region code (a city lists its counties too) or a code prefix.",
    )


class AdvisoryOut(BaseModel):
    title: str = Field(description="Empty for a notice published without one.")
    text: str
    first_day: dt.date
    last_day: dt.date

    @classmethod
    def of(cls, advisory: Advisory, locale: str) -> AdvisoryOut:
        return cls(
            title=advisory.title_in(locale),
            text=advisory.text_in(locale),
            first_day=advisory.first_day,
            last_day=advisory.last_day,
        )


class CategoryOut(BaseModel):
    """What a category costs: shared by the price table's rows and a visitor's price."""

    category: str
    category_label: LabelText
    percent: int
    amount_cents: int
    proof: LabelText | None = Field(description="What must be shown for the category; null: the age decides.")

    @staticmethod
    def fields_of(line: pricing.PriceRow | pricing.PriceLine) -> dict[str, Any]:
        return {
            "category": line.category,
            "category_label": pricing.category_label(line.category),
            "percent": line.percent,
            "amount_cents": line.amount_cents,
            "proof": line.proof,
        }


class PriceRowOut(CategoryOut):
    first_age: int | None = Field(description="An age band's first age; null for the full price or a claim.")
    last_age: int | None = Field(description="An age band's last age; null: and over.")
    proven_online: bool | None = Field(
        description=(
            "A claim's: true when an e-certificate in the app proves it (it may be claimed when "
            "booking), false when it is checked at the ticket window; null for the full price or an age band."
        )
    )

    @classmethod
    def of(cls, row: pricing.PriceRow) -> PriceRowOut:
        online = None if row.proof is None else eligibility.proven_online(row.category)
        return cls(**cls.fields_of(row), first_age=row.first_age, last_age=row.last_age, proven_online=online)


class SpotPageOut(SpotOut):
    intro: str
    address: str
    slot_minutes: int
    walk_in_percent: int = Field(description="Of what is sold, the share kept for the ticket window.")
    advisories: list[AdvisoryOut] = Field(description="Notices in force today.")
    prices: list[PriceRowOut]


class SpotSlotOut(SlotOut):
    waitlisted: bool = Field(
        description="People wait for this slot (候补): the places that come back are theirs first and "
        "are not in `left`; an order they need is refused with `slot_waitlisted`: join the waitlist."
    )


class DayOut(BaseModel):
    code: str
    date: dt.date
    booking_required: bool
    capacity: int = Field(description="Entries bookable online that day.")
    left: int = Field(description="Entries still bookable online that day, beyond those owed to waitlists.")
    slots: list[SpotSlotOut]

    @classmethod
    def of(cls, code: str, view: DayView) -> DayOut:
        return cls(
            code=code,
            date=view.day,
            booking_required=view.booking_required,
            capacity=view.capacity,
            left=view.left,
            slots=[SpotSlotOut(**slot_view(a), waitlisted=a.slot_id in view.waiting) for a in view.slots],
        )


class PriceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    born: dt.date = Field(description="The visitor's date of birth.")
    date: dt.date = Field(description="The visit day (China date): the age on that day decides.")
    claims: str = Field(
        "", max_length=80, description="Comma-separated categories that need proof, e.g. student."
    )


class PriceOut(CategoryOut):
    age: int = Field(description="Whole years on the visit day.")
    explanation: LabelText

    @classmethod
    def of(cls, line: pricing.PriceLine) -> PriceOut:
        return cls(**cls.fields_of(line), age=line.age, explanation=line.explanation)
