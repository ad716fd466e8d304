"""The service catalogue: public reads for everyone, editing for catalogue editors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sanic import HTTPResponse, Request
from sanic_ext import openapi

from api._access import actor_of, requires_staff
from api._idempotency import idempotent
from api._kit import body, documented, parse_query, respond
from api.catalog.schemas import (
    CreateItemIn,
    HighFrequencyOut,
    ItemOut,
    ItemPageOut,
    ItemQuery,
    ItemsQuery,
    NewVersionIn,
    RankIn,
    StaffItemDetailOut,
    StaffItemOut,
    StaffItemPageOut,
    StaffItemsQuery,
    ThemesOut,
    VersionOut,
)
from domain.catalog import service
from domain.catalog.cache import CatalogCache
from domain.catalog.models import CatalogItem
from domain.catalog.service import ItemFilter
from domain.shared.kv import Keys
from domain.staff.roles import Role

STAFF_ITEMS_PATH = "/api/v1/staff/catalog/items"


def _cache(request: Request) -> CatalogCache:
    runtime = request.app.ctx.runtime
    # With a Redis server, the generation was read with the rate limit (see redis_reads below); the
    # embedded Redis lives in this process alone, so this process may remember the generation.
    read: dict[str, str | None] | None = getattr(request.ctx, "redis_reads", None)
    return CatalogCache(
        runtime.redis,
        runtime.keys,
        sole_writer=runtime.settings.uses_embedded_redis,
        generation=read.get(CatalogCache.generation_key(runtime.keys)) if read else None,
    )


def _item_version(request: Request) -> int | None:
    """``?version=`` of an item's page, validated once per distinct query string."""
    raw = request.query_string
    if raw not in _versions:
        version = parse_query(request, ItemQuery).version  # may refuse
        if len(_versions) >= _MEMO_SIZE:
            _versions.clear()
        _versions[raw] = version
    return _versions[raw]


def redis_reads(keys: Keys, params: Mapping[str, Any]) -> list[str]:
    """What a public read asks Redis first (``ctx_redis_reads`` of its route, see server.guards)."""
    return [CatalogCache.generation_key(keys)]


def _cached_json(text: str) -> HTTPResponse:
    # The views are cached as finished JSON text: sent as they are, without parsing them again, and
    # encoded once: the cache hands back the same string object for a hit, whose hash Python keeps.
    body = _encoded.get(text)
    if body is None:
        if len(_encoded) >= _MEMO_SIZE:
            _encoded.clear()
        body = _encoded[text] = text.encode()
    return HTTPResponse(body, content_type="application/json")


_MEMO_SIZE = 512
_encoded: dict[str, bytes] = {}  # JSON text of a view → its UTF-8 bytes
_filters: dict[str, ItemFilter] = {}  # a valid query string of the list → its filter
_versions: dict[str, int | None] = {}  # a valid query string of an item → the version asked for


def _items_filter(request: Request) -> ItemFilter:
    """The list's filter from the query string, validated once per distinct query string."""
    raw = request.query_string
    known = _filters.get(raw)
    if known is None:
        known = service.ItemFilter(**parse_query(request, ItemsQuery).model_dump())  # may refuse
        if len(_filters) >= _MEMO_SIZE:
            _filters.clear()
        _filters[raw] = known
    return known


def _staff_item(item: CatalogItem) -> StaffItemOut:
    return StaffItemOut.model_validate(item)


# -- residents (no login needed) ------------------------------------------------------------------


@openapi.summary("Search and list published service items")
@openapi.description(
    "`q` matches names, summaries and keywords in every language (Chinese without word splitting). "
    "`region` returns the items serving someone there: its own, its parents' and its subdivisions'. "
    "Names are in the caller's language."
)
@openapi.parameter("q", str, "query")
@openapi.parameter("region", str, "query")
@openapi.parameter("department", str, "query")
@openapi.parameter("theme", str, "query")
@openapi.parameter("life_event", str, "query")
@openapi.parameter("applicant", str, "query")
@openapi.parameter("limit", int, "query")
@openapi.parameter("offset", int, "query")
@documented(ItemPageOut)
async def list_items(request: Request) -> HTTPResponse:
    filters = _items_filter(request)
    return _cached_json(await service.public_items(filters, locale=request.ctx.locale, cache=_cache(request)))


@openapi.summary("One service item: its guide, materials and form, in the caller's language")
@openapi.description("The current published version, or `?version=n` for an earlier published one.")
@openapi.parameter("version", int, "query")
@documented(ItemOut)
async def get_item(request: Request, code: str) -> HTTPResponse:
    text = await service.public_item(
        code, version=_item_version(request), locale=request.ctx.locale, cache=_cache(request)
    )
    return _cached_json(text)


