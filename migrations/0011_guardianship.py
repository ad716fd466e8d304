from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.family.models import Guardianship, MemberStatus, ProofMethod, ProofOutcome
from tortoise.fields.base import OnDelete
from tortoise import fields

from migrations._sql import by_dialect

# Children under 14 added before guardianship had to be proven are unproven: nobody acts for them
# until their guardian proves it (the register again, or a birth certificate), and a proven
# guardian may reclaim a health card such an entry holds. Ages as of the migration's day.
POSTGRES_UP = (
    "UPDATE family_member SET guardianship = 'pending' "
    "WHERE birth_date > CURRENT_DATE - INTERVAL '14 years';"
)
SQLITE_UP = "UPDATE family_member SET guardianship = 'pending' WHERE birth_date > date('now', '-14 years');"
# Going back, everything reads as before (the column goes with the step before this one).
NOTHING = "SELECT 1;"


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0010_payment_owners')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GuardianshipProof',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('palmcity.FamilyMember', source_field='member_id', db_constraint=True, to_field='id', related_name='proofs', on_delete=OnDelete.CASCADE)),
                ('owner_id', fields.BigIntField(db_index=True)),
                ('method', fields.CharEnumField(description='REGISTER: register\nBIRTH_CERTIFICATE: birth_certificate', enum_type=ProofMethod, max_length=24)),
                ('outcome', fields.CharEnumField(description='CONFIRMED: confirmed\nNOT_LISTED: not_listed\nNOT_FOUND: not_found\nUNAVAILABLE: unavailable\nSUBMITTED: submitted\nAPPROVED: approved\nREFUSED: refused\nWITHDRAWN: withdrawn', enum_type=ProofOutcome, max_length=16)),
                ('relation', fields.CharField(null=True, max_length=16)),
                ('region_code', fields.CharField(db_index=True, max_length=12)),
                ('file_key', fields.CharField(null=True, max_length=80)),
                ('sha256', fields.CharField(null=True, max_length=64)),
                ('content_type', fields.CharField(null=True, max_length=64)),
                ('size', fields.IntField(null=True)),
                ('filename', fields.CharField(null=True, max_length=128)),
                ('reason', fields.CharField(null=True, max_length=200)),
                ('decided_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'guardianship_proof', 'app': 'palmcity', 'pk_attr': 'id', 'table_description': 'One attempt to prove guardianship of a child member: a register look-up or a birth certificate.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='FamilyMember',
            name='status',
            field=fields.CharEnumField(description='ACTIVE: active\nPENDING_CONSENT: pending_consent\nDECLINED: declined\nENDED: ended', enum_type=MemberStatus, max_length=16),
        ),
        ops.AddField(
            model_name='FamilyMember',
            name='guardianship',
            field=fields.CharEnumField(default=Guardianship.NOT_REQUIRED, description='NOT_REQUIRED: not_required\nPENDING: pending\nPROVEN: proven\nREFUSED: refused', enum_type=Guardianship, max_length=16),
        ),
        ops.AddField(
            model_name='FamilyMember',
            name='guardianship_decided_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(by_dialect(POSTGRES_UP, SQLITE_UP), by_dialect(NOTHING, NOTHING)),
    ]
