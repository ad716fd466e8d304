"""The registration fee of a paid appointment: appointments as the owner of ``appointment:<id>``.

Payments asks, appointments answers (``domain.payments.owners``):

- **standing**: money is wanted while the appointment waits for it (its hold not lapsed) or is
  booked; money for anything else is late and goes back in full.
- **paid**: the held place is confirmed; if it can no longer be (the hold lapsed first), the
  appointment expires and the money goes back in full (``service.payment_received``).
- **policy**: the service's cancellation rule (``BookingRules.cancel_fee_fen``, within
  ``cancel_fee_within_minutes`` of the start): by default everything comes back. Only a place that
  was booked keeps a fee; money that came for a place still held comes back in full.
- **reopens** is False: the place went with its hold, so a closed order is never paid again.
- **refunded**: a booked appointment whose whole fee was given back is cancelled.
- **closed**: an appointment still waiting for its fee when its order closes expires.

What the resident sees of the money (:func:`money_of`) is derived from the order and its refunds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from domain.appointments import service
from domain.appointments.errors import AppointmentNotActive, PaymentTooLate
from domain.appointments.models import Appointment, AppointmentState, Service
from domain.appointments.rules import rules_of
from domain.capacity.gate import Gate
from domain.capacity.models import Reservation, ReservationState
from domain.payments import service as payments
from domain.payments.models import OrderState, PaymentOrder, Refund, RefundState
from domain.payments.owners import FULL_REFUND, PaymentOwnerBase, RefundKind, RefundPolicy, payment_owners
from domain.shared import clock
from domain.shared.actor import Actor

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from domain.outbox.jobs import Job

ENDED = (AppointmentState.CANCELLED, AppointmentState.EXPIRED)
PURPOSE_KIND = "appointment"


def _gate(job: Job) -> Gate:
    return Gate(job.context.redis, job.context.keys)


class AppointmentPayments(PaymentOwnerBase):
    """The owner of ``appointment:<id>`` orders (registered below, see :data:`PURPOSE_KIND`)."""

    reopens = False  # the place is gone with its hold

    async def standing(self, order: PaymentOrder, conn: BaseDBAsyncClient) -> bool:
        # Locked: a cancel in flight commits first, and its money is then late (refunded in full).
        # Nothing that locks an appointment waits for an order, so this cannot deadlock.
        appointment_id = service.appointment_id_of(order.purpose)
        found = await Appointment.filter(id=appointment_id).using_db(conn).select_for_update().first()
        return found is not None and stands(found, clock.now())

    async def paid(self, order: PaymentOrder, job: Job) -> None:
        try:
            await service.payment_received(order, _gate(job))
        except (PaymentTooLate, AppointmentNotActive):
            # Ended (cancelled, expired) before the money could confirm it: whatever ended it
            # settled the money (keyed by purpose, so asking again changes nothing); asked here
            # too, so that no path keeps it.
            await settle_late(order)

    async def refunded(self, order: PaymentOrder, refund: Refund, job: Job) -> None:
        if order.state == OrderState.REFUNDED:
            await service.refunded_in_full(order, _gate(job))

    async def closed(self, order: PaymentOrder, job: Job) -> None:
        await service.order_closed(order)

    async def policy(self, order: PaymentOrder, at: dt.datetime) -> RefundPolicy:
        return await refund_policy(order, at)


# Registered where the fee is used, not in jobs.py: the app's process takes the provider's
# notifications (``standing``) and starts orders (``reopens``), and it imports this module through
# the appointments API; every worker imports it through ``jobs.py``.
payment_owners.add(PURPOSE_KIND, AppointmentPayments())


def stands(appointment: Appointment, now: dt.datetime) -> bool:
    """Whether the appointment still wants its fee at ``now``."""
    if appointment.state == AppointmentState.BOOKED:
        return True
    held_until = appointment.pay_by
    return appointment.state == AppointmentState.PENDING_PAYMENT and (held_until is None or held_until > now)


async def settle_late(order: PaymentOrder) -> None:
    """Money for an appointment that ended: payments gives it back in full (once per purpose)."""
    async with in_transaction() as conn:
        await payments.purpose_cancelled(
            conn, order.purpose, actor=Actor.system(), reason="paid after the appointment ended", by_site=True
        )


async def refund_policy(order: PaymentOrder, at: dt.datetime) -> RefundPolicy:
    """What the resident's own cancellation at ``at`` gives back: everything, unless the place was
    booked (confirmed) and the service keeps a fee this close to the start."""
    appointment = await Appointment.get_or_none(id=service.appointment_id_of(order.purpose))
    if appointment is None:
        return FULL_REFUND
    reservation = await Reservation.get_or_none(id=appointment.reservation_id)
    if reservation is None or reservation.state != ReservationState.CANCELLED:
        return FULL_REFUND  # never a confirmed place (the money came while it was still held)
    rules = rules_of((await Service.get(id=appointment.service_id)).rules)
    within = rules.cancel_fee_within_minutes
    if rules.cancel_fee_fen == 0 or (
        within is not None and at < appointment.starts_at - dt.timedelta(minutes=within)
    ):
        return FULL_REFUND
    return RefundPolicy(RefundKind.FEE_KEPT, rules.cancel_fee_fen)


# -- what the resident sees ------------------------------------------------------------------------


class MoneyState(StrEnum):
    AWAITING = "awaiting"  # the fee is due
    PAID = "paid"  # paid, and kept
    REFUNDING = "refunding"  # money is coming back
    REFUNDED = "refunded"  # everything due came back
    CLOSED = "closed"  # never paid: the order is closed


@dataclass(frozen=True)
class Money:
    state: MoneyState
    paid_fen: int
    refund_fen: int  # what comes back: due, on its way, or given back
    order_id: int


async def fee_of(appointment: Appointment) -> tuple[PaymentOrder | None, Money | None]:
    """The appointment's order and what its money is doing (nothing for a free service)."""
    if appointment.fee_fen == 0:
        return None, None
    order = await payments.by_purpose(service.purpose_of(appointment))
    if order is None:
        return None, None
    return order, await money_of(appointment, order)


async def money_of(appointment: Appointment, order: PaymentOrder) -> Money:
    if order.paid_fen == 0:
        awaited = appointment.state == AppointmentState.PENDING_PAYMENT
        return Money(MoneyState.AWAITING if awaited else MoneyState.CLOSED, 0, 0, order.id)
    refunds = [r for r in await Refund.filter(order_id=order.id) if r.state != RefundState.FAILED]
    asked = sum(r.amount_fen for r in refunds)
    given = sum(r.amount_fen for r in refunds if r.state == RefundState.SUCCEEDED)
    ended = appointment.state in ENDED or order.late_payment
    if not refunds and ended:
        asked = await _due(appointment, order)  # its settlement has not run yet
    if asked == 0:
        state = MoneyState.PAID
    elif given < asked:
        state = MoneyState.REFUNDING
    else:  # part given back while the appointment goes on (finance's refund): the rest is kept
        state = MoneyState.REFUNDED if ended or given >= order.paid_fen else MoneyState.PAID
    return Money(state, order.paid_fen, asked, order.id)


async def _due(appointment: Appointment, order: PaymentOrder) -> int:
    """What an ended appointment's settlement will give back: all of it, unless the resident
    cancelled it themselves (then the service's rule, as of the cancellation)."""
    if appointment.cancelled_reason != service.RESIDENT_CANCELLED_REASON or order.late_payment:
        return order.paid_fen
    return (await refund_policy(order, appointment.updated_at)).refund_fen(order.paid_fen)