@openapi.summary("The high-frequency items (高频事项), in their curated order")
@documented(HighFrequencyOut)
async def high_frequency(request: Request) -> HTTPResponse:
    return _cached_json(await service.high_frequency(locale=request.ctx.locale, cache=_cache(request)))


@openapi.summary("The catalogue's filters: themes, life events, departments and regions, with item counts")
@documented(ThemesOut)
async def themes(request: Request) -> HTTPResponse:
    return _cached_json(await service.themes(locale=request.ctx.locale, cache=_cache(request)))


# -- catalogue editors ----------------------------------------------------------------------------


@openapi.summary("List items of every status in the editor's departments")
@openapi.parameter("status", str, "query")
@openapi.parameter("department", str, "query")
@openapi.parameter("q", str, "query")
@openapi.parameter("limit", int, "query")
@openapi.parameter("offset", int, "query")
@documented(StaffItemPageOut)
@requires_staff(Role.CATALOGUE_EDITOR)
async def staff_list(request: Request) -> HTTPResponse:
    query = parse_query(request, StaffItemsQuery)
    items, total = await service.staff_items(
        actor_of(request),
        status=query.status,
        department=query.department,
        q=query.q,
        limit=query.limit,
        offset=query.offset,
    )
    return respond(
        StaffItemPageOut(
            items=[_staff_item(i) for i in items], total=total, limit=query.limit, offset=query.offset
        )
    )


@openapi.summary("One item with all its versions, drafts included")
@documented(StaffItemDetailOut)
@requires_staff(Role.CATALOGUE_EDITOR)
async def staff_get(request: Request, code: str) -> HTTPResponse:
    item, versions = await service.staff_item(actor_of(request), code)
    return respond(
        StaffItemDetailOut(
            **_staff_item(item).model_dump(), versions=[VersionOut.model_validate(v) for v in versions]
        )
    )


@openapi.summary("Create a service item (a draft with version 1)")
@openapi.description(
    "The item code is `basic_code-region`. Refused with `catalog_item_exists`, "
    "`catalog_department_unknown`, `catalog_region_unknown`, `staff_scope_required` (the document's "
    "department is not yours). Honours `Idempotency-Key`."
)
@documented(StaffItemOut, 201)
@requires_staff(Role.CATALOGUE_EDITOR)
@idempotent()
@body(CreateItemIn)
async def create_item(request: Request) -> HTTPResponse:
    data: CreateItemIn = request.ctx.body
    item = await service.create_item(
        actor_of(request),
        basic_code=data.basic_code,
        document=data.document,
        high_frequency_rank=data.high_frequency_rank,
        cache=_cache(request),
    )
    response = respond(_staff_item(item), status=201)
    response.headers["Location"] = f"{STAFF_ITEMS_PATH}/{item.code}"
    return response


@openapi.summary("Add a version (a full document); earlier versions stay readable")
@openapi.description(
    "`base_version` must be the latest version, else 409 `catalog_version_stale`. The new version "
    "is a draft until published. Department and region cannot change (`catalog_identity_changed`). "
    "Honours `Idempotency-Key`."
)
@documented(VersionOut, 201)
@requires_staff(Role.CATALOGUE_EDITOR)
@idempotent()
@body(NewVersionIn)
async def add_version(request: Request, code: str) -> HTTPResponse:
    data: NewVersionIn = request.ctx.body
    version = await service.add_version(
        actor_of(request), code, base_version=data.base_version, document=data.document, cache=_cache(request)
    )
    return respond(VersionOut.model_validate(version), status=201)


@openapi.summary("Publish the latest version: residents see it from now on")
@documented(StaffItemOut)
@requires_staff(Role.CATALOGUE_EDITOR)
async def publish(request: Request, code: str) -> HTTPResponse:
    return respond(_staff_item(await service.publish(actor_of(request), code, cache=_cache(request))))


@openapi.summary("Retire an item: no longer listed or applied for; its versions stay readable")
@documented(StaffItemOut)
@requires_staff(Role.CATALOGUE_EDITOR)
async def retire(request: Request, code: str) -> HTTPResponse:
    return respond(_staff_item(await service.retire(actor_of(request), code, cache=_cache(request))))


@openapi.summary("Place an item on the high-frequency list (or take it off with null)")
@documented(StaffItemOut)
@requires_staff(Role.CATALOGUE_EDITOR)
@body(RankIn)
async def set_rank(request: Request, code: str) -> HTTPResponse:
    data: RankIn = request.ctx.body
    item = await service.set_rank(actor_of(request), code, rank=data.rank, cache=_cache(request))
    return respond(_staff_item(item))
