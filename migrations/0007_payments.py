from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.payments.models import MismatchKind, OrderState, Provider, RefundState, RunState
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palmcity', '0006_appointments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Merchant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('provider', fields.CharEnumField(description='WECHAT: wechat\nPUBLIC: public', enum_type=Provider, max_length=16)),
                ('sub_mchid', fields.CharField(max_length=32)),
                ('name', fields.CharField(max_length=120)),
            ],
            options={'table': 'payment_merchant', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': "Who receives the money for a department or site: the provider's sub-merchant id. Keys and"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentOrder',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('purpose', fields.CharField(unique=True, max_length=96)),
                ('payer', fields.ForeignKeyField('palmcity.User', source_field='payer_id', db_constraint=True, to_field='id', related_name='payment_orders', on_delete=OnDelete.RESTRICT)),
                ('amount_fen', fields.IntField()),
                ('description', fields.CharField(max_length=120)),
                ('provider', fields.CharEnumField(description='WECHAT: wechat\nPUBLIC: public', enum_type=Provider, max_length=16)),
                ('merchant_code', fields.CharField(max_length=64)),
                ('state', fields.CharEnumField(db_index=True, description='CREATED: created\nPENDING: pending\nPAID: paid\nPARTIALLY_REFUNDED: partially_refunded\nREFUNDED: refunded\nCLOSED: closed\nEXPIRED: expired', enum_type=OrderState, max_length=24)),
                ('paid_fen', fields.IntField(default=0)),
                ('refunded_fen', fields.IntField(default=0)),
                ('provider_transaction_id', fields.CharField(null=True, unique=True, max_length=64)),
                ('notice_number', fields.CharField(null=True, unique=True, max_length=32)),
                ('receipt_url', fields.CharField(null=True, max_length=300)),
                ('pay_params', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('late_payment', fields.BooleanField(default=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_order', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('palmcity.PaymentOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='ledger', on_delete=OnDelete.RESTRICT)),
                ('refund_id', fields.BigIntField(null=True, unique=True)),
                ('kind', fields.CharField(max_length=16)),
                ('amount_fen', fields.IntField()),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_ledger', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': 'Money that moved, as the provider confirmed it: + for a payment, − for a refund.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReconciliationException',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField(db_index=True)),
                ('provider', fields.CharEnumField(description='WECHAT: wechat\nPUBLIC: public', enum_type=Provider, max_length=16)),
                ('kind', fields.CharEnumField(description='MISSING: missing\nEXTRA: extra\nAMOUNT_DIFFERS: amount_differs\nSTATE_DIFFERS: state_differs', enum_type=MismatchKind, max_length=16)),
                ('reference', fields.CharField(max_length=40)),
                ('ours', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('theirs', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('resolved', fields.BooleanField(default=False)),
                ('resolved_by', fields.BigIntField(null=True)),
                ('note', fields.CharField(null=True, max_length=200)),
                ('run_id', fields.BigIntField()),
            ],
            options={'table': 'payment_reconciliation_exception', 'app': 'palmcity', 'unique_together': (('day', 'provider', 'kind', 'reference'),), 'pk_attr': 'id', 'table_description': 'One mismatch for finance staff to work through (a rerun of the day updates it, never duplicates it).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReconciliationRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('provider', fields.CharEnumField(description='WECHAT: wechat\nPUBLIC: public', enum_type=Provider, max_length=16)),
                ('state', fields.CharEnumField(description='RUNNING: running\nDONE: done\nFAILED: failed', enum_type=RunState, max_length=16)),
                ('lines', fields.IntField(default=0)),
                ('matched', fields.IntField(default=0)),
                ('exceptions', fields.IntField(default=0)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_reconciliation_run', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('order', fields.ForeignKeyField('palmcity.PaymentOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('amount_fen', fields.IntField()),
                ('reason', fields.CharField(max_length=200)),
                ('state', fields.CharEnumField(db_index=True, description='PENDING: pending\nSUCCEEDED: succeeded\nFAILED: failed', enum_type=RefundState, max_length=16)),
                ('requested_by', fields.CharField(max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_refund', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
