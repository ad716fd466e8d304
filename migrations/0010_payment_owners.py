from tortoise import connections, migrations
from tortoise.migrations import operations as ops
from domain.payments.models import ClosedReason, OrderState, RefundCause, RefundState
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint


# Data: the old `expired` orders are closed by their deadline; pending refunds are processing; the
# provider's success time of what was recorded before is the best we know (when we recorded it).
FORWARD = """
UPDATE payment_order SET state = 'closed', closed_reason = 'deadline' WHERE state = 'expired';
UPDATE payment_order SET provider_success_at = paid_at WHERE paid_at IS NOT NULL;
UPDATE payment_refund SET state = 'processing' WHERE state = 'pending';
UPDATE payment_refund SET asked_at = created_at;
UPDATE payment_refund SET provider_success_at = finished_at WHERE state = 'succeeded';
"""
# SQLite rebuilds payment_order to drop the unique purpose (a new table, the rows copied, the old
# one dropped and the new renamed), and its refunds and ledger rows point at it: as SQLite's own
# procedure for this says, foreign keys are off meanwhile, which only works outside a transaction,
# so on SQLite this migration is not atomic; the keys are checked, then on again, at its end.
FOREIGN_KEYS_OFF = "PRAGMA foreign_keys = OFF"
FOREIGN_KEYS_ON = "PRAGMA foreign_keys = ON"
BACKWARD = """
UPDATE payment_order SET state = 'expired' WHERE state = 'closed' AND closed_reason = 'deadline';
UPDATE payment_refund SET state = 'pending' WHERE state = 'processing';
"""


def each(script: str, *, sqlite_only: bool = False):  # type: ignore[no-untyped-def]
    """A ``RunPython`` step running ``script``'s statements one by one (inside the migration's
    transaction where there is one: ``execute_script`` would commit it on SQLite)."""

    async def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        client = schema_editor.client
        if sqlite_only and client.capabilities.dialect != "sqlite":
            return
        for statement in script.split(";"):
            if statement.strip():
                await client.execute_query(statement.strip())
        if sqlite_only and script == FOREIGN_KEYS_ON:
            _, broken = await client.execute_query("PRAGMA foreign_key_check")
            if broken:
                raise RuntimeError(f"0010 left rows pointing nowhere: {broken[:5]}")

    return run


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0009_slot_planned_at')]

    initial = False

    @property
    def atomic(self) -> bool:  # type: ignore[override]
        return connections.get("default").capabilities.dialect != "sqlite"

    operations = [
        ops.RunPython(each(FOREIGN_KEYS_OFF, sqlite_only=True), each(FOREIGN_KEYS_ON, sqlite_only=True)),
        ops.AlterField(
            model_name='PaymentOrder',
            name='purpose',
            field=fields.CharField(max_length=96),
        ),
        ops.AlterField(
            model_name='PaymentOrder',
            name='state',
            field=fields.CharEnumField(db_index=True, description='CREATED: created\nPENDING: pending\nPAID: paid\nPARTIALLY_REFUNDED: partially_refunded\nREFUNDED: refunded\nCLOSED: closed', enum_type=OrderState, max_length=24),
        ),
        ops.AddField(
            model_name='PaymentOrder',
            name='attempt',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddField(
            model_name='PaymentOrder',
            name='closed_reason',
            field=fields.CharEnumField(null=True, description='DEADLINE: deadline\nCANCELLED: cancelled', enum_type=ClosedReason, max_length=16),
        ),
        ops.AddField(
            model_name='PaymentOrder',
            name='provider_success_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='PaymentOrder',
            constraint=UniqueConstraint(fields=('purpose', 'attempt'), name=None),
        ),
        ops.AlterField(
            model_name='Refund',
            name='state',
            field=fields.CharEnumField(db_index=True, description='PROCESSING: processing\nSUCCEEDED: succeeded\nFAILED: failed', enum_type=RefundState, max_length=16),
        ),
        ops.AddField(
            model_name='Refund',
            name='asked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Refund',
            name='cause',
            field=fields.CharEnumField(null=True, description='CANCELLATION: cancellation\nLATE_PAYMENT: late_payment', enum_type=RefundCause, max_length=16),
        ),
        ops.AddField(
            model_name='Refund',
            name='provider_success_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='Refund',
            constraint=UniqueConstraint(fields=('order', 'cause'), name=None),
        ),
        ops.RunPython(each(FORWARD), each(BACKWARD)),
        ops.RunPython(each(FOREIGN_KEYS_ON, sqlite_only=True), each(FOREIGN_KEYS_OFF, sqlite_only=True)),
    ]
