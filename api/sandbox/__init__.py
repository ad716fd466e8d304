"""Pages of the sandbox platforms (``/sandbox/...``), outside the versioned API.

``api.build_api`` registers them only in apps built with ``settings.sandbox``.
"""

from __future__ import annotations

from sanic import Blueprint

from api.sandbox import routes


def build() -> Blueprint:
    bp = Blueprint("sandbox", url_prefix="/sandbox")
    bp.add_route(routes.authorize_page, "/identity/authorize", methods=["GET"], name="identity_authorize")
    bp.add_route(routes.authorize_submit, "/identity/authorize", methods=["POST"], name="identity_submit")
    bp.add_route(routes.pay_wechat, "/wechatpay/<out_trade_no:str>/pay", methods=["POST"], name="pay_wechat")
    bp.add_route(routes.pay_nontax, "/nontax/<notice_number:str>/pay", methods=["POST"], name="pay_nontax")
    bp.add_route(routes.seat_child, "/population/children", methods=["POST"], name="population_child")
    bp.add_route(
        routes.nontax_receipt, "/nontax/receipts/<payment_id:str>", methods=["GET"], name="nontax_receipt"
    )
    return bp
