"""At the site: check-in by code, queue numbers (取号), calling (叫号), and what residents see.

Frontline staff hold the ``scanner`` role scoped to the site's code. A number is per site, business
type and day ("A001", "A002"...); numbers are unique in the database, so two check-ins at once
cannot get the same one (the loser takes the next). Calling takes the oldest waiting number with
``SKIP LOCKED``, so two windows calling at once call two different people.

A served number is a counter service its resident may rate (好差评, ``counter_service``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.appointments import service as appointments
from domain.appointments.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    CheckinCodeInvalid,
    CheckinWindowClosed,
    ServiceNotFound,
    SlotInPast,
    SlotMoveOtherDay,
    TicketNotFound,
)
from domain.appointments.models import (
    OPEN_STATES,
    Appointment,
    AppointmentState,
    QueueTicket,
    Service,
    Site,
    TicketState,
)
from domain.appointments.rules import rules_of
from domain.audit import service as audit
from domain.capacity import service as capacity
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot, Reservation, SlotState
from domain.evaluations import service as evaluations
from domain.evaluations.models import TargetType
from domain.outbox.service import enqueue
from domain.payments.models import PaymentOrder
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import CHINA, china_day
from domain.staff.errors import StaffScopeRequired
from domain.staff.roles import Role, authorize

# How long after a move the slot is looked at again: longer than any booking takes to commit.
FOLLOW_AFTER = dt.timedelta(seconds=30)


def frontline(actor: Actor, site: Site) -> None:
    authorize(actor, Role.SCANNER)  # no role: 403, which says nothing about the site
    try:
        authorize(actor, Role.SCANNER, site.code)
    except StaffScopeRequired:
        raise AppointmentNotFound() from None  # another site's appointment is none of theirs


async def _site(code: str) -> Site:
    found = await Site.get_or_none(code=code)
    if found is None:
        raise AppointmentNotFound()
    return found


# -- tickets ---------------------------------------------------------------------------------------


async def _issue(conn: BaseDBAsyncClient, service: Service, appointment_id: int | None) -> QueueTicket:
    """The next number of the service's business type today, in the caller's transaction.

    The site's row is locked while the number is drawn: check-ins at one site are a few a minute,
    and the lock makes "the highest number plus one" safe (the unique index stays as the guard).
    """
    day = china_day(clock.now())
    site = await Site.filter(id=service.site_id).using_db(conn).select_for_update().get()
    last = (
        await QueueTicket.filter(site_id=site.id, business_type=service.business_type, day=day)
        .using_db(conn)
        .order_by("-number")
        .only("id", "number")
        .first()
    )
    number = (last.number if last else 0) + 1
    return await QueueTicket.create(
        site_id=site.id,
        business_type=service.business_type,
        day=day,
        number=number,
        label=f"{service.business_type}{number:03d}",
        appointment_id=appointment_id,
        service_id=service.id,
        issued_at=clock.now(),
        using_db=conn,
    )


@dataclass(frozen=True)
class CheckedIn:
    appointment: Appointment
    ticket: QueueTicket


async def check_in(actor: Actor, code: str) -> CheckedIn:
    """Staff confirm the resident's arrival by the code they show; they get a queue number."""
    normalised = code.strip().upper()
    if not 4 <= len(normalised) <= 12 or not normalised.isalnum():
        raise CheckinCodeInvalid()
    authorize(actor, Role.SCANNER)
    appointment = await Appointment.get_or_none(checkin_code=normalised)
    if appointment is None:
        raise AppointmentNotFound()
    frontline(actor, await Site.get(id=appointment.site_id))
    async with in_transaction() as conn:
        return await admit(conn, actor, appointment.id, clock.now())


async def admit(conn: BaseDBAsyncClient, actor: Actor, appointment_id: int, at: dt.datetime) -> CheckedIn:
    """Check in, in the caller's transaction (by code above, or by a scanned appointment pass):
    within the service's check-in window around ``at``, once."""
    locked = await Appointment.filter(id=appointment_id).using_db(conn).select_for_update().get()
    if locked.state != AppointmentState.BOOKED:  # two scanners at once: one checks in
        raise AppointmentNotActive(details={"state": locked.state.value})
    if await _fee_given_back(conn, locked):
        # Finance gave the whole fee back: the appointment is cancelled once the outbox tells
        # appointments of the refund; its code and pass are refused from the moment it was asked.
        raise AppointmentNotActive(details={"state": "refunded"})
    service = await Service.filter(id=locked.service_id).using_db(conn).get()
    rules = rules_of(service.rules)
    opens = locked.starts_at - dt.timedelta(minutes=rules.checkin_opens_minutes)
    closes = locked.starts_at + dt.timedelta(minutes=rules.checkin_grace_minutes)
    if not opens <= at <= closes:
        raise CheckinWindowClosed(details={"opens_at": opens.isoformat(), "closes_at": closes.isoformat()})
    ticket = await _issue(conn, service, locked.id)
    locked.checked_in_at = at
    await appointments.transition(conn, locked, AppointmentState.CHECKED_IN, actor, "appointments.checked_in")
    return CheckedIn(locked, ticket)


