"""The owner protocol: what the capacity engine tells the module whose places it keeps.

Every resource records its **owner** (``CapacityResource.owner``: ``appointment`` today, ``ticket``
and ``parking`` when those modules come), and the owner registers one :class:`CapacityOwner` here
at import time, in its ``jobs.py`` (which every worker imports)::

    capacity_owners.add("appointment", AppointmentPlaces())

The owner is recorded on the resource, not on each reservation: a resource is configured by one
module (an appointment service's hall or clinic, a scenic spot's gate), every place in it is that
module's, and the booking's hot INSERT stays as narrow as it is.

What the engine reports on its own, through the outbox, is only what nobody asked for at that
moment: a hold that lapsed (``capacity.hold_expired``, dispatched by ``domain.capacity.jobs`` to
the resource's owner). Cancelling and moving a slot are the owner's own calls
(``service.cancel_slot``, ``service.move_slot``): they hand the affected reservations back to the
caller in its transaction, so they need no report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from domain.shared.registry import Registry

if TYPE_CHECKING:
    from domain.outbox.jobs import Job


class CapacityOwner(Protocol):
    async def hold_expired(self, reservation_id: int, job: Job) -> None:
        """A hold of the owner's lapsed unconfirmed and its place was given back (at least once:
        check your own state first)."""
        ...


# owner kind ("appointment") -> its owner, registered once with ``capacity_owners.add(kind, owner)``.
capacity_owners: Registry[str, CapacityOwner] = Registry("capacity owner")


class OwnerMissing(RuntimeError):
    """A resource names an owner that no jobs module registered: a wiring mistake. The job fails
    and is retried, then stays dead in the outbox for an operator, rather than being dropped."""
