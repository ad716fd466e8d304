"""Refusals of tourism; the capacity engine's (``slot_full``, ``slot_closed``...) pass through unchanged."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, NotFound
from domain.shared.i18n import _


class SpotNotFound(NotFound):
    code = "spot_not_found"
    message = _("There is no such scenic spot.")


class SpotInvalid(DomainError):
    """details: the field that is out of range."""

    code = "spot_invalid"
    kind = ErrorKind.INVALID
    message = _("The scenic spot's settings are not valid.")


class DayNotOpen(NotFound):
    """details: ``day``."""

    code = "spot_day_not_open"
    message = _("The scenic spot does not take entries on that day yet.")


class DayFull(Conflict):
    code = "spot_day_full"
    message = _("The scenic spot is fully booked for that day.")


class PricesInvalid(DomainError):
    code = "spot_prices_invalid"
    kind = ErrorKind.INVALID
    message = _("The scenic spot's price list is not valid.")


class RulesInvalid(DomainError):
    code = "spot_rules_invalid"
    kind = ErrorKind.INVALID
    message = _("The scenic spot's refund or booking rules are not valid.")
