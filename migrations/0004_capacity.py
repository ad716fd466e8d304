from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.capacity.models import ReservationState, ResourceKind, SlotState
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palmcity', '0003_palm_office')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CapacityResource',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=96)),
                ('kind', fields.CharEnumField(description='COUNTER: counter\nHOSPITAL: hospital\nSCENIC: scenic\nPARKING: parking\nTICKET: ticket', enum_type=ResourceKind, max_length=16)),
                ('scope', fields.CharField(db_index=True, max_length=64)),
                ('policy_percent', fields.SmallIntField(default=100)),
                ('walk_in_percent', fields.SmallIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'capacity_resource', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': 'Something with places: its slots share the policy multiplier and the walk-in share.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CapacitySlot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resource', fields.ForeignKeyField('palmcity.CapacityResource', source_field='resource_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('max_places', fields.IntField(null=True)),
                ('override_places', fields.IntField(null=True)),
                ('capacity', fields.IntField(null=True)),
                ('walk_in_reserved', fields.IntField(default=0)),
                ('held', fields.IntField(default=0)),
                ('confirmed', fields.IntField(default=0)),
                ('state', fields.CharEnumField(default=SlotState.OPEN, description='OPEN: open\nCANCELLED: cancelled', enum_type=SlotState, max_length=16)),
                ('version', fields.IntField(default=0)),
            ],
            options={'table': 'capacity_slot', 'app': 'palmcity', 'unique_together': (('resource', 'starts_at'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reservation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slot', fields.ForeignKeyField('palmcity.CapacitySlot', source_field='slot_id', db_constraint=True, to_field='id', related_name='reservations', on_delete=OnDelete.CASCADE)),
                ('resource_id', fields.BigIntField()),
                ('holder_key', fields.CharField(max_length=80)),
                ('walk_in', fields.BooleanField(default=False)),
                ('state', fields.CharEnumField(db_index=True, description='HELD: held\nCONFIRMED: confirmed\nRELEASED: released\nCANCELLED: cancelled\nEXPIRED: expired', enum_type=ReservationState, max_length=16)),
                ('expires_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'capacity_reservation', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': 'One place in one slot. At most one active reservation per holder and slot (a partial'},
            bases=['Model'],
        ),
    ]
