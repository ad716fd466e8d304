"""The API's own documentation: an OpenAPI 3.1 document at ``/docs/openapi.json`` and Swagger UI at
``/docs``, both served by the app itself (no CDN: the UI's files come from the ``swagger-ui-py``
package), so the docs work offline and inside China.

Routes describe themselves with sanic-ext's decorators (``openapi.summary``, ``.tag``,
``.parameter``) and ours (``api._kit.body``/``documented`` name pydantic models,
``api._access`` guards declare the bearer scheme). This module builds the document from the app's
own router, once per app, and makes it valid for the version it declares:

- OpenAPI 3.1, whose Schema Object *is* JSON Schema 2020-12, so pydantic's schemas are used as
  they are (3.0.3 would need them rewritten: ``anyOf`` with null, ``const``, numeric
  ``exclusiveMinimum``...);
- every model lives once in ``components/schemas`` (pydantic's ``$defs`` hoisted there, names
  disambiguated by pydantic across all models), request bodies in their validation form and
  responses in their serialised form;
- path parameters typed from the route's own pattern (``<id:id>`` an integer from 1);
- every operation documents the error responses, in the one error shape
  (``api._errors.ErrorOut``), and protected operations declare ``security`` so that Swagger UI's
  "Authorize" sends the token.

``tests/test_openapi.py`` validates the document with openapi-spec-validator, and
``tests/test_api_fuzz.py`` runs schemathesis against it as published.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import swagger_ui
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from sanic import HTTPResponse, Request, Sanic, html, json
from sanic.exceptions import NotFound
from sanic.response import file
from sanic_ext import openapi
from sanic_ext.extensions.openapi.autodoc import YamlStyleParametersParser
from sanic_ext.extensions.openapi.builders import OperationBuilder, OperationStore
from sanic_ext.utils.route import clean_route_name

from api._errors import ERROR_RESPONSES, ErrorOut
from api._kit import BEARER, referenced_model

TITLE = "PalmCity API"
VERSION = "1.0.0"
DESCRIPTION = (
    "PalmCity (掌上城市): the citizen super-app backend.\n\n"
    '**Errors** are always `{"error": {"code", "message", "details"}, "request_id"}`, the '
    "message in the caller's language (`Accept-Language`, or the saved preference); switch on `code`.\n\n"
    "**Authenticate** with `Authorization: Bearer <access_token>`: a resident's from "
    '`POST /api/v1/auth/wechat/login` (in the sandbox, `{"code": "dev:<any name>"}` logs in as '
    "that name), a staff member's from `POST /api/v1/staff/auth/login` (demo accounts: README). "
    "Press *Authorize* and paste the `access_token`."
)

PREFIX = "/docs"
DOCUMENT_PATH = f"{PREFIX}/openapi.json"
ASSETS = Path(swagger_ui.__file__).parent / "static"
# What the page loads; the package's other files (Swagger Editor's bundles) are not served.
ASSET_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js"})

# Route parameter types (sanic's built-in labels, and `id` registered in server.main) as JSON Schema.
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    # server.main's `<name:id>`: a database id of 1 to 18 digits (so never beyond a BIGINT).
    "id": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "str": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "strorempty": {"type": "string", "pattern": "^[^/]*$"},
    "alpha": {"type": "string", "pattern": "^[A-Za-z]+$"},
    "slug": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"},
    "uuid": {"type": "string", "format": "uuid"},
    "ymd": {"type": "string", "format": "date"},
    "path": {"type": "string"},
}
_PARAMETER = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)(?::[^>]*)?>")
_NO_BODY = {"204", "304"}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>PalmCity API</title>
  <link rel="stylesheet" href="{prefix}/assets/swagger-ui.css">
  <style>body {{ margin: 0 }}</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{prefix}/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{document}",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      displayRequestDuration: true,
      // No validator badge: it would send the document to swagger.io.
      validatorUrl: null,
      // The base layout: no top bar offering to load other documents from other addresses.
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    }})
  </script>
</body>
</html>
"""


def install(app: Sanic[Any, Any]) -> None:
    """Serve ``/docs`` (Swagger UI), its assets and ``/docs/openapi.json`` from the app."""

    @app.get(PREFIX, name="docs")
    @openapi.exclude()
    async def docs(request: Request) -> HTTPResponse:
        return html(_PAGE.format(prefix=PREFIX, document=DOCUMENT_PATH))

    @app.get(f"{PREFIX}/assets/<name:str>", name="docs_asset")
    @openapi.exclude()
    async def docs_asset(request: Request, name: str) -> HTTPResponse:
        if name not in ASSET_FILES:
            raise NotFound()
        return await file(ASSETS / name, headers={"Cache-Control": "public, max-age=86400"})

    @app.get(DOCUMENT_PATH, name="docs_document")
    @openapi.exclude()
    async def docs_document(request: Request) -> HTTPResponse:
        document = getattr(request.app.ctx, "openapi_document", None)
        if document is None:  # built on first use: the router is final by then
            document = request.app.ctx.openapi_document = build_document(request.app)
        return json(document, ensure_ascii=False)


