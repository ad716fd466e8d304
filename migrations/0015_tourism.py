from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0014_identity_documents')]

    initial = False

    operations: list = []