async def _fee_given_back(conn: BaseDBAsyncClient, appointment: Appointment) -> bool:
    """Whether everything paid for the appointment was refunded or is being refunded (a refund in
    flight counts: the order's refunded_fen grows when it is asked, and shrinks if it fails)."""
    if appointment.fee_fen == 0:
        return False
    order = (
        await PaymentOrder.filter(purpose=appointments.purpose_of(appointment))
        .using_db(conn)
        .order_by("-attempt")
        .first()
    )
    return order is not None and order.paid_fen > 0 and order.refunded_fen >= order.paid_fen


async def walk_in(actor: Actor, gate: Gate | None, service_id: int) -> QueueTicket:
    """A number for someone without a booking: it takes a walk-in place of the slot under way."""
    service = await Service.get_or_none(id=service_id) if 0 < service_id < 2**63 else None
    if service is None:
        raise ServiceNotFound()
    frontline(actor, await Site.get(id=service.site_id))
    now = clock.now()
    slot = await CapacitySlot.filter(
        resource_id=service.capacity_resource_id, starts_at__lte=now, ends_at__gt=now, state=SlotState.OPEN
    ).first()

    async def issue(conn: BaseDBAsyncClient, _reservation: Reservation | None = None) -> QueueTicket:
        ticket = await _issue(conn, service, None)
        await audit.record(
            actor, "appointments.walk_in", target_type="queue_ticket", target_id=ticket.id, using_db=conn
        )
        return ticket

    if slot is None:  # outside the schedule (or an unscheduled service): a number, no place to take
        async with in_transaction() as conn:
            return await issue(conn)
    return await capacity.book(gate, slot.id, f"walk-in:{uuid.uuid4().hex}", issue, walk_in=True)


async def call_next(actor: Actor, site_code: str, business_type: str, window: str) -> QueueTicket | None:
    """The window finishes its current number and calls the oldest waiting one (None: nobody waits)."""
    site = await _site(site_code)
    frontline(actor, site)
    day = china_day(clock.now())
    async with in_transaction() as conn:
        current = await QueueTicket.filter(
            site_id=site.id, business_type=business_type, day=day, window=window, state=TicketState.CALLED
        ).using_db(conn)
        for ticket in current:
            await _serve(conn, ticket, actor)
        waiting = (
            await QueueTicket.filter(
                site_id=site.id, business_type=business_type, day=day, state=TicketState.WAITING
            )
            .using_db(conn)
            .order_by("number")
            .select_for_update(skip_locked=True)
            .first()
        )
        if waiting is None:
            return None
        waiting.state, waiting.window, waiting.called_at = TicketState.CALLED, window, clock.now()
        await waiting.save(using_db=conn, update_fields=["state", "window", "called_at"])
        await audit.record(
            actor,
            "appointments.called",
            target_type="queue_ticket",
            target_id=waiting.id,
            after={"label": waiting.label, "window": window},
            using_db=conn,
        )
    return waiting


async def _ticket_for_staff(actor: Actor, ticket_id: int, conn: BaseDBAsyncClient) -> QueueTicket:
    ticket = (
        await QueueTicket.filter(id=ticket_id).using_db(conn).select_for_update().first()
        if 0 < ticket_id < 2**63
        else None
    )
    if ticket is None:
        raise TicketNotFound()
    try:
        frontline(actor, await Site.filter(id=ticket.site_id).using_db(conn).get())
    except AppointmentNotFound:
        raise TicketNotFound() from None
    return ticket


async def skip(actor: Actor, ticket_id: int) -> QueueTicket:
    """The called person is not there: their number waits aside until recalled."""
    return await _change(actor, ticket_id, {TicketState.CALLED}, TicketState.SKIPPED, "appointments.skipped")


async def recall(actor: Actor, ticket_id: int, window: str) -> QueueTicket:
    """Call a skipped number again (they came back)."""
    async with in_transaction() as conn:
        ticket = await _ticket_for_staff(actor, ticket_id, conn)
        if ticket.state not in (TicketState.SKIPPED, TicketState.CALLED):
            raise AppointmentNotActive(details={"state": ticket.state.value})
        ticket.state, ticket.window, ticket.called_at = TicketState.CALLED, window, clock.now()
        await ticket.save(using_db=conn, update_fields=["state", "window", "called_at"])
        await audit.record(
            actor, "appointments.recalled", target_type="queue_ticket", target_id=ticket.id, using_db=conn
        )
    return ticket


