"""Gate admission in the domain: by ID number (a renewed Home Return Permit too), once; at the
instantaneous limit refused with the ticket left unused; a ticket not paid refused; an offline QR
scan uploaded later; and tickets never admitted marked no-shows after their day, once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from domain.audit.models import AuditRecord
from domain.capacity.models import CapacitySlot
from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.identity.documents import DocumentKind, document
from domain.outbox.jobs import SCHEDULES, handler_for
from domain.outbox.models import OutboxMessage
from domain.scanning import service as scanning
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.kv import Keys
from domain.staff.errors import StaffScopeRequired
from domain.tourism import admission, occupancy, service, tickets
from domain.tourism.errors import SpotAtInstantMax, TicketNotFound
from domain.tourism.models import Occupancy, Spot, SpotDay, Ticket, TicketState
from domain.tourism.tickets import Sale, Visitor
from server import wiring
from server.settings import Settings
from tests.api.test_tickets import id_card, someone
from tests.domain.test_tourism_crowd import DAY, MORNING
from tests.domain.test_tourism_crowd import spot as crowd_spot

NEXT_MORNING = MORNING + dt.timedelta(days=1)
CASH = Sale(paid_by="cash")  # confirmed at once, no payment order: as the window sells
PERMIT = "H1234567800"  # a Home Return Permit, first issue
RENEWED = "H1234567801"  # the same person's card after one renewal
ALL_DAY = {"entry": {"early_minutes": 120, "late_minutes": None}}


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


async def open_spot(instant_max: int = 50, days: int = 1) -> tuple[Spot, list[CapacitySlot]]:
    """A spot (the crowd tests': 100 a day, 40 a slot, 80 yuan) open on DAY and the days after it,
    ``days`` in all; the first slot of each day. Its tickets admit all day (from two hours before
    the slot, MORNING, until the spot closes): these tests are about what admitting does, the
    entry window's own tests choose theirs."""
    spot = await crowd_spot(instant_max)
    spot = await tickets.set_rules(Actor.system(), spot, ALL_DAY)
    firsts = []
    for n in range(days):
        day = DAY + dt.timedelta(days=n)
        await service.open_day(spot, day)
        slots = await CapacitySlot.filter(resource_id=spot.resource_id).order_by("starts_at")
        firsts.append(next(s for s in slots if clock.china_day(s.starts_at) == day))
    return spot, firsts


def adult(serial: str = "001") -> Visitor:
    return Visitor(
        document(DocumentKind.RESIDENT_ID, id_card(dt.date(1990, 1, 1), serial)), name_masked="张*"
    )


async def sold(
    spot: Spot, slot: CapacitySlot, *visitors: Visitor, buyer: Actor | None = None
) -> list[Ticket]:
    """Confirmed tickets, sold for cash (no payment to wait for)."""
    ordered = await tickets.create_order(
        buyer or await someone(), spot, slot.id, list(visitors), None, sale=CASH
    )
    return ordered.tickets


def gate_of(spot: Spot) -> Actor:
    return Actor(
        kind="staff",
        id=7,
        roles=frozenset({"scanner"}),
        scopes=frozenset({spot.code}),
        scan_kinds=frozenset({"ticket"}),
    )


# -- by ID number --------------------------------------------------------------------------------


async def test_admitted_by_id_number_once_with_the_entry_counted(db: str) -> None:
    spot, (slot,) = await open_spot()
    with clock.frozen_at(MORNING):
        (ticket,) = await sold(spot, slot, adult())
        admitted = await admission.admit_by_document(
            gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1), "001")
        )
        assert admitted.ticket.id == ticket.id and admitted.count.inside == 1
        assert admitted.ticket.state == TicketState.USED and admitted.ticket.used_at == MORNING
        shown = admission.shown(admitted)
        assert shown["name_masked"] == "张*" and shown["document_masked"] == ticket.document_masked
        assert (shown["category"], shown["category_label"]["en"], shown["inside"]) == ("adult", "Adult", 1)
        with pytest.raises(admission.TicketAlreadyUsed):
            await admission.admit_by_document(
                gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1))
            )
        with pytest.raises(TicketNotFound):
            await admission.admit_by_document(
                gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1), "002")
            )
        other, _ = await open_spot()
        with pytest.raises(StaffScopeRequired):
            await admission.admit_by_document(
                gate_of(other), spot, "resident_id", id_card(dt.date(1990, 1, 1))
            )
    assert (await Occupancy.get(spot_id=spot.id)).inside == 1
    used = await OutboxMessage.filter(topic=admission.TICKET_USED_TOPIC).values_list("payload", flat=True)
    assert used == [{"ticket_id": ticket.id}]
    audited = await AuditRecord.filter(action="tourism.ticket_used").values_list("target_id", "after")
    assert [(t, a["by"]) for t, a in audited] == [(str(ticket.id), "document")]


