"""Payments: the payer's orders and refunds, the providers' notifications, and finance's back office."""

from __future__ import annotations

from sanic import Blueprint

from api.payments import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the payment routes."""
    bp = Blueprint("payments")
    bp.add_route(routes.notify_wechat, "/payments/notify/wechat", methods=["POST"], name="notify_wechat")
    bp.add_route(routes.notify_public, "/payments/notify/public", methods=["POST"], name="notify_public")
    bp.add_route(routes.mine, "/payments", methods=["GET"], name="mine")
    bp.add_route(routes.get_one, "/payments/<order_id:id>", methods=["GET"], name="get")
    bp.add_route(routes.get_refund, "/refunds/<refund_id:id>", methods=["GET"], name="refund")
    staff = "/staff/payments"
    bp.add_route(routes.staff_list, staff, methods=["GET"], name="staff_list")
    bp.add_route(routes.staff_get, f"{staff}/<order_id:id>", methods=["GET"], name="staff_get")
    bp.add_route(routes.refund, f"{staff}/<order_id:id>/refunds", methods=["POST"], name="staff_refund")
    bp.add_route(
        routes.refund_outside,
        f"{staff}/<order_id:id>/refund-outside",
        methods=["POST"],
        name="staff_refund_outside",
    )
    bp.add_route(routes.reconcile, f"{staff}/reconciliation/runs", methods=["POST"], name="reconcile")
    bp.add_route(routes.exceptions, f"{staff}/reconciliation/exceptions", methods=["GET"], name="exceptions")
    bp.add_route(
        routes.resolve,
        f"{staff}/reconciliation/exceptions/<exception_id:id>/resolve",
        methods=["POST"],
        name="resolve",
    )
    return bp
