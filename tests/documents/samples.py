"""Sample contexts of the PDF documents, built to the context contract of templates/documents/.

Four parties (a minor applicant with his guardian, a hospital with its agent), Chinese names, one
obligation in two instalments and one lump sum, drawn signatures as small PNG data URIs.
"""

from __future__ import annotations

import base64
import datetime
import io
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import translation

from documents.qr import qr_svg_data_uri
from documents.wording import wording_for
from mediation.kernel.choices import BodyKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
REFERENCE = "FQ-2026-000123"
AGREEMENT_NUMBER = "（2026）东医调字第123号"
VERIFICATION_CODE = "7KQ2M9XH4RTC"
VERIFICATION_URL = f"http://127.0.0.1:8000/verify/{VERIFICATION_CODE}/"

# What the lead's code passes: labels already in the document's language.
LABELS = {
    "zh-hans": {
        "applicant": "申请人",
        "respondent": "被申请人",
        "third_party": "第三人",
        "agent": "委托代理人",
        "guardian": "监护人",
        "male": "男",
        "female": "女",
        "resident_id": "居民身份证",
        "credit_code": "统一社会信用代码",
        "public_institution": "事业单位",
        "medical": "医疗纠纷",
        "lump_sum": "一次性给付",
        "instalments": "分期给付",
        "transfer": "银行转账",
        "handwritten": "手写签名",
    },
    "en": {
        "applicant": "Applicant",
        "respondent": "Respondent",
        "third_party": "Third party",
        "agent": "Agent",
        "guardian": "Guardian",
        "male": "male",
        "female": "female",
        "resident_id": "Resident ID card",
        "credit_code": "Unified social credit code",
        "public_institution": "Public institution",
        "medical": "Medical dispute",
        "lump_sum": "Lump sum",
        "instalments": "Instalments",
        "transfer": "Bank transfer",
        "handwritten": "Handwritten signature",
    },
}

# Names the tests look for in the PDFs' text.
APPLICANT = "张小明"
GUARDIAN = "张伟"
RESPONDENT = "东湖区人民医院"
AGENT = "刘洋"
MEDIATOR = "陈静"
BODY = "东湖区医疗纠纷人民调解委员会"
COURT = "南昌市东湖区人民法院"
PARTY_NAMES = (APPLICANT, GUARDIAN, RESPONDENT, AGENT)


