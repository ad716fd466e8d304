from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.family.models import MemberStatus, Relation
from domain.org.models import RegionLevel
from domain.outbox.models import OutboxState
from domain.shared.pii import EncryptedField
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor_kind', fields.CharField(max_length=16)),
                ('actor_id', fields.BigIntField(null=True, db_index=True)),
                ('on_behalf_of', fields.BigIntField(null=True)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('target_type', fields.CharField(max_length=64)),
                ('target_id', fields.CharField(db_index=True, max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('ip', fields.CharField(null=True, max_length=64)),
                ('request_id', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'audit_record', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('topic', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('key', fields.CharField(null=True, unique=True, max_length=160)),
                ('state', fields.CharEnumField(default=OutboxState.PENDING, description='PENDING: pending\nDONE: done\nDEAD: dead', enum_type=OutboxState, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('available_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('dispatched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'palmcity', 'indexes': [Index(fields=['state', 'available_at']), Index(fields=['state', 'done_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Region',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=12)),
                ('name_zh_hans', fields.CharField(max_length=64)),
                ('name_zh_hant', fields.CharField(max_length=64)),
                ('name_en', fields.CharField(max_length=128)),
                ('level', fields.CharEnumField(description='PROVINCE: province\nCITY: city\nCOUNTY: county\nTOWN: town', enum_type=RegionLevel, max_length=16)),
                ('parent', fields.ForeignKeyField('palmcity.Region', source_field='parent_id', null=True, db_constraint=True, to_field='code', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('greater_bay_area', fields.BooleanField(default=False)),
            ],
            options={'table': 'region', 'app': 'palmcity', 'pk_attr': 'code'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name_zh_hans', fields.CharField(max_length=128)),
                ('name_zh_hant', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(max_length=160)),
                ('region', fields.ForeignKeyField('palmcity.Region', source_field='region_id', db_constraint=True, to_field='code', related_name='departments', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'department', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('active', fields.BooleanField(default=True)),
                ('roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('failed_attempts', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_account', 'app': 'palmcity', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('unionid', fields.CharField(null=True, db_index=True, max_length=64)),
                ('nickname', fields.CharField(null=True, max_length=32)),
                ('phone', EncryptedField(null=True, unique=False)),
                ('phone_index', fields.CharField(null=True, db_index=True, max_length=64)),
                ('real_name', EncryptedField(null=True, unique=False)),
                ('id_number', EncryptedField(null=True, unique=False)),
                ('id_number_index', fields.CharField(null=True, unique=True, max_length=64)),
                ('identity_subject', fields.CharField(null=True, max_length=128)),
                ('identity_level', fields.SmallIntField(default=1)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('locale', fields.CharField(default='zh_Hans', max_length=8)),
                ('care_mode', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user_account', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': 'A resident (居民) of the app. Staff accounts live in ``domain.staff``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FamilyMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('palmcity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='family_members', on_delete=OnDelete.CASCADE)),
                ('relation', fields.CharEnumField(description='CHILD: child\nSPOUSE: spouse\nPARENT: parent\nOTHER: other', enum_type=Relation, max_length=16)),
                ('name', EncryptedField(unique=False)),
                ('id_number', EncryptedField(unique=False)),
                ('id_number_index', fields.CharField(db_index=True, max_length=64)),
                ('birth_date', fields.DateField()),
                ('status', fields.CharEnumField(description='ACTIVE: active\nPENDING_CONSENT: pending_consent\nDECLINED: declined', enum_type=MemberStatus, max_length=16)),
                ('member_user', fields.ForeignKeyField('palmcity.User', source_field='member_user_id', null=True, db_constraint=True, to_field='id', related_name='family_memberships', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'family_member', 'app': 'palmcity', 'unique_together': (('owner', 'id_number_index'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
