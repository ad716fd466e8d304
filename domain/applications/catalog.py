"""The one place applications read the catalogue: the version to file under, and the form check.

An application stores the version id it was filed under and reads that version ever after, so
later edits never change a case in progress (docs/palm-office.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from domain.catalog import forms
from domain.catalog import service as catalogue
from domain.catalog.models import CatalogItem
from domain.catalog.schema import ItemDocument
from domain.org.names import department_names
from domain.shared.labels import Names


@dataclass(frozen=True)
class ItemVersion:
    item_code: str
    version_id: int
    document: ItemDocument


async def current_item(item_code: str) -> ItemVersion:
    """The published version a new application for ``item_code`` is filed under."""
    item, version, document = await catalogue.version_to_apply(item_code)
    return ItemVersion(item.code, version.id, document)


async def item_version(version_id: int) -> ItemDocument:
    """The document of the version an existing application was filed under."""
    _version, document = await catalogue.version_by_id(version_id)
    return document


def validate_form(document: ItemDocument, data: dict[str, Any]) -> dict[str, Any]:
    """The cleaned answers, or ``InvalidInput`` listing each bad field (``form.<key>``) with its code."""
    return forms.validate_form(document, data)


class _Case(Protocol):
    item_code: str
    department_code: str


@dataclass(frozen=True)
class CaseNames:
    """The names a list of cases shows instead of codes: each item's and each department's."""

    items: dict[str, Names]
    departments: dict[str, Names]


async def names_of(cases: Iterable[_Case]) -> CaseNames:
    """The names of the items and departments of ``cases``, in two queries."""
    cases = list(cases)
    return CaseNames(
        items=await item_names(c.item_code for c in cases),
        departments=await department_names(c.department_code for c in cases),
    )


async def item_names(codes: Iterable[str]) -> dict[str, Names]:
    """Catalogue item code → the item's names (what a message or a list calls a service)."""
    wanted = sorted(set(codes))
    return {i.code: Names.of(i) for i in await CatalogItem.filter(code__in=wanted)} if wanted else {}
