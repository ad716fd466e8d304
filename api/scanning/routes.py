"""Scanning routes: parse, one service call with the actor, render."""

from __future__ import annotations

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import body, documented, respond
from api.credentials.routes import spent_of
from api.scanning.schemas import (
    BatchIn,
    BatchOut,
    BatchResultOut,
    DeviceIn,
    DeviceOut,
    DevicesOut,
    ErrorOut,
    ScanIn,
    ScanOut,
)
from domain.scanning import service
from domain.scanning.service import OfflineScan, UploadResult


@openapi.summary("The caller's scanner devices")
@openapi.tag("scanning")
@documented(DevicesOut)
@requires("staff")
async def devices(request: Request) -> HTTPResponse:
    found = await service.my_devices(actor_of(request))
    return respond(DevicesOut(items=[DeviceOut.of(d) for d in found]))


@openapi.summary("Register a scanner device at one of the caller's sites")
@openapi.tag("scanning")
@documented(DeviceOut, 201)
@requires("staff")
@body(DeviceIn)
async def register_device(request: Request) -> HTTPResponse:
    data: DeviceIn = request.ctx.body
    device = await service.register_device(actor_of(request), site_code=data.site, name=data.name)
    return respond(DeviceOut.of(device), status=201)


@openapi.summary("Retire a scanner device (lost, replaced)")
@openapi.tag("scanning")
@documented(DeviceOut)
@requires("staff")
async def retire_device(request: Request, device_id: int) -> HTTPResponse:
    return respond(DeviceOut.of(await service.retire_device(actor_of(request), device_id)))


@openapi.summary("Scan a code: verify, check scope, act (check in, record a use...), atomically")
@openapi.description(
    "Refusals, each with its own code: `credential_malformed`, `credential_key_unknown`, "
    "`credential_signature_invalid`, `credential_expired`, `credential_not_yet_valid`, `credential_revoked`, "
    "`credential_frozen`, `credential_already_used`, `credential_pin_required`, `credential_pin_invalid`, "
    "`credential_pin_locked`, `scan_kind_not_allowed`, `scan_wrong_site`, `scanner_device_not_found`, and "
    "the kind's own (`appointment_not_active`, `checkin_window_closed`; a ticket's `ticket_not_today`, "
    "`ticket_already_used`, `ticket_not_admissible`, `spot_at_instant_max`...). Every outcome is audited."
)
@openapi.tag("scanning")
@documented(ScanOut)
@requires("staff")
@body(ScanIn)
async def scan(request: Request) -> HTTPResponse:
    data: ScanIn = request.ctx.body
    done = await service.scan(
        actor_of(request),
        spent_of(request),
        device_code=data.device,
        token=data.code,
        pin=data.pin,
        purpose=data.purpose,
    )
    return respond(ScanOut.of(done.scan, request.ctx.locale))


def _result(result: UploadResult, locale: str) -> BatchResultOut:
    error = result.error
    return BatchResultOut(
        index=result.index,
        status=result.status,
        scan=ScanOut.of(result.scan, locale) if result.scan is not None else None,
        error=ErrorOut(code=error.code, message=error.message.render(locale), details=error.details)
        if error is not None
        else None,
        code_given_back=result.code_given_back,
    )


@openapi.summary("Upload scans made offline; idempotent, conflicts reported")
@openapi.description(
    "Each scan is judged as at its `scanned_at` (ISO 8601 with its offset: a naive time is refused "
    "with 422, field code `timezone_required`; at most 7 days old). Uploading the same batch again "
    "answers `duplicate`; a single-use code that another gate already admitted answers `conflict` and is "
    "recorded for follow-up, never admitted twice. A scan `refused` for any other reason did not spend "
    "the code (`code_given_back`: it may be scanned again)."
)
@openapi.tag("scanning")
@documented(BatchOut)
@requires("staff")
@body(BatchIn)
async def upload(request: Request) -> HTTPResponse:
    data: BatchIn = request.ctx.body
    results = await service.upload(
        actor_of(request),
        spent_of(request),
        device_code=data.device,
        scans=[OfflineScan(token=s.code, scanned_at=s.scanned_at, purpose=s.purpose) for s in data.scans],
    )
    return respond(BatchOut(results=[_result(r, request.ctx.locale) for r in results]))