async def test_a_renewed_home_return_permit_finds_the_ticket_booked_with_the_old_card(db: str) -> None:
    spot, (slot,) = await open_spot()
    child = Visitor(document(DocumentKind.HOME_RETURN_PERMIT, PERMIT), born=dt.date(2019, 6, 1))
    with clock.frozen_at(MORNING):
        (ticket,) = await sold(spot, slot, child)
        admitted = await admission.admit_by_document(gate_of(spot), spot, "home_return_permit", RENEWED)
    assert admitted.ticket.id == ticket.id
    assert (admitted.ticket.category, admitted.ticket.document_masked) == ("child", "H1*******00")


async def test_at_the_instantaneous_limit_the_ticket_stays_unused(db: str) -> None:
    spot, (slot,) = await open_spot(instant_max=1)
    with clock.frozen_at(MORNING):
        (ticket,) = await sold(spot, slot, adult())
        await occupancy.scan(gate_of(spot), spot, entering=True)  # someone without a ticket (a walk-in)
        with pytest.raises(SpotAtInstantMax):
            await admission.admit_by_document(
                gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1))
            )
        unused = await Ticket.get(id=ticket.id)
        assert (unused.state, unused.used_at) == (TicketState.CONFIRMED, None)
        assert await OutboxMessage.filter(topic=admission.TICKET_USED_TOPIC).count() == 0
        await occupancy.scan(gate_of(spot), spot, entering=False)  # one out, one in
        admitted = await admission.admit_by_document(
            gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1))
        )
    assert admitted.count.inside == 1 and (await Occupancy.get(spot_id=spot.id)).entered == 2


async def test_a_ticket_not_paid_or_of_another_day_does_not_admit(db: str) -> None:
    spot, (slot, tomorrow) = await open_spot(days=2)
    with clock.frozen_at(MORNING):
        held = await tickets.create_order(await someone(), spot, slot.id, [adult()], None)  # online: held
        await sold(spot, tomorrow, adult("002"))
        with pytest.raises(admission.TicketNotAdmissible) as refused:
            await admission.admit_by_document(
                gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1))
            )
        assert refused.value.details == {"state": "held"}
        with pytest.raises(TicketNotFound):  # tomorrow's ticket is not today's
            await admission.admit_by_document(
                gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1), "002")
            )
    assert (await Ticket.get(id=held.tickets[0].id)).state == TicketState.HELD


# -- the entry window ----------------------------------------------------------------------------

MINUTE = dt.timedelta(minutes=1)
SLOT_STARTS = MORNING + dt.timedelta(hours=1)  # the first slot: 08:00-09:00 in China
SLOT_ENDS = SLOT_STARTS + dt.timedelta(hours=1)
CLOSES = MORNING + dt.timedelta(hours=5)  # the spot closes at 12:00


async def windowed(entry: dict[str, Any] | None, *serials: str) -> tuple[Spot, list[Ticket]]:
    """A spot with the given entry window (None: the rules as stored before it, no ``entry``),
    and a ticket of its first slot for each serial, sold at 07:00."""
    spot, (slot,) = await open_spot()
    spot.rules = {} if entry is None else {"entry": entry}
    await spot.save(update_fields=["rules"])
    with clock.frozen_at(MORNING):
        sold_tickets = await sold(spot, slot, *(adult(s) for s in serials))
    return spot, sold_tickets


async def admit_at(spot: Spot, at: dt.datetime, serial: str) -> admission.Admitted:
    with clock.frozen_at(at):
        return await admission.admit_by_document(
            gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1), serial)
        )


async def assert_untouched(spot: Spot, ticket: Ticket, inside: int) -> None:
    """Refused: the ticket unused, nobody more counted, nothing enqueued or audited for it."""
    unused = await Ticket.get(id=ticket.id)
    assert (unused.state, unused.used_at) == (TicketState.CONFIRMED, None)
    row = await Occupancy.get_or_none(spot_id=spot.id, day=DAY)
    assert (row.inside, row.entered) == (inside, inside) if row else inside == 0
    assert not await AuditRecord.filter(action="tourism.ticket_used", target_id=str(ticket.id)).exists()


