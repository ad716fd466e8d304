"""The ticket as a credential (kind ``ticket``): who may show its code, and what scanning it at a
gate does. Loaded with every domain's ``credential.py`` by ``server.wiring`` (``scanning.load_owners``);
the admission itself is ``domain.tourism.admission``."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.credentials import service as credentials
from domain.credentials.kinds import Kind
from domain.scanning import registry
from domain.scanning.errors import ScanWrongSite
from domain.shared import clock
from domain.shared.actor import Actor
from domain.tourism import tickets
from domain.tourism.admission import TicketNotToday, admit, check_admissible, shown
from domain.tourism.errors import TicketNotFound
from domain.tourism.models import Spot, Ticket

# -- who may show a ticket's code ---------------------------------------------------


@credentials.holder(Kind.TICKET)
async def held(actor: Actor, ticket_id: int) -> credentials.Held:
    """The resident's own ticket, confirmed and not for a day gone (a future day's code may be
    shown: the gate refuses it until its day)."""
    ticket = await tickets.own_ticket(actor, ticket_id)
    check_admissible(ticket)
    if ticket.day < clock.today_in_china():
        raise TicketNotToday(details={"day": ticket.day.isoformat()})
    return credentials.Held(object_id=ticket.id, holder_user_id=ticket.order.user_id)


# -- what scanning it does ----------------------------------------------------------------------------


@registry.action(Kind.TICKET)
async def scanned(context: registry.ScanContext, conn: BaseDBAsyncClient) -> registry.Outcome:
    """A ticket's QR code at a gate: the device must stand at the ticket's spot (its site code is
    the spot's code, and the scanning engine checked it is in the scanner's scope)."""
    ticket = await Ticket.filter(id=context.object_id).using_db(conn).first()
    if ticket is None:
        raise TicketNotFound()
    spot = await Spot.filter(id=ticket.spot_id).using_db(conn).get()
    if context.device.site_code != spot.code:
        raise ScanWrongSite(details={"site": spot.code})
    admitted = await admit(conn, context.actor, spot, ticket, at=context.at, by="qr", offline=context.offline)
    return registry.Outcome(action="tourism.ticket_used", shown=shown(admitted))
