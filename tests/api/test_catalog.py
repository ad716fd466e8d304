"""The service catalogue over HTTP: search, filters, pages, versions, the cache, and editors' rules."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.audit.models import AuditRecord
from domain.catalog.models import CatalogItem
from domain.org.models import Department, Region
from server.demo import load_regions
from server.demo.catalog import load_catalog
from server.settings import Settings
from tests.api.test_staff import staff_client
from tests.support.apps import client_for, error_code, running
from tests.support.residents import login

ITEMS = "/api/v1/catalog/items"
STAFF_ITEMS = "/api/v1/staff/catalog/items"
DEMO = json.loads((Path(__file__).parents[2] / "server/demo/catalog.json").read_text(encoding="utf-8"))


@pytest.fixture
async def catalogue(client: httpx.AsyncClient) -> AsyncIterator[None]:
    async with demo_catalogue():
        yield


@asynccontextmanager
async def demo_catalogue() -> AsyncIterator[None]:
    """Regions, departments and the demo catalogue, removed afterwards children first.

    The harness empties SQLite tables with one DELETE each, which a region's reference to its
    parent refuses; on PostgreSQL (TRUNCATE ... CASCADE) this clean-up is merely redundant.
    """
    await load_regions()
    await load_catalog()
    try:
        yield
    finally:
        await CatalogItem.all().delete()
        await Department.all().delete()
        for level in ("town", "county", "city", "province"):
            await Region.filter(level=level).delete()


def demo_document(basic_code: str) -> dict[str, Any]:
    document: dict[str, Any] = next(i for i in DEMO["items"] if i["basic_code"] == basic_code)["document"]
    return copy.deepcopy(document)


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await client.get(ITEMS, params={"limit": 100, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def basic_codes(body: dict[str, Any]) -> set[str]:
    return {i["basic_code"] for i in body["items"]}


async def editor(
    client: httpx.AsyncClient, name: str = "editor", scopes: tuple[str, ...] = ("*",)
) -> dict[str, str]:
    return await staff_client(client, name, roles=["catalogue_editor"], scopes=scopes)


def new_item(basic_code: str = "GG9001", **changes: Any) -> dict[str, Any]:
    document = demo_document("GG0003")
    document["name"] = {"zh_Hans": "测试事项甲", "zh_Hant": "測試事項甲", "en": "Test item alpha"}
    document.update(changes)
    return {"basic_code": basic_code, "document": document}


def field_codes(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 422, r.text
    assert error_code(r) == "invalid_input"
    return {f["field"]: f["code"] for f in r.json()["error"]["details"]["fields"]}


# -- search and filters --------------------------------------------------------------------------


@pytest.mark.usefixtures("catalogue")
async def test_chinese_search_matches_part_of_a_name_or_keyword_in_either_script(
    client: httpx.AsyncClient,
) -> None:
    simplified = await search(client, q="公积金")
    traditional = await search(client, q="公積金")

    assert basic_codes(simplified) == {"GG0003", "GG0004", "JF0001"}
    assert basic_codes(traditional) == basic_codes(simplified)
    assert basic_codes(await search(client, q="户口")) == {"QR0001"}  # a keyword, not in the name


@pytest.mark.usefixtures("catalogue")
async def test_english_search_ignores_case_spaces_and_full_width_letters(client: httpx.AsyncClient) -> None:
    expected = {"GG0006", "GG0007", "GG0008"}
    assert basic_codes(await search(client, q="ID card")) == expected
    assert basic_codes(await search(client, q="idcard")) == expected
    assert basic_codes(await search(client, q="ＩＤ　Ｃａｒｄ")) == expected


@pytest.mark.usefixtures("catalogue")
async def test_like_wildcards_in_a_query_are_plain_characters(client: httpx.AsyncClient) -> None:
    assert (await search(client, q="%"))["total"] == 0
    assert (await search(client, q="_"))["total"] == 0


@pytest.mark.usefixtures("catalogue")
async def test_each_filter_narrows_the_list(client: httpx.AsyncClient) -> None:
    assert basic_codes(await search(client, department="qy-housing-fund")) == {"GG0003", "GG0004", "JF0001"}
    assert basic_codes(await search(client, theme="provident_fund")) == {"GG0003", "GG0004", "JF0001"}
    assert basic_codes(await search(client, life_event="marriage")) == {"QR0003"}
    assert basic_codes(await search(client, applicant="enterprise")) == {
        "XK0001",
        "XK0002",
        "XK0003",
        "XK0005",
    }
    assert basic_codes(await search(client, theme="social_assistance", q="医疗")) == {"JF0004"}


@pytest.mark.usefixtures("catalogue")
async def test_a_region_filter_shows_what_serves_people_there(client: httpx.AsyncClient) -> None:
    county = basic_codes(await search(client, region="441803"))
    town = basic_codes(await search(client, region="441803100"))

    assert {"JF0004", "GG0019", "GG0003"} <= county  # the county's, its town's, the city's
    assert "JF0005" not in county and "GG0021" not in county  # Shanwei's and Dongguan's are not
    assert {"JF0004", "GG0019", "GG0003"} <= town
    chengqu = basic_codes(await search(client, region="441502"))
    assert chengqu == {"JF0005", "QR0002", "JF0007", "JF0009", "GG0020"}  # all Shanwei city's


@pytest.mark.usefixtures("catalogue")
async def test_pages_do_not_overlap_and_follow_the_code_order(client: httpx.AsyncClient) -> None:
    everything = await search(client)
    first = await search(client, limit=5, offset=0)
    second = await search(client, limit=5, offset=5)

    assert everything["total"] == first["total"] == second["total"] == len(DEMO["items"]) >= 30
    codes = [i["code"] for i in everything["items"]]
    assert [i["code"] for i in first["items"] + second["items"]] == codes[:10] == sorted(codes)[:10]
    assert (await search(client, offset=1000))["items"] == []


@pytest.mark.usefixtures("catalogue")
async def test_names_follow_the_callers_language(client: httpx.AsyncClient) -> None:
    params = {"q": "出生登记"}
    hans = (await client.get(ITEMS, params=params)).json()["items"][0]
    hant = (await client.get(ITEMS, params=params, headers={"Accept-Language": "zh-TW"})).json()["items"][0]
    en = (await client.get(ITEMS, params=params, headers={"Accept-Language": "en"})).json()["items"][0]

    assert (hans["name"], hant["name"], en["name"]) == ("出生登记", "出生登記", "Birth registration")
    assert en["department"] == {"code": "qy-public-security", "name": "Qingyuan Public Security Bureau"}


@pytest.mark.usefixtures("catalogue")
async def test_the_item_guide_is_localised_down_to_the_form(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{ITEMS}/QR0001-441800", headers={"Accept-Language": "en"})

    assert r.status_code == 200
    item = r.json()
    assert item["version"] == item["current_version"] == 1
    document = item["document"]
    assert document["name"] == "Birth registration" and document["workflow"] == "standard"
    fields = {f["key"]: f for f in document["form"]["fields"]}
    assert fields["child_gender"]["options"][0]["label"] == "Female"
    assert fields["marriage_certificate_number"]["show_if"] == {
        "field": "parents_married",
        "op": "eq",
        "value": True,
    }
    assert {m["code"]: m["certificate_type"] for m in document["materials"]}["birth_medical_certificate"] == (
        "birth_medical_certificate"
    )


@pytest.mark.usefixtures("catalogue")
async def test_high_frequency_items_come_in_their_curated_order(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/catalog/high-frequency")

    ranked = sorted(
        (i for i in DEMO["items"] if i["high_frequency_rank"]), key=lambda i: i["high_frequency_rank"]
    )
    assert [i["basic_code"] for i in r.json()["items"]] == [i["basic_code"] for i in ranked]
    assert [i["basic_code"] for i in r.json()["items"]][:3] == ["GG0001", "GG0003", "QR0001"]


@pytest.mark.usefixtures("catalogue")
async def test_themes_count_their_published_items(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/catalog/themes", headers={"Accept-Language": "en"})

    themes = {t["code"]: t for t in r.json()["themes"]}
    assert themes["provident_fund"] == {
        "code": "provident_fund",
        "name": "Housing provident fund",
        "items": 3,
    }
    assert {e["code"]: e["items"] for e in r.json()["life_events"]}["marriage"] == 1
    # The app's department and region filters: those with published items, named in English.
    departments = {d["code"]: d for d in r.json()["departments"]}
    assert departments["sw-disabled-persons"]["name"] == "Shanwei Disabled Persons' Federation"
    assert sum(d["items"] for d in departments.values()) == sum(g["items"] for g in r.json()["regions"]) > 30


@pytest.mark.usefixtures("catalogue")
async def test_aid_schemes_and_fees_are_in_the_demo_catalogue(client: httpx.AsyncClient) -> None:
    medical = (await client.get(f"{ITEMS}/JF0004-441803")).json()
    rehab = (await client.get(f"{ITEMS}/JF0005-441500")).json()
    licence = (await client.get(f"{ITEMS}/XK0001-441800")).json()

    assert medical["document"]["workflow"] == "medical_aid"
    assert rehab["document"]["workflow"] == "rehabilitation_aid"
    assert licence["document"]["applicant_kinds"] == ["enterprise"]
    assert {i["basic_code"]: i["fee_fen"] for i in (await search(client, q="身份证"))["items"]}[
        "GG0006"
    ] == 2000


# -- bad input from residents --------------------------------------------------------------------


BAD_QUERIES: list[tuple[dict[str, str], str, str]] = [
    ({"limit": "0"}, "limit", "too_small"),
    ({"limit": "101"}, "limit", "too_large"),
    ({"offset": "-1"}, "offset", "too_small"),
    ({"limit": "many"}, "limit", "wrong_type"),
    ({"applicant": "robot"}, "applicant", "not_allowed"),
    ({"region": "Qingyuan"}, "region", "bad_format"),
    ({"department": "QY SERVICE"}, "department", "bad_format"),
    ({"theme": "Health!"}, "theme", "bad_format"),
    ({"q": "x" * 65}, "q", "too_long"),
    ({"q": "公积\x00金"}, "q", "bad_characters"),
]


async def test_each_bad_query_parameter_has_its_own_code(client: httpx.AsyncClient) -> None:
    # One app for all cases (each case is a request, not a fixture): the failures are listed together.
    wrong = {}
    for params, field, code in BAD_QUERIES:
        r = await client.get(ITEMS, params=params)
        if r.status_code != 422 or field_codes(r) != {field: code}:
            wrong[str(params)[:40]] = (r.status_code, r.text[:200])
    assert not wrong


@pytest.mark.usefixtures("catalogue")
async def test_an_unknown_region_or_item_is_refused_clearly(client: httpx.AsyncClient) -> None:
    assert error_code(await client.get(ITEMS, params={"region": "999999"})) == "catalog_region_unknown"
    for code in ("GG0001-441803", "not-a-code", "GG0001-441800%00", "x" * 300):
        r = await client.get(f"{ITEMS}/{code}")
        assert r.status_code == 404 and error_code(r) == "catalog_item_not_found", code
    r = await client.get(f"{ITEMS}/GG0001-441800", params={"version": "0"})
    assert field_codes(r) == {"version": "too_small"}
    r = await client.get(f"{ITEMS}/GG0001-441800", params={"version": "2"})
    assert r.status_code == 404 and error_code(r) == "catalog_version_not_found"


# -- editing, versions and the cache -------------------------------------------------------------


@pytest.mark.usefixtures("catalogue")
async def test_an_older_version_stays_readable_after_a_new_one_is_published(
    client: httpx.AsyncClient,
) -> None:
    headers = await editor(client)
    document = demo_document("QR0001")
    document["name"]["zh_Hans"] = "新生儿出生登记"

    added = await client.post(
        f"{STAFF_ITEMS}/QR0001-441800/versions",
        json={"base_version": 1, "document": document},
        headers=headers,
    )
    assert added.status_code == 201 and added.json()["number"] == 2 and added.json()["published_at"] is None
    # Until published, residents still see version 1, and the draft is not readable by number.
    assert (await client.get(f"{ITEMS}/QR0001-441800")).json()["name"] == "出生登记"
    assert (
        error_code(await client.get(f"{ITEMS}/QR0001-441800", params={"version": 2}))
        == "catalog_version_not_found"
    )

    published = await client.post(f"{STAFF_ITEMS}/QR0001-441800/publish", headers=headers)
    assert published.status_code == 200 and published.json()["current_version"] == 2

    current = (await client.get(f"{ITEMS}/QR0001-441800")).json()
    pinned = (await client.get(f"{ITEMS}/QR0001-441800", params={"version": 1})).json()
    assert (current["version"], current["document"]["name"]) == (2, "新生儿出生登记")
    assert (pinned["version"], pinned["current_version"], pinned["document"]["name"]) == (1, 2, "出生登记")


@pytest.mark.usefixtures("catalogue")
async def test_reads_are_cached_and_every_edit_invalidates_them(client: httpx.AsyncClient) -> None:
    headers = await editor(client)
    assert basic_codes(await search(client, q="公积金")) == {"GG0003", "GG0004", "JF0001"}
    # A change behind the service's back is not seen: the answer comes from the cache...
    await CatalogItem.filter(basic_code="GG0004").update(search_text="nothing")
    assert basic_codes(await search(client, q="公积金")) == {"GG0003", "GG0004", "JF0001"}

    # ...until an edit through the service bumps the generation (here: retiring another item).
    r = await client.post(f"{STAFF_ITEMS}/JF0001-441800/retire", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "retired"

    assert basic_codes(await search(client, q="公积金")) == {"GG0003"}
    hf = [i["basic_code"] for i in (await client.get("/api/v1/catalog/high-frequency")).json()["items"]]
    assert "JF0001" not in hf


@pytest.mark.usefixtures("catalogue")
async def test_a_retired_item_is_not_listed_but_its_versions_stay_readable(client: httpx.AsyncClient) -> None:
    headers = await editor(client)
    await client.post(f"{STAFF_ITEMS}/GG0013-441803/retire", headers=headers)

    assert "GG0013" not in basic_codes(await search(client))
    r = await client.get(f"{ITEMS}/GG0013-441803", params={"version": 1})
    assert r.status_code == 200 and r.json()["status"] == "retired"
    again = await client.post(f"{STAFF_ITEMS}/GG0013-441803/retire", headers=headers)
    assert again.status_code == 409 and error_code(again) == "catalog_item_retired"
    # Publishing again brings it back.
    assert (await client.post(f"{STAFF_ITEMS}/GG0013-441803/publish", headers=headers)).json()[
        "status"
    ] == "published"
    assert "GG0013" in basic_codes(await search(client))


@pytest.mark.usefixtures("catalogue")
async def test_an_editor_creates_a_draft_that_residents_only_see_once_published(
    client: httpx.AsyncClient,
) -> None:
    headers = await editor(client)

    r = await client.post(STAFF_ITEMS, json={**new_item(), "high_frequency_rank": 1}, headers=headers)

    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{STAFF_ITEMS}/GG9001-441800"
    assert (r.json()["code"], r.json()["status"], r.json()["current_version"]) == (
        "GG9001-441800",
        "draft",
        None,
    )
    assert error_code(await client.get(f"{ITEMS}/GG9001-441800")) == "catalog_item_not_found"
    assert "GG9001" not in basic_codes(await search(client, q="测试"))
    drafts = (await client.get(STAFF_ITEMS, params={"status": "draft"}, headers=headers)).json()
    assert [i["code"] for i in drafts["items"]] == ["GG9001-441800"]

    await client.post(f"{STAFF_ITEMS}/GG9001-441800/publish", headers=headers)

    assert basic_codes(await search(client, q="测试事项")) == {"GG9001"}
    hf = (await client.get("/api/v1/catalog/high-frequency")).json()["items"]
    assert hf[0]["basic_code"] in {"GG9001", "GG0001"}  # both rank 1; the code breaks the tie
    detail = (await client.get(f"{STAFF_ITEMS}/GG9001-441800", headers=headers)).json()
    assert [v["number"] for v in detail["versions"]] == [1]


@pytest.mark.usefixtures("catalogue")
async def test_every_edit_is_audited(client: httpx.AsyncClient) -> None:
    headers = await editor(client)
    await client.post(STAFF_ITEMS, json=new_item(), headers=headers)
    await client.post(f"{STAFF_ITEMS}/GG9001-441800/publish", headers=headers)
    await client.post(
        f"{STAFF_ITEMS}/GG9001-441800/versions",
        json={"base_version": 1, "document": new_item()["document"]},
        headers=headers,
    )
    await client.put(f"{STAFF_ITEMS}/GG9001-441800/rank", json={"rank": 3}, headers=headers)
    await client.post(f"{STAFF_ITEMS}/GG9001-441800/retire", headers=headers)

    actions = (
        await AuditRecord.filter(target_id="GG9001-441800").order_by("id").values_list("action", "actor_kind")
    )
    assert actions == [
        ("catalog.item_created", "staff"),
        ("catalog.item_published", "staff"),
        ("catalog.version_added", "staff"),
        ("catalog.rank_set", "staff"),
        ("catalog.item_retired", "staff"),
    ]


@pytest.mark.usefixtures("catalogue")
async def test_a_retried_create_with_the_same_idempotency_key_is_replayed(client: httpx.AsyncClient) -> None:
    headers = {**await editor(client), "Idempotency-Key": "create-gg9001-0001"}

    first = await client.post(STAFF_ITEMS, json=new_item(), headers=headers)
    second = await client.post(STAFF_ITEMS, json=new_item(), headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await CatalogItem.filter(basic_code="GG9001").count() == 1


# -- who may edit -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("catalogue")
async def test_only_catalogue_editors_of_the_items_department_may_edit(client: httpx.AsyncClient) -> None:
    resident = await login(client, "alice")
    scanner = await staff_client(client, "scanner", roles=["scanner"], scopes=["*"])
    fund_editor = await editor(client, "fund.editor", scopes=("qy-housing-fund",))

    assert (await client.post(STAFF_ITEMS, json=new_item())).status_code == 401
    assert (await client.post(STAFF_ITEMS, json=new_item(), headers=resident.headers)).status_code == 401
    r = await client.post(STAFF_ITEMS, json=new_item(), headers=scanner)
    assert r.status_code == 403 and error_code(r) == "staff_role_required"
    # The document names qy-housing-fund's item... in another department: refused.
    other = new_item(department="qy-hrss")
    r = await client.post(STAFF_ITEMS, json=other, headers=fund_editor)
    assert r.status_code == 403 and error_code(r) == "staff_scope_required"
    for action in ("publish", "retire"):
        r = await client.post(f"{STAFF_ITEMS}/GG0001-441800/{action}", headers=fund_editor)
        assert error_code(r) == "staff_scope_required", action
    r = await client.get(f"{STAFF_ITEMS}/GG0001-441800", headers=fund_editor)
    assert error_code(r) == "staff_scope_required"

    # In their own department they may, and their list shows only it.
    assert (await client.post(STAFF_ITEMS, json=new_item(), headers=fund_editor)).status_code == 201
    listed = (await client.get(STAFF_ITEMS, headers=fund_editor)).json()
    assert {i["department_code"] for i in listed["items"]} == {"qy-housing-fund"}
    assert listed["total"] == 4


# -- bad input from editors ------------------------------------------------------------------------


def _with_field(**field: Any) -> dict[str, Any]:
    body = new_item()
    base = {"key": "extra", "type": "text", "label": {"zh_Hans": "额外", "zh_Hant": "額外", "en": "Extra"}}
    body["document"]["form"]["fields"].append({**base, **field})
    return body


def _certificate_printing(**field: Any) -> dict[str, Any]:
    body = _with_field(**field)
    body["document"].update(result_certificate_type="residence_permit", certificate_fields=["extra"])
    return body


def _deep_condition(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = {"field": "purpose", "op": "present"}
    for _ in range(depth):
        condition = {"all": [condition]}
    return condition


def _changed(path: str, value: Any) -> dict[str, Any]:
    body = new_item()
    target = body["document"]
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    target[last] = value
    return body


BAD_DOCUMENTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no document", {"basic_code": "GG9001"}, "document", "required"),
    ("lower-case code", new_item(basic_code="gg9001"), "basic_code", "bad_format"),
    ("unknown category", new_item(basic_code="ZZ9001"), "basic_code", "bad_format"),
    ("unknown field", {**new_item(), "colour": "red"}, "colour", "unknown_field"),
    (
        "name missing a locale",
        _changed("name", {"zh_Hans": "甲", "zh_Hant": "甲"}),
        "document.name.en",
        "required",
    ),
    ("empty name", _changed("name.en", ""), "document.name.en", "too_short"),
    ("depth 5", _changed("online_depth", 5), "document.online_depth", "too_large"),
    ("negative fee", _changed("fee_fen", -1), "document.fee_fen", "too_small"),
    ("level 6", _changed("min_identity_level", 6), "document.min_identity_level", "too_large"),
    ("no applicant kind", _changed("applicant_kinds", []), "document.applicant_kinds", "too_short"),
    ("robot applicant", _changed("applicant_kinds", ["robot"]), "document.applicant_kinds.0", "not_allowed"),
    ("bad region", _changed("region", "44"), "document.region", "bad_format"),
    ("unknown theme", _changed("themes", ["fishing"]), "document.themes", "catalog_theme_unknown"),
    (
        "unknown life event",
        _changed("life_events", ["moon"]),
        "document.life_events",
        "catalog_theme_unknown",
    ),
    ("promised > legal", _changed("promised_days", 9), "document", "promised_exceeds_legal"),
    (
        "zero visits, many visits",
        _changed("at_most_one_visit", False),
        "document",
        "zero_visit_needs_at_most_one",
    ),
    (
        "applicant twice",
        _changed("applicant_kinds", ["self", "self"]),
        "document",
        "duplicate_applicant_kind",
    ),
    (
        "optional material tolerated",
        _changed(
            "materials",
            [
                {
                    "code": "x",
                    "name": {"zh_Hans": "甲", "zh_Hant": "甲", "en": "A"},
                    "required": False,
                    "tolerated": True,
                }
            ],
        ),
        "document.materials.0",
        "tolerated_needs_required",
    ),
    ("duplicate key", _with_field(key="purpose"), "document.form", "duplicate_key"),
    ("select without options", _with_field(type="select"), "document.form.fields.1", "options_required"),
    (
        "options on text",
        _with_field(options=[{"value": "a", "label": {"zh_Hans": "甲", "zh_Hant": "甲", "en": "A"}}]),
        "document.form.fields.1",
        "options_not_allowed",
    ),
    ("bad regex", _with_field(pattern="(unclosed"), "document.form.fields.1", "pattern_invalid"),
    (
        "pattern on a number",
        _with_field(type="number", pattern="\\d+"),
        "document.form.fields.1",
        "pattern_not_allowed",
    ),
    (
        "date bound not a date",
        _with_field(type="date", min="yesterday"),
        "document.form.fields.1",
        "bound_not_allowed",
    ),
    (
        "default on a text field",
        _with_field(default=False),
        "document.form.fields.1",
        "default_not_allowed",
    ),
    (
        "money bound in part of a fen",
        _with_field(type="money", min=0.5),
        "document.form.fields.1",
        "bound_not_allowed",
    ),
    (
        "bounds inverted",
        _with_field(type="number", min=5, max=1),
        "document.form.fields.1",
        "bounds_inverted",
    ),
    (
        "show_if below",
        _with_field(show_if={"field": "later", "op": "present"}),
        "document.form",
        "show_if_unknown_field",
    ),
    (
        "in without a list",
        _with_field(show_if={"field": "purpose", "op": "in", "value": "a"}),
        "document.form.fields.1.show_if",
        "condition_needs_list",
    ),
    (
        "unknown op",
        _with_field(show_if={"field": "purpose", "op": "like", "value": "a"}),
        "document.form.fields.1.show_if",
        "not_allowed",
    ),
    ("absurd nesting", _changed("instant_rules", _deep_condition(40)), "document", "too_deep"),
    (
        "unknown result certificate",
        _changed("result_certificate_type", "moon_permit"),
        "document.result_certificate_type",
        "certificate_type_unknown",
    ),
    (
        "unknown certificate for a material",
        _changed(
            "materials",
            [
                {
                    "code": "x",
                    "name": {"zh_Hans": "甲", "zh_Hant": "甲", "en": "A"},
                    "certificate_type": "moon_permit",
                }
            ],
        ),
        "document.materials.0.certificate_type",
        "certificate_type_unknown",
    ),
    (
        "certificate field unknown",
        _changed("certificate_fields", ["nope"]),
        "document",
        "certificate_field_unknown",
    ),
    (
        "certificate field without a certificate",
        _changed("certificate_fields", ["purpose"]),
        "document",
        "certificate_fields_without_type",
    ),
    (
        "phone printed on a certificate",
        _certificate_printing(type="phone"),
        "document",
        "certificate_field_personal",
    ),
]


@pytest.mark.usefixtures("catalogue")
async def test_each_bad_document_is_refused_with_its_own_code(client: httpx.AsyncClient) -> None:
    headers = await editor(client)
    wrong = {}
    for case, payload, field, code in BAD_DOCUMENTS:
        r = await client.post(STAFF_ITEMS, json=payload, headers=headers)
        codes = field_codes(r) if r.status_code == 422 else {}
        # pydantic names a failed union member in the path: compare on the start of the path.
        if not any(f.startswith(field) and c == code for f, c in codes.items()):
            wrong[case] = (r.status_code, codes or r.text[:200])
    assert not wrong
    assert await CatalogItem.filter(basic_code="GG9001").count() == 0


@pytest.mark.usefixtures("catalogue")
async def test_editing_conflicts_get_their_own_codes(client: httpx.AsyncClient) -> None:
    headers = await editor(client)
    document = demo_document("GG0003")

    r = await client.post(STAFF_ITEMS, json={"basic_code": "GG0003", "document": document}, headers=headers)
    assert r.status_code == 409 and error_code(r) == "catalog_item_exists"
    r = await client.post(STAFF_ITEMS, json=new_item(department="qy-nowhere"), headers=headers)
    assert r.status_code == 422 and error_code(r) == "catalog_department_unknown"
    r = await client.post(STAFF_ITEMS, json=new_item(region="441899"), headers=headers)
    assert r.status_code == 422 and error_code(r) == "catalog_region_unknown"

    path = f"{STAFF_ITEMS}/GG0003-441800/versions"
    assert (
        await client.post(path, json={"base_version": 1, "document": document}, headers=headers)
    ).status_code == 201
    r = await client.post(path, json={"base_version": 1, "document": document}, headers=headers)
    assert r.status_code == 409 and error_code(r) == "catalog_version_stale"
    assert r.json()["error"]["details"] == {"base_version": 1, "latest_version": 2}
    moved = {**document, "department": "qy-hrss"}
    r = await client.post(path, json={"base_version": 2, "document": moved}, headers=headers)
    assert r.status_code == 422 and error_code(r) == "catalog_identity_changed"

    await client.post(f"{STAFF_ITEMS}/GG0003-441800/publish", headers=headers)
    r = await client.post(f"{STAFF_ITEMS}/GG0003-441800/publish", headers=headers)
    assert r.status_code == 409 and error_code(r) == "catalog_nothing_to_publish"
    r = await client.post(f"{STAFF_ITEMS}/GG0404-441800/publish", headers=headers)
    assert r.status_code == 404 and error_code(r) == "catalog_item_not_found"
    r = await client.put(f"{STAFF_ITEMS}/GG0003-441800/rank", json={"rank": 0}, headers=headers)
    assert field_codes(r) == {"rank": "too_small"}
    r = await client.post(STAFF_ITEMS, content=b"{not json", headers=headers)
    assert r.status_code == 400 and error_code(r) == "malformed_json"


async def test_with_the_embedded_redis_an_edit_is_seen_at_once_though_the_generation_is_remembered(
    settings: Settings,
) -> None:
    # The embedded default remembers the cache generation in the process (no Redis read per hit);
    # an edit through the service must still make every cached view stale at once.
    embedded = settings.model_copy(update={"redis_url": "memory://"})
    async with demo_catalogue(), running(embedded) as app, client_for(app) as client:
        headers = await editor(client)
        assert basic_codes(await search(client, q="公积金")) == {"GG0003", "GG0004", "JF0001"}
        await CatalogItem.filter(basic_code="GG0004").update(search_text="nothing")
        assert basic_codes(await search(client, q="公积金")) == {"GG0003", "GG0004", "JF0001"}

        r = await client.post(f"{STAFF_ITEMS}/JF0001-441800/retire", headers=headers)
        assert r.status_code == 200

        assert basic_codes(await search(client, q="公积金")) == {"GG0003"}
        hf = (await client.get("/api/v1/catalog/high-frequency")).json()["items"]
        assert "JF0001" not in [i["basic_code"] for i in hf]
