"""Claims proven by e-certificates: a disability claim passes with an active 残疾人证 of the visitor's
own account (not revoked, valid today and on the visit day); a companion's claim is checked at the
window; student, soldier and fire-rescue claims have no e-certificate here and are refused so."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from domain.accounts.models import User
from domain.certificates.models import CertificateStatus, ECertificate
from domain.shared import clock
from domain.shared.actor import Actor
from domain.tourism import eligibility, tickets
from domain.tourism.eligibility import ClaimAtWindow, ClaimNoECertificate, ClaimUnproven, prove_claims
from domain.tourism.models import TicketState
from server.settings import Settings
from tests.api.test_tickets import open_spot, visitor

DISABLED = frozenset({"disabled"})


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault (certificate data and documents are sealed)."""


async def account() -> int:
    return (await User.create(openid=f"o-{uuid.uuid4().hex}", created_at=clock.now())).id


async def certificate(
    holder_id: int,
    *,
    type_code: str = "CJRZ",
    first: int = -30,
    last: int = 3650,
    status: CertificateStatus = CertificateStatus.ACTIVE,
) -> ECertificate:
    today = clock.today_in_china()
    return await ECertificate.create(
        type_code=type_code,
        holder_id=holder_id,
        data="{}",
        valid_from=today + dt.timedelta(days=first),
        valid_until=today + dt.timedelta(days=last),
        department_code="CDPF-QY",
        status=status,
        issued_at=clock.now(),
    )


async def test_a_disability_claim_passes_with_the_account_s_active_certificate(db: str) -> None:
    holder = await account()
    with pytest.raises(ClaimUnproven) as refused:
        await prove_claims(holder, DISABLED)
    assert refused.value.code == "ticket_claim_unproven"
    assert refused.value.details["certificates"] == ["disability_certificate"]
    await certificate(holder)
    await prove_claims(holder, DISABLED)
    await prove_claims(holder, frozenset())  # nothing claimed, nothing to prove
    with pytest.raises(ClaimUnproven):
        await prove_claims(await account(), DISABLED)  # someone else's certificate proves nothing


@pytest.mark.parametrize(
    ("first", "last", "status"),
    [
        (-30, -1, CertificateStatus.ACTIVE),  # expired yesterday
        (1, 3650, CertificateStatus.ACTIVE),  # valid from tomorrow
        (-30, 3650, CertificateStatus.REVOKED),
    ],
)
async def test_an_expired_future_or_revoked_certificate_proves_nothing(
    db: str, first: int, last: int, status: CertificateStatus
) -> None:
    holder = await account()
    await certificate(holder, first=first, last=last, status=status)
    with pytest.raises(ClaimUnproven):
        await prove_claims(holder, DISABLED)


async def test_a_certificate_ending_before_the_visit_day_does_not_prove_it(db: str) -> None:
    holder = await account()
    await certificate(holder, last=5)
    today = clock.today_in_china()
    await prove_claims(holder, DISABLED, on=today + dt.timedelta(days=5))
    with pytest.raises(ClaimUnproven):
        await prove_claims(holder, DISABLED, on=today + dt.timedelta(days=6))


async def test_a_certificate_of_another_kind_does_not_prove_a_disability(db: str) -> None:
    holder = await account()
    await certificate(holder, type_code="CJKF")  # a rehabilitation aid decision, not a 残疾人证
    with pytest.raises(ClaimUnproven):
        await prove_claims(holder, DISABLED)


@pytest.mark.parametrize("claim", ["student", "soldier", "fire_rescue"])
async def test_claims_without_an_e_certificate_kind_are_checked_at_the_window(db: str, claim: str) -> None:
    holder = await account()
    await certificate(holder)
    with pytest.raises(ClaimNoECertificate) as refused:
        await prove_claims(holder, frozenset({claim}))
    assert refused.value.code == "ticket_claim_no_e_certificate"
    assert refused.value.details["claim"] == claim


async def test_a_companion_s_claim_is_checked_at_the_window(db: str) -> None:
    with pytest.raises(ClaimAtWindow) as refused:
        await prove_claims(None, DISABLED)
    assert refused.value.code == "ticket_claim_at_window"
    await prove_claims(None, frozenset())


def test_the_mapping_is_data_checked_against_the_certificate_registry() -> None:
    assert set(eligibility.CLAIM_CERTIFICATES) == {"student", "disabled", "soldier", "fire_rescue"}
    with pytest.raises(ValueError, match="unknown kinds"):
        eligibility._codes({**eligibility.CLAIM_CERTIFICATES, "soldier": ("army_card",)})
    with pytest.raises(ValueError, match="no entry"):
        eligibility._codes({"disabled": ("disability_certificate",)})


async def test_an_order_s_disabled_visitor_is_free_only_with_the_certificate(db: str) -> None:
    spot, slot = await open_spot()
    holder = await account()
    resident = Actor("resident", holder)
    claimant = visitor(dt.date(1980, 1, 1), "004", DISABLED)
    with pytest.raises(ClaimUnproven) as refused:
        await tickets.create_order(resident, spot, slot.id, [_as(claimant, holder)], None)
    assert refused.value.details["visitor"] == 0
    companion = visitor(dt.date(1981, 1, 1), "005", DISABLED)
    with pytest.raises(ClaimAtWindow) as at_window:
        await tickets.create_order(resident, spot, slot.id, [visitor(dt.date(1990, 1, 1)), companion], None)
    assert at_window.value.details["visitor"] == 1
    await certificate(holder)
    ordered = await tickets.create_order(resident, spot, slot.id, [_as(claimant, holder)], None)
    [ticket] = ordered.tickets
    assert (ticket.category, ticket.amount_fen, ticket.state) == ("disabled", 0, TicketState.CONFIRMED)


def _as(found: tickets.Visitor, account_id: int) -> tickets.Visitor:
    """The visitor with their own account (the resident, or a family member's linked account)."""
    return tickets.Visitor(found.document, found.born, found.claims, account_id=account_id)
