"""The engines serve more than one owner: every capacity resource records the module whose places
it keeps (``CapacityResource.owner``, see domain/capacity/owners.py), which is told of its lapsed
holds.

Every resource that exists was made by appointments (``domain/appointments/setup.py`` was the only
caller of ``create_resource``), so existing rows get ``appointment``. The column is added with that
value as its default, so the rows are filled in the same statement; PostgreSQL then drops the
default (an owner is always named on purpose); SQLite cannot drop a column default, and the
application never relies on it.
"""

from tortoise import fields
from tortoise.migrations import operations as ops

from migrations._sql import by_dialect
from tortoise import migrations

ADD = (
    "ALTER TABLE capacity_resource ADD COLUMN owner VARCHAR(32) NOT NULL DEFAULT 'appointment';"
)
POSTGRES_UP = ADD + "\nALTER TABLE capacity_resource ALTER COLUMN owner DROP DEFAULT;"
DOWN = "ALTER TABLE capacity_resource DROP COLUMN owner;"


class AddFilledField(ops.AddField):
    """``AddField`` whose column is added (and its existing rows filled) by the SQL above."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor:
            await by_dialect(POSTGRES_UP, ADD)(None, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):  # type: ignore[no-untyped-def]
        if state_editor:
            await by_dialect(DOWN, DOWN)(None, state_editor)


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0011_guardianship')]

    initial = False

    operations = [
        AddFilledField(model_name='CapacityResource', name='owner', field=fields.CharField(max_length=32)),
    ]
