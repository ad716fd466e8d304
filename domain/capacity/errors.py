"""Refusals of the capacity engine; the modules built on it pass them through unchanged."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, NotFound
from domain.shared.i18n import _


class SlotNotFound(NotFound):
    code = "slot_not_found"
    message = _("There is no such time slot.")


class SlotFull(Conflict):
    code = "slot_full"
    message = _("This time slot is fully booked.")


class SlotClosed(Conflict):
    code = "slot_closed"
    message = _("This time slot is no longer open for booking.")


class AlreadyReserved(Conflict):
    code = "already_reserved"
    message = _("You already have a place in this time slot.")


class ReservationNotFound(NotFound):
    code = "reservation_not_found"
    message = _("There is no such reservation.")


class HoldExpired(Conflict):
    code = "hold_expired"
    message = _("The place was held for too long and has been given back.")


class ReservationNotActive(Conflict):
    """details: ``state``."""

    code = "reservation_not_active"
    message = _("This reservation is no longer active.")


class CapacityBelowTaken(DomainError):
    """details: ``taken``: the places already held or confirmed."""

    code = "capacity_below_taken"
    kind = ErrorKind.CONFLICT
    message = _("More places are already taken than the new capacity allows.")


class CapacityInvalid(DomainError):
    code = "capacity_invalid"
    kind = ErrorKind.INVALID
    message = _("The capacity settings are not valid.")


class SlotTimeTaken(Conflict):
    """details: ``starts_at``."""

    code = "slot_time_taken"
    message = _("The resource already has a slot at that time.")
