"""Tourism's core (issue 13): scenic spots and venues on the capacity engine, their days' limits,
and which reservation holds each day place (domain/tourism/models.py).

The day never sells more than its capacity, nor a negative count: a CHECK constraint in
PostgreSQL; triggers in SQLite (as migration 0005 does for the engine's slots).
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from domain.tourism.models import SpotKind
from migrations._sql import by_dialect

POSTGRES_UP = """
ALTER TABLE tourism_spot_day ADD CONSTRAINT tourism_spot_day_within_capacity CHECK (
    taken >= 0 AND walk_in_reserved >= 0 AND taken <= capacity
);
"""
POSTGRES_DOWN = "ALTER TABLE tourism_spot_day DROP CONSTRAINT IF EXISTS tourism_spot_day_within_capacity;"
_SQLITE_GUARD = """
CREATE TRIGGER tourism_spot_day_within_capacity_{event} BEFORE {event} ON tourism_spot_day
WHEN NEW.taken < 0 OR NEW.walk_in_reserved < 0 OR NEW.taken > NEW.capacity
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: tourism_spot_day_within_capacity'); END;
"""
SQLITE_UP = _SQLITE_GUARD.format(event="INSERT") + _SQLITE_GUARD.format(event="UPDATE")
SQLITE_DOWN = """
DROP TRIGGER IF EXISTS tourism_spot_day_within_capacity_INSERT;
DROP TRIGGER IF EXISTS tourism_spot_day_within_capacity_UPDATE;
"""


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0014_identity_documents")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Spot",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("code", fields.CharField(unique=True, max_length=40)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SCENIC: scenic\nMUSEUM: museum\nPARK: park",
                        enum_type=SpotKind,
                        max_length=16,
                    ),
                ),
                ("region_code", fields.CharField(db_index=True, max_length=12)),
                ("name_zh_hans", fields.CharField(max_length=120)),
                ("name_zh_hant", fields.CharField(max_length=120)),
                ("name_en", fields.CharField(max_length=120)),
                ("intro_zh_hans", fields.TextField(default="", unique=False)),
                ("intro_zh_hant", fields.TextField(default="", unique=False)),
                ("intro_en", fields.TextField(default="", unique=False)),
                ("address", fields.CharField(default="", max_length=200)),
                ("latitude", fields.FloatField(null=True)),
                ("longitude", fields.FloatField(null=True)),
                ("opens_minute", fields.SmallIntField()),
                ("closes_minute", fields.SmallIntField()),
                ("daily_max", fields.IntField()),
                ("instant_max", fields.IntField()),
                ("policy_percent", fields.SmallIntField(default=100)),
                ("walk_in_percent", fields.SmallIntField(default=0)),
                ("slot_minutes", fields.SmallIntField(default=60)),
                ("slot_entries", fields.IntField()),
                ("booking_required", fields.BooleanField(default=True)),
                (
                    "prices",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("resource_id", fields.BigIntField(unique=True)),
                ("demo", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "tourism_spot", "app": "palmcity", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Advisory",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "spot",
                    fields.ForeignKeyField(
                        "palmcity.Spot",
                        source_field="spot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="advisories",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("text_zh_hans", fields.TextField(unique=False)),
                ("text_zh_hant", fields.TextField(unique=False)),
                ("text_en", fields.TextField(unique=False)),
                ("first_day", fields.DateField()),
                ("last_day", fields.DateField()),
            ],
            options={
                "table": "tourism_advisory",
                "app": "palmcity",
                "pk_attr": "id",
                "table_description": "A notice on a spot's page for a span of days (the seasonal forest-fire ban of seed 000).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SpotDay",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "spot",
                    fields.ForeignKeyField(
                        "palmcity.Spot",
                        source_field="spot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="days",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("day", fields.DateField()),
                ("booking_required", fields.BooleanField()),
                ("capacity", fields.IntField()),
                ("walk_in_reserved", fields.IntField(default=0)),
                ("taken", fields.IntField(default=0)),
            ],
            options={
                "table": "tourism_spot_day",
                "app": "palmcity",
                "unique_together": (("spot", "day"),),
                "pk_attr": "id",
                "table_description": "A day a spot opens for entry: the day's limit and the places taken against it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DayPlace",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("reservation_id", fields.BigIntField(unique=True)),
                (
                    "spot_day",
                    fields.ForeignKeyField(
                        "palmcity.SpotDay",
                        source_field="spot_day_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="places",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("returned", fields.BooleanField(default=False)),
            ],
            options={
                "table": "tourism_day_place",
                "app": "palmcity",
                "pk_attr": "id",
                "table_description": "The day place one reservation took, marked returned when it is given back (exactly once).",
            },
            bases=["Model"],
        ),
        ops.RunPython(by_dialect(POSTGRES_UP, SQLITE_UP), by_dialect(POSTGRES_DOWN, SQLITE_DOWN)),
    ]
