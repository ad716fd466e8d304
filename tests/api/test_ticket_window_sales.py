"""The window's sales found again: the list of a day's sales (newest first, paginated, masked, with
the seller and whether each can still be cancelled) and one sale by its number, a ticket's number
or the visitor's ID number (the blind index); refused to other spots' sellers and to scanners, and
bad input answered 4xx with its code, never 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from domain.shared import clock
from domain.tourism import tickets
from domain.tourism.models import Spot, TicketOrder
from server.settings import Settings
from tests.api.test_ticket_window import (
    DAY,
    MORNING,
    at_counter,
    last_slot,
    sales,
    small_spot,
    staff,
    window_ticket,
)
from tests.api.test_tickets import id_card, someone, visitor


@pytest.fixture(autouse=True)
def vault(settings: Settings) -> None:
    """The settings fixture installs the PII vault the documents' blind index needs."""


@pytest.fixture(autouse=True)
def morning() -> Any:
    with clock.frozen_at(MORNING):
        yield


def lookup(spot: Spot) -> str:
    return f"{sales(spot)}/lookup"


async def sell(
    client: httpx.AsyncClient, spot: Spot, seller: dict[str, str], serials: list[str], paid_by: str = "cash"
) -> dict[str, Any]:
    slot = await last_slot(spot)  # 11:00: the cash sales can be cancelled after the tests' 09:30
    visitors = [at_counter(dt.date(1990, 1, 1), s, name="李小龙") for s in serials]
    body = {"slot_id": slot.id, "visitors": visitors, "paid_by": paid_by}
    r = await client.post(sales(spot), json=body, headers=seller)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_the_day_s_sales_newest_first_masked_with_seller_and_cancellable(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot()
    r = await client.get(sales(spot), headers=(await staff(client, ["ticket_seller"], spot.code))[1])
    assert (r.status_code, r.json()["items"], r.json()["total"]) == (200, [], 0)  # never sold yet
    seller_id, seller = await staff(client, ["ticket_seller"], spot.code)
    first = await sell(client, spot, seller, ["001", "002"])
    second = await sell(client, spot, seller, ["003"], paid_by="wechat")
    third = await sell(client, spot, seller, ["004"])
    # An attempt refused part-way (its second visitor already holds today's ticket) is no sale.
    slot = await last_slot(spot)
    body = {"slot_id": slot.id, "visitors": [at_counter(dt.date(1990, 1, 1), s) for s in ("005", "001")]}
    r = await client.post(sales(spot), json={**body, "paid_by": "cash"}, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_person_taken")
    assert await TicketOrder.filter(spot_id=spot.id).count() == 4

    r = await client.get(sales(spot), headers={**seller, "Accept-Language": "en"})
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["day"], page["total"], page["limit"], page["offset"]) == (DAY.isoformat(), 3, 20, 0)
    assert [s["id"] for s in page["items"]] == [third["id"], second["id"], first["id"]]
    shown = page["items"][2]
    assert (shown["paid_by"], shown["paid_by_label"], shown["channel"]) == ("cash", "Cash", "window")
    assert (shown["seller_id"], shown["seller_name"], shown["cancellable"]) == (seller_id, "窗口", True)
    assert dt.datetime.fromisoformat(shown["sold_at"]) == MORNING
    assert shown["total_fen"] == 16_000 and shown["payments"] == []
    for ticket in shown["tickets"]:
        assert (ticket["name_masked"], ticket["category"], ticket["amount_fen"]) == ("李**", "adult", 8000)
        assert ticket["document_masked"].startswith("4418") and "*" in ticket["document_masked"]
        assert ticket["state"] == "confirmed" and ticket["state_label"] == "Valid"
    assert "李小龙" not in r.text and id_card(dt.date(1990, 1, 1), "001") not in r.text
    wechat = page["items"][1]
    assert (wechat["paid_by"], wechat["tickets"][0]["state"]) == ("wechat", "held")
    assert [p["state"] for p in wechat["payments"]] == ["created"]

    # Cancelled whole: listed still, no longer cancellable.
    r = await client.post(f"{sales(spot)}/{first['id']}/cancel", headers=seller)
    assert r.status_code == 200, r.text
    page = (await client.get(sales(spot), headers=seller)).json()
    assert [s["cancellable"] for s in page["items"]] == [True, True, False]
    assert [t["state"] for t in page["items"][2]["tickets"]] == ["cancelled", "cancelled"]

    # Paginated; another day has none.
    r = await client.get(sales(spot), params={"limit": 2}, headers=seller)
    assert ([s["id"] for s in r.json()["items"]], r.json()["total"]) == ([third["id"], second["id"]], 3)
    r = await client.get(sales(spot), params={"limit": 2, "offset": 2}, headers=seller)
    assert [s["id"] for s in r.json()["items"]] == [first["id"]]
    r = await client.get(sales(spot), params={"offset": 3}, headers=seller)
    assert (r.json()["items"], r.json()["total"]) == ([], 3)
    r = await client.get(
        sales(spot), params={"day": (DAY - dt.timedelta(days=1)).isoformat()}, headers=seller
    )
    assert (r.json()["items"], r.json()["total"]) == ([], 0)


async def test_one_sale_by_its_number_a_ticket_s_number_or_the_visitor_s_id_number(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    sold = await sell(client, spot, seller, ["001", "002"])
    other = await sell(client, spot, seller, ["003"])

    r = await client.get(f"{sales(spot)}/{sold['id']}", headers=seller)
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["cancellable"], len(r.json()["tickets"])) == (sold["id"], True, 2)
    r = await client.post(lookup(spot), json={"order_id": other["id"]}, headers=seller)
    assert (r.status_code, r.json()["id"]) == (200, other["id"])
    code = sold["tickets"][1]["code"]
    for typed in (code, code.lower(), f" {code} "):
        r = await client.post(lookup(spot), json={"ticket_code": typed}, headers=seller)
        assert (r.status_code, r.json().get("id")) == (200, sold["id"]), r.text
    number = id_card(dt.date(1990, 1, 1), "002")
    for typed in (number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:]}"):
        body = {"document_kind": "resident_id", "document_number": typed}
        r = await client.post(lookup(spot), json=body, headers=seller)
        assert (r.status_code, r.json().get("id")) == (200, sold["id"]), r.text

    # Cancelled and sold again the same day: the newest sale is found; the first is found by its number.
    r = await client.post(window_ticket(spot, other["tickets"][0]["id"], "cancel"), headers=seller)
    assert r.status_code == 200, r.text
    again = await sell(client, spot, seller, ["003"])
    body = {"document_kind": "resident_id", "document_number": id_card(dt.date(1990, 1, 1), "003")}
    r = await client.post(lookup(spot), json=body, headers=seller)
    assert (r.status_code, r.json()["id"]) == (200, again["id"])
    r = await client.post(lookup(spot), json={"order_id": other["id"]}, headers=seller)
    assert (r.json()["id"], r.json()["cancellable"]) == (other["id"], False)
    # Another visit day: nothing.
    r = await client.post(lookup(spot), json={**body, "day": "2026-05-02"}, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "window_sale_not_found")