def build_document(app: Sanic[Any, Any]) -> dict[str, Any]:
    """The app's OpenAPI 3.1 document, from its router and the routes' notes."""
    models = _Models()
    paths: dict[str, dict[str, Any]] = {}
    tags: set[str] = set()
    for route in sorted(app.router.routes, key=lambda r: r.path):
        if getattr(route.extra, "static", False):
            continue
        noted: OperationBuilder | None = OperationStore().get(route.handler)  # type: ignore[no-untyped-call]
        if noted is not None and noted._exclude:
            continue
        uri = "/" + _PARAMETER.sub(r"{\1}", route.path)
        for method in sorted(route.methods):
            operation = _operation(route, method, noted or OperationBuilder(), models)  # type: ignore[no-untyped-call]
            tags.update(operation.get("tags", ()))
            paths.setdefault(uri, {})[method.lower()] = operation
    components: dict[str, Any] = {
        "schemas": models.schemas(),
        "responses": {
            str(status): {
                "description": description,
                "content": {"application/json": {"schema": models.ref(ErrorOut, "serialization")}},
            }
            for status, description in ERROR_RESPONSES.items()
        },
        "securitySchemes": {
            BEARER: {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An access token from a resident or staff login.",
            }
        },
    }
    # Refs were handed out as placeholders while the operations were built; now they have names.
    document = models.resolve(
        {
            "openapi": "3.1.0",
            "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
            "tags": [{"name": tag} for tag in sorted(tags)],
            "paths": paths,
            "components": components,
        }
    )
    return document  # type: ignore[no-any-return]


def _operation(route: Any, method: str, noted: OperationBuilder, models: _Models) -> dict[str, Any]:
    name = route.name.split(".", 1)[-1]
    operation: dict[str, Any] = {"operationId": f"{method.lower()}~{name}", "summary": clean_route_name(name)}
    docstring = route.handler.__doc__
    if docstring and noted._allow_autodoc:
        autodoc = YamlStyleParametersParser(docstring).to_openAPI_3()
        operation.update({k: v for k, v in autodoc.items() if v})
    operation.update(noted.build().serialize())  # type: ignore[no-untyped-call]
    if not noted.tags:
        blueprint = name.split(".")[0] if "." in name else "system"
        operation["tags"] = [blueprint]
    operation["parameters"] = _path_parameters(route) + [
        p for p in operation.get("parameters", []) if p.get("in") != "path"
    ]
    if not operation["parameters"]:
        del operation["parameters"]
    responses = {str(status): response for status, response in operation["responses"].items()}
    responses.pop("default", None)  # sanic-ext's "OK" stand-in; every route documents its own success
    for status, response in responses.items():
        if status in _NO_BODY:
            response.pop("content", None)
    for error in ERROR_RESPONSES:  # a route's own answer for a status (e.g. a provider's 401) stays
        responses.setdefault(str(error), {"$ref": f"#/components/responses/{error}"})
    operation["responses"] = dict(sorted(responses.items()))
    if noted.security:
        # One requirement per scheme, however many guards declared it.
        unique = {tuple(sorted(s)): s for s in noted.security}
        operation["security"] = list(unique.values())
    return operation


def _path_parameters(route: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": param.name,
            "in": "path",
            "required": True,
            "schema": dict(PATH_SCHEMAS.get(param.label, {"type": "string"})),
        }
        for param in route.params.values()
    ]


class _Models:
    """The pydantic models the document names, turned into ``components/schemas`` in one go."""

    def __init__(self) -> None:
        self._wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = []
        self._refs: dict[Any, dict[str, Any]] | None = None
        self._schemas: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        self._wanted.append((model, mode))
        return {"$ref": f"pending:{len(self._wanted) - 1}"}

    def schemas(self) -> dict[str, Any]:
        return self._schemas

    def resolve(self, node: Any) -> Any:
        """Replace the placeholders of ``api._kit`` and of ``ref`` with refs into components."""
        self._collect(node)
        unique = list(dict.fromkeys(self._wanted))
        refs, top = models_json_schema(unique, ref_template="#/components/schemas/{model}")
        self._schemas.update(dict(sorted(top.get("$defs", {}).items())))
        self._refs = dict(refs)
        return self._replace(node)

    def _collect(self, node: Any) -> None:
        if isinstance(node, dict):
            found = referenced_model(node.get("$ref"))
            if found is not None:
                self._wanted.append(found)
            for value in node.values():
                self._collect(value)
        elif isinstance(node, list):
            for value in node:
                self._collect(value)

    def _replace(self, node: Any) -> Any:
        assert self._refs is not None
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("pending:"):
                return dict(self._refs[self._wanted[int(ref.removeprefix("pending:"))]])
            found = referenced_model(ref)
            if found is not None:
                return dict(self._refs[found])
            return {key: self._replace(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self._replace(value) for value in node]
        return node
