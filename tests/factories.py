"""All test factories in one place (factory-boy)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from courts.models import Court, CourtLevel, CourtStaff, Referral, ReferralKind
from mediation.cases.models import Dispute, MediationBody, MediationSession, Mediator, StaffMember
from mediation.kernel.choices import BodyKind, Category, Channel, Track
from mediation.kernel.roles import Role
from parties.models import CaseParty, IdType, Party, PartyKind, PartyRole, PortalAccount
from parties.validators import resident_id_check_digit, uscc_check_char


def resident_id(serial: int, birth: datetime.date = datetime.date(1985, 6, 15)) -> str:
    first17 = f"360102{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def uscc(serial: int) -> str:
    first17 = f"91360102{serial % 10**9:09d}"
    return first17 + uscc_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "张"
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(
                *[Group.objects.get_or_create(name=role.value)[0] for role in extracted]
            )


class CourtFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Court

    name = factory.Sequence(lambda n: f"第{n}人民法院")
    code = factory.Sequence(lambda n: f"赣01{n:02d}")
    level = CourtLevel.BASIC
    region = "江西省南昌市"


class MediationBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediationBody

    name = factory.Sequence(lambda n: f"第{n}人民调解委员会")
    kind = BodyKind.PEOPLES_COMMITTEE
    track = Track.PEOPLE
    region = "江西省南昌市东湖区"
    categories: list[str] = []
    default_deadline_days = 30


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    body = factory.SubFactory(MediationBodyFactory)


class MediatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mediator

    user = factory.SubFactory(UserFactory, roles=[Role.MEDIATOR])
    body = factory.SubFactory(MediationBodyFactory)
    categories: list[str] = []


class CourtStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourtStaff

    user = factory.SubFactory(UserFactory, roles=[Role.COURT])
    court = factory.SubFactory(CourtFactory)


class PartyFactory(factory.django.DjangoModelFactory):
    """A body's record of a party; given a `user`, that user gets a portal account on the
    record's phone and identity (as `parties.accounts.open_portal_account` makes one). Without
    a body, the record takes the body of the first case it is given (`CasePartyFactory`)."""

    class Meta:
        model = Party
        skip_postgeneration_save = True

    body = None
    kind = PartyKind.PERSON
    name = factory.Sequence(lambda n: f"当事人{n}")
    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(lambda n: resident_id(n))
    phone = factory.Sequence(lambda n: f"138{n % 10**8:08d}")

    @factory.post_generation
    def portal_account(obj: Party, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or obj.user_id is None or not obj.phone:
            return
        if PortalAccount.objects.filter(user_id=obj.user_id).exists():
            return
        PortalAccount.objects.create(
            user_id=obj.user_id,
            name=obj.name,
            phone=obj.phone,
            phone_verified_at=timezone.now(),
            id_type=obj.id_type if obj.id_number_hash else "",
            id_number_hash=obj.id_number_hash,
        )


class OrganizationFactory(PartyFactory):
    kind = PartyKind.ORGANIZATION
    name = factory.Sequence(lambda n: f"某保险股份有限公司{n}分公司")
    id_type = IdType.USCC
    id_number = factory.Sequence(lambda n: uscc(n))
    organization_type = "insurer"
    phone = ""


class DisputeFactory(factory.django.DjangoModelFactory):
    """A registered dispute without parties; see `dispute_with_parties` for a complete one."""

    class Meta:
        model = Dispute

    reference = factory.Sequence(lambda n: f"FQ-T-{n:06d}")
    category = Category.TRAFFIC
    channel = Channel.WALK_IN
    track = Track.PEOPLE
    body = factory.SubFactory(MediationBodyFactory)
    title = factory.Sequence(lambda n: f"纠纷{n}")
    facts = "事实与理由"
    claimed_amount = Decimal("10000.00")
    received_at = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=2))


class CasePartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseParty

    dispute = factory.SubFactory(DisputeFactory)
    party = factory.SubFactory(PartyFactory, body=factory.SelfAttribute("..dispute.body"))
    role = PartyRole.APPLICANT

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> CaseParty:
        party, dispute = kwargs["party"], kwargs["dispute"]
        if party.body_id is None:
            party.body_id = dispute.body_id
            party.save(update_fields=["body"])
        return super()._create(model_class, *args, **kwargs)


class MediationSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediationSession

    dispute = factory.SubFactory(DisputeFactory)
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    place = "第一调解室"


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral as stored, without its log; real ones are made by `courts.services`."""

    class Meta:
        model = Referral

    kind = ReferralKind.CONFIRMATION
    dispute = factory.SubFactory(DisputeFactory)
    court = factory.SubFactory(CourtFactory)


def dispute_with_parties(**kwargs: Any) -> Dispute:
    """A registered dispute with an applicant and a respondent: ready to be accepted."""
    dispute = DisputeFactory(**kwargs)
    CasePartyFactory(dispute=dispute, role=PartyRole.APPLICANT)
    CasePartyFactory(dispute=dispute, role=PartyRole.RESPONDENT)
    return dispute
