"""An appointment as the app shows it: with its site, service, queue place and pay parameters."""

from __future__ import annotations

from dataclasses import dataclass

from domain.appointments import queue, service
from domain.appointments.models import Appointment
from domain.appointments.queue import Position


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment  # site and service fetched
    position: Position | None  # once checked in
    pay_params: dict[str, object] | None  # while the fee is awaited


async def view_of(appointment: Appointment, *, just_booked: bool = False) -> AppointmentView:
    await appointment.fetch_related("site", "service")
    # A queue number is drawn at check-in: an appointment just booked has none to look up.
    position = None if just_booked else await queue.position_of(appointment)
    return AppointmentView(appointment, position, await service.pay_params_of(appointment))
