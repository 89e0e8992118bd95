"""Demo data: bodies, staff, courts and 60 disputes in every state, made through the services.

Idempotent: users, bodies and courts are looked up by their natural keys, and disputes are only
generated when none made by the demo clerks exist yet. Every dispute is carried through the real
state machine with backdated times, so the log reads like a real history. The one step not
replayed is signing, which needs the parties' own signatures: signed cases take the documented
import path, which logs them as imported.

Every fourth case comes from a court (诉前委派 or 诉中委托), alternating between the two demo courts;
cases that fail go back to their court, signed ones apply for judicial confirmation, and the
courts' side (receipt, filing, decision) is taken by the demo court users through
`courts.services`, exactly as the court inbox and the API take it.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from courts import services as court_services
from courts.models import OUTBOUND_KINDS, Court, CourtLevel, CourtStaff, Referral, ReferralKind
from documents import services as document_services
from documents.models import PaymentMethod, Schedule
from mediation.cases import services
from mediation.cases.models import Dispute, MediationBody, Mediator, StaffMember
from mediation.kernel.choices import BodyKind, Category, Channel, State, Track
from mediation.kernel.roles import Role, ensure_role_groups
from mediation.ledger.importer import import_ledger
from mediation.ledger.models import LedgerImport
from parties.accounts import link_records
from parties.models import IdType, OrganizationType, Party, PartyKind, PartyRole, PortalAccount
from parties.services import PartyInput
from parties.validators import resident_id_check_digit, uscc_check_char

DEMO_PASSWORD = "fengqiao-demo"
# The demo bodies' earlier cases as a centre's ledger would hold them (Chinese headers).
DEMO_LEDGER = Path(__file__).resolve().parents[1] / "fixtures" / "demo_ledger.csv"
SIGNING_DEMO_TITLE = "机动车交通事故责任纠纷（签署演示）"
SEED = 2026

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

BODIES = [
    {
        "key": "medical",
        "name": "南昌市东湖区医疗纠纷人民调解委员会",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市东湖区",
        "categories": [Category.MEDICAL],
        "default_deadline_days": 30,
        "deadline_days_by_category": {Category.MEDICAL: 45},
        "staff": [("陈", "志强"), ("赵", "敏")],
        "mediators": [("王", "建国"), ("刘", "芳")],
    },
    {
        "key": "traffic",
        "name": "南昌市公安局交通管理局东湖大队",
        "kind": BodyKind.ADMINISTRATIVE,
        "track": Track.ADMINISTRATIVE,
        "region": "江西省南昌市东湖区",
        "categories": [Category.TRAFFIC],
        "default_deadline_days": 30,
        "deadline_days_by_category": {},
        "staff": [("吴", "刚"), ("郑", "丽")],
        "mediators": [("孙", "立新"), ("周", "静")],
    },
    {
        "key": "invited",
        "name": "东湖区诉调对接特邀调解中心",
        "kind": BodyKind.COURT_INVITED,
        "track": Track.JUDICIAL,
        "region": "江西省南昌市东湖区",
        "categories": [Category.FINANCIAL, Category.TRAFFIC, Category.FAMILY],
        "default_deadline_days": 30,
        "deadline_days_by_category": {},
        "staff": [("许", "文"), ("高", "洁")],
        "mediators": [("冯", "涛"), ("何", "雪")],
    },
    {
        "key": "community",
        "name": "东湖区百花洲街道人民调解委员会",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市东湖区百花洲街道",
        "categories": [Category.FAMILY, Category.SCHOOL, Category.TRAFFIC],
        "default_deadline_days": 30,
        "deadline_days_by_category": {},
        "staff": [("林", "海"), ("郭", "静")],
        "mediators": [("马", "骏"), ("罗", "琳")],
    },
]

COURTS = [
    {
        "name": "南昌市东湖区人民法院",
        "code": "赣0102",
        "level": CourtLevel.BASIC,
        "region": "江西省南昌市东湖区",
    },
    {
        "name": "南昌市西湖区人民法院",
        "code": "赣0103",
        "level": CourtLevel.BASIC,
        "region": "江西省南昌市西湖区",
    },
    {
        "name": "南昌市中级人民法院",
        "code": "赣01",
        "level": CourtLevel.INTERMEDIATE,
        "region": "江西省南昌市",
    },
]

# How many demo disputes end in each state (60 in all).
STATE_PLAN = [
    (State.REGISTERED, 5),
    (State.ACCEPTED, 5),
    (State.ASSIGNED, 5),
    (State.MEDIATING, 6),
    (State.AGREED, 4),
    (State.SIGNED, 5),
    (State.CONFIRMING, 3),
    (State.CONFIRMED, 4),
    (State.FAILED, 5),
    (State.REFERRED, 4),
    (State.DECLINED, 3),
    (State.WITHDRAWN, 4),
    (State.CLOSED, 7),
]

# Steps from registration to each target state (signed is reached through the import path).
PATHS: dict[str, list[str]] = {
    State.REGISTERED: [],
    State.ACCEPTED: ["accept"],
    State.ASSIGNED: ["accept", "assign"],
    State.MEDIATING: ["accept", "assign", "session", "start"],
    State.AGREED: ["accept", "assign", "session", "start", "draft_agreement"],
    State.SIGNED: ["accept", "assign", "session", "start", "draft_agreement", "import_signed"],
    State.CONFIRMING: [
        "accept",
        "assign",
        "session",
        "start",
        "draft_agreement",
        "import_signed",
        "apply_confirmation",
    ],
    State.CONFIRMED: [
        "accept",
        "assign",
        "session",
        "start",
        "draft_agreement",
        "import_signed",
        "apply_confirmation",
        "court:receive",
        "court:decide:confirmed",
    ],
    State.FAILED: ["accept", "assign", "session", "start", "fail"],
    State.REFERRED: ["accept", "assign", "session", "start", "fail", "refer_to_court"],
    State.DECLINED: ["decline"],
    State.WITHDRAWN: ["accept", "assign", "withdraw"],
}
# Steps prefixed "court:" are the court's, taken on the open referral to it. Filing a litigation
# referral closes the case (outcome court_filed).
CLOSED_PATHS = [
    PATHS[State.SIGNED] + ["close:performed"],
    PATHS[State.REFERRED] + ["court:receive", "court:file", "court:decide:judgment"],
    PATHS[State.CONFIRMED] + ["close:performed"],
    PATHS[State.FAILED] + ["close:no_further_action"],
]
# Some open cases show a court's receipt, or a refused confirmation that sent the case back to
# mediation.
RECEIVED_BY_COURT = {State.CONFIRMING: PATHS[State.CONFIRMING] + ["court:receive"]}
DENIED_CONFIRMATION = PATHS[State.CONFIRMING] + ["court:receive", "court:decide:denied"]


def path_for(target: str, number: int) -> list[str]:
    if target == State.CLOSED:
        path = CLOSED_PATHS[number % len(CLOSED_PATHS)]
        # Some suits are filed but not yet decided by the court.
        return path[:-1] if path[-1].startswith("court:decide") and number % 8 != 1 else path
    if target == State.MEDIATING and number % 6 == 3:
        return DENIED_CONFIRMATION
    if target in RECEIVED_BY_COURT and number % 2 == 0:
        return RECEIVED_BY_COURT[target]
    if target == State.REFERRED and number % 2 == 1:
        return PATHS[target] + ["court:receive"]
    return PATHS[target]


def court_channel(number: int) -> str | None:
    """Every fourth case comes from a court; every third of those is entrusted during a suit."""
    if number % 4:
        return None
    return Channel.COURT_ENTRUSTED if number % 12 == 8 else Channel.COURT_DELEGATED


def make_resident_id(rng: random.Random, birth: datetime.date, male: bool) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if male else 0)  # the 17th digit is odd for men
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"
    return first17 + resident_id_check_digit(first17)


def make_uscc(rng: random.Random) -> str:
    first17 = "91" + "3601" + "02" + "".join(str(rng.randrange(10)) for _ in range(9))
    return first17 + uscc_check_char(first17)


@dataclass
class Cast:
    """The demo's people: who acts in each body and court."""

    clerks: dict[int, Any]
    directors: dict[int, Any]
    mediators: dict[int, list[Mediator]]
    court_users: dict[int, Any]


