"""Appointments at service halls and hospitals: booking on the capacity engine, the rules, payment.

A booking takes a place in a capacity slot and writes the appointment in the same transaction
(``capacity.book``), so there is never a place without its appointment or the other way round.
The rules are data per service (``rules.BookingRules``): the booking window, one open booking per
person, service and day (also a partial unique index, so two tabs cannot both pass the check), the
cancel cut-off, the no-show suspension. A service with a fee holds the place until the payment
completes (``pay_within_minutes``); the hold lapses by itself otherwise.

Check-in and the day's queue are in ``queue.py``; sites, services and slot generation in
``setup.py``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from contextlib import suppress
from dataclasses import dataclass
from functools import cache, partial

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.appointments.errors import (
    AppointmentLimitReached,
    AppointmentNotActive,
    AppointmentNotFound,
    BookingSuspended,
    BookingWindowClosed,
    CancelCutoffPassed,
    PaymentNotCompleted,
    PaymentTooLate,
    ServiceNotFound,
    SlotInPast,
)
from domain.appointments.models import OPEN_STATES, Appointment, AppointmentState, Service, Site
from domain.appointments.rules import BookingRules, rules_of
from domain.audit import service as audit
from domain.capacity import service as capacity
from domain.capacity.errors import AlreadyReserved, HoldExpired, ReservationNotActive, SlotNotFound
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot, Reservation
from domain.family import service as family
from domain.family.models import FamilyMember
from domain.identity.service import require_level
from domain.outbox.service import enqueue, enqueue_new, new_job
from domain.payments import service as payments
from domain.payments.errors import PaymentProviderUnavailable
from domain.payments.models import OrderState, PaymentOrder
from domain.payments.service import Providers
from domain.shared import clock, pii, sql
from domain.shared.actor import Actor
from domain.shared.clock import china_day

REMINDER_TOPIC = "appointments.reminder"
CANCELLED_BY_SITE_TOPIC = "appointments.cancelled_by_site"
MOVED_BY_SITE_TOPIC = "appointments.moved_by_site"
FOLLOW_MOVED_SLOT_TOPIC = "appointments.follow_moved_slot"
REMINDERS = {"day": dt.timedelta(days=1), "hour": dt.timedelta(hours=1)}
# Check-in codes: no 0/O or 1/I, read aloud and typed without mistakes.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_MAX_ID = 2**63 - 1
# Why an appointment was cancelled, for the ones the code decides (the site gives its own reason).
RESIDENT_CANCELLED_REASON = "cancelled by the resident"
REFUNDED_REASON = "the fee was refunded"
# States only a confirmed place reaches: its payment was taken.
CONFIRMED_STATES = (
    AppointmentState.BOOKED,
    AppointmentState.CHECKED_IN,
    AppointmentState.COMPLETED,
    AppointmentState.NO_SHOW,
)


def subject_key(actor: Actor) -> str:
    """Who an appointment is for: the resident, or the family member they act for."""
    return f"member:{actor.on_behalf_of}" if actor.on_behalf_of is not None else f"user:{actor.id}"


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _new_number(day: dt.date) -> str:
    return f"{day:%Y%m%d}{secrets.randbelow(10**8):08d}"


async def _service(service_id: int) -> Service:
    if not 0 < service_id <= _MAX_ID:
        raise ServiceNotFound()
    found = await Service.filter(id=service_id).first()
    if found is None:
        raise ServiceNotFound()
    return found


@cache
def _service_with_site_sql() -> str:
    site_id = sql.column(Service, "site_id")
    return (
        f"SELECT {sql.select_list(Service, 's')}, {sql.select_list(Site, 't', 'site__')}"
        f" FROM {sql.table(Service)} s JOIN {sql.table(Site)} t ON t.{sql.column(Site, 'id')} = s.{site_id}"
        f" WHERE s.{sql.column(Service, 'id')} = $1"
    )


async def _service_with_site(service_id: int) -> Service:
    """The service with its site in hand (``select_related("site")``, written as SQL: booking's)."""
    if not 0 < service_id <= _MAX_ID:
        raise ServiceNotFound()
    conn = Service._choose_db()
    rows = await conn.execute_query_dict(sql.text(_service_with_site_sql(), conn), [service_id])
    if not rows:
        raise ServiceNotFound()
    service = sql.from_row(Service, rows[0])
    service.site = sql.from_row(Site, rows[0], "site__")
    return service


# -- standing: the no-show rule ----------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    no_shows: int  # within the rule's window
    limit: int
    window_days: int
    suspended_until: dt.date | None


async def standing_of(subject: str, rules: BookingRules) -> Standing:
    """The no-show count that the resident sees, and whether booking is suspended."""
    standing, _ = await _standing_and_day(subject, rules)
    return standing


@cache
def _slot_where() -> str:
    return f"{sql.column(CapacitySlot, 'id')} = $1 AND {sql.column(CapacitySlot, 'resource_id')} = $2"


async def _slot(slot_id: int, resource_id: int) -> CapacitySlot | None:
    """``CapacitySlot.get_or_none(id=slot_id, resource_id=resource_id)``, written as SQL."""
    conn = CapacitySlot._choose_db()
    values = [
        sql.db_value(CapacitySlot, "id", slot_id),
        sql.db_value(CapacitySlot, "resource_id", resource_id),
    ]
    return await sql.first(conn, CapacitySlot, _slot_where(), values)


@cache
def _standing_sql(with_day: bool) -> str:
    """The rows of both rules: the subject's no-shows since $3 and, ``with_day``, their open
    appointments of one service on one day (what ``Q(state=NO_SHOW, starts_at__gte=since) |
    Q(service_id=…, day=…, state__in=OPEN_STATES)`` asks through the ORM, without building it)."""
    a = partial(sql.column, Appointment)
    wanted = f"({a('state')} = $2 AND {a('starts_at')} >= $3)"
    if with_day:
        open_states = sql.params(6, len(OPEN_STATES))
        wanted += f" OR ({a('service_id')} = $4 AND {a('day')} = $5 AND {a('state')} IN ({open_states}))"
    return (
        f"SELECT {a('state')} AS state, {a('starts_at')} AS starts_at FROM {sql.table(Appointment)}"
        f" WHERE {a('subject_key')} = $1 AND ({wanted})"
    )


async def _standing_and_day(
    subject: str, rules: BookingRules, service_id: int | None = None, day: dt.date | None = None
) -> tuple[Standing, bool]:
    """The standing and, given ``service_id`` and ``day``, whether the subject already has an open
    appointment of that service that day: both rules' rows in one query."""
    now = clock.now()
    since = now - dt.timedelta(days=rules.no_show_window_days)
    values = [
        sql.db_value(Appointment, "subject_key", subject),
        sql.db_value(Appointment, "state", AppointmentState.NO_SHOW),
        sql.db_value(Appointment, "starts_at", since),
    ]
    with_day = service_id is not None and day is not None
    if with_day:
        values += [sql.db_value(Appointment, "service_id", service_id), sql.db_value(Appointment, "day", day)]
        values += [sql.db_value(Appointment, "state", state) for state in OPEN_STATES]
    conn = Appointment._choose_db()
    rows = await conn.execute_query_dict(sql.text(_standing_sql(with_day), conn), values)
    missed: list[dt.datetime] = sorted(
        (
            sql.python_value(Appointment, "starts_at", row["starts_at"])
            for row in rows
            if row["state"] == AppointmentState.NO_SHOW
        ),
        reverse=True,
    )
    until = None
    if len(missed) >= rules.no_show_limit:
        end = china_day(missed[0]) + dt.timedelta(days=rules.suspension_days)
        until = end if end > china_day(now) else None
    standing = Standing(len(missed), rules.no_show_limit, rules.no_show_window_days, until)
    return standing, len(rows) > len(missed)  # the other rows: open that day (no-shows are not open)


# -- booking ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    appointment: Appointment
    # For a service with a fee: what the app needs to pay before ``appointment.pay_by``.
    pay_params: dict[str, object] | None = None


async def book(
    actor: Actor,
    gate: Gate | None,
    providers: Providers,
    *,
    service_id: int,
    slot_id: int,
    on_behalf_of: int | None = None,
) -> Booked:
    """Book ``slot_id`` of ``service_id`` for the resident or an active family member.

    The appointment comes back with its site and service in hand (read with the service, before
    the transaction): rendering it asks the database nothing more.
    """
    service = await _service_with_site(service_id)
    rules = rules_of(service.rules)
    require_level(actor, rules.min_identity_level)  # identity_level_required, with the level needed
    acting = actor if on_behalf_of is None else await family.acting_for(actor, on_behalf_of)
    subject = subject_key(acting)
    slot = await _slot(slot_id, service.capacity_resource_id)
    if slot is None:
        raise SlotNotFound()
    now = clock.now()
    day = china_day(slot.starts_at)
    if slot.starts_at <= now:
        raise SlotInPast()
    if day > china_day(now) + dt.timedelta(days=rules.window_days):
        raise BookingWindowClosed(details={"window_days": rules.window_days})
    standing, open_that_day = await _standing_and_day(
        subject, rules, service.id if rules.one_per_day else None, day
    )
    if standing.suspended_until is not None:
        raise BookingSuspended(
            details={"no_shows": standing.no_shows, "until": standing.suspended_until.isoformat()}
        )
    if open_that_day:
        raise AppointmentLimitReached(details={"day": day.isoformat()})
    paid = service.fee_fen > 0
    if paid and providers.wechat is None:
        raise PaymentProviderUnavailable()  # before any place is taken

    async def write(conn: BaseDBAsyncClient, reservation: Reservation) -> Appointment:
        appointment = Appointment(
            number=_new_number(day),
            user_id=actor.id,
            on_behalf_of_id=acting.on_behalf_of,
            subject_key=subject,
            site_id=service.site_id,
            service_id=service.id,
            slot_id=slot.id,
            reservation_id=reservation.id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            day=day,
            state=AppointmentState.PENDING_PAYMENT if paid else AppointmentState.BOOKED,
            fee_fen=service.fee_fen,
            pay_by=reservation.expires_at,
            checkin_code=new_checkin_code(),
            created_at=now,
            updated_at=now,
        )
        await sql.insert(conn, appointment)
        appointment.site, appointment.service = service.site, service  # in hand: for the answer
        await audit.record(
            acting,
            "appointments.booked",
            target_type="appointment",
            target_id=appointment.id,
            after={"state": appointment.state.value, "slot_id": slot.id, "service_id": service.id},
            using_db=conn,
        )
        if not paid:
            await schedule_reminders(appointment, conn, new=True)
        return appointment

    hold_for = dt.timedelta(minutes=rules.pay_within_minutes) if paid else None
    try:
        appointment = await capacity.book(gate, slot.id, subject, write, hold_for=hold_for, slot=slot)
    except IntegrityError as exc:
        # The partial unique index behind one_per_day: a concurrent booking of the same day won.
        raise AppointmentLimitReached(details={"day": day.isoformat()}) from exc
    except AlreadyReserved as exc:
        # The same person's other booking of this very slot committed first (the reservations'
        # partial unique index). Under one_per_day that is the day's booking, and the answer is the
        # one a second booking made after it gets; otherwise the engine's ``already_reserved``.
        if rules.one_per_day:
            raise AppointmentLimitReached(details={"day": day.isoformat()}) from exc
        raise
    if not paid:
        return Booked(appointment)
    return await _start_payment(appointment, service, providers, gate)


def purpose_of(appointment: Appointment) -> str:
    """What the payment order pays for (``payments.paid`` names it back)."""
    return f"appointment:{appointment.id}"


async def _start_payment(
    appointment: Appointment, service: Service, providers: Providers, gate: Gate | None
) -> Booked:
    site = service.site  # read with the service
    try:
        order = await payments.create_order(
            payer_id=appointment.user_id,
            purpose=purpose_of(appointment),
            amount_fen=appointment.fee_fen,
            description=f"{site.name_zh_hans} {service.name_zh_hans}",
            merchant_code=site.code,
            pay_within=(appointment.pay_by or clock.now()) - clock.now(),
        )
        order = await payments.start(providers, order)
    except PaymentProviderUnavailable:
        # The platform failed: give the place back now rather than when the hold lapses (an order
        # made before the failure is closed: nothing was paid).
        await _end(
            appointment, AppointmentState.CANCELLED, gate, reason="payment could not start", by_site=True
        )
        raise
    appointment.payment_id = order.number
    await appointment.save(update_fields=["payment_id"])
    return Booked(appointment, dict(order.pay_params or {}))


async def schedule_reminders(appointment: Appointment, conn: BaseDBAsyncClient, *, new: bool = False) -> None:
    """``new``: the appointment was created in this transaction, so no reminder of it exists yet.

    Each reminder names the start it was set for: after the site moves the slot, the old ones find
    a different start and stay silent, and the new ones (new keys) remind of the new time."""
    now = clock.now()
    starts = int(appointment.starts_at.timestamp())
    reminders = []
    for name, before in REMINDERS.items():
        at = appointment.starts_at - before
        if at > now:
            payload = {
                "appointment_id": appointment.id,
                "user_id": appointment.user_id,
                "which": name,
                "starts": starts,
            }
            reminders.append((payload, at - now, f"{REMINDER_TOPIC}:{appointment.id}:{name}:{starts}"))
    if new:  # all in one statement
        jobs = [new_job(REMINDER_TOPIC, payload, delay=delay, key=key) for payload, delay, key in reminders]
        await enqueue_new(jobs, using_db=conn)
        return
    for payload, delay, key in reminders:
        await enqueue(REMINDER_TOPIC, payload, using_db=conn, delay=delay, key=key)


async def confirm_payment(
    actor: Actor, providers: Providers, gate: Gate | None, appointment_id: int
) -> Appointment:
    """After the app says it paid: the order is paid (or the provider says so now), so the place is
    confirmed. The ``payments.paid`` message does the same without the app."""
    appointment = await own(actor, appointment_id)
    if appointment.state == AppointmentState.BOOKED:
        return appointment  # already confirmed: a retry changes nothing
    order = await payments.by_purpose(purpose_of(appointment))
    if order is None:
        raise AppointmentNotActive(details={"state": appointment.state.value})
    if order.state == OrderState.PENDING:
        order = await payments.sync_with_provider(providers, order)  # no notification yet: ask
    if order.late_payment:
        # Paid after its hold lapsed (the money goes back by itself): the appointment ends now
        # rather than at the next sweep.
        await _expire_unpaid(id=appointment.id)
        raise PaymentTooLate()
    if order.state != OrderState.PAID:
        raise PaymentNotCompleted()
    return await payment_received(order, gate, actor=actor)


def appointment_id_of(purpose: str) -> int:
    """The appointment an order pays for (``appointment:42`` → 42)."""
    return int(purpose.split(":", 1)[1])


async def payment_received(
    order: PaymentOrder, gate: Gate | None, *, actor: Actor | None = None
) -> Appointment:
    """The order of an appointment was paid: confirm its held place (idempotent). Paid after the hold
    lapsed, the place may be someone else's: the appointment expires, the money goes back in full
    (``payments.purpose_cancelled``) and the payment is refused (``payment_too_late``). An appointment
    that ended before (``appointment_not_active``) had its money settled when it ended."""
    appointment = await Appointment.get(id=appointment_id_of(order.purpose))
    try:
        async with in_transaction() as conn:
            locked = await Appointment.filter(id=appointment.id).using_db(conn).select_for_update().get()
            if locked.state in CONFIRMED_STATES:
                return locked  # confirmed before (a repeated delivery), perhaps checked in since
            if locked.state != AppointmentState.PENDING_PAYMENT:
                raise AppointmentNotActive(details={"state": locked.state.value})
            await capacity.confirm(conn, locked.reservation_id)
            await transition(
                conn, locked, AppointmentState.BOOKED, actor or Actor.system(), "appointments.paid"
            )
            await schedule_reminders(locked, conn)
    except (HoldExpired, ReservationNotActive) as exc:
        # The sweep may have expired it already: its transaction settled the money then.
        with suppress(AppointmentNotActive):
            await _end(
                appointment, AppointmentState.EXPIRED, gate, reason="paid after the hold lapsed", by_site=True
            )
        raise PaymentTooLate() from exc
    return locked


async def who_of(found: list[Appointment]) -> dict[int, str | None]:
    """Appointment id → the masked name of the person it is for (张**), for the frontline's list:
    two queries for the whole list."""
    members = {a.on_behalf_of_id for a in found if a.on_behalf_of_id is not None}
    users = {a.user_id for a in found if a.on_behalf_of_id is None}
    member_names = (
        {m.id: m.name for m in await FamilyMember.filter(id__in=sorted(members))} if members else {}
    )
    user_names = {u.id: u.real_name for u in await User.filter(id__in=sorted(users))} if users else {}
    return {
        a.id: pii.mask_name(
            member_names.get(a.on_behalf_of_id)
            if a.on_behalf_of_id is not None
            else user_names.get(a.user_id)
        )
        for a in found
    }


# -- reading and cancelling ------------------------------------------------------------------------


async def own(actor: Actor, appointment_id: int) -> Appointment:
    """One of the resident's appointments (also those made for a member); others' are not found."""
    found = (
        await Appointment.get_or_none(id=appointment_id, user_id=actor.id)
        if 0 < appointment_id <= _MAX_ID
        else None
    )
    if found is None:
        raise AppointmentNotFound()
    return found


async def mine(actor: Actor, *, limit: int = 50) -> list[Appointment]:
    return await Appointment.filter(user_id=actor.id).order_by("-starts_at").limit(limit)


async def cancel(actor: Actor, gate: Gate | None, appointment_id: int) -> Appointment:
    """The resident cancels before the cut-off; the place is given back at once."""
    appointment = await own(actor, appointment_id)
    service = await _service(appointment.service_id)
    rules = rules_of(service.rules)
    if appointment.state not in (AppointmentState.BOOKED, AppointmentState.PENDING_PAYMENT):
        raise AppointmentNotActive(details={"state": appointment.state.value})
    cutoff = appointment.starts_at - dt.timedelta(minutes=rules.cancel_cutoff_minutes)
    if appointment.state == AppointmentState.BOOKED and clock.now() > cutoff:
        raise CancelCutoffPassed(details={"cutoff_minutes": rules.cancel_cutoff_minutes})
    return await _end(
        appointment,
        AppointmentState.CANCELLED,
        gate,
        actor=actor,
        reason=RESIDENT_CANCELLED_REASON,
        by_site=False,
    )


async def _end(
    appointment: Appointment,
    to: AppointmentState,
    gate: Gate | None,
    *,
    actor: Actor | None = None,
    reason: str,
    by_site: bool | None,
) -> Appointment:
    """Move an open appointment to ``to`` and give its place back (if it still has one).

    Its fee is settled in the same transaction (``payments.purpose_cancelled``): an unpaid order is
    closed, a paid one refunded, in full when ``by_site`` (anyone but the resident ended it), else by
    the service's cancellation rule. ``by_site=None``: the money was settled already (a full refund
    ends the appointment)."""
    async with in_transaction() as conn:
        locked = await Appointment.filter(id=appointment.id).using_db(conn).select_for_update().get()
        if locked.state not in OPEN_STATES:
            raise AppointmentNotActive(details={"state": locked.state.value})
        try:
            reservation = await capacity.give_back(conn, locked.reservation_id)
        except ReservationNotActive:
            reservation = None  # the hold lapsed already: there is nothing to give back
        locked.cancelled_reason = reason
        await transition(conn, locked, to, actor or Actor.system(), f"appointments.{to.value}")
        if by_site is not None:
            await settle(conn, locked, actor or Actor.system(), reason, by_site=by_site)
    if gate is not None and reservation is not None:
        await gate.forget(reservation.slot_id, reservation.resource_id)
    return locked


async def transition(
    conn: BaseDBAsyncClient, appointment: Appointment, to: AppointmentState, actor: Actor, action: str
) -> None:
    before = appointment.state.value
    appointment.state, appointment.updated_at = to, clock.now()
    await appointment.save(using_db=conn)
    await audit.record(
        actor,
        action,
        target_type="appointment",
        target_id=appointment.id,
        before={"state": before},
        after={"state": to.value, "reason": appointment.cancelled_reason},
        using_db=conn,
    )


async def settle(
    conn: BaseDBAsyncClient, appointment: Appointment, actor: Actor, reason: str, *, by_site: bool
) -> None:
    """The appointment ended (in ``conn``'s transaction): payments closes its unpaid order or refunds
    its payment, once however often this is asked (keyed by purpose)."""
    if appointment.fee_fen > 0:
        await payments.purpose_cancelled(
            conn, purpose_of(appointment), actor=actor, reason=reason, by_site=by_site
        )


async def hold_lapsed(reservation_id: int) -> None:
    """``capacity.hold_expired``: the unpaid appointment behind the hold expires (idempotent)."""
    await _expire_unpaid(reservation_id=reservation_id)


async def order_closed(order: PaymentOrder) -> None:
    """Its payment order closed unpaid (its deadline passed): an appointment still waiting for the
    fee expires, as when its hold lapses (idempotent)."""
    await _expire_unpaid(id=appointment_id_of(order.purpose))


async def _expire_unpaid(**which: int) -> None:
    """The unpaid appointment found by ``which`` expires, and its order is closed here and at the
    provider; money that still arrives is refunded in full."""
    async with in_transaction() as conn:
        found = (
            await Appointment.filter(**which, state=AppointmentState.PENDING_PAYMENT)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if found is None:
            return
        found.cancelled_reason = "not paid in time"
        await transition(conn, found, AppointmentState.EXPIRED, Actor.system(), "appointments.expired")
        await settle(conn, found, Actor.system(), "not paid in time", by_site=True)


async def refunded_in_full(order: PaymentOrder, gate: Gate | None) -> None:
    """Everything paid for a booked appointment was given back (finance refunded it): the appointment
    is cancelled, so its check-in code and pass stop working and its place is free (idempotent)."""
    appointment = await Appointment.get_or_none(id=appointment_id_of(order.purpose))
    if appointment is None or appointment.state != AppointmentState.BOOKED:
        return  # ended already (a cancellation's own refund), or checked in and served
    with suppress(AppointmentNotActive):
        await _end(appointment, AppointmentState.CANCELLED, gate, reason=REFUNDED_REASON, by_site=None)


async def mark_no_shows(now: dt.datetime | None = None) -> int:
    """Booked appointments whose check-in closed without the resident: no-show (the scheduled job)."""
    now = now or clock.now()
    changed = 0
    for appointment in await Appointment.filter(state=AppointmentState.BOOKED, starts_at__lt=now):
        rules = rules_of((await _service(appointment.service_id)).rules)
        if appointment.starts_at + dt.timedelta(minutes=rules.checkin_grace_minutes) >= now:
            continue
        async with in_transaction() as conn:
            locked = (
                await Appointment.filter(id=appointment.id, state=AppointmentState.BOOKED)
                .using_db(conn)
                .select_for_update()
                .first()
            )
            if locked is not None:
                await transition(
                    conn, locked, AppointmentState.NO_SHOW, Actor.system(), "appointments.no_show"
                )
                changed += 1
    return changed
