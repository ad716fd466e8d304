from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0012_engine_owners')]

    initial = False

    operations: list = []
