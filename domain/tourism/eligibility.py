"""Claims proven by e-certificates (disability, soldier, fire rescue, student) (strand A5).

A discount that needs proof (``pricing.PROOF``: free by law or policy for disabled people, soldiers
and fire-rescue staff, half price for full-time students; next-modules §2.3) passes online only
when the visitor's **own account** holds an active e-certificate (电子证照, ``domain.certificates``)
of a kind that proves it: issued to that account, not revoked, inside its validity window today
(and on the visit day when it is given). Which kinds prove which claim is data,
:data:`CLAIM_CERTIFICATES`, checked against the certificate registry when this module loads.

The registry holds no student card, soldier's certificate (军人证) or fire-rescue certificate, so
those claims cannot be proven online: they are refused with ``ticket_claim_no_e_certificate`` and
shown at the ticket window, as a companion's are (``ticket_claim_at_window``: a companion has no
account here to hold a certificate).
"""

from __future__ import annotations

import datetime as dt

from domain.certificates import types as certificate_types
from domain.certificates.models import CertificateStatus, ECertificate
from domain.shared import clock
from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _
from domain.tourism.pricing import PROOF

# claim → the e-certificate kinds (``domain.certificates.types`` keys) that prove it; empty: none
# exists yet, the claim is checked at the window.
CLAIM_CERTIFICATES: dict[str, tuple[str, ...]] = {
    "disabled": ("disability_certificate",),  # 残疾人证 (CJRZ)
    "student": (),  # a student card (学生证) is no e-certificate type here
    "soldier": (),  # nor a soldier's certificate (军人证, 退役军人优待证)
    "fire_rescue": (),  # nor a fire-rescue certificate (消防救援人员证)
}


def _codes(claims_to_kinds: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The certificate type codes per claim; a claim or a kind nobody knows stops the start-up."""
    missing = sorted(set(PROOF) - set(claims_to_kinds))
    unknown = sorted({k for kinds in claims_to_kinds.values() for k in kinds} - certificate_types.KEYS)
    if missing or unknown:
        raise ValueError(f"claim certificates: no entry for {missing}, unknown kinds {unknown}")
    return {
        claim: tuple(certificate_types.BY_KEY[k].code for k in kinds)
        for claim, kinds in claims_to_kinds.items()
    }


_TYPE_CODES = _codes(CLAIM_CERTIFICATES)


def proven_online(claim: str) -> bool:
    """Whether an e-certificate in the app can prove ``claim`` (else it is checked at the window)."""
    return bool(_TYPE_CODES.get(claim))


class ClaimAtWindow(DomainError):
    """details: ``claim``, ``proof`` (what to bring)."""

    code = "ticket_claim_at_window"
    kind = ErrorKind.INVALID
    message = _("A companion's discount is checked at the ticket window: bring the certificate there.")


class ClaimNoECertificate(DomainError):
    """details: ``claim``, ``proof``."""

    code = "ticket_claim_no_e_certificate"
    kind = ErrorKind.INVALID
    message = _("This discount cannot be proven online: show the certificate at the ticket window.")


class ClaimUnproven(DomainError):
    """details: ``claim``, ``proof``, ``certificates`` (the kinds that would prove it)."""

    code = "ticket_claim_unproven"
    kind = ErrorKind.INVALID
    message = _("This discount needs a valid e-certificate of yours, such as a disability certificate.")


async def prove_claims(user_id: int | None, claims: frozenset[str], *, on: dt.date | None = None) -> None:
    """Refuse a claim needing proof that the visitor's account (``user_id``; None: a companion with
    no account) cannot prove with an active e-certificate, valid today and on ``on`` (the visit
    day) when given. Claims needing no proof pass; the first refused claim (in name order) is
    named in ``details``."""
    today = clock.today_in_china()
    for claim in sorted(c for c in claims if c in PROOF):
        details = {"claim": claim, "proof": PROOF[claim]}
        if user_id is None:
            raise ClaimAtWindow(details=details)
        codes = _TYPE_CODES[claim]
        if not codes:
            raise ClaimNoECertificate(details=details)
        last = max(today, on or today)
        proven = await ECertificate.filter(
            holder_id=user_id,
            type_code__in=list(codes),
            status=CertificateStatus.ACTIVE,
            valid_from__lte=min(today, on or today),
            valid_until__gte=last,
        ).exists()
        if not proven:
            raise ClaimUnproven(details={**details, "certificates": list(CLAIM_CERTIFICATES[claim])})
