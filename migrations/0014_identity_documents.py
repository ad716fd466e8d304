from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0013_app_conventions')]

    initial = False

    operations: list = []
