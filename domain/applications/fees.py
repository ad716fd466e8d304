"""The fee of an item (收费事项): paid through the payments module once the case is filed.

A case's fee is one payment order (purpose ``application:<id>``), through the unified public
payment platform when the item names its non-tax item code (a government fee, 非税收入: the payer
gets a notice number and an e-receipt), through WeChat Pay otherwise. A granting decision needs the
fee paid (``application_fee_unpaid``), so an item with a fee is never approved at submission.
"""

from __future__ import annotations

import datetime as dt

from domain.applications import catalog
from domain.applications.errors import ApplicationFeeNotDue, ApplicationFeeUnpaid
from domain.applications.models import ServiceRequest
from domain.catalog.schema import ItemDocument
from domain.payments import service as payments
from domain.payments.models import OrderState, PaymentOrder, Provider
from domain.payments.service import Providers
from domain.workflows import engine

PAY_WITHIN = dt.timedelta(days=7)


def purpose_of(req: ServiceRequest) -> str:
    return f"application:{req.id}"


async def order_of(req: ServiceRequest) -> PaymentOrder | None:
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
    """The fee's order for a filed case (made on first ask, the same one after): what the app pays."""
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
