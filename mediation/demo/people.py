"""People and organisations of the demo: Chinese names, valid resident ID numbers and unified
social credit codes, and the parties the demo cases name. `generate_cases` draws its names here.
"""

from __future__ import annotations

import datetime
import random

from parties.models import IdType, Party, PartyKind, PartyRole
from parties.services import PartyInput
from parties.validators import resident_id_check_digit, uscc_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "红",
    "玉兰",
    "志强",
    "海燕",
    "小红",
    "晓明",
    "子涵",
    "梓萱",
    "浩然",
    "一诺",
    "宇轩",
    "欣怡",
    "思远",
]
REGIONS = ["360102", "360103", "360104", "360111", "360121", "360124", "110105", "440304"]


def make_resident_id(rng: random.Random, birth: datetime.date, male: bool) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if male else 0)  # the 17th digit is odd for men
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"
    return first17 + resident_id_check_digit(first17)


def make_uscc(rng: random.Random) -> str:
    first17 = "91" + "3601" + "02" + "".join(str(rng.randrange(10)) for _ in range(9))
    return first17 + uscc_check_char(first17)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def person(
    rng: random.Random,
    role: str,
    *,
    born: tuple[int, int] = (1960, 2000),
    represents: int | None = None,
    name: str | None = None,
) -> PartyInput:
    birth = datetime.date(rng.randrange(*born), rng.randrange(1, 13), rng.randrange(1, 29))
    male = rng.random() < 0.5
    return PartyInput(
        role=role,
        kind=PartyKind.PERSON,
        name=name or person_name(rng),
        id_type=IdType.RESIDENT_ID,
        id_number=make_resident_id(rng, birth, male),
        phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        ethnicity="汉族",
        address="江西省南昌市东湖区"
        + rng.choice(["八一大道", "阳明路", "胜利路", "中山路"])
        + f"{rng.randrange(1, 400)}号",
        represents=represents,
    )


def organization(rng: random.Random, name: str, kind: str) -> PartyInput:
    existing = Party.objects.filter(name=name, kind=PartyKind.ORGANIZATION).first()
    return PartyInput(
        role=PartyRole.APPLICANT,
        kind=PartyKind.ORGANIZATION,
        name=name,
        id_type=IdType.USCC,
        id_number=existing.id_number if existing else make_uscc(rng),
        organization_type=kind,
    )


def org_as(org: PartyInput, role: str) -> PartyInput:
    return PartyInput(**{**org.__dict__, "role": role})
