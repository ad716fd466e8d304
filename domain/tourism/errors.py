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


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    message = _("There is no such ticket.")


class TicketBirthDateNeeded(DomainError):
    """details: ``visitor`` (its position in the order). The document does not carry the birth date."""

    code = "ticket_birth_date_needed"
    kind = ErrorKind.INVALID
    message = _("The visitor's date of birth is needed for this document.")


class TicketPersonTaken(Conflict):
    """details: ``visitor``."""

    code = "ticket_person_taken"
    message = _("This visitor already has a ticket for the scenic spot on that day.")


class TicketNotActive(Conflict):
    code = "ticket_not_active"
    message = _("The ticket has already ended.")


class TicketNotWindowSale(Conflict):
    """The window cancels only what it sold: a ticket bought in the app (or from the waitlist) is
    cancelled by its buyer there."""

    code = "ticket_not_window_sale"
    message = _("This ticket was not sold at the ticket window: its buyer cancels it in the app.")


class CrowdLadderInvalid(DomainError):
    code = "spot_crowd_ladder_invalid"
    kind = ErrorKind.INVALID
    message = _("The scenic spot's crowd level ladder is not valid.")


class SpotAtInstantMax(Conflict):
    """An entry scan at the instantaneous limit: one out, one in (details: ``inside``, ``limit``)."""

    code = "spot_at_instant_max"
    message = _("The scenic spot is full right now: the next visitor may enter when one leaves.")


class StopSelling(Conflict):
    code = "spot_stop_selling"
    message = _("The scenic spot is too crowded today: no more entries are sold.")


class SlotWaitlisted(Conflict):
    """The places left are owed to the waitlist (``domain.tourism.waitlist``): people who waited are
    not overtaken. details: ``waiting``, the places the slot's own line is owed (0: the lines of the
    day's other slots are owed the day's places)."""

    code = "slot_waitlisted"
    message = _("People are waiting for this slot: join the waitlist.")


class AdvisoryNotFound(NotFound):
    code = "advisory_not_found"
    message = _("There is no such notice at this scenic spot.")


class AdvisoryInvalid(DomainError):
    """details: the field that is wrong (``title``, ``text``, ``first_day``, ``last_day``)."""

    code = "advisory_invalid"
    kind = ErrorKind.INVALID
    message = _(
        "The notice is not valid: it needs a title and text in simplified Chinese, and days not yet past."
    )


class AdvisoryWithdrawn(Conflict):
    code = "advisory_withdrawn"
    message = _("The notice has been withdrawn already.")


class CapacityBelowSold(Conflict):
    """A new limit below what is already sold for a day or an entry slot (details: ``day``, ``sold``,
    ``capacity``, and ``slot_id`` for a slot). Nobody's ticket is cancelled for it."""

    code = "spot_capacity_below_sold"
    message = _("More entries are already sold for a day than the new limit allows: nothing was changed.")


class CapacityBelowInside(Conflict):
    """A new instantaneous limit below the visitors inside now (details: ``inside``, ``limit``)."""

    code = "spot_capacity_below_inside"
    message = _("More visitors are inside now than the new instantaneous limit allows: nothing was changed.")
