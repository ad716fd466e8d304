"""The fee of an item (收费事项): paid through the payments module once the case is filed.

A case's fee is a payment order (purpose ``application:<id>``), through the unified public payment
platform when the item names its non-tax item code (a government fee, 非税收入: the payer gets a
notice number and an e-receipt), through WeChat Pay otherwise. A granting decision needs the fee
paid (``application_fee_unpaid``), so an item with a fee is never approved at submission.

Applications own their fees (:class:`ApplicationFees`, registered here: the app's process takes
the provider's notifications and starts orders, and every worker imports this through ``jobs.py``):

- **standing**: the case is open (not withdrawn, refused or closed); money for an ended case is
  late and goes back in full.
- **reopens**: an order whose deadline passed unpaid is closed (at the provider too), and the
  applicant is told (**closed**); asking to pay again opens a new order for the same case, so a
  case past its fee's deadline can still be granted once the new one is paid.
- A case that ends without being granted (withdrawn, not accepted, denied, closed) gives its fee
  back (:func:`case_moved`, in the step's transaction): a WeChat Pay fee is refunded; a government
  fee cannot be refunded by API and goes back through the finance bureau's 退付 procedure, which
  the case view says (:func:`status_of`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.applications import catalog
from domain.applications.errors import ApplicationFeeNotDue, ApplicationFeeUnpaid
from domain.applications.models import ServiceRequest, Transition
from domain.catalog.schema import ItemDocument
from domain.notifications.service import Notice, deliver
from domain.payments import service as payments
from domain.payments.models import OPEN_STATES, OrderState, PaymentOrder, Provider
from domain.payments.owners import PaymentOwnerBase, payment_owners
from domain.payments.service import Providers
from domain.shared.actor import Actor
from domain.shared.i18n import LazyText, _
from domain.workflows import engine

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from domain.outbox.jobs import Job

PAY_WITHIN = dt.timedelta(days=7)
PURPOSE_KIND = "application"


def purpose_of(req: ServiceRequest) -> str:
    return f"{PURPOSE_KIND}:{req.id}"


def _request_id(order: PaymentOrder) -> int:
    return int(order.purpose.split(":", 1)[1])


async def order_of(req: ServiceRequest) -> PaymentOrder | None:
    """The fee's order: the latest one, when it had to be paid again."""
    return await payments.by_purpose(purpose_of(req))


async def settled(req: ServiceRequest, document: ItemDocument) -> bool:
    """Whether nothing is owed: no fee, or its order paid."""
    if document.fee_fen == 0:
        return True
    order = await order_of(req)
    return order is not None and order.state == OrderState.PAID


async def require_settled(req: ServiceRequest, document: ItemDocument) -> None:
    if not await settled(req, document):
        raise ApplicationFeeUnpaid(details={"fee_fen": document.fee_fen})


async def pay(providers: Providers, req: ServiceRequest) -> PaymentOrder:
    """The fee's order for a filed case (made on first ask, the same one after; a new one once the
    last closed unpaid): what the app pays."""
    document = await catalog.item_version(req.item_version_id)
    workflow = engine.get(req.workflow_code)
    if document.fee_fen == 0 or req.state == workflow.initial or req.state in workflow.final:
        raise ApplicationFeeNotDue(details={"state": req.state, "fee_fen": document.fee_fen})
    order = await payments.create_order(
        payer_id=req.applicant_id,
        purpose=purpose_of(req),
        amount_fen=document.fee_fen,
        description=document.name.zh_Hans,
        merchant_code=req.department_code,
        pay_within=PAY_WITHIN,
        provider=Provider.PUBLIC if document.non_tax_item_code else Provider.WECHAT,
    )
    return await payments.start(providers, order, item_code=document.non_tax_item_code or "")


# -- the owner -------------------------------------------------------------------------------------


