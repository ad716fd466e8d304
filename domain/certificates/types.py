"""The kinds of e-certificate (证照类型) the platform issues or accepts in place of a material.

The catalogue names a type by its ``key`` (a material's ``certificate_type``, an item's
``result_certificate_type``); a certificate stores the short ``code``, which also starts its number
(``CJKF-2026...``). One registry, so that the catalogue cannot name a type nobody can issue, and the
wallet can say what each certificate is in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateType:
    key: str
    code: str  # ^[A-Z0-9]{2,16}$, the number's prefix
    zh_Hans: str  # noqa: N815 - locale names as in domain.shared.i18n
    zh_Hant: str  # noqa: N815
    en: str
    valid_days: int  # from the day of issue, inclusive

    def name(self, locale: str) -> str:
        return str(getattr(self, locale, self.zh_Hans))


_YEAR = 365
_TYPES = (
    CertificateType("resident_id_card", "SFZ", "居民身份证", "居民身份證", "Resident ID card", 20 * _YEAR),
    CertificateType(
        "household_register", "HKB", "居民户口簿", "居民戶口簿", "Household register", 20 * _YEAR
    ),
    CertificateType(
        "birth_medical_certificate",
        "CSYXZM",
        "出生医学证明",
        "出生醫學證明",
        "Birth certificate",
        100 * _YEAR,
    ),
    CertificateType("marriage_certificate", "JHZ", "结婚证", "結婚證", "Marriage certificate", 100 * _YEAR),
    CertificateType("residence_permit", "JZZ", "居住证", "居住證", "Residence permit", _YEAR),
    CertificateType(
        "disability_certificate", "CJRZ", "残疾人证", "殘疾人證", "Disability certificate", 10 * _YEAR
    ),
    CertificateType("driving_licence", "JSZ", "机动车驾驶证", "機動車駕駛證", "Driving licence", 6 * _YEAR),
    CertificateType(
        "social_security_card", "SBK", "社会保障卡", "社會保障卡", "Social security card", 10 * _YEAR
    ),
    CertificateType(
        "social_insurance_record",
        "SBCBZM",
        "社会保险参保证明",
        "社會保險參保證明",
        "Social insurance record",
        90,
    ),
    CertificateType(
        "medical_insurance_record",
        "YBCBZM",
        "医疗保险参保证明",
        "醫療保險參保證明",
        "Medical insurance record",
        90,
    ),
    CertificateType("pension_record", "YLZM", "养老金领取证明", "養老金領取證明", "Pension record", 90),
    CertificateType(
        "provident_fund_deposit",
        "GJJJCZM",
        "住房公积金缴存证明",
        "住房公積金繳存證明",
        "Housing provident fund deposit record",
        90,
    ),
    CertificateType("property_record", "BDCDJ", "不动产登记信息", "不動產登記信息", "Property record", 90),
    CertificateType(
        "vaccination_certificate", "YFJZZ", "预防接种证", "預防接種證", "Vaccination record", 100 * _YEAR
    ),
    CertificateType("business_licence", "YYZZ", "营业执照", "營業執照", "Business licence", 30 * _YEAR),
    CertificateType(
        "food_business_permit",
        "SPJYXK",
        "食品经营许可证",
        "食品經營許可證",
        "Food business permit",
        5 * _YEAR,
    ),
    CertificateType("hygiene_permit", "WSXK", "卫生许可证", "衛生許可證", "Hygiene permit", 4 * _YEAR),
    # The two aid schemes' decisions (seed 000 §2.3.2, seed 001 §1.2): valid for the aid year.
    CertificateType(
        "medical_aid", "YLJZ", "医疗救助审批决定书", "醫療救助審批決定書", "Medical aid decision", _YEAR
    ),
    CertificateType(
        "rehab_aid",
        "CJKF",
        "残疾儿童康复救助审批决定书",
        "殘疾兒童康復救助審批決定書",
        "Rehabilitation aid decision",
        _YEAR,
    ),
)

BY_KEY: dict[str, CertificateType] = {t.key: t for t in _TYPES}
BY_CODE: dict[str, CertificateType] = {t.code: t for t in _TYPES}
KEYS = frozenset(BY_KEY)
