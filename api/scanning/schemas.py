"""Bodies of the scanning API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.credentials.schemas import TOKEN_FIELD
from domain.credentials.kinds import Kind
from domain.scanning.models import Scan, ScannerDevice, ScanOutcome

DEVICE_FIELD = Field(min_length=4, max_length=24, description="The device's `code`.")


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: str = Field(min_length=1, max_length=64, description="One of your scope codes (a site).")
    name: str = Field(min_length=1, max_length=64, description="e.g. 'Gate 2 handheld'.")


class DeviceOut(BaseModel):
    id: int
    code: str
    site: str
    name: str
    registered_at: datetime
    last_seen_at: datetime | None

    @classmethod
    def of(cls, device: ScannerDevice) -> DeviceOut:
        return cls(
            id=device.id,
            code=device.code,
            site=device.site_code,
            name=device.name,
            registered_at=device.registered_at,
            last_seen_at=device.last_seen_at,
        )


class DevicesOut(BaseModel):
    items: list[DeviceOut]


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = DEVICE_FIELD
    code: str = TOKEN_FIELD
    pin: str | None = Field(default=None, min_length=6, max_length=6, pattern=r"^\d{6}$")
    purpose: str | None = Field(
        default=None, max_length=16, description="Health cards: register, treat, pay."
    )


class ScanOut(BaseModel):
    id: int
    outcome: ScanOutcome
    kind: Kind
    kind_name: str
    action: str = Field(description="What was done, e.g. `health_card.used`, `appointments.checked_in`.")
    shown: dict[str, Any] = Field(description="What to show the member of staff (masked), by kind.")
    scanned_at: datetime
    offline: bool
    conflict_with: int | None

    @classmethod
    def of(cls, scan: Scan, locale: str) -> ScanOut:
        kind = Kind(scan.kind)
        return cls(
            id=scan.id,
            outcome=scan.outcome,
            kind=kind,
            kind_name=kind.label.render(locale),
            action=scan.action,
            shown=dict(scan.shown or {}),
            scanned_at=scan.scanned_at,
            offline=scan.offline,
            conflict_with=scan.conflict_with_id,
        )


class OfflineScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = TOKEN_FIELD
    # With its offset: a time without one could be any zone's, and a scan is judged as at that
    # moment (a naive time is refused with the field code ``timezone_required``).
    scanned_at: AwareDatetime = Field(description="On the device, ISO 8601 with its offset (+08:00 or Z).")
    purpose: str | None = Field(default=None, max_length=16)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = DEVICE_FIELD
    scans: list[OfflineScanIn] = Field(min_length=1, max_length=200)


class ErrorOut(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class BatchResultOut(BaseModel):
    index: int = Field(description="Position in the uploaded list.")
    status: str = Field(
        description="admitted, duplicate (uploaded before), conflict (spent elsewhere), refused."
    )
    scan: ScanOut | None
    error: ErrorOut | None
    code_given_back: bool = Field(
        description="Refused for a reason other than being used: this scan did not spend the code, "
        "which may be scanned again once the reason is fixed (a fresh code if it expired)."
    )


class BatchOut(BaseModel):
    results: list[BatchResultOut]