async def serve(actor: Actor, ticket_id: int) -> QueueTicket:
    """The window finished with this number."""
    async with in_transaction() as conn:
        ticket = await _ticket_for_staff(actor, ticket_id, conn)
        if ticket.state != TicketState.CALLED:
            raise AppointmentNotActive(details={"state": ticket.state.value})
        await _serve(conn, ticket, actor)
    return ticket


async def _change(
    actor: Actor, ticket_id: int, sources: set[TicketState], to: TicketState, action: str
) -> QueueTicket:
    async with in_transaction() as conn:
        ticket = await _ticket_for_staff(actor, ticket_id, conn)
        if ticket.state not in sources:
            raise AppointmentNotActive(details={"state": ticket.state.value})
        ticket.state = to
        await ticket.save(using_db=conn, update_fields=["state"])
        await audit.record(actor, action, target_type="queue_ticket", target_id=ticket.id, using_db=conn)
    return ticket


async def _serve(conn: BaseDBAsyncClient, ticket: QueueTicket, actor: Actor) -> None:
    ticket.state, ticket.served_at = TicketState.SERVED, clock.now()
    await ticket.save(using_db=conn, update_fields=["state", "served_at"])
    await audit.record(
        actor, "appointments.served", target_type="queue_ticket", target_id=ticket.id, using_db=conn
    )
    if ticket.appointment_id is None:
        return
    appointment = await Appointment.filter(id=ticket.appointment_id).using_db(conn).select_for_update().get()
    if appointment.state == AppointmentState.CHECKED_IN:
        await appointments.transition(
            conn, appointment, AppointmentState.COMPLETED, actor, "appointments.completed"
        )
        site = await Site.filter(id=appointment.site_id).using_db(conn).get()
        service = await Service.filter(id=appointment.service_id).using_db(conn).get()
        await evaluations.service_finished(
            target_type=TargetType.COUNTER_SERVICE,
            target_id=ticket.id,
            user_id=appointment.user_id,
            item_code=(service.item_codes or [service.code])[0],
            department_code=site.department_code,
            using_db=conn,
        )


# -- what residents and staff see ------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    ticket: QueueTicket
    ahead: int  # waiting numbers before this one
    estimated_wait_minutes: int


async def position_of(appointment: Appointment) -> Position | None:
    """The resident's place in the queue, once checked in."""
    ticket = await QueueTicket.get_or_none(appointment_id=appointment.id)
    if ticket is None:
        return None
    ahead = 0
    if ticket.state == TicketState.WAITING:
        ahead = await QueueTicket.filter(
            site_id=ticket.site_id,
            business_type=ticket.business_type,
            day=ticket.day,
            state=TicketState.WAITING,
            number__lt=ticket.number,
        ).count()
    service = await Service.get(id=ticket.service_id)
    return Position(ticket, ahead, ahead * service.avg_service_minutes)


async def today(actor: Actor, site_code: str, day: dt.date | None = None) -> list[Appointment]:
    """The site's appointments of the day, in time order (frontline staff)."""
    site = await _site(site_code)
    frontline(actor, site)
    return await Appointment.filter(site_id=site.id, day=day or china_day(clock.now())).order_by(
        "starts_at", "id"
    )


async def waiting(actor: Actor, site_code: str, business_type: str) -> list[QueueTicket]:
    site = await _site(site_code)
    frontline(actor, site)
    return await QueueTicket.filter(
        site_id=site.id,
        business_type=business_type,
        day=china_day(clock.now()),
        state__in=(TicketState.WAITING, TicketState.CALLED, TicketState.SKIPPED),
    ).order_by("number")


async def _slot_for_staff(actor: Actor, slot_id: int) -> CapacitySlot:
    slot = await CapacitySlot.get_or_none(id=slot_id) if 0 < slot_id < 2**63 else None
    service = await Service.get_or_none(capacity_resource_id=slot.resource_id) if slot else None
    if slot is None or service is None:
        raise AppointmentNotFound()
    frontline(actor, await Site.get(id=service.site_id))
    return slot


async def set_places(actor: Actor, gate: Gate | None, slot_id: int, places: int | None) -> CapacitySlot:
    """The site changes one slot's places (a second doctor, a window closed): never below the
    places taken; ``None`` gives the slot its schedule's own maximum back (which may be unlimited)."""
    slot = await _slot_for_staff(actor, slot_id)
    async with in_transaction() as conn:
        changed = await capacity.set_places(conn, slot.id, places)
        await audit.record(
            actor,
            "appointments.slot_places_set",
            target_type="capacity_slot",
            target_id=slot.id,
            before=changed.before,
            after=changed.after,
            using_db=conn,
        )
    if gate is not None:
        await gate.forget(slot.id, slot.resource_id)  # the count and the cached availability
    return changed.slot


