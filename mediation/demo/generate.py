"""Generate many realistic disputes for scale tests.

    python manage.py generate_cases N [--seed S] [--since YYYY-MM-DD] [--chunk-size 20000]

Makes N disputes received between --since (default three years ago) and today, each with its
parties (2–4: applicant, respondent, sometimes a third party such as an insurer, a hospital or a
bank, a guardian for a minor at school) and its append-only transition log: one row per step of
the case's way through the state machine (SPEC §3), from `register` to the state it is in now,
dated along the way and marked `{"generated": true}`. The fields the rates read (SPEC §6) are set
as the transitions set them: outcome, accepted/signed/concluded dates, the agreed amount of
successes (some zero), the claimed amount, the deadline and its due-soon day (SPEC §4), the
closing outcome of closed cases.

Cases are spread over categories, channels, bodies and their mediators. Existing bodies with an
active mediator are used; while there are fewer than eight, generated bodies with generated
mediators (inactive users with no usable password) are added. Courts are reused, or two are made
when there are none. Organisations (insurers, banks, hospitals, schools) are each body's records
found by their USCC, so running the command again reuses them; people are new records without ID
numbers. References read GEN-YYYY-NNNNNNN, apart from the FQ-YYYY-NNNNNN numbers of registration,
and continue after the highest one already there, so a second run adds N more.

Rows are built and written in chunks, table by table, with `mediation.kernel.bulk.insert` (COPY on
PostgreSQL), one transaction per chunk: memory stays bounded and a million cases take minutes.
On PostgreSQL two threads write chunks, each on its own connection, while the main thread builds
the next: Python and the database then keep both cores of a small server busy. The same seed,
count, --since and day give the same cases (row ids aside).
What the generator leaves out: mediation sessions, agreement documents and court referral rows.
"""

from __future__ import annotations

import datetime
import random
import time
from bisect import bisect
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courts.models import Court, CourtLevel
from mediation.cases.models import Dispute, MediationBody, Mediator, TransitionLog
from mediation.demo.seed import GIVEN, SURNAMES
from mediation.figures import kept as figures
from mediation.kernel.bulk import Builder, insert
from mediation.kernel.choices import (
    CLOSE_OUTCOMES_BY_STATE,
    COURT_CHANNELS,
    OPEN_STATES,
    BodyKind,
    Category,
    Channel,
    CloseOutcome,
    DeadlineStatus,
    Outcome,
    State,
    Track,
)
from mediation.kernel.roles import Role, ensure_role_groups
from parties.crypto import search_hash
from parties.models import CaseParty, IdType, OrganizationType, Party, PartyKind, PartyRole, Sex
from parties.validators import uscc_check_char

PREFIX = "GEN"
SERIAL_DIGITS = 7
DEFAULT_CHUNK = 20_000
MIN_BODIES = 8
MEDIATORS_PER_GENERATED_BODY = 4
GENERATED: dict[str, Any] = {"generated": True}
# Plain strings rather than the choices' enum members: `insert` writes those as they are.
PERSON = str(PartyKind.PERSON)
MALE, FEMALE = str(Sex.MALE), str(Sex.FEMALE)
SUCCESS = str(Outcome.SUCCESS)
OPEN = frozenset(str(state) for state in OPEN_STATES)
OVERDUE, DUE_SOON = str(DeadlineStatus.OVERDUE), str(DeadlineStatus.DUE_SOON)

# --- what cases look like --------------------------------------------------------------------

