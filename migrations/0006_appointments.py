from tortoise import migrations
from migrations._sql import by_dialect
from tortoise.migrations import operations as ops
import functools
from domain.appointments.models import AppointmentState, SiteKind, TicketState
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

ONE_OPEN_PER_DAY = (
    "CREATE UNIQUE INDEX appointment_one_open_per_day ON appointment (subject_key, service_id, day) "
    "WHERE state IN ('pending_payment', 'booked', 'checked_in');"
)
DROP = "DROP INDEX IF EXISTS appointment_one_open_per_day;"


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0005_capacity_guards')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Site',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('kind', fields.CharEnumField(description='HALL: hall\nHOSPITAL: hospital', enum_type=SiteKind, max_length=16)),
                ('name_zh_hans', fields.CharField(max_length=120)),
                ('name_zh_hant', fields.CharField(max_length=120)),
                ('name_en', fields.CharField(max_length=200)),
                ('address', fields.CharField(default='', max_length=200)),
                ('region_code', fields.CharField(db_index=True, max_length=12)),
                ('department_code', fields.CharField(max_length=32)),
            ],
            options={'table': 'appointment_site', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QueueTicket',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('palmcity.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('business_type', fields.CharField(max_length=8)),
                ('day', fields.DateField()),
                ('number', fields.IntField()),
                ('label', fields.CharField(max_length=16)),
                ('appointment_id', fields.BigIntField(null=True, unique=True)),
                ('service_id', fields.BigIntField()),
                ('state', fields.CharEnumField(default=TicketState.WAITING, description='WAITING: waiting\nCALLED: called\nSKIPPED: skipped\nSERVED: served', enum_type=TicketState, max_length=16)),
                ('window', fields.CharField(null=True, max_length=16)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('called_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('served_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'appointment_queue_ticket', 'app': 'palmcity', 'unique_together': (('site', 'business_type', 'day', 'number'),), 'pk_attr': 'id', 'table_description': 'A queue number (取号) of one day at one site, for one business type.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Service',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('site', fields.ForeignKeyField('palmcity.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='services', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=40)),
                ('name_zh_hans', fields.CharField(max_length=120)),
                ('name_zh_hant', fields.CharField(max_length=120)),
                ('name_en', fields.CharField(max_length=200)),
                ('department', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('doctor_title', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('item_codes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('business_type', fields.CharField(max_length=8)),
                ('fee_fen', fields.IntField(default=0)),
                ('avg_service_minutes', fields.SmallIntField(default=10)),
                ('schedule', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rules', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('capacity_resource_id', fields.BigIntField()),
            ],
            options={'table': 'appointment_service', 'app': 'palmcity', 'unique_together': (('site', 'code'),), 'pk_attr': 'id', 'table_description': "A line that can be booked at a site: a hall's business type, or a doctor's clinic."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Appointment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=20)),
                ('user', fields.ForeignKeyField('palmcity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('on_behalf_of', fields.ForeignKeyField('palmcity.FamilyMember', source_field='on_behalf_of_id', null=True, db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.SET_NULL)),
                ('subject_key', fields.CharField(db_index=True, max_length=40)),
                ('site', fields.ForeignKeyField('palmcity.Site', source_field='site_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('service', fields.ForeignKeyField('palmcity.Service', source_field='service_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('slot_id', fields.BigIntField(db_index=True)),
                ('reservation_id', fields.BigIntField(unique=True)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('day', fields.DateField()),
                ('state', fields.CharEnumField(db_index=True, description='PENDING_PAYMENT: pending_payment\nBOOKED: booked\nCHECKED_IN: checked_in\nCOMPLETED: completed\nCANCELLED: cancelled\nEXPIRED: expired\nNO_SHOW: no_show', enum_type=AppointmentState, max_length=16)),
                ('fee_fen', fields.IntField(default=0)),
                ('payment_id', fields.CharField(null=True, max_length=64)),
                ('pay_by', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checkin_code', fields.CharField(unique=True, max_length=12)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_reason', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'appointment', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        # One open appointment per person, service and day, in the database too: two bookings of
        # the same day at once (two tabs) cannot both pass the service's check.
        ops.RunPython(by_dialect(ONE_OPEN_PER_DAY, ONE_OPEN_PER_DAY), by_dialect(DROP, DROP)),
    ]
