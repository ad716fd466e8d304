"""好差评: residents rate finished services; staff handle rectification work orders and statistics."""

from __future__ import annotations

from sanic import Blueprint

from api.evaluations import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the evaluation routes."""
    bp = Blueprint("evaluations")
    bp.add_route(routes.create, "/evaluations", methods=["POST"], name="create")
    bp.add_route(routes.mine, "/evaluations/mine", methods=["GET"], name="mine")
    bp.add_route(routes.indicators, "/evaluations/indicators", methods=["GET"], name="indicators")
    staff = "/staff/evaluations"
    bp.add_route(routes.list_orders, f"{staff}/orders", methods=["GET"], name="list_orders")
    bp.add_route(routes.get_order, f"{staff}/orders/<order_id:id>", methods=["GET"], name="get_order")
    bp.add_route(
        routes.advance_order, f"{staff}/orders/<order_id:id>/steps", methods=["POST"], name="advance_order"
    )
    bp.add_route(routes.statistics, f"{staff}/statistics", methods=["GET"], name="statistics")
    return bp
