"""The demo data `make run` loads: complete, idempotent, and made through the real services."""

from __future__ import annotations

import httpx

from domain.accounts.models import User
from domain.family.models import FamilyMember
from domain.org.models import Department, Region
from domain.staff.models import StaffAccount
from server.demo import DEMO_STAFF, DEMO_STAFF_PASSWORD, load_all
from server.settings import Settings
from tests.support.residents import login


async def test_demo_data_loads_twice_without_duplicates(settings: Settings) -> None:
    await load_all(settings)
    counts = (await Region.all().count(), await Department.all().count(), await StaffAccount.all().count())
    await load_all(settings)
    assert (
        await Region.all().count(),
        await Department.all().count(),
        await StaffAccount.all().count(),
    ) == counts
    assert counts[2] == len(DEMO_STAFF)
    qingxin = await Region.get(code="441803").prefetch_related("children")
    assert len(qingxin.children) >= 8  # its towns and the forest farm
    assert await Region.filter(greater_bay_area=True).count() == 11  # HK, Macao and nine cities


async def test_demo_residents_are_verified_through_the_sandbox_flow(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    await load_all(settings)
    alice = await User.get(nickname="alice")
    assert alice.identity_level == 3 and alice.real_name_verified
    # The sandbox register lists alice as her child's mother: guardianship proven at once.
    assert await FamilyMember.filter(owner_id=alice.id, status="active", guardianship="proven").count() == 1
    assert (await User.get(nickname="bob")).identity_level == 1
    session = await login(client, "alice")
    me = (await client.get("/api/v1/me", headers=session.headers)).json()
    assert me["identity_level"] == "L3" and me["id_number"].startswith("4418") and "*" in me["id_number"]


async def test_demo_staff_can_log_in(settings: Settings, client: httpx.AsyncClient) -> None:
    await load_all(settings)
    r = await client.post(
        "/api/v1/staff/auth/login", json={"username": "admin", "password": DEMO_STAFF_PASSWORD}
    )
    assert r.status_code == 200, r.text


async def test_demo_sites_take_appointments_from_today(settings: Settings, client: httpx.AsyncClient) -> None:
    from domain.capacity.models import CapacitySlot

    await load_all(settings)
    slots = await CapacitySlot.all().count()
    await load_all(settings)
    assert await CapacitySlot.all().count() == slots > 0  # idempotent: no slot twice
    sites = (await client.get("/api/v1/appointments/sites")).json()["items"]
    assert {s["code"] for s in sites} == {"QY-HALL", "QY-PEOPLE"}
    hospital = (await client.get("/api/v1/appointments/sites/QY-PEOPLE")).json()
    assert {s["fee_fen"] for s in hospital["services"]} == {0, 2000}  # a paid and a free clinic


def test_demo_instant_rules_read_only_facts_the_case_has() -> None:
    """秒批 rules read ``form.<key>`` of the item's own form or the applicant's and subject's facts
    (docs/palm-office.md); a bare ``purpose`` is never there, so the item was never approved at once."""
    import json

    from domain.catalog.schema import ItemDocument
    from server.demo.catalog import DATA

    facts = {"applicant.identity_level", "applicant.age", "subject.age", "subject.relation"}

    def fields(rule: dict[str, object]) -> list[str]:
        parts = rule.get("all") or rule.get("any")
        if isinstance(parts, list):
            return [f for part in parts for f in fields(part)]
        return [str(rule["field"])]

    for entry in json.loads(DATA.read_text(encoding="utf-8"))["items"]:
        document = ItemDocument.model_validate(entry["document"])
        rule = entry["document"].get("instant_rules")
        if rule is None:
            continue
        known = facts | {f"form.{f.key}" for f in document.form.fields}
        assert set(fields(rule)) <= known, (entry["basic_code"], fields(rule))


async def test_an_earlier_demo_account_gets_the_scopes_listed_now(settings: Settings) -> None:
    """A demo database from before issue 12 had officer.qx for civil affairs only: loading the demo
    again gives it the listed places, so medical aid and the district's other items can be worked."""
    from domain.audit.models import AuditRecord
    from domain.staff.service import create_staff

    await create_staff(
        username="officer.qx",
        password=DEMO_STAFF_PASSWORD,
        display_name="清新区民政局办件员 Case officer",
        roles=["case_officer"],
        scopes=["qx-civil-affairs"],
    )
    await load_all(settings)
    officer = await StaffAccount.get(username="officer.qx")
    assert {"qx-civil-affairs", "qx-health", "qx-medical-security", "qx-taihe-town"} == set(officer.scopes)
    assert "Case officer" not in officer.display_name
    assert await AuditRecord.filter(action="staff.account_updated", target_id=str(officer.id)).count() == 1
