"""The owner protocol: what payments needs of every module whose things are paid for.

An order pays for a *purpose* (``appointment:42``, ``application:7``, ``ticket:9``); the part before
the colon names its **owner**, the module that registers one :class:`PaymentOwner` here at import
time, in a module that both the app's process (it takes the provider's notifications and starts
orders) and every worker import: the one that makes the orders (``domain/appointments/fees.py``,
imported by the appointments API and by ``jobs.py``)::

    class AppointmentPayments(PaymentOwnerBase): ...

    payment_owners.add("appointment", AppointmentPayments())

and payments asks it, never the other way round:

- ``standing``: whether what the order pays for still wants the money, asked under the order's
  row lock when money arrives. Money for a purpose that no longer stands (cancelled, lapsed) is
  never kept: it is recorded as late and refunded in full by the system, and finance sees it.
- ``paid`` / ``refunded`` / ``closed``: told once each through the outbox (delivery is at least
  once, so each is idempotent: the owner checks its own state first).
- ``policy``: how much of a paid order the payer gets back when *they* cancel at a given time (all,
  all but a fee, or nothing). Asynchronous: the owner reads its own rules (an appointment's service
  and start time), through the caller's transaction when there is one. A cancellation by the site
  (a slot cancelled, a spot closed) always gives everything back, whatever the policy.
- ``reopens``: whether ``start`` on an order that closed unpaid (its deadline passed) opens a new
  order for the same purpose (an application's fee can be paid later) or refuses with
  ``payment_order_closed`` (an appointment's place is gone with its hold).

An owner *cancels* by calling :func:`domain.payments.service.purpose_cancelled` inside its own
cancelling transaction; payments then settles the money (closes an unpaid order at the provider,
or refunds a paid one by the policy) through the outbox, as the system actor, audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from domain.shared.registry import Registry

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from domain.outbox.jobs import Job
    from domain.payments.models import PaymentOrder, Refund


class RefundKind(StrEnum):
    FULL = "full"  # everything paid comes back
    FEE_KEPT = "fee_kept"  # all but a cancellation fee (e.g. a tiered ticket fee)
    NONE = "none"  # nothing comes back (e.g. a ticket already used)


@dataclass(frozen=True)
class RefundPolicy:
    """What a cancellation by the payer gives back, decided by the owner at the time of cancelling."""

    kind: RefundKind
    fee_fen: int = 0  # kept, with FEE_KEPT

    def refund_fen(self, paid_fen: int) -> int:
        if self.kind == RefundKind.FULL:
            return paid_fen
        if self.kind == RefundKind.FEE_KEPT:
            return max(paid_fen - max(self.fee_fen, 0), 0)
        return 0


FULL_REFUND = RefundPolicy(RefundKind.FULL)
NO_REFUND = RefundPolicy(RefundKind.NONE)


class PaymentOwner(Protocol):
    """One per purpose kind; see the module's docstring for what each member means."""

    reopens: bool

    async def standing(self, order: PaymentOrder, conn: BaseDBAsyncClient) -> bool: ...

    async def paid(self, order: PaymentOrder, job: Job) -> None: ...

    async def refunded(self, order: PaymentOrder, refund: Refund, job: Job) -> None: ...

    async def closed(self, order: PaymentOrder, job: Job) -> None: ...

    async def policy(self, order: PaymentOrder, at: dt.datetime) -> RefundPolicy: ...


class PaymentOwnerBase:
    """Defaults for an owner that needs nothing but to be paid: its purpose always stands, a closed
    order may be opened again, a cancellation gives everything back. Subclasses override what their
    rules say."""

    reopens = True

    async def standing(self, order: PaymentOrder, conn: BaseDBAsyncClient) -> bool:
        return True

    async def paid(self, order: PaymentOrder, job: Job) -> None:
        return None

    async def refunded(self, order: PaymentOrder, refund: Refund, job: Job) -> None:
        return None

    async def closed(self, order: PaymentOrder, job: Job) -> None:
        return None

    async def policy(self, order: PaymentOrder, at: dt.datetime) -> RefundPolicy:
        return FULL_REFUND


# purpose kind ("appointment") -> its owner, registered once with ``payment_owners.add(kind, owner)``.
payment_owners: Registry[str, PaymentOwner] = Registry("payment owner")


def owner_kind(purpose: str) -> str:
    return purpose.split(":", 1)[0]


def owner_of(purpose: str) -> PaymentOwner:
    """The registered owner of ``purpose``; a purpose with no owner is a wiring mistake, but its
    money must still be handled, so it gets the defaults (stands, full refund) rather than an error."""
    return payment_owners.get(owner_kind(purpose)) or _UNOWNED


_UNOWNED: PaymentOwner = PaymentOwnerBase()