async def test_the_default_window_admits_from_30_minutes_before_the_slot_until_it_ends(db: str) -> None:
    # Rules stored before the entry window existed (no ``entry``) read the default: 30 early, 0 late.
    spot, (early, late) = await windowed(None, "001", "002")
    with pytest.raises(admission.TicketNotYet) as too_early:
        await admit_at(spot, SLOT_STARTS - 30 * MINUTE - MINUTE, "001")
    assert too_early.value.code == "ticket_not_yet"
    assert too_early.value.details == {
        "opens_at": "2026-05-01T07:30:00+08:00",
        "closes_at": "2026-05-01T09:00:00+08:00",
        "opens": "07:30",
        "closes": "09:00",
    }
    assert "07:30" in too_early.value.message.render("en") and "09:00" in too_early.value.message.render("en")
    await assert_untouched(spot, early, 0)
    assert (await admit_at(spot, SLOT_STARTS - 30 * MINUTE, "001")).count.inside == 1  # the edge admits

    with pytest.raises(admission.TicketEntryPassed) as too_late:
        await admit_at(spot, SLOT_ENDS + MINUTE, "002")
    assert too_late.value.code == "ticket_entry_passed"
    assert too_late.value.details["closes"] == "09:00"
    await assert_untouched(spot, late, 1)
    assert (await admit_at(spot, SLOT_ENDS, "002")).count.inside == 2  # the last instant admits


async def test_a_ticket_bought_as_its_slot_ends_admits_for_half_an_hour_after(db: str) -> None:
    """The window sells the slot under way up to its last minute: its buyer still gets in."""
    spot, (slot,) = await open_spot()
    spot.rules = {}  # the default window: it closes with the slot
    await spot.save(update_fields=["rules"])
    with clock.frozen_at(SLOT_ENDS - 2 * MINUTE):
        ticket, other = await sold(spot, slot, adult("001"), adult("002"))
    bought_plus = SLOT_ENDS - 2 * MINUTE + admission.AFTER_PURCHASE
    with pytest.raises(admission.TicketEntryPassed) as too_late:
        await admit_at(spot, bought_plus + MINUTE, "002")
    assert too_late.value.details["closes"] == "09:28"
    await assert_untouched(spot, other, 0)
    assert (await admit_at(spot, bought_plus, "001")).count.inside == 1


async def test_a_spot_s_own_window_and_null_late_minutes_admit_until_the_spot_closes(db: str) -> None:
    spot, (early, late) = await windowed({"early_minutes": 0, "late_minutes": None}, "001", "002")
    with pytest.raises(admission.TicketNotYet):
        await admit_at(spot, SLOT_STARTS - MINUTE, "001")
    await assert_untouched(spot, early, 0)
    await admit_at(spot, SLOT_STARTS, "001")
    with pytest.raises(admission.TicketEntryPassed) as too_late:
        await admit_at(spot, CLOSES + MINUTE, "002")
    assert too_late.value.details["closes"] == "12:00"
    await assert_untouched(spot, late, 1)
    assert (await admit_at(spot, CLOSES, "002")).ticket.state == TicketState.USED


async def test_a_late_allowance_admits_that_long_after_the_slot_ends(db: str) -> None:
    spot, (ticket,) = await windowed({"late_minutes": 15}, "001")
    with pytest.raises(admission.TicketEntryPassed):
        await admit_at(spot, SLOT_ENDS + 16 * MINUTE, "001")
    await assert_untouched(spot, ticket, 0)
    assert (await admit_at(spot, SLOT_ENDS + 15 * MINUTE, "001")).count.inside == 1


# -- the QR code scanned offline, uploaded later ---------------------------------------------------


class RedisAway:
    """Redis unreachable: the scan row's unique nonce alone spends a code."""

    async def set(self, *args: Any, **kwargs: Any) -> Any:
        raise RedisConnectionError("away")

    async def exists(self, *args: Any) -> Any:
        raise RedisConnectionError("away")

    async def delete(self, *args: Any) -> Any:
        raise RedisConnectionError("away")


async def test_an_offline_scan_uploaded_later_uses_the_ticket_and_counts_the_day_s_entry(
    db: str, settings: Settings
) -> None:
    wiring.install(settings)  # the credential keys
    spot, (slot,) = await open_spot()
    buyer = await someone()
    spent = scanning.Spent(redis=RedisAway(), keys=Keys("palmcity:test:a2"))  # type: ignore[arg-type]
    with clock.frozen_at(MORNING):
        (ticket,) = await sold(spot, slot, adult(), buyer=buyer)
        token = (await credentials.issue(buyer, Kind.TICKET, ticket.id)).token
        device = await scanning.register_device(gate_of(spot), site_code=spot.code, name="Gate 1")
    scanned_at = MORNING + dt.timedelta(seconds=20)
    with clock.frozen_at(MORNING + dt.timedelta(minutes=30)):
        (result,) = await scanning.upload(
            gate_of(spot), spent, device_code=device.code, scans=[scanning.OfflineScan(token, scanned_at)]
        )
    assert result.status == "admitted", result.error
    assert result.scan is not None and result.scan.shown["document_masked"] == ticket.document_masked
    used = await Ticket.get(id=ticket.id)
    assert (used.state, used.used_at) == (TicketState.USED, scanned_at)
    row = await Occupancy.get(spot_id=spot.id)
    assert (row.entered, row.inside) == (1, 0)  # who is inside now is not known; the day's entries are


