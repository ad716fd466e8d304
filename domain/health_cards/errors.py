"""Refusals of health cards."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, ErrorKind, NotFound
from domain.shared.i18n import _


class HealthCardNotFound(NotFound):
    # Also the answer for someone else's card.
    code = "health_card_not_found"
    message = _("There is no such health card.")


class HealthCardExists(Conflict):
    """details: ``card_id`` when the caller holds it."""

    code = "health_card_exists"
    message = _("This person already has a health card: one person, one card.")


class HealthCardNotActive(Conflict):
    """details: ``state``."""

    code = "health_card_not_active"
    message = _("The card is not active.")


class HealthCardNotFrozen(Conflict):
    code = "health_card_not_frozen"
    message = _("The card is not frozen.")


class HealthCardPlatformUnavailable(DomainError):
    code = "health_card_platform_unavailable"
    kind = ErrorKind.UNAVAILABLE
    message = _("The provincial health card platform cannot be reached. Please try again later.")


class HealthCardPurposeInvalid(DomainError):
    """details: ``allowed``."""

    code = "health_card_purpose_invalid"
    kind = ErrorKind.INVALID
    message = _("A health card is scanned to register, to treat or to pay.")
