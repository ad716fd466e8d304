"""A spot's manager publishes, edits and withdraws advisories (domain.tourism.manage): a title in
three languages beside the body, and when it was withdrawn (kept, no longer shown). AddField only:
no table is rebuilt, so no index is lost on SQLite."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0018_tourism_sales")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Advisory",
            name="title_en",
            field=fields.CharField(default="", max_length=120),
        ),
        ops.AddField(
            model_name="Advisory",
            name="title_zh_hans",
            field=fields.CharField(default="", max_length=120),
        ),
        ops.AddField(
            model_name="Advisory",
            name="title_zh_hant",
            field=fields.CharField(default="", max_length=120),
        ),
        ops.AddField(
            model_name="Advisory",
            name="withdrawn_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
