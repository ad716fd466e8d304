"""Refusals of appointments; the capacity engine's (``slot_full``...) pass through unchanged."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, Forbidden, NotFound
from domain.shared.i18n import _


class SiteNotFound(NotFound):
    code = "site_not_found"
    message = _("There is no such site.")


class ServiceNotFound(NotFound):
    code = "appointment_service_not_found"
    message = _("Nothing of that kind can be booked here.")


class AppointmentNotFound(NotFound):
    # Also the answer for someone else's appointment.
    code = "appointment_not_found"
    message = _("There is no such appointment.")


class TicketNotFound(NotFound):
    code = "queue_ticket_not_found"
    message = _("There is no such queue number.")


class SlotInPast(Conflict):
    code = "slot_in_past"
    message = _("This time slot has already begun.")


class SlotMoveOtherDay(DomainError):
    """details: ``day``, the slot's China date."""

    code = "slot_move_other_day"
    kind = ErrorKind.INVALID
    message = _("A slot can only be moved within its own day: cancel it and let people book another day.")


class BookingWindowClosed(Conflict):
    """details: ``window_days``."""

    code = "booking_window_closed"
    message = _("This day cannot be booked yet.")


class AppointmentLimitReached(Conflict):
    """details: ``day``."""

    code = "appointment_limit_reached"
    message = _("There is already a booking for this person, service and day.")


class BookingSuspended(Forbidden):
    """details: ``no_shows``, ``until``."""

    code = "booking_suspended"
    message = _("Booking is suspended after repeated missed appointments.")


class CancelCutoffPassed(Conflict):
    """details: ``cutoff_minutes``."""

    code = "cancel_cutoff_passed"
    message = _("It is too late to cancel this appointment.")


class AppointmentNotActive(Conflict):
    """details: ``state``."""

    code = "appointment_not_active"
    message = _("This appointment cannot take this step in its current state.")


class PaymentNotCompleted(Conflict):
    code = "payment_not_completed"
    message = _("The payment has not been completed yet.")


class PaymentTooLate(Conflict):
    """The fee arrived after the hold lapsed: the place is gone and the payment must be refunded."""

    code = "payment_too_late"
    message = _("The payment came after the place was released; it will be refunded.")


class CheckinWindowClosed(Conflict):
    """details: ``opens_at``, ``closes_at``."""

    code = "checkin_window_closed"
    message = _("Check-in is not open for this appointment now.")


class CheckinCodeInvalid(DomainError):
    code = "checkin_code_invalid"
    kind = ErrorKind.INVALID
    message = _("This is not a check-in code.")


class ScheduleInvalid(DomainError):
    code = "schedule_invalid"
    kind = ErrorKind.INVALID
    message = _("The schedule is not valid.")
