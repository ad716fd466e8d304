"""Real-name ticket orders (issue 13, strand T3): an order per spot, day and slot, and one ticket
per visitor with its own place and payment purpose (domain/tourism/models.py, tickets.py).

One live ticket per person, spot and day: the unique (spot_id, day, person_index), whose
person_index is cleared when a ticket ends (NULLs never collide, in PostgreSQL as in SQLite).
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from domain.shared.pii import EncryptedField
from domain.tourism.models import TicketState


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0015_tourism")]

    initial = False

    operations = [
        ops.CreateModel(
            name="TicketOrder",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("user_id", fields.BigIntField(db_index=True)),
                (
                    "spot",
                    fields.ForeignKeyField(
                        "palmcity.Spot",
                        source_field="spot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ticket_orders",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("day", fields.DateField()),
                ("slot_id", fields.BigIntField()),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "refund_rules",
                    fields.JSONField(
                        null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tourism_ticket_order",
                "app": "palmcity",
                "pk_attr": "id",
                "table_description": "A resident's order for one spot, day and slot: one ticket per visitor.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Ticket",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("code", fields.CharField(unique=True, max_length=24)),
                (
                    "order",
                    fields.ForeignKeyField(
                        "palmcity.TicketOrder",
                        source_field="order_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tickets",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("spot_id", fields.BigIntField()),
                ("day", fields.DateField()),
                ("person_index", fields.CharField(null=True, max_length=64)),
                ("document_kind", fields.CharField(max_length=24)),
                ("document_number", EncryptedField(unique=False)),
                ("document_masked", fields.CharField(max_length=32)),
                ("category", fields.CharField(max_length=24)),
                ("percent", fields.SmallIntField()),
                ("amount_fen", fields.IntField()),
                ("reservation_id", fields.BigIntField(unique=True)),
                (
                    "state",
                    fields.CharEnumField(
                        description="HELD: held\nCONFIRMED: confirmed\nLAPSED: lapsed\nCANCELLED: cancelled",
                        enum_type=TicketState,
                        max_length=16,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tourism_ticket",
                "app": "palmcity",
                "unique_together": (("spot_id", "day", "person_index"),),
                "pk_attr": "id",
                "table_description": (
                    "One visitor's ticket, its own payment purpose (``ticket:<id>``) and its own place."
                ),
            },
            bases=["Model"],
        ),
    ]
