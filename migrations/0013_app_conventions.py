"""The app's conventions (issue 12): a resident's favourite items (收藏) kept on the server, and where
each appointment site is, so the home page lists the nearest halls first. Existing sites have no
location until their operator (or the demo loader) records it; they are listed after located ones."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('palmcity', '0012_engine_owners')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FavouriteItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('palmcity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='favourite_items', on_delete=OnDelete.CASCADE)),
                ('item_code', fields.CharField(max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'favourite_item', 'app': 'palmcity', 'unique_together': (('user', 'item_code'),), 'pk_attr': 'id', 'table_description': 'A catalogue item a resident keeps on the home page (收藏).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Site',
            name='latitude',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Site',
            name='longitude',
            field=fields.FloatField(null=True),
        ),
    ]
