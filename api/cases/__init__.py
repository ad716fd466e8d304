"""Staff case API under ``/api/v1/staff/cases``."""

from __future__ import annotations

from sanic import Blueprint

from api.cases import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the case routes."""
    bp = Blueprint("cases", url_prefix="/staff/cases")
    bp.add_route(routes.list_queue, "", methods=["GET"], name="queue")
    bp.add_route(routes.overdue_report, "/overdue-report", methods=["GET"], name="overdue_report")
    bp.add_route(routes.get_case, "/<request_id:id>", methods=["GET"], name="get")
    bp.add_route(
        routes.get_material, "/<request_id:id>/materials/<material_id:id>", methods=["GET"], name="material"
    )
    bp.add_route(routes.add_attachment, "/<request_id:id>/materials", methods=["POST"], name="add_attachment")
    bp.add_route(routes.claim, "/<request_id:id>/claim", methods=["POST"], name="claim")
    bp.add_route(routes.release, "/<request_id:id>/release", methods=["POST"], name="release")
    bp.add_route(
        routes.request_supplement,
        "/<request_id:id>/request-supplement",
        methods=["POST"],
        name="request_supplement",
    )
    bp.add_route(routes.take_step, "/<request_id:id>/steps/<step:str>", methods=["POST"], name="take_step")
    for segment, (step, summary) in routes.ACTIONS.items():
        bp.add_route(routes.action(step, summary), f"/<request_id:id>/{segment}", methods=["POST"], name=step)
    return bp
