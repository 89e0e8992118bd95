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

What the cases are and the way each takes are in `seed_scenarios`; names and identities in
`people`.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from courts import services as court_services
from courts.models import Court, CourtLevel, CourtStaff, ReferralKind
from documents import services as document_services
from documents.models import PaymentMethod, Schedule
from mediation.cases import services
from mediation.cases.models import Dispute, MediationBody, Mediator, StaffMember
from mediation.demo import people, seed_scenarios
from mediation.demo.minutes import sign_minutes
from mediation.demo.seed_scenarios import STATE_PLAN, Cast, court_channel, path_for
from mediation.kernel.choices import BodyKind, Category, Channel, State, Track
from mediation.kernel.roles import Role, ensure_role_groups
from mediation.ledger.importer import import_ledger
from mediation.ledger.models import LedgerImport
from parties.accounts import link_records
from parties.models import OrganizationType, Party, PartyKind, PartyRole, PortalAccount
from parties.services import PartyInput

DEMO_PASSWORD = "fengqiao-demo"
# The demo bodies' earlier cases as a centre's ledger would hold them (Chinese headers).
DEMO_LEDGER = Path(__file__).resolve().parents[1] / "fixtures" / "demo_ledger.csv"
# The agreed traffic case waiting for four signatures (README "Signing an agreement"): a title
# as the centre would write it, found again by this title.
SIGNING_DEMO_TITLE = "机动车交通事故责任纠纷（追尾致乘客受伤）"
SEED = 2026

