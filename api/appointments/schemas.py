"""Bodies of the appointments API. Every time is shown in China time (ISO 8601 with +08:00)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from api._labels import LabelText
from domain.appointments import labels
from domain.appointments.fees import Money
from domain.appointments.models import Appointment, QueueTicket, Service, Site, SiteKind
from domain.appointments.queue import Position
from domain.appointments.service import Standing
from domain.capacity.models import CapacitySlot
from domain.capacity.service import Availability, online_left
from domain.shared.clock import CHINA
from domain.shared.errors import InvalidInput
from domain.shared.i18n import _
from domain.shared.labels import Names


def china(instant: dt.datetime) -> str:
    return instant.astimezone(CHINA).isoformat()


def _name(row: Site | Service, locale: str) -> str:
    return str({"zh_Hant": row.name_zh_hant, "en": row.name_en}.get(locale, row.name_zh_hans))


def _text(value: dict[str, str] | None, locale: str) -> str | None:
    return None if not value else str(value.get(locale, value.get("zh_Hans", "")))


class ServiceOut(BaseModel):
    id: int
    code: str
    name: str
    department: str | None = Field(description="Hospitals: the clinical department.")
    doctor_title: str | None
    business_type: str = Field(description="The queue it joins: numbers A001, A002...")
    fee_fen: int = Field(description="Registration fee; 0 = free. Paid before the place is confirmed.")
    item_codes: list[str] = Field(description="Catalogue items served (halls).")

    @classmethod
    def of(cls, s: Service, locale: str) -> ServiceOut:
        return cls(
            id=s.id,
            code=s.code,
            name=_name(s, locale),
            department=_text(s.department, locale),
            doctor_title=_text(s.doctor_title, locale),
            business_type=s.business_type,
            fee_fen=s.fee_fen,
            item_codes=list(s.item_codes or []),
        )


class SiteOut(BaseModel):
    code: str
    kind: str
    name: str
    address: str
    region_code: str
    latitude: float | None = Field(default=None, description="WGS-84; null when not recorded.")
    longitude: float | None = None

    @classmethod
    def of(cls, s: Site, locale: str) -> SiteOut:
        return cls(
            code=s.code,
            kind=s.kind.value,
            name=_name(s, locale),
            address=s.address,
            region_code=s.region_code,
            latitude=s.latitude,
            longitude=s.longitude,
        )


class NearbySiteOut(SiteOut):
    distance_m: int | None = Field(description="From the position asked about; null without one.")


class NearbySitesOut(BaseModel):
    items: list[NearbySiteOut]


class PositionIncomplete(InvalidInput, ValueError):
    """A ValueError too, so that pydantic reports it as the query's error with this code."""

    code = "position_incomplete"
    message = _("Give both the latitude and the longitude, or neither.")


class NearbyQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lat: float | None = Field(default=None, ge=-90, le=90, description="The device's latitude (WGS-84).")
    lng: float | None = Field(default=None, ge=-180, le=180, description="The device's longitude.")
    kind: SiteKind | None = None
    limit: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _both_or_neither(self) -> NearbyQuery:
        if (self.lat is None) != (self.lng is None):
            raise PositionIncomplete()
        return self

    @property
    def position(self) -> tuple[float, float] | None:
        return None if self.lat is None or self.lng is None else (self.lat, self.lng)


class SitesOut(BaseModel):
    items: list[SiteOut]


class SiteDetailOut(SiteOut):
    services: list[ServiceOut]


class SlotsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date = Field(description="A China date, YYYY-MM-DD.")


def slot_view(a: Availability) -> dict[str, Any]:
    """One slot as the availability view caches it (plain JSON)."""
    return {
        "slot_id": a.slot_id,
        "starts_at": china(a.starts_at),
        "ends_at": china(a.ends_at),
        "capacity": a.capacity,
        "left": a.left,
        "bookable": a.bookable,
        "started": a.started,
    }


class SlotOut(BaseModel):
    slot_id: int
    starts_at: str
    ends_at: str
    capacity: int | None = Field(description="Places bookable online; null: unlimited.")
    left: int | None = Field(description="Places still free; null: unlimited.")
    bookable: bool = Field(description="Open, not begun and with places left: a booking can take it now.")
    started: bool = Field(
        description="The slot has begun by the server's clock (to the minute): it takes no booking "
        "any more. Clients read this rather than compare with their own clock."
    )


class SlotsOut(BaseModel):
    service_id: int
    date: dt.date
    slots: list[SlotOut]


class BookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: int = Field(gt=0, lt=2**63)
    slot_id: int = Field(gt=0, lt=2**63)
    on_behalf_of: int | None = Field(
        default=None, gt=0, lt=2**63, description="An active family member's id."
    )


class QueueOut(BaseModel):
    label: str
    state: str
    state_label: LabelText
    window: str | None
    ahead: int = Field(description="Numbers waiting before yours.")
    estimated_wait_minutes: int


class MoneyOut(BaseModel):
    state: str = Field(
        description="awaiting (the fee is due), paid, refunding (money is coming back), refunded, "
        "closed (never paid: the order is closed)"
    )
    state_label: LabelText
    paid_fen: int
    refund_fen: int = Field(description="What comes back: due, on its way, or given back.")
    order_id: int = Field(description="The payment order (`GET /api/v1/payments/{id}`: its refunds).")

    @classmethod
    def of(cls, m: Money) -> MoneyOut:
        return cls(
            state=m.state.value,
            state_label=labels.money_state(m.state),
            paid_fen=m.paid_fen,
            refund_fen=m.refund_fen,
            order_id=m.order_id,
        )


