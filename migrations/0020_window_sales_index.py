"""A window's sales of a day are its account's orders by when they were made
(``domain.tourism.window.sales_of_day``): index them so the list does not slow down as a spot's
window orders pile up. AddIndex only: no table is rebuilt on SQLite."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0019_spot_admin")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="TicketOrder",
            index=Index(fields=["user_id", "created_at"]),
        ),
    ]
