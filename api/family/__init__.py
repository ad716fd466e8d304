"""Family-member API under ``/api/v1/family``, and the officers' birth-certificate checks under
``/api/v1/staff/guardianship-proofs``."""

from __future__ import annotations

from sanic import Blueprint

from api.family import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the family routes."""
    bp = Blueprint("family")
    base, member, proofs = "/family", "/family/<member_id:id>", "/staff/guardianship-proofs"
    bp.add_route(routes.list_members, base, methods=["GET"], name="list")
    bp.add_route(routes.add_member, base, methods=["POST"], name="add")
    bp.add_route(routes.list_invitations, f"{base}/invitations", methods=["GET"], name="invitations")
    bp.add_route(
        routes.accept_invitation, f"{base}/invitations/<member_id:id>/accept", methods=["POST"], name="accept"
    )
    bp.add_route(
        routes.decline_invitation,
        f"{base}/invitations/<member_id:id>/decline",
        methods=["POST"],
        name="decline",
    )
    bp.add_route(routes.remove_member, member, methods=["DELETE"], name="remove")
    bp.add_route(routes.check_guardianship, f"{member}/guardianship/check", methods=["POST"], name="check")
    bp.add_route(
        routes.submit_birth_certificate, f"{member}/birth-certificate", methods=["POST"], name="certificate"
    )
    bp.add_route(routes.certificates_to_check, proofs, methods=["GET"], name="to_check")
    bp.add_route(routes.certificate_file, f"{proofs}/<proof_id:id>/file", methods=["GET"], name="proof_file")
    bp.add_route(
        routes.approve_certificate, f"{proofs}/<proof_id:id>/approve", methods=["POST"], name="approve"
    )
    bp.add_route(routes.refuse_certificate, f"{proofs}/<proof_id:id>/refuse", methods=["POST"], name="refuse")
    return bp
