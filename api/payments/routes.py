"""Payment routes: the providers' notifications, the payer's orders, finance's refunds and
reconciliation. Parse, one service call, render."""

from __future__ import annotations

from collections.abc import Awaitable

from sanic import HTTPResponse, Request, empty, json
from sanic_ext import openapi

from api._access import actor_of, requires
from api._errors import ErrorOut
from api._idempotency import idempotent
from api._kit import Handler, body, documented, model_ref, parse_query, respond
from api.payments.schemas import (
    ExceptionOut,
    ExceptionsOut,
    OrderOut,
    OrdersOut,
    ReconcileIn,
    RefundIn,
    RefundOut,
    RefundOutsideIn,
    ResolveIn,
    RunOut,
    StaffOrdersQuery,
)
from domain.payments import outside, reconciliation, service
from domain.payments.errors import NotificationRejected
from domain.payments.service import Providers


def providers_of(request: Request) -> Providers:
    adapters = request.app.ctx.runtime.adapters
    return Providers(wechat=adapters.wechatpay, public=adapters.publicpay)


async def answer(handling: Awaitable[str]) -> HTTPResponse:
    """Providers want a 2xx when a notification was handled (a duplicate too), and a 4xx with
    ``FAIL`` otherwise, so that they send it again; nothing was changed then."""
    try:
        await handling
    except NotificationRejected as exc:
        return json({"code": "FAIL", "message": f"rejected: {exc.details.get('reason', '')}"}, status=401)
    return empty(status=204)


def provider_answers(handler: Handler) -> Handler:
    """Document ``answer``: 204, or 401 in the providers' own shape (an invalid bearer token, which a
    provider never sends, would get PalmCity's error shape)."""
    refused = {"type": "object", "properties": {"code": {"const": "FAIL"}, "message": {"type": "string"}}}
    handled: Handler = openapi.response(204, description="Handled (a duplicate too)")(handler)
    answers: Handler = openapi.response(
        401,
        {"application/json": {"anyOf": [refused, model_ref(ErrorOut, "serialization")]}},
        "Refused; the provider sends it again",
    )(handled)
    return answers


@openapi.summary("WeChat Pay APIv3 notifications (payments and refunds)")
@openapi.description(
    "Verifies the platform's signature over the raw body, refuses timestamps more than 5 minutes off, "
    "decrypts the AES-256-GCM resource and checks merchant, app, order and amount. 204 when handled "
    '(a duplicate too); 401 `{"code": "FAIL"}` otherwise, so that WeChat Pay sends it again. '
    "Never rate-limited: only its signature admits it."
)
@openapi.tag("payments")
@provider_answers
async def notify_wechat(request: Request) -> HTTPResponse:
    return await answer(service.wechat_notification(providers_of(request), request.headers, request.body))


@openapi.summary("Public payment platform callbacks (government fees paid by notice number)")
@openapi.description(
    "HMAC-SHA256 over `TIMESTAMP\\nNONCE\\nBODY\\n` with the shared key, at most 5 minutes old; the "
    'notice must be ours. 204 when handled, 401 `{"code": "FAIL"}` otherwise (the platform retries).'
)
@openapi.tag("payments")
@provider_answers
async def notify_public(request: Request) -> HTTPResponse:
    return await answer(service.public_notification(providers_of(request), request.headers, request.body))


@openapi.summary("My payments, newest first")
@openapi.tag("payments")
@documented(OrdersOut)
@requires("resident")
async def mine(request: Request) -> HTTPResponse:
    return respond(OrdersOut(items=[OrderOut.of(o) for o in await service.mine(actor_of(request))]))


@openapi.summary("One of my payments, with its refunds and receipt")
@openapi.tag("payments")
@documented(OrderOut)
@requires("resident")
async def get_one(request: Request, order_id: int) -> HTTPResponse:
    order = await service.own(actor_of(request), order_id)
    return respond(OrderOut.of(order, await service.refunds_of(order)))


@openapi.summary("One of my refunds")
@openapi.tag("payments")
@documented(RefundOut)
@requires("resident")
async def get_refund(request: Request, refund_id: int) -> HTTPResponse:
    return respond(RefundOut.of(await service.own_refund(actor_of(request), refund_id)))


