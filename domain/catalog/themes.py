"""The fixed lists an item document may name: themes (主题) and life events (人生事件).

They are reference data, not messages: each carries its own name in every locale, like regions.
A new theme is added here (and so reviewed) rather than typed freely by an editor, so that the
residents' theme filter never shows near-duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TagKind = Literal["theme", "life_event"]


@dataclass(frozen=True)
class Tag:
    code: str
    zh_Hans: str  # noqa: N815 - the locale's own spelling, as in the documents
    zh_Hant: str  # noqa: N815
    en: str

    def name(self, locale: str) -> str:
        return str(getattr(self, locale, self.zh_Hans))


THEMES: tuple[Tag, ...] = (
    Tag("social_security", "社会保障", "社會保障", "Social security"),
    Tag("provident_fund", "住房公积金", "住房公積金", "Housing provident fund"),
    Tag("medical_insurance", "医疗保障", "醫療保障", "Medical insurance"),
    Tag("social_assistance", "社会救助", "社會救助", "Social assistance"),
    Tag("disability", "残疾人服务", "殘疾人服務", "Services for disabled people"),
    Tag("household_registration", "户籍办理", "戶籍辦理", "Household registration"),
    Tag("health", "卫生健康", "衛生健康", "Health"),
    Tag("employment", "就业创业", "就業創業", "Jobs and starting out"),
    Tag("business", "企业经营", "企業經營", "Running a business"),
    Tag("civil_affairs", "民政服务", "民政服務", "Civil affairs"),
    Tag("transport", "交通出行", "交通出行", "Transport"),
)

LIFE_EVENTS: tuple[Tag, ...] = (
    Tag("birth", "出生", "出生", "Having a baby"),
    Tag("schooling", "入学", "入學", "Starting school"),
    Tag("work", "工作", "工作", "Working"),
    Tag("marriage", "婚姻", "婚姻", "Marriage"),
    Tag("illness", "患病就医", "患病就醫", "Falling ill"),
    Tag("disability", "残疾", "殘疾", "Living with a disability"),
    Tag("housing", "安居", "安居", "Finding a home"),
    Tag("retirement", "退休养老", "退休養老", "Retirement"),
    Tag("hardship", "生活困难", "生活困難", "Hard times"),
    Tag("business_startup", "开办企业", "開辦企業", "Starting a business"),
    Tag("business_change", "企业变更", "企業變更", "Changing a business"),
)

THEME_CODES = frozenset(t.code for t in THEMES)
LIFE_EVENT_CODES = frozenset(t.code for t in LIFE_EVENTS)
