"""Tourism sales and aftercare (issue 13): per-spot fair-use rules, tickets used or not shown, the
window and waitlist channels, the waitlist, complaints, the crowd level's history, staff alerts,
and a visit to a spot as something residents rate (好差评).

``Ticket.person`` keeps the person's blind index after a ticket ends (no-shows and quotas count by
person); tickets made before this migration get theirs copied from ``person_index`` where it is set.
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from domain.evaluations.models import TargetType
from domain.shared.pii import EncryptedField
from domain.tourism.models import ComplaintState, SaleChannel, TicketState, WaitlistState
from migrations._sql import by_dialect

EVALUATION_TARGETS = (
    "SERVICE_REQUEST: service_request\nCOUNTER_SERVICE: counter_service\nSPOT_VISIT: spot_visit"
)
# SQLite cannot alter a column: Tortoise rebuilds the table for an AlterField and the rebuilt table
# has lost its indexes and unique constraints (this migration's tourism_ticket, evaluation and
# rateable_service; 0010's payment_order and payment_refund; 0011's family_member). They are made
# again here. tests/test_migrations.py compares every table's indexes with the models' so that a
# later AlterField cannot drop one unnoticed. PostgreSQL alters in place and keeps them.
SQLITE_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS uid_tourism_tic_spot_id_person ON tourism_ticket (spot_id, day, person_index);
CREATE INDEX IF NOT EXISTS idx_tourism_tic_person_2d6f93 ON tourism_ticket (person);
CREATE UNIQUE INDEX IF NOT EXISTS uid_evaluation_target ON evaluation (target_type, target_id);
CREATE INDEX IF NOT EXISTS idx_evaluation_item_co_c09819 ON evaluation (item_code);
CREATE INDEX IF NOT EXISTS idx_evaluation_departm_b596cb ON evaluation (department_code);
CREATE UNIQUE INDEX IF NOT EXISTS uid_rateable_se_target ON rateable_service (target_type, target_id);
CREATE UNIQUE INDEX IF NOT EXISTS uid_family_memb_owner_id ON family_member (owner_id, id_number_index);
CREATE INDEX IF NOT EXISTS idx_family_memb_id_numb_8e6b77 ON family_member (id_number_index);
CREATE INDEX IF NOT EXISTS idx_payment_ord_state_9c24d7 ON payment_order (state);
CREATE INDEX IF NOT EXISTS idx_payment_ref_state_5d88ad ON payment_refund (state);
"""
BACKFILL = "UPDATE tourism_ticket SET person = person_index WHERE person = '' AND person_index IS NOT NULL;"


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0017_occupancy")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Complaint",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("user_id", fields.BigIntField(db_index=True)),
                ("order_id", fields.BigIntField(db_index=True)),
                ("spot_id", fields.BigIntField(db_index=True)),
                ("visit_day", fields.DateField()),
                ("matter", fields.TextField(unique=False)),
                ("complainants", fields.SmallIntField(default=1)),
                (
                    "state",
                    fields.CharEnumField(
                        default=ComplaintState.SUBMITTED,
                        description=(
                            "SUBMITTED: submitted\n"
                            "ACCEPTED: accepted\n"
                            "REFUSED: refused\n"
                            "ANSWERED: answered\n"
                            "CLOSED: closed"
                        ),
                        enum_type=ComplaintState,
                        max_length=16,
                    ),
                ),
                ("received_on", fields.DateField()),
                ("accept_by", fields.DateField()),
                ("answer_by", fields.DateField(null=True)),
                ("close_by", fields.DateField(null=True)),
                ("outcome", fields.TextField(default="", unique=False)),
                ("handled_by", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tourism_complaint",
                "app": "palmcity",
                "pk_attr": "id",
                "table_description": (
                    "A tourism complaint linked to a ticket order, on the clocks of 《旅游投诉处理办法》."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CrowdChange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("spot_id", fields.BigIntField()),
                ("day", fields.DateField()),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("level_from", fields.CharField(max_length=16)),
                ("level_to", fields.CharField(max_length=16)),
                ("inside", fields.IntField()),
                ("sold", fields.IntField()),
            ],
            options={
                "table": "tourism_crowd_change",
                "app": "palmcity",
                "indexes": [Index(fields=["spot_id", "day"])],
                "pk_attr": "id",
                "table_description": (
                    "A spot's crowd level changing (the dashboard's level "
                    "over time), written with the change."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StaffAlert",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("scope", fields.CharField(db_index=True, max_length=40)),
                ("role", fields.CharField(max_length=32)),
                ("kind", fields.CharField(max_length=32)),
                ("title_msgid", fields.CharField(max_length=200)),
                ("body_msgid", fields.CharField(max_length=500)),
                (
                    "params",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("link", fields.CharField(null=True, max_length=200)),
                ("source_key", fields.CharField(unique=True, max_length=120)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "staff_alert",
                "app": "palmcity",
                "pk_attr": "id",
                "table_description": (
                    "An alert to the staff of a scope (a site or spot code) "
                    "holding a role, e.g. a spot's crowd"
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WaitlistEntry",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("user_id", fields.BigIntField(db_index=True)),
                ("spot_id", fields.BigIntField()),
                ("slot_id", fields.BigIntField(db_index=True)),
                ("day", fields.DateField()),
                ("size", fields.SmallIntField()),
                ("visitors", EncryptedField(unique=False)),
                (
                    "state",
                    fields.CharEnumField(
                        default=WaitlistState.WAITING,
                        description=(
                            "WAITING: waiting\n"
                            "OFFERED: offered\n"
                            "FILLED: filled\n"
                            "LAPSED: lapsed\n"
                            "CANCELLED: cancelled"
                        ),
                        enum_type=WaitlistState,
                        max_length=16,
                    ),
                ),
                ("order_id", fields.BigIntField(null=True)),
                ("offer_expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tourism_waitlist_entry",
                "app": "palmcity",
                "indexes": [Index(fields=["slot_id", "state"])],
                "pk_attr": "id",
                "table_description": (
                    "A resident waiting for places in one slot (候补), "
                    "served in the order they asked (``id``)."
                ),
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Spot",
            name="rules",
            field=fields.JSONField(
                default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        ops.AlterField(
            model_name="Ticket",
            name="state",
            field=fields.CharEnumField(
                description=(
                    "HELD: held\n"
                    "CONFIRMED: confirmed\n"
                    "LAPSED: lapsed\n"
                    "CANCELLED: cancelled\n"
                    "USED: used\n"
                    "NO_SHOW: no_show"
                ),
                enum_type=TicketState,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Ticket",
            name="cancelled_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Ticket",
            name="member_id",
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name="Ticket",
            name="name_masked",
            field=fields.CharField(default="", max_length=32),
        ),
        ops.AddField(
            model_name="Ticket",
            name="person",
            field=fields.CharField(db_index=True, max_length=64),
        ),
        ops.AddField(
            model_name="Ticket",
            name="used_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="TicketOrder",
            name="channel",
            field=fields.CharEnumField(
                default=SaleChannel.ONLINE,
                description="ONLINE: online\nWINDOW: window\nWAITLIST: waitlist",
                enum_type=SaleChannel,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="TicketOrder",
            name="paid_by",
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name="TicketOrder",
            name="seller_id",
            field=fields.IntField(null=True),
        ),
        ops.AlterField(
            model_name="Evaluation",
            name="target_type",
            field=fields.CharEnumField(description=EVALUATION_TARGETS, enum_type=TargetType, max_length=16),
        ),
        ops.AlterField(
            model_name="RateableService",
            name="target_type",
            field=fields.CharEnumField(description=EVALUATION_TARGETS, enum_type=TargetType, max_length=16),
        ),
        ops.RunPython(by_dialect(BACKFILL, BACKFILL + SQLITE_INDEXES), by_dialect("SELECT 1;", "SELECT 1;")),
    ]
