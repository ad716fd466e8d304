"""The staff aid calculators through the API: ``/api/v1/staff/aid/...`` (case officers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from tests.api.test_staff import staff_client
from tests.support.apps import error_code
from tests.support.residents import login, new_id_number

PAYOUT = "/api/v1/staff/aid/medical/payout"
AMOUNT = "/api/v1/staff/aid/rehabilitation/amount"
Y = 100


async def officer(client: httpx.AsyncClient) -> dict[str, str]:
    return await staff_client(client, "case.officer", roles=["case_officer"], scopes=["qx-civil-affairs"])


def claim(*amounts: int, category: str = "dibao", **extra: Any) -> dict[str, Any]:
    return {
        "category": category,
        "members": [{"expenses": [{"amount_fen": a, "care": "inpatient"} for a in amounts]}],
        **extra,
    }


def field_codes(r: httpx.Response) -> dict[str, str]:
    return {f["field"]: f["code"] for f in r.json()["error"]["details"]["fields"]}


# -- medical aid payout ---------------------------------------------------------------------------


async def test_art_11_L341_case_officer_computes_the_worked_example_in_both_readings(
    client: httpx.AsyncClient,
) -> None:
    headers = await officer(client)

    literal = await client.post(PAYOUT, json=claim(100_000 * Y), headers=headers)
    threshold = await client.post(
        PAYOUT, json=claim(100_000 * Y, catastrophic_reading="above_threshold"), headers=headers
    )

    assert literal.status_code == 200, literal.text
    body = literal.json()
    assert body["article_3_class"] == 1 and body["rate_percent"] == 80
    assert (body["basic_fen"], body["catastrophic_fen"], body["total_fen"]) == (
        5_000_000,
        2_500_000,
        7_500_000,
    )
    assert body["catastrophic_reading"] == "whole_burden"
    assert threshold.json()["total_fen"] == 7_000_000


async def test_art_16_excluded_bills_are_listed_with_their_reasons(client: httpx.AsyncClient) -> None:
    body = claim(1_000 * Y)
    body["members"][0]["expenses"].append({"amount_fen": 500 * Y, "care": "inpatient", "flags": ["cosmetic"]})

    r = await client.post(PAYOUT, json=body, headers=await officer(client))

    assert r.status_code == 200
    assert r.json()["excluded"] == [{"member": 0, "expense": 1, "reasons": ["cosmetic"]}]
    assert r.json()["basic_fen"] == 800 * Y


async def test_art_10_L333_pooling_one_member_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(PAYOUT, json=claim(1_000 * Y, pool_family=True), headers=await officer(client))

    assert r.status_code == 422
    assert error_code(r) == "aid_pooling_needs_two_inpatients"


async def test_art_10_L333_deductions_for_class_1_are_refused(client: httpx.AsyncClient) -> None:
    body = claim(1_000 * Y)
    body["members"][0]["deductions_fen"] = 100

    r = await client.post(PAYOUT, json=body, headers=await officer(client))

    assert r.status_code == 422 and error_code(r) == "aid_deductions_not_applicable"


def _bill(**fields: Any) -> dict[str, Any]:
    return {"members": [{"expenses": [{"amount_fen": 1, "care": "inpatient", **fields}]}]}


BILL = "members.0.expenses.0"
BAD_PAYOUT_FIELDS: list[tuple[dict[str, Any], str, str]] = [
    ({"category": "rich"}, "category", "not_allowed"),
    ({"members": []}, "members", "too_short"),
    ({"catastrophic_reading": "generous"}, "catastrophic_reading", "not_allowed"),
    ({"pool_family": "yes please"}, "pool_family", "wrong_type"),
    ({"surprise": 1}, "surprise", "unknown_field"),
    (_bill(amount_fen=-1), f"{BILL}.amount_fen", "too_small"),
    (_bill(amount_fen=10**11 + 1), f"{BILL}.amount_fen", "too_large"),
    (_bill(amount_fen=12.5), f"{BILL}.amount_fen", "wrong_type"),
    (_bill(amount_fen="100"), f"{BILL}.amount_fen", "wrong_type"),
    (_bill(care="spa"), f"{BILL}.care", "not_allowed"),
    (_bill(flags=["bad_luck"]), f"{BILL}.flags.0", "aid_expense_flag_unknown"),
    ({"members": [{"expenses": [], "basic_paid_fen": True}]}, "members.0.basic_paid_fen", "wrong_type"),
]


async def test_each_bad_payout_field_gets_its_own_code(client: httpx.AsyncClient) -> None:
    headers = await officer(client)

    for change, field, code in BAD_PAYOUT_FIELDS:
        r = await client.post(PAYOUT, json={**claim(1), **change}, headers=headers)

        assert r.status_code == 422, r.text
        assert field_codes(r) == {field: code}, change


async def test_aid_paid_above_the_cap_is_refused(client: httpx.AsyncClient) -> None:
    body = claim(1)
    body["members"][0]["catastrophic_paid_fen"] = 30_000 * Y + 1

    r = await client.post(PAYOUT, json=body, headers=await officer(client))

    assert r.status_code == 422 and error_code(r) == "aid_paid_exceeds_cap"
    assert r.json()["error"]["details"]["field"] == "members.0.catastrophic_paid_fen"


async def test_no_body_makes_the_server_fail(client: httpx.AsyncClient) -> None:
    headers = {**await officer(client), "Content-Type": "application/json"}
    bodies = [b"[]", b"null", b"42", b'"text"', b"{", b'{"members": {"0": 1}}', b'{"category": ["dibao"]}',
              b'{"child_id_number": {"$gt": ""}}', b'{"months": 1e400}', "\u0000".encode()]  # fmt: skip

    for path in (PAYOUT, AMOUNT):
        for raw in bodies:
            r = await client.post(path, content=raw, headers=headers)

            assert 400 <= r.status_code < 500, (path, raw, r.text)


async def test_calculators_need_a_staff_login(client: httpx.AsyncClient) -> None:
    resident = await login(client, "alice")

    anonymous = await client.post(PAYOUT, json=claim(1))
    as_resident = await client.post(AMOUNT, json={}, headers=resident.headers)

    assert anonymous.status_code == 401 and as_resident.status_code == 401


async def test_calculators_need_the_case_officer_role(client: httpx.AsyncClient) -> None:
    headers = await staff_client(client, "finance.clerk", roles=["finance"], scopes=["qx-finance"])

    r = await client.post(PAYOUT, json=claim(1), headers=headers)

    assert r.status_code == 403 and error_code(r) == "staff_role_required"


# -- rehabilitation aid amount --------------------------------------------------------------------


def rehab(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "child_id_number": new_id_number(born=dt.date(2021, 1, 15), area="441581"),
        "applied_on": "2026-03-02",
        "disability_type": "autism",
        "item": "full_time_training",
        "institution": "non_public",
        "months": 10,
    }
    body.update(changes)
    return body


async def test_art_8_3_L826_full_time_training_at_a_non_public_institution(client: httpx.AsyncClient) -> None:
    r = await client.post(AMOUNT, json=rehab(), headers=await officer(client))

    assert r.status_code == 200, r.text
    assert r.json() == {
        "item": "full_time_training",
        "age_on_31_august": 5,
        "cutoff": "2026-08-31",
        "amount_fen": 20_000 * Y,
        "surgery_fen": 0,
        "extra_fen": 0,
        "monthly_fen": 2_000 * Y,
        "months": 10,
        "device_in_kind": False,
    }


async def test_art_5_L799_a_child_of_7_on_31_august_is_refused(client: httpx.AsyncClient) -> None:
    child = new_id_number(born=dt.date(2019, 8, 31))

    r = await client.post(AMOUNT, json=rehab(child_id_number=child), headers=await officer(client))

    assert r.status_code == 422 and error_code(r) == "rehabilitation_age_exceeded"
    assert r.json()["error"]["details"] == {"age": 7, "limit": 7, "on": "2026-08-31"}


async def test_art_5_L799_born_1_september_is_accepted(client: httpx.AsyncClient) -> None:
    child = new_id_number(born=dt.date(2019, 9, 1))

    r = await client.post(AMOUNT, json=rehab(child_id_number=child), headers=await officer(client))

    assert r.status_code == 200 and r.json()["age_on_31_august"] == 6


async def test_the_application_day_defaults_to_today(client: httpx.AsyncClient) -> None:
    body = rehab()
    del body["applied_on"]

    r = await client.post(AMOUNT, json=body, headers=await officer(client))

    assert r.status_code == 200, r.text
    assert r.json()["cutoff"].endswith("-08-31")


async def test_each_bad_rehabilitation_field_gets_its_own_code(client: httpx.AsyncClient) -> None:
    headers = await officer(client)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"child_id_number": "110101202101150000"}, "child_id_number", "id_number_invalid"),
        ({"child_id_number": ""}, "child_id_number", "too_short"),
        ({"disability_type": "sadness"}, "disability_type", "not_allowed"),
        ({"item": "pony"}, "item", "not_allowed"),
        ({"months": 13}, "months", "too_large"),
        ({"months": 0}, "months", "too_small"),
        ({"months": 2.5}, "months", "wrong_type"),
        ({"applied_on": "2026-02-30"}, "applied_on", "wrong_type"),
        ({"applied_on": "9999-12-31"}, "applied_on", "too_large"),
        ({"last_course_on": "1900-01-01"}, "last_course_on", "too_small"),
        ({"self_pay_fen": -5}, "self_pay_fen", "too_small"),
    ]

    for change, field, code in cases:
        r = await client.post(AMOUNT, json=rehab(**change), headers=headers)

        assert r.status_code == 422, r.text
        assert field_codes(r) == {field: code}, change


async def test_art_8_refusals_have_their_own_codes(client: httpx.AsyncClient) -> None:
    headers = await officer(client)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"item": "cochlear_implant", "disability_type": "hearing"}, "rehabilitation_self_pay_required"),
        ({"item": "cochlear_implant", "disability_type": "vision", "self_pay_fen": 1},
         "rehabilitation_item_not_for_disability"),
        ({"item": "assistive_devices"}, "rehabilitation_standard_external"),
        ({"months": None}, "rehabilitation_months_required"),
        ({"months": 6, "months_already": 5}, "rehabilitation_months_exceeded"),
        ({"item": "part_time_training"}, "rehabilitation_part_time_not_eligible"),
        ({"item": "blind_orientation", "disability_type": "vision", "last_course_on": "2024-01-01"},
         "rehabilitation_course_too_soon"),
    ]  # fmt: skip

    for change, code in cases:
        r = await client.post(AMOUNT, json=rehab(**change), headers=headers)

        assert r.status_code == 422, r.text
        assert error_code(r) == code, change
