"""The service catalogue: public reads (cached), staff editing with versions, and the system import.

An item's versions are immutable documents; editing adds a version, publishing makes the latest
version the one residents see, and an application keeps the version id it was filed under.
Residents' lists and searches read columns copied from the published version (``_project``),
so they never open documents; searching is a substring match over a normalised text column, with
synonyms (``domain.catalog.search``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from domain.audit import service as audit
from domain.catalog.cache import CatalogCache
from domain.catalog.errors import (
    CatalogDepartmentUnknown,
    CatalogIdentityChanged,
    CatalogItemExists,
    CatalogItemNotFound,
    CatalogItemRetired,
    CatalogNothingToPublish,
    CatalogRegionUnknown,
    CatalogVersionNotFound,
    CatalogVersionStale,
)
from domain.catalog.models import CatalogItem, CatalogItemTag, CatalogItemVersion, ItemStatus
from domain.catalog.schema import ItemDocument
from domain.catalog.search import matching, normalise
from domain.catalog.themes import LIFE_EVENTS, THEMES, Tag
from domain.org.models import Department, Region, RegionLevel
from domain.shared import clock
from domain.shared.actor import Actor
from domain.staff.roles import Role, authorize, visible_scopes

TARGET = "catalog_item"
# 事项编码: a category (XK 行政许可, JF 行政给付, QR 行政确认, GG 公共服务, QT 其他) and a number form
# the basic code every region shares (同一编码); the item code adds the implementing region.
BASIC_CODE_PATTERN = r"^(XK|JF|QR|GG|QT)\d{4,10}$"
_ITEM_CODE_RE = re.compile(r"^(XK|JF|QR|GG|QT)\d{4,10}-\d{6}(\d{3})?$")
_PREFIX_LENGTH = {RegionLevel.PROVINCE: 2, RegionLevel.CITY: 4, RegionLevel.COUNTY: 6, RegionLevel.TOWN: 9}
HIGH_FREQUENCY_LIMIT = 50


def item_code(basic_code: str, region: str) -> str:
    """The implementation code: the basic code plus the region that implements it."""
    return f"{basic_code}-{region}"


# -- reading items and versions (also for the applications module) -----------------------------


async def get_item(code: str, *, using_db: BaseDBAsyncClient | None = None) -> CatalogItem:
    """The item with ``code``, or ``catalog_item_not_found``."""
    if not _ITEM_CODE_RE.match(code):  # a malformed code names nothing; never send it to the database
        raise CatalogItemNotFound()
    item = await CatalogItem.get_or_none(code=code, using_db=using_db)
    if item is None:
        raise CatalogItemNotFound()
    return item


async def get_version(item: CatalogItem, number: int) -> CatalogItemVersion:
    """Version ``number`` of ``item``, or ``catalog_version_not_found``."""
    version = await CatalogItemVersion.get_or_none(item_id=item.id, number=number)
    if version is None:
        raise CatalogVersionNotFound(details={"version": number})
    return version


def document_of(version: CatalogItemVersion) -> ItemDocument:
    """The validated document of a stored version."""
    return ItemDocument.model_validate(version.document)


async def version_to_apply(code: str) -> tuple[CatalogItem, CatalogItemVersion, ItemDocument]:
    """The published version an application for ``code`` is filed under now; refuses retired items."""
    item = await get_item(code)
    if item.status == ItemStatus.RETIRED:
        raise CatalogItemRetired()
    if item.current_version is None:
        raise CatalogItemNotFound()
    version = await get_version(item, item.current_version)
    return item, version, document_of(version)


async def version_by_id(version_id: int) -> tuple[CatalogItemVersion, ItemDocument]:
    """A version by its id (what an application stores), whatever happened to the item since."""
    version = await CatalogItemVersion.get_or_none(id=version_id).prefetch_related("item")
    if version is None:
        raise CatalogVersionNotFound(details={"version_id": version_id})
    return version, document_of(version)


# -- public reads (cached) -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFilter:
    q: str | None = None
    region: str | None = None
    department: str | None = None
    theme: str | None = None
    life_event: str | None = None
    applicant: str | None = None
    limit: int = 20
    offset: int = 0


async def public_items(filters: ItemFilter, *, locale: str, cache: CatalogCache) -> str:
    """One page of published items matching ``filters``, localised, as JSON text."""
    params = {**filters.__dict__, "q": normalise(filters.q or ""), "locale": locale}

    async def build() -> dict[str, Any]:
        query = CatalogItem.filter(status=ItemStatus.PUBLISHED)
        if params["q"]:
            query = query.filter(matching(params["q"]))
        if filters.department:
            query = query.filter(department_code=filters.department)
        if filters.region:
            ancestors, prefix = await _region_line(filters.region)
            query = query.filter(Q(region_code__in=ancestors) | Q(region_code__startswith=prefix))
        for kind, value in (
            ("theme", filters.theme),
            ("life_event", filters.life_event),
            ("applicant", filters.applicant),
        ):
            if value:
                tagged = CatalogItemTag.filter(kind=kind, value=value).values("item_id")
                query = query.filter(id__in=Subquery(tagged))
        total = await query.count()
        rows = await query.order_by("code").offset(filters.offset).limit(filters.limit)
        names = await _Names.load()
        return {
            "items": [_summary(row, locale, names) for row in rows],
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
        }

    return await cache.view("items", params, build)


async def public_item(code: str, *, version: int | None, locale: str, cache: CatalogCache) -> str:
    """An item's published version (the current one, or ``version``), localised, as JSON text."""
    if not _ITEM_CODE_RE.match(code):  # refused before it can name a cache key
        raise CatalogItemNotFound()

    async def build() -> dict[str, Any]:
        item = await get_item(code)
        if item.current_version is None:
            raise CatalogItemNotFound()  # a draft is the editors' business
        wanted = item.current_version if version is None else version
        found = await CatalogItemVersion.get_or_none(item_id=item.id, number=wanted)
        if found is None or found.published_at is None:
            raise CatalogVersionNotFound(details={"version": wanted})
        names = await _Names.load()
        return {
            **_summary(item, locale, names),
            "version": found.number,
            "current_version": item.current_version,
            "published_at": found.published_at.isoformat(),
            # Only enterprises apply (企业办事): the app says so instead of asking "for whom".
            "for_enterprises": set(found.document.get("applicant_kinds") or []) == {"enterprise"},
            "document": localise(found.document, locale),
        }

    return await cache.view("item", {"code": code, "version": version, "locale": locale}, build)


