"""The kinds of credential and how each one behaves: rotation, single use, static codes.

Policies are data so that a reader sees every kind's rules in one table. A kind's owner (the module
that issues the thing) registers who may show it with ``service.holder``; what scanning it does is
registered with ``domain.scanning.registry.action``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.shared.i18n import LazyText, _


class Kind(StrEnum):
    HEALTH_CARD = "health_card"
    APPOINTMENT_PASS = "appointment_pass"
    TICKET = "ticket"
    CERTIFICATE = "certificate"
    PARKING = "parking"

    @property
    def label(self) -> LazyText:
        return _LABELS[self]


_LABELS: dict[Kind, LazyText] = {
    Kind.HEALTH_CARD: _("Electronic health card"),
    Kind.APPOINTMENT_PASS: _("Appointment pass"),
    Kind.TICKET: _("Ticket"),
    Kind.CERTIFICATE: _("E-certificate"),
    Kind.PARKING: _("Parking exit code"),
}

# One byte in the token for each kind. Never reuse a letter: scanners in the field decode by it.
WIRE_CODE: dict[Kind, int] = {
    Kind.HEALTH_CARD: ord("H"),
    Kind.APPOINTMENT_PASS: ord("P"),
    Kind.TICKET: ord("T"),
    Kind.CERTIFICATE: ord("C"),
    Kind.PARKING: ord("K"),
}
KIND_OF_WIRE: dict[int, Kind] = {code: kind for kind, code in WIRE_CODE.items()}


@dataclass(frozen=True)
class Policy:
    # A code used once is spent (its nonce is consumed); otherwise it may be scanned again until it
    # expires (an e-certificate shown at two counters).
    single_use: bool
    # A printable code that never rotates; it is only accepted with the holder's PIN.
    static_allowed: bool = False


POLICIES: dict[Kind, Policy] = {
    # The national card's dynamic code is "generated fresh before each use"; the static code is
    # used with a password (tech-facts §5).
    Kind.HEALTH_CARD: Policy(single_use=True, static_allowed=True),
    Kind.APPOINTMENT_PASS: Policy(single_use=True),
    Kind.TICKET: Policy(single_use=True),
    Kind.CERTIFICATE: Policy(single_use=False),
    Kind.PARKING: Policy(single_use=True),
}


def parse_kind(value: str) -> Kind | None:
    try:
        return Kind(value)
    except ValueError:
        return None
