"""Staff scanning: scanner devices, the scan, and offline batches (``/api/v1/staff/...``)."""

from __future__ import annotations

from sanic import Blueprint

from api.scanning import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the scanning routes."""
    bp = Blueprint("scanning")
    devices = "/staff/scanner-devices"
    bp.add_route(routes.devices, devices, methods=["GET"], name="devices")
    bp.add_route(routes.register_device, devices, methods=["POST"], name="register_device")
    bp.add_route(routes.retire_device, f"{devices}/<device_id:id>/retire", methods=["POST"], name="retire")
    bp.add_route(routes.scan, "/staff/scans", methods=["POST"], name="scan")
    bp.add_route(routes.upload, "/staff/scans/batch", methods=["POST"], name="upload")
    return bp