@cache
def signature_png_uri(seed: int = 0) -> str:
    """A small drawn 'signature' (a PNG of a few strokes) as a data URI."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(10 + i * 22, 40 + ((i * 37 + seed * 11) % 50) - 25) for i in range(11)]
    draw.line(points, fill=(20, 20, 120, 255), width=4)
    draw.line([(30, 65), (210, 60)], fill=(20, 20, 120, 255), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _person(lang: str, role: str, name: str, **extra: Any) -> dict[str, Any]:
    labels = LABELS[lang]
    party = {
        "role": role,
        "role_label": labels[role],
        "name": name,
        "kind": "person",
        "sex_label": "",
        "birth_date": None,
        "ethnicity": "",
        "occupation": "",
        "address": "",
        "id_type_label": labels["resident_id"],
        "id_number": "",
        "phone": "",
        "organization_type_label": "",
        "legal_representative": "",
        "represents_name": "",
    }
    party.update(extra)
    return party


def parties(lang: str) -> list[dict[str, Any]]:
    labels = LABELS[lang]
    han = "汉族" if lang == "zh-hans" else "Han"
    return [
        _person(
            lang,
            "applicant",
            APPLICANT,
            sex_label=labels["male"],
            birth_date=datetime.date(2012, 9, 3),
            ethnicity=han,
            occupation="学生" if lang == "zh-hans" else "pupil",
            address="江西省南昌市东湖区八一大道100号3栋2单元501室",
            id_number="360102********2315",
        ),
        _person(
            lang,
            "guardian",
            GUARDIAN,
            sex_label=labels["male"],
            birth_date=datetime.date(1981, 5, 1),
            ethnicity=han,
            occupation="教师" if lang == "zh-hans" else "teacher",
            address="江西省南昌市东湖区八一大道100号3栋2单元501室",
            id_number="360102********1234",
            phone="138****5678",
            represents_name=APPLICANT,
        ),
        {
            **_person(lang, "respondent", RESPONDENT),
            "kind": "organization",
            "id_type_label": labels["credit_code"],
            "id_number": "12360102MB1*****3X",
            "organization_type_label": labels["public_institution"],
            "legal_representative": "李建国",
            "address": "江西省南昌市东湖区阳明路88号",
            "phone": "0791-8****000",
        },
        _person(
            lang,
            "agent",
            AGENT,
            sex_label=labels["female"],
            birth_date=datetime.date(1988, 11, 20),
            ethnicity=han,
            occupation="江西某某律师事务所律师" if lang == "zh-hans" else "lawyer",
            address="江西省南昌市红谷滩区丰和中大道1号",
            id_number="360122********4021",
            phone="139****0021",
            represents_name=RESPONDENT,
        ),
    ]


def common_context(kind: str, lang: str = "zh-hans", *, verification: bool = True) -> dict:
    labels = LABELS[lang]
    with translation.override(lang):
        # A people's mediation committee's words (documents/wording.py), as generation gives.
        wording = wording_for(BodyKind.PEOPLES_COMMITTEE).as_context()
    return {
        "kind": kind,
        "lang": lang,
        "wording": wording,
        "seal_title": wording["seal_title"],
        # One number on every paper of a case: the body's case number (字号).
        "number": AGREEMENT_NUMBER,
        "reference": REFERENCE,
        "date": datetime.date(2026, 3, 18),
        "body": {
            "name": BODY,
            "address": "江西省南昌市东湖区沿江北大道1号",
            "phone": "0791-8666****",
        },
        "dispute": {
            "title": "张小明扁桃体手术后遗症赔偿纠纷",
            "category_label": labels["medical"],
            "received_at": datetime.date(2026, 2, 2),
            "accepted_at": datetime.date(2026, 2, 5),
            "facts": (
                "2025年11月3日，申请人张小明在被申请人处接受扁桃体切除手术，术后出现大出血，"
                "经再次手术止血后住院治疗二十一天。申请人认为被申请人术后观察不到位，要求赔偿"
                "医疗费、护理费、营养费等各项损失。\n"
                "被申请人认为手术操作符合诊疗规范，但同意在责任范围内给予适当补偿。"
            ),
            "claimed_amount": Decimal("120000.00"),
        },
        "parties": parties(lang),
        "mediators": [{"name": MEDIATOR}],
        "verification": {
            "code": VERIFICATION_CODE,
            "url": VERIFICATION_URL,
            "qr": qr_svg_data_uri(VERIFICATION_URL),
        }
        if verification
        else None,
    }


def obligations(lang: str) -> list[dict[str, Any]]:
    labels = LABELS[lang]
    return [
        {
            "payer": RESPONDENT,
            "payee": APPLICANT,
            "schedule": "instalments",
            "schedule_label": labels["instalments"],
            "method_label": labels["transfer"],
            "note": "汇入监护人张伟指定的银行账户" if lang == "zh-hans" else "to the guardian",
            "total": Decimal("86000.00"),
            "instalments": [
                {"number": 1, "amount": Decimal("50000.00"), "due_date": date(2026, 4, 30)},
                {"number": 2, "amount": Decimal("36000.00"), "due_date": date(2026, 6, 30)},
            ],
        },
        {
            "payer": RESPONDENT,
            "payee": APPLICANT,
            "schedule": "lump_sum",
            "schedule_label": labels["lump_sum"],
            "method_label": labels["transfer"],
            "note": "",
            "total": Decimal("3500.00"),
            "instalments": [
                {"number": 1, "amount": Decimal("3500.00"), "due_date": date(2026, 3, 31)},
            ],
        },
    ]


CLAUSES_ZH = [
    "被申请人东湖区人民医院一次性补偿申请人张小明医疗费、护理费、营养费、交通费等各项损失共计"
    "人民币捌万陆仟元整（¥86,000.00），分两期支付，详见下表。",
    "被申请人另行承担医疗损害鉴定费人民币叁仟伍佰元整（¥3,500.00）。",
    "申请人收到上述款项后，不再就本纠纷向被申请人及其医务人员主张任何权利。",
    "双方对本协议内容负有保密义务，不得在网络等公开场合发表不利于对方的言论。",
]
CLAUSES_EN = [
    "The respondent compensates the applicant for medical, nursing, nutrition and travel costs "
    "with CNY 86,000.00 in total, paid in two instalments as set out in the table below.",
    "The respondent also bears the medical expert's fee of CNY 3,500.00.",
    "Once paid, the applicant makes no further claim about this dispute against the respondent "
    "or its medical staff.",
    "Both parties keep the terms of this agreement confidential.",
]
LONG_CLAUSE_ZH = (
    "各方确认，本条所述事项已经充分协商：被申请人应当在本协议生效后配合申请人办理病历复印、"
    "费用结算和医保报销手续，并在申请人复诊时提供必要的便利；申请人应当如实提供相关票据。"
)
LONG_CLAUSE_EN = (
    "The parties confirm that this clause was fully discussed: after this agreement takes effect "
    "the respondent helps the applicant obtain copies of the medical records, settle the bills and "
    "claim medical insurance, and makes follow-up visits easy; the applicant provides the receipts."
)


def agreement_context(
    lang: str = "zh-hans", *, extra_clauses: int = 0, verification: bool = True
) -> dict[str, Any]:
    labels = LABELS[lang]
    context = common_context("agreement", lang, verification=verification)
    signed_at = datetime.datetime(2026, 3, 18, 10, 30, tzinfo=SHANGHAI)
    clauses = list(CLAUSES_ZH if lang == "zh-hans" else CLAUSES_EN)
    clauses += [LONG_CLAUSE_ZH if lang == "zh-hans" else LONG_CLAUSE_EN] * extra_clauses
    items = obligations(lang)
    context.update(
        {
            "version": 2,
            "disputed_matters": (
                "被申请人的诊疗行为是否存在过错，以及申请人各项损失的赔偿数额。"
                if lang == "zh-hans"
                else "Whether the respondent's treatment was at fault, and how much it owes."
            ),
            "responsibilities": (
                "被申请人术后观察存在不足，对损害后果承担次要责任。"
                if lang == "zh-hans"
                else "The respondent's post-operative observation fell short: minor liability."
            ),
            "clauses": clauses,
            "obligations": items,
            "total": sum((o["total"] for o in items), Decimal("0.00")),
            "performance": (
                "被申请人按上表所列期限和方式，将款项汇入申请人监护人张伟指定的银行账户。"
                if lang == "zh-hans"
                else "The respondent pays by the dates in the table to the guardian's account."
            ),
            "signatures": [
                {
                    "for_name": APPLICANT,
                    "role_label": labels["applicant"],
                    "signer_name": GUARDIAN,
                    "signer_role_label": labels["guardian"],
                    "signed_at": signed_at,
                    "method_label": labels["handwritten"],
                    "image": signature_png_uri(1),
                },
                {
                    "for_name": RESPONDENT,
                    "role_label": labels["respondent"],
                    "signer_name": AGENT,
                    "signer_role_label": labels["agent"],
                    "signed_at": signed_at + datetime.timedelta(minutes=12),
                    "method_label": labels["handwritten"],
                    "image": signature_png_uri(2),
                },
            ],
            "mediator_signatures": [{"name": MEDIATOR, "signed_at": signed_at}],
            "copies": 3,
        }
    )
    return context


def context_for(kind: str, lang: str = "zh-hans", **kwargs: Any) -> dict[str, Any]:
    """A full sample context of any document kind."""
    if kind == "agreement":
        return agreement_context(lang, **kwargs)
    context = common_context(kind, lang, **kwargs)
    if kind == "acceptance_notice":
        context.update({"accepted_at": datetime.date(2026, 2, 5), "deadline": None})
        context["deadline"] = datetime.date(2026, 3, 7)
    elif kind == "termination":
        context.update(
            {
                "reason": "经多次调解，双方对赔偿数额分歧较大，申请人明确表示不再接受调解。"
                if lang == "zh-hans"
                else "After several sessions the parties remain far apart on the amount.",
                "terminated_on": datetime.date(2026, 3, 10),
            }
        )
    elif kind == "referral_letter":
        context.update(
            {
                "court": {"name": COURT},
                "reason": "调解不成，申请人要求通过诉讼解决。"
                if lang == "zh-hans"
                else "Mediation failed; the applicant wishes to sue.",
                "case_number": "（2026）赣0102民诉前调1234号",
            }
        )
    elif kind == "confirmation_application":
        context.update(
            {
                "court": {"name": COURT},
                "agreement_number": AGREEMENT_NUMBER,
                "signed_on": datetime.date(2026, 3, 18),
                "request": "",
            }
        )
    elif kind == "refusal_notice":
        context.update(
            {
                "addressed": [p for p in context["parties"] if p["role"] == "applicant"],
                "ground_label": "对方当事人拒绝调解"
                if lang == "zh-hans"
                else "The other party refuses",
                "explanation": "",
                "advice": "可依法向人民法院提起诉讼。"
                if lang == "zh-hans"
                else "You may sue in the people's court.",
                "declined_on": datetime.date(2026, 2, 6),
            }
        )
    elif kind == "oral_agreement":
        context.update(
            {
                "content": "被申请人当场赔偿申请人修车费800元。"
                if lang == "zh-hans"
                else "The respondent pays the applicant 800 yuan for the repair on the spot.",
                "performance": "当场以现金支付完毕。" if lang == "zh-hans" else "Paid in cash.",
                "agreed_on": datetime.date(2026, 2, 6),
            }
        )
    elif kind == "session_minutes":
        context.update(minutes_context(lang))
    else:
        raise ValueError(kind)
    return context


def minutes_context(lang: str) -> dict[str, Any]:
    """A joint session's minutes: the child and his guardian sign, the hospital through its
    representative, the hospital's agent refuses, the mediator signs
    (documents.minutes.minutes_context)."""
    zh = lang == "zh-hans"
    at = datetime.datetime(2026, 2, 10, 9, 30, tzinfo=SHANGHAI)
    signed = at + datetime.timedelta(hours=2)

    def row(role: str, name: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "role_label": LABELS[lang][role],
            "represents_name": "",
            "organization": False,
            "signer_name": name,
            "representative_name": "",
            "representative_role": "",
            "refused": False,
            "note": "",
            "image": signature_png_uri(len(name)),
            "signed_at": signed,
            **extra,
        }

    return {
        "title": "调解笔录（第1次）" if zh else "Minutes of a Mediation Session (Session 1)",
        "session": {
            "number": 1,
            "caucus": False,
            "kind_label": "联合调解" if zh else "Joint session",
            "at": at,
            "place": "第一调解室" if zh else "Mediation room 1",
            "online_link": "",
        },
        "mediators": [{"name": MEDIATOR}],
        "recorder": MEDIATOR,
        "minutes": "各方陈述事实与诉求，调解员释法明理。"
        if zh
        else "Each side stated the facts and its claims; the mediator explained the law.",
        "attendees": [
            row("applicant", APPLICANT),
            row("guardian", GUARDIAN, represents_name=APPLICANT),
            row(
                "respondent",
                RESPONDENT,
                organization=True,
                representative_name="李主任",
                representative_role="医务科科长" if zh else "head of medical affairs",
            ),
            row(
                "agent",
                AGENT,
                represents_name=RESPONDENT,
                refused=True,
                image=None,
                note="拒绝签字，经释明仍拒绝。" if zh else "Refused to sign after explanation.",
            ),
        ],
        "mediator_signatures": [
            {"name": MEDIATOR, "image": signature_png_uri(7), "signed_at": signed},
        ],
    }
