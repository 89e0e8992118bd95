"""The demo reads like a real centre's records: people whose ID numbers agree with them, full
addresses, lawyers with their firms, sessions held before agreements, staff by their names."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command

from mediation.cases.models import Dispute, MediationBody, MediationSession, TransitionLog
from mediation.demo.people import is_male_name
from mediation.kernel.choices import SessionStatus, State
from mediation.kernel.presentation import display_name
from parties.models import CaseParty, IdType, Party, PartyKind, PartyRole
from parties.validators import birth_date_from_resident_id, sex_from_resident_id

STREET_AND_NUMBER = re.compile(r"[路街道]\d+号")
CONCLUDED = {
    State.SIGNED,
    State.CONFIRMING,
    State.CONFIRMED,
    State.FAILED,
    State.REFERRED,
    State.DECLINED,
    State.WITHDRAWN,
    State.CLOSED,
}


def test_the_demo_reads_like_a_real_centres_records(db: Any) -> None:
    call_command("seed_demo", stdout=StringIO())
    seeded = Dispute.objects.filter(log_entries__data__line__isnull=True).distinct()

    # No case says it is a demonstration.
    assert not Dispute.objects.filter(title__contains="演示").exists()
    assert not TransitionLog.objects.filter(reason__contains="演示").exists()

    # A person's sex and birth date are the ones their ID number encodes, and go with the name.
    people = Party.objects.filter(kind=PartyKind.PERSON, id_type=IdType.RESIDENT_ID)
    assert people.count() > 50
    for person in people:
        assert person.sex == sex_from_resident_id(person.id_number), person.name
        assert person.birth_date == birth_date_from_resident_id(person.id_number), person.name
        male = is_male_name(person.name)
        assert male is None or (person.sex == "male") is male, person.name
        assert STREET_AND_NUMBER.search(person.address), person.address
    # (The ledger's history carries names only, as paper ledgers do.)
    organizations = Party.objects.filter(
        kind=PartyKind.ORGANIZATION, case_roles__dispute__in=seeded
    ).distinct()
    for organization in organizations:
        assert STREET_AND_NUMBER.search(organization.address), organization.name
        assert organization.legal_representative, organization.name

    # Bodies give a street address and a telephone.
    for body in MediationBody.objects.all():
        assert STREET_AND_NUMBER.search(body.address) and body.phone, body.name

    # Agents are lawyers of a firm, named as people are.
    agents = CaseParty.objects.filter(role=PartyRole.AGENT).select_related("party")
    assert agents.exists()
    for agent in agents:
        assert agent.party.occupation.endswith("律师事务所 律师"), agent.party.name
        assert not agent.party.name.endswith("律师"), agent.party.name

    # Sessions come before the agreement; a concluded case leaves none merely scheduled, and
    # every held session has its minutes.
    for dispute in seeded.filter(log_entries__transition="draft_agreement").distinct():
        drafted = dispute.log_entries.filter(transition="draft_agreement").order_by("at").first()
        first = dispute.sessions.order_by("scheduled_at").first()
        assert first is not None and first.scheduled_at < drafted.at, dispute.reference
    concluded = MediationSession.objects.filter(dispute__state__in=CONCLUDED)
    assert concluded.exists()
    assert set(concluded.values_list("status", flat=True)) <= {
        SessionStatus.HELD,
        SessionStatus.CANCELLED,
    }
    assert not concluded.filter(status=SessionStatus.HELD, minutes="").exists()

    # Staff and courts go by their names.
    users = get_user_model().objects
    assert display_name(users.get(username="court1")) == "李文博（南昌市东湖区人民法院）"
    for username in ("director1", "mediator21", "analyst", "party1"):
        name = display_name(users.get(username=username))
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name), (username, name)
