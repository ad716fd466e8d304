"""The API's own documentation: ``/docs/openapi.json`` is a valid OpenAPI 3.1 document that says
the truth about security, parameters and errors, and ``/docs`` needs nothing from outside the app.

(``tests/test_api_fuzz.py`` checks the answers of every operation against the same document;
``miniprogram/e2e/docs.mjs`` renders ``/docs`` in Chromium with the network blocked.)
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sanic import Sanic

from api._errors import ERROR_RESPONSES
from server.settings import Settings
from tests.support.apps import client_for, running

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
async def roomy_app(settings: Settings) -> AsyncIterator[Sanic]:
    # One client calls every operation here: the per-IP limit would answer 429 half-way.
    async with running(settings, rate_limit_per_ip=100_000, rate_limit_login_per_ip=100_000) as app:
        yield app


@pytest.fixture
async def docs_client(roomy_app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(roomy_app) as c:
        yield c


@pytest.fixture
async def document(docs_client: httpx.AsyncClient) -> dict[str, Any]:
    r = await docs_client.get("/docs/openapi.json")
    assert r.status_code == 200
    published: dict[str, Any] = r.json()
    return published


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


async def test_the_document_is_valid_for_the_version_it_declares(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)  # openapi-spec-validator picks the 3.1 rules from the `openapi` field


async def test_every_reference_resolves_inside_the_document(document: dict[str, Any]) -> None:
    found = set(refs(document))
    assert found, "the document names its schemas by reference"
    for ref in found:
        assert ref.startswith("#/components/"), ref  # no `#/$defs/...` and no stand-ins left
        assert resolve(document, ref) is not None


async def test_path_parameters_are_typed_and_each_one_documented(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
        assert set(declared) == set(re.findall(r"{(\w+)}", path)), f"{method} {path}"
        for parameter in declared.values():
            assert parameter["required"] is True
            assert parameter["schema"]["type"] in {"integer", "string", "number"}, (path, parameter)
    # `<id:id>` routes take database ids: integers from 1
    case = document["paths"]["/api/v1/staff/cases/{request_id}"]["get"]
    assert case["parameters"][0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}


async def test_every_operation_documents_its_success_and_every_error(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        statuses = set(operation["responses"])
        assert any(s[0] in "23" for s in statuses), f"{method} {path} documents no success"
        assert {str(s) for s in ERROR_RESPONSES} <= statuses, f"{method} {path}"
    error = document["components"]["responses"]["422"]["content"]["application/json"]["schema"]
    shape = resolve(document, error["$ref"])
    assert set(shape["required"]) == {"error", "request_id"}
    detail = resolve(document, shape["properties"]["error"]["$ref"])
    assert set(detail["required"]) == {"code", "message", "details"}


async def test_an_error_answer_has_the_documented_shape(
    document: dict[str, Any], docs_client: httpx.AsyncClient
) -> None:
    documented = document["components"]["responses"]["404"]["content"]["application/json"]["schema"]
    r = await docs_client.get("/api/v1/staff/cases/12345", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    Draft202012Validator({**document, **documented}).validate(r.json())


def _example_path(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = "1" if parameter["schema"]["type"] == "integer" else "x"
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


async def test_security_is_declared_exactly_where_a_token_is_required(
    document: dict[str, Any], docs_client: httpx.AsyncClient
) -> None:
    """Without a token, a protected operation answers 401 `unauthenticated` and a public one does not:
    so Swagger UI's Authorize sends the token wherever it is needed, and nowhere it is not."""
    wrong = []
    for path, method, operation in operations(document):
        r = await docs_client.request(method, _example_path(path, operation), json={})
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        refused = r.status_code == 401 and (body.get("error") or {}).get("code") == "unauthenticated"
        declared = operation.get("security") == [{"bearer": []}]
        if refused != declared:
            wrong.append(f"{method.upper()} {path}: {r.status_code}, security {operation.get('security')}")
    assert not wrong, "\n".join(wrong)
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from a resident or staff login.",
    }


async def test_docs_page_and_its_assets_come_from_the_app(docs_client: httpx.AsyncClient) -> None:
    page = await docs_client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "http:" not in page.text and "https:" not in page.text  # nothing from a CDN
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(loaded) == 2
    for url in loaded:
        assert url.startswith("/docs/assets/"), url
        asset = await docs_client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 10_000
        kind = "text/css" if url.endswith(".css") else "javascript"
        assert kind in asset.headers["content-type"], url
    # only what the page loads is served from the package
    assert (await docs_client.get("/docs/assets/swagger-editor-bundle.js")).status_code == 404
    assert (await docs_client.get("/docs/assets/..%2Fcore.py")).status_code == 404


async def test_a_refused_method_names_the_allowed_ones(docs_client: httpx.AsyncClient) -> None:
    """RFC 9110's `Allow` on every 405, also where several routes share a path (found by the fuzzer:
    Sanic's router names none there)."""
    shared = await docs_client.request("TRACE", "/api/v1/applications/1")
    assert shared.status_code == 405
    assert shared.headers["allow"] == "GET, PATCH"
    assert shared.json()["error"]["code"] == "method_not_allowed"
    single = await docs_client.post("/healthz")
    assert (single.status_code, single.headers["allow"]) == (405, "GET")