# -- no-shows ------------------------------------------------------------------------------------


async def test_tickets_never_admitted_become_no_shows_after_their_day_once(db: str) -> None:
    spot, (slot, tomorrow) = await open_spot(days=2)
    buyer = await someone()
    with clock.frozen_at(MORNING):
        absent, came, cancelled = await sold(
            spot, slot, adult("001"), adult("002"), adult("003"), buyer=buyer
        )
        (later,) = await sold(spot, tomorrow, adult("004"))
        await admission.admit_by_document(
            gate_of(spot), spot, "resident_id", id_card(dt.date(1990, 1, 1), "002")
        )
        await tickets.cancel_ticket(buyer, cancelled.id, None)
        assert await admission.mark_no_shows() == 0  # the day is not over yet
    taken = (await SpotDay.get(spot_id=spot.id, day=DAY)).taken
    with clock.frozen_at(NEXT_MORNING):
        assert await admission.mark_no_shows() == 1
        assert await admission.mark_no_shows() == 0  # run again: nothing more
    states = {t.id: t.state for t in await Ticket.all()}
    assert states == {
        absent.id: TicketState.NO_SHOW,
        came.id: TicketState.USED,
        cancelled.id: TicketState.CANCELLED,
        later.id: TicketState.CONFIRMED,
    }
    assert (await SpotDay.get(spot_id=spot.id, day=DAY)).taken == taken  # nothing given back
    audited = await AuditRecord.filter(action="tourism.ticket_no_show").values_list("target_id", "actor_kind")
    assert audited == [(str(absent.id), "system")]
    assert handler_for(admission.NO_SHOWS_TOPIC) is not None
    assert SCHEDULES.get(admission.NO_SHOWS_TOPIC) is not None


# -- the entry window's rules --------------------------------------------------------------------


def test_rules_without_an_entry_window_read_the_default_and_store_it_spelled_out() -> None:
    from domain.tourism import rules

    old = {"cancel_quota": {"day": 1}, "waitlist_pay_minutes": 20}  # stored before ``entry`` existed
    read = rules.spot_rules(old)
    assert read.entry == rules.DEFAULT_ENTRY == rules.EntryWindow(early_minutes=30, late_minutes=0)
    assert rules.rules_data(read)["entry"] == {"early_minutes": 30, "late_minutes": 0}
    assert rules.spot_rules({"entry": {"late_minutes": None}}).entry == rules.EntryWindow(30, None)
    assert rules.spot_rules({"entry": {}}).entry == rules.DEFAULT_ENTRY


@pytest.mark.parametrize(
    "entry",
    [
        {"early_minutes": -1},
        {"early_minutes": 1441},
        {"early_minutes": None},
        {"early_minutes": True},
        {"early_minutes": 1.5},
        {"late_minutes": -5},
        {"late_minutes": 2000},
        {"late_minutes": "10"},
        {"early": 10},
        [],
        None,
    ],
)
def test_a_bad_entry_window_is_refused(entry: Any) -> None:
    from domain.tourism import rules
    from domain.tourism.errors import RulesInvalid

    with pytest.raises(RulesInvalid) as refused:
        rules.spot_rules({"entry": entry})
    assert refused.value.code == "spot_rules_invalid"
    assert any(key.startswith("entry") for key in refused.value.details)


async def test_an_offline_scan_outside_the_window_is_not_judged_by_it_at_upload(
    db: str, settings: Settings
) -> None:
    """The credential carries no slot: the offline gate could not apply the window, and the visitor
    it let in is counted, not made a no-show."""
    wiring.install(settings)
    spot, (ticket,) = await windowed(None, "001")  # the default: 07:30-09:00
    owner = Actor("resident", (await Ticket.get(id=ticket.id).prefetch_related("order")).order.user_id)
    spent = scanning.Spent(redis=RedisAway(), keys=Keys("palmcity:test:a3"))  # type: ignore[arg-type]
    with clock.frozen_at(MORNING):
        token = (await credentials.issue(owner, Kind.TICKET, ticket.id)).token
        device = await scanning.register_device(gate_of(spot), site_code=spot.code, name="Gate 1")
    scanned_at = MORNING + dt.timedelta(seconds=20)  # 07:00, before the window opens
    with clock.frozen_at(MORNING + dt.timedelta(minutes=5)):
        (result,) = await scanning.upload(
            gate_of(spot), spent, device_code=device.code, scans=[scanning.OfflineScan(token, scanned_at)]
        )
    assert result.status == "admitted", result.error
    assert (await Ticket.get(id=ticket.id)).state == TicketState.USED
