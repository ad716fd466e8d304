"""Demo sites for appointments: a service hall and a hospital in Qingyuan, with a week of slots.

Idempotent: an existing site or service is left alone; slots are only added where missing (the
daily ``appointments.generate_slots`` job keeps the window rolling after that).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.appointments import setup
from domain.appointments.models import Service, Site, SiteKind


@dataclass(frozen=True)
class SiteSpec:
    code: str
    kind: SiteKind
    name: dict[str, str]
    address: str
    region_code: str
    department_code: str
    location: tuple[float, float]  # latitude, longitude


HALL = SiteSpec(
    "QY-HALL",
    SiteKind.HALL,
    {
        "zh_Hans": "清远市政务服务中心",
        "zh_Hant": "清遠市政務服務中心",
        "en": "Qingyuan Government Service Centre",
    },
    "清远市清城区北江二路",
    "441800",
    "qy-admin",
    (23.6820, 113.0560),
)
HOSPITAL = SiteSpec(
    "QY-PEOPLE",
    SiteKind.HOSPITAL,
    {"zh_Hans": "清远市人民医院", "zh_Hant": "清遠市人民醫院", "en": "Qingyuan People's Hospital"},
    "清远市清城区银泉路",
    "441800",
    "qy-health",
    (23.7013, 113.0396),
)
DAY = {"periods": [["09:00", "12:00"], ["14:00", "17:30"]], "slot_minutes": 30, "places": 6}
MORNING = {"periods": [["08:00", "12:00"]], "slot_minutes": 60, "places": 4}
SERVICES: dict[str, list[dict[str, Any]]] = {
    "QY-HALL": [
        {
            "code": "general",
            "name": {"zh_Hans": "综合受理窗口", "zh_Hant": "綜合受理窗口", "en": "General counter"},
            "business_type": "A",
            "schedule": DAY,
            "item_codes": ["QR0001-441800"],
            "walk_in_percent": 34,
        },
        {
            # A 24-hour self-service area (24小时自助服务区): open every day, so there is always a
            # slot to book and check in for (the H5 flow relies on it, whatever the hour).
            "code": "self-service",
            "name": {
                "zh_Hans": "24小时自助服务区",
                "zh_Hant": "24小時自助服務區",
                "en": "24-hour self-service area",
            },
            "business_type": "Z",
            "schedule": {
                "periods": [["00:00", "23:30"]],
                "slot_minutes": 30,
                "places": 20,
                "every_day": True,
            },
            "avg_service_minutes": 5,
        },
        {
            "code": "social-security",
            "name": {
                "zh_Hans": "社保医保窗口",
                "zh_Hant": "社保醫保窗口",
                "en": "Social and medical insurance",
            },
            "business_type": "B",
            "schedule": DAY,
            "avg_service_minutes": 12,
        },
    ],
    "QY-PEOPLE": [
        {
            "code": "dr-li",
            "name": {"zh_Hans": "李建华 医生", "zh_Hant": "李建華 醫生", "en": "Dr Li Jianhua"},
            "business_type": "N",
            "department": {"zh_Hans": "内科", "zh_Hant": "內科", "en": "Internal medicine"},
            "doctor_title": {"zh_Hans": "主任医师", "zh_Hant": "主任醫師", "en": "Chief physician"},
            "fee_fen": 2000,
            "schedule": MORNING,
            "rules": {"min_identity_level": 3},  # registration by real name (实名就诊)
            "avg_service_minutes": 15,
        },
        {
            "code": "dr-zhou",
            "name": {"zh_Hans": "周敏 医生", "zh_Hant": "周敏 醫生", "en": "Dr Zhou Min"},
            "business_type": "P",
            "department": {"zh_Hans": "儿科", "zh_Hant": "兒科", "en": "Paediatrics"},
            "doctor_title": {
                "zh_Hans": "副主任医师",
                "zh_Hant": "副主任醫師",
                "en": "Associate chief physician",
            },
            "fee_fen": 0,
            "schedule": MORNING,
            "rules": {"min_identity_level": 3},
        },
    ],
}


async def load_appointments() -> int:
    """The demo sites and services, and their slots from today; returns how many slots were added."""
    added = 0
    for spec in (HALL, HOSPITAL):
        site = await Site.get_or_none(code=spec.code)
        if site is None:
            site = await setup.create_site(
                spec.code,
                spec.kind,
                spec.name,
                region_code=spec.region_code,
                department_code=spec.department_code,
                address=spec.address,
                location=spec.location,
            )
        elif site.latitude is None:  # loaded before sites had a location
            site.latitude, site.longitude = spec.location
            await site.save(update_fields=["latitude", "longitude"])
        for service_spec in SERVICES[site.code]:
            service = await Service.get_or_none(site_id=site.id, code=service_spec["code"])
            if service is None:
                fields = {k: v for k, v in service_spec.items() if k not in ("code", "name")}
                service = await setup.create_service(
                    site, service_spec["code"], service_spec["name"], **fields
                )
    return added + await setup.generate_all()
