"""Tourism: public reads of scenic spots and venues under ``/api/v1/tourism``."""

from __future__ import annotations

from sanic import Blueprint

from api.tourism import complaints, crowd, gate, manage, routes, tickets, waitlist, window


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the tourism routes."""
    bp = Blueprint("tourism")
    spots = "/tourism/spots"
    bp.add_route(routes.list_spots, spots, methods=["GET"], name="spots")
    bp.add_route(routes.get_spot, f"{spots}/<code:str>", methods=["GET"], name="spot")
    bp.add_route(routes.spot_day, f"{spots}/<code:str>/days/<day:ymd>", methods=["GET"], name="day")
    bp.add_route(routes.quote, f"{spots}/<code:str>/price", methods=["GET"], name="price")
    bp.add_route(crowd.board, "/tourism/crowd", methods=["GET"], name="crowd")
    bp.add_route(
        crowd.subscribe, f"{spots}/<code:str>/crowd/subscription", methods=["PUT"], name="crowd_subscribe"
    )
    gates = "/staff/tourism/spots/<code:str>"
    bp.add_route(crowd.enter, f"{gates}/entries", methods=["POST"], name="gate_entry")
    bp.add_route(crowd.leave, f"{gates}/exits", methods=["POST"], name="gate_exit")
    # Each module of the sales and aftercare adds its own routes (issue 13's strands).
    for module in (tickets, gate, waitlist, window, complaints, manage):
        module.add_routes(bp)
    return bp
