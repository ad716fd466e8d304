"""The service catalogue (事项目录): items, their immutable versions, and the tags used to filter them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class ItemStatus(StrEnum):
    DRAFT = "draft"  # never published: only editors see it
    PUBLISHED = "published"
    RETIRED = "retired"  # no longer offered; its versions stay readable for old applications


class CatalogItem(Model):
    """One standard item as implemented in one region (实施清单 entry).

    ``basic_code`` is the standard code shared by the same item in every region (同一编码);
    ``code`` adds the region, so it is unique. The columns after ``status`` are copied from the
    published version (or the first draft) so that lists and searches never open documents.
    """

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    basic_code = fields.CharField(max_length=24, db_index=True)
    department_code = fields.CharField(max_length=32, db_index=True)
    region_code = fields.CharField(max_length=12, db_index=True)
    status = fields.CharEnumField(ItemStatus, max_length=16, default=ItemStatus.DRAFT, db_index=True)
    latest_version = fields.IntField(default=1)
    # The version residents see; None until first published.
    current_version = fields.IntField(null=True)
    # Curated order of the high-frequency list (高频事项); None = not on it.
    high_frequency_rank = fields.IntField(null=True, db_index=True)
    name_zh_hans = fields.CharField(max_length=120)
    name_zh_hant = fields.CharField(max_length=120)
    name_en = fields.CharField(max_length=200)
    # Names, summaries and keywords of every locale, NFKC-normalised, case-folded, without spaces:
    # a substring match (LIKE) finds Chinese text without word splitting, on SQLite and PostgreSQL alike.
    search_text = fields.TextField()
    online_depth = fields.SmallIntField()
    at_most_one_visit = fields.BooleanField(default=False)
    zero_visit = fields.BooleanField(default=False)
    fee_fen = fields.IntField(default=0)
    min_identity_level = fields.SmallIntField(default=3)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    tags: fields.ReverseRelation[CatalogItemTag]
    versions: fields.ReverseRelation[CatalogItemVersion]

    class Meta:
        table = "catalog_item"


class CatalogItemVersion(Model):
    """A frozen ``ItemDocument``. The document never changes, and ``published_at`` is stamped once."""

    id = fields.BigIntField(primary_key=True)
    # Items are never deleted (they are retired, and the service has no delete); CASCADE only lets a
    # wholesale clean-up (the test harness on SQLite) remove an item together with its versions.
    item: fields.ForeignKeyRelation[CatalogItem] = fields.ForeignKeyField(
        "palmcity.CatalogItem", related_name="versions", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    document: Any = fields.JSONField()
    created_by = fields.IntField(null=True)  # staff account id; None for the demo loader
    created_at = fields.DatetimeField()
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "catalog_item_version"
        unique_together = (("item", "number"),)


class CatalogItemTag(Model):
    """What the public filters match: themes, life events and applicant kinds of the current version."""

    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[CatalogItem] = fields.ForeignKeyField(
        "palmcity.CatalogItem", related_name="tags", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # theme | life_event | applicant
    value = fields.CharField(max_length=40)

    class Meta:
        table = "catalog_item_tag"
        unique_together = (("item", "kind", "value"),)
        indexes = (("kind", "value"),)