async def high_frequency(*, locale: str, cache: CatalogCache) -> str:
    """The curated high-frequency list (高频事项), in its editors' order, as JSON text."""

    async def build() -> dict[str, Any]:
        rows = (
            await CatalogItem.filter(status=ItemStatus.PUBLISHED, high_frequency_rank__isnull=False)
            .order_by("high_frequency_rank", "code")
            .limit(HIGH_FREQUENCY_LIMIT)
        )
        names = await _Names.load()
        return {"items": [_summary(row, locale, names) for row in rows]}

    return await cache.view("high_frequency", {"locale": locale}, build)


async def themes(*, locale: str, cache: CatalogCache) -> str:
    """The catalogue's filters with the number of published items in each, as JSON text: themes,
    life events, departments and regions."""

    async def build() -> dict[str, Any]:
        counted = (
            await CatalogItemTag.filter(item__status=ItemStatus.PUBLISHED, kind__in=["theme", "life_event"])
            .annotate(n=Count("id"))
            .group_by("kind", "value")
            .values("kind", "value", "n")
        )
        counts = {(row["kind"], row["value"]): row["n"] for row in counted}

        def listed(kind: str, tags: Iterable[Tag]) -> list[dict[str, Any]]:
            return [
                {"code": t.code, "name": t.name(locale), "items": counts.get((kind, t.code), 0)} for t in tags
            ]

        names = await _Names.load()

        async def served_by(column: str, kind: str) -> list[dict[str, Any]]:
            rows = (
                await CatalogItem.filter(status=ItemStatus.PUBLISHED)
                .annotate(n=Count("id"))
                .group_by(column)
                .values(column, "n")
            )
            return [
                {**names.of(kind, row[column], locale), "items": row["n"]}
                for row in sorted(rows, key=lambda r: str(r[column]))
            ]

        return {
            "themes": listed("theme", THEMES),
            "life_events": listed("life_event", LIFE_EVENTS),
            # The filters the app offers: every department and region with published items.
            "departments": await served_by("department_code", "department"),
            "regions": await served_by("region_code", "region"),
        }

    return await cache.view("themes", {"locale": locale}, build)


def localise(value: Any, locale: str) -> Any:
    """A document with every ``{"zh_Hans", "zh_Hant", "en"}`` text replaced by its ``locale`` string."""
    if isinstance(value, dict):
        if value.keys() == {"zh_Hans", "zh_Hant", "en"}:
            return value.get(locale, value["zh_Hans"])
        return {k: localise(v, locale) for k, v in value.items()}
    if isinstance(value, list):
        return [localise(v, locale) for v in value]
    return value


