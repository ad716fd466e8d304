"""Scanner devices and scans."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class ScannerDevice(Model):
    """A phone or handheld registered to one staff account at one site."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=24, unique=True)  # what the scanner app sends with each scan
    staff_id = fields.BigIntField(db_index=True)
    site_code = fields.CharField(max_length=64)  # a scope code of the staff account
    name = fields.CharField(max_length=64)
    active = fields.BooleanField(default=True)
    registered_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField(null=True)

    class Meta:
        table = "scanner_device"


class ScanOutcome(StrEnum):
    ADMITTED = "admitted"
    # An offline upload of a single-use code another scan had already spent: reported, not admitted.
    CONFLICT = "conflict"


class Scan(Model):
    id = fields.BigIntField(primary_key=True)
    device_id = fields.BigIntField(db_index=True)
    staff_id = fields.BigIntField()
    site_code = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=24)
    subject_ref = fields.CharField(max_length=24, db_index=True)
    nonce = fields.CharField(max_length=20)
    # Set for a single-use code that this scan spent: unique, so a code is admitted once however
    # many gates scan it at the same moment.
    spent_nonce = fields.CharField(max_length=20, null=True, unique=True)
    # "device id:nonce" for an offline upload: a batch uploaded twice records nothing twice.
    upload_key = fields.CharField(max_length=48, null=True, unique=True)
    outcome = fields.CharEnumField(ScanOutcome, max_length=10)
    action = fields.CharField(max_length=40, default="")
    purpose = fields.CharField(max_length=16, null=True)
    shown: Any = fields.JSONField(default=dict)  # what the scanner showed (masked)
    conflict_with_id = fields.BigIntField(null=True)
    offline = fields.BooleanField(default=False)
    scanned_at = fields.DatetimeField()  # on the device, for an offline scan
    received_at = fields.DatetimeField()

    class Meta:
        table = "scan"
