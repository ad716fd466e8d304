"""Gate admission: a ticket's QR code (credential kind ``ticket``) or its visitor's ID number lets
one visitor in, and tickets never admitted become no-shows when their day is over.

Admitting is one transaction: the ticket is marked ``used`` by a conditional UPDATE (``confirmed``
→ ``used``: a second gate, a cancellation or a refund racing it finds nothing to change) and the
entry is counted (``occupancy.enter``: inside + 1 under the instantaneous limit). Either both or
neither: at the limit ("one out, one in") the admission is refused with ``spot_at_instant_max``
and the ticket stays unused. ``tourism.ticket_used`` is enqueued and the admission audited in the
same transaction. A QR scan runs in the scanning engine's transaction (its scan row, the spent
code and its audit commit with it); admission by ID number, for elderly visitors without phones
(the 2024 rules, next-modules §2.3), runs in its own. Who may show a ticket's code and what
scanning it does are registered in ``credential.py``, where ``server.wiring`` loads every kind's.

A ticket admits only within its **entry window** (``Spot.rules["entry"]``, ``rules.EntryWindow``):
from ``early_minutes`` before its slot starts until ``late_minutes`` after it ends (null: until the
spot closes), both edges included. Outside it the admission is refused (``ticket_not_yet``,
``ticket_entry_passed``) before anything is written: the ticket stays unused and nobody is counted.
A code scanned offline and uploaded later is not judged by the window: the offline gate admitted
the visitor already and the credential does not carry the slot, so the gate could not have known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain.audit.service import record
from domain.capacity.models import CapacitySlot
from domain.identity.documents import DocumentKind, document
from domain.outbox.jobs import Job, handler, schedule
from domain.outbox.service import enqueue
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import CHINA, china_day, china_midnight
from domain.shared.errors import Conflict
from domain.shared.i18n import SUPPORTED_LOCALES, _
from domain.shared.labels import Label, Names
from domain.staff.roles import Role, authorize
from domain.tourism import crowd, occupancy, pricing, rules
from domain.tourism.errors import TicketNotFound
from domain.tourism.models import Spot, Ticket, TicketOrder, TicketState

TICKET_USED_TOPIC = "tourism.ticket_used"  # {ticket_id}: the visit may be rated (another strand's)
NO_SHOWS_TOPIC = "tourism.no_shows"
NO_SHOWS_BATCH = 200  # tickets marked per transaction


class TicketNotToday(Conflict):
    """details: ``day``, the ticket's."""

    code = "ticket_not_today"
    message = _("This ticket is for another day.")


class TicketAlreadyUsed(Conflict):
    """details: ``used_at``."""

    code = "ticket_already_used"
    message = _("This ticket has already been used to enter.")


class TicketNotAdmissible(Conflict):
    """details: ``state`` (held: not paid yet; lapsed, cancelled, no_show: ended)."""

    code = "ticket_not_admissible"
    message = _("This ticket does not let anyone in: it is not paid, or it has ended.")


class TicketNotYet(Conflict):
    """details: ``opens_at``, ``closes_at`` (China time, ISO 8601), ``opens``, ``closes`` (hh:mm)."""

    code = "ticket_not_yet"
    message = _("This ticket's entry time has not come yet.")


class TicketEntryPassed(Conflict):
    """details: as ``ticket_not_yet``'s."""

    code = "ticket_entry_passed"
    message = _("This ticket's entry time has passed.")


@dataclass(frozen=True)
class Window:
    """When a ticket admits, both edges included (UTC instants)."""

    opens_at: dt.datetime
    closes_at: dt.datetime

    def details(self) -> dict[str, str]:
        opens, closes = self.opens_at.astimezone(CHINA), self.closes_at.astimezone(CHINA)
        return {
            "opens_at": opens.isoformat(),
            "closes_at": closes.isoformat(),
            "opens": opens.strftime("%H:%M"),
            "closes": closes.strftime("%H:%M"),
        }


# A ticket bought in the last minutes of its slot (the window sells the slot under way; paying may
# take minutes) still admits for this long after it was bought, whatever the window says.
AFTER_PURCHASE = dt.timedelta(minutes=30)


async def entry_window(conn: BaseDBAsyncClient, spot: Spot, ticket: Ticket) -> Window:
    """The ticket's entry window by its slot and the spot's rules (read in ``conn``), never closing
    before :data:`AFTER_PURCHASE` has passed since its order was made."""
    [(slot_id, bought)] = (
        await TicketOrder.filter(id=ticket.order_id).using_db(conn).values_list("slot_id", "created_at")
    )
    slot = await CapacitySlot.filter(id=slot_id).using_db(conn).get()
    entry = rules.spot_rules(spot.rules).entry
    spot_closes = china_midnight(ticket.day) + dt.timedelta(minutes=spot.closes_minute)
    closes = max(entry.closes(slot.ends_at, spot_closes), bought + AFTER_PURCHASE)
    return Window(entry.opens(slot.starts_at), closes)


def check_window(window: Window, at: dt.datetime) -> None:
    """Refuse an admission before the window opens or after it closes, with the window."""
    if at < window.opens_at:
        d = window.details()
        message = _(
            "This ticket admits from {opens} to {closes} (China time): it is too early.",
            opens=d["opens"],
            closes=d["closes"],
        )
        raise TicketNotYet(message, details=d)
    if at > window.closes_at:
        d = window.details()
        message = _(
            "This ticket admitted from {opens} to {closes} (China time): its entry time has passed.",
            opens=d["opens"],
            closes=d["closes"],
        )
        raise TicketEntryPassed(message, details=d)


