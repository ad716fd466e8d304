"""Labels: the name a person reads beside a code (a state, a role, a site, an authority, a kind).

Codes stay in responses for programs; people read labels. Every response that carries a code a
person might see carries ``<field>_label`` beside it (``<field>_labels`` for a list of codes, in
the same order), in the caller's language. The domain says what each label is, without knowing
the language: a :class:`~domain.shared.i18n.LazyText` from a table for codes the code base defines
(a ``LabelTable`` per enum or workflow), or :class:`Names` for rows that carry their own names in
three languages (sites, departments, catalogue items). ``api._labels`` renders either when the
response is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from domain.shared.i18n import DEFAULT_LOCALE, LazyText, _


class Label(Protocol):
    """Anything rendered in a locale: a ``LazyText`` or a row's ``Names``."""

    def render(self, locale: str = DEFAULT_LOCALE) -> str: ...


@dataclass(frozen=True)
class Names:
    """A row's own name in each language (a site, a department, a catalogue item)."""

    zh_Hans: str  # noqa: N815 - locale names as in domain.shared.i18n
    zh_Hant: str  # noqa: N815
    en: str

    def render(self, locale: str = DEFAULT_LOCALE) -> str:
        return str(getattr(self, locale, None) or self.zh_Hans)

    def as_dict(self) -> dict[str, str]:
        return {"zh_Hans": self.zh_Hans, "zh_Hant": self.zh_Hant, "en": self.en}

    @classmethod
    def of(cls, row: Any) -> Names:
        """From a model with ``name_zh_hans``, ``name_zh_hant`` and ``name_en`` columns."""
        return cls(str(row.name_zh_hans), str(row.name_zh_hant), str(row.name_en))

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Names:
        return cls(str(value.get("zh_Hans", "")), str(value.get("zh_Hant", "")), str(value.get("en", "")))


# What a code nobody labelled reads as: never the code itself (a test keeps every table complete).
UNKNOWN = _("Other")


class LabelTable:
    """Codes → labels, complete for the codes it was built for (checked when it is built)."""

    def __init__(self, name: str, labels: Mapping[str, LazyText], codes: Iterable[str] | None = None) -> None:
        self.name = name
        self._labels = dict(labels)
        missing = sorted(set(codes or ()) - set(self._labels))
        if missing:
            # At import: a new state without a name stops the start-up, not a resident's page.
            raise ValueError(f"{name}: no label for {missing}")

    @classmethod
    def of_enum(cls, enum: type[Enum], labels: Mapping[Any, LazyText]) -> LabelTable:
        table = {str(k.value if isinstance(k, Enum) else k): v for k, v in labels.items()}
        return cls(enum.__name__, table, (str(member.value) for member in enum))

    def __call__(self, code: Any) -> LazyText:
        return self._labels.get(str(code.value if isinstance(code, Enum) else code), UNKNOWN)

    def __contains__(self, code: object) -> bool:
        return str(code) in self._labels

    def codes(self) -> list[str]:
        return list(self._labels)
