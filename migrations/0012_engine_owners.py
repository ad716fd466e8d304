from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0011_guardianship')]

    initial = False

    operations: list = []
