"""The demo catalogue: ``server/demo/catalog.json`` loaded through the catalogue's system import.

Idempotent: an item whose published document already matches is left alone, a changed one gets a
new published version. The two aid schemes' full documents come from ``domain/aid/items.py``
when that module exists; until then (or if its document does not validate) the placeholders in
the JSON stand in, with the workflow codes ``medical_aid`` and ``rehabilitation_aid``.
"""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from domain.catalog import service
from domain.catalog.schema import ItemDocument

log = logging.getLogger("palmcity.demo")
DATA = Path(__file__).with_name("catalog.json")
# Basic code of the placeholder → the name of the full document in domain.aid.items.
AID_DOCUMENTS = {"JF0004": "MEDICAL_AID_ITEM", "JF0005": "REHABILITATION_AID_ITEM"}


async def load_catalog() -> int:
    """Load the demo catalogue; returns how many items were created or changed."""
    entries = json.loads(DATA.read_text(encoding="utf-8"))["items"]
    aid = _aid_documents()
    changed = 0
    for entry in entries:
        basic_code = entry["basic_code"]
        document = aid.get(basic_code) or ItemDocument.model_validate(entry["document"])
        changed += await service.import_item(
            basic_code, document, high_frequency_rank=entry.get("high_frequency_rank")
        )
    return changed


def _aid_documents() -> dict[str, ItemDocument]:
    try:
        module: Any = importlib.import_module("domain.aid.items")
    except ImportError:
        return {}
    found: dict[str, ItemDocument] = {}
    for basic_code, name in AID_DOCUMENTS.items():
        raw = getattr(module, name, None)
        if raw is None:
            continue
        try:
            found[basic_code] = ItemDocument.model_validate(raw)
        except ValidationError as exc:
            log.warning(
                "aid item document does not validate; keeping the placeholder",
                extra={"item": name, "errors": exc.errors(include_url=False)[:5]},
            )
    return found
