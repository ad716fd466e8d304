from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0015_tourism')]

    initial = False

    operations: list = []
