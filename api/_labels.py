"""Label fields of response schemas: a domain ``Label`` kept as is, rendered when the response is written.

A schema declares ``state_label: LabelText`` and its ``of()`` passes the domain's label
(``labels.state(code)``, a site's ``Names``); ``api._kit.respond`` writes it in the caller's
locale. OpenAPI documents the field as a string. A plain ``str`` (already rendered) passes as is.
A schema that extends another's instance takes its fields with ``**dict(base)``: ``model_dump()``
would turn each label (a dataclass) into a dict.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer, PlainValidator, SerializationInfo, WithJsonSchema

from domain.shared.i18n import DEFAULT_LOCALE

LOCALE = "locale"  # the serialisation context's key


def _accept(value: Any) -> Any:
    if isinstance(value, str) or callable(getattr(value, "render", None)):
        return value
    raise ValueError("a label is text or something with render(locale)")


def render(value: Any, locale: str) -> str:
    return value if isinstance(value, str) else str(value.render(locale))


def _serialize(value: Any, info: SerializationInfo) -> Any:
    if value is None or not info.mode_is_json():
        return value
    context = info.context if isinstance(info.context, dict) else {}
    return render(value, str(context.get(LOCALE) or DEFAULT_LOCALE))


def _described(description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": description})


LabelText = Annotated[
    Any,
    PlainValidator(_accept),
    PlainSerializer(_serialize),
    _described("The code beside it, in the caller's language."),
]
OptionalLabelText = Annotated[
    Any,
    PlainValidator(lambda v: None if v is None else _accept(v)),
    PlainSerializer(_serialize),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "The code beside it, in the caller's language.",
        }
    ),
]


def dump(payload: BaseModel, locale: str) -> dict[str, Any]:
    """``payload`` as JSON-ready data, its labels in ``locale``."""
    data: dict[str, Any] = payload.model_dump(mode="json", context={LOCALE: locale})
    return data
