"""Bodies of the favourites API: the items as the catalogue lists them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.catalog.schemas import ItemSummaryOut


class FavouritesOut(BaseModel):
    items: list[ItemSummaryOut] = Field(description="Newest first; retired items are left out.")
