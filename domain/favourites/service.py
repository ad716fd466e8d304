"""Favourite items (收藏): a resident keeps the catalogue items they use, the home page lists them.

A favourite is a bookmark, not business: nobody's rights or data change with it, so it writes no
audit record (as the app's local list of recently opened items writes none). Adding one twice or
removing one that is not there changes nothing, so a retried tap is harmless.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from domain.accounts.models import User
from domain.catalog import service as catalog
from domain.catalog.errors import CatalogItemNotFound, CatalogItemRetired
from domain.catalog.models import CatalogItem, ItemStatus
from domain.favourites.errors import FavouritesFull
from domain.favourites.models import MAX_FAVOURITES, FavouriteItem
from domain.shared import clock
from domain.shared.actor import Actor


async def favourites(actor: Actor, locale: str) -> list[dict[str, Any]]:
    """The resident's favourites as the catalogue lists items, newest first; a retired item (no
    longer offered) is left out."""
    rows = await FavouriteItem.filter(user_id=actor.id).order_by("-created_at", "-id")
    codes = [r.item_code for r in rows]
    items = {i.code: i for i in await CatalogItem.filter(code__in=codes, status=ItemStatus.PUBLISHED)}
    return await catalog.summaries((items[c] for c in codes if c in items), locale)


async def add(actor: Actor, code: str, locale: str) -> list[dict[str, Any]]:
    """Keep a published item; ``catalog_item_not_found`` for an unknown or unpublished one,
    ``catalog_item_retired``, ``favourites_full`` past :data:`MAX_FAVOURITES`."""
    item = await catalog.get_item(code)
    if item.status == ItemStatus.RETIRED:
        raise CatalogItemRetired()
    if item.status != ItemStatus.PUBLISHED:
        raise CatalogItemNotFound()
    async with in_transaction() as conn:
        # The resident's row serialises their own adds, so two taps at once cannot pass the limit.
        await User.filter(id=actor.id).using_db(conn).select_for_update().first()
        if not await FavouriteItem.filter(user_id=actor.id, item_code=item.code).using_db(conn).exists():
            if await FavouriteItem.filter(user_id=actor.id).using_db(conn).count() >= MAX_FAVOURITES:
                raise FavouritesFull(details={"limit": MAX_FAVOURITES})
            await FavouriteItem.create(
                user_id=actor.id, item_code=item.code, created_at=clock.now(), using_db=conn
            )
    return await favourites(actor, locale)


async def remove(actor: Actor, code: str, locale: str) -> list[dict[str, Any]]:
    """Forget an item (any code: one never kept, or retired since, is simply not there)."""
    await FavouriteItem.filter(user_id=actor.id, item_code=code[:40]).delete()
    return await favourites(actor, locale)
