"""Every demo journey to its end, through the API, with the demo accounts (issue 12).

The demo data ``make run`` loads is filed as the demo resident ``alice`` would: every published
item of the demo catalogue (for herself, or for her child where the item is only for a family
member), with a form filled from the item's own fields, its required materials uploaded and its
fee paid through the sandbox. Then each case is taken step by step, by whichever demo account is
offered a step that moves it on, until it reaches a final state of its workflow; public notices
are waited out on the calendar. A case that nobody can move on fails the test, naming the item,
the state and what each account was offered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sanic import Sanic

from domain.catalog import service as catalogue
from domain.catalog.conditions import holds
from domain.catalog.models import CatalogItem, ItemStatus
from domain.catalog.schema import FormField, ItemDocument
from domain.shared import clock
from domain.staff.roles import ALL_SCOPES
from domain.workflows import engine
from server.demo import DEMO_CHILD, DEMO_STAFF, DEMO_STAFF_PASSWORD, _with_check_digit, load_all
from server.settings import Settings
from tests.api.test_applications import APPLICATIONS, PNG, upload
from tests.api.test_cases import CASES
from tests.support.apps import client_for, error_code, running
from tests.support.residents import Resident, login, new_id_number

# The steps that move a case on towards its grant, longest way first (medical aid investigates at
# home rather than forwarding a case on file); refusals, supplements and objections are never taken.
FORWARD = (
    "accept",
    "investigate",
    "finish_investigation",
    "post_first_notice",
    "forward_to_district",
    "review",
    "propose_approval",
    "approve",
    "request_funds",
    "disburse",
    "deliver",
    "close",
)
CASE_ROLES = set(engine.staff_roles())
MONDAY = dt.date(2026, 3, 2)
# Answers no field's own bounds can give: patterns and the like.
SAMPLE_TEXT = {
    "bank_account": "6222021234567890123",
    "uscc": "91441800MA4UXXXX1X",
}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Sanic]:
    # Hundreds of requests from one address within a minute: the walk is not what the limits guard.
    async with running(settings, rate_limit_per_ip=0, rate_limit_per_user=0, rate_limit_login_per_ip=0) as a:
        yield a


@pytest.fixture
async def client(app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


class Calendar:
    """The frozen China office morning the walk is on; moving on means signing in again."""

    def __init__(self, stack: contextlib.ExitStack, day: dt.date) -> None:
        self.stack, self.day = stack, day
        self._freeze()

    def _freeze(self) -> None:
        at = dt.datetime.combine(self.day, dt.time(10, 0), clock.CHINA).astimezone(dt.UTC)
        self.stack.enter_context(clock.frozen_at(at))

    def after(self, day: dt.date) -> None:
        self.day = day + dt.timedelta(days=1)
        self._freeze()


@dataclass
class Desk:
    """The demo staff, signed in on the calendar's day."""

    client: httpx.AsyncClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    async def sign_in(self) -> None:
        for username, *_rest in DEMO_STAFF:
            r = await self.client.post(
                "/api/v1/staff/auth/login", json={"username": username, "password": DEMO_STAFF_PASSWORD}
            )
            assert r.status_code == 200, r.text
            self.headers[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    @staticmethod
    def working_on(department: str) -> list[str]:
        """The demo accounts with a case role in ``department``."""
        return [
            username
            for username, _name, roles, scopes in DEMO_STAFF
            if CASE_ROLES & set(roles) and (department in scopes or ALL_SCOPES in scopes)
        ]


def answer(f: FormField, subject_id_number: str) -> Any:
    """A valid answer to ``f`` from its own type and bounds."""
    if f.type == "select":
        assert f.options
        return f.options[0].value
    if f.type == "boolean":
        return False
    if f.type in ("number", "money"):
        return f.min if isinstance(f.min, int | float) else 1
    if f.type == "date":
        day = clock.today_in_china() - dt.timedelta(days=30)
        low, high = (dt.date.fromisoformat(b) if isinstance(b, str) else None for b in (f.min, f.max))
        return min(max(day, low or day), high or day).isoformat()
    if f.type == "id_number":
        return subject_id_number
    if f.type == "phone":
        return "13800138000"
    text = SAMPLE_TEXT.get(f.key, "演示填写")
    shortest = int(f.min) if isinstance(f.min, int | float) else 0
    return (text * (shortest // len(text) + 1))[: max(shortest, len(text))]


def form_for(document: ItemDocument, subject_id_number: str) -> dict[str, Any]:
    """Answers to every field shown, top-down as the form is filled (show_if reads those above)."""
    answers: dict[str, Any] = {}
    for f in document.form.fields:
        if f.show_if is None or holds(f.show_if, answers):
            answers[f.key] = answer(f, subject_id_number)
    return answers


@dataclass
class Journey:
    item_code: str
    workflow: engine.Workflow
    department: str
    case_id: int
    number: str
    fee_fen: int


async def file(client: httpx.AsyncClient, alice: Resident, child_id: int, item: CatalogItem) -> Journey:
    """``alice`` files ``item`` (for her child when it is only for family members), uploads its
    required materials, submits it and pays its fee through the sandbox."""
    _item, _version, document = await catalogue.version_to_apply(item.code)
    for_child = "self" not in document.applicant_kinds
    subject = _with_check_digit(DEMO_CHILD[2]) if for_child else new_id_number(years_old=36)
    body: dict[str, Any] = {"item_code": item.code, "form": form_for(document, subject)}
    if for_child:
        body["on_behalf_of"] = child_id
    r = await client.post(APPLICATIONS, json=body, headers=alice.headers)
    assert r.status_code == 201, f"{item.code}: {r.text}"
    case = r.json()
    for material in document.materials:
        if material.required:
            up = await upload(
                client, alice, case["id"], PNG, name="proof.png", content_type="image/png", code=material.code
            )
            assert up.status_code == 201, f"{item.code} {material.code}: {up.text}"
    r = await client.post(f"{APPLICATIONS}/{case['id']}/submit", headers=alice.headers)
    assert r.status_code == 200, f"{item.code}: {r.text}"
    if document.fee_fen:
        order = (await client.post(f"{APPLICATIONS}/{case['id']}/payment", headers=alice.headers)).json()
        pay_url = order["pay_params"].get("complete_url") or order["pay_params"]["pay_url"]
        assert (await client.post(pay_url)).json()["outcome"] == "paid", f"{item.code}: {order}"
    return Journey(
        item.code,
        engine.get(document.workflow),
        document.department,
        case["id"],
        case["number"],
        document.fee_fen,
    )


async def move_on(client: httpx.AsyncClient, desk: Desk, journey: Journey) -> str | dt.date | None:
    """One step forward by the first demo account offered one. Returns the step taken, the day a
    running public notice ends, or None when no demo account is offered a way on."""
    for username in desk.working_on(journey.department):
        headers = desk.headers[username]
        seen = await client.get(f"{CASES}/{journey.case_id}", headers=headers)
        assert seen.status_code == 200, f"{journey.item_code} {username}: {seen.text}"
        offered = [name for name in FORWARD if name in seen.json()["staff_steps"]]
        if not offered:
            continue
        claimed = await client.post(f"{CASES}/{journey.case_id}/claim", headers=headers)
        assert claimed.status_code == 200, f"{journey.item_code} {username}: {claimed.text}"
        r = await client.post(
            f"{CASES}/{journey.case_id}/steps/{offered[0]}", json={"comment": "演示办理"}, headers=headers
        )
        if r.status_code == 409 and error_code(r) == "public_notice_running":
            await client.post(f"{CASES}/{journey.case_id}/release", headers=headers)
            return dt.date.fromisoformat(r.json()["error"]["details"]["until"])
        # Offered means takeable: 受审分离 and the step's role were checked before offering it.
        assert r.status_code == 200, f"{journey.item_code} {username} {offered[0]}: {r.text}"
        if r.json()["claimed_by"] is not None:
            await client.post(f"{CASES}/{journey.case_id}/release", headers=headers)
        return offered[0]
    return None


@contextlib.contextmanager
def office_days(start: dt.date) -> Iterator[Calendar]:
    with contextlib.ExitStack() as stack:
        yield Calendar(stack, start)


async def test_every_demo_workflow_is_completed_by_the_demo_accounts(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    with office_days(MONDAY) as calendar:
        await load_all(settings)
        alice = await login(client, "alice")
        family = (await client.get("/api/v1/family", headers=alice.headers)).json()["items"]
        child_id = next(m["id"] for m in family if m["relation"] == "child")
        items = await CatalogItem.filter(status=ItemStatus.PUBLISHED).order_by("code")
        journeys, for_enterprises = [], []
        for item in items:
            _item, _version, document = await catalogue.version_to_apply(item.code)
            if document.applicant_kinds == ["enterprise"]:
                for_enterprises.append(item.code)  # until the enterprise channel, no resident files them
                continue
            journeys.append(await file(client, alice, child_id, item))
        desk = Desk(client)
        await desk.sign_in()
        taken: dict[str, list[str]] = {j.item_code: [] for j in journeys}
        open_ = list(journeys)
        for _day in range(10):
            waiting_until: list[dt.date] = []
            for journey in list(open_):
                while True:
                    state = (
                        await client.get(f"{APPLICATIONS}/{journey.case_id}", headers=alice.headers)
                    ).json()["state"]
                    if state in journey.workflow.final:
                        open_.remove(journey)
                        break
                    moved = await move_on(client, desk, journey)
                    assert moved is not None, f"{journey.item_code}: no demo account moves it on from {state}"
                    if isinstance(moved, dt.date):
                        waiting_until.append(moved)
                        break
                    taken[journey.item_code].append(moved)
            if not open_:
                break
            calendar.after(max(waiting_until))  # a public notice has run: everyone signs in again
            alice = await login(client, "alice")
            await desk.sign_in()
        assert not open_, [j.item_code for j in open_]
        seen = [
            (await client.get(f"{APPLICATIONS}/{j.case_id}", headers=alice.headers)).json() for j in journeys
        ]

    # Every journey ended granted (closed after delivery or payout), none refused.
    for journey, case in zip(journeys, seen, strict=True):
        timeline = [t["name"] for t in case["timeline"]]
        assert case["state"] == "closed", (journey.item_code, timeline)
        assert "approve" in timeline or "instant_approve" in timeline, (journey.item_code, timeline)
        if journey.fee_fen:
            assert case["fee_state"] == "paid", journey.item_code
        if journey.workflow.code == "instant":  # 秒批: the rules read the form's answers (form.purpose)
            assert timeline[:2] == ["submit", "instant_approve"], journey.item_code
    assert for_enterprises == ["XK0001-441800", "XK0002-441800", "XK0003-441800", "XK0005-441803"]
    assert len(journeys) == len(items) - len(for_enterprises)
    medical = next(j for j in journeys if j.workflow.code == "medical_aid")
    assert taken[medical.item_code] == [
        "accept", "investigate", "finish_investigation", "post_first_notice", "forward_to_district",
        "propose_approval", "approve", "request_funds", "disburse", "close",
    ]  # fmt: skip


async def test_a_step_the_caller_may_not_take_is_not_offered_to_them(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    with office_days(MONDAY):
        await load_all(settings)
        alice = await login(client, "alice")
        item = await CatalogItem.get(code="GG0018-441800")  # 居住证申领, standard: 受审分离
        journey = await file(client, alice, 0, item)
        desk = Desk(client)
        await desk.sign_in()
        acceptor, reviewer, finance = (desk.headers[u] for u in ("officer.qy", "reviewer.qy", "finance.qx"))

        async def offered(headers: dict[str, str]) -> list[str]:
            r = await client.get(f"{CASES}/{journey.case_id}", headers=headers)
            steps: list[str] = r.json()["staff_steps"]
            return steps

        assert (
            await offered(acceptor)
            == await offered(reviewer)
            == ["accept", "not_accept", "request_supplement"]
        )
        await client.post(f"{CASES}/{journey.case_id}/claim", headers=acceptor)
        assert (
            await client.post(f"{CASES}/{journey.case_id}/accept", json={}, headers=acceptor)
        ).status_code == 200

        # 受审分离: the officer who accepted is no longer offered the review, which would be refused.
        assert await offered(acceptor) == ["request_supplement"]
        assert await offered(reviewer) == ["request_supplement", "review"]
        await client.post(f"{CASES}/{journey.case_id}/claim", headers=acceptor)
        refused = await client.post(f"{CASES}/{journey.case_id}/review", json={}, headers=acceptor)
        assert refused.status_code == 403 and error_code(refused) == "separation_of_duties"
        # The applicant's view lists whose steps are open, not anyone's permissions.
        mine = (await client.get(f"{APPLICATIONS}/{journey.case_id}", headers=alice.headers)).json()
        assert mine["staff_steps"] == ["request_supplement", "review"]

        # A role without the step's: finance pays out medical aid and is offered nothing else.
        medical = await file(client, alice, 0, await CatalogItem.get(code="JF0004-441803"))
        r = await client.get(f"{CASES}/{medical.case_id}", headers=finance)
        assert r.status_code == 200 and r.json()["staff_steps"] == []
