"""Catalogue search with synonyms and abbreviations (issue 12): the words residents type find the
demo catalogue's items named otherwise, in the three languages, and an unrelated query finds nothing."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from domain.catalog.search import forms_of, normalise, synonym_groups
from server.demo import load_regions
from server.demo.catalog import load_catalog
from tests.api.test_staff import staff_client

ITEMS = "/api/v1/catalog/items"
ID_CARD_ITEMS = {"GG0006-441800", "GG0007-441800", "GG0008-441800"}


@pytest.fixture
async def demo_catalogue(db: str) -> None:
    await load_regions()
    await load_catalog()


async def found(client: httpx.AsyncClient, q: str, **headers: str) -> set[str]:
    r = await client.get(ITEMS, params={"q": q, "limit": 100}, headers=headers)
    assert r.status_code == 200, r.text
    return {item["code"] for item in r.json()["items"]}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # 居民身份证: the everyday word, the temporary card, traditional and English
        ("临时身份证", {"GG0008-441800"}),
        ("身份證", ID_CARD_ITEMS),
        ("ID card", ID_CARD_ITEMS),
        ("identity card", ID_CARD_ITEMS),
        # 残疾人证: 残疾证 is what people say
        ("残疾证", {"QR0002-441500"}),
        ("殘疾證", {"QR0002-441500"}),
        ("disability card", {"QR0002-441500"}),
        # 往来港澳通行证
        ("港澳通行證", {"GG0022-441800"}),
        ("HK Macao permit", {"GG0022-441800"}),
        ("two-way permit", {"GG0022-441800"}),
        # abbreviations both ways
        ("医疗保险", {"GG0010-441803", "GG0011-441803"}),
        ("醫療保險", {"GG0010-441803", "GG0011-441803"}),
        ("driver license", {"GG0009-441800"}),
        ("准生证", {"GG0013-441803"}),
        ("暂住证", {"GG0018-441800"}),
        ("结婚证", {"QR0003-441803"}),
        ("跨省就医", {"GG0011-441803"}),
    ],
)
async def test_a_synonym_finds_the_item_named_otherwise(
    client: httpx.AsyncClient, demo_catalogue: None, q: str, expected: set[str]
) -> None:
    assert await found(client, q) == expected


async def test_social_insurance_and_its_abbreviation_find_the_same_items(
    client: httpx.AsyncClient, demo_catalogue: None
) -> None:
    short = await found(client, "社保")
    assert {"GG0001-441800", "GG0017-441800", "JF0008-441800"} <= short
    assert await found(client, "社会保险") == await found(client, "社會保險") == short
    # English has its own words: the social insurance record and the social security card
    assert {"GG0001-441800", "GG0017-441800"} <= await found(client, "social insurance")
    assert "GG0017-441800" in await found(client, "社保卡")  # 社会保障卡申领


@pytest.mark.parametrize("q", ["火星签证", "xyz", "passport", "潜水执照"])
async def test_an_unrelated_query_finds_nothing(
    client: httpx.AsyncClient, demo_catalogue: None, q: str
) -> None:
    assert await found(client, q) == set()


async def test_catalogue_editors_search_with_the_same_synonyms(
    client: httpx.AsyncClient, demo_catalogue: None
) -> None:
    editor = await staff_client(client, "editor", roles=["catalogue_editor"], scopes=["*"])
    r = await client.get("/api/v1/staff/catalog/items", params={"q": "临时身份证"}, headers=editor)
    assert r.status_code == 200, r.text
    assert [item["code"] for item in r.json()["items"]] == ["GG0008-441800"]


def test_every_synonym_group_has_all_three_languages_and_no_word_is_in_two_groups() -> None:
    import json

    from domain.catalog.search import SYNONYMS

    groups = json.loads(SYNONYMS.read_text(encoding="utf-8"))["groups"]
    assert all(group[locale] for group in groups for locale in ("zh_Hans", "zh_Hant", "en"))
    counts = Counter(word for group in synonym_groups() for word in group)
    assert [word for word, n in counts.items() if n > 1] == []


def test_the_longest_word_of_a_group_is_swapped_and_only_for_words_in_its_script() -> None:
    forms = forms_of(normalise("居民身份证"))
    assert "居民居民身份证" not in forms and "身份证" in forms
    assert set(forms_of(normalise("临时身份证"))) == {
        "临时身份证",
        "临时居民身份证",
        "临时居民身份證",
        "临时二代证",
        "临时身份證",
    }
    assert forms_of("火星签证") == ["火星签证"]
