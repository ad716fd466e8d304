"""Translatable text for the domain, rendered in the caller's locale only when it is shown.

Domain code marks strings with ``_()``; it never knows the request's language. The web layer
renders a :class:`LazyText` with the negotiated locale, using the Babel catalogs in ``locales/``.
Message ids are English; ``locales/zh_Hans`` and ``locales/zh_Hant`` hold the translations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SUPPORTED_LOCALES = ("zh_Hans", "zh_Hant", "en")
DEFAULT_LOCALE = "zh_Hans"


@dataclass(frozen=True)
class LazyText:
    """A message id and its named parameters, translated when rendered."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, locale: str = DEFAULT_LOCALE) -> str:
        translated = translate(self.msgid, locale)
        # A parameter may itself be rendered: another LazyText, or a row's names (domain.shared.labels).
        params = {
            k: (v.render(locale) if callable(getattr(v, "render", None)) else v)
            for k, v in self.params.items()
        }
        return translated.format(**params) if params else translated

    def __str__(self) -> str:  # logs are in English, whatever the caller speaks
        return self.render("en")


def _(msgid: str, **params: Any) -> LazyText:
    """Mark ``msgid`` for translation (extracted by ``make i18n``)."""
    return LazyText(msgid, params)


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def catalog(locale: str) -> Catalog | None:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return None
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def translate(msgid: str, locale: str) -> str:
    cat = catalog(locale)
    if cat is None:
        return msgid
    message = cat.get(msgid)
    if message is None or not message.string or message.fuzzy:
        return msgid
    return str(message.string)


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's saved preference first, then the best ``Accept-Language`` match, then zh_Hans."""
    if preferred in SUPPORTED_LOCALES:
        return preferred
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        ranked.append((-weight, position, tag.strip()))
    for _w, _p, tag in sorted(ranked):
        match = _match_tag(tag)
        if match:
            return match
    return DEFAULT_LOCALE


def _match_tag(tag: str) -> str | None:
    t = tag.lower().replace("_", "-")
    if t.startswith("en"):
        return "en"
    if t.startswith("zh"):
        # Script subtags decide; without one, regions that write traditional characters do.
        if "hant" in t or t in ("zh-tw", "zh-hk", "zh-mo"):
            return "zh_Hant"
        return "zh_Hans"
    return None
