"""The catalogue API's query strings, request bodies and (documented) response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.catalog.models import ItemStatus
from domain.catalog.schema import CODE_PATTERN, DEPARTMENT_PATTERN, REGION_PATTERN, ItemDocument
from domain.catalog.service import BASIC_CODE_PATTERN

PlainText = r"^[^\x00-\x1f\x7f]*$"


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class ItemsQuery(_Query):
    q: str | None = Field(default=None, max_length=64, pattern=PlainText)
    region: str | None = Field(default=None, pattern=REGION_PATTERN)
    department: str | None = Field(default=None, pattern=DEPARTMENT_PATTERN)
    theme: str | None = Field(default=None, pattern=CODE_PATTERN)
    life_event: str | None = Field(default=None, pattern=CODE_PATTERN)
    applicant: Literal["self", "family_member", "enterprise"] | None = None


class ItemQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int | None = Field(default=None, ge=1, le=1_000_000)


class StaffItemsQuery(_Query):
    status: ItemStatus | None = None
    department: str | None = Field(default=None, pattern=DEPARTMENT_PATTERN)
    q: str | None = Field(default=None, max_length=64, pattern=PlainText)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateItemIn(_Body):
    basic_code: str = Field(
        pattern=BASIC_CODE_PATTERN,
        description="事项基本编码: XK/JF/QR/GG/QT and 4–10 digits; the item code adds the region",
    )
    high_frequency_rank: int | None = Field(default=None, ge=1, le=10_000)
    document: ItemDocument


class NewVersionIn(_Body):
    base_version: int = Field(ge=1, le=1_000_000, description="the latest version the edit started from")
    document: ItemDocument


class RankIn(_Body):
    rank: int | None = Field(ge=1, le=10_000, description="null takes the item off the list")


# -- responses -------------------------------------------------------------------------------------


class Named(BaseModel):
    code: str
    name: str


class ItemSummaryOut(BaseModel):
    code: str
    basic_code: str
    name: str
    status: str
    department: Named
    region: Named
    online_depth: int
    at_most_one_visit: bool
    zero_visit: bool
    fee_fen: int
    min_identity_level: int
    high_frequency_rank: int | None


class ItemPageOut(BaseModel):
    items: list[ItemSummaryOut]
    total: int
    limit: int
    offset: int


class HighFrequencyOut(BaseModel):
    items: list[ItemSummaryOut]


class ItemOut(ItemSummaryOut):
    version: int
    current_version: int
    published_at: datetime
    for_enterprises: bool = Field(
        description="Only enterprises apply: the app says so instead of offering to apply for a person."
    )
    document: dict[str, Any] = Field(description="the version's document, each text in the caller's language")


class TagOut(BaseModel):
    code: str
    name: str
    items: int


class ThemesOut(BaseModel):
    themes: list[TagOut]
    life_events: list[TagOut]
    departments: list[TagOut] = Field(description="Departments with published items.")
    regions: list[TagOut] = Field(description="Regions with published items.")


class StaffItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    basic_code: str
    department_code: str
    region_code: str
    status: ItemStatus
    latest_version: int
    current_version: int | None
    high_frequency_rank: int | None
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    created_at: datetime
    updated_at: datetime


class StaffItemPageOut(BaseModel):
    items: list[StaffItemOut]
    total: int
    limit: int
    offset: int


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    created_by: int | None
    created_at: datetime
    published_at: datetime | None
    document: dict[str, Any]


class StaffItemDetailOut(StaffItemOut):
    versions: list[VersionOut]
