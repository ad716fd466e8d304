from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.credentials.models import SubjectStatus
from domain.health_cards.models import CardState
from domain.scanning.models import ScanOutcome
from domain.shared.pii import EncryptedField
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palmcity', '0007_payments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CredentialSubject',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(unique=True, max_length=24)),
                ('kind', fields.CharField(max_length=24)),
                ('object_id', fields.BigIntField()),
                ('holder_user_id', fields.BigIntField(db_index=True)),
                ('status', fields.CharEnumField(default=SubjectStatus.ACTIVE, description='ACTIVE: active\nFROZEN: frozen\nREVOKED: revoked', enum_type=SubjectStatus, max_length=8)),
                ('static_nonce', fields.CharField(null=True, max_length=20)),
                ('pin_hash', fields.CharField(null=True, max_length=255)),
                ('pin_failures', fields.SmallIntField(default=0)),
                ('pin_locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'credential_subject', 'app': 'palmcity', 'unique_together': (('kind', 'object_id'),), 'pk_attr': 'id', 'table_description': 'The thing a credential stands for (a health card, an appointment...), by an opaque reference.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HealthCard',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(null=True, unique=True, max_length=20)),
                ('owner', fields.ForeignKeyField('palmcity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='health_cards', on_delete=OnDelete.RESTRICT)),
                ('family_member', fields.ForeignKeyField('palmcity.FamilyMember', source_field='family_member_id', null=True, db_constraint=True, to_field='id', related_name='health_cards', on_delete=OnDelete.SET_NULL)),
                ('live_person_index', fields.CharField(null=True, unique=True, max_length=64)),
                ('holder_name_masked', fields.CharField(max_length=64)),
                ('id_number_masked', fields.CharField(max_length=24)),
                ('platform_card_id', EncryptedField(unique=False)),
                ('state', fields.CharEnumField(default=CardState.ACTIVE, description='ACTIVE: active\nFROZEN: frozen\nREVOKED: revoked', enum_type=CardState, max_length=8)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'health_card', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CardUse',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card', fields.ForeignKeyField('palmcity.HealthCard', source_field='card_id', db_constraint=True, to_field='id', related_name='uses', on_delete=OnDelete.CASCADE)),
                ('site_code', fields.CharField(max_length=64)),
                ('purpose', fields.CharField(max_length=16)),
                ('staff_id', fields.BigIntField()),
                ('scan_id', fields.BigIntField(null=True)),
                ('used_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'health_card_use', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': "One scan of a card at a site: what the holder sees in the card's usage log."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RevocationEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(db_index=True, max_length=24)),
                ('kind', fields.CharField(max_length=24)),
                ('status', fields.CharEnumField(description='ACTIVE: active\nFROZEN: frozen\nREVOKED: revoked', enum_type=SubjectStatus, max_length=8)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'credential_revocation_event', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': "Every change of a subject's status, in order: the newest id is the revocation list's version,"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Scan',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('device_id', fields.BigIntField(db_index=True)),
                ('staff_id', fields.BigIntField()),
                ('site_code', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=24)),
                ('subject_ref', fields.CharField(db_index=True, max_length=24)),
                ('nonce', fields.CharField(max_length=20)),
                ('spent_nonce', fields.CharField(null=True, unique=True, max_length=20)),
                ('upload_key', fields.CharField(null=True, unique=True, max_length=48)),
                ('outcome', fields.CharEnumField(description='ADMITTED: admitted\nCONFLICT: conflict', enum_type=ScanOutcome, max_length=10)),
                ('action', fields.CharField(default='', max_length=40)),
                ('purpose', fields.CharField(null=True, max_length=16)),
                ('shown', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('conflict_with_id', fields.BigIntField(null=True)),
                ('offline', fields.BooleanField(default=False)),
                ('scanned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scan', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScannerDevice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=24)),
                ('staff_id', fields.BigIntField(db_index=True)),
                ('site_code', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=64)),
                ('active', fields.BooleanField(default=True)),
                ('registered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scanner_device', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': 'A phone or handheld registered to one staff account at one site.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='StaffAccount',
            name='scan_kinds',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