async def test_what_the_window_did_not_sell_is_not_found_or_sent_to_the_app(
    client: httpx.AsyncClient,
) -> None:
    spot, elsewhere_spot = await small_spot(), await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    _, seller_there = await staff(client, ["ticket_seller"], elsewhere_spot.code)
    theirs = await sell(client, elsewhere_spot, seller_there, ["009"])
    slot = await last_slot(spot)
    online = await tickets.create_order(
        await someone(), spot, slot.id, [visitor(dt.date(1980, 1, 1), "101")], None
    )

    r = await client.get(f"{sales(spot)}/{online.order.id}", headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "window_sale_not_found")
    r = await client.get(f"{sales(spot)}/{theirs['id']}", headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "window_sale_not_found")
    r = await client.post(lookup(spot), json={"ticket_code": online.tickets[0].code}, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_window_sale")
    body = {"document_kind": "resident_id", "document_number": id_card(dt.date(1980, 1, 1), "101")}
    r = await client.post(lookup(spot), json=body, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "ticket_not_window_sale")
    r = await client.post(lookup(spot), json={"ticket_code": theirs["tickets"][0]["code"]}, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "window_sale_not_found")
    body = {"document_kind": "resident_id", "document_number": id_card(dt.date(1990, 1, 1), "009")}
    r = await client.post(lookup(spot), json=body, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "window_sale_not_found")
    # The other spot's list holds its own sale only.
    r = await client.get(sales(elsewhere_spot), headers=seller_there)
    assert [s["id"] for s in r.json()["items"]] == [theirs["id"]]


async def test_only_the_spot_s_sellers_read_its_sales(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    sold = await sell(client, spot, seller, ["001"])
    _, elsewhere = await staff(client, ["ticket_seller"], "ELSEWHERE")
    _, scanner = await staff(client, ["scanner"], spot.code)
    _, manager = await staff(client, ["spot_manager"], spot.code)
    asks = [
        ("GET", sales(spot), None),
        ("GET", f"{sales(spot)}/{sold['id']}", None),
        ("POST", lookup(spot), {"order_id": sold["id"]}),
    ]
    for method, url, body in asks:
        r = await client.request(method, url, json=body, headers=elsewhere)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_scope_required"), url
        for other in (scanner, manager):
            r = await client.request(method, url, json=body, headers=other)
            assert (r.status_code, r.json()["error"]["code"]) == (403, "staff_role_required"), url
        assert (await client.request(method, url, json=body)).status_code == 401
    r = await client.get("/api/v1/staff/tourism/spots/NOWHERE/sales", headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "spot_not_found")


async def test_bad_input_is_answered_with_its_code_never_500(client: httpx.AsyncClient) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    await sell(client, spot, seller, ["001"])
    number = id_card(dt.date(1990, 1, 1), "001")
    refusals: list[tuple[dict[str, Any], int, str]] = [
        ({}, 422, "window_lookup_invalid"),
        ({"order_id": 1, "ticket_code": "ABCDEF0123456789"}, 422, "window_lookup_invalid"),
        ({"document_number": number}, 422, "window_lookup_invalid"),
        ({"document_kind": "resident_id"}, 422, "window_lookup_invalid"),
        ({"document_kind": "resident_id", "document_number": number[:-1] + "0"}, 422, ""),
        ({"document_kind": "resident_id", "document_number": "12345"}, 422, ""),
        ({"document_kind": "passport", "document_number": "!!!!!!!!"}, 422, ""),
        ({"document_kind": "resident_id", "document_number": "4" * 33}, 422, "invalid_input"),
        ({"document_kind": "driving_licence", "document_number": number}, 422, "invalid_input"),
        ({"ticket_code": "Z" * 33}, 422, "invalid_input"),
        ({"ticket_code": "Z" * 32}, 404, "window_sale_not_found"),
        ({"ticket_code": "ZZZZZZZZZZZZZZZZ"}, 404, "window_sale_not_found"),
        ({"ticket_code": "'; drop table x"}, 404, "window_sale_not_found"),
        ({"order_id": 2**63}, 422, "invalid_input"),
        ({"order_id": 0}, 422, "invalid_input"),
        ({"order_id": "1e400"}, 422, "invalid_input"),
        ({"order_id": 2**63 - 1}, 404, "window_sale_not_found"),
        ({"ticket_code": "ABCDEF0123456789", "nonsense": 1}, 422, "invalid_input"),
        (
            {"document_kind": "resident_id", "document_number": number, "day": "0001-01-01"},
            422,
            "invalid_input",
        ),
    ]
    for body, status, code in refusals:
        r = await client.post(lookup(spot), json=body, headers=seller)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["code"] == code or (
            not code and r.json()["error"]["code"].startswith("document_")
        )
    r = await client.post(
        lookup(spot), content=b"{not json", headers={**seller, "Content-Type": "application/json"}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "malformed_json")
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"day": "yesterday"},
        {"day": "2026-13-01"},
        {"day": "0001-01-01"},  # its China midnight would overflow
        {"day": "9999-12-31"},
        {"x": 1},
    ):
        r = await client.get(sales(spot), params=params, headers=seller)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_input"), params
    for path in ("99999999999999999", "1" * 19, "0", "-1", "abc"):
        r = await client.get(f"{sales(spot)}/{path}", headers=seller)
        assert r.status_code in (404, 405), (path, r.text)


async def test_a_home_return_permit_finds_its_sale_whatever_its_renewal_digits(
    client: httpx.AsyncClient,
) -> None:
    spot = await small_spot()
    _, seller = await staff(client, ["ticket_seller"], spot.code)
    slot = await last_slot(spot)
    permit = {
        "document_kind": "home_return_permit",
        "document_number": "H1234567801",
        "name": "陳大文",
        "born": "1985-06-01",
        "claims": [],
    }
    body = {"slot_id": slot.id, "visitors": [permit], "paid_by": "cash"}
    sold = (await client.post(sales(spot), json=body, headers=seller)).json()
    # Renewed since (the last two digits), typed in lower case: the same person, the same sale.
    found = {"document_kind": "home_return_permit", "document_number": "h1234567802"}
    r = await client.post(lookup(spot), json=found, headers=seller)
    assert (r.status_code, r.json().get("id")) == (200, sold["id"]), r.text
    assert r.json()["tickets"][0]["name_masked"] == "陳**" and "1234567" not in r.text
    # Another kind of document with the same characters is another person.
    r = await client.post(lookup(spot), json={**found, "document_kind": "passport"}, headers=seller)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "window_sale_not_found")
