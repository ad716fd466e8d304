"""The waitlist (候补) per slot, filled in order when places come back.

A resident joins the waitlist of a slot with too few places left for their visitors (with enough
they just book). Every way a ticket's places come back (a cancellation, an unpaid hold lapsing)
goes through ``service.return_day_place``, which enqueues ``tourism.place_returned`` in its own
transaction; the handler here serves the slot's line:

- **Nobody overtakes the line.** Until the handler runs, the place that came back is not for sale:
  the visitors still waiting are owed places (``service.owed_to_waitlist``), and every order but
  the line's own offers is refused what they are owed (``slot_waitlisted``), checked in its booking
  transaction under the day's row, which the return also takes (``service.take_entry``). The slot's
  listing counts them as not left, so its page offers the waitlist. With nobody waiting (all served,
  lapsed or gone) sales are as before; the window still sells its own walk-in share.

- **Strict order.** Entries are served by ``id`` (the order they joined). The head is offered an
  order made for it (``tickets.create_order`` with ``SaleChannel.WAITLIST`` and the spot's
  ``waitlist_pay_minutes``); when the head needs more places than are free, it waits and nobody
  behind it is served (a single visitor never overtakes a family: the line is the line).
- **One offer per place.** The handler locks the slot's live entries (``FOR UPDATE``, in ``id``
  order) and makes the order inside that transaction (a savepoint: a refused order takes nothing),
  so two returns handled at once serve the line one after the other.
- **Offers end** (:func:`settle`): paid (or free) → ``filled``; every ticket lapsed unpaid →
  ``lapsed`` (the lapse returned the places, so the next in line is served by that return);
  cancelled by the resident → ``cancelled``. Settled on every return of the slot, when the resident
  reads their list, and by the minute's sweep (payments tells the ticket, not the waitlist).

An entry that can never be served as asked (a visitor got a ticket for the day another way) leaves
the line with the reason, so it does not block those behind it. When the slot begins, what still
waits lapses.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from adapters.wechat.port import WeChat
from domain.accounts.models import User
from domain.audit.service import record
from domain.capacity.errors import SlotClosed, SlotFull, SlotNotFound
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot, SlotState
from domain.notifications.service import Notice, deliver
from domain.outbox.jobs import Job, handler, schedule
from domain.payments import service as payments
from domain.payments.models import OrderState, PaymentOrder
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import china_day
from domain.shared.errors import Conflict, DomainError, NotFound
from domain.shared.i18n import LazyText, _
from domain.shared.labels import LabelTable, Names
from domain.tourism import rules, service, tickets
from domain.tourism.errors import DayFull, DayNotOpen, StopSelling, TicketNotActive, TicketPersonTaken
from domain.tourism.models import (
    SaleChannel,
    Spot,
    SpotDay,
    Ticket,
    TicketState,
    WaitlistEntry,
    WaitlistState,
)

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

LIVE = (WaitlistState.WAITING, WaitlistState.OFFERED)
SWEEP_TOPIC = "tourism.waitlist_sweep"
NOTICE_KIND = "tourism_waitlist"
# Refusals of an order that mean "not enough places now": the head waits for more to come back.
WAITS = (SlotFull, DayFull, StopSelling)

STATE_LABELS = LabelTable.of_enum(
    WaitlistState,
    {
        WaitlistState.WAITING: _("Waiting for a place"),
        WaitlistState.OFFERED: _("Place offered: pay to keep it"),
        WaitlistState.FILLED: _("Tickets secured"),
        WaitlistState.LAPSED: _("Lapsed"),
        WaitlistState.CANCELLED: _("Left the waitlist"),
    },
)


class WaitlistPlacesLeft(Conflict):
    """details: ``left`` (enough for the visitors: book instead)."""

    code = "waitlist_places_left"
    message = _("There are places left in this slot: book them instead of waiting.")


class WaitlistAlreadyJoined(Conflict):
    code = "waitlist_already_joined"
    message = _("You are already on the waitlist of this slot.")


class WaitlistSlotStarted(Conflict):
    code = "waitlist_slot_started"
    message = _("This slot has already begun: its waitlist is closed.")


class WaitlistEntryNotFound(NotFound):
    code = "waitlist_entry_not_found"
    message = _("There is no such waitlist entry.")


class WaitlistEntryEnded(Conflict):
    code = "waitlist_entry_ended"
    message = _("This waitlist entry has already ended.")


def pay_within(spot: Spot) -> dt.timedelta:
    """The offer's payment window: the spot's ``waitlist_pay_minutes`` (30 by default)."""
    return rules.spot_rules(spot.rules).waitlist_pay_within


# -- the sealed visitors ---------------------------------------------------------------------------


def seal(visitors: list[tickets.Visitor]) -> str:
    """The visitors as the order will need them, as JSON (stored encrypted: ``EncryptedField``)."""
    return json.dumps([tickets.visitor_data(v) for v in visitors])


def unseal(sealed: str) -> list[tickets.Visitor]:
    return [tickets.visitor_of(row) for row in json.loads(sealed)]


# -- joining and leaving ---------------------------------------------------------------------------


async def _open_slot(spot: Spot, slot_id: int) -> tuple[CapacitySlot, SpotDay]:
    slot = await CapacitySlot.get_or_none(id=slot_id)
    if slot is None or slot.resource_id != spot.resource_id:
        raise SlotNotFound()
    if slot.state != SlotState.OPEN:
        raise SlotClosed()
    if slot.starts_at <= clock.now():
        raise WaitlistSlotStarted()
    day = await SpotDay.get_or_none(spot_id=spot.id, day=china_day(slot.starts_at))
    if day is None:
        raise DayNotOpen(details={"day": china_day(slot.starts_at).isoformat()})
    return slot, day


async def _check_visitors(spot: Spot, day: dt.date, visitors: list[tickets.Visitor]) -> None:
    """Refused now rather than when places come back: a birth date missing, a visitor twice, a
    visitor who already holds a ticket for the day (``ticket_person_taken``, ``details.visitor``)."""
    tickets.quote(spot, day, visitors)
    indexes = [v.document.index for v in visitors]
    for position, index in enumerate(indexes):
        if index in indexes[:position]:
            raise TicketPersonTaken(details={"visitor": position})
    live = Ticket.filter(spot_id=spot.id, day=day, person_index__in=indexes)
    held = {t.person_index for t in await live.only("id", "person_index")}
    for position, index in enumerate(indexes):
        if index in held:
            raise TicketPersonTaken(details={"visitor": position})


async def join(actor: Actor, spot: Spot, slot_id: int, visitors: list[tickets.Visitor]) -> WaitlistEntry:
    """Put ``actor`` on the slot's waitlist with ``visitors`` (one live entry per resident and slot).
    Refused while the slot and the day have places enough for them beyond what the line is owed
    (``waitlist_places_left``): exactly when an order for them would not be refused for want of
    places, so a buyer told ``slot_waitlisted`` may always join."""
    assert actor.id is not None
    slot, day = await _open_slot(spot, slot_id)
    await _check_visitors(spot, day.day, visitors)
    left = await service.left_for_booking(spot, slot, day)
    if left >= len(visitors):
        raise WaitlistPlacesLeft(details={"left": left})
    now = clock.now()
    async with in_transaction() as conn:
        # The resident's row serialises their own joins: two taps join once.
        await User.filter(id=actor.id).using_db(conn).select_for_update().first()
        mine = WaitlistEntry.filter(user_id=actor.id, slot_id=slot_id, state__in=LIVE)
        if await mine.using_db(conn).exists():
            raise WaitlistAlreadyJoined()
        entry = await WaitlistEntry.create(
            user_id=actor.id,
            spot_id=spot.id,
            slot_id=slot_id,
            day=day.day,
            size=len(visitors),
            visitors=seal(visitors),
            created_at=now,
            updated_at=now,
            using_db=conn,
        )
        await record(
            actor,
            "tourism.waitlist_joined",
            target_type="waitlist_entry",
            target_id=entry.id,
            after={"slot": slot_id, "size": entry.size},
            using_db=conn,
        )
    return entry


async def own_entry(actor: Actor, entry_id: int) -> WaitlistEntry:
    entry = await WaitlistEntry.get_or_none(id=entry_id, user_id=actor.id)
    if entry is None:
        raise WaitlistEntryNotFound()
    return entry


async def leave(actor: Actor, entry_id: int, gate: Gate | None) -> WaitlistEntry:
    """The resident leaves the line. An offered order's unpaid tickets are cancelled (their places
    go back, to the next in line); a ticket already paid stays, and the entry reads ``filled``."""
    entry = await own_entry(actor, entry_id)
    if entry.state == WaitlistState.WAITING:
        async with in_transaction() as conn:
            if await _move(conn, entry, WaitlistState.WAITING, WaitlistState.CANCELLED, actor, "left"):
                return await WaitlistEntry.get(id=entry.id)
        entry = await WaitlistEntry.get(id=entry.id)  # offered meanwhile: leave the offer instead
    if entry.state != WaitlistState.OFFERED or entry.order_id is None:
        raise WaitlistEntryEnded()
    for ticket in await Ticket.filter(order_id=entry.order_id, state=TicketState.HELD).order_by("id"):
        with suppress(TicketNotActive):  # lapsed or paid meanwhile: settled below as it ended
            await tickets.cancel_ticket(actor, ticket.id, gate)
    async with in_transaction() as conn:
        await settle(conn, entry, actor, reason="left")
    return await WaitlistEntry.get(id=entry.id)


async def _move(
    conn: BaseDBAsyncClient,
    entry: WaitlistEntry,
    before: WaitlistState,
    after: WaitlistState,
    actor: Actor,
    reason: str,
    **changes: Any,
) -> bool:
    """A conditional state change, audited when it happened (so once however often asked)."""
    moved = (
        await WaitlistEntry.filter(id=entry.id, state=before)
        .using_db(conn)
        .update(state=after, updated_at=clock.now(), **changes)
    )
    if moved:
        await record(
            actor,
            f"tourism.waitlist_{after.value}",
            target_type="waitlist_entry",
            target_id=entry.id,
            before={"state": before.value},
            after={"state": after.value, "reason": reason, **{k: str(v) for k, v in changes.items()}},
            using_db=conn,
        )
        entry.state = after
    return bool(moved)


async def settle(
    conn: BaseDBAsyncClient, entry: WaitlistEntry, actor: Actor | None = None, *, reason: str = "tickets"
) -> WaitlistState:
    """An offered entry from its order's tickets: any still held → still offered; any paid (or used)
    → filled; all cancelled → cancelled; otherwise (lapsed unpaid) → lapsed."""
    if entry.state != WaitlistState.OFFERED or entry.order_id is None:
        return entry.state
    found = Ticket.filter(order_id=entry.order_id).using_db(conn).only("id", "state")
    states = {TicketState(t.state) for t in await found}
    if TicketState.HELD in states:
        return entry.state
    if states & {TicketState.CONFIRMED, TicketState.USED, TicketState.NO_SHOW}:
        ended = WaitlistState.FILLED
    elif states == {TicketState.CANCELLED}:
        ended = WaitlistState.CANCELLED
    else:
        ended = WaitlistState.LAPSED
    await _move(conn, entry, WaitlistState.OFFERED, ended, actor or Actor.system(), reason)
    return ended


# -- serving the line ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """What serving the head did: an offer (or filled at once), or the entry left the line."""

    entry: WaitlistEntry
    spot: Spot
    starts_at: dt.datetime
    refused: DomainError | None = None
    changed: bool = True  # False: another handler moved the entry first (nothing to tell)


async def _serve_head(slot_id: int) -> Served | None:
    """Settle the slot's offers and serve its head once, in one transaction; None: nothing to do
    (nobody waits, or the head waits for more places)."""
    async with in_transaction() as conn:
        # Locked in id order: a second return of the slot waits here until this one commits, then
        # sees the head as offered and serves the next (no LIMIT: a row that changed is not lost).
        live = (
            await WaitlistEntry.filter(slot_id=slot_id, state__in=LIVE)
            .using_db(conn)
            .order_by("id")
            .select_for_update()
        )
        for entry in live:
            await settle(conn, entry)
        waiting = [e for e in live if e.state == WaitlistState.WAITING]
        if not waiting:
            return None
        slot = await CapacitySlot.get(id=slot_id, using_db=conn)
        if slot.state != SlotState.OPEN or slot.starts_at <= clock.now():
            for entry in waiting:  # the slot began (or closed): the wait is over
                await _move(
                    conn, entry, WaitlistState.WAITING, WaitlistState.LAPSED, Actor.system(), "slot_began"
                )
            return None
        head = waiting[0]
        spot = await Spot.get(id=head.spot_id, using_db=conn)
        window = pay_within(spot)
        owner = Actor("resident", head.user_id)
        sale = tickets.Sale(channel=SaleChannel.WAITLIST, pay_within=window)
        visitors = unseal(head.visitors)
        try:
            # Asked again first: a visitor may have booked the day another way while waiting.
            await _check_visitors(spot, head.day, visitors)
            async with in_transaction():  # a savepoint: a refused order leaves nothing behind
                ordered = await tickets.create_order(owner, spot, slot_id, visitors, None, sale)
        except WAITS:
            return None  # strict order: the head waits for more places, nobody overtakes it
        except DomainError as refused:
            # It cannot be served as asked (a visitor holds a ticket for the day now): it leaves the
            # line, told why, rather than block everyone behind it.
            moved = await _move(
                conn, head, WaitlistState.WAITING, WaitlistState.CANCELLED, Actor.system(), refused.code
            )
            return Served(head, spot, slot.starts_at, refused, changed=moved)
        held = any(t.state == TicketState.HELD for t in ordered.tickets)
        await _move(
            conn,
            head,
            WaitlistState.WAITING,
            WaitlistState.OFFERED if held else WaitlistState.FILLED,
            Actor.system(),
            "place_returned",
            order_id=ordered.order.id,
            offer_expires_at=clock.now() + window if held else None,
        )
        head.order_id = ordered.order.id
        return Served(head, spot, slot.starts_at)


@dataclass(frozen=True)
class Outside:
    """What serving a line reaches beyond the database, after its commits: the residents' WeChat,
    the Redis gate, and the payment platforms (an offer's payments are handed to them, so the pay
    page has what it pays with, as an online order's are)."""

    wechat: WeChat
    gate: Gate | None = None
    providers: payments.Providers | None = None


def outside_of(job: Job) -> Outside:
    adapters, redis = job.context.adapters, job.context.redis
    return Outside(
        wechat=adapters.wechat,
        gate=None if redis is None else Gate(redis, job.context.keys),
        providers=payments.Providers(
            wechat=getattr(adapters, "wechatpay", None), public=getattr(adapters, "publicpay", None)
        ),
    )


async def fill(slot_id: int, outside: Outside) -> list[Served]:
    """Serve the slot's line while its head fits; tell each resident served, then start the
    payments of the slot's offers (a provider that fails fails the job: the outbox and the sweep
    start them again, and telling is keyed, so nobody is told twice)."""
    served: list[Served] = []
    while (one := await _serve_head(slot_id)) is not None:
        served.append(one)
        if one.changed and one.entry.state != WaitlistState.OFFERED:
            await _tell(one, outside.wechat)  # filled at once, or left the line; offers below
    if outside.gate is not None and served:
        await outside.gate.forget(slot_id, served[0].spot.resource_id)  # taken without the gate
    offered = await WaitlistEntry.filter(slot_id=slot_id, state=WaitlistState.OFFERED).order_by("id")
    if offered:
        # A push that failed is tried again (the inbox message is written once, a push already
        # settled is not repeated): the job that failed on it served nobody twice.
        spot = await Spot.get(id=offered[0].spot_id)
        starts_at = (await CapacitySlot.get(id=slot_id)).starts_at
        for entry in offered:
            await _tell(Served(entry, spot, starts_at), outside.wechat)
    if offered and outside.providers is not None and (outside.providers.wechat or outside.providers.public):
        await _start_payments(offered, outside.providers)
    return served


async def _start_payments(offered: list[WaitlistEntry], providers: payments.Providers) -> None:
    """Hand each offered order's unstarted payments to the provider (``payments.start``: a payment
    already started is answered as it is)."""
    held = await Ticket.filter(order_id__in=[e.order_id for e in offered], state=TicketState.HELD)
    for ticket in held:
        order = await PaymentOrder.filter(purpose=tickets.purpose_of(ticket)).order_by("-id").first()
        if order is not None and order.state == OrderState.CREATED:
            await payments.start(providers, order)


def _when(starts_at: dt.datetime) -> str:
    return starts_at.astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")


async def _tell(served: Served, wechat: WeChat) -> None:
    entry, spot = served.entry, served.spot
    params: dict[str, Any] = {"spot": Names.of(spot), "when": _when(served.starts_at)}
    body: LazyText
    if served.refused is not None:
        title = _("You left the waitlist")
        body = _("{spot} {when}: the order could not be made for your visitors.", **params)
    elif entry.state == WaitlistState.FILLED:
        title = _("Waitlist: tickets secured")
        body = _("{spot} {when}: a place came back and your tickets are confirmed.", **params)
    else:
        minutes = int(pay_within(spot).total_seconds() // 60)
        title = _("Waitlist: a place for you")
        body = _(
            "{spot} {when}: pay within {minutes} minutes or it passes to the next in line.",
            **params,
            minutes=minutes,
        )
    notice = Notice(
        user_id=entry.user_id,
        kind=NOTICE_KIND,
        title=title,
        body=body,
        link=f"/pages/tourism/order?id={entry.order_id}" if entry.order_id else "/pages/tourism/waitlist",
    )
    # Keyed by the entry and what happened to it: a redelivered job writes the message once.
    await deliver(notice, source_key=f"tourism.waitlist:{entry.id}:{entry.state.value}", wechat=wechat)


@handler(service.PLACE_RETURNED_TOPIC)
async def place_returned(job: Job) -> None:
    """Places of the slot came back: settle its offers and serve its line, then the lines of the
    day's other slots (a day place came back too: where the day's limit was what bound, they may
    fit now), the line whose head joined first first. Idempotent: a second delivery finds the heads
    offered, or waiting for more places."""
    outside = outside_of(job)
    slot_id = int(job.payload["slot_id"])
    await fill(slot_id, outside)
    for other in await _day_lines(int(job.payload["spot_day_id"]), slot_id):
        await fill(other, outside)


async def _day_lines(spot_day_id: int, but: int) -> list[int]:
    """The day's other slots with someone waiting, by their head's turn (the lowest id)."""
    day = await SpotDay.get_or_none(id=spot_day_id)
    if day is None:
        return []
    waiting = WaitlistEntry.filter(spot_id=day.spot_id, day=day.day, state=WaitlistState.WAITING)
    heads: dict[int, int] = {}
    for entry in await waiting.exclude(slot_id=but).order_by("id").only("id", "slot_id"):
        heads.setdefault(entry.slot_id, entry.id)
    return sorted(heads, key=heads.__getitem__)


@handler(SWEEP_TOPIC)
async def sweep(job: Job) -> None:
    """Every minute: each slot with a live entry is served again (offers paid become filled, a slot
    that began ends its wait, a head refused while the day was red gets its turn)."""
    live = await WaitlistEntry.filter(state__in=LIVE).only("id", "slot_id")
    outside = outside_of(job)
    for slot_id in sorted({e.slot_id for e in live}):
        await fill(slot_id, outside)


schedule(SWEEP_TOPIC, every=dt.timedelta(minutes=1))


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    entry: WaitlistEntry
    spot: Spot
    starts_at: dt.datetime
    position: int | None  # 1 = next to be served; None unless waiting
    visitors: list[tickets.Visitor]


async def my_entries(actor: Actor) -> list[EntryView]:
    """The resident's entries, newest first, offers settled first (a paid offer reads filled)."""
    entries = await WaitlistEntry.filter(user_id=actor.id).order_by("-id").limit(50)
    for entry in entries:
        if entry.state == WaitlistState.OFFERED:
            async with in_transaction() as conn:
                await settle(conn, entry, actor)
    return await views(entries)


async def views(entries: list[WaitlistEntry]) -> list[EntryView]:
    spots = {s.id: s for s in await Spot.filter(id__in={e.spot_id for e in entries})}
    slots = {s.id: s for s in await CapacitySlot.filter(id__in={e.slot_id for e in entries})}
    out = []
    for entry in entries:
        position = None
        if entry.state == WaitlistState.WAITING:
            ahead = WaitlistEntry.filter(slot_id=entry.slot_id, state=WaitlistState.WAITING, id__lt=entry.id)
            position = await ahead.count() + 1
        slot = slots[entry.slot_id]
        out.append(EntryView(entry, spots[entry.spot_id], slot.starts_at, position, unseal(entry.visitors)))
    return out
