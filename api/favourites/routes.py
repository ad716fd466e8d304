"""Favourite items routes: parse, one service call with the actor, render in the caller's language."""

from __future__ import annotations

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires
from api._kit import documented, respond
from api.favourites.schemas import FavouritesOut
from domain.favourites import service


@openapi.summary("My favourite service items (收藏), newest first")
@openapi.tag("favourites")
@documented(FavouritesOut)
@requires("resident")
async def list_favourites(request: Request) -> HTTPResponse:
    return respond(
        FavouritesOut.model_validate(
            {"items": await service.favourites(actor_of(request), request.ctx.locale)}
        )
    )


@openapi.summary("Keep a published item among my favourites (again: no change)")
@openapi.description(
    "Refused with `catalog_item_not_found` (404) for an unknown or unpublished item, "
    "`catalog_item_retired` (409) and `favourites_full` (409, `details.limit`)."
)
@openapi.tag("favourites")
@documented(FavouritesOut)
@requires("resident")
async def add_favourite(request: Request, code: str) -> HTTPResponse:
    items = await service.add(actor_of(request), code, request.ctx.locale)
    return respond(FavouritesOut.model_validate({"items": items}))


@openapi.summary("Remove an item from my favourites (one not kept: no change)")
@openapi.tag("favourites")
@documented(FavouritesOut)
@requires("resident")
async def remove_favourite(request: Request, code: str) -> HTTPResponse:
    items = await service.remove(actor_of(request), code, request.ctx.locale)
    return respond(FavouritesOut.model_validate({"items": items}))