CATEGORY_WEIGHTS = {
    Category.TRAFFIC: 32,
    Category.FINANCIAL: 26,
    Category.FAMILY: 20,
    Category.MEDICAL: 13,
    Category.SCHOOL: 9,
}
CHANNEL_WEIGHTS = {
    Category.TRAFFIC: {
        Channel.POLICE: 45,
        Channel.WALK_IN: 20,
        Channel.COURT_DELEGATED: 15,
        Channel.COURT_ENTRUSTED: 5,
        Channel.HOTLINE: 5,
        Channel.ONLINE: 5,
        Channel.GRID: 5,
    },
    Category.FINANCIAL: {
        Channel.INSTITUTION: 50,
        Channel.COURT_DELEGATED: 25,
        Channel.COURT_ENTRUSTED: 10,
        Channel.ONLINE: 10,
        Channel.WALK_IN: 5,
    },
    Category.MEDICAL: {
        Channel.WALK_IN: 45,
        Channel.HOTLINE: 15,
        Channel.PETITION: 15,
        Channel.ONLINE: 10,
        Channel.COURT_DELEGATED: 10,
        Channel.GRID: 5,
    },
    Category.SCHOOL: {
        Channel.WALK_IN: 40,
        Channel.GRID: 25,
        Channel.HOTLINE: 15,
        Channel.PETITION: 10,
        Channel.ONLINE: 10,
    },
    Category.FAMILY: {
        Channel.WALK_IN: 35,
        Channel.GRID: 25,
        Channel.HOTLINE: 10,
        Channel.ONLINE: 10,
        Channel.COURT_DELEGATED: 10,
        Channel.COURT_ENTRUSTED: 5,
        Channel.PETITION: 5,
    },
}
# Of the cases mediated to an end, the share that ends in a signed agreement.
SUCCESS_RATE = {
    Category.TRAFFIC: 0.72,
    Category.FINANCIAL: 0.48,
    Category.MEDICAL: 0.55,
    Category.SCHOOL: 0.74,
    Category.FAMILY: 0.62,
}
# Typical claimed amount (CNY): the median and the spread of a log-normal draw.
CLAIMED = {
    Category.TRAFFIC: (40_000, 1.0),
    Category.FINANCIAL: (120_000, 1.2),
    Category.MEDICAL: (150_000, 1.0),
    Category.SCHOOL: (15_000, 0.9),
    Category.FAMILY: (60_000, 1.3),
}
# Agreements with no compensation at all (medical cases found without fault, mostly).
ZERO_COMPENSATION = {Category.MEDICAL: 0.10}
ZERO_COMPENSATION_OTHERS = 0.02

TITLES = {
    Category.TRAFFIC: [
        "机动车交通事故责任纠纷",
        "交通事故人身损害赔偿纠纷",
        "非机动车交通事故纠纷",
    ],
    Category.FINANCIAL: ["金融借款合同纠纷", "信用卡纠纷", "保证合同纠纷"],
    Category.MEDICAL: ["医疗损害责任纠纷", "医疗服务合同纠纷"],
    Category.SCHOOL: ["校园人身伤害纠纷", "教育机构责任纠纷"],
    Category.FAMILY: ["离婚纠纷", "抚养费纠纷", "赡养纠纷", "继承纠纷", "婚约财产纠纷"],
}
REASONS = {
    "decline": ["被申请人拒绝调解", "不属于本调解组织受理范围", "纠纷已进入诉讼程序"],
    "fail": ["双方分歧较大，无法达成协议", "被申请人拒绝调解", "调解期限届满未达成协议"],
    "withdraw": ["申请人撤回调解申请", "双方已自行和解"],
    "reassign": ["调解员回避", "工作量调整"],
}
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
# How signed agreements are closed: mostly performed (the last two count as repudiated, SPEC §6).
CLOSE_AFTER_SUCCESS_WEIGHTS = {
    CloseOutcome.PERFORMED: 80,
    CloseOutcome.PARTLY_PERFORMED: 10,
    CloseOutcome.NOT_PERFORMED: 6,
    CloseOutcome.COURT_FILED: 4,
}

GENERATED_COURTS = [
    {"name": "南昌市青山湖区人民法院", "code": "赣0111", "level": CourtLevel.BASIC},
    {"name": "南昌市新建区人民法院", "code": "赣0112", "level": CourtLevel.BASIC},
]


def _weighted(weights: dict[Any, float]) -> tuple[list[str], list[float]]:
    """Values (as plain strings) and cumulative weights, for `pick`."""
    return [str(value) for value in weights], list(accumulate(weights.values()))


CLOSE_AFTER_SUCCESS = _weighted(CLOSE_AFTER_SUCCESS_WEIGHTS)


def pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cumulative = table
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


def choice(rng: random.Random, values: Sequence[Any]) -> Any:
    """`rng.choice`, a few times faster (one draw per call; fine for short sequences)."""
    return values[int(rng.random() * len(values))]


