"""好差评 routes: parse, one service call with the actor, render."""

from __future__ import annotations

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires, requires_level
from api._idempotency import idempotent
from api._kit import body, documented, parse_query, respond
from api.evaluations.schemas import (
    EvaluationIn,
    EvaluationOut,
    EvaluationsOut,
    IndicatorOut,
    IndicatorSetOut,
    IndicatorsOut,
    OrderDetailOut,
    OrderOut,
    OrdersOut,
    OrdersQuery,
    StatisticsOut,
    StatisticsQuery,
    StepIn,
    TallyOut,
)
from domain.evaluations import service
from domain.evaluations.models import EvaluationLevel

REAL_NAME_LEVEL = 3  # 好差评 is a real-name feedback mechanism (seed 001 L497)


@openapi.summary("Rate a finished service (好差评), once per application or counter service")
@openapi.description(
    "Refused with `evaluation_not_open` unless the service is yours and finished, "
    "`evaluation_exists` when already rated, `evaluation_indicator_unknown`, and "
    "`evaluation_comment_required` for a 差评 without a comment. A 差评 opens a rectification work order."
)
@documented(EvaluationOut, 201)
@requires_level(REAL_NAME_LEVEL)
@idempotent()
@body(EvaluationIn)
async def create(request: Request) -> HTTPResponse:
    data: EvaluationIn = request.ctx.body
    evaluation = await service.evaluate(
        actor_of(request),
        service.Rating(
            target_type=data.target_type,
            target_id=data.target_id,
            level=data.level,
            indicators=data.indicators,
            comment=data.comment,
        ),
    )
    return respond(EvaluationOut.of(evaluation, rectification_opened=data.level.is_bad), status=201)


@openapi.summary("The caller's own evaluations, newest first")
@documented(EvaluationsOut)
@requires("resident")
async def mine(request: Request) -> HTTPResponse:
    evaluations = await service.mine(actor_of(request))
    return respond(EvaluationsOut(items=[EvaluationOut.of(e) for e in evaluations]))


@openapi.summary("The five levels and the indicator set per kind of service, in the caller's language")
@documented(IndicatorsOut)
async def indicators(request: Request) -> HTTPResponse:
    locale = request.ctx.locale
    return respond(
        IndicatorsOut(
            levels=list(EvaluationLevel),
            sets=[
                IndicatorSetOut(
                    target_type=target,
                    indicators=[
                        IndicatorOut(code=c, name=service.INDICATORS[c].render(locale)) for c in codes
                    ],
                )
                for target, codes in service.INDICATORS_BY_TARGET.items()
            ],
        )
    )


@openapi.summary("Rectification work orders in the caller's departments (case officers)")
@openapi.parameter("state", str, "query")
@openapi.parameter("department_code", str, "query")
@openapi.parameter("limit", int, "query")
@openapi.parameter("offset", int, "query")
@documented(OrdersOut)
@requires("staff")
async def list_orders(request: Request) -> HTTPResponse:
    query = parse_query(request, OrdersQuery)
    orders, total = await service.list_orders(
        actor_of(request),
        state=query.state,
        department_code=query.department_code,
        limit=query.limit,
        offset=query.offset,
    )
    return respond(
        OrdersOut(items=[OrderOut.of(o) for o in orders], total=total, limit=query.limit, offset=query.offset)
    )


@openapi.summary("One rectification work order with its steps and the rating behind it")
@documented(OrderDetailOut)
@requires("staff")
async def get_order(request: Request, order_id: int) -> HTTPResponse:
    return respond(OrderDetailOut.detail(await service.get_order(actor_of(request), order_id)))


@openapi.summary("Take the next step of a work order: 回访, 转派, 督办, 整改, 审核 (approve or reject)")
@openapi.description("A step the order's state does not allow is refused with 409 `invalid_transition`.")
@documented(OrderDetailOut)
@requires("staff")
@body(StepIn)
async def advance_order(request: Request, order_id: int) -> HTTPResponse:
    data: StepIn = request.ctx.body
    order = await service.advance(
        actor_of(request), order_id, action=data.action, note=data.note, department_code=data.department_code
    )
    return respond(OrderDetailOut.detail(order))


@openapi.summary("Ratings per department and item, by level, with the satisfaction rate")
@openapi.parameter("department_code", str, "query")
@openapi.parameter("item_code", str, "query")
@documented(StatisticsOut)
@requires("staff")
async def statistics(request: Request) -> HTTPResponse:
    query = parse_query(request, StatisticsQuery)
    tallies = await service.statistics(
        actor_of(request), department_code=query.department_code, item_code=query.item_code
    )
    return respond(StatisticsOut(items=[TallyOut.of(t) for t in tallies]))
