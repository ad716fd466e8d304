"""Real-name ticket orders: one ticket per visitor, each its own place and its own payment.

An order names one spot, day and slot and one or more visitors: the resident, a family member
(through ``family.acting_for``), or companions given by document kind, number and name (the
document's blind index keys the person; a Home Return Permit on its first 9 characters). Each ticket
is priced by ``pricing.price_line`` at the VISIT day, holds its place through
``service.take_entry(..., hold_for=PAY_WITHIN)`` and is paid by its own payment order (purpose
``ticket:<id>``): payments settles a cancellation per purpose and at most once per order, so a
group's partial refund is the cancellation of one ticket's purpose (docs/tourism.md). A free ticket
(price 0) is confirmed at once: payments refuses an amount of 0.

Payments asks, tickets answer (:class:`TicketPayments`): standing while held and not lapsed or
confirmed; paid → confirmed; closed → the place goes back; policy → the spot's refund tiers as
saved on the order; a closed order never reopens (the place went with its hold).

Fair use (the spot's ``rules``, ``domain.tourism.rules``): before ordering, the same person twice
and a person locked by their no-shows are refused, and claims go through their proof; at cancelling,
the order's cut-off and the account's quotas per period. The resident's reads (orders, refund
previews, standing) are here too, for the routes of ``api/tourism/tickets.py``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.audit.service import record
from domain.capacity import service as capacity
from domain.capacity.errors import AlreadyReserved, HoldExpired, ReservationNotActive
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot, Reservation, ReservationState
from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.credentials.models import CredentialSubject, SubjectStatus
from domain.family import service as family
from domain.family.models import FamilyMember
from domain.identity.documents import DocumentKind, IdentityDocument, document
from domain.identity.errors import IdentityLevelRequired
from domain.identity.service import birth_date_of_user, document_of, normalize_name
from domain.payments import service as payments
from domain.payments.errors import PaymentProviderUnavailable
from domain.payments.models import PaymentOrder
from domain.payments.owners import PaymentOwnerBase, RefundKind, RefundPolicy, payment_owners
from domain.shared import clock, pii
from domain.shared.actor import Actor
from domain.shared.clock import china_day, china_midnight
from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _
from domain.shared.labels import LabelTable
from domain.tourism import eligibility, rules, service
from domain.tourism.errors import (
    TicketBirthDateNeeded,
    TicketNotActive,
    TicketNotFound,
    TicketPersonTaken,
)
from domain.tourism.models import SaleChannel, Spot, Ticket, TicketOrder, TicketState
from domain.tourism.pricing import PriceLine, price_line, price_list

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tortoise.backends.base.client import BaseDBAsyncClient

    from domain.outbox.jobs import Job

    # Asked for each ticket a cancellation ended, in its transaction, with the cancellation's time
    # (the window's: its walk-in share and its cash, ``domain.tourism.window``).
    OnCancelled = Callable[[BaseDBAsyncClient, Ticket, dt.datetime], Awaitable[None]]

PURPOSE_KIND = "ticket"
PAY_WITHIN = dt.timedelta(minutes=15)
LIVE = (TicketState.HELD, TicketState.CONFIRMED)


state_label = LabelTable(
    "ticket state",
    {
        TicketState.HELD.value: _("Awaiting payment"),
        TicketState.CONFIRMED.value: _("Valid"),
        TicketState.LAPSED.value: _("Not paid in time"),
        TicketState.CANCELLED.value: _("Cancelled"),
        TicketState.USED.value: _("Used"),
        TicketState.NO_SHOW.value: _("Not used (no-show)"),
    },
)
channel_label = LabelTable(
    "sale channel",
    {
        SaleChannel.ONLINE.value: _("Booked online"),
        SaleChannel.WINDOW.value: _("Bought at the ticket window"),
        SaleChannel.WAITLIST.value: _("From the waitlist"),
    },
)


@dataclass(frozen=True)
class Visitor:
    """Who a ticket names: a document, the birth date where the document does not carry it (only
    the ID card and the residence permit do), and claims that need proof (``student``…)."""

    document: IdentityDocument
    born: dt.date | None = None
    claims: frozenset[str] = frozenset()
    member_id: int | None = None  # a family member of the resident (domain.family), if it is one
    name_masked: str = ""  # the visitor's name as the gate shows it (张*)
    # The visitor's own account, which proves their claims (eligibility.prove_claims): the
    # resident's, a family member's linked account; None for a companion.
    account_id: int | None = None


def resident_visitor(user: User, claims: frozenset[str] = frozenset()) -> Visitor | None:
    """The resident as a visitor, from their verified document (None before verification)."""
    found = document_of(user)
    if found is None:
        return None
    return Visitor(
        found, birth_date_of_user(user), claims, None, pii.mask_name(user.real_name) or "", user.id
    )


@dataclass(frozen=True)
class VisitorSpec:
    """How an order names a visitor: the resident (``myself``), a family member (``member_id``),
    or a companion by document kind and number, with their name (masked on the ticket) and, for
    documents without a birth date, ``born``. Nothing else is asked of them (the 2024 rule: collect
    as little as possible)."""

    myself: bool = False
    member_id: int | None = None
    document_kind: str | None = None
    document_number: str | None = None
    name: str | None = None
    born: dt.date | None = None
    claims: frozenset[str] = frozenset()


class TicketVisitorInvalid(DomainError):
    """details: ``visitor`` (its position), ``reason``: ``one_of`` (exactly one of self, member_id,
    or a document), ``name`` (a companion's name is needed), ``born`` (a birth date in the future)."""

    code = "ticket_visitor_invalid"
    kind = ErrorKind.INVALID
    message = _("Name each visitor once: yourself, a family member, or a companion's document and name.")


async def resolve_visitors(actor: Actor, specs: list[VisitorSpec]) -> list[Visitor]:
    """The visitors an order names, each checked: the resident verified, the family member one the
    resident may act for (``family.acting_for``: refuses an unproven child), the companion's
    document valid. Refusals carry ``details.visitor``, the position in the order."""
    found = []
    for position, spec in enumerate(specs):
        try:
            found.append(await _resolve(actor, spec, position))
        except DomainError as exc:
            exc.details = {**exc.details, "visitor": position}
            raise
    return found


async def _resolve(actor: Actor, spec: VisitorSpec, position: int) -> Visitor:
    named = [spec.myself, spec.member_id is not None, spec.document_number is not None]
    if sum(named) != 1 or (spec.document_number is not None) != (spec.document_kind is not None):
        raise TicketVisitorInvalid(details={"reason": "one_of"})
    if spec.myself:
        user = await User.get_or_none(id=actor.id)
        found = None if user is None else resident_visitor(user, spec.claims)
        if found is None:
            raise IdentityLevelRequired()
        return found
    if spec.member_id is not None:
        await family.acting_for(actor, spec.member_id)
        member = await FamilyMember.get(id=spec.member_id)
        return Visitor(
            _gb11643(member.id_number),
            member.birth_date,
            spec.claims,
            member.id,
            pii.mask_name(member.name) or "",
            member.member_user_id,
        )
    assert spec.document_kind is not None and spec.document_number is not None
    proven = document(spec.document_kind, spec.document_number)
    if not spec.name:
        raise TicketVisitorInvalid(details={"reason": "name"})
    born = proven.birth_date or spec.born  # the number's own birth date wins over a typed one
    if born is not None and born > clock.today_in_china():
        raise TicketVisitorInvalid(details={"reason": "born"})
    return Visitor(proven, born, spec.claims, None, pii.mask_name(normalize_name(spec.name)) or "")


def _gb11643(number: str) -> IdentityDocument:
    """A family member's number (family takes GB 11643 numbers: an ID card, or a residence permit
    when its region is 81, 82 or 83; both share one blind index)."""
    permit = number.startswith(("81", "82", "83"))
    return IdentityDocument(DocumentKind.RESIDENCE_PERMIT if permit else DocumentKind.RESIDENT_ID, number)


def visitor_data(visitor: Visitor) -> dict[str, Any]:
    """A visitor as JSON (to be sealed: it holds the document number), for orders made later
    (the waitlist's)."""
    return {
        "document_kind": visitor.document.kind.value,
        "document_number": visitor.document.number,
        "born": visitor.born.isoformat() if visitor.born else None,
        "claims": sorted(visitor.claims),
        "member_id": visitor.member_id,
        "name_masked": visitor.name_masked,
        "account_id": visitor.account_id,
    }


def visitor_of(data: dict[str, Any]) -> Visitor:
    """:func:`visitor_data` read back."""
    return Visitor(
        IdentityDocument(DocumentKind(data["document_kind"]), str(data["document_number"])),
        dt.date.fromisoformat(data["born"]) if data.get("born") else None,
        frozenset(data.get("claims", ())),
        data.get("member_id"),
        str(data.get("name_masked", "")),
        data.get("account_id"),
    )


def born_of(visitor: Visitor, position: int) -> dt.date:
    born = visitor.document.birth_date or visitor.born
    if born is None:
        raise TicketBirthDateNeeded(details={"visitor": position})
    return born


def quote(spot: Spot, day: dt.date, visitors: list[Visitor]) -> list[PriceLine]:
    """Each visitor's explained price on the visit day (refusals before anything is taken)."""
    prices = price_list(spot.prices)
    return [price_line(prices, born_of(v, i), day, v.claims) for i, v in enumerate(visitors)]


def purpose_of(ticket: Ticket) -> str:
    return f"{PURPOSE_KIND}:{ticket.id}"


def ticket_id_of(purpose: str) -> int:
    return int(purpose.split(":", 1)[1])


@dataclass(frozen=True)
class Ordered:
    order: TicketOrder
    tickets: list[Ticket]
    payments: list[PaymentOrder]  # one per ticket with a price; none for free tickets


@dataclass(frozen=True)
class Sale:
    """How an order is sold: online by the resident (the default), at the window by staff (from the
    walk-in share first, ``walk_in=True``), or for a waitlist entry (its own payment window)."""

    channel: SaleChannel = SaleChannel.ONLINE
    pay_within: dt.timedelta = PAY_WITHIN
    walk_in: bool = False
    seller_id: int | None = None  # the staff account at the window
    paid_by: str | None = None  # "cash": taken at the window, confirmed at once, no payment order


ONLINE = Sale()


async def create_order(
    actor: Actor,
    spot: Spot,
    slot_id: int,
    visitors: list[Visitor],
    gate: Gate | None,
    sale: Sale = ONLINE,
    *,
    slot: CapacitySlot | None = None,
) -> Ordered:
    """Hold one place per visitor in ``slot_id`` and open a payment per priced ticket. Either every
    visitor gets a ticket or none does (places already taken for the order are given back). The
    places the waitlist is owed are refused (``slot_waitlisted``) to every sale but its own offers
    (``SaleChannel.WAITLIST``): the window sells its walk-in share, not those.
    ``actor`` is whom the order belongs to (the resident; at the window, the spot's window
    account, ``domain.tourism.window``)."""
    assert actor.id is not None
    slot = await service.slot_of(spot, slot_id, slot)
    day = china_day(slot.starts_at)
    lines = quote(spot, day, visitors)
    fair_use = rules.spot_rules(spot.rules)
    _each_once(visitors)
    # A sold-out (or stopped) day is refused here, from one read: the crowd's losers make no write.
    await service.selling_day(spot, slot, walk_in=sale.walk_in)
    if sale.channel != SaleChannel.WINDOW:
        # Booking's fair use: the window sells to walk-ins, whose claims staff see on paper.
        await _not_locked(spot, fair_use.no_show, visitors)
        await _prove(spot, visitors, day)
    order = _OrderOnce(
        user_id=actor.id,
        spot_id=spot.id,
        day=day,
        slot_id=slot_id,
        starts_at=slot.starts_at,
        # What the visitor agreed to: later changes of the spot's rules do not reach this order.
        refund_rules=rules.refunds_data(fair_use.refunds),
        channel=sale.channel,
        seller_id=sale.seller_id,
        paid_by=sale.paid_by,
        created_at=clock.now(),
    )
    tickets: list[Ticket] = []
    paid = []
    try:
        for position, (visitor, line) in enumerate(zip(visitors, lines, strict=True)):
            tickets.append(await _take(actor, spot, order, slot, visitor, line, position, gate, sale))
        # Inside the give-back: a payment order that cannot be written (the database going away)
        # must not leave held tickets nobody can pay until their hold lapses.
        for ticket in tickets:
            if ticket.amount_fen and sale.paid_by is None:
                paid.append(
                    await payments.create_order(
                        payer_id=actor.id,
                        purpose=purpose_of(ticket),
                        amount_fen=ticket.amount_fen,
                        description=f"{spot.name_zh_hans} {day.isoformat()}",
                        merchant_code=spot.code,
                        pay_within=sale.pay_within,
                    )
                )
    except BaseException:
        await _give_back_all(tickets, gate, reason="order incomplete")
        for made in paid:
            async with in_transaction() as conn:
                await payments.purpose_cancelled(
                    conn, made.purpose, actor=actor, reason="order incomplete", by_site=True
                )
        raise
    return Ordered(order.written(), tickets, paid)


class _OrderOnce:
    """The order's row, written in the transaction of its first ticket's place: an attempt refused
    before any place is taken leaves no order behind (a flash sale's thousands of losers each left
    an empty one, and on SQLite queued for the writer's lock to do it)."""

    def __init__(self, **columns: Any) -> None:
        self.columns = columns
        self.day: dt.date = columns["day"]
        self._order: TicketOrder | None = None

    async def of(self, conn: BaseDBAsyncClient) -> TicketOrder:
        if self._order is None:
            self._order = await TicketOrder.create(**self.columns, using_db=conn)
        return self._order

    def forget_unless_kept(self, kept: bool) -> None:
        """The first place's transaction failed: the row it wrote is gone with it."""
        if not kept:
            self._order = None

    def written(self) -> TicketOrder:
        assert self._order is not None, "an order names at least one visitor"
        return self._order


def _each_once(visitors: list[Visitor]) -> None:
    """One person, one ticket: the same person twice in one order is refused before anything is taken."""
    seen: set[str] = set()
    for position, visitor in enumerate(visitors):
        if visitor.document.index in seen:
            raise TicketPersonTaken(details={"visitor": position})
        seen.add(visitor.document.index)


async def _not_locked(spot: Spot, rule: rules.NoShowRule, visitors: list[Visitor]) -> None:
    """Refuse a visitor whose no-shows at this spot lock booking (``ticket_booking_locked``)."""
    missed = await Ticket.filter(
        spot_id=spot.id, person__in=[v.document.index for v in visitors], state=TicketState.NO_SHOW
    ).values_list("person", "day")
    today = clock.today_in_china()
    for position, visitor in enumerate(visitors):
        days = [day for person, day in missed if person == visitor.document.index]
        locked_until = rules.standing(rule, days, today).locked_until
        if locked_until is not None:
            raise rules.BookingLocked(details={"visitor": position, "locked_until": locked_until.isoformat()})


async def _prove(spot: Spot, visitors: list[Visitor], day: dt.date) -> None:
    """Claims the spot prices go through their proof, by the visitor's own account (a certificate
    valid today and on the visit day)."""
    priced = price_list(spot.prices).claims.keys()
    for position, visitor in enumerate(visitors):
        claims = visitor.claims & priced
        if not claims:
            continue
        try:
            await eligibility.prove_claims(visitor.account_id, frozenset(claims), on=day)
        except DomainError as exc:
            exc.details = {**exc.details, "visitor": position}
            raise


async def _take(
    actor: Actor,
    spot: Spot,
    order: _OrderOnce,
    slot: CapacitySlot,
    visitor: Visitor,
    line: PriceLine,
    position: int,
    gate: Gate | None,
    sale: Sale,
) -> Ticket:
    document = visitor.document
    # Nothing to pay (free, or cash taken at the window): confirmed at once.
    free = line.amount_cents == 0 or sale.paid_by is not None

    async def write(conn: BaseDBAsyncClient, reservation: Reservation) -> Ticket:
        row = await order.of(conn)
        ticket = await Ticket.create(
            code=secrets.token_hex(8).upper(),
            order_id=row.id,
            spot_id=spot.id,
            day=order.day,
            person_index=document.index,
            person=document.index,
            member_id=visitor.member_id,
            name_masked=visitor.name_masked,
            document_kind=document.kind.value,
            document_number=document.number,
            document_masked=document.masked,
            category=line.category,
            percent=line.percent,
            amount_fen=line.amount_cents,
            reservation_id=reservation.id,
            state=TicketState.CONFIRMED if free else TicketState.HELD,
            updated_at=clock.now(),
            using_db=conn,
        )
        await record(
            actor,
            "tourism.ticket_taken",
            target_type="ticket",
            target_id=ticket.id,
            after={"order": row.id, "category": line.category, "amount_fen": line.amount_cents},
            using_db=conn,
        )
        return ticket

    first = position == 0
    try:
        # A free ticket is confirmed at once (hold_for None): there is nothing to pay.
        return await service.take_entry(
            gate,
            spot,
            slot.id,
            document.index,
            write,
            hold_for=None if free else sale.pay_within,
            walk_in=sale.walk_in,
            slot=slot,
            # The waitlist's own offer takes what its line is owed; any other sale is refused it.
            waitlist_offer=sale.channel == SaleChannel.WAITLIST,
            sold_before=position,
        )
    except (IntegrityError, AlreadyReserved) as exc:
        # The unique (spot, day, person_index), or the engine's one place per holder and slot.
        order.forget_unless_kept(not first)
        raise TicketPersonTaken(details={"visitor": position}) from exc
    except BaseException:
        order.forget_unless_kept(not first)
        raise


async def _end(
    conn: BaseDBAsyncClient, ticket: Ticket, state: TicketState, *, cancelled_at: dt.datetime | None = None
) -> bool:
    """End a live ticket (conditional: once however often asked); its person may book again.
    ``cancelled_at``: the resident cancelled it (what the cancellation quotas count)."""
    ended = (
        await Ticket.filter(id=ticket.id, state__in=LIVE)
        .using_db(conn)
        .update(state=state, person_index=None, updated_at=clock.now(), cancelled_at=cancelled_at)
    )
    return bool(ended)


async def _give_back_all(tickets: list[Ticket], gate: Gate | None, *, reason: str) -> None:
    for ticket in tickets:
        async with in_transaction() as conn:
            if await _end(conn, ticket, TicketState.CANCELLED):
                await service.give_back_entry(conn, ticket.reservation_id)
        await _forget(gate, ticket)


async def _forget(gate: Gate | None, ticket: Ticket) -> None:
    if gate is None:
        return
    reservation = await Reservation.get(id=ticket.reservation_id)
    slot = await CapacitySlot.get(id=reservation.slot_id)
    await gate.forget(slot.id, slot.resource_id)


async def set_rules(actor: Actor, spot: Spot, data: dict[str, Any]) -> Spot:
    """Replace the spot's fair-use rules (validated: ``spot_rules_invalid``), stored spelled out;
    orders made before keep the refund rules they were made under."""
    checked = rules.rules_data(rules.spot_rules(data))
    async with in_transaction() as conn:
        before = spot.rules
        spot.rules = checked
        await spot.save(update_fields=["rules"], using_db=conn)
        await record(
            actor,
            "tourism.spot_rules_set",
            target_type="spot",
            target_id=spot.id,
            before=before,
            after=checked,
            using_db=conn,
        )
    return spot


# -- the resident's ------------------------------------------------------------------------------


async def quote_for(
    actor: Actor, spot: Spot, day: dt.date, specs: list[VisitorSpec]
) -> list[tuple[Visitor, PriceLine]]:
    """What each visitor the resident names would pay on ``day``, explained (nothing is taken)."""
    visitors = await resolve_visitors(actor, specs)
    return list(zip(visitors, quote(spot, day, visitors), strict=True))


async def order_online(
    actor: Actor,
    providers: payments.Providers,
    gate: Gate | None,
    spot: Spot,
    slot_id: int,
    specs: list[VisitorSpec],
) -> Ordered:
    """The resident's order: visitors checked, places held, and each priced ticket's payment handed
    to the provider (``pay_params`` on the payment order: the payments page pays it). A provider
    that fails gives every place back at once (the orders are closed unpaid)."""
    visitors = await resolve_visitors(actor, specs)
    slot = await service.slot_of(spot, slot_id)
    ordered = await create_order(actor, spot, slot_id, visitors, gate, slot=slot)
    started = []
    try:
        for order in ordered.payments:
            started.append(await payments.start(providers, order))
    except PaymentProviderUnavailable:
        await _give_back_all(ordered.tickets, gate, reason="payment could not start")
        for ticket in ordered.tickets:
            async with in_transaction() as conn:
                await payments.purpose_cancelled(
                    conn, purpose_of(ticket), actor=actor, reason="payment could not start", by_site=True
                )
        raise
    return Ordered(ordered.order, ordered.tickets, started)


@dataclass(frozen=True)
class RefundPreview:
    """What cancelling the ticket now would give back, or why it cannot be cancelled (``refusal``:
    ``ticket_not_active``, ``ticket_cancel_cutoff_passed``, ``ticket_cancel_quota_reached``)."""

    ticket_id: int
    paid_fen: int
    kind: RefundKind
    refund_fen: int
    refusal: str | None


@dataclass(frozen=True)
class OrderView:
    order: TicketOrder
    spot: Spot
    tickets: list[Ticket]
    payments: dict[int, PaymentOrder]  # by ticket id: each priced ticket's latest payment order
    previews: dict[int, RefundPreview]  # by ticket id (one order's view only)


async def payments_of(tickets: list[Ticket]) -> dict[int, PaymentOrder]:
    """Each priced ticket's latest payment order, by ticket id."""
    found = await PaymentOrder.filter(purpose__in=[purpose_of(t) for t in tickets]).order_by("attempt")
    return {ticket_id_of(o.purpose): o for o in found}  # the last attempt wins


async def my_orders(actor: Actor) -> list[OrderView]:
    """The resident's orders, newest first (the latest 50), with their tickets and payments."""
    orders = await TicketOrder.filter(user_id=actor.id).order_by("-id").limit(50)
    tickets = list(await Ticket.filter(order_id__in=[o.id for o in orders]).order_by("id"))
    spots = {s.id: s for s in await Spot.filter(id__in={o.spot_id for o in orders})}
    paid = await payments_of(tickets)
    found = [
        OrderView(o, spots[o.spot_id], [t for t in tickets if t.order_id == o.id], paid, {}) for o in orders
    ]
    return [v for v in found if not _refused(v.tickets)]


def _refused(tickets: list[Ticket]) -> bool:
    """An order refused part-way (a visitor's place was not had, a provider failed): every ticket it
    took was given back by the system, never cancelled by the resident. Not shown as theirs."""
    return all(t.state == TicketState.CANCELLED and t.cancelled_at is None for t in tickets)


async def my_order(actor: Actor, order_id: int) -> OrderView:
    """One of the resident's orders, with what cancelling each ticket now would give back."""
    order = await TicketOrder.get_or_none(id=order_id, user_id=actor.id)
    if order is None:
        raise TicketNotFound()
    tickets = list(await Ticket.filter(order_id=order.id).order_by("id"))
    spot = await Spot.get(id=order.spot_id)
    paid = await payments_of(tickets)
    refusal = await _cancel_refusal(actor, order, spot)
    previews = {t.id: _preview(order, t, paid.get(t.id), refusal) for t in tickets}
    return OrderView(order, spot, tickets, paid, previews)


async def refund_preview(actor: Actor, ticket_id: int) -> RefundPreview:
    ticket = await own_ticket(actor, ticket_id)
    spot = await Spot.get(id=ticket.spot_id)
    paid = (await payments_of([ticket])).get(ticket.id)
    return _preview(ticket.order, ticket, paid, await _cancel_refusal(actor, ticket.order, spot))


async def _cancel_refusal(actor: Actor, order: TicketOrder, spot: Spot) -> str | None:
    """Why the resident could not cancel a live ticket of ``order`` now (None: they could)."""
    now = clock.now()
    try:
        rules.check_cutoff(rules.refund_rules(order.refund_rules), order.starts_at, now)
        if actor.kind == "resident":  # the quotas are a resident's (as in _cancel)
            days = await _cancel_days(None, actor, spot.id, now)
            rules.check_quota(rules.spot_rules(spot.rules).cancel_quota, days, china_day(now))
    except (rules.CancelCutoffPassed, rules.CancelQuotaReached) as exc:
        return exc.code
    return None


def _preview(
    order: TicketOrder, ticket: Ticket, paid: PaymentOrder | None, refusal: str | None
) -> RefundPreview:
    if paid is not None:
        paid_fen = paid.paid_fen - paid.refunded_fen
    else:  # cash taken at the window (no payment order) paid the price; else nothing paid yet
        paid_fen = ticket.amount_fen if order.paid_by is not None else 0
    if ticket.state not in LIVE:
        return RefundPreview(ticket.id, paid_fen, RefundKind.NONE, 0, TicketNotActive.code)
    policy = rules.refund_policy(
        rules.refund_rules(order.refund_rules), paid_fen, order.starts_at, clock.now(), used=False
    )
    return RefundPreview(ticket.id, paid_fen, policy.kind, policy.refund_fen(paid_fen), refusal)


@dataclass(frozen=True)
class FairUse:
    """The resident's standing at a spot: their no-shows (and any lock) and their cancellations
    against each period's quota."""

    no_shows: int
    window_days: int
    locked_until: dt.date | None
    quotas: list[rules.QuotaUse]


async def standing(actor: Actor, spot: Spot) -> FairUse:
    fair_use = rules.spot_rules(spot.rules)
    user = await User.get_or_none(id=actor.id)
    found = document_of(user) if user is not None else None
    days: list[dt.date] = []
    if found is not None:
        missed = Ticket.filter(spot_id=spot.id, person=found.index, state=TicketState.NO_SHOW)
        days = [row.day for row in await missed.only("id", "day")]
    today = clock.today_in_china()
    seen = rules.standing(fair_use.no_show, days, today)
    cancelled = await _cancel_days(None, actor, spot.id, clock.now())
    return FairUse(
        seen.no_shows,
        fair_use.no_show.window_days,
        seen.locked_until,
        rules.quota_use(fair_use.cancel_quota, cancelled, today),
    )


async def own_ticket(actor: Actor, ticket_id: int) -> Ticket:
    ticket = await Ticket.get_or_none(id=ticket_id).select_related("order")
    if ticket is None or ticket.order.user_id != actor.id:
        raise TicketNotFound()
    return ticket


async def cancel_ticket(
    actor: Actor, ticket_id: int, gate: Gate | None, *, then: OnCancelled | None = None
) -> Ticket:
    """The resident cancels one ticket: its place goes back, its money by the order's refund rules
    (payments settles ``ticket:<id>`` with :meth:`TicketPayments.policy`)."""
    ticket = await own_ticket(actor, ticket_id)
    await _cancel(actor, ticket.order, [ticket], gate, then)
    return await Ticket.get(id=ticket.id)


async def cancel_order(
    actor: Actor, order_id: int, gate: Gate | None, *, then: OnCancelled | None = None
) -> list[Ticket]:
    """Every live ticket of the order, in one cancellation (it counts once against the quotas)."""
    order = await TicketOrder.get_or_none(id=order_id, user_id=actor.id)
    if order is None:
        raise TicketNotFound()
    live = await Ticket.filter(order_id=order.id, state__in=LIVE).order_by("id")
    await _cancel(actor, order, live, gate, then)
    return list(await Ticket.filter(id__in=[t.id for t in live]).order_by("id"))


async def _revoke_code(conn: BaseDBAsyncClient, ticket: Ticket, holder_user_id: int) -> None:
    """A cancelled ticket's code goes on the revocation list offline gates download (an online gate
    refuses it by the ticket's state already). Only a code ever shown has a subject to revoke."""
    shown = (
        await CredentialSubject.filter(kind=Kind.TICKET.value, object_id=ticket.id).using_db(conn).exists()
    )
    if shown:
        await credentials.set_status(
            Kind.TICKET, ticket.id, holder_user_id, SubjectStatus.REVOKED, using_db=conn
        )


async def _cancel(
    actor: Actor,
    order: TicketOrder,
    tickets: list[Ticket],
    gate: Gate | None,
    then: OnCancelled | None = None,
) -> None:
    """One cancellation by the resident: refused once used or ended (``ticket_not_active``), past
    the order's cut-off, or beyond the spot's quotas for the account; else every ticket ends, its
    places go back and its payment is settled (cash taken at the window has none), in one
    transaction, ``then`` asked for each ticket ended."""
    if not any(t.state in LIVE for t in tickets):
        raise TicketNotActive()
    now = clock.now()
    rules.check_cutoff(rules.refund_rules(order.refund_rules), order.starts_at, now)
    spot = await Spot.get(id=order.spot_id)
    quota = rules.spot_rules(spot.rules).cancel_quota
    ended = []
    async with in_transaction() as conn:
        if actor.kind == "resident":  # the quotas are a resident's (staff cancel for the spot)
            # One account's cancellations one at a time: two at once cannot both take a quota's last.
            await User.filter(id=actor.id).using_db(conn).select_for_update().first()
            rules.check_quota(quota, await _cancel_days(conn, actor, spot.id, now), china_day(now))
        for ticket in tickets:
            if not await _end(conn, ticket, TicketState.CANCELLED, cancelled_at=now):
                continue  # ended meanwhile (used at a gate, lapsed)
            ended.append(ticket)
            await service.give_back_entry(conn, ticket.reservation_id)
            await _revoke_code(conn, ticket, order.user_id)
            await record(
                actor,
                "tourism.ticket_cancelled",
                target_type="ticket",
                target_id=ticket.id,
                before={"state": ticket.state.value},
                using_db=conn,
            )
            if ticket.amount_fen and order.paid_by is None:
                await payments.purpose_cancelled(conn, purpose_of(ticket), actor=actor, reason="cancelled")
            if then is not None:
                await then(conn, ticket, now)
        if not ended:
            raise TicketNotActive()
    for ticket in ended:
        await _forget(gate, ticket)


async def _cancel_days(
    conn: BaseDBAsyncClient | None, actor: Actor, spot_id: int, now: dt.datetime
) -> list[dt.date]:
    """The China days of the account's cancellations at the spot since the longest period began;
    an order's tickets cancelled together count once (they share ``cancelled_at``)."""
    today = china_day(now)
    since = min(rules.period_start(p, today) for p in rules.PERIODS)
    found = await (
        Ticket.filter(order__user_id=actor.id, spot_id=spot_id, cancelled_at__gte=china_midnight(since))
        .using_db(conn)
        .values_list("order_id", "cancelled_at")
    )
    return [china_day(at) for _order, at in set(found)]


# -- payments and the capacity engine ask ----------------------------------------------------------


async def hold_lapsed(conn: BaseDBAsyncClient, reservation_id: int) -> None:
    """The engine let the ticket's hold lapse (``capacity.hold_expired``): the ticket lapses."""
    ticket = await Ticket.get_or_none(reservation_id=reservation_id, using_db=conn)
    if ticket is not None and ticket.state == TicketState.HELD:
        await _end(conn, ticket, TicketState.LAPSED)


async def _lapse(conn: BaseDBAsyncClient, ticket: Ticket) -> None:
    """A held ticket whose money will not come: it lapses and its place goes back (the engine's
    sweep may have released the slot place already: then only the day place is returned)."""
    await _end(conn, ticket, TicketState.LAPSED)
    reservation = await Reservation.get(id=ticket.reservation_id, using_db=conn)
    if reservation.state == ReservationState.HELD:
        await service.give_back_entry(conn, reservation.id)
    else:
        await service.return_day_place(conn, reservation.id)


async def _confirm(conn: BaseDBAsyncClient, ticket: Ticket) -> bool:
    """The money came for a held ticket: confirmed, or False when its hold lapsed first."""
    try:
        await capacity.confirm(conn, ticket.reservation_id)
    except (HoldExpired, ReservationNotActive):
        await _lapse(conn, ticket)
        return False
    await (
        Ticket.filter(id=ticket.id).using_db(conn).update(state=TicketState.CONFIRMED, updated_at=clock.now())
    )
    return True


class TicketPayments(PaymentOwnerBase):
    """The owner of ``ticket:<id>`` orders (registered below)."""

    reopens = False  # the place went with its hold

    async def standing(self, order: PaymentOrder, conn: BaseDBAsyncClient) -> bool:
        ticket = (
            await Ticket.filter(id=ticket_id_of(order.purpose)).using_db(conn).select_for_update().first()
        )
        if ticket is None or ticket.state not in LIVE:
            return False
        if ticket.state == TicketState.CONFIRMED:
            return True
        reservation = await Reservation.get(id=ticket.reservation_id, using_db=conn)
        return reservation.expires_at is None or reservation.expires_at > clock.now()

    async def paid(self, order: PaymentOrder, job: Job) -> None:
        async with in_transaction() as conn:
            ticket = (
                await Ticket.filter(id=ticket_id_of(order.purpose)).using_db(conn).select_for_update().first()
            )
            if ticket is None or ticket.state == TicketState.CONFIRMED:
                return
            if ticket.state == TicketState.HELD and await _confirm(conn, ticket):
                return
            # Ended before the money came: it all goes back (keyed by purpose: settled once).
            await payments.purpose_cancelled(
                conn, order.purpose, actor=Actor.system(), reason="paid after the ticket ended", by_site=True
            )

    async def closed(self, order: PaymentOrder, job: Job) -> None:
        async with in_transaction() as conn:
            ticket = await Ticket.get_or_none(id=ticket_id_of(order.purpose), using_db=conn)
            if ticket is not None and ticket.state == TicketState.HELD:
                await _lapse(conn, ticket)

    async def policy(self, order: PaymentOrder, at: dt.datetime) -> RefundPolicy:
        ticket = await Ticket.get(id=ticket_id_of(order.purpose)).select_related("order")
        tiers = rules.refund_rules(ticket.order.refund_rules)
        return rules.refund_policy(tiers, order.paid_fen, ticket.order.starts_at, at, used=False)


# Registered where the orders are made (as appointments' fees): the app imports it through the
# tourism API, every worker through ``jobs.py``.
payment_owners.add(PURPOSE_KIND, TicketPayments())
