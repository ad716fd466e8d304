"""Appointments: residents under ``/api/v1/appointments``, frontline staff under
``/api/v1/staff/appointments``."""

from __future__ import annotations

from sanic import Blueprint

from api.appointments import routes, staff_routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the appointment routes."""
    bp = Blueprint("appointments")
    resident = "/appointments"
    bp.add_route(routes.list_sites, f"{resident}/sites", methods=["GET"], name="sites")
    bp.add_route(routes.get_site, f"{resident}/sites/<code:str>", methods=["GET"], name="site")
    bp.add_route(routes.nearby_sites, f"{resident}/nearby-sites", methods=["GET"], name="nearby_sites")
    # The slots' read asks Redis for the availability generation first: with a Redis server, the
    # rate limiter reads it in the same round trip as the limit (server.guards).
    bp.add_route(
        routes.slots,
        f"{resident}/services/<service_id:id>/slots",
        methods=["GET"],
        name="slots",
        ctx_redis_reads=routes.slots_reads,
    )
    bp.add_route(routes.standing, f"{resident}/standing", methods=["GET"], name="standing")
    bp.add_route(routes.book, resident, methods=["POST"], name="book")
    bp.add_route(routes.mine, resident, methods=["GET"], name="mine")
    bp.add_route(routes.get_one, f"{resident}/<appointment_id:id>", methods=["GET"], name="get")
    bp.add_route(routes.cancel, f"{resident}/<appointment_id:id>/cancel", methods=["POST"], name="cancel")
    bp.add_route(
        routes.confirm_payment,
        f"{resident}/<appointment_id:id>/payment/confirm",
        methods=["POST"],
        name="confirm",
    )
    staff = "/staff/appointments"
    bp.add_route(staff_routes.today, staff, methods=["GET"], name="staff_today")
    bp.add_route(staff_routes.check_in, f"{staff}/check-in", methods=["POST"], name="check_in")
    bp.add_route(staff_routes.walk_in, f"{staff}/walk-ins", methods=["POST"], name="walk_in")
    bp.add_route(staff_routes.queue_list, f"{staff}/queue", methods=["GET"], name="queue")
    bp.add_route(staff_routes.call_next, f"{staff}/queue/call-next", methods=["POST"], name="call_next")
    bp.add_route(staff_routes.skip, f"{staff}/tickets/<ticket_id:id>/skip", methods=["POST"], name="skip")
    bp.add_route(
        staff_routes.recall, f"{staff}/tickets/<ticket_id:id>/recall", methods=["POST"], name="recall"
    )
    bp.add_route(staff_routes.serve, f"{staff}/tickets/<ticket_id:id>/serve", methods=["POST"], name="serve")
    bp.add_route(
        staff_routes.cancel_slot, f"{staff}/slots/<slot_id:id>/cancel", methods=["POST"], name="cancel_slot"
    )
    bp.add_route(
        staff_routes.move_slot, f"{staff}/slots/<slot_id:id>/move", methods=["POST"], name="move_slot"
    )
    bp.add_route(
        staff_routes.set_places, f"{staff}/slots/<slot_id:id>/places", methods=["PUT"], name="slot_places"
    )
    return bp
