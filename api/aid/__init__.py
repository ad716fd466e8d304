"""Staff calculators of the two aid schemes: ``/api/v1/staff/aid/...``."""

from __future__ import annotations

from sanic import Blueprint

from api.aid import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the aid calculators."""
    bp = Blueprint("aid", url_prefix="/staff/aid")
    bp.add_route(routes.medical_payout, "/medical/payout", methods=["POST"], name="medical_payout")
    bp.add_route(
        routes.rehabilitation_amount, "/rehabilitation/amount", methods=["POST"], name="rehabilitation_amount"
    )
    return bp