@dataclass(frozen=True)
class _Names:
    departments: dict[str, Department]
    regions: dict[str, Region]

    @classmethod
    async def load(cls) -> _Names:
        # Both tables are small reference data, read only when a view is (re)built.
        return cls({d.code: d for d in await Department.all()}, {r.code: r for r in await Region.all()})

    def of(self, kind: str, code: str, locale: str) -> dict[str, str]:
        row = (self.departments if kind == "department" else self.regions).get(code)
        column = {"zh_Hans": "name_zh_hans", "zh_Hant": "name_zh_hant"}.get(locale, "name_en")
        return {"code": code, "name": getattr(row, column) if row is not None else code}


async def summaries(items: Iterable[CatalogItem], locale: str) -> list[dict[str, Any]]:
    """Items as the public lists show them (``ItemSummaryOut``), for other modules' lists (favourites):
    only the departments and regions these items name are read."""
    items = list(items)
    names = _Names(
        {d.code: d for d in await Department.filter(code__in=sorted({i.department_code for i in items}))},
        {r.code: r for r in await Region.filter(code__in=sorted({i.region_code for i in items}))},
    )
    return [_summary(item, locale, names) for item in items]


def _summary(item: CatalogItem, locale: str, names: _Names) -> dict[str, Any]:
    column = {"zh_Hans": "name_zh_hans", "zh_Hant": "name_zh_hant"}.get(locale, "name_en")
    return {
        "code": item.code,
        "basic_code": item.basic_code,
        "name": getattr(item, column),
        "status": item.status.value,
        "department": names.of("department", item.department_code, locale),
        "region": names.of("region", item.region_code, locale),
        "online_depth": item.online_depth,
        "at_most_one_visit": item.at_most_one_visit,
        "zero_visit": item.zero_visit,
        "fee_fen": item.fee_fen,
        "min_identity_level": item.min_identity_level,
        "high_frequency_rank": item.high_frequency_rank,
    }


async def _region_line(code: str) -> tuple[list[str], str]:
    """A region's ancestors (and itself), and the code prefix its descendants share.

    An item serves everyone in its region and below: a resident of a county sees the province's,
    the city's, the county's and its towns' items.
    """
    region = await Region.get_or_none(code=code) if re.fullmatch(r"\d{6}(\d{3})?", code) else None
    if region is None:
        raise CatalogRegionUnknown(details={"region": code[:16]})
    prefix = region.code[: _PREFIX_LENGTH[region.level]]
    line = [region.code]
    parent = region.parent_id  # type: ignore[attr-defined]
    while parent is not None and len(line) < 8:
        line.append(parent)
        parent = await Region.filter(code=parent).first().values_list("parent_id", flat=True)
    return line, prefix


# -- staff editing ---------------------------------------------------------------------------------


async def create_item(
    actor: Actor,
    *,
    basic_code: str,
    document: ItemDocument,
    high_frequency_rank: int | None = None,
    cache: CatalogCache | None,
) -> CatalogItem:
    """Create an item as a draft with ``document`` as version 1 (catalogue editors of its department)."""
    authorize(actor, Role.CATALOGUE_EDITOR, document.department)
    item = await _create(actor, basic_code, document, high_frequency_rank)
    await _invalidate(cache)
    return item


async def add_version(
    actor: Actor, code: str, *, base_version: int, document: ItemDocument, cache: CatalogCache | None
) -> CatalogItemVersion:
    """Add an unpublished version; ``base_version`` must still be the latest, else someone edited."""
    async with in_transaction() as conn:
        item = await _locked(code, conn)
        authorize(actor, Role.CATALOGUE_EDITOR, item.department_code)
        if base_version != item.latest_version:
            raise CatalogVersionStale(
                details={"base_version": base_version, "latest_version": item.latest_version}
            )
        version = await _add_version(actor, item, document, conn)
    await _invalidate(cache)
    return version


async def publish(actor: Actor, code: str, *, cache: CatalogCache | None) -> CatalogItem:
    """Make the latest version the one residents see (and un-retire the item)."""
    async with in_transaction() as conn:
        item = await _locked(code, conn)
        authorize(actor, Role.CATALOGUE_EDITOR, item.department_code)
        await _publish(actor, item, conn)
    await _invalidate(cache)
    return item


async def retire(actor: Actor, code: str, *, cache: CatalogCache | None) -> CatalogItem:
    """Stop offering an item; its versions stay readable for the applications filed under them."""
    async with in_transaction() as conn:
        item = await _locked(code, conn)
        authorize(actor, Role.CATALOGUE_EDITOR, item.department_code)
        if item.status == ItemStatus.RETIRED:
            raise CatalogItemRetired()
        before = item.status.value
        item.status = ItemStatus.RETIRED
        item.updated_at = clock.now()
        await item.save(using_db=conn, update_fields=["status", "updated_at"])
        await audit.record(
            actor,
            "catalog.item_retired",
            target_type=TARGET,
            target_id=item.code,
            before={"status": before},
            after={"status": item.status.value},
            using_db=conn,
        )
    await _invalidate(cache)
    return item