def check_admissible(ticket: Ticket) -> None:
    """Refuse, with the reason, a ticket that is not confirmed."""
    if ticket.state == TicketState.USED:
        used_at = ticket.used_at.isoformat() if ticket.used_at else None
        raise TicketAlreadyUsed(details={"used_at": used_at})
    if ticket.state != TicketState.CONFIRMED:
        raise TicketNotAdmissible(details={"state": ticket.state.value})


# -- admitting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admitted:
    ticket: Ticket
    spot: Spot
    count: occupancy.Count


async def admit(
    conn: BaseDBAsyncClient,
    actor: Actor,
    spot: Spot,
    ticket: Ticket,
    *,
    at: dt.datetime,
    by: str,
    offline: bool,
) -> Admitted:
    """Mark the ticket used and count its entry, in ``conn``'s transaction (or neither)."""
    if ticket.day != china_day(at):
        raise TicketNotToday(details={"day": ticket.day.isoformat()})
    check_admissible(ticket)  # the reason, read before; the conditional UPDATE decides
    if not offline:  # an offline gate could not know the window (module docstring)
        check_window(await entry_window(conn, spot, ticket), at)
    used = (
        await Ticket.filter(id=ticket.id, state=TicketState.CONFIRMED)
        .using_db(conn)
        .update(state=TicketState.USED, used_at=at, updated_at=clock.now())
    )
    if not used:  # another gate, or a cancellation, changed it since it was read
        check_admissible(await Ticket.filter(id=ticket.id).using_db(conn).get())
        raise TicketNotAdmissible(details={"state": ticket.state.value})
    row = await occupancy.occupancy_of(spot, ticket.day)
    if offline:
        count = await occupancy.entered_earlier(conn, row)
    else:
        count = await occupancy.enter(conn, actor, spot, row)
    await record(
        actor,
        "tourism.ticket_used",
        target_type="ticket",
        target_id=ticket.id,
        before={"state": TicketState.CONFIRMED.value},
        after={"state": TicketState.USED.value, "by": by, "spot": spot.code, "inside": count.inside},
        using_db=conn,
    )
    await enqueue(TICKET_USED_TOPIC, {"ticket_id": ticket.id}, using_db=conn)
    return Admitted(await Ticket.filter(id=ticket.id).using_db(conn).get(), spot, count)


def _in_every_locale(label: Label) -> dict[str, str]:
    """A label as the scan row keeps it: the scanner's page picks its language."""
    return {locale: label.render(locale) for locale in SUPPORTED_LOCALES}


def shown(admitted: Admitted) -> dict[str, Any]:
    """What the gate sees: enough to match the visitor and their discount, masked."""
    ticket, count = admitted.ticket, admitted.count
    return {
        "ticket": ticket.code,
        "spot": admitted.spot.code,
        "spot_name": Names.of(admitted.spot).as_dict(),
        "day": ticket.day.isoformat(),
        "name_masked": ticket.name_masked,
        "document_kind": ticket.document_kind,
        "document_kind_label": _in_every_locale(DocumentKind(ticket.document_kind).label),
        "document_masked": ticket.document_masked,
        "category": ticket.category,
        "category_label": _in_every_locale(pricing.category_label(ticket.category)),
        "percent": ticket.percent,
        "inside": count.inside,
        "limit": count.limit,
        "level": count.level.value,
        "level_label": _in_every_locale(crowd.LABELS[count.level]),
    }


async def admit_by_document(actor: Actor, spot: Spot, kind: str, number: str) -> Admitted:
    """Admit the visitor whose document this is: their live ticket for today at this spot, found
    by the document's blind index (a Home Return Permit by its first 9 characters, so a renewed
    card finds it). ``ticket_not_found`` when there is none."""
    authorize(actor, Role.SCANNER, spot.code)
    today = clock.today_in_china()
    person = document(kind, number).index
    # person_index is kept on a used ticket (one person, one ticket a day): a second try says so.
    ticket = await Ticket.get_or_none(spot_id=spot.id, day=today, person_index=person)
    if ticket is None:
        raise TicketNotFound()
    await occupancy.occupancy_of(spot, today)  # made before the transaction, as a gate's scan does
    async with in_transaction() as conn:
        return await admit(conn, actor, spot, ticket, at=clock.now(), by="document", offline=False)


# -- no-shows ---------------------------------------------------------------------------------------


async def mark_no_shows() -> int:
    """Tickets still confirmed after their day ended (China time) become no-shows, each audited;
    nothing is given back (the day is over). Conditional per ticket: run twice, marked once."""
    today, system, marked = clock.today_in_china(), Actor.system(), 0
    while True:
        due = await (
            Ticket.filter(state=TicketState.CONFIRMED, day__lt=today)
            .order_by("id")
            .limit(NO_SHOWS_BATCH)
            .values_list("id", flat=True)
        )
        if not due:
            return marked
        async with in_transaction() as conn:
            for ticket_id in due:
                if await (
                    Ticket.filter(id=ticket_id, state=TicketState.CONFIRMED)
                    .using_db(conn)
                    .update(state=TicketState.NO_SHOW, updated_at=clock.now())
                ):
                    marked += 1
                    await record(
                        system,
                        "tourism.ticket_no_show",
                        target_type="ticket",
                        target_id=ticket_id,
                        before={"state": TicketState.CONFIRMED.value},
                        after={"state": TicketState.NO_SHOW.value},
                        using_db=conn,
                    )


@handler(NO_SHOWS_TOPIC)
async def no_shows(job: Job) -> None:
    await mark_no_shows()


# Just after China midnight; a worker that was down then enqueues the missed day when it starts.
schedule(NO_SHOWS_TOPIC, every=dt.timedelta(days=1), at=dt.time(0, 5))