class AppointmentOut(BaseModel):
    id: int
    number: str
    state: str
    state_label: LabelText
    site: str = Field(description="The site's code.")
    site_label: LabelText
    site_name: str = Field(description="The same as `site_label` (kept for older clients).")
    service_id: int
    service_name: str
    on_behalf_of: int | None
    starts_at: str
    ends_at: str
    fee_fen: int
    pay_by: str | None = Field(description="Pending payment: the place is released after this.")
    checkin_code: str | None = Field(description="Show it at the site; only while booked.")
    who: str | None = Field(default=None, description="Staff views: the masked name of the person it is for.")
    queue: QueueOut | None = None
    pay_params: dict[str, Any] | None = Field(
        default=None, description="While the fee is awaited: what to pay with."
    )
    money: MoneyOut | None = Field(
        default=None, description="A paid service's fee: awaited, paid, coming back after a cancellation."
    )

    @classmethod
    def of(
        cls,
        a: Appointment,
        locale: str,
        *,
        position: Position | None = None,
        pay_params: dict[str, Any] | None = None,
        money: Money | None = None,
    ) -> AppointmentOut:
        """``a`` with its site and service fetched (``prefetch_related("site", "service")``)."""
        return cls(
            id=a.id,
            number=a.number,
            state=a.state.value,
            state_label=labels.state(a.state),
            site=a.site.code,
            site_label=Names.of(a.site),
            site_name=_name(a.site, locale),
            service_id=a.service_id,
            service_name=_name(a.service, locale),
            on_behalf_of=a.on_behalf_of_id,
            starts_at=china(a.starts_at),
            ends_at=china(a.ends_at),
            fee_fen=a.fee_fen,
            pay_by=china(a.pay_by) if a.pay_by and a.state.value == "pending_payment" else None,
            checkin_code=a.checkin_code if a.state.value == "booked" else None,
            queue=QueueOut(
                label=position.ticket.label,
                state=position.ticket.state.value,
                state_label=labels.ticket_state(position.ticket.state),
                window=position.ticket.window,
                ahead=position.ahead,
                estimated_wait_minutes=position.estimated_wait_minutes,
            )
            if position
            else None,
            pay_params=pay_params,
            money=MoneyOut.of(money) if money else None,
        )


class AppointmentsOut(BaseModel):
    items: list[AppointmentOut]


class StandingOut(BaseModel):
    no_shows: int = Field(description="Missed appointments within the window.")
    limit: int = Field(description="This many within the window suspend booking.")
    window_days: int
    suspended_until: dt.date | None

    @classmethod
    def of(cls, s: Standing) -> StandingOut:
        return cls(
            no_shows=s.no_shows, limit=s.limit, window_days=s.window_days, suspended_until=s.suspended_until
        )


# -- staff -----------------------------------------------------------------------------------------


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, description="The check-in code the resident shows.")


class TicketOut(BaseModel):
    id: int
    label: str
    business_type: str
    state: str
    state_label: LabelText
    window: str | None
    appointment_id: int | None = Field(description="null: a walk-in.")
    issued_at: str
    called_at: str | None

    @classmethod
    def of(cls, t: QueueTicket) -> TicketOut:
        return cls(
            id=t.id,
            label=t.label,
            business_type=t.business_type,
            state=t.state.value,
            state_label=labels.ticket_state(t.state),
            window=t.window,
            appointment_id=t.appointment_id,
            issued_at=china(t.issued_at),
            called_at=china(t.called_at) if t.called_at else None,
        )


class CheckedInOut(BaseModel):
    appointment: AppointmentOut
    ticket: TicketOut


class WalkInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: int = Field(gt=0, lt=2**63)


class QueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: str = Field(min_length=1, max_length=64)
    business_type: str = Field(min_length=1, max_length=8)


class CallNextIn(QueueQuery):
    window: str = Field(min_length=1, max_length=16, pattern=r"^[0-9A-Za-z-]+$")


class RecallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window: str = Field(min_length=1, max_length=16, pattern=r"^[0-9A-Za-z-]+$")


class CalledOut(BaseModel):
    ticket: TicketOut | None = Field(description="null: nobody is waiting.")


class TicketsOut(BaseModel):
    items: list[TicketOut]


class TodayQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: str = Field(min_length=1, max_length=64)
    date: dt.date | None = None


class CancelSlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)


class SlotPlacesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    places: int | None = Field(
        ge=0, le=1_000_000, description="The slot's new maximum; null: its schedule's own (may be unlimited)."
    )


class SlotPlacesOut(BaseModel):
    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    schedule_places: int | None = Field(description="The schedule's maximum; null: unlimited.")
    override_places: int | None = Field(description="This slot's own maximum, replacing the schedule's.")
    capacity: int | None = Field(description="Places after the policy share; null: unlimited.")
    walk_in_reserved: int = Field(description="Of the capacity, kept for people who come without booking.")
    taken: int | None = Field(description="Held and confirmed; null: unlimited (not counted).")
    left: int | None = Field(description="Still bookable online; null: unlimited.")

    @classmethod
    def of(cls, slot: CapacitySlot) -> SlotPlacesOut:
        limited = slot.capacity is not None
        return cls(
            slot_id=slot.id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            schedule_places=slot.max_places,
            override_places=slot.override_places,
            capacity=slot.capacity,
            walk_in_reserved=slot.walk_in_reserved,
            taken=slot.held + slot.confirmed if limited else None,
            left=online_left(slot),
        )


class MoveSlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime = Field(description="The new start, with its offset, on the same China day.")
    reason: str = Field(min_length=1, max_length=200)
