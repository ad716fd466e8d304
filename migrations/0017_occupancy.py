"""Live occupancy and crowd levels (issue 13, strand T4): one row per spot and day of who is inside,
residents' crowd subscriptions, a spot's crowd ladder and its day's stop-selling flag.

Nobody is counted inside beyond the limit, nor below zero: a CHECK constraint in PostgreSQL;
triggers in SQLite (as migrations 0005 and 0015 do).
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from migrations._sql import by_dialect

POSTGRES_UP = """
ALTER TABLE tourism_occupancy ADD CONSTRAINT tourism_occupancy_within_limit CHECK (
    inside >= 0 AND inside <= "limit"
);
"""
POSTGRES_DOWN = "ALTER TABLE tourism_occupancy DROP CONSTRAINT IF EXISTS tourism_occupancy_within_limit;"
_SQLITE_GUARD = """
CREATE TRIGGER tourism_occupancy_within_limit_{event} BEFORE {event} ON tourism_occupancy
WHEN NEW.inside < 0 OR NEW.inside > NEW."limit"
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: tourism_occupancy_within_limit'); END;
"""
SQLITE_UP = _SQLITE_GUARD.format(event="INSERT") + _SQLITE_GUARD.format(event="UPDATE")
SQLITE_DOWN = """
DROP TRIGGER IF EXISTS tourism_occupancy_within_limit_INSERT;
DROP TRIGGER IF EXISTS tourism_occupancy_within_limit_UPDATE;
"""


def _spot_key(related_name: str) -> fields.ForeignKeyField:  # type: ignore[type-arg]
    return fields.ForeignKeyField(
        "palmcity.Spot",
        source_field="spot_id",
        db_constraint=True,
        to_field="id",
        related_name=related_name,
        on_delete=OnDelete.CASCADE,
    )


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0016_tickets")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Spot",
            name="crowd_ladder",
            field=fields.JSONField(
                default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        ops.AddField(model_name="SpotDay", name="stop_selling", field=fields.BooleanField(default=False)),
        ops.CreateModel(
            name="Occupancy",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("spot", _spot_key("occupancies")),
                ("day", fields.DateField()),
                ("limit", fields.IntField()),
                ("inside", fields.IntField(default=0)),
                ("entered", fields.IntField(default=0)),
                ("exited", fields.IntField(default=0)),
                ("level", fields.CharField(default="comfortable", max_length=16)),
            ],
            options={
                "table": "tourism_occupancy",
                "app": "palmcity",
                "unique_together": (("spot", "day"),),
                "pk_attr": "id",
                "table_description": "Who is inside a spot on a day, and its crowd level.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CrowdSubscription",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("spot", _spot_key("crowd_subscriptions")),
                ("user_id", fields.BigIntField(db_index=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tourism_crowd_subscription",
                "app": "palmcity",
                "unique_together": (("spot", "user_id"),),
                "pk_attr": "id",
                "table_description": "A resident who asked to be told when a spot's crowd level changes.",
            },
            bases=["Model"],
        ),
        ops.RunPython(by_dialect(POSTGRES_UP, SQLITE_UP), by_dialect(POSTGRES_DOWN, SQLITE_DOWN)),
    ]
