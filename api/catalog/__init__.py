"""The service catalogue: ``/api/v1/catalog/...`` for everyone, ``/api/v1/staff/catalog/...`` for editors."""

from __future__ import annotations

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from api.catalog import routes


def build() -> BlueprintGroup:
    """Fresh blueprints (every app built gets its own): the public catalogue and its staff side."""
    public = Blueprint("catalog", url_prefix="/catalog")
    public.add_route(routes.list_items, "/items", methods=["GET"], name="list_items")
    public.add_route(routes.get_item, "/items/<code:str>", methods=["GET"], name="get_item")
    public.add_route(routes.high_frequency, "/high-frequency", methods=["GET"], name="high_frequency")
    public.add_route(routes.themes, "/themes", methods=["GET"], name="themes")

    staff = Blueprint("staff_catalog", url_prefix="/staff/catalog")
    staff.add_route(routes.staff_list, "/items", methods=["GET"], name="list")
    staff.add_route(routes.create_item, "/items", methods=["POST"], name="create")
    staff.add_route(routes.staff_get, "/items/<code:str>", methods=["GET"], name="get")
    staff.add_route(routes.add_version, "/items/<code:str>/versions", methods=["POST"], name="add_version")
    staff.add_route(routes.publish, "/items/<code:str>/publish", methods=["POST"], name="publish")
    staff.add_route(routes.retire, "/items/<code:str>/retire", methods=["POST"], name="retire")
    staff.add_route(routes.set_rank, "/items/<code:str>/rank", methods=["PUT"], name="set_rank")
    return Blueprint.group(public, staff)