async def cancel_slot(actor: Actor, gate: Gate | None, slot_id: int, reason: str) -> list[Appointment]:
    """The site cancels a slot (a doctor's leave): everyone booked on it (moved with it or not) is
    cancelled, has any fee given back in full (an unpaid order closed), and is told."""
    slot = await _slot_for_staff(actor, slot_id)
    async with in_transaction() as conn:
        _slot, reservations = await capacity.cancel_slot(slot.id, conn)
        affected = await Appointment.filter(
            reservation_id__in=[r.id for r in reservations], state__in=OPEN_STATES
        ).using_db(conn)
        for appointment in affected:
            appointment.cancelled_reason = reason
            await appointments.transition(
                conn, appointment, AppointmentState.CANCELLED, actor, "appointments.cancelled_by_site"
            )
            await appointments.settle(conn, appointment, actor, reason, by_site=True)
            await enqueue(
                appointments.CANCELLED_BY_SITE_TOPIC,
                {"appointment_id": appointment.id, "user_id": appointment.user_id},
                using_db=conn,
                key=f"{appointments.CANCELLED_BY_SITE_TOPIC}:{appointment.id}",
            )
    if gate is not None:
        await gate.forget(slot.id, slot.resource_id)
    return list(affected)


async def move_slot(
    actor: Actor, gate: Gate | None, slot_id: int, starts_at: dt.datetime, reason: str
) -> list[Appointment]:
    """The site moves a slot within its day (a doctor delayed): everyone booked on it keeps their
    place at the new time, is told, and is reminded of the new time."""
    slot = await _slot_for_staff(actor, slot_id)
    moved_to = starts_at.astimezone(dt.UTC)
    if china_day(moved_to) != china_day(slot.starts_at):
        # The one-per-day rule and the no-show standing are by day: another day is a new booking.
        raise SlotMoveOtherDay(details={"day": china_day(slot.starts_at).isoformat()})
    if moved_to <= clock.now():
        raise SlotInPast()
    async with in_transaction() as conn:
        before, _reservations = await capacity.move_slot(slot.id, moved_to, conn)
        length = before.ends_at - before.starts_at
        affected = await _follow(conn, slot.id, moved_to, moved_to + length, actor, reason)
        # A booking that read the slot before the move and commits after it wrote the old time:
        # look again once such bookings are done, and move (and tell) those too.
        await enqueue(
            appointments.FOLLOW_MOVED_SLOT_TOPIC,
            {"slot_id": slot.id, "reason": reason},
            using_db=conn,
            delay=FOLLOW_AFTER,
            key=f"{appointments.FOLLOW_MOVED_SLOT_TOPIC}:{slot.id}:{int(moved_to.timestamp())}",
        )
    if gate is not None:
        await gate.forget(slot.id, slot.resource_id)
    return affected


async def follow_moved_slot(slot_id: int, reason: str) -> list[Appointment]:
    """The delayed second look after a move (``appointments.follow_moved_slot``); idempotent."""
    async with in_transaction() as conn:
        slot = await CapacitySlot.filter(id=slot_id).using_db(conn).select_for_update().first()
        if slot is None or slot.state != SlotState.OPEN:
            return []
        return await _follow(conn, slot.id, slot.starts_at, slot.ends_at, Actor.system(), reason)


async def _follow(
    conn: BaseDBAsyncClient,
    slot_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    actor: Actor,
    reason: str,
) -> list[Appointment]:
    """Give the slot's open appointments that are not at its time the slot's time, each audited,
    reminded anew and told (one notice per move, with that move's times)."""
    found = (
        await Appointment.filter(slot_id=slot_id, state__in=OPEN_STATES).using_db(conn).select_for_update()
    )
    moved = [a for a in found if a.starts_at != starts_at]
    for appointment in moved:
        old = appointment.starts_at
        appointment.starts_at, appointment.ends_at, appointment.updated_at = starts_at, ends_at, clock.now()
        await appointment.save(using_db=conn, update_fields=["starts_at", "ends_at", "updated_at"])
        await audit.record(
            actor,
            "appointments.moved_by_site",
            target_type="appointment",
            target_id=appointment.id,
            before={"starts_at": old.isoformat()},
            after={"starts_at": starts_at.isoformat(), "reason": reason},
            using_db=conn,
        )
        await appointments.schedule_reminders(appointment, conn)
        await enqueue(
            appointments.MOVED_BY_SITE_TOPIC,
            {
                "appointment_id": appointment.id,
                "user_id": appointment.user_id,
                "before": old.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "to": starts_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "reason": reason,
            },
            using_db=conn,
            key=f"{appointments.MOVED_BY_SITE_TOPIC}:{appointment.id}:{int(starts_at.timestamp())}",
        )
    return moved
