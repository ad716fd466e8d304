from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0016_tickets')]

    initial = False

    operations: list = []