@openapi.summary("Payments of the merchants in my scope (finance), with refunds: late money, by state")
@openapi.parameter("late", bool, "query")
@openapi.parameter("state", str, "query")
@openapi.tag("payments-staff")
@documented(OrdersOut)
@requires("staff")
async def staff_list(request: Request) -> HTTPResponse:
    query = parse_query(request, StaffOrdersQuery)
    found = await service.for_finance(actor_of(request), late_only=query.late, state=query.state)
    due = await outside.due(o for o, _refunds in found)
    return respond(OrdersOut(items=[OrderOut.of(o, refunds, due.get(o.id)) for o, refunds in found]))


@openapi.summary("One payment of a merchant in my scope, with its refunds (finance)")
@openapi.tag("payments-staff")
@documented(OrderOut)
@requires("staff")
async def staff_get(request: Request, order_id: int) -> HTTPResponse:
    order, refunds = await service.for_finance_one(actor_of(request), order_id)
    return respond(OrderOut.of(order, refunds, (await outside.due([order])).get(order.id)))


@openapi.summary("Refund all or part of a payment (finance of its merchant)")
@openapi.description(
    "Partial and repeated refunds, never above what was paid, even when asked at once. A refund whose "
    "answer was lost (a timeout, a 5xx) is `processing` and asked about until the provider knows. "
    "Refusals: `refund_exceeds_paid` (with `refundable`), `order_not_refundable` (closed or unpaid; "
    "a government fee, with `provider: public`), `refund_refused` (the provider said no for good), "
    "`payment_provider_unavailable`."
)
@openapi.tag("payments-staff")
@documented(RefundOut, 201)
@requires("staff")
@idempotent()
@body(RefundIn)
async def refund(request: Request, order_id: int) -> HTTPResponse:
    data: RefundIn = request.ctx.body
    made = await service.refund(
        actor_of(request), providers_of(request), order_id, amount_fen=data.amount_fen, reason=data.reason
    )
    return respond(RefundOut.of(made), status=201)


@openapi.summary("Record a government fee's 退付 done by the finance bureau (finance of its merchant)")
@openapi.description(
    "A government fee (public platform) cannot be refunded by API: cancelled after it was paid, or paid "
    "late, the finance bureau gives it back (退付) and finance records it here with the amount and the "
    "bureau's reference number. The order is refunded (or partially), the ledger written, the payer "
    "told. The same reference, order and amount again answers the refund already recorded. Refusals: "
    "`refund_exceeds_paid` (with `refundable`), `refund_outside_not_due` (a WeChat Pay order, with "
    "`provider`; or a fee not owed back, with `state`), `refund_reference_used` (on another order or "
    "with another amount), `payment_order_not_found`."
)
@openapi.tag("payments-staff")
@documented(RefundOut, 201)
@requires("staff")
@idempotent()
@body(RefundOutsideIn)
async def refund_outside(request: Request, order_id: int) -> HTTPResponse:
    data: RefundOutsideIn = request.ctx.body
    made = await outside.record_returned(
        actor_of(request), order_id, amount_fen=data.amount_fen, reference=data.reference, note=data.note
    )
    return respond(RefundOut.of(made), status=201)


@openapi.summary("Reconcile a day: the provider's statement against our books (rerunnable)")
@openapi.tag("payments-staff")
@documented(RunOut, 201)
@requires("staff")
@body(ReconcileIn)
async def reconcile(request: Request) -> HTTPResponse:
    data: ReconcileIn = request.ctx.body
    run = await reconciliation.reconcile(providers_of(request), data.day, actor_of(request))
    return respond(RunOut.of(run), status=201)


@openapi.summary("Reconciliation mismatches still to work through")
@openapi.tag("payments-staff")
@documented(ExceptionsOut)
@requires("staff")
async def exceptions(request: Request) -> HTTPResponse:
    found = await reconciliation.exceptions(actor_of(request))
    return respond(ExceptionsOut(items=[ExceptionOut.of(e) for e in found]))


@openapi.summary("Mark a mismatch worked through, with a note")
@openapi.tag("payments-staff")
@documented(ExceptionOut)
@requires("staff")
@body(ResolveIn)
async def resolve(request: Request, exception_id: int) -> HTTPResponse:
    data: ResolveIn = request.ctx.body
    return respond(
        ExceptionOut.of(await reconciliation.resolve(actor_of(request), exception_id, note=data.note))
    )
