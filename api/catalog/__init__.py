"""The service catalogue: ``/api/v1/catalog/...`` for everyone, ``/api/v1/staff/catalog/...`` for editors."""

from __future__ import annotations

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from api.catalog import routes


def build() -> BlueprintGroup:
    """Fresh blueprints (every app built gets its own): the public catalogue and its staff side."""
    public = Blueprint("catalog", url_prefix="/catalog")
    # Each public read asks Redis for the cache generation first: with a Redis server, the rate
    # limiter reads it in the same round trip as the limit (server.guards).
    reads = routes.redis_reads
    public.add_route(routes.list_items, "/items", methods=["GET"], name="list_items", ctx_redis_reads=reads)
    public.add_route(
        routes.get_item, "/items/<code:str>", methods=["GET"], name="get_item", ctx_redis_reads=reads
    )
    public.add_route(
        routes.high_frequency,
        "/high-frequency",
        methods=["GET"],
        name="high_frequency",
        ctx_redis_reads=reads,
    )
    public.add_route(routes.themes, "/themes", methods=["GET"], name="themes", ctx_redis_reads=reads)

    staff = Blueprint("staff_catalog", url_prefix="/staff/catalog")
    staff.add_route(routes.staff_list, "/items", methods=["GET"], name="list")
    staff.add_route(routes.create_item, "/items", methods=["POST"], name="create")
    staff.add_route(routes.staff_get, "/items/<code:str>", methods=["GET"], name="get")
    staff.add_route(routes.add_version, "/items/<code:str>/versions", methods=["POST"], name="add_version")
    staff.add_route(routes.publish, "/items/<code:str>/publish", methods=["POST"], name="publish")
    staff.add_route(routes.retire, "/items/<code:str>/retire", methods=["POST"], name="retire")
    staff.add_route(routes.set_rank, "/items/<code:str>/rank", methods=["PUT"], name="set_rank")
    return Blueprint.group(public, staff)
