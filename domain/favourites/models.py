"""A resident's favourite items: one row per resident and item, newest first."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from domain.accounts.models import User

# Enough for what one person uses often; the home page shows them all.
MAX_FAVOURITES = 30


class FavouriteItem(Model):
    """A catalogue item a resident keeps on the home page (收藏).

    The item is named by its code, the catalogue's stable key: an item is never deleted, only
    retired (then it drops off the list)."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "palmcity.User", related_name="favourite_items", on_delete=fields.CASCADE
    )
    user_id: int
    item_code = fields.CharField(max_length=40)
    created_at = fields.DatetimeField()

    class Meta:
        table = "favourite_item"
        unique_together = (("user", "item_code"),)
