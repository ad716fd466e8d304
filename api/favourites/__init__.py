"""The resident's favourite items: ``/api/v1/me/favourites``."""

from __future__ import annotations

from sanic import Blueprint

from api.favourites import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the favourites routes."""
    bp = Blueprint("favourites")
    bp.add_route(routes.list_favourites, "/me/favourites", methods=["GET"], name="list")
    bp.add_route(routes.add_favourite, "/me/favourites/<code:str>", methods=["PUT"], name="add")
    bp.add_route(routes.remove_favourite, "/me/favourites/<code:str>", methods=["DELETE"], name="remove")
    return bp