async def set_rank(actor: Actor, code: str, *, rank: int | None, cache: CatalogCache | None) -> CatalogItem:
    """Put an item on the high-frequency list at ``rank`` (or take it off with None)."""
    async with in_transaction() as conn:
        item = await _locked(code, conn)
        authorize(actor, Role.CATALOGUE_EDITOR, item.department_code)
        before = item.high_frequency_rank
        item.high_frequency_rank = rank
        item.updated_at = clock.now()
        await item.save(using_db=conn, update_fields=["high_frequency_rank", "updated_at"])
        await audit.record(
            actor,
            "catalog.rank_set",
            target_type=TARGET,
            target_id=item.code,
            before={"high_frequency_rank": before},
            after={"high_frequency_rank": rank},
            using_db=conn,
        )
    await _invalidate(cache)
    return item


async def staff_items(
    actor: Actor,
    *,
    status: ItemStatus | None,
    department: str | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[CatalogItem], int]:
    """Items of every status in the departments the editor works for."""
    authorize(actor, Role.CATALOGUE_EDITOR)
    query = CatalogItem.all()
    scopes = visible_scopes(actor)
    if scopes is not None:
        query = query.filter(department_code__in=sorted(scopes))
    if status is not None:
        query = query.filter(status=status)
    if department:
        query = query.filter(department_code=department)
    if q and normalise(q):
        query = query.filter(matching(normalise(q)))
    total = await query.count()
    return await query.order_by("code").offset(offset).limit(limit), total


async def staff_item(actor: Actor, code: str) -> tuple[CatalogItem, list[CatalogItemVersion]]:
    """An item with all its versions, newest first, drafts included (editors of its department)."""
    authorize(actor, Role.CATALOGUE_EDITOR)
    item = await get_item(code)
    authorize(actor, Role.CATALOGUE_EDITOR, item.department_code)
    return item, await CatalogItemVersion.filter(item_id=item.id).order_by("-number")


# -- the system import (demo data; later the provincial catalogue, 同源发布) ---------------------


async def import_item(basic_code: str, document: ItemDocument, *, high_frequency_rank: int | None) -> bool:
    """Make the published item for ``basic_code`` carry ``document``; True when anything changed.

    Idempotent: an item whose published document already equals ``document`` is left alone.
    """
    actor = Actor.system()
    code = item_code(basic_code, document.region)
    async with in_transaction() as conn:
        item = await CatalogItem.get_or_none(code=code, using_db=conn)
        if item is None:
            item = await _create(actor, basic_code, document, high_frequency_rank, conn)
            await _publish(actor, item, conn)
            return True
        latest = await CatalogItemVersion.get(item_id=item.id, number=item.latest_version, using_db=conn)
        changed = latest.document != document.model_dump(mode="json")
        if changed:
            await _add_version(actor, item, document, conn)
        if changed or item.status != ItemStatus.PUBLISHED or item.current_version != item.latest_version:
            await _publish(actor, item, conn)
            return True
        return False


# -- shared steps ----------------------------------------------------------------------------------


async def _create(
    actor: Actor,
    basic_code: str,
    document: ItemDocument,
    rank: int | None,
    conn: BaseDBAsyncClient | None = None,
) -> CatalogItem:
    await _check_places(document)
    code = item_code(basic_code, document.region)
    now = clock.now()
    try:
        async with in_transaction() if conn is None else _nested(conn) as tx:
            item = await CatalogItem.create(
                code=code,
                basic_code=basic_code,
                department_code=document.department,
                region_code=document.region,
                status=ItemStatus.DRAFT,
                latest_version=1,
                high_frequency_rank=rank,
                created_at=now,
                updated_at=now,
                **projection(basic_code, document),
                using_db=tx,
            )
            await CatalogItemVersion.create(
                item=item,
                number=1,
                document=document.model_dump(mode="json"),
                created_by=actor.id,
                created_at=now,
                using_db=tx,
            )
            await _retag(item, document, tx)
            await audit.record(
                actor,
                "catalog.item_created",
                target_type=TARGET,
                target_id=code,
                after={"status": item.status.value, "version": 1, "high_frequency_rank": rank},
                using_db=tx,
            )
    except IntegrityError as exc:
        raise CatalogItemExists(details={"code": code}) from exc
    return item


