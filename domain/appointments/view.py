"""An appointment as the app shows it: with its site, service, queue place, fee and pay parameters."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.models import Model

from domain.appointments import fees, queue
from domain.appointments.fees import Money
from domain.appointments.models import Appointment, AppointmentState
from domain.appointments.queue import Position


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment  # site and service fetched
    position: Position | None  # once checked in
    pay_params: dict[str, object] | None  # while the fee is awaited
    money: Money | None  # a paid service's fee: awaited, paid, coming back, closed


async def view_of(appointment: Appointment, *, just_booked: bool = False) -> AppointmentView:
    missing = [name for name in ("site", "service") if not _in_hand(appointment, name)]
    if missing:
        await appointment.fetch_related(*missing)
    # A queue number is drawn at check-in: an appointment just booked has none to look up.
    position = None if just_booked else await queue.position_of(appointment)
    order, money = await fees.fee_of(appointment)
    # While the fee is awaited: what the app pays with (the same as at booking, from any device).
    awaited = appointment.state == AppointmentState.PENDING_PAYMENT and order is not None and order.pay_params
    pay_params = dict(order.pay_params) if awaited and order is not None else None
    return AppointmentView(appointment, position, pay_params, money)


def _in_hand(appointment: Appointment, relation: str) -> bool:
    """Whether ``appointment.<relation>`` holds its row already (set, or fetched before): Tortoise
    keeps a foreign key's object in ``_<relation>`` and answers a query for it otherwise."""
    found = appointment.__dict__.get(f"_{relation}")
    return isinstance(found, Model) and getattr(appointment, f"{relation}_id") == found.pk