BODIES = [
    {
        "key": "medical",
        "name": "南昌市东湖区医疗纠纷人民调解委员会",
        "short_name": "东湖医调",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市东湖区",
        "address": "江西省南昌市东湖区叠山路118号东湖区公共法律服务中心三楼",
        "phone": "0791-86201318",
        "categories": [Category.MEDICAL],
        "default_deadline_days": 30,
        "deadline_days_by_category": {Category.MEDICAL: 45},
        "staff": [("陈", "志强"), ("赵", "敏")],
        "mediators": [("王", "建国"), ("刘", "芳")],
    },
    {
        "key": "traffic",
        "name": "南昌市公安局交通管理局东湖大队",
        "short_name": "东湖交警调",
        "kind": BodyKind.ADMINISTRATIVE,
        "track": Track.ADMINISTRATIVE,
        "region": "江西省南昌市东湖区",
        "address": "江西省南昌市东湖区北京西路88号东湖交警大队事故处理中心",
        "phone": "0791-86223122",
        "categories": [Category.TRAFFIC],
        "default_deadline_days": 30,
        "deadline_days_by_category": {},
        "staff": [("吴", "刚"), ("郑", "丽")],
        "mediators": [("孙", "立新"), ("周", "静")],
    },
    {
        "key": "invited",
        "name": "东湖区诉调对接特邀调解中心",
        "short_name": "东湖特邀调",
        "kind": BodyKind.COURT_INVITED,
        "track": Track.JUDICIAL,
        "region": "江西省南昌市东湖区",
        "address": "江西省南昌市东湖区环湖路188号东湖区人民法院诉讼服务中心一楼",
        "phone": "0791-86663035",
        "categories": [Category.FINANCIAL, Category.TRAFFIC, Category.FAMILY],
        "default_deadline_days": 30,
        "deadline_days_by_category": {},
        "staff": [("许", "文"), ("高", "洁")],
        "mediators": [("冯", "涛"), ("何", "雪")],
    },
    {
        "key": "community",
        "name": "东湖区百花洲街道人民调解委员会",
        "short_name": "百花洲调",
        "kind": BodyKind.PEOPLES_COMMITTEE,
        "track": Track.PEOPLE,
        "region": "江西省南昌市东湖区百花洲街道",
        "address": "江西省南昌市东湖区孺子路66号百花洲街道综治中心",
        "phone": "0791-86785012",
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

# The clerks (立案庭) of the two demo courts that delegate cases and decide on confirmation.
COURT_STAFF = [("李", "文博"), ("黄", "丽萍")]


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
        self._import_history(cast)
        self._print_logins()

    def _import_history(self, cast: Cast) -> None:
        """Two years of the centre's paper ledger (SPEC §8), so the dashboard has a history, each
        body's rows imported by its director. The first body's (director1's) are left out: the
        README's ledger journey is director1 importing them. Importing again skips every row:
        the ledger's references are the key."""
        imported = skipped = 0
        for director in list(cast.directors.values())[1:]:
            report = import_ledger(DEMO_LEDGER, actor=director, all_or_nothing=True)
            if report.status != LedgerImport.Status.DONE:
                raise CommandError(f"The demo ledger did not import: {report.message}")
            imported += report.imported
            skipped += report.skipped
        self.stdout.write(f"Ledger history: {imported} cases imported, {skipped} already there.")

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
            # Every demo body sits in a district with its basic court (judicial confirmation).
            fields["court"] = next(
                (c for c in courts if c.region and c.region == spec.get("region")), courts[0]
            )
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
            last, first = COURT_STAFF[number - 1]
            user = self._user(f"court{number}", last, first, [Role.COURT])
            CourtStaff.objects.get_or_create(user=user, defaults={"court": court})
            cast.court_users[court.pk] = user
        self._user("analyst", "钱", "晓燕", [Role.ANALYST])
        return bodies, cast, courts

    # --- disputes --------------------------------------------------------------------------------

    def _disputes(self, bodies: dict[str, MediationBody], cast: Cast, courts: list[Court]) -> int:
        rng = random.Random(SEED)
        today = timezone.localdate()
        bank = people.organization(
            rng, "中国工商银行股份有限公司南昌东湖支行", OrganizationType.BANK
        )
        targets = [state for state, count in STATE_PLAN for _ in range(count)]
        categories = list(Category.values)
        portal_party_set = False
        for number, target in enumerate(targets):
            category = categories[number % len(categories)]
            scenario = seed_scenarios.scenario(rng, category, number, bodies, courts, bank)
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
            if channel == Channel.COURT_ENTRUSTED and {"apply_confirmation", "refer_to_court"} & {
                step.partition(":")[0] for step in path
            }:
                # An entrusted case goes back to the trial court: never confirmed nor referred.
                channel = Channel.COURT_DELEGATED
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
            seed_scenarios.walk(dispute, path, cast, courts, start, age, rng)
        self._signing_demo(bodies["traffic"], cast, rng)
        services.mark_deadlines(today)
        return len(targets) + 1

    def _signing_demo(self, body: MediationBody, cast: Cast, rng: random.Random) -> Dispute:
        """A traffic case agreed and waiting for four signatures: party1 (online, with a code),
        a child passenger through her guardian, the driver through his agent, and the insurer."""
        portal = Party.objects.filter(user__username="party1").order_by("id").first()
        insurer = people.organization(
            rng, "中国人民财产保险股份有限公司南昌市分公司", OrganizationType.INSURER
        )
        child = people.person(rng, PartyRole.APPLICANT, born=(2014, 2016), name="刘欣怡")
        parties = [
            PartyInput(
                role=PartyRole.APPLICANT,
                kind=PartyKind.PERSON,
                name=portal.name,
                id_type=portal.id_type,
                id_number=portal.id_number,
                phone=portal.phone,
            ),
            child,
            # Her father, at her address.
            people.person(
                rng,
                PartyRole.GUARDIAN,
                born=(1980, 1988),
                represents=1,
                name="刘建华",
                address=child.address,
            ),
            people.person(rng, PartyRole.RESPONDENT, name="孙浩然"),
            people.lawyer(rng, represents=3, name="周晓明", firm="江西豫章律师事务所"),
            # The insurer's claims desk: the number its portal account proves.
            PartyInput(
                **{**people.org_as(insurer, PartyRole.THIRD_PARTY).__dict__, "phone": "13907910004"}
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
        session = services.schedule_session(
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
        sign_minutes(session)
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
