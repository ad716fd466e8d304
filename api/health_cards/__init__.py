"""Electronic health cards (电子健康卡): the resident's own and their family members'."""

from __future__ import annotations

from sanic import Blueprint

from api.health_cards import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the health card routes."""
    bp = Blueprint("health_cards")
    base = "/health-cards"
    bp.add_route(routes.mine, base, methods=["GET"], name="mine")
    bp.add_route(routes.issue, base, methods=["POST"], name="issue")
    bp.add_route(routes.get_one, f"{base}/<card_id:id>", methods=["GET"], name="get")
    bp.add_route(routes.freeze, f"{base}/<card_id:id>/freeze", methods=["POST"], name="freeze")
    bp.add_route(routes.unfreeze, f"{base}/<card_id:id>/unfreeze", methods=["POST"], name="unfreeze")
    bp.add_route(routes.cancel, f"{base}/<card_id:id>/cancel", methods=["POST"], name="cancel")
    bp.add_route(routes.set_pin, f"{base}/<card_id:id>/pin", methods=["PUT"], name="pin")
    bp.add_route(routes.uses, f"{base}/<card_id:id>/uses", methods=["GET"], name="uses")
    return bp
