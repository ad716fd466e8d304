"""Appointment jobs: reminders, the site's cancellations, lapsed holds, and marking no-shows.

Payloads carry ids only. Every handler checks the appointment's state first, so a reminder for a
cancelled appointment says nothing and a repeated delivery changes nothing.
"""

from __future__ import annotations

import datetime as dt
from datetime import time, timedelta

from adapters.wechat.port import WeChat
from domain.appointments import fees, queue, service, setup
from domain.appointments.models import Appointment, AppointmentState, Site
from domain.capacity.owners import capacity_owners
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler, schedule
from domain.payments.models import yuan
from domain.shared.clock import CHINA
from domain.shared.i18n import LazyText, _

NO_SHOW_TOPIC = "appointments.mark_no_shows"


def _wechat(job: Job) -> WeChat:
    wechat: WeChat = job.context.adapters.wechat
    return wechat


def _link(appointment: Appointment) -> str:
    return f"/pages/appointments/detail?id={appointment.id}"


def _when(instant: dt.datetime) -> str:
    return instant.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


async def _appointment_in(job: Job, *states: AppointmentState) -> tuple[Appointment, Site] | None:
    """The job's appointment and its site, if it is still in one of ``states`` (else say nothing)."""
    appointment = await Appointment.get_or_none(id=int(job.payload["appointment_id"]))
    if appointment is None or appointment.state not in states:
        return None
    return appointment, await Site.get(id=appointment.site_id)


async def _tell(job: Job, appointment: Appointment, kind: str, title: LazyText, body: LazyText) -> None:
    await deliver(
        Notice(user_id=appointment.user_id, kind=kind, title=title, body=body, link=_link(appointment)),
        source_key=f"{job.topic}:{job.id}",
        wechat=_wechat(job),
    )


@handler(service.REMINDER_TOPIC)
async def remind(job: Job) -> None:
    """The day before and an hour before: only while the appointment is still booked."""
    found = await _appointment_in(job, AppointmentState.BOOKED)
    if found is None:
        return
    appointment, site = found
    starts = job.payload.get("starts")  # absent in reminders set before slots could move
    if starts is not None and int(starts) != int(appointment.starts_at.timestamp()):
        return  # the site moved the slot: the reminders of the new time speak instead
    body = _(
        "You have an appointment at {site} at {time}. Check-in code: {code}.",
        site=site.name_zh_hans,
        time=_when(appointment.starts_at),
        code=appointment.checkin_code,
    )
    await _tell(job, appointment, "appointment_reminder", _("Appointment reminder"), body)


@handler(service.CANCELLED_BY_SITE_TOPIC)
async def cancelled_by_site(job: Job) -> None:
    found = await _appointment_in(job, AppointmentState.CANCELLED)
    if found is None:
        return
    appointment, site = found
    said = {
        "site": site.name_zh_hans,
        "time": _when(appointment.starts_at),
        "reason": appointment.cancelled_reason or "",
    }
    _order, money = await fees.fee_of(appointment)
    if money is not None and money.refund_fen > 0:  # everything paid comes back: it was the site's doing
        body = _(
            "{site} cancelled your appointment at {time}: {reason}. The fee of {amount} yuan is refunded "
            "in full to where you paid from. Please book another time.",
            amount=yuan(money.refund_fen),
            **said,
        )
    else:
        body = _("{site} cancelled your appointment at {time}: {reason}. Please book another time.", **said)
    await _tell(job, appointment, "appointment_cancelled", _("Appointment cancelled"), body)


@handler(service.MOVED_BY_SITE_TOPIC)
async def moved_by_site(job: Job) -> None:
    found = await _appointment_in(job, AppointmentState.BOOKED, AppointmentState.PENDING_PAYMENT)
    if found is None:
        return
    appointment, site = found
    body = _(
        "{site} moved your appointment from {before} to {time}: {reason}. "
        "Cancel it in the app if the new time does not suit you.",
        site=site.name_zh_hans,
        before=str(job.payload["before"]),
        # The times of this move, not the appointment's now: moved twice, it gets two true notices.
        time=str(job.payload["to"]),
        reason=str(job.payload.get("reason", "")),
    )
    await _tell(job, appointment, "appointment_moved", _("Appointment time changed"), body)


@handler(service.FOLLOW_MOVED_SLOT_TOPIC)
async def follow_moved_slot(job: Job) -> None:
    await queue.follow_moved_slot(int(job.payload["slot_id"]), str(job.payload.get("reason", "")))


class AppointmentPlaces:
    """The capacity owner of appointments' resources (``domain.capacity.owners``)."""

    async def hold_expired(self, reservation_id: int, job: Job) -> None:
        await service.hold_lapsed(reservation_id)


capacity_owners.add(setup.CAPACITY_OWNER, AppointmentPlaces())


@handler(NO_SHOW_TOPIC)
async def mark_no_shows(job: Job) -> None:
    await service.mark_no_shows()


schedule(NO_SHOW_TOPIC, every=timedelta(minutes=15))


GENERATE_TOPIC = "appointments.generate_slots"


@handler(GENERATE_TOPIC)
async def generate_slots(job: Job) -> None:
    """Keep every service's slots open for booking as far ahead as its rules allow (idempotent)."""
    await setup.generate_all()


# Just after midnight China time: the new last day of each booking window opens.
schedule(GENERATE_TOPIC, every=timedelta(days=1), at=time(0, 10))
