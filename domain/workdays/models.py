"""Days the State Council's yearly holiday notice moves, entered by an administrator."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class HolidayOverride(Model):
    """One day whose status differs from (or is missing in) chinese-calendar's data."""

    date = fields.DateField(primary_key=True)
    is_workday = fields.BooleanField()
    note = fields.CharField(max_length=128, default="")

    class Meta:
        table = "holiday_override"
