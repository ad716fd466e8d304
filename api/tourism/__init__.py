"""Tourism: public reads of scenic spots and venues under ``/api/v1/tourism``."""

from __future__ import annotations

from sanic import Blueprint

from api.tourism import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the tourism routes."""
    bp = Blueprint("tourism")
    spots = "/tourism/spots"
    bp.add_route(routes.list_spots, spots, methods=["GET"], name="spots")
    bp.add_route(routes.get_spot, f"{spots}/<code:str>", methods=["GET"], name="spot")
    bp.add_route(routes.spot_day, f"{spots}/<code:str>/days/<day:ymd>", methods=["GET"], name="day")
    bp.add_route(routes.quote, f"{spots}/<code:str>/price", methods=["GET"], name="price")
    return bp
