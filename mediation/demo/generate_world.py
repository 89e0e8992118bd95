"""What generated cases point at: bodies with their mediators, courts, and the organisations
(insurers, banks, hospitals, schools) each body keeps a record of. Existing ones are reused;
generated ones are added only while there are too few.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from courts.models import Court, CourtLevel
from mediation.cases.models import MediationBody, Mediator
from mediation.demo.people import GIVEN, SURNAMES
from mediation.kernel.choices import (
    BodyKind,
    Category,
    Track,
)
from mediation.kernel.roles import Role, ensure_role_groups
from parties.crypto import search_hash
from parties.models import IdType, OrganizationType, Party, PartyKind
from parties.validators import uscc_check_char

MIN_BODIES = 8
MEDIATORS_PER_GENERATED_BODY = 4
# Shared organisations: a few each, named after the cities around Nanchang.
CITIES = ["南昌市", "九江市", "赣州市"]
ORGANIZATIONS = {
    OrganizationType.INSURER: [
        "中国人民财产保险股份有限公司{city}分公司",
        "中国平安财产保险股份有限公司{city}中心支公司",
        "中国太平洋财产保险股份有限公司{city}中心支公司",
        "中华联合财产保险股份有限公司{city}中心支公司",
    ],
    OrganizationType.BANK: [
        "中国工商银行股份有限公司{city}分行",
        "中国建设银行股份有限公司{city}分行",
        "中国农业银行股份有限公司{city}分行",
        "江西银行股份有限公司{city}分行",
        "九江银行股份有限公司{city}分行",
    ],
    OrganizationType.HOSPITAL: [
        "{city}第一人民医院",
        "{city}第三人民医院",
        "{city}中医院",
        "{city}妇幼保健院",
    ],
    OrganizationType.SCHOOL: [
        "{city}第二中学",
        "{city}外国语学校",
        "{city}实验小学",
        "{city}育才学校",
    ],
}
# Public institutions (hospitals, schools) are registered by the staffing office (12…), the
# others as enterprises (91…); the organisation code part starts with GN, which real codes of
# this shape do not, so the generated ones never collide with a party already stored.
USCC_PREFIX = {OrganizationType.HOSPITAL: "12", OrganizationType.SCHOOL: "12"}

GENERATED_BODIES = [
    {
        "name": "青山湖区湖坊镇人民调解委员会",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市青山湖区湖坊镇",
        "categories": [],
    },
    {
        "name": "青山湖区交通事故纠纷人民调解委员会",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市青山湖区",
        "categories": [Category.TRAFFIC],
    },
    {
        "name": "南昌市公安局交通管理局青山湖大队",
        "kind": BodyKind.ADMINISTRATIVE,
        "track": Track.ADMINISTRATIVE,
        "region": "江西省南昌市青山湖区",
        "categories": [Category.TRAFFIC],
    },
    {
        "name": "红谷滩区医疗纠纷人民调解委员会",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市红谷滩区",
        "categories": [Category.MEDICAL],
        "deadline_days_by_category": {Category.MEDICAL: 45},
    },
    {
        "name": "南昌市金融纠纷人民调解委员会",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市",
        "categories": [Category.FINANCIAL],
    },
    {
        "name": "红谷滩区校园纠纷人民调解委员会",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市红谷滩区",
        "categories": [Category.SCHOOL],
    },
    {
        "name": "新建区妇女联合会婚姻家庭纠纷调解委员会",
        "kind": BodyKind.ADMINISTRATIVE,
        "track": Track.ADMINISTRATIVE,
        "region": "江西省南昌市新建区",
        "categories": [Category.FAMILY],
    },
    {
        "name": "青山湖区诉调对接特邀调解中心",
        "kind": BodyKind.COURT_INVITED,
        "track": Track.JUDICIAL,
        "region": "江西省南昌市青山湖区",
        "categories": [Category.FINANCIAL, Category.TRAFFIC, Category.FAMILY],
    },
]

GENERATED_COURTS = [
    {"name": "南昌市青山湖区人民法院", "code": "赣0111", "level": CourtLevel.BASIC},
    {"name": "南昌市新建区人民法院", "code": "赣0112", "level": CourtLevel.BASIC},
]


def uscc_for(organization_type: str, serial: int) -> str:
    first17 = f"{USCC_PREFIX.get(organization_type, '91')}360100GN{serial:07d}"
    return first17 + uscc_check_char(first17)


@dataclass
class BodyInfo:
    id: int
    track: str
    categories: list[str]
    default_days: int
    days_by_category: dict[str, int]
    # (mediator id, its user's id)
    mediators: list[tuple[int, int]]

    def deadline_days(self, category: str) -> int:
        return int(self.days_by_category.get(category, self.default_days))


@dataclass
class World:
    bodies: list[BodyInfo]
    bodies_by_category: dict[str, list[BodyInfo]]
    courts: list[tuple[int, str]]  # (id, code)
    organizations: dict[str, list[Party]]
    created: list[str] = field(default_factory=list)
    records: dict[tuple[int, str], Party] = field(default_factory=dict)

    def record_of(self, organization: Party, body_id: int) -> Party:
        """The body's record of an organisation, found by its USCC (so running the command
        again reuses it), or made."""
        key = (body_id, organization.id_number_hash)
        if key not in self.records:
            self.records[key] = Party.objects.get_or_create(
                body_id=body_id,
                id_type=organization.id_type,
                id_number_hash=organization.id_number_hash,
                defaults={
                    name: getattr(organization, name)
                    for name in ("id_number", "kind", "name", "organization_type")
                },
            )[0]
        return self.records[key]


def _mediator_user(username: str, last_name: str, first_name: str, group: Group) -> Any:
    user_model = get_user_model()
    user, made = user_model.objects.get_or_create(
        username=username,
        defaults={"last_name": last_name, "first_name": first_name, "is_active": False},
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(group)
    return user


def prepare_world(rng: random.Random) -> World:
    """Bodies with mediators, courts and shared organisations the generated cases point at."""
    ensure_role_groups()
    created: list[str] = []
    usable = list(MediationBody.objects.filter(mediators__active=True).distinct().order_by("id"))
    if len(usable) < MIN_BODIES:
        mediator_group = Group.objects.get(name=Role.MEDIATOR.value)
        for spec in GENERATED_BODIES:
            if len(usable) >= MIN_BODIES:
                break
            body, made = MediationBody.objects.get_or_create(
                name=spec["name"],
                defaults={k: v for k, v in spec.items() if k != "name"},
            )
            if body in usable:
                continue
            if made:
                created.append(body.name)
            for i in range(MEDIATORS_PER_GENERATED_BODY):
                user = _mediator_user(
                    f"gen-mediator-{body.pk}-{i + 1}",
                    rng.choice(SURNAMES),
                    rng.choice(GIVEN),
                    mediator_group,
                )
                Mediator.objects.get_or_create(
                    user=user, defaults={"body": body, "categories": body.categories}
                )
            usable.append(body)
    mediators: dict[int, list[tuple[int, int]]] = {}
    for mediator_id, body_id, user_id in (
        Mediator.objects.filter(active=True, body__in=usable)
        .order_by("id")
        .values_list("id", "body_id", "user_id")
    ):
        mediators.setdefault(body_id, []).append((mediator_id, user_id))
    bodies = [
        BodyInfo(
            id=body.pk,
            track=body.track,
            categories=list(body.categories or []),
            default_days=body.default_deadline_days,
            days_by_category=dict(body.deadline_days_by_category or {}),
            mediators=mediators[body.pk],
        )
        for body in usable
        if body.pk in mediators
    ]
    by_category = {
        category: [b for b in bodies if not b.categories or category in b.categories] or bodies
        for category in Category.values
    }

    courts = list(Court.objects.order_by("id").values_list("id", "code"))
    if not courts:
        for spec in GENERATED_COURTS:
            court, _made = Court.objects.get_or_create(
                code=spec["code"], defaults={**spec, "region": "江西省南昌市"}
            )
            courts.append((court.pk, court.code))

    organizations: dict[str, list[Party]] = {}
    serial = 0
    for organization_type, names in ORGANIZATIONS.items():
        found = organizations.setdefault(organization_type, [])
        for name in names:
            for city in CITIES:
                serial += 1
                number = uscc_for(organization_type, serial)
                # Unsaved: each body keeps its own record of the organisation (`record_of`).
                found.append(
                    Party(
                        id_type=IdType.USCC,
                        id_number=number,
                        id_number_hash=search_hash(number),
                        kind=PartyKind.ORGANIZATION,
                        name=name.format(city=city),
                        organization_type=organization_type,
                    )
                )
    return World(bodies, by_category, courts, organizations, created)
