"""Booking rules as data: each service carries its own (``Service.rules``), defaults below."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BookingRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_identity_level: int = Field(
        default=1, ge=1, le=5, description="hospitals ask for a verified name (3)"
    )
    window_days: int = Field(default=7, ge=1, le=90, description="book at most this many days ahead")
    cancel_cutoff_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60, description="cancel until")
    one_per_day: bool = Field(default=True, description="one open booking per person, service and day")
    pay_within_minutes: int = Field(default=15, ge=1, le=24 * 60, description="paid services: the hold")
    # Paid services: what the resident's own cancellation keeps of the fee (everything comes back by
    # default; a cancellation by the site always gives everything back).
    cancel_fee_fen: int = Field(default=0, ge=0, le=100_000_000, description="kept when the resident cancels")
    cancel_fee_within_minutes: int | None = Field(
        default=None,
        ge=0,
        le=90 * 24 * 60,
        description="keep the fee only when cancelling this close to the start; null: on every cancellation",
    )
    no_show_limit: int = Field(default=3, ge=1, le=100, description="no-shows in the window that suspend")
    no_show_window_days: int = Field(default=90, ge=1, le=3650)
    suspension_days: int = Field(default=30, ge=1, le=3650)
    # Check-in opens this long before the start and closes this long after it; after that, no-show.
    checkin_opens_minutes: int = Field(default=60, ge=0, le=24 * 60)
    checkin_grace_minutes: int = Field(default=30, ge=0, le=24 * 60)


def rules_of(raw: dict[str, Any] | None) -> BookingRules:
    return BookingRules.model_validate(raw or {})
