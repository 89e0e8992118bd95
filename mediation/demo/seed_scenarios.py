"""The demo's cases: how many end in each state, the way each takes through the state machine
and the court's side of it, and what each is about (parties, title, facts), by category.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from courts import consents
from courts import services as court_services
from courts.models import OUTBOUND_KINDS, ConsentMethod, Court, Referral, ReferralKind
from documents import services as document_services
from documents.models import Schedule
from mediation.cases import services
from mediation.cases.models import Dispute, MediationBody, Mediator
from mediation.cases.preparers import confirmation_court_required
from mediation.demo import people
from mediation.demo.minutes import sign_minutes
from mediation.kernel.choices import PRINCIPAL_ROLES, Category, Channel, FamilyMatter, State
from parties import consents as parties_consents
from parties.models import OrganizationType, PartyRole
from parties.services import PartyInput

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


@dataclass
class Cast:
    """The demo's people: who acts in each body and court."""

    clerks: dict[int, Any]
    directors: dict[int, Any]
    mediators: dict[int, list[Mediator]]
    court_users: dict[int, Any]


def walk(
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
            session = services.schedule_session(
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
            sign_minutes(session)
            continue
        if step == "import_signed":
            services.record_imported_conclusion(
                actor=mediator.user,
                dispute_id=dispute.pk,
                state=State.SIGNED,
                concluded_at=timezone.localdate(at),
                source="纸质调解协议书已由各方当场签署，原件存卷",
            )
            continue
        if step.startswith("court:"):
            _court_step(dispute, step.split(":")[1:], cast, at, rng)
            continue
        name, _, value = step.partition(":")
        if name == "draft_agreement":
            _write_agreement(dispute, mediator, at, rng)
        if name == "apply_confirmation":
            _consent_to_confirmation(dispute, mediator, at)
        actor, data = _actor_and_data(name, value, dispute, mediator, cast, courts, rng)
        services.take_transition(actor=actor, dispute_id=dispute.pk, name=name, data=data, at=at)
        if name == "accept":
            _acknowledge_rights(dispute, cast.clerks[body_id])


def _acknowledge_rights(dispute: Dispute, clerk: Any) -> None:
    """At acceptance each party signs the notice of their rights and duties at the desk; the
    case file (documents.case_file) needs it before the case can be closed."""
    for party_id in dispute.case_parties.filter(role__in=PRINCIPAL_ROLES).values_list(
        "pk", flat=True
    ):
        parties_consents.record_rights_acknowledgement(
            actor=clerk, dispute_id=dispute.pk, case_party_id=party_id
        )


def _consent_to_confirmation(dispute: Dispute, mediator: Mediator, at: datetime.datetime) -> None:
    """The parties apply jointly: each applicant and respondent consents before the mediator.
    A family case states its matter first (support: confirmable, unlike status matters)."""
    if dispute.category == Category.FAMILY and not dispute.family_matter:
        Dispute.objects.filter(pk=dispute.pk).update(family_matter=FamilyMatter.SUPPORT)
    for row in consents.consent_rows(dispute):
        if row.consent is None:
            consents.record_confirmation_consent(
                actor=mediator.user,
                dispute_id=dispute.pk,
                party=row.party.pk,
                method=ConsentMethod.IN_PERSON,
                at=at - datetime.timedelta(minutes=30),
            )
    dispute.refresh_from_db()


def _write_agreement(
    dispute: Dispute, mediator: Mediator, at: datetime.datetime, rng: random.Random
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
            return cast.directors[body_id], {
                "ground": "respondent_refuses",
                "reason": "被申请人明确拒绝调解",
                "advice": "可依法向人民法院提起诉讼",
            }
        case "assign":
            return cast.directors[body_id], {"mediator": mediator.pk}
        case "start":
            return mediator.user, {}
        case "draft_agreement":
            return mediator.user, {}
        case "apply_confirmation":
            # The court with jurisdiction: the delegating court, or the body's basic court.
            required, _why = confirmation_court_required(dispute)
            return mediator.user, {"court": (required or court).pk}
        case "fail":
            return mediator.user, {"reason": "双方分歧较大，经多次调解未能达成协议"}
        case "refer_to_court":
            return mediator.user, {"court": court.pk}
        case "withdraw":
            return cast.clerks[body_id], {"reason": "申请人撤回调解申请"}
        case "close":
            return mediator.user, {"outcome": value}
    raise ValueError(name)


def scenario(
    rng: random.Random,
    category: str,
    number: int,
    bodies: dict[str, MediationBody],
    courts: list[Court],
    bank: PartyInput,
) -> dict[str, Any]:
    claimed = Decimal(rng.randrange(50, 3000)) * 100
    if category == Category.TRAFFIC:
        insurer = people.organization(
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
            people.person(rng, PartyRole.APPLICANT),
            people.person(rng, PartyRole.RESPONDENT),
            people.org_as(insurer, PartyRole.THIRD_PARTY),
        ]
        if number % 3 == 0:
            parties.append(people.lawyer(rng, represents=0))
        body = [bodies["traffic"], bodies["community"], bodies["invited"]][number % 3]
        channel = Channel.POLICE if body == bodies["traffic"] else Channel.WALK_IN
        title = (
            "机动车交通事故责任纠纷（"
            + rng.choice(["追尾", "侧面碰撞", "行人受伤", "非机动车碰撞"])
            + "）"
        )
        facts = "双方车辆在八一大道与阳明路交叉口发生交通事故，交警部门认定被申请人负主要责任，申请人受伤住院治疗。"
    elif category == Category.MEDICAL:
        hospital = people.organization(
            rng, rng.choice(["南昌市第一医院", "东湖区人民医院"]), OrganizationType.HOSPITAL
        )
        parties = [
            people.person(rng, PartyRole.APPLICANT),
            people.org_as(hospital, PartyRole.RESPONDENT),
        ]
        body = bodies["medical"]
        channel = rng.choice([Channel.WALK_IN, Channel.HOTLINE, Channel.INSTITUTION])
        title = (
            "医疗损害责任纠纷（"
            + rng.choice(["术后感染", "误诊", "用药不良反应", "分娩并发症"])
            + "）"
        )
        facts = (
            "申请人在被申请人处就诊后出现不良后果，认为医院存在过错，要求赔偿医疗费、误工费等损失。"
        )
    elif category == Category.SCHOOL:
        school = people.organization(
            rng,
            rng.choice(["南昌市东湖区育新学校", "南昌市百花洲小学"]),
            OrganizationType.SCHOOL,
        )
        pupil = people.person(rng, PartyRole.APPLICANT, born=(2012, 2017))
        parties = [
            pupil,
            people.guardian_of(rng, pupil, represents=0),
            people.org_as(school, PartyRole.RESPONDENT),
        ]
        body = bodies["community"]
        channel = rng.choice([Channel.WALK_IN, Channel.GRID, Channel.INSTITUTION])
        title = (
            "校园意外伤害纠纷（" + rng.choice(["体育课受伤", "课间追逐摔伤", "校外活动受伤"]) + "）"
        )
        facts = "未成年学生在校期间受伤，监护人认为学校未尽到教育、管理职责，要求学校承担赔偿责任。"
    elif category == Category.FINANCIAL:
        parties = [bank, people.person(rng, PartyRole.RESPONDENT)]
        if number % 2 == 0:
            parties.append(people.person(rng, PartyRole.RESPONDENT))  # a guarantor
        body = bodies["invited"]
        channel = Channel.INSTITUTION
        title = rng.choice(["金融借款合同纠纷", "信用卡纠纷", "保证合同纠纷"])
        facts = "被申请人向申请人借款后未按约定归还本息，申请人要求被申请人归还欠款本金及利息。"
        claimed = Decimal(rng.randrange(100, 50000)) * 100
    else:
        parties = [
            people.person(rng, PartyRole.APPLICANT),
            people.person(rng, PartyRole.RESPONDENT),
        ]
        body = [bodies["community"], bodies["invited"]][number % 2]
        channel = rng.choice([Channel.WALK_IN, Channel.PETITION, Channel.ONLINE])
        title = rng.choice(["离婚后财产纠纷", "抚养费纠纷", "赡养纠纷", "继承纠纷"])
        facts = "双方系亲属关系，因家庭财产分配及抚养、赡养问题产生争议，经社区调解委员会介入调解。"
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
