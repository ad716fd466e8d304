from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.payments.models import ClosedReason, OrderState, RefundCause, RefundState
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

from migrations._sql import by_dialect

# Data: the old `expired` orders are closed by their deadline; pending refunds are processing; the
# provider's success time of what was recorded before is the best we know (when we recorded it).
FORWARD = """
UPDATE payment_order SET state = 'closed', closed_reason = 'deadline' WHERE state = 'expired';
UPDATE payment_order SET provider_success_at = paid_at WHERE paid_at IS NOT NULL;
UPDATE payment_refund SET state = 'processing' WHERE state = 'pending';
UPDATE payment_refund SET asked_at = created_at;
UPDATE payment_refund SET provider_success_at = finished_at WHERE state = 'succeeded';
"""
BACKWARD = """
UPDATE payment_order SET state = 'expired' WHERE state = 'closed' AND closed_reason = 'deadline';
UPDATE payment_refund SET state = 'pending' WHERE state = 'processing';
"""


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0009_slot_planned_at')]

    initial = False

    operations = [
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
            field=fields.IntField(default=1),
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
        ops.RunPython(by_dialect(FORWARD, FORWARD), by_dialect(BACKWARD, BACKWARD)),
    ]
