from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palmcity', '0008_credentials')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CapacitySlot',
            name='planned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
