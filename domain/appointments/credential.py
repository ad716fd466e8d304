"""The appointment pass (预约凭证): shown at the site, scanned to check in and take a queue number."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.appointments import queue, service
from domain.appointments.errors import AppointmentNotActive, AppointmentNotFound
from domain.appointments.models import Appointment, AppointmentState, Service, Site
from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.scanning import registry
from domain.scanning.errors import ScanWrongSite
from domain.shared.actor import Actor


@credentials.holder(Kind.APPOINTMENT_PASS)
async def held(actor: Actor, appointment_id: int) -> credentials.Held:
    appointment = await service.own(actor, appointment_id)
    if appointment.state != AppointmentState.BOOKED:
        raise AppointmentNotActive(details={"state": appointment.state.value})
    return credentials.Held(object_id=appointment.id, holder_user_id=appointment.user_id)


@registry.action(Kind.APPOINTMENT_PASS)
async def checked_in(context: registry.ScanContext, conn: BaseDBAsyncClient) -> registry.Outcome:
    appointment = await Appointment.filter(id=context.object_id).using_db(conn).first()
    if appointment is None:
        raise AppointmentNotFound()
    site = await Site.filter(id=appointment.site_id).using_db(conn).get()
    queue.frontline(context.actor, site)
    if site.code != context.device.site_code:
        raise ScanWrongSite(details={"site": site.code})
    done = await queue.admit(conn, context.actor, appointment.id, context.at)
    booked = await Service.filter(id=done.appointment.service_id).using_db(conn).get()
    who = await service.who_of([done.appointment])
    return registry.Outcome(
        action="appointments.checked_in",
        shown={
            "appointment_number": done.appointment.number,
            "who": who[done.appointment.id],
            "site": site.code,
            "service": {"zh_Hans": booked.name_zh_hans, "zh_Hant": booked.name_zh_hant, "en": booked.name_en},
            "starts_at": done.appointment.starts_at.isoformat(),
            "ticket": done.ticket.label,
        },
    )
