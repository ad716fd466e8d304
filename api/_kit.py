"""What every blueprint shares: reading a JSON body into a schema, and writing one back.

Validation failures list each bad field with its own stable code and a localised message, e.g.
``{"fields": [{"field": "id_number", "code": "bad_format", "message": "..."}]}``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Annotated, Any, TypeVar, cast

from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import JsonSchemaMode
from sanic import HTTPResponse, Request, json
from sanic.exceptions import BadRequest, SanicException
from sanic_ext import openapi
from sanic_ext.extensions.openapi.builders import OperationStore

from api._errors import locale_of
from api._labels import dump
from domain.shared.errors import DomainError, ErrorKind, InvalidInput
from domain.shared.i18n import DEFAULT_LOCALE, LazyText, _

M = TypeVar("M", bound=BaseModel)
# A date a person can mean: bounded, so that arithmetic on it (its China midnight, the next day)
# never overflows into a 500 on 0001-01-01 or 9999-12-31.
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])


class MalformedJson(DomainError):
    code = "malformed_json"
    kind = ErrorKind.MALFORMED
    message = _("The request body is not valid JSON.")


# Pydantic's error types → our stable field codes and their messages.
_FIELD_CODES: dict[str, tuple[str, LazyText]] = {
    "missing": ("required", _("This field is required.")),
    "string_too_short": ("too_short", _("This value is too short.")),
    "string_too_long": ("too_long", _("This value is too long.")),
    "too_short": ("too_short", _("This value is too short.")),
    "too_long": ("too_long", _("This value is too long.")),
    "string_pattern_mismatch": ("bad_format", _("This value is not in the expected format.")),
    "literal_error": ("not_allowed", _("This value is not one of the allowed choices.")),
    "enum": ("not_allowed", _("This value is not one of the allowed choices.")),
    "greater_than": ("too_small", _("This value is too small.")),
    "greater_than_equal": ("too_small", _("This value is too small.")),
    "less_than": ("too_large", _("This value is too large.")),
    "less_than_equal": ("too_large", _("This value is too large.")),
    "extra_forbidden": ("unknown_field", _("This field is not accepted.")),
    # A time without its offset could be any zone's: AwareDatetime fields refuse it.
    "timezone_aware": ("timezone_required", _("Give the time with its offset, e.g. 2026-03-02T09:00+08:00.")),
}
_WRONG_TYPE = ("wrong_type", _("This value has the wrong type."))


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        ctx = err.get("ctx") or {}
        if err["type"] == "value_error" and isinstance(ctx.get("error"), DomainError):
            domain_err: DomainError = ctx["error"]
            code, message = domain_err.code, domain_err.message
        else:
            code, message = _FIELD_CODES.get(err["type"], _WRONG_TYPE)
        errors.append(
            {"field": ".".join(str(p) for p in err["loc"]) or "body", "code": code, "message": message}
        )
    return errors


# C0 control characters other than tab, newline and carriage return. PostgreSQL refuses NUL in
# text outright, and none of them belongs in anything a person types.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_MESSAGE = _("This value contains characters that are not allowed.")


def _control_characters(data: Any, path: str = "") -> list[dict[str, Any]]:
    if isinstance(data, str):
        return (
            [{"field": path or "body", "code": "bad_characters", "message": _CONTROL_MESSAGE}]
            if _CONTROL.search(data)
            else []
        )
    if isinstance(data, dict):
        found = []
        for key, value in data.items():
            found += _control_characters(key, path or "body") + _control_characters(
                value, f"{path}.{key}".lstrip(".")
            )
        return found
    if isinstance(data, list):
        return [e for i, v in enumerate(data) for e in _control_characters(v, f"{path}.{i}".lstrip("."))]
    return []


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model``; every bad field is listed with its own code."""
    try:
        bad = _control_characters(data)
    except RecursionError as exc:  # nesting no form has; refuse before anything else walks it
        raise MalformedJson() from exc
    if bad:
        raise InvalidInput(details={"fields": bad})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(details={"fields": field_errors(exc)}) from exc


