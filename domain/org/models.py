"""Where government business happens: regions (province → city → county → town) and departments."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"


class Region(Model):
    # GB/T 2260 administrative division code (6 digits; towns use the 9-digit township code).
    code = fields.CharField(max_length=12, primary_key=True)
    name_zh_hans = fields.CharField(max_length=64)
    name_zh_hant = fields.CharField(max_length=64)
    name_en = fields.CharField(max_length=128)
    level = fields.CharEnumField(RegionLevel, max_length=16)
    parent: fields.ForeignKeyNullableRelation[Region] = fields.ForeignKeyField(
        "palmcity.Region", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    # Greater Bay Area cities outside the mainland (Hong Kong, Macao) have their own rules (seed 004).
    greater_bay_area = fields.BooleanField(default=False)

    class Meta:
        table = "region"


class Department(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name_zh_hans = fields.CharField(max_length=128)
    name_zh_hant = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=160)
    region: fields.ForeignKeyRelation[Region] = fields.ForeignKeyField(
        "palmcity.Region", related_name="departments", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "department"
