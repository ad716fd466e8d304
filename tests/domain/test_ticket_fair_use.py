"""Tickets' fair use in the domain: claims proven by each visitor's own account (not at the
window), visitors kept for later orders, and on PostgreSQL the races: one person ordered by many
accounts at once gets exactly one ticket, and two cancellations at once cannot both take a quota's
last one."""

from __future__ import annotations

import asyncio
import datetime as dt
import typing
from collections import Counter
from typing import Any

import pytest

from api.tourism.ticket_schemas import Claim
from domain.audit.models import AuditRecord
from domain.capacity.gate import Gate
from domain.identity.documents import DocumentKind, document
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.errors import DomainError
from domain.shared.kv import Keys
from domain.tourism import eligibility, pricing, tickets
from domain.tourism.errors import RulesInvalid
from domain.tourism.models import SaleChannel, Spot, Ticket, TicketState
from domain.tourism.tickets import Sale, Visitor
from server.redis import connect
from server.settings import Settings
from tests.api.test_tickets import id_card, open_spot, someone, visitor


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


def test_the_claims_a_visitor_may_name_are_the_ones_pricing_knows_how_to_prove() -> None:
    assert set(typing.get_args(Claim)) == set(pricing.PROOF)


def test_a_visitor_kept_as_data_reads_back_the_same() -> None:
    permit = Visitor(
        document(DocumentKind.HOME_RETURN_PERMIT, "H1234567801"),
        dt.date(2010, 1, 2),
        frozenset({"student"}),
        None,
        "陈*",
        None,
    )
    assert tickets.visitor_of(tickets.visitor_data(permit)) == permit
    assert tickets.visitor_data(permit)["document_number"] == "H1234567801"  # sealed by whoever keeps it


class Refused(DomainError):
    code = "claim_not_proven_for_test"


async def test_claims_are_proven_by_each_visitor_s_own_account_and_not_at_the_window(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[int | None, frozenset[str]]] = []

    async def prove(user_id: int | None, claims: frozenset[str], *, on: dt.date | None = None) -> None:
        asked.append((user_id, claims))
        if user_id is None:
            raise Refused()

    monkeypatch.setattr(eligibility, "prove_claims", prove)
    spot, slot = await open_spot()
    me = await someone()
    student = frozenset({"student"})
    mine = Visitor(
        document(DocumentKind.RESIDENT_ID, id_card(dt.date(2004, 1, 1))), claims=student, account_id=me.id
    )
    plain = visitor(dt.date(1990, 1, 1), "002", frozenset({"unknown_to_the_spot"}))
    companion = visitor(dt.date(2003, 1, 1), "003", student)
    with pytest.raises(Refused) as refused:
        await tickets.create_order(me, spot, slot.id, [mine, plain, companion], None)
    assert refused.value.details == {"visitor": 2}
    assert asked == [(me.id, student), (None, student)]  # a claim the spot does not price is not asked
    assert await Ticket.all().count() == 0
    window = Sale(channel=SaleChannel.WINDOW, walk_in=True, paid_by="cash")
    sold = await tickets.create_order(me, spot, slot.id, [companion], None, sale=window)
    assert [t.category for t in sold.tickets] == ["student"] and len(asked) == 2  # checked on paper


async def test_the_no_show_lock_is_booking_s_the_window_still_sells(db: str) -> None:
    spot, slot = await open_spot()
    me = await someone()
    elder = visitor(dt.date(1950, 1, 1), "004")
    window = Sale(channel=SaleChannel.WINDOW, walk_in=True, paid_by="cash")
    for days_ago in (3, 5):  # two earlier visits missed (their places long given back)
        missed = await tickets.create_order(me, spot, slot.id, [elder], None, sale=window)
        await tickets.cancel_ticket(me, missed.tickets[0].id, None)
        past = clock.today_in_china() - dt.timedelta(days=days_ago)
        await Ticket.filter(id=missed.tickets[0].id).update(day=past, state=TicketState.NO_SHOW)
    with pytest.raises(tickets.rules.BookingLocked) as refused:
        await tickets.create_order(me, spot, slot.id, [visitor(dt.date(1950, 1, 2), "005"), elder], None)
    assert refused.value.details["visitor"] == 1
    sold = await tickets.create_order(me, spot, slot.id, [elder], None, sale=window)  # a walk-in
    assert sold.tickets[0].state == TicketState.CONFIRMED


# -- concurrency (PostgreSQL) ----------------------------------------------------------------------


async def _attempt(actor: Actor, gate: Gate, spot: Any, slot_id: int, who: Visitor) -> str:
    try:
        await tickets.create_order(actor, spot, slot_id, [who], gate)
    except DomainError as exc:
        return exc.code
    return "ok"


@pytest.mark.postgres
async def test_one_person_ordered_by_twenty_accounts_at_once_gets_exactly_one_ticket(
    db: str, settings: Settings
) -> None:
    redis = connect(settings)
    gate = Gate(redis, Keys(settings.redis_prefix))
    spot, slot = await open_spot()
    accounts = [await someone() for _ in range(19)]
    accounts.append(accounts[0])  # the same account twice among them
    hk = Visitor(document(DocumentKind.HOME_RETURN_PERMIT, "H1234567800"), dt.date(1980, 1, 1))
    renewed = Visitor(document(DocumentKind.HOME_RETURN_PERMIT, "H1234567801"), dt.date(1980, 1, 1))
    try:
        results = await asyncio.gather(
            *(_attempt(a, gate, spot, slot.id, hk if i % 2 else renewed) for i, a in enumerate(accounts))
        )
    finally:
        await redis.aclose()
    assert Counter(results) == Counter({"ok": 1, "ticket_person_taken": 19}), results
    assert await Ticket.filter(person_index__not_isnull=True).count() == 1
    day = await tickets.service.SpotDay.get(spot_id=spot.id)
    assert day.taken == 1  # the refused attempts gave back every place they took


@pytest.mark.postgres
async def test_two_cancellations_at_once_cannot_both_take_the_quota_s_last_one(db: str) -> None:
    spot, slot = await open_spot()
    await tickets.set_rules(Actor.system(), spot, {"cancel_quota": {"day": 1}})
    me = await someone()
    made = [
        await tickets.create_order(me, spot, slot.id, [visitor(dt.date(1950, 1, 1 + i), f"0{i}9")], None)
        for i in range(2)
    ]

    async def cancel(order_id: int) -> str:
        try:
            await tickets.cancel_order(me, order_id, None)
        except DomainError as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(*(cancel(m.order.id) for m in made))
    assert sorted(results) == ["ok", "ticket_cancel_quota_reached"]
    assert await Ticket.filter(state=TicketState.CANCELLED).count() == 1


async def test_a_spot_s_rules_are_validated_stored_spelled_out_and_audited(db: str) -> None:
    spot, _slot = await open_spot()
    with pytest.raises(RulesInvalid) as refused:
        await tickets.set_rules(Actor.system(), spot, {"cancel_quota": {"day": -1}})
    assert refused.value.code == "spot_rules_invalid"
    await tickets.set_rules(Actor.system(), spot, {"no_show": {"lock_days": 30}})
    stored = (await Spot.get(id=spot.id)).rules
    assert stored["no_show"] == {"count": 2, "window_days": 120, "lock_days": 30}
    assert stored["cancel_quota"] == {"day": 2, "week": 4, "month": 6, "year": 12}
    audit = await AuditRecord.filter(action="tourism.spot_rules_set").order_by("-id").first()
    assert audit is not None and audit.after == stored