def parse_query(request: Request, model: type[M]) -> M:
    """Validate the query string (the first value of each argument) into ``model``."""
    return parse(model, {name: request.args.get(name) for name in request.args})


def parse_json(request: Request, model: type[M]) -> M:
    if not request.body:
        data: Any = {}
    else:
        try:
            data = request.json
        except (BadRequest, RecursionError) as exc:
            raise MalformedJson() from exc
    return parse(model, data)


def body(model: type[BaseModel]) -> Callable[[Handler], Handler]:
    """Parse the JSON body into ``model`` (``request.ctx.body``) and document it in OpenAPI."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def parsed(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            request.ctx.body = parse_json(request, model)
            return await handler(request, *args, **kwargs)

        keep_openapi(handler, parsed)
        # No body reads as `{}` (parse_json), so a model that accepts `{}` makes the body optional.
        documented = openapi.body(
            {"application/json": model_ref(model, "validation")}, required=not _accepts_empty(model)
        )(parsed)
        return cast(Handler, documented)

    return decorate


def _accepts_empty(model: type[BaseModel]) -> bool:
    try:
        model.model_validate({})
    except ValidationError:
        return False
    return True


def respond(payload: BaseModel | dict[str, Any], status: int = 200) -> HTTPResponse:
    """``payload`` as JSON; its label fields (``api._labels``) in the current request's locale."""
    data = dump(payload, _current_locale()) if isinstance(payload, BaseModel) else payload
    return json(data, status=status, ensure_ascii=False)


def _current_locale() -> str:
    try:
        return locale_of(Request.get_current())
    except SanicException:  # outside a request (a test rendering a schema): the default language
        return DEFAULT_LOCALE


def documented(model: type[BaseModel], status: int = 200) -> Callable[[Handler], Handler]:
    """Declare the response schema in OpenAPI."""

    def decorate(handler: Handler) -> Handler:
        documented_handler: Handler = openapi.response(
            status, {"application/json": model_ref(model, "serialization")}, "OK"
        )(handler)
        return documented_handler

    return decorate


def documented_media(*media_types: str, description: str, status: int = 200) -> Callable[[Handler], Handler]:
    """Declare a response that is not JSON (a file, an image, a page) in OpenAPI."""
    content = {media_type: {"type": "string", "contentMediaType": media_type} for media_type in media_types}
    return cast(Callable[[Handler], Handler], openapi.response(status, content, description))


# --- the OpenAPI document's building blocks (assembled by server/openapi.py) ----------------------

BEARER = "bearer"  # the security scheme of access tokens, declared by the guards of api._access
_MODEL_REF = "pydantic:"
_MODELS: dict[str, tuple[type[BaseModel], JsonSchemaMode]] = {}


def model_ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, str]:
    """A stand-in ``$ref`` to ``model`` that server.openapi replaces with one into components/schemas,
    so that each model is written once (requests in their validation form, responses serialised)."""
    key = f"{mode}:{model.__module__}.{model.__qualname__}"
    _MODELS[key] = (model, mode)
    return {"$ref": _MODEL_REF + key}


def referenced_model(ref: Any) -> tuple[type[BaseModel], JsonSchemaMode] | None:
    """The model and mode behind a stand-in of ``model_ref``; None for any other ``$ref``."""
    if isinstance(ref, str) and ref.startswith(_MODEL_REF):
        return _MODELS[ref.removeprefix(_MODEL_REF)]
    return None


def secured(handler: Handler) -> Handler:
    """Declare in OpenAPI that ``handler`` needs a bearer token (Swagger UI's "Authorize" sends it)."""
    note: Handler = openapi.secured(BEARER)(handler)
    return note


def keep_openapi(inner: Callable[..., Any], outer: Callable[..., Any]) -> None:
    """Move sanic-ext's OpenAPI notes from a wrapped handler to its wrapper (as its own decorators do),
    so that guards may sit anywhere in a route's decorator stack without losing the documentation."""
    store = OperationStore()  # type: ignore[no-untyped-call]
    if inner in store:
        store[outer] = store.pop(inner)