class _nested:
    """Use the caller's transaction as is (the import runs several steps in one)."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn

    async def __aenter__(self) -> BaseDBAsyncClient:
        return self.conn

    async def __aexit__(self, *exc: object) -> None:
        return None


async def _add_version(
    actor: Actor, item: CatalogItem, document: ItemDocument, conn: BaseDBAsyncClient
) -> CatalogItemVersion:
    for field, now in (("department", document.department), ("region", document.region)):
        was = item.department_code if field == "department" else item.region_code
        if now != was:
            # The code embeds the region and scopes follow the department: a move is a new item.
            raise CatalogIdentityChanged(details={"field": field, "was": was, "now": now})
    number = item.latest_version + 1
    version = await CatalogItemVersion.create(
        item=item,
        number=number,
        document=document.model_dump(mode="json"),
        created_by=actor.id,
        created_at=clock.now(),
        using_db=conn,
    )
    item.latest_version = number
    item.updated_at = clock.now()
    fields = ["latest_version", "updated_at"]
    if item.current_version is None:  # never published: editors' lists show the newest draft
        for name, value in projection(item.basic_code, document).items():
            setattr(item, name, value)
        fields += list(projection(item.basic_code, document))
        await _retag(item, document, conn)
    await item.save(using_db=conn, update_fields=fields)
    await audit.record(
        actor,
        "catalog.version_added",
        target_type=TARGET,
        target_id=item.code,
        before={"latest_version": number - 1},
        after={"latest_version": number},
        using_db=conn,
    )
    return version


async def _publish(actor: Actor, item: CatalogItem, conn: BaseDBAsyncClient) -> None:
    if item.status == ItemStatus.PUBLISHED and item.current_version == item.latest_version:
        raise CatalogNothingToPublish()
    version = await CatalogItemVersion.get(item_id=item.id, number=item.latest_version, using_db=conn)
    document = document_of(version)
    now = clock.now()
    if version.published_at is None:
        version.published_at = now
        await version.save(using_db=conn, update_fields=["published_at"])
    before = {"status": item.status.value, "current_version": item.current_version}
    item.status = ItemStatus.PUBLISHED
    item.current_version = version.number
    item.updated_at = now
    for name, value in projection(item.basic_code, document).items():
        setattr(item, name, value)
    await item.save(using_db=conn)
    await _retag(item, document, conn)
    await audit.record(
        actor,
        "catalog.item_published",
        target_type=TARGET,
        target_id=item.code,
        before=before,
        after={"status": item.status.value, "current_version": item.current_version},
        using_db=conn,
    )


def projection(basic_code: str, document: ItemDocument) -> dict[str, Any]:
    """The item columns copied from a document, which lists and searches read instead of it."""
    return {
        "name_zh_hans": document.name.zh_Hans,
        "name_zh_hant": document.name.zh_Hant,
        "name_en": document.name.en,
        "search_text": normalise(f"{document.keyword_text()} {basic_code}"),
        "online_depth": document.online_depth,
        "at_most_one_visit": document.at_most_one_visit,
        "zero_visit": document.zero_visit,
        "fee_fen": document.fee_fen,
        "min_identity_level": document.min_identity_level,
    }


async def _retag(item: CatalogItem, document: ItemDocument, conn: BaseDBAsyncClient) -> None:
    await CatalogItemTag.filter(item_id=item.id).using_db(conn).delete()
    tags = [("theme", t) for t in document.themes] + [("life_event", e) for e in document.life_events]
    tags += [("applicant", a) for a in dict.fromkeys(document.applicant_kinds)]
    await CatalogItemTag.bulk_create(
        [CatalogItemTag(item_id=item.id, kind=kind, value=value) for kind, value in tags], using_db=conn
    )


async def _locked(code: str, conn: BaseDBAsyncClient) -> CatalogItem:
    """The item, row-locked for the transaction (PostgreSQL; SQLite serialises writers anyway)."""
    if not _ITEM_CODE_RE.match(code):
        raise CatalogItemNotFound()
    item = await CatalogItem.filter(code=code).select_for_update().using_db(conn).first()
    if item is None:
        raise CatalogItemNotFound()
    return item


async def _check_places(document: ItemDocument) -> None:
    if not await Department.exists(code=document.department):
        raise CatalogDepartmentUnknown(details={"department": document.department})
    if not await Region.exists(code=document.region):
        raise CatalogRegionUnknown(details={"region": document.region})


async def _invalidate(cache: CatalogCache | None) -> None:
    if cache is not None:
        await cache.invalidate()
