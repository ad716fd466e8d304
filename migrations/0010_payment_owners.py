from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0009_slot_planned_at')]

    initial = False

    operations: list = []
