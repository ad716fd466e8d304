from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0010_payment_owners')]

    initial = False

    operations: list = []
