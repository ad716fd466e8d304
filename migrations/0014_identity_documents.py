from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

from migrations._sql import by_dialect

# Every verification before documents had kinds was made with a resident ID card. Their birth
# dates stay empty here (the numbers are encrypted): they are read from the number when needed.
MARK_ID_CARDS = "UPDATE user_account SET id_document_kind = 'resident_id' WHERE id_number IS NOT NULL;"
# Going back, the columns go with the steps before this one.
NOTHING = "SELECT 1;"


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0013_app_conventions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='id_document_kind',
            field=fields.CharField(null=True, max_length=24),
        ),
        ops.AddField(
            model_name='User',
            name='birth_date',
            field=fields.DateField(null=True),
        ),
        ops.RunPython(by_dialect(MARK_ID_CARDS, MARK_ID_CARDS), by_dialect(NOTHING, NOTHING)),
    ]
