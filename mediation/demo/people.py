"""People and organisations of the demo: Chinese names, valid resident ID numbers and unified
social credit codes, and the parties the demo cases name. `generate_cases` draws its names here.
"""

from __future__ import annotations

import datetime
import random

from parties.models import IdType, Party, PartyKind, PartyRole
from parties.services import PartyInput
from parties.validators import (
    birth_date_from_resident_id,
    resident_id_check_digit,
    sex_from_resident_id,
    uscc_check_char,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
# Given names by the sex they are usually given to, so that a name, its ID number's sex digit
# and the sex on record agree.
MALE_GIVEN = [
    *("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "建华", "志强"),
    *("晓明", "浩然", "宇轩", "思远", "建国", "立新", "文博", "国平", "俊杰", "海波"),
]
FEMALE_GIVEN = [
    *("芳", "娜", "敏", "静", "丽", "艳", "娟", "秀英", "霞", "桂英", "红", "玉兰", "海燕"),
    *("小红", "子涵", "梓萱", "一诺", "欣怡", "雪梅", "婷婷", "慧敏", "丽萍"),
]
GIVEN = MALE_GIVEN + FEMALE_GIVEN
ROADS = ["八一大道", "阳明路", "胜利路", "中山路", "象山北路", "叠山路", "北京西路", "孺子路"]
# Law firms the demo's agents work for (names of the usual kind; no real firm is meant).
LAW_FIRMS = ["江西豫章律师事务所", "江西洪都律师事务所", "江西赣江律师事务所"]
# The demo's organisations as their business registration names them: registered address,
# legal representative (or person in charge) and title, and the desk's telephone (a landline:
# the notifications text no one there).
ORGANIZATIONS: dict[str, tuple[str, str, str, str]] = {
    "中国工商银行股份有限公司南昌东湖支行": (
        "江西省南昌市东湖区八一大道368号",
        "刘志强",
        "行长",
        "0791-86712345",
    ),
    "中国人民财产保险股份有限公司南昌市分公司": (
        "江西省南昌市东湖区叠山路96号",
        "陈国平",
        "总经理",
        "0791-86629518",
    ),
    "中国平安财产保险股份有限公司江西分公司": (
        "江西省南昌市红谷滩区赣江中大道1218号",
        "黄俊杰",
        "总经理",
        "0791-83826688",
    ),
    "南昌市第一医院": ("江西省南昌市东湖区象山北路128号", "王海波", "院长", "0791-88862114"),
    "东湖区人民医院": ("江西省南昌市东湖区胜利路201号", "张文博", "院长", "0791-86781120"),
    "南昌市东湖区育新学校": ("江西省南昌市东湖区中山路336号", "李慧敏", "校长", "0791-86723301"),
    "南昌市百花洲小学": ("江西省南昌市东湖区孺子路45号", "周丽萍", "校长", "0791-86785510"),
}
REGIONS = ["360102", "360103", "360104", "360111", "360121", "360124", "110105", "440304"]


def make_resident_id(rng: random.Random, birth: datetime.date, male: bool) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if male else 0)  # the 17th digit is odd for men
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"
    return first17 + resident_id_check_digit(first17)


def make_uscc(rng: random.Random) -> str:
    first17 = "91" + "3601" + "02" + "".join(str(rng.randrange(10)) for _ in range(9))
    return first17 + uscc_check_char(first17)


def person_name(rng: random.Random, male: bool | None = None) -> str:
    if male is None:
        male = rng.random() < 0.5
    return rng.choice(SURNAMES) + rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)


def is_male_name(name: str) -> bool | None:
    """The sex a demo name's given part goes with; None for a name not drawn from the lists."""
    given = name[1:]
    if given in MALE_GIVEN:
        return True
    if given in FEMALE_GIVEN:
        return False
    return None


def street_address(rng: random.Random) -> str:
    """A home address down to the flat, as an ID card or a lease writes it."""
    return (
        f"江西省南昌市东湖区{rng.choice(ROADS)}{rng.randrange(1, 400)}号"
        f"{rng.randrange(1, 12)}栋{rng.randrange(1, 4)}单元{rng.randrange(1, 19)}0{rng.randrange(1, 5)}室"
    )


def person(
    rng: random.Random,
    role: str,
    *,
    born: tuple[int, int] = (1960, 2000),
    represents: int | None = None,
    name: str | None = None,
    male: bool | None = None,
    occupation: str = "",
    address: str = "",
) -> PartyInput:
    """A person whose name, sex, birth date and ID number agree: the sex and birth date on
    record are read back from the ID number (`parties.validators`)."""
    if male is None:
        male = is_male_name(name) if name else None
    if male is None:
        male = rng.random() < 0.5
    birth = datetime.date(rng.randrange(*born), rng.randrange(1, 13), rng.randrange(1, 29))
    id_number = make_resident_id(rng, birth, male)
    return PartyInput(
        role=role,
        kind=PartyKind.PERSON,
        name=name or person_name(rng, male),
        id_type=IdType.RESIDENT_ID,
        id_number=id_number,
        phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        sex=sex_from_resident_id(id_number),
        birth_date=birth_date_from_resident_id(id_number),
        ethnicity="汉族",
        occupation=occupation,
        address=address or street_address(rng),
        represents=represents,
    )


def lawyer(
    rng: random.Random, *, represents: int, name: str | None = None, firm: str | None = None
) -> PartyInput:
    """An agent as centres see them: a practising lawyer of a firm, the firm's address theirs."""
    firm = firm or rng.choice(LAW_FIRMS)
    return person(
        rng,
        PartyRole.AGENT,
        born=(1972, 1994),
        represents=represents,
        name=name,
        occupation=f"{firm} 律师",
        address=f"江西省南昌市东湖区{rng.choice(ROADS)}{rng.randrange(1, 400)}号{firm}",
    )


def guardian_of(rng: random.Random, child: PartyInput, *, represents: int) -> PartyInput:
    """A parent of a minor party: the child's surname, born a generation before."""
    return person(
        rng,
        PartyRole.GUARDIAN,
        born=(1976, 1990),
        represents=represents,
        name=child.name[0] + rng.choice(MALE_GIVEN),
        male=True,
        address=child.address,
    )


def organization(rng: random.Random, name: str, kind: str) -> PartyInput:
    existing = Party.objects.filter(name=name, kind=PartyKind.ORGANIZATION).first()
    address, representative, title, phone = ORGANIZATIONS.get(name, ("", "", "", ""))
    return PartyInput(
        role=PartyRole.APPLICANT,
        kind=PartyKind.ORGANIZATION,
        name=name,
        id_type=IdType.USCC,
        id_number=existing.id_number if existing else make_uscc(rng),
        phone=phone,
        organization_type=kind,
        address=address,
        legal_representative=representative,
        legal_representative_title=title,
    )


def org_as(org: PartyInput, role: str) -> PartyInput:
    return PartyInput(**{**org.__dict__, "role": role})