class Command(BaseCommand):
    help = "Load demo data (bodies, staff, courts, 60 disputes); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_role_groups()
        with transaction.atomic():
            bodies, cast, courts = self._people_and_places()
        demo_clerks = list(cast.clerks.values())
        if Dispute.objects.filter(created_by__in=demo_clerks).exists():
            self.stdout.write("Demo disputes already present; nothing added.")
        else:
            with transaction.atomic():
                made = self._disputes(bodies, cast, courts)
            self.stdout.write(f"Created {made} demo disputes.")
        self._import_history()
        self._print_logins()

    def _import_history(self) -> None:
        """Two years of the demo bodies' paper ledger (SPEC §8), so the dashboard has a history.
        Importing again skips every row: the ledger's references are the key."""
        report = import_ledger(DEMO_LEDGER, all_or_nothing=True)
        if report.status != LedgerImport.Status.DONE:
            raise CommandError(f"The demo ledger did not import: {report.message}")
        self.stdout.write(
            f"Ledger history: {report.imported} cases imported, {report.skipped} already there."
        )

    # --- people and places -----------------------------------------------------------------------

    def _user(self, username: str, last: str, first: str, roles: list[Role], **extra: Any) -> Any:
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"last_name": last, "first_name": first, **extra}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
        return user

    def _people_and_places(self) -> tuple[dict[str, MediationBody], Cast, list[Court]]:
        self._user("admin", "管理员", "", [], is_staff=True, is_superuser=True)
        courts = [Court.objects.get_or_create(code=c["code"], defaults=c)[0] for c in COURTS]
        bodies: dict[str, MediationBody] = {}
        cast = Cast({}, {}, {}, {})
        for number, spec in enumerate(BODIES, start=1):
            fields = {k: v for k, v in spec.items() if k not in ("key", "staff", "mediators")}
            body, _ = MediationBody.objects.get_or_create(name=spec["name"], defaults=fields)
            bodies[spec["key"]] = body
            (dl, df), (cl, cf) = spec["staff"]
            director = self._user(f"director{number}", dl, df, [Role.DIRECTOR], is_staff=True)
            clerk = self._user(f"clerk{number}", cl, cf, [Role.CLERK])
            for user in (director, clerk):
                StaffMember.objects.get_or_create(user=user, defaults={"body": body})
            cast.directors[body.pk], cast.clerks[body.pk] = director, clerk
            cast.mediators[body.pk] = []
            for index, (ml, mf) in enumerate(spec["mediators"], start=1):
                user = self._user(f"mediator{number}{index}", ml, mf, [Role.MEDIATOR])
                mediator, _ = Mediator.objects.get_or_create(
                    user=user, defaults={"body": body, "categories": spec["categories"]}
                )
                cast.mediators[body.pk].append(mediator)
        for number, court in enumerate(courts[:2], start=1):
            user = self._user(f"court{number}", "法", f"官{number}", [Role.COURT])
            CourtStaff.objects.get_or_create(user=user, defaults={"court": court})
            cast.court_users[court.pk] = user
        self._user("analyst", "综治", "分析员", [Role.ANALYST])
        return bodies, cast, courts

    # --- disputes --------------------------------------------------------------------------------

    def _disputes(self, bodies: dict[str, MediationBody], cast: Cast, courts: list[Court]) -> int:
        rng = random.Random(SEED)
        today = timezone.localdate()
        bank = self._organization(
            rng, "中国工商银行股份有限公司南昌东湖支行", OrganizationType.BANK
        )
        targets = [state for state, count in STATE_PLAN for _ in range(count)]
        categories = list(Category.values)
        portal_party_set = False
        for number, target in enumerate(targets):
            category = categories[number % len(categories)]
            scenario = self._scenario(rng, category, number, bodies, courts, bank)
            path = path_for(target, number)
            if "apply_confirmation" in path:
                # Judicial confirmation must be applied for within 30 days of signing.
                age = rng.randrange(14, 24)
            elif target in (
                State.REGISTERED,
                State.ACCEPTED,
                State.ASSIGNED,
                State.MEDIATING,
                State.AGREED,
            ):
                # Open cases from fresh to well overdue, so queues show due-soon and overdue.
                age = [3, 12, 26, 34, 41, 55][number % 6]
            else:
                age = rng.randrange(30, 200)
            received = today - datetime.timedelta(days=age)
            start = timezone.make_aware(datetime.datetime.combine(received, datetime.time(9, 30)))
            channel = court_channel(number)
            if channel is None:
                dispute = services.register_dispute(
                    actor=cast.clerks[scenario["body"].pk],
                    data=services.DisputeInput(received_at=received, **scenario),
                    at=start,
                )
            else:
                court = courts[(number // 4) % 2]
                dispute = self._from_court(
                    channel, court, scenario, received, start, number, target, cast
                )
            if not portal_party_set:
                self._give_portal_account(dispute)
                portal_party_set = True
            self._walk(dispute, path, cast, courts, start, age, rng)
        self._signing_demo(bodies["traffic"], cast, rng)
        services.mark_deadlines(today)
        return len(targets) + 1

    def _signing_demo(self, body: MediationBody, cast: Cast, rng: random.Random) -> Dispute:
        """A traffic case agreed and waiting for four signatures: party1 (online, with a code),
        a child passenger through her guardian, the driver through his agent, and the insurer."""
        portal = Party.objects.filter(user__username="party1").order_by("id").first()
        insurer = self._organization(
            rng, "中国人民财产保险股份有限公司南昌市分公司", OrganizationType.INSURER
        )
        parties = [
            PartyInput(
                role=PartyRole.APPLICANT,
                kind=PartyKind.PERSON,
                name=portal.name,
                id_type=portal.id_type,
                id_number=portal.id_number,
                phone=portal.phone,
            ),
            self._person(rng, PartyRole.APPLICANT, born=(2014, 2016), name="刘欣怡"),
            self._person(rng, PartyRole.GUARDIAN, represents=1, name="刘建华"),
            self._person(rng, PartyRole.RESPONDENT, name="孙浩然"),
            self._person(rng, PartyRole.AGENT, represents=3, name="周律师"),
            # The insurer's claims desk: the number its portal account proves.
            PartyInput(
                **{**self._org_as(insurer, PartyRole.THIRD_PARTY).__dict__, "phone": "13907910004"}
            ),
        ]
        today = timezone.localdate()
        received = today - datetime.timedelta(days=6)
        dispute = services.register_dispute(
            actor=cast.clerks[body.pk],
            data=services.DisputeInput(
                category=Category.TRAFFIC,
                channel=Channel.POLICE,
                body=body,
                title=SIGNING_DEMO_TITLE,
                facts="被申请人驾驶小型轿车追尾申请人车辆，致车内乘客刘欣怡（未成年）受伤。"
                "交警部门认定被申请人负全部责任。",
                claimed_amount=Decimal("86000.00"),
                received_at=received,
                parties=parties,
            ),
        )
        mediator = cast.mediators[body.pk][0]
        services.take_transition(actor=cast.clerks[body.pk], dispute_id=dispute.pk, name="accept")
        services.take_transition(
            actor=cast.directors[body.pk],
            dispute_id=dispute.pk,
            name="assign",
            data={"mediator": mediator.pk},
        )
        services.schedule_session(
            actor=mediator.user,
            dispute_id=dispute.pk,
            data=services.SessionInput(
                scheduled_at=timezone.now() - datetime.timedelta(hours=3),
                place=f"{body.name}调解室",
                status="held",
                minutes="各方到场，调解员释法明理，各方就赔偿达成一致。",
                attendee_ids=list(dispute.case_parties.values_list("pk", flat=True)),
            ),
        )
        services.take_transition(actor=mediator.user, dispute_id=dispute.pk, name="start")
        by_role = {cp.party.name: cp for cp in dispute.case_parties.select_related("party")}
        document_services.save_agreement(
            actor=mediator.user,
            dispute_id=dispute.pk,
            data=document_services.AgreementInput(
                facts=dispute.facts,
                disputed_matters="赔偿项目及数额；保险公司在交强险和商业三者险限额内的赔付。",
                responsibilities="被申请人负事故全部责任。",
                clauses=[
                    "申请人放弃其他诉讼请求，双方就本次事故再无其他争议。",
                    "任何一方不履行本协议的，对方可依法申请司法确认后强制执行。",
                ],
                obligations=[
                    document_services.ObligationInput(
                        payer=by_role[insurer.name].pk,
                        payee=by_role["刘欣怡"].pk,
                        instalments=[
                            document_services.InstalmentInput(
                                Decimal("60000.00"), today + datetime.timedelta(days=15)
                            )
                        ],
                        method=PaymentMethod.INSURER_DIRECT,
                    ),
                    document_services.ObligationInput(
                        payer=by_role["孙浩然"].pk,
                        payee=by_role[portal.name].pk,
                        schedule=Schedule.INSTALMENTS,
                        instalments=[
                            document_services.InstalmentInput(
                                Decimal("13000.00"), today + datetime.timedelta(days=10)
                            ),
                            document_services.InstalmentInput(
                                Decimal("13000.00"), today + datetime.timedelta(days=40)
                            ),
                        ],
                    ),
                ],
                performance="款项以银行转账方式支付至收款人账户。",
            ),
        )
        services.take_transition(actor=mediator.user, dispute_id=dispute.pk, name="draft_agreement")
        # Portal accounts for the others, so that every party can download the signed agreement.
        for username, name in (
            ("party2", "刘建华"),
            ("party3", "孙浩然"),
            ("party4", insurer.name),
        ):
            self._portal_account(username, by_role[name].party)
        return dispute

    def _from_court(
        self,
        channel: str,
        court: Court,
        scenario: dict[str, Any],
        received: datetime.date,
        start: datetime.datetime,
        number: int,
        target: str,
        cast: Cast,
    ) -> Dispute:
        """A delegated or entrusted case. Those still waiting were sent by the court through the
        system and wait in the body's queue; the others were handed over on paper and
        registered by the body's clerk (which records their receipt at once)."""
        if channel == Channel.COURT_DELEGATED:
            case_number = f"({received.year}){court.code}民诉前调{100 + number}号"
        else:
            case_number = f"({received.year}){court.code}民初{2000 + number}号"
        if target == State.REGISTERED:
            fields = {k: v for k, v in scenario.items() if k not in ("channel", "court", "body")}
            referral = court_services.delegate(
                actor=cast.court_users[court.pk],
                data=court_services.DelegationInput(
                    kind=ReferralKind.DELEGATION
                    if channel == Channel.COURT_DELEGATED
                    else ReferralKind.ENTRUSTMENT,
                    court=court,
                    body=scenario["body"],
                    case_number=case_number,
                    delegated_on=received,
                    **fields,
                ),
                at=start,
            )
            return referral.dispute
        return services.register_dispute(
            actor=cast.clerks[scenario["body"].pk],
            data=services.DisputeInput(
                received_at=received,
                **{**scenario, "channel": channel, "court": court},
                court_case_number=case_number,
            ),
            at=start,
        )

    def _walk(
        self,
        dispute: Dispute,
        path: list[str],
        cast: Cast,
        courts: list[Court],
        start: datetime.datetime,
        age: int,
        rng: random.Random,
    ) -> None:
        # Spread the steps over the case's age, never later than now.
        step_days = max(age - 1, 1) / max(len(path), 1)
        body_id = dispute.body_id
        mediator = rng.choice(cast.mediators[body_id])
        for index, step in enumerate(path, start=1):
            at = min(start + datetime.timedelta(days=step_days * index), timezone.now())
            dispute.refresh_from_db()
            if step == "session":
                services.schedule_session(
                    actor=mediator.user,
                    dispute_id=dispute.pk,
                    data=services.SessionInput(
                        scheduled_at=at - datetime.timedelta(hours=2),
                        place=f"{dispute.body.name}第一调解室",
                        status="held",
                        minutes="双方陈述事实与诉求，调解员释法明理。",
                        attendee_ids=list(dispute.case_parties.values_list("pk", flat=True)),
                    ),
                )
                continue
            if step == "import_signed":
                services.record_imported_conclusion(
                    actor=mediator.user,
                    dispute_id=dispute.pk,
                    state=State.SIGNED,
                    concluded_at=timezone.localdate(at),
                    source="演示数据：纸质协议已由各方签署 (demo data: signed on paper)",
                )
                continue
            if step.startswith("court:"):
                self._court_step(dispute, step.split(":")[1:], cast, at, rng)
                continue
            name, _, value = step.partition(":")
            if name == "draft_agreement":
                self._write_agreement(dispute, mediator, at, rng)
            actor, data = self._actor_and_data(name, value, dispute, mediator, cast, courts, rng)
            services.take_transition(
                actor=actor, dispute_id=dispute.pk, name=name, data=data, at=at
            )

    def _write_agreement(
        self, dispute: Dispute, mediator: Mediator, at: datetime.datetime, rng: random.Random
    ) -> None:
        """The agreement the mediator drafts: the respondent (or the insurer, when there is one)
        pays the applicant, at once or in two instalments; some medical cases end without
        compensation (no fault found)."""
        parties = list(dispute.case_parties.order_by("id"))
        applicant = next(p for p in parties if p.role == PartyRole.APPLICANT)
        payer = next(
            (p for p in parties if p.role == PartyRole.THIRD_PARTY),
            next(p for p in parties if p.role == PartyRole.RESPONDENT),
        )
        day = timezone.localdate(at)
        amount = Decimal(rng.randrange(10, 300)) * 100
        obligations = []
        clauses = ["双方就本纠纷再无其他争议，申请人不再就此事向被申请人主张任何权利。"]
        if dispute.category == Category.MEDICAL and rng.random() < 0.3:
            clauses.insert(0, "经调查，被申请人在诊疗过程中无过错，不承担赔偿责任。")
        elif rng.random() < 0.3:
            half = (amount / 2).quantize(Decimal("0.01"))
            obligations.append(
                document_services.ObligationInput(
                    payer=payer.pk,
                    payee=applicant.pk,
                    schedule=Schedule.INSTALMENTS,
                    instalments=[
                        document_services.InstalmentInput(half, day + datetime.timedelta(days=15)),
                        document_services.InstalmentInput(
                            amount - half, day + datetime.timedelta(days=45)
                        ),
                    ],
                )
            )
        else:
            obligations.append(
                document_services.ObligationInput(
                    payer=payer.pk,
                    payee=applicant.pk,
                    instalments=[
                        document_services.InstalmentInput(amount, day + datetime.timedelta(days=15))
                    ],
                )
            )
        document_services.save_agreement(
            actor=mediator.user,
            dispute_id=dispute.pk,
            data=document_services.AgreementInput(
                facts=dispute.facts,
                disputed_matters="双方对赔偿责任及赔偿数额存在争议。",
                clauses=clauses,
                obligations=obligations,
                agreement_date=day,
            ),
        )

    def _court_step(
        self,
        dispute: Dispute,
        step: list[str],
        cast: Cast,
        at: datetime.datetime,
        rng: random.Random,
    ) -> None:
        """The court's side of a referral, as a court user takes it in the inbox."""
        referral = Referral.objects.open().get(dispute=dispute, kind__in=OUTBOUND_KINDS)
        name, data = step[0], {}
        year = timezone.localdate(at).year
        if name == "file":
            data = {"case_number": f"({year}){referral.court.code}民初{rng.randrange(100, 9999)}号"}
        elif name == "decide":
            data = {"decision": step[1], "reason": "经审查，依法作出裁定。"}
            if referral.kind == ReferralKind.CONFIRMATION:
                data["case_number"] = f"({year}){referral.court.code}民特{rng.randrange(10, 999)}号"
        court_services.take_referral_transition(
            actor=cast.court_users[referral.court_id],
            referral_id=referral.pk,
            name=name,
            data=data,
            at=at,
        )

    def _actor_and_data(
        self,
        name: str,
        value: str,
        dispute: Dispute,
        mediator: Mediator,
        cast: Cast,
        courts: list[Court],
        rng: random.Random,
    ) -> tuple[Any, dict[str, Any]]:
        body_id = dispute.body_id
        # The court the case came from, or one of the two demo courts by turns.
        court = dispute.court or rng.choice(courts[:2])
        match name:
            case "accept":
                return cast.clerks[body_id], {}
            case "decline":
                return cast.directors[body_id], {"reason": "被申请人明确拒绝调解"}
            case "assign":
                return cast.directors[body_id], {"mediator": mediator.pk}
            case "start":
                return mediator.user, {}
            case "draft_agreement":
                return mediator.user, {}
            case "apply_confirmation":
                return mediator.user, {"court": court.pk}
            case "fail":
                return mediator.user, {"reason": "双方分歧较大，经多次调解未能达成协议"}
            case "refer_to_court":
                return mediator.user, {"court": court.pk}
            case "withdraw":
                return cast.clerks[body_id], {"reason": "申请人撤回调解申请"}
            case "close":
                return mediator.user, {"outcome": value}
        raise ValueError(name)

    def _give_portal_account(self, dispute: Dispute) -> None:
        applicant = (
            dispute.case_parties.filter(role=PartyRole.APPLICANT).select_related("party").first()
        )
        if applicant and applicant.party.user_id is None:
            self._portal_account("party1", applicant.party)

    def _portal_account(self, username: str, party: Party) -> None:
        """A portal account on the record's phone and identity, as if its holder had proved the
        number, acting for every record that carries both."""
        person = party.kind == PartyKind.PERSON
        user = self._user(
            username,
            party.name[0] if person else party.name,
            party.name[1:] if person else "",
            [Role.PARTY],
        )
        account, _made = PortalAccount.objects.get_or_create(
            user=user,
            defaults={
                "name": party.name,
                "phone": party.phone,
                "phone_verified_at": timezone.now(),
                "id_type": party.id_type,
                "id_number_hash": party.id_number_hash,
            },
        )
        link_records(account)

    # --- scenarios -------------------------------------------------------------------------------

    def _name(self, rng: random.Random) -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    def _person(
        self,
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
            name=name or self._name(rng),
            id_type=IdType.RESIDENT_ID,
            id_number=make_resident_id(rng, birth, male),
            phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            ethnicity="汉族",
            address="江西省南昌市东湖区"
            + rng.choice(["八一大道", "阳明路", "胜利路", "中山路"])
            + f"{rng.randrange(1, 400)}号",
            represents=represents,
        )

    def _organization(self, rng: random.Random, name: str, kind: str) -> PartyInput:
        existing = Party.objects.filter(name=name, kind=PartyKind.ORGANIZATION).first()
        return PartyInput(
            role=PartyRole.APPLICANT,
            kind=PartyKind.ORGANIZATION,
            name=name,
            id_type=IdType.USCC,
            id_number=existing.id_number if existing else make_uscc(rng),
            organization_type=kind,
        )

    def _org_as(self, org: PartyInput, role: str) -> PartyInput:
        return PartyInput(**{**org.__dict__, "role": role})

    def _scenario(
        self,
        rng: random.Random,
        category: str,
        number: int,
        bodies: dict[str, MediationBody],
        courts: list[Court],
        bank: PartyInput,
    ) -> dict[str, Any]:
        claimed = Decimal(rng.randrange(50, 3000)) * 100
        if category == Category.TRAFFIC:
            insurer = self._organization(
                rng,
                rng.choice(
                    [
                        "中国人民财产保险股份有限公司南昌市分公司",
                        "中国平安财产保险股份有限公司江西分公司",
                    ]
                ),
                OrganizationType.INSURER,
            )
            parties = [
                self._person(rng, PartyRole.APPLICANT),
                self._person(rng, PartyRole.RESPONDENT),
                self._org_as(insurer, PartyRole.THIRD_PARTY),
            ]
            if number % 3 == 0:
                parties.append(self._person(rng, PartyRole.AGENT, represents=0))
            body = [bodies["traffic"], bodies["community"], bodies["invited"]][number % 3]
            channel = Channel.POLICE if body == bodies["traffic"] else Channel.WALK_IN
            title = (
                "机动车交通事故责任纠纷（"
                + rng.choice(["追尾", "侧面碰撞", "行人受伤", "非机动车碰撞"])
                + "）"
            )
            facts = "双方车辆在八一大道与阳明路交叉口发生交通事故，交警部门认定被申请人负主要责任，申请人受伤住院治疗。"
        elif category == Category.MEDICAL:
            hospital = self._organization(
                rng, rng.choice(["南昌市第一医院", "东湖区人民医院"]), OrganizationType.HOSPITAL
            )
            parties = [
                self._person(rng, PartyRole.APPLICANT),
                self._org_as(hospital, PartyRole.RESPONDENT),
            ]
            body = bodies["medical"]
            channel = rng.choice([Channel.WALK_IN, Channel.HOTLINE, Channel.INSTITUTION])
            title = (
                "医疗损害责任纠纷（"
                + rng.choice(["术后感染", "误诊", "用药不良反应", "分娩并发症"])
                + "）"
            )
            facts = "申请人在被申请人处就诊后出现不良后果，认为医院存在过错，要求赔偿医疗费、误工费等损失。"
        elif category == Category.SCHOOL:
            school = self._organization(
                rng,
                rng.choice(["南昌市东湖区育新学校", "南昌市百花洲小学"]),
                OrganizationType.SCHOOL,
            )
            parties = [
                self._person(rng, PartyRole.APPLICANT, born=(2012, 2017)),
                self._person(rng, PartyRole.GUARDIAN, represents=0),
                self._org_as(school, PartyRole.RESPONDENT),
            ]
            body = bodies["community"]
            channel = rng.choice([Channel.WALK_IN, Channel.GRID, Channel.INSTITUTION])
            title = (
                "校园意外伤害纠纷（"
                + rng.choice(["体育课受伤", "课间追逐摔伤", "校外活动受伤"])
                + "）"
            )
            facts = (
                "未成年学生在校期间受伤，监护人认为学校未尽到教育、管理职责，要求学校承担赔偿责任。"
            )
        elif category == Category.FINANCIAL:
            parties = [bank, self._person(rng, PartyRole.RESPONDENT)]
            if number % 2 == 0:
                parties.append(self._person(rng, PartyRole.RESPONDENT))  # a guarantor
            body = bodies["invited"]
            channel = Channel.INSTITUTION
            title = rng.choice(["金融借款合同纠纷", "信用卡纠纷", "保证合同纠纷"])
            facts = "被申请人向申请人借款后未按约定归还本息，申请人要求被申请人归还欠款本金及利息。"
            claimed = Decimal(rng.randrange(100, 50000)) * 100
        else:
            parties = [
                self._person(rng, PartyRole.APPLICANT),
                self._person(rng, PartyRole.RESPONDENT),
            ]
            body = [bodies["community"], bodies["invited"]][number % 2]
            channel = rng.choice([Channel.WALK_IN, Channel.PETITION, Channel.ONLINE])
            title = rng.choice(["离婚后财产纠纷", "抚养费纠纷", "赡养纠纷", "继承纠纷"])
            facts = (
                "双方系亲属关系，因家庭财产分配及抚养、赡养问题产生争议，经社区调解委员会介入调解。"
            )
        return {
            "category": category,
            "channel": channel,
            "body": body,
            "title": title,
            "facts": facts,
            "claimed_amount": claimed,
            "court": None,
            "parties": parties,
        }

    def _print_logins(self) -> None:
        self.stdout.write(
            f"\nDemo logins (password for all: {DEMO_PASSWORD})\n"
            "  admin                superuser\n"
            "  director1..4         directors of the four bodies (医调委, 交警大队, 特邀调解中心, 街道调委会)\n"
            "  clerk1..4            intake clerks of the same bodies\n"
            "  mediator11, 12 … 41, 42  mediators (body number, then mediator number)\n"
            "  court1, court2       court staff of 东湖区法院 and 西湖区法院\n"
            "  party1               a party with a portal account (party2..4: the signing demo)\n"
            "  analyst              statistics only\n"
            "API docs: http://127.0.0.1:8000/api/docs/   browsable API: http://127.0.0.1:8000/api/v1/\n"
        )
        demo = Dispute.objects.filter(title=SIGNING_DEMO_TITLE).first()
        if demo is not None:
            self.stdout.write(
                f"Signing demo: case {demo.reference} (id {demo.pk}, {demo.get_state_display()}), "
                f"mediator {demo.mediator.user.username if demo.mediator else '-'}; "
                "see README, 'Signing an agreement'.\n"
            )
