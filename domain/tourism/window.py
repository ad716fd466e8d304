"""The manual ticket window: a spot's staff sell from the same inventory, walk-in share first.

The 2024 rules keep a manual window at every spot, so that walk-ins and older visitors without
phones are admitted when capacity allows (next-modules §2.3). The window sells through
``tickets.create_order`` like the app: the same real-name visitors (a document; the birth date from
it or given), the same prices at the visit day, one person one ticket per spot and day, the same
day and slot limits, red stops selling. What differs:

- **Whose order.** A window order belongs to the spot's *window account*: a ``User`` row per spot
  (openid ``palmcity-window:<code>``, which no WeChat login yields, so nobody logs in as it), made
  on the spot's first window sale. ``TicketOrder.user_id`` and a payment's ``payer_id`` name it,
  and ``seller_id`` the staff account that sold. Not the staff id: ``user_id`` holds residents'
  ids, so a staff id there would be a resident's too, who would then see (and could cancel) the
  window's orders; and a payment's payer must be an account (a foreign key). The tickets' own
  audit records are by the window (the system actor with the window account's id);
  ``tourism.window_sold`` names the seller, with the tickets, the amount and how it was paid, and
  shares their request id.
- **The walk-in share, first.** A sale for today takes from the share kept back for the window
  (``walk_in=True`` lets it pass the online limit) and then *draws* that share down by the places
  taken, on the day row and on the slot row: the online limit (capacity − share) rises by what
  the window took, so online buyers keep every place they had and the window spends its own
  share before it eats theirs. Once the share is spent the window sells from the common pool.
  A sale for a later day is not a walk-in and sells like the app, from the online places.
- **Paid at the counter.** ``cash``: the tickets are confirmed at once, no payment order, the cash
  audited with its amount. ``wechat``: one payment order per priced ticket (purpose
  ``ticket:<id>``, as online), held for :data:`PAY_WITHIN`; payments confirms each ticket when its
  money comes and lapses it when not. No resident pays it through the app (the payer is the
  window): :func:`take_wechat` starts each at the counter (WeChat Pay's Native order, whose
  ``code_url`` the seller's screen shows as a QR code the visitor scans with WeChat; why not the
  visitor's 付款码: ``adapters/wechatpay/client.py``), and :func:`sale_state` is what the screen
  polls until every ticket is paid. The money is recorded as any payment's (the provider's
  notification or a query, ``payments.record_payment``: a ticket whose hold lapsed meanwhile does
  not keep it).
- **Cancelled at the counter.** A seller cancels a window ticket (or a whole window order) that is
  still live, by ``tickets``' own cancellation as the window account: the order's refund rules and
  cut-off (no quotas: they are a resident's), the place back through ``service.return_day_place``
  (the waitlist is told). What the sale drew from the walk-in share goes back to it (the tickets
  first in the order drew it, as many as ``tourism.window_sold`` says): the sale is undone, online
  gains nothing it did not have, and a place sold from the common pool returns to the common pool
  (to online buyers and the waitlist). Cash is handed back at the counter: no payment order
  exists, so ``tourism.window_refunded`` (by the seller) records the amount by the rules; WeChat
  money goes back through payments (``purpose_cancelled``, refunded by the rules) as a
  resident's. A ticket the app sold is refused (``ticket_not_window_sale``).
- **Found again.** A walk-in who comes back later is found in the window's sales of the day
  (:func:`sales_of_day`, newest first) or by the sale's number, a ticket's number or their
  document (:func:`find_sale`: the blind index, as a gate finds a ticket), each shown as
  :func:`sale_state` reads it, with its seller and whether it can still be cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, Subquery
from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.audit.service import history, record
from domain.capacity.errors import SlotNotFound
from domain.capacity.gate import Gate
from domain.capacity.models import CapacitySlot, SlotState
from domain.identity.documents import document
from domain.payments import service as payments
from domain.payments.errors import PaymentOrderClosed, PaymentProviderUnavailable
from domain.payments.models import OPEN_STATES, OrderState
from domain.shared import clock
from domain.shared.actor import Actor
from domain.shared.clock import china_day, china_midnight
from domain.shared.errors import Conflict, DomainError, ErrorKind, NotFound
from domain.shared.i18n import _
from domain.shared.labels import LabelTable
from domain.shared.pii import mask_name
from domain.staff.models import StaffAccount
from domain.staff.roles import Role, authorize
from domain.tourism import rules, tickets
from domain.tourism.errors import TicketNotFound, TicketNotWindowSale
from domain.tourism.models import SaleChannel, Spot, SpotDay, Ticket, TicketOrder, TicketState
from domain.tourism.pricing import PriceLine
from domain.tourism.tickets import Ordered, Sale, Visitor

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

WINDOW_OPENID = "palmcity-window:{code}"  # the spot's window account: no WeChat login yields it
PAY_WITHIN = dt.timedelta(minutes=5)  # the visitor is at the counter


class PaidBy(StrEnum):
    CASH = "cash"
    WECHAT = "wechat"


# How the window was paid, as its screen and receipt name it.
PAID_BY_LABELS = LabelTable.of_enum(
    PaidBy, {PaidBy.CASH: _("Cash"), PaidBy.WECHAT: _("WeChat Pay, scanned at the window")}
)


class WindowNoSlot(Conflict):
    """No slot of today is still to end (details: ``day``): the spot is closed for the day."""

    code = "window_no_slot"
    message = _("The scenic spot takes no more entries today.")


class WindowSaleNotFound(NotFound):
    """Not a window sale of this spot (another spot's, an online order, or none)."""

    code = "window_sale_not_found"
    message = _("There is no such sale at this window.")


@dataclass(frozen=True)
class Counter:
    """A visitor as the window takes them: the document shown, the name on it, the birth date
    where the document does not carry it, and the claims whose proof the seller saw."""

    document_kind: str
    document_number: str
    name: str
    born: dt.date | None = None
    claims: frozenset[str] = frozenset()

    def visitor(self) -> Visitor:
        found = document(self.document_kind, self.document_number)
        return Visitor(found, self.born, self.claims, name_masked=mask_name(self.name.strip()) or "")


async def window_account(spot: Spot) -> User:
    """The account the spot's window orders belong to (made on first use; two sellers at once:
    the unique openid lets one make it, the other reads it)."""
    openid = WINDOW_OPENID.format(code=spot.code)
    found = await User.get_or_none(openid=openid)
    if found is not None:
        return found
    try:
        return await User.create(openid=openid, nickname=spot.code[:32], created_at=clock.now())
    except IntegrityError:
        return await User.get(openid=openid)


async def slot_now(spot: Spot) -> CapacitySlot:
    """Today's slot under way, else the next one today (``window_no_slot`` after the last)."""
    today = clock.today_in_china()
    start = china_midnight(today)
    found = (
        await CapacitySlot.filter(
            resource_id=spot.resource_id,
            state=SlotState.OPEN,
            starts_at__gte=start.astimezone(dt.UTC),
            starts_at__lt=(start + dt.timedelta(days=1)).astimezone(dt.UTC),
            ends_at__gt=clock.now().astimezone(dt.UTC),
        )
        .order_by("starts_at")
        .first()
    )
    if found is None:
        raise WindowNoSlot(details={"day": today.isoformat()})
    return found


@dataclass(frozen=True)
class WindowSale:
    ordered: Ordered
    lines: list[PriceLine]  # each ticket's price, explained (in the order of its tickets)


async def sell(
    actor: Actor,
    spot: Spot,
    visitors: list[Counter],
    paid_by: PaidBy,
    *,
    slot_id: int | None = None,
    gate: Gate | None = None,
) -> WindowSale:
    """A window sale by staff holding ``ticket_seller`` for the spot's code. Refusals as an online
    order's (``spot_day_full``, ``spot_stop_selling``, ``ticket_person_taken``, the document's
    checks, ``ticket_birth_date_needed``…) and ``window_no_slot``."""
    authorize(actor, Role.TICKET_SELLER, spot.code)
    at = [v.visitor() for v in visitors]  # the documents' refusals before anything is taken
    slot = await (CapacitySlot.get_or_none(id=slot_id) if slot_id is not None else slot_now(spot))
    if slot is None or slot.resource_id != spot.resource_id:
        raise SlotNotFound()
    walk_in = china_day(slot.starts_at) == clock.today_in_china()
    account = await window_account(spot)
    owner = Actor("system", account.id, ip=actor.ip, request_id=actor.request_id)
    sale = Sale(
        channel=SaleChannel.WINDOW,
        pay_within=PAY_WITHIN,
        walk_in=walk_in,
        seller_id=actor.id,
        paid_by=paid_by.value if paid_by == PaidBy.CASH else None,
    )
    # Not through the flash-crowd gate: its count is the online one, which would refuse the window
    # its own share once the app sold out. The database decides; the count is dropped after.
    ordered = await tickets.create_order(owner, spot, slot.id, at, None, sale)
    async with in_transaction() as conn:
        drawn, slot_drawn = await _draw_share(conn, spot, slot, len(ordered.tickets)) if walk_in else (0, 0)
        await record(
            actor,
            "tourism.window_sold",
            target_type="ticket_order",
            target_id=ordered.order.id,
            after={
                "spot": spot.code,
                "paid_by": paid_by.value,
                "amount_fen": sum(t.amount_fen for t in ordered.tickets),
                "tickets": [t.id for t in ordered.tickets],
                "walk_in_share_drawn": drawn,
                "walk_in_slot_drawn": slot_drawn,
            },
            using_db=conn,
        )
    if gate is not None:
        await gate.forget(slot.id, spot.resource_id)
    return WindowSale(ordered, tickets.quote(spot, ordered.order.day, at))


async def _draw_share(
    conn: BaseDBAsyncClient, spot: Spot, slot: CapacitySlot, places: int
) -> tuple[int, int]:
    """Move ``places`` from the window's share into what was sold, on the day and the slot (each
    conditional on the share left, never below 0); returns how many the day's and the slot's
    shares gave (cancelling gives back as much). Run after the sale commits: until it does, online
    sees the window's places as taken from its own (it can undersell for that moment, never
    oversell: the share only shrinks)."""
    drawn = slot_drawn = 0
    for _place in range(places):
        drawn += await (
            SpotDay.filter(spot_id=spot.id, day=china_day(slot.starts_at), walk_in_reserved__gt=0)
            .using_db(conn)
            .update(walk_in_reserved=F("walk_in_reserved") - 1)
        )
        slot_drawn += await (
            CapacitySlot.filter(id=slot.id, walk_in_reserved__gt=0)
            .using_db(conn)
            .update(walk_in_reserved=F("walk_in_reserved") - 1, version=F("version") + 1)
        )
    return drawn, slot_drawn


# -- cancelled at the counter ----------------------------------------------------------------------


async def _as_window(actor: Actor, spot: Spot) -> Actor:
    """The window account, as the sale made its tickets: whose order ``tickets`` cancels."""
    account = await window_account(spot)
    return Actor("system", account.id, ip=actor.ip, request_id=actor.request_id)


async def _sold_here(actor: Actor, spot: Spot, order_id: int) -> TicketOrder:
    """A window order of the spot, for a seller of the spot to cancel (``ticket_not_found`` for
    another spot's, ``ticket_not_window_sale`` for the app's)."""
    authorize(actor, Role.TICKET_SELLER, spot.code)
    order = await TicketOrder.get_or_none(id=order_id, spot_id=spot.id)
    if order is None:
        raise TicketNotFound()
    if order.channel != SaleChannel.WINDOW:
        raise TicketNotWindowSale()
    return order


async def _window_ticket(actor: Actor, spot: Spot, ticket_id: int) -> Ticket:
    authorize(actor, Role.TICKET_SELLER, spot.code)
    ticket = await Ticket.get_or_none(id=ticket_id, spot_id=spot.id).select_related("order")
    if ticket is None:
        raise TicketNotFound()
    if ticket.order.channel != SaleChannel.WINDOW:
        raise TicketNotWindowSale()
    return ticket


async def refund_preview(actor: Actor, spot: Spot, ticket_id: int) -> tickets.RefundPreview:
    """What cancelling a window ticket now gives back by its order's rules (cash: its price is
    what was paid), or why it cannot be cancelled (``ticket_not_active``, the cut-off)."""
    ticket = await _window_ticket(actor, spot, ticket_id)
    return await tickets.refund_preview(await _as_window(actor, spot), ticket.id)


async def cancel_ticket(actor: Actor, spot: Spot, ticket_id: int, gate: Gate | None) -> tickets.OrderView:
    """The seller cancels one window ticket (refused: ``ticket_not_active`` once used or ended, the
    order's cut-off); answers its order."""
    ticket = await _window_ticket(actor, spot, ticket_id)
    owner = await _as_window(actor, spot)
    returned = await _returned(actor, spot, ticket.order)
    await tickets.cancel_ticket(owner, ticket.id, gate, then=returned)
    return await tickets.my_order(owner, ticket.order_id)


async def cancel_order(actor: Actor, spot: Spot, order_id: int, gate: Gate | None) -> tickets.OrderView:
    """The seller cancels every live ticket of a window order at once."""
    order = await _sold_here(actor, spot, order_id)
    owner = await _as_window(actor, spot)
    await tickets.cancel_order(owner, order.id, gate, then=await _returned(actor, spot, order))
    return await tickets.my_order(owner, order.id)


async def _drawn(order: TicketOrder) -> tuple[set[int], set[int]]:
    """The order's tickets that drew the day's and the slot's walk-in share: the first ones sold,
    as many as the sale's record says (it is written in the transaction that drew them)."""
    sold = [
        r
        for r in await history(target_type="ticket_order", target_id=order.id)
        if r.action == "tourism.window_sold" and r.after
    ]
    if not sold:
        return set(), set()
    after = sold[-1].after or {}
    ids = sorted(int(i) for i in after.get("tickets", []))
    day = int(after.get("walk_in_share_drawn", 0))
    return set(ids[:day]), set(ids[: int(after.get("walk_in_slot_drawn", day))])


async def _returned(seller: Actor, spot: Spot, order: TicketOrder) -> tickets.OnCancelled:
    """What the window does for each ticket a cancellation ends, in its transaction: the walk-in
    share it drew goes back, and the refund is recorded by the seller (cash: handed back now)."""
    day_share, slot_share = await _drawn(order)
    cash = order.paid_by == PaidBy.CASH.value

    async def returned(conn: BaseDBAsyncClient, ticket: Ticket, at: dt.datetime) -> None:
        if ticket.id in day_share:
            await (
                SpotDay.filter(spot_id=spot.id, day=order.day)
                .using_db(conn)
                .update(walk_in_reserved=F("walk_in_reserved") + 1)
            )
        if ticket.id in slot_share:
            await (
                CapacitySlot.filter(id=order.slot_id)
                .using_db(conn)
                .update(walk_in_reserved=F("walk_in_reserved") + 1, version=F("version") + 1)
            )
        # What was taken for it: cash, its price; WeChat, what its payment received (nothing while
        # it was still unpaid: then nothing is given back, and payments closes the order).
        paying = None if cash else (await tickets.payments_of([ticket])).get(ticket.id)
        paid_fen = ticket.amount_fen if cash else paying.paid_fen if paying is not None else 0
        policy = rules.refund_policy(
            rules.refund_rules(order.refund_rules), paid_fen, order.starts_at, at, used=False
        )
        await record(
            seller,
            "tourism.window_refunded",
            target_type="ticket",
            target_id=ticket.id,
            after={
                "order": order.id,
                "spot": spot.code,
                "paid_by": PaidBy.CASH.value if cash else PaidBy.WECHAT.value,
                "amount_fen": ticket.amount_fen,
                "paid_fen": paid_fen,
                "refund_kind": policy.kind.value if paid_fen else "none",
                # Cash: handed back at the counter now. WeChat: payments refunds what was paid by
                # the same rules (its own records have the amount), to the payer's WeChat.
                "refund_fen": policy.refund_fen(ticket.amount_fen) if cash else None,
                "refund_by": "cash" if cash else "payments",
                "walk_in_share_returned": ticket.id in day_share,
            },
            using_db=conn,
        )

    return returned


# -- taking WeChat Pay at the counter --------------------------------------------------------------

MAX_ID = 2**63 - 1


async def take_wechat(
    actor: Actor, providers: payments.Providers, spot: Spot, order_id: int
) -> tickets.OrderView:
    """Start each priced ticket's payment of a window sale at the counter (a Native order: its
    ``pay_params`` hold the ``code_url`` the visitor scans), by staff holding ``ticket_seller`` for
    the spot. Asked again, the same codes (nothing new is made); payments already paid or ended are
    left as they are. ``window_sale_not_found``; ``payment_provider_unavailable`` (try again)."""
    order = await _window_sale(actor, spot, order_id)
    view = await _view(order, spot)
    for ticket in view.tickets:
        paying = view.payments.get(ticket.id)
        if paying is None or paying.state not in OPEN_STATES or ticket.state != TicketState.HELD:
            continue
        try:
            await payments.start_at_counter(providers, paying)
        except PaymentOrderClosed:
            continue  # its deadline passed as we asked: the ticket lapses, nothing to show
    return await _view(order, spot)


async def sale_state(
    actor: Actor, spot: Spot, order_id: int, *, providers: payments.Providers | None = None
) -> tickets.OrderView:
    """A window sale as it stands (its tickets and payments): what the seller's screen polls. With
    ``providers``, payments still pending are first asked of the provider (a notification late or
    lost), recorded as a notification's would be; a provider that does not answer is asked next
    time."""
    order = await _window_sale(actor, spot, order_id)
    view = await _view(order, spot)
    if providers is not None:
        for paying in view.payments.values():
            if paying.state == OrderState.PENDING:
                try:
                    await payments.sync_with_provider(providers, paying)
                except PaymentProviderUnavailable:
                    continue
        view = await _view(order, spot)
    return view


async def _window_sale(actor: Actor, spot: Spot, order_id: int) -> TicketOrder:
    authorize(actor, Role.TICKET_SELLER, spot.code)
    found = (
        await TicketOrder.get_or_none(id=order_id, spot_id=spot.id, channel=SaleChannel.WINDOW)
        if 0 < order_id <= MAX_ID
        else None
    )
    if found is None:
        raise WindowSaleNotFound()
    return found


async def _view(order: TicketOrder, spot: Spot) -> tickets.OrderView:
    return (await _views([order], spot))[0]


async def _views(orders: list[TicketOrder], spot: Spot) -> list[tickets.OrderView]:
    """Window sales as they stand, each with its tickets and each priced ticket's latest payment
    (two reads for any number of sales)."""
    sold = list(await Ticket.filter(order_id__in=[o.id for o in orders]).order_by("id"))
    paid = await tickets.payments_of(sold)
    return [tickets.OrderView(o, spot, [t for t in sold if t.order_id == o.id], paid, {}) for o in orders]


# -- the window's sales, found again ---------------------------------------------------------------
#
# A walk-in comes back (to give back a ticket, to ask what they bought): the seller finds the sale
# in the window's list of a day, or by its order number, a ticket's number, or the visitor's
# document. Each is shown as ``sale_state`` reads it (the same view), with who sold it and whether
# it can still be cancelled at the counter.

SALES_PAGE = 20
TICKET_CODE_LENGTH = 16  # tickets' codes: 16 hexadecimal characters (``tickets._take``)


class WindowLookupInvalid(DomainError):
    """details: ``given`` (what was named). Exactly one of an order number, a ticket's number or a
    document (kind and number) finds a sale."""

    code = "window_lookup_invalid"
    kind = ErrorKind.INVALID
    message = _("Give one of: the sale's number, a ticket's number, or the visitor's document.")


@dataclass(frozen=True)
class SoldHere:
    """A window sale as the counter finds it again: as it stands (tickets, payments), the seller's
    name, and whether a ticket of it can still be cancelled now (live, before the order's cut-off)."""

    view: tickets.OrderView
    seller_name: str | None
    cancellable: bool


@dataclass(frozen=True)
class SalesOfDay:
    day: dt.date
    sales: list[SoldHere]
    total: int


@dataclass(frozen=True)
class Lookup:
    """What the seller typed: exactly one of the three."""

    order_id: int | None = None
    ticket_code: str | None = None
    document_kind: str | None = None
    document_number: str | None = None
    day: dt.date | None = None  # a document's visit day (default today, China time)


def _made() -> Q:
    """A ticket the sale kept: an attempt refused part-way gave its tickets back with no
    cancellation time (``tickets._refused``); such an attempt is no sale."""
    return Q(cancelled_at__isnull=False) | ~Q(state=TicketState.CANCELLED)


async def sales_of_day(
    actor: Actor, spot: Spot, day: dt.date | None = None, *, limit: int = SALES_PAGE, offset: int = 0
) -> SalesOfDay:
    """The window's sales made on ``day`` (China time; default today), newest first, ``limit`` from
    ``offset``, with the number there are. Staff holding ``ticket_seller`` for the spot's code."""
    authorize(actor, Role.TICKET_SELLER, spot.code)
    day = day or clock.today_in_china()
    account = await User.get_or_none(openid=WINDOW_OPENID.format(code=spot.code))
    if account is None:  # the window never sold
        return SalesOfDay(day, [], 0)
    start = china_midnight(day)
    # By the window account's orders (an indexed column), made that day; a sale is for its own day
    # or a later one, which bounds the tickets it kept by their (spot, day) index.
    kept = Ticket.filter(_made(), spot_id=spot.id, day__gte=day).values("order_id")
    query = TicketOrder.filter(
        user_id=account.id,
        spot_id=spot.id,
        channel=SaleChannel.WINDOW,
        created_at__gte=start,
        created_at__lt=start + dt.timedelta(days=1),
        id__in=Subquery(kept),
    )
    total = await query.count()
    orders = list(await query.order_by("-id").offset(offset).limit(limit))
    return SalesOfDay(day, await _shown(orders, spot), total)


async def find_sale(actor: Actor, spot: Spot, lookup: Lookup) -> SoldHere:
    """One window sale of the spot, by its order number, a ticket's number (its code) or the
    visitor's document (their newest window sale for the visit day, found by the document's blind
    index as a gate finds a ticket: a Home Return Permit by its first 9 characters). Refusals:
    ``window_lookup_invalid``, the document's own checks, ``window_sale_not_found``,
    ``ticket_not_window_sale`` (the ticket, or the visitor's only tickets of the day, were sold by
    the app: its buyer cancels there)."""
    authorize(actor, Role.TICKET_SELLER, spot.code)
    named = [lookup.order_id is not None, lookup.ticket_code is not None, lookup.document_number is not None]
    if sum(named) != 1 or (lookup.document_number is None) != (lookup.document_kind is None):
        given = ["order_id", "ticket_code", "document_number"]
        raise WindowLookupInvalid(details={"given": [g for g, n in zip(given, named, strict=True) if n]})
    if lookup.order_id is not None:
        return (await _shown([await _window_sale(actor, spot, lookup.order_id)], spot))[0]
    if lookup.ticket_code is not None:
        code = lookup.ticket_code.strip().upper()
        found = (
            await Ticket.filter(code=code, spot_id=spot.id).select_related("order").first()
            if len(code) == TICKET_CODE_LENGTH
            else None
        )
        candidates = [found] if found is not None else []
    else:
        assert lookup.document_kind is not None and lookup.document_number is not None
        person = document(lookup.document_kind, lookup.document_number).index
        day = lookup.day or clock.today_in_china()
        candidates = list(
            await Ticket.filter(_made(), spot_id=spot.id, day=day, person=person)
            .select_related("order")
            .order_by("-id")
        )
    windows = [t.order for t in candidates if t.order.channel == SaleChannel.WINDOW]
    if windows:
        return (await _shown(windows[:1], spot))[0]
    if candidates:
        raise TicketNotWindowSale()
    raise WindowSaleNotFound()


async def _shown(orders: list[TicketOrder], spot: Spot) -> list[SoldHere]:
    views = await _views(orders, spot)
    sellers = {o.seller_id for o in orders if o.seller_id is not None}
    named = await StaffAccount.filter(id__in=sellers).values_list("id", "display_name") if sellers else []
    names = {int(i): str(n) for i, n in named}
    now = clock.now()
    return [
        SoldHere(v, names.get(v.order.seller_id) if v.order.seller_id else None, _cancellable(v, now))
        for v in views
    ]


def _cancellable(view: tickets.OrderView, at: dt.datetime) -> bool:
    """A ticket of the sale is live and the order's cut-off has not passed (what the counter's
    cancellation would refuse first)."""
    if not any(t.state in tickets.LIVE for t in view.tickets):
        return False
    try:
        rules.check_cutoff(rules.refund_rules(view.order.refund_rules), view.order.starts_at, at)
    except rules.CancelCutoffPassed:
        return False
    return True