def between(rng: random.Random, low: int, high: int) -> int:
    """`rng.randint`, a few times faster: low <= N <= high."""
    return low + int(rng.random() * (high - low + 1))


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def uscc_for(organization_type: str, serial: int) -> str:
    first17 = f"{USCC_PREFIX.get(organization_type, '91')}360100GN{serial:07d}"
    return first17 + uscc_check_char(first17)


# --- what the cases point at ---------------------------------------------------------------------


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


def last_serials(years: range) -> dict[int, int]:
    """The highest GEN-YYYY-… serial already stored, per year (0 when there is none)."""
    serials: dict[int, int] = {}
    for year in years:
        last = (
            Dispute.objects.filter(reference__startswith=f"{PREFIX}-{year}-")
            .order_by("-reference")
            .values_list("reference", flat=True)
            .first()
        )
        serials[year] = int(last.rsplit("-", 1)[1]) if last else 0
    return serials


# --- the cases -----------------------------------------------------------------------------------


@dataclass
class Case:
    dispute: Dispute
    # (role, party, position in this list of the party represented)
    members: list[tuple[str, Party, int | None]]
    steps: list[Step]


@dataclass
class Chunk:
    cases: list[Case] = field(default_factory=list)
    new_parties: list[Party] = field(default_factory=list)


# One step of a case's log: transition, from, to, at, actor, reason, data.
Step = tuple[str, str, str, datetime.datetime, int | None, str, dict[str, Any]]

NEW_DISPUTE = Builder(Dispute)
NEW_PARTY = Builder(Party)
NEW_CASE_PARTY = Builder(CaseParty)
NEW_LOG = Builder(TransitionLog)


def write(chunk: Chunk) -> dict[str, int]:
    """Write a chunk's rows table by table, in one transaction; how many went into each."""
    with transaction.atomic():
        insert(Dispute, [case.dispute for case in chunk.cases])
        insert(Party, chunk.new_parties)
        principals: list[CaseParty] = []
        representatives: list[tuple[CaseParty, CaseParty]] = []
        for case in chunk.cases:
            dispute_id = case.dispute.pk
            rows: list[CaseParty] = []
            for role, party, represents in case.members:
                row = NEW_CASE_PARTY(dispute_id=dispute_id, party_id=party.pk, role=role)
                if represents is None:
                    principals.append(row)
                else:
                    representatives.append((row, rows[represents]))
                rows.append(row)
        insert(CaseParty, principals)
        for row, principal in representatives:
            row.represents_id = principal.pk
        insert(CaseParty, [row for row, _principal in representatives])
        logs = [
            NEW_LOG(
                dispute_id=case.dispute.pk,
                transition=name,
                from_state=source,
                to_state=target,
                actor_id=actor_id,
                at=at,
                reason=reason,
                data=data,
            )
            for case in chunk.cases
            for name, source, target, at, actor_id, reason, data in case.steps
        ]
        insert(TransitionLog, logs)
        # Written without save(): count them in the kept figures (new cases, so added).
        figures.add_new([case.dispute.pk for case in chunk.cases])
    return {
        "disputes": len(chunk.cases),
        "parties": len(chunk.new_parties),
        "case_parties": len(principals) + len(representatives),
        "log": len(logs),
    }


