"""Catalogue search: the normalised text both sides are compared in, and synonyms.

``CatalogItem.search_text`` holds an item's names, summaries and keywords in every locale,
normalised; a query is normalised the same way and matches as a substring. Residents also type
the words they use rather than the catalogue's (临时身份证 for 临时居民身份证, 社保 for 社会保险,
"ID card"): ``synonyms.json`` lists such words in groups, in three languages, and a query that
contains a word of a group is also tried with each other word of that group in its place.

The query is expanded rather than the index: the table can change without re-projecting every
item, and the cost is a few more ``LIKE`` terms in the one scan a cache miss makes (the public
views are cached, so a hit never gets here; ``bench/catalog.py`` measures a synonym search).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from pathlib import Path

from tortoise.expressions import Q

from domain.shared.i18n import SUPPORTED_LOCALES

SYNONYMS = Path(__file__).with_name("synonyms.json")
# A query is tried in at most this many forms (itself included): a bound on a miss's scan.
MAX_FORMS = 16


def normalise(text: str) -> str:
    """Search form of a text: NFKC (full-width → half-width), case-folded, without whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@functools.cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The table's groups, each as its normalised words, longest first."""
    groups = json.loads(SYNONYMS.read_text(encoding="utf-8"))["groups"]
    words = ({normalise(w) for locale in SUPPORTED_LOCALES for w in group[locale]} for group in groups)
    return tuple(tuple(sorted(group, key=lambda w: (-len(w), w))) for group in words)


def forms_of(q: str) -> list[str]:
    """``q`` (normalised) and, for each synonym group one of whose words it contains (the longest,
    so 居民身份证 is not read as 身份证), ``q`` with the group's other words in its script in its place."""
    forms = [q]
    for group in synonym_groups():
        found = next((word for word in group if word in q), None)
        if found is None:
            continue
        # Swapped only for words in the same script: 临时 + "ID card" names nothing, and every item
        # is named in all three languages anyway (出生登记 must not find "Childbirth registration").
        fits = [w for w in group if w != found and _chinese(w) == _chinese(found)]
        forms += [q.replace(found, other) for other in fits]
    return list(dict.fromkeys(forms))[:MAX_FORMS]


def _chinese(word: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in word)


def matching(q: str) -> Q:
    """The items whose search text contains the normalised query ``q`` in any of its forms."""
    found = Q(search_text__contains=q)
    for form in forms_of(q)[1:]:
        found |= Q(search_text__contains=form)
    return found
