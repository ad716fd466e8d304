"""The audit log: staff changes and failed logins leave a record, written in the change's transaction."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from domain.audit import service as audit
from domain.audit.models import AuditRecord
from domain.shared.actor import Actor
from domain.staff import service
from domain.staff.errors import StaffCredentialsInvalid, StaffLocked
from domain.staff.models import StaffAccount
from tests.api.test_staff import PASSWORD, make_staff

CALLER = Actor(kind="system", id=None, ip="198.51.100.4", request_id="req-0000000042")
POLICY = service.LockoutPolicy(threshold=3, seconds=600)


@pytest.fixture
def sessions(runtime: Any) -> service.StaffSessions:
    return service.StaffSessions(tokens=runtime.tokens, redis=runtime.redis, keys=runtime.keys, ttl=3600)


def admin_actor(account: StaffAccount) -> Actor:
    return Actor(
        kind="staff", id=account.id, roles=frozenset(account.roles), scopes=frozenset(account.scopes)
    )


async def records(action: str) -> list[AuditRecord]:
    return await AuditRecord.filter(action=action).order_by("id")


async def test_a_failed_login_is_audited_with_where_it_came_from(sessions: service.StaffSessions) -> None:
    clerk = await make_staff("wang.li", roles=["scanner"])

    with pytest.raises(StaffCredentialsInvalid):
        await service.login(
            username="wang.li", password="guess guess", actor=CALLER, sessions=sessions, policy=POLICY
        )

    [record] = await records("staff.login_failed")
    assert (record.target_type, record.target_id) == ("staff_account", str(clerk.id))
    assert (record.actor_kind, record.actor_id) == ("system", None)
    assert (record.ip, record.request_id) == ("198.51.100.4", "req-0000000042")
    assert record.after == {"reason": "wrong_password", "failed_attempts": 1}


async def test_an_unknown_username_is_audited_without_what_was_typed(sessions: service.StaffSessions) -> None:
    typed = "my-secret-password-typed-in-the-wrong-box"
    with pytest.raises(StaffCredentialsInvalid):
        await service.login(username=typed, password="x", actor=CALLER, sessions=sessions, policy=POLICY)

    [record] = await records("staff.login_failed")
    assert record.target_id == "unknown" and record.after == {"reason": "unknown_username"}
    assert typed not in json.dumps([record.before, record.after, record.target_id])


async def test_locking_an_account_is_audited(sessions: service.StaffSessions) -> None:
    clerk = await make_staff("wang.li", roles=["scanner"])
    for _ in range(POLICY.threshold - 1):
        with pytest.raises(StaffCredentialsInvalid):
            await service.login(
                username="wang.li", password="guess", actor=CALLER, sessions=sessions, policy=POLICY
            )
    with pytest.raises(StaffLocked):
        await service.login(
            username="wang.li", password="guess", actor=CALLER, sessions=sessions, policy=POLICY
        )
    with pytest.raises(StaffLocked):
        await service.login(
            username="wang.li", password=PASSWORD, actor=CALLER, sessions=sessions, policy=POLICY
        )

    assert [r.after["reason"] for r in await records("staff.login_failed")] == [  # type: ignore[index]
        "wrong_password",
        "wrong_password",
        "wrong_password",
        "locked",
    ]
    [locked] = await records("staff.locked")
    assert locked.target_id == str(clerk.id) and locked.after and "locked_until" in locked.after


async def test_a_login_is_audited_as_the_staff_member(sessions: service.StaffSessions) -> None:
    clerk = await make_staff("wang.li", roles=["scanner"])

    await service.login(username="wang.li", password=PASSWORD, actor=CALLER, sessions=sessions, policy=POLICY)

    [record] = await records("staff.logged_in")
    assert (record.actor_kind, record.actor_id, record.ip) == ("staff", clerk.id, "198.51.100.4")


async def test_a_logout_is_audited(sessions: service.StaffSessions) -> None:
    clerk = await make_staff("wang.li", roles=["scanner"])
    _, pair = await service.login(
        username="wang.li", password=PASSWORD, actor=CALLER, sessions=sessions, policy=POLICY
    )

    await service.logout(refresh_token=pair.refresh_token, actor=CALLER, sessions=sessions)
    await service.logout(refresh_token=pair.refresh_token, actor=CALLER, sessions=sessions)  # already over

    [record] = await records("staff.logged_out")
    assert (record.actor_kind, record.actor_id, record.ip) == ("staff", clerk.id, "198.51.100.4")
    assert (record.target_type, record.target_id) == ("staff_account", str(clerk.id))
    assert record.after == {"session": pair.family}


async def test_creating_an_account_is_audited_without_the_password(db: str) -> None:
    admin = await make_staff("admin")

    account = await service.create_staff(
        username="zhou.min",
        password=PASSWORD,
        display_name="Zhou Min",
        roles=["case_officer"],
        scopes=["GZ-HRSS"],
        actor=admin_actor(admin),
    )

    record = (await records("staff.account_created"))[-1]
    assert (record.actor_kind, record.actor_id, record.target_id) == ("staff", admin.id, str(account.id))
    assert record.before is None
    assert record.after == {
        "username": "zhou.min",
        "display_name": "Zhou Min",
        "roles": ["case_officer"],
        "scopes": ["GZ-HRSS"],
        "scan_kinds": [],
        "active": True,
    }
    assert PASSWORD not in json.dumps(record.after) and "argon2" not in json.dumps(record.after)


async def test_a_change_is_audited_with_only_the_fields_that_changed(sessions: service.StaffSessions) -> None:
    admin = await make_staff("admin")
    clerk = await make_staff("wang.li", roles=["scanner"], scopes=["GZ-HRSS"])

    await service.update_account(
        admin_actor(admin),
        clerk.id,
        sessions=sessions,
        display_name="Wang Li (Tianhe)",
        roles=["scanner", "case_officer"],
        scopes=["GZ-HRSS"],  # unchanged: not in the record
        password="a brand new secret",
    )

    [record] = await records("staff.account_updated")
    assert record.before == {"display_name": "Wang.Li", "roles": ["scanner"], "password": "(old)"}
    assert record.after == {
        "display_name": "Wang Li (Tianhe)",
        "roles": ["case_officer", "scanner"],
        "password": "(reset)",
    }
    assert "argon2" not in json.dumps([record.before, record.after])


async def test_a_change_that_changes_nothing_is_not_audited(sessions: service.StaffSessions) -> None:
    admin = await make_staff("admin")
    clerk = await make_staff("wang.li", roles=["scanner"])

    await service.update_account(
        admin_actor(admin), clerk.id, sessions=sessions, roles=["scanner"], unlock=True
    )

    assert await records("staff.account_updated") == []


async def test_a_record_is_undone_with_its_transaction(db: str) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with in_transaction() as conn:
            await audit.record(CALLER, "test.changed", target_type="thing", target_id=1, using_db=conn)
            raise Boom

    assert await AuditRecord.all().count() == 0


async def test_history_is_newest_first_filtered_and_limited(db: str) -> None:
    for n in range(5):
        await audit.record(CALLER, f"test.step{n}", target_type="thing", target_id=n % 2)
    await audit.record(CALLER, "test.other", target_type="other", target_id=1)

    everything = await audit.history()
    one = await audit.history(target_type="thing", target_id=1)
    limited = await audit.history(target_type="thing", limit=2)

    assert [r.action for r in everything][:2] == ["test.other", "test.step4"]
    assert [r.action for r in one] == ["test.step3", "test.step1"]
    assert [r.action for r in limited] == ["test.step4", "test.step3"]


@pytest.mark.postgres
async def test_the_database_refuses_to_change_or_delete_audit_records(db: str) -> None:
    from domain.audit import service as audit_service
    from domain.shared.actor import Actor

    record = await audit_service.record(Actor.system(), "test.happened", target_type="thing", target_id=1)
    # The driver's own exception type comes through; the trigger's message is what matters.
    with pytest.raises(Exception, match="append-only"):
        await AuditRecord.filter(id=record.id).update(action="test.rewritten")
    with pytest.raises(Exception, match="append-only"):
        await AuditRecord.filter(id=record.id).delete()
    assert (await AuditRecord.get(id=record.id)).action == "test.happened"