class CaseMaker:
    """Builds the rows of generated cases; nothing is written here."""

    def __init__(
        self,
        rng: random.Random,
        world: World,
        *,
        since: datetime.date,
        today: datetime.date,
        total: int,
        serials: dict[int, int],
    ) -> None:
        self.rng = rng
        self.world = world
        self.body_id = 0  # the body of the case being made: its parties are its records
        self.since = since
        self.today = today
        self.span = (today - since).days + 1
        self.total = total
        # The highest generated serial stored per year, and the first case of each year: a
        # case's reference follows from its number alone, so parts of a run made by different
        # processes never take the same one.
        self.serials = serials
        self.first_of_year = {year: self.first_index(year) for year in serials}
        self.tz = timezone.get_current_timezone()
        self.now = timezone.localtime()
        self.court_codes = dict(world.courts)
        self.categories = _weighted(CATEGORY_WEIGHTS)
        self.channels = {c: _weighted(w) for c, w in CHANNEL_WEIGHTS.items()}
        self.delegation_days = settings.FENGQIAO_DELEGATION_DEADLINE_DAYS
        self.entrustment_days = settings.FENGQIAO_ENTRUSTMENT_DEADLINE_DAYS
        self.confirmation_window = settings.FENGQIAO_CONFIRMATION_WINDOW_DAYS

    # -- names and people --

    def name(self) -> str:
        return choice(self.rng, SURNAMES) + choice(self.rng, GIVEN)

    def person(self, chunk: Chunk, *, minor: bool = False) -> Party:
        rng = self.rng
        birth = None
        if minor:
            birth = self.today - days(between(rng, 7 * 365, 17 * 365))
        elif rng.random() < 0.5:
            birth = self.today - days(between(rng, 20 * 365, 75 * 365))
        party = NEW_PARTY(
            body_id=self.body_id,
            kind=PERSON,
            name=self.name(),
            phone=""
            if minor or rng.random() < 0.15
            else f"1{choice(rng, '3578')}{int(rng.random() * 10**9):09d}",
            sex=MALE if rng.random() < 0.5 else FEMALE,
            birth_date=birth,
        )
        chunk.new_parties.append(party)
        return party

    def organization(self, organization_type: str) -> Party:
        organization = choice(self.rng, self.world.organizations[organization_type])
        return self.world.record_of(organization, self.body_id)

    def parties(self, category: str, chunk: Chunk) -> list[tuple[str, Party, int | None]]:
        """(role, party, position of the party represented) for one case: 2 to 4 of them."""
        rng = self.rng
        applicant = str(PartyRole.APPLICANT)
        respondent = str(PartyRole.RESPONDENT)
        third = str(PartyRole.THIRD_PARTY)
        guardian = str(PartyRole.GUARDIAN)
        if category == Category.TRAFFIC:
            rows = [(applicant, self.person(chunk), None), (respondent, self.person(chunk), None)]
            if rng.random() < 0.75:
                rows.append((third, self.organization(OrganizationType.INSURER), None))
            if rng.random() < 0.08:
                rows.append((str(PartyRole.AGENT), self.person(chunk), 0))
        elif category == Category.FINANCIAL:
            if rng.random() < 0.75:
                rows = [
                    (applicant, self.organization(OrganizationType.BANK), None),
                    (respondent, self.person(chunk), None),
                ]
                if rng.random() < 0.2:  # the guarantor
                    rows.append((respondent, self.person(chunk), None))
            else:
                rows = [
                    (applicant, self.person(chunk), None),
                    (respondent, self.person(chunk), None),
                    (third, self.organization(OrganizationType.BANK), None),
                ]
        elif category == Category.MEDICAL:
            rows = [
                (applicant, self.person(chunk), None),
                (respondent, self.organization(OrganizationType.HOSPITAL), None),
            ]
            if rng.random() < 0.3:
                rows.append((third, self.organization(OrganizationType.INSURER), None))
        elif category == Category.SCHOOL:
            rows = [
                (applicant, self.person(chunk, minor=True), None),
                (guardian, self.person(chunk), 0),
            ]
            if rng.random() < 0.6:
                rows.append((respondent, self.organization(OrganizationType.SCHOOL), None))
            else:
                rows.append((respondent, self.person(chunk, minor=True), None))
                rows.append((guardian, self.person(chunk), 2))
        else:
            rows = [(applicant, self.person(chunk), None), (respondent, self.person(chunk), None)]
            if rng.random() < 0.12:
                rows.append((third, self.person(chunk), None))
        return rows

    def amount(self, category: str) -> Decimal | None:
        if category == Category.FAMILY and self.rng.random() < 0.3:
            return None
        median, sigma = CLAIMED[category]
        yuan = max(500, int(self.rng.lognormvariate(0, sigma) * median))
        return Decimal(yuan // 10 * 1000).scaleb(-2)

    def agreed(self, category: str, claimed: Decimal | None) -> Decimal:
        rng = self.rng
        if rng.random() < ZERO_COMPENSATION.get(category, ZERO_COMPENSATION_OTHERS):
            return Decimal("0.00")
        base = int(claimed) if claimed else int(CLAIMED[category][0])
        cents = int(base * rng.uniform(0.3, 0.95) * 100)
        if rng.random() < 0.8:
            cents = max(10_000, cents // 10_000 * 10_000)  # whole hundreds of yuan, mostly
        return Decimal(cents).scaleb(-2)

    def received_on(self, index: int) -> datetime.date:
        """Day case number `index` was received: evenly spread, rising with the number (as
        real reference numbers do), never after today."""
        return self.since + days((2 * index + 1) * self.span // (2 * self.total))

    def first_index(self, year: int) -> int:
        """Number of the first case received in `year` or later (`total` when there is none)."""
        low, high = 0, self.total
        while low < high:
            middle = (low + high) // 2
            if self.received_on(middle).year < year:
                low = middle + 1
            else:
                high = middle
        return low

    def reference(self, index: int, received: datetime.date) -> str:
        year = received.year
        serial = self.serials.get(year, 0) + index - self.first_of_year[year] + 1
        if serial >= 10**SERIAL_DIGITS:
            raise CommandError(_("No generated reference left for %(year)s.") % {"year": year})
        return f"{PREFIX}-{year}-{serial:0{SERIAL_DIGITS}d}"

    # -- one case --

    def case(self, index: int, chunk: Chunk) -> None:
        rng = self.rng
        today = self.today
        received = self.received_on(index)
        category = pick(rng, self.categories)
        body = choice(rng, self.world.bodies_by_category[category])
        self.body_id = body.id
        channel = pick(rng, self.channels[category])
        court_id = None
        court_case_number = ""
        if channel in COURT_CHANNELS:
            court_id, code = choice(rng, self.world.courts)
            kind = "民诉前调" if channel == Channel.COURT_DELEGATED else "民初"
            court_case_number = f"({received.year}){code}{kind}{between(rng, 1, 30000)}号"
        members = self.parties(category, chunk)
        claimed = self.amount(category)
        title = f"{members[0][1].name}与{members[1 if members[1][2] is None else 2][1].name}"
        title += choice(rng, TITLES[category])

        path = Path(self, received, body, channel, category, court_id)
        path.run()

        dispute = NEW_DISPUTE(
            reference=self.reference(index, received),
            category=category,
            channel=channel,
            track=body.track,
            body_id=body.id,
            mediator_id=path.mediator_id,
            court_id=path.court_id,
            court_case_number=court_case_number,
            title=title[:200],
            facts=f"申请人因{TITLES[category][0]}申请调解。",
            claimed_amount=claimed,
            received_at=received,
            accepted_at=path.accepted_at,
            signed_at=path.signed_at,
            concluded_at=path.concluded_at,
            outcome=path.outcome,
            close_outcome=path.close_outcome,
            state=path.state,
        )
        if path.outcome == SUCCESS:
            dispute.agreed_amount = self.agreed(category, claimed)
        if path.reached_agreement:
            amount = dispute.agreed_amount
            dispute.agreement_terms = (
                f"被申请人于协议生效之日起三十日内一次性支付申请人人民币{amount}元。"
                if amount
                else "双方确认本纠纷已了结，互不追究。"
            )
        if path.deadline_from is not None:
            # As Dispute.set_deadline sets them (the instance skips Model.__init__, not methods).
            dispute.set_deadline(path.deadline_from, path.deadline_days)
            if path.state in OPEN:
                if dispute.deadline < today:
                    dispute.deadline_status = OVERDUE
                    dispute.deadline_status_since = dispute.deadline + days(1)
                elif dispute.due_soon_on <= today:
                    dispute.deadline_status = DUE_SOON
                    dispute.deadline_status_since = dispute.due_soon_on
        steps = path.steps
        register = steps[0]
        steps[0] = (*register[:6], {**register[6], "channel": channel, "parties": len(members)})
        chunk.cases.append(Case(dispute, members, steps))

    def chunk(self, start: int, stop: int) -> Chunk:
        """The rows of cases number `start` to `stop` (excluded) of the run."""
        chunk = Chunk()
        for index in range(start, stop):
            self.case(index, chunk)
        return chunk


class Path:
    """One case's way through the state machine up to today: its steps and the fields they set."""

    def __init__(
        self,
        maker: CaseMaker,
        received: datetime.date,
        body: BodyInfo,
        channel: str,
        category: str,
        court_id: int | None,
    ) -> None:
        self.maker = maker
        self.rng = maker.rng
        self.today = maker.today
        self.received = received
        self.body = body
        self.channel = channel
        self.category = category
        self.court_id = court_id
        self.state = ""
        self.steps: list[tuple[str, str, str, datetime.datetime, int | None, str, dict]] = []
        self.last_at: datetime.datetime | None = None
        self.last_day = received
        self.mediator_id: int | None = None
        self.mediator_user_id: int | None = None
        self.accepted_at: datetime.date | None = None
        self.signed_at: datetime.date | None = None
        self.concluded_at: datetime.date | None = None
        self.outcome = ""
        self.close_outcome = ""
        self.reached_agreement = False
        self.deadline_from: datetime.date | None = None
        self.deadline_days = 0
        if channel == Channel.COURT_DELEGATED:
            self.deadline_from, self.deadline_days = received, maker.delegation_days
        elif channel == Channel.COURT_ENTRUSTED:
            self.deadline_from, self.deadline_days = received, maker.entrustment_days

    def step(
        self,
        name: str,
        target: str,
        day: datetime.date,
        *,
        actor_id: int | None = None,
        reason: str = "",
        **data: Any,
    ) -> bool:
        """Take a step on `day`; False (and nothing done) when that day has not come yet.

        Steps after registration happen up to yesterday, so no log row is dated in the future.
        """
        if day >= self.today and self.steps:
            return False
        rng = self.rng
        minute = int(rng.random() * 600)  # 08:00 to 17:59
        at = datetime.datetime(
            day.year, day.month, day.day, 8 + minute // 60, minute % 60, tzinfo=self.maker.tz
        )
        if self.last_at is not None and at <= self.last_at:
            at = self.last_at + datetime.timedelta(minutes=1 + int(rng.random() * 30))
        elif not self.steps:
            at = min(at, self.maker.now)
        self.last_at = at
        self.last_day = day
        target = str(target)
        target = str(target)
        # Steps without data of their own share one dict (it is never changed).
        self.steps.append(
            (
                name,
                self.state,
                target,
                at,
                actor_id,
                reason,
                {**GENERATED, **data} if data else GENERATED,
            )
        )
        self.state = target
        return True

    def day(self) -> datetime.date:
        """The day of the last step."""
        return self.last_day

    def conclude(self, outcome: str, on: datetime.date) -> None:
        self.outcome = str(outcome)
        self.concluded_at = on

    def run(self) -> None:
        rng = self.rng
        reason = REASONS
        self.step("register", State.REGISTERED, self.received)
        roll = rng.random()
        if roll < 0.04:
            on = self.received + days(between(rng, 0, 5))
            if self.step("decline", State.DECLINED, on, reason=choice(rng, reason["decline"])):
                self.conclude(Outcome.DECLINED, on)
            return
        if roll < 0.05:
            on = self.received + days(between(rng, 0, 3))
            if self.step("withdraw", State.WITHDRAWN, on, reason=reason["withdraw"][0]):
                self.conclude(Outcome.WITHDRAWN, on)
            return

        accepted = self.received + days(choice(rng, (0, 0, 1, 1, 2, 3, 5)))
        if not self.step("accept", State.ACCEPTED, accepted):
            return
        self.accepted_at = accepted
        if self.channel not in COURT_CHANNELS:
            self.deadline_from = accepted
            self.deadline_days = self.body.deadline_days(self.category)

        mediator_id, user_id = choice(rng, self.body.mediators)
        track = self.body.track
        assigned = accepted + days(choice(rng, (0, 1, 1, 2, 3, 4, 6)))
        if not self.step(
            "assign", State.ASSIGNED, assigned, mediator=mediator_id, track=self.body.track
        ):
            return
        self.mediator_id, self.mediator_user_id = mediator_id, user_id
        if rng.random() < 0.03 and len(self.body.mediators) > 1:
            other = choice(rng, [m for m in self.body.mediators if m[0] != mediator_id])
            on = assigned + days(between(rng, 1, 3))
            if not self.step(
                "reassign",
                State.ASSIGNED,
                on,
                reason=choice(rng, reason["reassign"]),
                **{
                    "from": {"body": self.body.id, "mediator": mediator_id, "track": track},
                    "to": {"body": self.body.id, "mediator": other[0], "track": track},
                },
            ):
                return
            self.mediator_id, self.mediator_user_id = other

        # How the case ends and when, counted from acceptance.
        stuck = rng.random() < 0.012
        if rng.random() < 0.08:
            length = between(rng, 35, 160)
        else:
            length = 3 + int(rng.gammavariate(2.0, 9.0))
        end = max(accepted + days(length), self.day() + days(1))
        roll = rng.random()
        if roll < 0.07:
            ending = "withdraw"
        elif roll < 0.07 + 0.93 * SUCCESS_RATE[self.category]:
            ending = "success"
        else:
            ending = "failure"
        actor = self.mediator_user_id

        if ending in ("failure", "withdraw") and rng.random() < 0.08:
            pass  # ends before mediation starts (the respondent will not come, say)
        else:
            started = min(self.day() + days(between(rng, 1, 7)), end)
            if not self.step("start", State.MEDIATING, started, actor_id=actor):
                return
            if ending == "success" or (ending != "success" and rng.random() < 0.12):
                drafted = max(self.day(), end - days(between(rng, 0, 4)))
                if ending != "success":
                    drafted = max(self.day(), end - days(between(rng, 1, 6)))
                if not self.step("draft_agreement", State.AGREED, drafted, actor_id=actor):
                    return
                self.reached_agreement = True
        if stuck:
            return  # still open, long past its deadline by now

        if ending == "withdraw":
            if self.step("withdraw", State.WITHDRAWN, end, reason=reason["withdraw"][0]):
                self.conclude(Outcome.WITHDRAWN, end)
            return
        if ending == "failure":
            if not self.step(
                "fail", State.FAILED, end, actor_id=actor, reason=choice(rng, reason["fail"])
            ):
                return
            self.conclude(Outcome.FAILURE, end)
            refer = 0.7 if self.channel in COURT_CHANNELS else 0.3
            if rng.random() < refer:
                court_id = self.court_id or choice(rng, self.maker.world.courts)[0]
                on = end + days(between(rng, 1, 10))
                if not self.step("refer_to_court", State.REFERRED, on, court=court_id):
                    return
                self.court_id = court_id
            self.maybe_close()
            return

        if not self.step("sign", State.SIGNED, end):
            return
        self.signed_at = end
        self.conclude(Outcome.SUCCESS, end)
        confirm = 0.5 if self.channel in COURT_CHANNELS else 0.12
        if rng.random() < confirm:
            court_id = self.court_id or choice(rng, self.maker.world.courts)[0]
            on = end + days(between(rng, 1, self.maker.confirmation_window - 2))
            if not self.step("apply_confirmation", State.CONFIRMING, on, court=court_id):
                return
            self.court_id = court_id
            if rng.random() < 0.05:
                return  # the court has not ruled (yet)
            on = self.day() + days(between(rng, 3, 20))
            ruling = f"({on.year}){self.maker.court_codes[court_id]}民特{between(rng, 1, 9999)}号"
            if not self.step("confirm", State.CONFIRMED, on, case_number=ruling):
                return
        self.maybe_close()

    def maybe_close(self) -> None:
        rng = self.rng
        if rng.random() >= 0.55:
            return
        if self.outcome == Outcome.SUCCESS:
            outcome = pick(rng, CLOSE_AFTER_SUCCESS)  # most agreements are performed
        else:
            outcome = str(choice(rng, CLOSE_OUTCOMES_BY_STATE[self.state]))
        on = self.day() + days(between(rng, 10, 150))
        if self.step("close", State.CLOSED, on, outcome=outcome):
            self.close_outcome = outcome


# --- the command ---------------------------------------------------------------------------------


def generate(
    count: int,
    *,
    seed: int | None = None,
    since: datetime.date | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    today: datetime.date | None = None,
    write_line: Callable[[str], Any] | None = None,
) -> dict[str, int]:
    """Generate `count` disputes; returns how many rows went into each table.

    The same seed, count, --since and day give the same cases.
    """
    today = today or timezone.localdate()
    since = since or today - days(3 * 365)
    if since > today:
        raise CommandError(_("--since must not be after today."))
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    world = prepare_world(random.Random(seed))
    if not world.bodies:
        raise CommandError(_("No mediation body with an active mediator to give cases to."))
    for name in world.created:
        if write_line:
            write_line(_("Created body %(name)s") % {"name": name})
    maker = CaseMaker(
        random.Random(f"{seed}:cases"),
        world,
        since=since,
        today=today,
        total=count,
        serials=last_serials(range(since.year, today.year + 1)),
    )
    chunks = _chunks(maker, 0, count, chunk_size)
    totals = {"disputes": 0, "parties": 0, "case_parties": 0, "log": 0}
    started = time.perf_counter()
    # In a transaction of the caller's (a test), another connection would not see its rows;
    # SQLite takes one writer at a time anyway.
    alone = connection.vendor != "postgresql" or connection.in_atomic_block
    for written in map(write, chunks) if alone else write_behind(chunks):
        for table, rows in written.items():
            totals[table] += rows
        if write_line:
            elapsed = time.perf_counter() - started
            write_line(
                _("%(done)s / %(count)s disputes, %(elapsed).1f s, %(rate)s a second")
                % {
                    "done": f"{totals['disputes']:,}",
                    "count": f"{count:,}",
                    "elapsed": elapsed,
                    "rate": f"{totals['disputes'] / elapsed:,.0f}" if elapsed else "-",
                }
            )
    return totals


def _chunks(maker: CaseMaker, start: int, stop: int, chunk_size: int) -> Iterator[Chunk]:
    for first in range(start, stop, chunk_size):
        yield maker.chunk(first, min(stop, first + chunk_size))


WRITERS = 2


def write_behind(chunks: Iterable[Chunk], writers: int = WRITERS) -> Iterator[dict[str, int]]:
    """`write` chunks in `writers` other threads, each chunk on a connection of its own, while
    this thread builds the next ones; yields what `write` answers, in order.

    While one transaction waits for the database (its COPY, the foreign-key checks at commit),
    Python builds or converts other chunks: on two cores this is about a third faster than
    taking turns. At most `writers` + 1 chunks are in memory.
    """
    pending: deque[Future[dict[str, int]]] = deque()
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="generate_cases") as pool:
        for chunk in chunks:
            if len(pending) == writers:
                yield pending.popleft().result()
            pending.append(pool.submit(_write_and_close, chunk))
        while pending:
            yield pending.popleft().result()


def _write_and_close(chunk: Chunk) -> dict[str, int]:
    try:
        return write(chunk)
    finally:
        connection.close()  # this thread's own connection


class Command(BaseCommand):
    help = "Generate N realistic disputes with parties and transition logs (scale tests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many disputes to make")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: any)")
        parser.add_argument(
            "--since", help="earliest day received, YYYY-MM-DD (default: three years ago)"
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK,
            help=f"disputes written per transaction (default {DEFAULT_CHUNK})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count < 1:
            raise CommandError(_("Give a positive number of disputes."))
        if options["chunk_size"] < 1:
            raise CommandError(_("--chunk-size must be positive."))
        since = None
        if options["since"]:
            try:
                since = datetime.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(
                    _("--since: not a date in the form YYYY-MM-DD: %(error)s") % {"error": exc}
                ) from exc
        seed = options["seed"]
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        self.stdout.write(
            _("Generating %(count)s disputes on %(vendor)s (seed %(seed)s)")
            % {"count": f"{count:,}", "vendor": connection.vendor, "seed": seed}
        )
        started = time.perf_counter()
        totals = generate(
            count,
            seed=seed,
            since=since,
            chunk_size=options["chunk_size"],
            write_line=self.stdout.write,
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            _(
                "Done in %(elapsed).1f s: %(disputes)s disputes, %(parties)s new parties, "
                "%(case_parties)s case parties, %(log)s log rows."
            )
            % {"elapsed": elapsed, **{k: f"{v:,}" for k, v in totals.items()}}
        )
