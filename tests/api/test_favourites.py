"""Favourite items (收藏): kept per resident on the server, listed as the catalogue lists items."""

from __future__ import annotations

import httpx
import pytest

from domain.catalog.models import CatalogItem, ItemStatus
from domain.favourites.models import MAX_FAVOURITES, FavouriteItem
from tests.api.test_applications import publish_item
from tests.support.apps import error_code
from tests.support.residents import login

FAVOURITES = "/api/v1/me/favourites"


def codes(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [item["code"] for item in r.json()["items"]]


async def test_a_resident_keeps_items_newest_first_and_only_sees_their_own(client: httpx.AsyncClient) -> None:
    first, second = await publish_item("GG0001"), await publish_item("GG0002")
    alice, bob = await login(client, "alice"), await login(client, "bob")

    assert codes(await client.get(FAVOURITES, headers=alice.headers)) == []
    assert codes(await client.put(f"{FAVOURITES}/{first}", headers=alice.headers)) == [first]
    await client.patch("/api/v1/me", json={"locale": "en"}, headers=alice.headers)
    r = await client.put(f"{FAVOURITES}/{second}", headers=alice.headers)
    assert codes(r) == [second, first]
    # Shown as the catalogue lists items: names in the reader's language, the department by name.
    assert r.json()["items"][0]["name"] == "Test item"
    assert r.json()["items"][0]["department"]["code"] == "gz-civil"
    r = await client.get(FAVOURITES, headers={**bob.headers})

    assert codes(r) == []
    assert codes(await client.get(FAVOURITES, headers=alice.headers)) == [second, first]
    await client.patch("/api/v1/me", json={"locale": "zh_Hans"}, headers=alice.headers)
    r = await client.get(FAVOURITES, headers=alice.headers)
    assert r.json()["items"][0]["name"] == "测试事项" and r.json()["items"][0]["department"]["name"] == "部门"


async def test_adding_twice_or_removing_what_is_not_kept_changes_nothing(client: httpx.AsyncClient) -> None:
    code = await publish_item()
    alice = await login(client, "alice")

    assert codes(await client.put(f"{FAVOURITES}/{code}", headers=alice.headers)) == [code]
    assert codes(await client.put(f"{FAVOURITES}/{code}", headers=alice.headers)) == [code]
    assert await FavouriteItem.filter(item_code=code).count() == 1

    assert codes(await client.delete(f"{FAVOURITES}/{code}", headers=alice.headers)) == []
    assert codes(await client.delete(f"{FAVOURITES}/{code}", headers=alice.headers)) == []
    assert codes(await client.delete(f"{FAVOURITES}/NO-SUCH", headers=alice.headers)) == []


async def test_only_published_items_can_be_kept_and_a_retired_one_drops_off(
    client: httpx.AsyncClient,
) -> None:
    code = await publish_item()
    alice = await login(client, "alice")

    r = await client.put(f"{FAVOURITES}/GG9999-440100", headers=alice.headers)
    assert r.status_code == 404 and error_code(r) == "catalog_item_not_found"
    r = await client.put(f"{FAVOURITES}/not a code", headers=alice.headers)
    assert r.status_code == 404 and error_code(r) == "catalog_item_not_found"

    assert codes(await client.put(f"{FAVOURITES}/{code}", headers=alice.headers)) == [code]
    await CatalogItem.filter(code=code).update(status=ItemStatus.RETIRED)
    assert codes(await client.get(FAVOURITES, headers=alice.headers)) == []
    r = await client.put(f"{FAVOURITES}/{code}", headers=alice.headers)
    assert r.status_code == 409 and error_code(r) == "catalog_item_retired"


async def test_a_resident_keeps_at_most_the_limit(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    kept = [await publish_item(f"GG{n:04d}") for n in range(1, MAX_FAVOURITES + 2)]
    for code in kept[:MAX_FAVOURITES]:
        assert (await client.put(f"{FAVOURITES}/{code}", headers=alice.headers)).status_code == 200

    r = await client.put(f"{FAVOURITES}/{kept[-1]}", headers=alice.headers)
    assert r.status_code == 409 and error_code(r) == "favourites_full"
    assert r.json()["error"]["details"] == {"limit": MAX_FAVOURITES}
    assert str(MAX_FAVOURITES) in r.json()["error"]["message"]
    # One already kept is no new one.
    assert (await client.put(f"{FAVOURITES}/{kept[0]}", headers=alice.headers)).status_code == 200


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_favourites_need_a_resident(client: httpx.AsyncClient, method: str) -> None:
    path = FAVOURITES if method == "GET" else f"{FAVOURITES}/GG0001-440100"
    r = await client.request(method, path)
    assert r.status_code == 401
