"""The one place applications read the catalogue: the version to file under, and the form check.

An application stores the version id it was filed under and reads that version ever after, so
later edits never change a case in progress (docs/palm-office.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.catalog import forms
from domain.catalog import service as catalogue
from domain.catalog.schema import ItemDocument


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
