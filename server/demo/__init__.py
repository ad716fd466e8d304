"""Demo data for ``make run``: regions, departments, staff accounts and sandbox residents.

Loading is idempotent (rows are matched by their natural keys), so ``make run`` can load it on
every start. Later modules add their own ``load_*`` step to ``load_all``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from adapters.wechat.port import WeChat
from domain.org.models import Department, Region, RegionLevel
from domain.shared.i18n import _
from server.demo.appointments import load_appointments
from server.demo.catalog import load_catalog
from server.demo.tourism import load_tourism
from server.settings import Settings

log = logging.getLogger("palmcity.demo")
DATA = Path(__file__).with_name("regions.json")


async def load_regions() -> int:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for code, hans, hant, en, level, parent, gba in data["regions"]:
        await Region.update_or_create(
            code=code,
            defaults={
                "name_zh_hans": hans,
                "name_zh_hant": hant,
                "name_en": en,
                "level": RegionLevel(level),
                "parent_id": parent,
                "greater_bay_area": gba,
            },
        )
    for code, hans, hant, en, region in data["departments"]:
        await Department.update_or_create(
            code=code,
            defaults={"name_zh_hans": hans, "name_zh_hant": hant, "name_en": en, "region_id": region},
        )
    return len(data["regions"]) + len(data["departments"])


async def load_all(settings: Settings) -> None:
    regions = await load_regions()
    staff = await load_staff()
    items = await load_catalog()
    residents = await load_residents(settings)
    slots = await load_appointments()
    spots = await load_tourism()
    log.info(
        "demo data loaded",
        extra={
            "regions": regions,
            "staff_created": staff,
            "items": items,
            "residents_verified": residents,
            "slots_added": slots,
            "spots_created": spots,
        },
    )


# -- staff -----------------------------------------------------------------------------------------

# Demo staff accounts. Every department with items in the demo catalogue has two case officers, since
# its workflows separate acceptance from review (受审分离: the officer who accepted a case may not
# review or decide it), so that every demo case can be taken to its end (tests/api/
# test_demo_journeys.py walks each one). The password is for the sandbox only (README says so).
DEMO_STAFF_PASSWORD = "palmcity-demo-2026"
QINGYUAN_CITY = [
    "qy-hrss",
    "qy-housing-fund",
    "qy-market-regulation",
    "qy-public-security",
    "qy-service-center",
]
QINGXIN = ["qx-civil-affairs", "qx-health", "qx-medical-security", "qx-taihe-town"]
SHANWEI = ["sw-disabled-persons", "sw-service-center"]
DONGGUAN = ["dg-health", "dg-hrss"]
DEMO_STAFF = [
    ("admin", "系统管理员", ["admin"], ["*"]),
    ("catalogue", "事项目录编辑", ["catalogue_editor"], ["*"]),
    ("officer.qy", "清远市直部门受理员", ["case_officer"], QINGYUAN_CITY),
    ("reviewer.qy", "清远市直部门审核员", ["case_officer"], QINGYUAN_CITY),
    ("officer.qx", "清新区受理员（民政、卫健、医保、太和镇）", ["case_officer"], QINGXIN),
    ("reviewer.qx", "清新区审核员（民政、卫健、医保、太和镇）", ["case_officer"], QINGXIN),
    ("officer.sw", "汕尾市残联、政数局受理员", ["case_officer"], SHANWEI),
    ("reviewer.sw", "汕尾市残联、政数局审核员", ["case_officer"], SHANWEI),
    ("officer.dg", "东莞市卫健、人社受理员", ["case_officer"], DONGGUAN),
    ("reviewer.dg", "东莞市卫健、人社审核员", ["case_officer"], DONGGUAN),
    ("scanner.qx", "清新区扫码核验员", ["scanner"], ["qx-health"]),
    # Frontline at the demo appointment sites (server/demo/appointments.py): check-in and calling.
    ("hall.qy", "市政务服务中心前台", ["scanner"], ["QY-HALL"]),
    ("clinic.qy", "市人民医院分诊台", ["scanner"], ["QY-PEOPLE"]),
    # Finance of the demo sites' payments (registration fees): refunds and reconciliation.
    ("finance.qy", "市人民医院财务", ["finance"], ["QY-PEOPLE", "QY-HALL"]),
    # Finance pays out the civil-affairs bureau's medical aid (seed 000 Art. 15(七)): its scopes name
    # the departments whose cases it may act on.
    ("finance.qx", "清新区财政局财务", ["finance"], ["qx-finance", "qx-civil-affairs"]),
    # A demo scenic spot's staff (server/demo/tourism.py, 古龙峡): its gates (ticket QR, ID number,
    # entries and exits), its manual ticket window, and its manager (the dashboard). Demo data.
    ("gate.gulongxia", "古龙峡检票员", ["scanner"], ["QY-GULONGXIA"]),
    ("window.gulongxia", "古龙峡售票窗口", ["ticket_seller"], ["QY-GULONGXIA"]),
    ("manager.gulongxia", "古龙峡值班经理", ["spot_manager"], ["QY-GULONGXIA"]),
    # Tourism complaints are decided by the handling body, not the spot (《旅游投诉处理办法》): the
    # city's culture and tourism bureau, scoped to its demo spots. Demo data.
    (
        "officer.tourism",
        "清远市文旅局旅游投诉受理员",
        ["case_officer"],
        ["QY-GULONGXIA", "QY-YINGXI", "QY-LIANZHOU-CAVE", "QY-MUSEUM"],
    ),
]


# What each demo scanner may scan (domain.credentials.kinds): a counter checks e-certificates, the
# hall's frontline appointment passes, the clinic's triage desk health cards and passes.
DEMO_SCAN_KINDS = {
    "scanner.qx": ["certificate"],
    "hall.qy": ["appointment_pass", "certificate"],
    "clinic.qy": ["health_card", "appointment_pass"],
    "gate.gulongxia": ["ticket"],
}


async def load_staff() -> int:
    """Create the demo accounts; an account from an earlier demo gets the names, scopes and scan
    kinds listed here (audited as the system), so that every demo journey still completes."""
    from tortoise.transactions import in_transaction

    from domain.audit import service as audit
    from domain.shared.actor import Actor
    from domain.staff.models import StaffAccount
    from domain.staff.roles import parse_scan_kinds, parse_scopes
    from domain.staff.service import TARGET, create_staff

    created = 0
    for username, name, roles, scopes in DEMO_STAFF:
        kinds = DEMO_SCAN_KINDS.get(username, [])
        existing = await StaffAccount.get_or_none(username=username)
        if existing is None:
            await create_staff(
                username=username,
                password=DEMO_STAFF_PASSWORD,
                display_name=name,
                roles=roles,
                scopes=scopes,
                scan_kinds=kinds,
            )
            created += 1
            continue
        wanted = {"display_name": name, "scopes": parse_scopes(scopes), "scan_kinds": parse_scan_kinds(kinds)}
        before = {k: getattr(existing, k) for k, v in wanted.items() if getattr(existing, k) != v}
        if not before:
            continue
        for key in before:
            setattr(existing, key, wanted[key])
        async with in_transaction() as conn:
            await existing.save(update_fields=list(before), using_db=conn)
            await audit.record(
                Actor.system(),
                "staff.account_updated",
                target_type=TARGET,
                target_id=existing.id,
                before=before,
                after={k: wanted[k] for k in before},
                using_db=conn,
            )
    return created


# -- residents -------------------------------------------------------------------------------------

# Sandbox residents: log in on the H5 app as "alice", "chen" or "bob". Alice and Chen are verified
# through the same sandbox identity flow the app uses; Bob has only logged in with WeChat.
DEMO_RESIDENTS = [
    # name in the app, real name, ID number without check digit, level, care mode
    ("alice", "李小红", "44180219900101002", 3, False),
    # Born in Beijing in 1952 and living with family in Qingyuan: Guangdong's county codes date
    # from the 1980s and python-stdnum checks a code existed in the birth year.
    ("chen", "陈大福", "11010119520618001", 4, True),
    ("bob", None, None, 1, False),
]
DEMO_CHILD = ("child", "李小宝", "44180320180305002")


async def _welcome(user_id: int, wechat: WeChat) -> None:
    """A first message in each demo resident's inbox, so a fresh demo shows the unread badge and
    says where things are (once per resident: its source key makes a second load change nothing)."""
    from domain.notifications import service as notifications

    notice = notifications.Notice(
        user_id=user_id,
        kind="welcome",
        title=_("Welcome to PalmCity"),
        body=_(
            "Search for a service on the home page and keep the ones you use as favourites; your "
            "health cards, appointment passes and e-certificates are in the card wallet."
        ),
        link="/pages/wallet/index",
    )
    await notifications.deliver(notice, source_key=f"demo.welcome:{user_id}", wechat=wechat)


def _with_check_digit(first17: str) -> str:
    from stdnum.cn import ric

    return first17 + ric.calc_check_digit(first17 + "0")  # it skips the last character given


async def load_residents(settings: Settings) -> int:
    """Create the demo residents through the real login and sandbox verification services."""
    from urllib.parse import parse_qs, urlsplit

    import fakeredis

    from adapters.identity.fake import SandboxIdentityProvider
    from adapters.population.fake import SandboxPopulationRegister
    from adapters.wechat.fake import SandboxWeChat
    from domain.accounts import service as accounts
    from domain.accounts.tokens import TokenService
    from domain.family import service as family
    from domain.family.models import Relation
    from domain.identity import service as identity
    from domain.shared.actor import Actor
    from domain.shared.kv import Keys

    # Verification state is transient: an in-process Redis is enough for this one run.
    redis = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    keys = Keys("palmcity:demo")
    tokens = TokenService.from_settings(settings, redis, keys)
    wechat = SandboxWeChat(appid=settings.wechat_appid)
    provider = SandboxIdentityProvider(base_url=settings.public_base_url, redis=redis, keys=keys)
    redirect_uri = settings.public_base_url + "/api/v1/identity/return"
    system = Actor.system()
    verified = 0
    for login_name, real_name, id17, level, care_mode in DEMO_RESIDENTS:
        user, _pair = await accounts.login_with_wechat(
            system, code=f"dev:{login_name}", wechat=wechat, tokens=tokens, redis=redis, keys=keys
        )
        actor = Actor(kind="resident", id=user.id, identity_level=user.identity_level)
        if not user.nickname or user.care_mode != care_mode:
            await accounts.update_profile(
                actor, nickname=login_name, care_mode=care_mode, redis=redis, keys=keys
            )
        await _welcome(user.id, wechat)
        if real_name is None or id17 is None or user.real_name_verified:
            continue
        url = await identity.start_verification(
            actor,
            return_to="/h5/",
            provider=provider,
            redirect_uri=redirect_uri,
            public_base_url=settings.public_base_url,
            redis=redis,
            keys=keys,
        )
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        code = await provider.issue_code(
            name=real_name,
            id_number=_with_check_digit(id17),
            level=level,
            code_challenge=query["code_challenge"],
            redirect_uri=redirect_uri,
            nonce=query["nonce"],
        )
        user = await identity.complete_verification(
            actor,
            code=code,
            state=query["state"],
            provider=provider,
            redirect_uri=redirect_uri,
            redis=redis,
            keys=keys,
        )
        verified += 1
        if login_name == "alice":
            actor = Actor(kind="resident", id=user.id, identity_level=user.identity_level)
            _relation, child_name, child_id17 = DEMO_CHILD
            # The sandbox register's seeded households list alice as 李小宝's mother: proven at once.
            await family.add_member(
                actor,
                SandboxPopulationRegister(),
                relation=Relation.CHILD,
                name=child_name,
                id_number=_with_check_digit(child_id17),
            )
    await redis.aclose()
    return verified