class ApplicationFees(PaymentOwnerBase):
    """The owner of ``application:<id>`` orders; a refund gives everything back (the default)."""

    reopens = True  # a fee past its deadline can be paid with a new order

    async def standing(self, order: PaymentOrder, conn: BaseDBAsyncClient) -> bool:
        req = await ServiceRequest.filter(id=_request_id(order)).using_db(conn).first()
        return req is not None and req.state not in engine.get(req.workflow_code).final

    async def closed(self, order: PaymentOrder, job: Job) -> None:
        """Tell the applicant of an open case that the fee's payment window closed, and how to pay."""
        req = await ServiceRequest.get_or_none(id=_request_id(order))
        if req is None or req.state in engine.get(req.workflow_code).final:
            return  # the case ended: nothing is owed any more
        body = _(
            "The payment window for the fee of your application {reference} closed before it was paid. "
            "Open the application and pay again: a new payment is made for you.",
            reference=req.number,
        )
        await _tell(job, req, _("Fee not paid in time"), body)


payment_owners.add(PURPOSE_KIND, ApplicationFees())


async def _tell(job: Job, req: ServiceRequest, title: LazyText, body: LazyText) -> None:
    await deliver(
        Notice(
            user_id=req.applicant_id,
            kind="application_fee",
            title=title,
            body=body,
            link=f"/pages/applications/detail?id={req.id}",
        ),
        source_key=f"{job.topic}:{job.id}",
        wechat=job.context.adapters.wechat,
    )


async def case_moved(
    conn: BaseDBAsyncClient, req: ServiceRequest, workflow: engine.Workflow, actor: Actor
) -> None:
    """In the transaction of each step: a case that ended without being granted gives its fee back
    (an unpaid order is closed; a paid one refunded in full, or left to finance's 退付 for a
    government fee), once, however often asked."""
    if req.state not in workflow.final or await _granted(req, workflow, conn):
        return  # open, or granted then closed: the fee paid for the decision
    if not await PaymentOrder.filter(purpose=purpose_of(req)).using_db(conn).exists():
        return  # no fee was asked for
    await payments.purpose_cancelled(
        conn,
        purpose_of(req),
        actor=actor,
        reason=f"application {req.state}",
        by_site=actor.kind != "resident",
    )


# -- what the applicant sees -----------------------------------------------------------------------


class FeeState(StrEnum):
    NONE = "none"  # no fee
    DUE = "due"  # to pay (no order yet, or one waiting)
    CLOSED = "closed"  # the last order closed unpaid: pay again
    PAID = "paid"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    REFUND_BY_FINANCE = "refund_by_finance"  # a government fee, given back by the finance bureau's 退付


@dataclass(frozen=True)
class FeeStatus:
    state: FeeState
    note: LazyText | None = None


async def status_of(req: ServiceRequest, fee_fen: int, order: PaymentOrder | None) -> FeeStatus:
    """The fee as the case view shows it."""
    if fee_fen == 0:
        return FeeStatus(FeeState.NONE)
    workflow = engine.get(req.workflow_code)
    ended = req.state in workflow.final
    if order is None or order.state in OPEN_STATES:
        return FeeStatus(FeeState.CLOSED if ended and order is not None else FeeState.DUE)
    if order.state == OrderState.CLOSED:  # late money on it, if any, goes back by itself
        note = None if ended else _("The payment window closed before the fee was paid; pay again to go on.")
        return FeeStatus(FeeState.CLOSED, note)
    if order.state in (OrderState.PARTIALLY_REFUNDED, OrderState.REFUNDED):
        return FeeStatus(FeeState.REFUNDED)
    if order.refunded_fen > 0:
        return FeeStatus(FeeState.REFUNDING)
    if not ended or await _granted(req, workflow):
        return FeeStatus(FeeState.PAID)
    if order.provider == Provider.PUBLIC:
        note = _(
            "A government fee cannot be returned in the app: the department returns it through the "
            "finance bureau's refund procedure (退付) and will contact you."
        )
        return FeeStatus(FeeState.REFUND_BY_FINANCE, note)
    return FeeStatus(FeeState.REFUNDING)  # its settlement has not run yet


async def _granted(
    req: ServiceRequest, workflow: engine.Workflow, conn: BaseDBAsyncClient | None = None
) -> bool:
    """Whether a granting decision was ever taken on the case."""
    granting = sorted(name for name, spec in workflow.transitions.items() if spec.grants)
    return await Transition.filter(request_id=req.id, name__in=granting).using_db(conn).exists()
