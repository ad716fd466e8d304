"""The two aid schemes as catalogue item documents (``domain.catalog.schema.ItemDocument``).

The catalogue's demo loader imports :data:`MEDICAL_AID_ITEM` and :data:`REHABILITATION_AID_ITEM`.
Their forms ask for what the rules in ``domain.aid.medical`` and ``domain.aid.rehabilitation``
read, and their ``instant_rules`` are those same rules, moved under ``form.`` (where the
applications service puts the form when it evaluates them). Neither workflow has an instant
approval: the rules' results are recorded for the staff who decide.

Three rule inputs are computed, not typed, because the condition format cannot add, divide or
read a birth date: ``deposits_and_securities_per_capita_fen`` (Art. 5(六)),
``self_pay_share_of_income_permille`` (Art. 3(四)) and ``age_on_31_august`` (seed 001 Art. 5).
:func:`derived_form` adds them; whoever evaluates the rules merges its result into the form.
Money fields are whole fen, like every amount in the platform.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from domain.aid import NamedRule, cmp
from domain.aid import medical as med
from domain.aid import rehabilitation as rehab


def _name(zh_hans: str, zh_hant: str, en: str) -> dict[str, str]:
    return {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en}


def _field(key: str, kind: str, label: dict[str, str], **spec: Any) -> dict[str, Any]:
    return {"key": key, "type": kind, "label": label, **spec}


def _yes_no(key: str, label: dict[str, str], **spec: Any) -> dict[str, Any]:
    return _field(key, "boolean", label, required=True, **spec)


def _fen(key: str, label: dict[str, str], **spec: Any) -> dict[str, Any]:
    return _field(key, "number", label, required=True, min=0, max=100_000_000_000, **spec)


def _select(
    key: str, label: dict[str, str], options: list[tuple[str, dict[str, str]]], **spec: Any
) -> dict[str, Any]:
    return _field(key, "select", label, options=[{"value": v, "label": n} for v, n in options], **spec)


def _material(code: str, name: dict[str, str], *, required: bool = True, **spec: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "required": required, **spec}


def under(prefix: str, condition: dict[str, Any]) -> dict[str, Any]:
    """``condition`` reading ``<prefix>.<field>`` instead of ``<field>``."""
    if "all" in condition:
        return {"all": [under(prefix, part) for part in condition["all"]]}
    if "any" in condition:
        return {"any": [under(prefix, part) for part in condition["any"]]}
    return {**condition, "field": f"{prefix}.{condition['field']}"}


def as_instant_rules(*groups: list[NamedRule]) -> dict[str, Any]:
    """Rule groups as one condition over ``form.*`` (one ``all`` per group keeps each under 20)."""
    return {"all": [{"all": [under("form", r.condition) for r in group]} for group in groups if group]}


# -- medical aid (seed 000 §2.3.2) ----------------------------------------------------------------

_CATEGORY_NAMES = {
    med.MedicalAidCategory.DIBAO: _name(
        "城乡最低生活保障家庭成员", "城鄉最低生活保障家庭成員", "Minimum living guarantee (dibao) household"
    ),
    med.MedicalAidCategory.REGISTERED_POVERTY: _name(
        "建档立卡贫困对象（非低保）", "建檔立卡貧困對象（非低保）", "Registered poor household (not dibao)"
    ),
    med.MedicalAidCategory.UNSUPPORTED_CHILD: _name(
        "事实无人抚养儿童", "事實無人撫養兒童", "De facto unsupported child"
    ),
    med.MedicalAidCategory.TEKUN: _name("特困供养人员", "特困供養人員", "Person in extreme poverty (tekun)"),
    med.MedicalAidCategory.LOW_INCOME: _name(
        "低收入家庭的老年人、未成年人、重度残疾人和重病患者",
        "低收入家庭的老年人、未成年人、重度殘疾人和重病患者",
        "Elderly, minor, severely disabled or seriously ill member of a low-income family",
    ),
    med.MedicalAidCategory.ILLNESS_POVERTY: _name(
        "因病致贫家庭重病患者",
        "因病致貧家庭重病患者",
        "Seriously ill person in a family impoverished by illness",
    ),
    med.MedicalAidCategory.OTHER_SPECIAL: _name(
        "经区政府认定的其他特殊困难人员",
        "經區政府認定的其他特殊困難人員",
        "Other person in special difficulty recognised by the district",
    ),
}
_GROUP_NAMES = {
    med.LowIncomeGroup.ELDERLY: _name("老年人", "老年人", "Elderly"),
    med.LowIncomeGroup.MINOR: _name("未成年人", "未成年人", "Minor"),
    med.LowIncomeGroup.SEVERELY_DISABLED: _name("重度残疾人", "重度殘疾人", "Severely disabled"),
    med.LowIncomeGroup.SERIOUSLY_ILL: _name("重病患者", "重病患者", "Seriously ill"),
}
_EXCLUSION_QUESTIONS = {
    "covered_by_special_scheme": _name(
        "所患疾病是否已有国家、省、市专项保障（特定重大疾病、传染病）？",
        "所患疾病是否已有國家、省、市專項保障（特定重大疾病、傳染病）？",
        "Is the illness covered by a national, provincial or city scheme of its own?",
    ),
    "own_illegal_act": _name(
        "费用是否因本人违法行为导致？",
        "費用是否因本人違法行為導致？",
        "Were the costs caused by the patient's own illegal act?",
    ),
    "third_party_liable": _name(
        "是否应由第三方承担（交通事故、工伤事故、医疗事故等）？",
        "是否應由第三方承擔（交通事故、工傷事故、醫療事故等）？",
        "Should a third party pay (traffic accident, work injury, medical accident)?",
    ),
    "self_inflicted": _name(
        "是否因酗酒、斗殴、自杀、互杀、自伤所致？",
        "是否因酗酒、鬥毆、自殺、互殺、自傷所致？",
        "Were they caused by alcohol abuse, a fight, suicide or self-harm?",
    ),
    "mental_illness": _name(
        "是否因精神疾病所致？", "是否因精神疾病所致？", "Was this due to a mental illness?"
    ),
    "cosmetic": _name(
        "是否为整容、美容、镶牙费用？",
        "是否為整容、美容、鑲牙費用？",
        "Are they for cosmetic surgery, beauty treatment or dentures?",
    ),
    "unapproved_nominal_stay": _name(
        "是否为未经批准的挂床住院或家庭病床？",
        "是否為未經批准的掛床住院或家庭病床？",
        "Are they for an unapproved nominal hospital stay or home sickbed?",
    ),
    "outside_insurance_catalogue": _name(
        "是否超出医保目录、诊疗项目及服务设施标准？",
        "是否超出醫保目錄、診療項目及服務設施標準？",
        "Are they outside the medical insurance catalogues?",
    ),
    "non_designated_without_procedure": _name(
        "是否未办手续自行到非定点机构就医或自购药品？",
        "是否未辦手續自行到非定點機構就醫或自購藥品？",
        "Treatment at a non-designated institution or self-bought drugs without the procedure?",
    ),
    "emergency_rescue": _name("是否属于抢救？", "是否屬於搶救？", "Was it an emergency rescue?"),
    "after_discharge_notice": _name(
        "是否为收到出院通知后无正当理由拒绝出院期间的费用？",
        "是否為收到出院通知後無正當理由拒絕出院期間的費用？",
        "Are they from a stay after a discharge notice was refused without good reason?",
    ),
}


def _medical_form() -> dict[str, Any]:
    category = cmp("category", "eq", med.MedicalAidCategory.LOW_INCOME.value)
    illness = cmp("category", "eq", med.MedicalAidCategory.ILLNESS_POVERTY.value)
    non_local_illness = {"all": [illness, cmp("local_hukou", "eq", False)]}
    tested = cmp("category", "in", sorted(c.value for c in med.PROPERTY_TESTED))
    fields = [
        _select(
            "category",
            _name("救助对象类别", "救助對象類別", "Aid category"),
            [(c.value, _CATEGORY_NAMES[c]) for c in med.MedicalAidCategory],
            required=True,
        ),
        _yes_no("local_hukou", _name("是否本区户籍", "是否本區戶籍", "Household registered in the district")),
        _select(
            "low_income_group",
            _name("低收入家庭成员类型", "低收入家庭成員類型", "Member of a low-income family who is"),
            [(g.value, _GROUP_NAMES[g]) for g in med.LowIncomeGroup],
            required=True,
            show_if=category,
        ),
        _fen(
            "monthly_income_per_capita_fen",
            _name(
                "家庭月人均可支配收入（分）",
                "家庭月人均可支配收入（分）",
                "Household disposable income per person per month (fen)",
            ),
            show_if=category,
        ),
        _fen(
            "self_pay_past_year_fen",
            _name(
                "过去一年住院和特殊门诊合规自付费用（分）",
                "過去一年住院和特殊門診合規自付費用（分）",
                "In-scope self-pay for hospital and special outpatient care in the past year (fen)",
            ),
            show_if=illness,
        ),
        _fen(
            "household_annual_income_fen",
            _name(
                "家庭年可支配总收入（分）",
                "家庭年可支配總收入（分）",
                "Household disposable income for the year (fen)",
            ),
            show_if=illness,
        ),
        _yes_no(
            "works_in_district",
            _name(
                "是否在本区就业或创业",
                "是否在本區就業或創業",
                "Working or running a business in the district",
            ),
            show_if=non_local_illness,
        ),
        _yes_no(
            "residence_permit",
            _name(
                "是否持有效《广东省居住证》",
                "是否持有效《廣東省居住證》",
                "Holding a valid Guangdong residence permit",
            ),
            show_if=non_local_illness,
        ),
        _yes_no(
            "fixed_residence",
            _name("是否有固定住所", "是否有固定住所", "Having a fixed residence"),
            show_if=non_local_illness,
        ),
        _field(
            "insured_months_in_district",
            "number",
            _name(
                "在本区连续参加基本医保月数",
                "在本區連續參加基本醫保月數",
                "Months of continuous basic medical insurance in the district",
            ),
            required=True,
            min=0,
            max=1200,
            show_if=non_local_illness,
        ),
        _yes_no(
            "college_student_insured_here",
            _name(
                "是否在本区参保的全日制普通高校在校生",
                "是否在本區參保的全日制普通高校在校生",
                "Full-time college student insured in the district",
            ),
            show_if=non_local_illness,
        ),
        _yes_no(
            "recognised_by_district",
            _name("是否经区政府认定", "是否經區政府認定", "Recognised by the district government"),
            show_if=cmp("category", "eq", med.MedicalAidCategory.OTHER_SPECIAL.value),
        ),
        _field(
            "houses",
            "number",
            _name(
                "共同生活家庭成员名下产权房屋（套）",
                "共同生活家庭成員名下產權房屋（套）",
                "Homes owned by the co-resident family",
            ),
            required=True,
            min=0,
            max=1000,
            show_if=tested,
        ),
        _fen(
            "deposits_per_capita_fen",
            _name("人均存款（分）", "人均存款（分）", "Bank deposits per person (fen)"),
            show_if=tested,
        ),
        _yes_no(
            "has_vehicle_or_ship",
            _name(
                "是否有机动车辆、船舶（残疾人代步车、摩托车除外）",
                "是否有機動車輛、船舶（殘疾人代步車、摩托車除外）",
                "Owning a motor vehicle or ship (mobility scooters and motorcycles aside)",
            ),
            show_if=tested,
        ),
        _fen(
            "securities_per_capita_fen",
            _name(
                "人均有价证券、基金、字画等收藏品市值（分）",
                "人均有價證券、基金、字畫等收藏品市值（分）",
                "Securities, funds and collectibles per person (fen)",
            ),
            show_if=tested,
        ),
        _yes_no(
            "owns_for_profit_business",
            _name(
                "是否拥有工业、商业、服务业营利性组织",
                "是否擁有工業、商業、服務業營利性組織",
                "Owning a for-profit business",
            ),
            show_if=tested,
        ),
        _fen(
            "self_pay_in_scope_fen",
            _name(
                "申请救助的政策范围内个人自付费用（分）",
                "申請救助的政策範圍內個人自付費用（分）",
                "In-scope self-pay claimed (fen)",
            ),
        ),
    ]
    for exclusion in med.EXCLUSIONS:
        fields.append(_yes_no(exclusion.code, _EXCLUSION_QUESTIONS[exclusion.code]))
        if exclusion.unless:
            fields.append(
                _yes_no(
                    exclusion.unless,
                    _EXCLUSION_QUESTIONS[exclusion.unless],
                    show_if=cmp(exclusion.code, "eq", True),
                )
            )
    return {"fields": fields}


MEDICAL_AID_GUIDE = _name(
    "依据《清远市清新区城乡困难群众医疗救助暂行办法》（清新府办〔2018〕16号）。\n"
    "救助对象：本区低保家庭成员、建档立卡贫困对象、事实无人抚养儿童；特困供养人员；低收入家庭的老年人、"
    "未成年人、重度残疾人和重病患者；因病致贫家庭重病患者；经区政府认定的其他特殊困难人员。\n"
    "救助标准：低保等对象政策范围内自付费用按80%救助，特困供养人员全额救助，低收入家庭对象按75%，"
    "因病致贫等对象按70%；除特困外每人每年最高5万元。"
    "重特大疾病：扣除基本救助后剩余自付累计超过1万元（因病致贫等对象2万元）的，按50%救助，"
    "每人每年最高3万元。共同生活家庭成员两人及以上住院的，年度自付费用可合并计算。\n"
    "家庭财产：房屋不超过1套；人均存款、人均有价证券等各自及合计不超过12个月城镇低保标准；"
    "无机动车辆船舶；无营利性组织。\n"
    "办理流程：向户籍所在镇（场）申请；已在民政部门备案的对象10个工作日内报区民政局审批；"
    "其他对象入户调查，镇（场）3个工作日内提出审核意见并公示5日，有异议的组织民主评议；"
    "区民政局5个工作日内审批，拟批准对象公示5日；无异议3个工作日内决定，5个工作日内申请拨款，"
    "区财政局3个工作日内拨付至本人账户。\n"
    "不予救助：违法行为、第三方责任、酗酒斗殴自杀自伤（精神病除外）、整容美容镶牙、"
    "未经批准的挂床住院和家庭病床、超出医保目录、未按规定到非定点机构就医（抢救除外）等费用。",
    "依據《清遠市清新區城鄉困難群眾醫療救助暫行辦法》（清新府辦〔2018〕16號）。\n"
    "救助對象：本區低保家庭成員、建檔立卡貧困對象、事實無人撫養兒童；特困供養人員；低收入家庭的老年人、"
    "未成年人、重度殘疾人和重病患者；因病致貧家庭重病患者；經區政府認定的其他特殊困難人員。\n"
    "救助標準：低保等對象政策範圍內自付費用按80%救助，特困供養人員全額救助，低收入家庭對象按75%，"
    "因病致貧等對象按70%；除特困外每人每年最高5萬元。"
    "重特大疾病：扣除基本救助後剩餘自付累計超過1萬元（因病致貧等對象2萬元）的，按50%救助，"
    "每人每年最高3萬元。共同生活家庭成員兩人及以上住院的，年度自付費用可合併計算。\n"
    "家庭財產：房屋不超過1套；人均存款、人均有價證券等各自及合計不超過12個月城鎮低保標準；"
    "無機動車輛船舶；無營利性組織。\n"
    "辦理流程：向戶籍所在鎮（場）申請；已在民政部門備案的對象10個工作日內報區民政局審批；"
    "其他對象入戶調查，鎮（場）3個工作日內提出審核意見並公示5日，有異議的組織民主評議；"
    "區民政局5個工作日內審批，擬批准對象公示5日；無異議3個工作日內決定，5個工作日內申請撥款，"
    "區財政局3個工作日內撥付至本人賬戶。\n"
    "不予救助：違法行為、第三方責任、酗酒鬥毆自殺自傷（精神病除外）、整容美容鑲牙、"
    "未經批准的掛床住院和家庭病床、超出醫保目錄、未按規定到非定點機構就醫（搶救除外）等費用。",
    "Under the Qingxin District interim measures on medical aid for people in difficulty (Qingxin Fu Ban "
    "[2018] No. 16).\n"
    "Who: members of dibao households, registered poor households and de facto unsupported children; "
    "people in extreme poverty (tekun); elderly, minor, severely disabled or seriously ill members of "
    "low-income families; seriously ill people in families impoverished by illness; others recognised by "
    "the district.\n"
    "How much: 80 % of in-scope self-pay for dibao and registered poor households, all of it for tekun, "
    "75 % for low-income families, 70 % for illness-caused poverty; at most 50,000 yuan a person a year "
    "except for tekun. Catastrophic illness: when the self-pay left after basic aid exceeds 10,000 yuan "
    "in the year (20,000 for illness-caused poverty), 50 % more, at most 30,000 yuan a year. Two or more "
    "co-resident family members in hospital may pool their costs.\n"
    "Property: at most one home; deposits and securities per person each, and together, within 12 months "
    "of the urban dibao standard; no motor vehicle or ship; no for-profit business.\n"
    "Steps: apply at the town of your household registration. People on file with civil affairs go to "
    "the district within 10 working days; others get a home visit, the town's opinion within 3 working "
    "days and a 5-day public notice (objections go to a democratic appraisal); the district decides "
    "within 5 working days, proposed awards are noticed for 5 days, the decision follows within 3, the "
    "funds are requested within 5 and paid by the finance bureau within 3 working days.\n"
    "Not covered: costs from illegal acts, third-party liability, alcohol, fights, suicide or self-harm "
    "(mental illness aside), cosmetic treatment and dentures, unapproved nominal stays, anything outside "
    "the insurance catalogues, and non-designated care without the procedure (emergencies aside).",
)

MEDICAL_AID_ITEM: dict[str, Any] = {
    "name": _name(
        "城乡困难群众医疗救助申请", "城鄉困難群眾醫療救助申請", "Medical aid for people in difficulty"
    ),
    "summary": _name(
        "基本医疗救助与重特大疾病医疗救助",
        "基本醫療救助與重特大疾病醫療救助",
        "Basic and catastrophic-illness medical aid",
    ),
    "guide": MEDICAL_AID_GUIDE,
    "keywords": ["医疗救助", "醫療救助", "大病救助", "低保", "特困", "medical aid"],
    "kind": "administrative",
    "department": "qx-civil-affairs",
    "region": "441803",
    "region_level": "county",
    "themes": ["social_assistance", "medical_insurance", "civil_affairs"],
    "life_events": ["illness", "hardship"],
    "online_depth": 3,
    "at_most_one_visit": True,
    "zero_visit": False,
    # Art. 15's working-day limits on the longer path (3+3+5+3+5+3) plus the two 5-day notices.
    "promised_days": 30,
    "legal_days": 30,
    "fee_fen": 0,
    "min_identity_level": 3,
    "applicant_kinds": ["self", "family_member"],
    "delivery": ["e_certificate"],
    "result_certificate_type": "medical_aid",
    "certificate_fields": ["category"],
    "materials": [
        _material(
            "written_application",
            _name(
                "书面申请（村（居）委会核实并盖章）",
                "書面申請（村（居）委會核實並蓋章）",
                "Written application, checked and stamped by the village or residents' committee",
            ),
        ),
        _material(
            "household_register_and_ids",
            _name(
                "共同生活家庭成员户口簿和身份证复印件",
                "共同生活家庭成員戶口簿和身份證影印件",
                "Household register and ID cards of the co-resident family",
            ),
            certificate_type="household_register",
        ),
        _material(
            "hardship_survey",
            _name(
                "《清远市清新区大病困难家庭申请救助情况调查表》（第三、四、五类对象）",
                "《清遠市清新區大病困難家庭申請救助情況調查表》（第三、四、五類對象）",
                "Hardship survey form (categories 3 to 5)",
            ),
            required=False,
        ),
        _material(
            "commitment_letter",
            _name(
                "《救助申请承诺书》（第三、四、五类对象）",
                "《救助申請承諾書》（第三、四、五類對象）",
                "Commitment letter (categories 3 to 5)",
            ),
            required=False,
        ),
        _material(
            "financial_check_consent",
            _name(
                "《申请重特大疾病医疗救助家庭经济状况核对授权书》（第三、四、五类对象）",
                "《申請重特大疾病醫療救助家庭經濟狀況核對授權書》（第三、四、五類對象）",
                "Consent to check the household's finances (categories 3 to 5)",
            ),
            required=False,
        ),
        _material(
            "diagnosis_and_receipts",
            _name(
                "诊断证明、医疗收费有效票据或复印件（复印件注明已报销金额并盖章）",
                "診斷證明、醫療收費有效票據或影印件（影印件註明已報銷金額並蓋章）",
                "Diagnosis and medical receipts (copies show the amount reimbursed and the reimburser's "
                "seal)",
            ),
        ),
        _material(
            "insurance_reimbursement",
            _name("医疗保险报销凭据", "醫療保險報銷憑據", "Medical insurance reimbursement vouchers"),
            tolerated=True,
        ),
        _material(
            "other_aid_statement",
            _name(
                "是否取得其他慈善救助、商业保险赔偿的说明和承诺书",
                "是否取得其他慈善救助、商業保險賠償的說明和承諾書",
                "Statement on other charity aid or commercial insurance received",
            ),
        ),
        _material(
            "bank_card",
            _name(
                "银行存折（卡）原件及复印件", "銀行存摺（卡）原件及影印件", "Bank passbook or card and a copy"
            ),
        ),
        _material(
            "residence_permit",
            _name(
                "居住证（非本市户籍）",
                "居住證（非本市戶籍）",
                "Residence permit (no city household registration)",
            ),
            required=False,
            certificate_type="residence_permit",
        ),
        _material(
            "insurance_contribution_proof",
            _name(
                "在本市参保满2年的缴费证明（非本市户籍）",
                "在本市參保滿2年的繳費證明（非本市戶籍）",
                "Proof of 2 years of insurance contributions in the city (non-local)",
            ),
            required=False,
        ),
        _material(
            "hukou_income_property_proof",
            _name(
                "户籍地县级以上部门出具的家庭收入和财产证明（非本市户籍）",
                "戶籍地縣級以上部門出具的家庭收入和財產證明（非本市戶籍）",
                "Household income and property proof from the home county (non-local)",
            ),
            required=False,
        ),
        _material(
            "no_duplicate_aid_proof",
            _name(
                "未获得相同事项救助的证明（非本市户籍）",
                "未獲得相同事項救助的證明（非本市戶籍）",
                "Proof of no aid for the same matter elsewhere (non-local)",
            ),
            required=False,
        ),
    ],
    "form": _medical_form(),
    "workflow": "medical_aid",
    "instant_rules": as_instant_rules(med.eligibility_rules(), [e.rule for e in med.EXCLUSIONS]),
}


# -- rehabilitation aid (seed 001 §1.2, §4) --------------------------------------------------------

_DISABILITY_NAMES = {
    rehab.DisabilityType.VISION: _name("视力残疾", "視力殘疾", "Vision"),
    rehab.DisabilityType.HEARING: _name("听力残疾", "聽力殘疾", "Hearing"),
    rehab.DisabilityType.SPEECH: _name("言语残疾", "言語殘疾", "Speech"),
    rehab.DisabilityType.INTELLECTUAL: _name("智力残疾", "智力殘疾", "Intellectual"),
    rehab.DisabilityType.LIMB: _name("肢体残疾", "肢體殘疾", "Limb"),
    rehab.DisabilityType.AUTISM: _name("孤独症", "孤獨症", "Autism"),
}
_ITEM_NAMES = {
    rehab.RehabilitationItem.COCHLEAR_IMPLANT: _name("人工耳蜗植入", "人工耳蝸植入", "Cochlear implant"),
    rehab.RehabilitationItem.COCHLEAR_IMPLANT_NATIONAL: _name(
        "人工耳蜗植入（国家救助项目）",
        "人工耳蝸植入（國家救助項目）",
        "Cochlear implant (national programme)",
    ),
    rehab.RehabilitationItem.LIMB_CORRECTION: _name(
        "肢体残疾矫治手术", "肢體殘疾矯治手術", "Limb correction surgery"
    ),
    rehab.RehabilitationItem.ASSISTIVE_DEVICES: _name("辅助器具适配", "輔助器具適配", "Assistive devices"),
    rehab.RehabilitationItem.LOW_VISION_BASIC: _name(
        "低视力功能评估和视觉基本技能训练",
        "低視力功能評估和視覺基本技能訓練",
        "Low-vision assessment and basic visual skills",
    ),
    rehab.RehabilitationItem.LOW_VISION_TRAINING: _name(
        "低视力助视器使用及生活技能训练",
        "低視力助視器使用及生活技能訓練",
        "Low-vision aids and life-skills training",
    ),
    rehab.RehabilitationItem.BLIND_ORIENTATION: _name(
        "全盲儿童定向行走及适应性训练",
        "全盲兒童定向行走及適應性訓練",
        "Orientation and mobility for blind children",
    ),
    rehab.RehabilitationItem.FULL_TIME_TRAINING: _name(
        "全日制康复训练", "全日制康復訓練", "Full-time rehabilitation training"
    ),
    rehab.RehabilitationItem.PART_TIME_TRAINING: _name(
        "非全日制康复训练", "非全日制康復訓練", "Part-time rehabilitation training"
    ),
}
_MONTHLY_ITEMS = sorted(i.value for i, s in rehab.STANDARDS.items() if s.monthly_fen)


def _rehabilitation_form() -> dict[str, Any]:
    return {
        "fields": [
            _field(
                "child_name",
                "text",
                _name("儿童姓名", "兒童姓名", "Child's name"),
                required=True,
                min=1,
                max=50,
            ),
            _field(
                "child_id_number",
                "id_number",
                _name("儿童身份证号", "兒童身份證號", "Child's ID number"),
                required=True,
            ),
            _select(
                "disability_type",
                _name("残疾类别", "殘疾類別", "Type of disability"),
                [(t.value, _DISABILITY_NAMES[t]) for t in rehab.DisabilityType],
                required=True,
            ),
            _select(
                "residence",
                _name("申请地依据", "申請地依據", "Applying as"),
                [
                    ("hukou", _name("汕尾市户籍", "汕尾市戶籍", "Shanwei household registration")),
                    (
                        "residence_permit",
                        _name("持汕尾市居住证", "持汕尾市居住證", "Shanwei residence permit holder"),
                    ),
                    ("other", _name("其他", "其他", "Other")),
                ],
                required=True,
            ),
            _yes_no(
                "has_disability_certificate",
                _name("是否持有残疾人证", "是否持有殘疾人證", "Holds a disability certificate"),
            ),
            _yes_no(
                "has_diagnosis",
                _name(
                    "是否有专业医疗机构出具的诊断证明书",
                    "是否有專業醫療機構出具的診斷證明書",
                    "Has a diagnosis from a qualified medical institution",
                ),
                show_if=cmp("has_disability_certificate", "eq", False),
            ),
            _yes_no(
                "rehabilitation_indicated",
                _name(
                    "是否具有康复服务适应指征",
                    "是否具有康復服務適應指徵",
                    "Rehabilitation is indicated and may restore or improve function",
                ),
            ),
            _select(
                "aid_item",
                _name("申请救助项目", "申請救助項目", "Aid item"),
                [(i.value, _ITEM_NAMES[i]) for i in rehab.RehabilitationItem],
                required=True,
            ),
            _select(
                "institution_kind",
                _name("康复机构性质", "康復機構性質", "Rehabilitation institution"),
                [
                    (
                        "public",
                        _name("公办（公益一类）", "公辦（公益一類）", "Public (public welfare class 1)"),
                    ),
                    ("non_public", _name("非公办", "非公辦", "Non-public")),
                ],
                required=True,
                show_if=cmp("aid_item", "in", _MONTHLY_ITEMS),
            ),
            _yes_no(
                "in_mainstream_school",
                _name(
                    "是否接受普通幼儿教育或普通小学教育",
                    "是否接受普通幼兒教育或普通小學教育",
                    "Attends an ordinary kindergarten or primary school",
                ),
                show_if=cmp("aid_item", "eq", rehab.RehabilitationItem.PART_TIME_TRAINING.value),
            ),
            _select(
                "priority_group",
                _name("优先救助情形", "優先救助情形", "Priority group"),
                [
                    ("none", _name("无", "無", "None")),
                    ("dibao", _name("城乡低保家庭", "城鄉低保家庭", "Dibao household")),
                    (
                        "registered_poverty",
                        _name("建档立卡贫困户", "建檔立卡貧困戶", "Registered poor household"),
                    ),
                    ("orphan", _name("残疾孤儿", "殘疾孤兒", "Disabled orphan")),
                    ("tekun", _name("特困人员供养", "特困人員供養", "Supported in extreme poverty")),
                ],
                required=True,
            ),
            _field(
                "guardian_phone",
                "phone",
                _name("监护人手机号", "監護人手機號", "Guardian's mobile number"),
                required=True,
            ),
        ]
    }


REHABILITATION_AID_GUIDE = _name(
    "依据《汕尾市残疾儿童康复救助实施办法》（汕府办〔2019〕21号）。\n"
    "救助对象：汕尾市户籍或持汕尾市居住证、截至申请当年8月31日未满7周岁的视力、听力、言语、智力、"
    "肢体残疾儿童和孤独症儿童；须持残疾人证或专业医疗机构诊断证明书，并具有康复服务适应指征。低保、"
    "建档立卡、残疾孤儿和特困供养儿童优先。\n"
    "救助标准：人工耳蜗植入一次性补助1.5万元（自付低于标准的按实际）；"
    "肢体矫治手术1万元（自付低于标准的按实际）另加辅助器具和康复训练6000元；"
    "低视力基础训练每次1500元（3年1次），低视力训练每月2000元，全盲定向行走每次3000元（5年1次）；"
    "全日制康复训练公办每月1200元、非公办每月2000元，非全日制公办每月600元、非公办每月1000元，"
    "每年最多10个月。辅助器具按省辅助器具适配补贴办法执行。\n"
    "办理流程：监护人向户籍地、康复机构所在地或居住证发放地县级残联申请；残联10个工作日内审核并告知结果，"
    "不通过的书面说明理由；有异议的可向上一级残联申诉，10个工作日内答复。",
    "依據《汕尾市殘疾兒童康復救助實施辦法》（汕府辦〔2019〕21號）。\n"
    "救助對象：汕尾市戶籍或持汕尾市居住證、截至申請當年8月31日未滿7周歲的視力、聽力、言語、智力、"
    "肢體殘疾兒童和孤獨症兒童；須持殘疾人證或專業醫療機構診斷證明書，並具有康復服務適應指徵。低保、"
    "建檔立卡、殘疾孤兒和特困供養兒童優先。\n"
    "救助標準：人工耳蝸植入一次性補助1.5萬元（自付低於標準的按實際）；"
    "肢體矯治手術1萬元（自付低於標準的按實際）另加輔助器具和康復訓練6000元；"
    "低視力基礎訓練每次1500元（3年1次），低視力訓練每月2000元，全盲定向行走每次3000元（5年1次）；"
    "全日制康復訓練公辦每月1200元、非公辦每月2000元，非全日制公辦每月600元、非公辦每月1000元，"
    "每年最多10個月。輔助器具按省輔助器具適配補貼辦法執行。\n"
    "辦理流程：監護人向戶籍地、康復機構所在地或居住證發放地縣級殘聯申請；殘聯10個工作日內審核並告知結果，"
    "不通過的書面說明理由；有異議的可向上一級殘聯申訴，10個工作日內答覆。",
    "Under the Shanwei measures on rehabilitation aid for disabled children (Shan Fu Ban [2019] No. 21).\n"
    "Who: children with a Shanwei household registration or residence permit who are under 7 on 31 "
    "August of the year of application, with a vision, hearing, speech, intellectual or limb disability "
    "or autism, a disability certificate or a diagnosis from a qualified institution, and a need that "
    "rehabilitation can meet. Children of dibao or registered poor households, disabled orphans and "
    "children supported in extreme poverty come first.\n"
    "How much: a cochlear implant 15,000 yuan once (or the self-pay, if less); limb correction surgery "
    "10,000 yuan (or the self-pay, if less) plus 6,000 yuan for devices and training; low-vision basic "
    "training 1,500 yuan a course (once in 3 years), low-vision training 2,000 yuan a month, orientation "
    "and mobility for blind children 3,000 yuan a course (once in 5 years); full-time training 1,200 "
    "yuan a month at a public institution or 2,000 at a non-public one, part-time 600 or 1,000 yuan a "
    "month, at most 10 months a year. Assistive devices follow the province's subsidy rules.\n"
    "Steps: the guardian applies to the county disabled persons' federation of the household "
    "registration, the institution or the residence permit; it decides within 10 working days and gives "
    "written reasons for a refusal; the guardian may appeal to the federation one level up, which "
    "answers within 10 working days.",
)

REHABILITATION_AID_ITEM: dict[str, Any] = {
    "name": _name("残疾儿童康复救助申请", "殘疾兒童康復救助申請", "Rehabilitation aid for disabled children"),
    "summary": _name(
        "0-6岁残疾儿童手术、辅助器具和康复训练补助",
        "0-6歲殘疾兒童手術、輔助器具和康復訓練補助",
        "Surgery, devices and training for disabled children aged 0 to 6",
    ),
    "guide": REHABILITATION_AID_GUIDE,
    "keywords": ["残疾儿童", "殘疾兒童", "康复救助", "康復救助", "孤独症", "人工耳蜗", "rehabilitation"],
    "kind": "administrative",
    "department": "sw-disabled-persons",
    "region": "441500",
    "region_level": "city",
    "themes": ["disability", "social_assistance"],
    "life_events": ["disability"],
    "online_depth": 4,
    "at_most_one_visit": True,
    "zero_visit": True,
    "promised_days": rehab.POLICY.review_working_days,  # L850: 10个工作日内审核完毕
    "legal_days": rehab.POLICY.review_working_days,
    "fee_fen": 0,
    "min_identity_level": 3,
    "applicant_kinds": ["family_member"],  # the guardian, for the child (L844)
    "delivery": ["e_certificate"],
    "result_certificate_type": "rehab_aid",
    "certificate_fields": ["disability_type", "aid_item"],
    "materials": [
        _material(
            "application_form",
            _name(
                "《残疾人精准康复服务补助申请审批表》",
                "《殘疾人精準康復服務補助申請審批表》",
                "Application and approval form for rehabilitation subsidies",
            ),
        ),
        _material(
            "id_or_household_book",
            _name("身份证或家庭户口簿", "身份證或家庭戶口簿", "ID card or household register"),
            certificate_type="household_register",
        ),
        _material(
            "disability_proof",
            _name(
                "残疾人证或专业医疗机构诊断证明书原件",
                "殘疾人證或專業醫療機構診斷證明書原件",
                "Disability certificate or original diagnosis",
            ),
            certificate_type="disability_certificate",
        ),
        _material(
            "residence_permit",
            _name(
                "残疾儿童居住证（在居住证发放地申请时）",
                "殘疾兒童居住證（在居住證發放地申請時）",
                "The child's residence permit (when applying where it was issued)",
            ),
            required=False,
            certificate_type="residence_permit",
        ),
    ],
    "form": _rehabilitation_form(),
    "workflow": "rehabilitation_aid",
    "instant_rules": as_instant_rules(rehab.eligibility_rules()),
}


# -- the computed rule inputs -------------------------------------------------------------------------

_DERIVERS: dict[str, Callable[[Mapping[str, Any], dt.date], dict[str, Any]]] = {
    "medical_aid": lambda form, _day: med.derived_facts(form),
    "rehabilitation_aid": rehab.derived_facts,
}


def derived_form(workflow_code: str, form: Mapping[str, Any], day: dt.date) -> dict[str, Any]:
    """``form`` plus the computed inputs its aid rules read; other workflows' forms pass unchanged."""
    derive = _DERIVERS.get(workflow_code)
    return dict(form) if derive is None else derive(form, day)
