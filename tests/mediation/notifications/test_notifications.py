"""Notifications: who hears of what, by e-mail (Django's locmem backend here) and SMS
(the memory backend), only once the transaction commits, and never at the cost of the step."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from courts import services as court_services
from courts.models import Referral, ReferralKind
from documents.sms import MemorySmsBackend
from mediation.cases import services
from mediation.cases.models import Dispute
from mediation.kernel.choices import Category, Channel
from mediation.kernel.exceptions import Forbidden
from mediation.notifications import messages as notifications
from parties.models import CaseParty, Party, PartyKind, PartyRole
from parties.services import PartyInput
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import dispute_in, valid_data

ADDRESSES = {
    "mediator": "mediator@example.com",
    "second_mediator": "second@example.com",
    "other_mediator": "other-mediator@example.com",
    "clerk": "clerk@example.com",
    "director": "director@example.com",
    "other_director": "other-director@example.com",
    "court_user": "court@example.com",
    "other_court_user": "other-court@example.com",
    "party_user": "party@example.com",
}


class ExplodingSmsBackend:
    """A gateway that refuses everything and names the number in its error, as real ones do."""

    def send(self, phone: str, message: str) -> None:
        raise RuntimeError(f"gateway refused {phone}")


class ExplodingEmailBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError(f"SMTP refused {messages[0].to[0]}")


@pytest.fixture
def texts(settings: Any) -> list[tuple[str, str]]:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.MemorySmsBackend"
    settings.FENGQIAO_NOTIFICATIONS = True
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


@pytest.fixture
def people(world: World, texts: Any) -> World:
    """The world with e-mail addresses, and the portal party with a known mobile number."""
    for name, address in ADDRESSES.items():
        user = getattr(world, name)
        user = getattr(user, "user", user)  # mediators are Mediator rows
        user.email = address
        user.save(update_fields=["email"])
    Party.objects.filter(pk=world.party.pk).update(phone="13800138000")
    return world


def mails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


def recipients() -> list[str]:
    return sorted(address for m in mail.outbox for address in m.to)


def everything_sent(texts: list[tuple[str, str]]) -> str:
    parts = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    parts += [a[1] if isinstance(a[1], str) else "" for m in mail.outbox for a in m.attachments]
    parts += [message for _phone, message in texts]
    return "\n".join(parts)


def assert_no_personal_numbers(dispute: Dispute, *texts: str) -> None:
    for case_party in CaseParty.objects.filter(dispute=dispute).select_related("party"):
        for text in texts:
            if case_party.party.id_number:
                assert case_party.party.id_number not in text
            if case_party.party.phone:
                assert case_party.party.phone not in text


# --- assignment --------------------------------------------------------------------------------


def test_assign_tells_the_assigned_mediator(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "accepted", title="医疗损害赔偿纠纷", category=Category.MEDICAL)
    with django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.director,
            dispute_id=dispute.pk,
            name="assign",
            data=valid_data(people, "assign", "accepted"),
        )
    assert recipients() == [ADDRESSES["mediator"]]
    [message] = mail.outbox
    assert dispute.reference in message.subject
    assert "医疗损害赔偿纠纷" in message.body and people.body.name in message.body
    assert "医疗纠纷" in message.body  # the category, in Chinese whatever the request's language
    assert f"http://127.0.0.1:8000/cases/{dispute.pk}/" in message.body
    assert message.from_email == "枫桥 <noreply@localhost>"
    assert texts == []
    assert_no_personal_numbers(dispute, message.subject, message.body)


def test_reassign_tells_the_new_mediator_only(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "mediating")
    with django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.director,
            dispute_id=dispute.pk,
            name="reassign",
            data=valid_data(people, "reassign", "mediating"),
        )
    assert recipients() == [ADDRESSES["second_mediator"]]


# --- sessions ----------------------------------------------------------------------------------


def schedule(world: World, dispute: Dispute, **fields: Any) -> Any:
    data = {
        "scheduled_at": timezone.now() + datetime.timedelta(days=2),
        "place": "东湖区调解中心第一调解室",
        "mediators": [world.mediator, world.second_mediator],
        "attendee_ids": list(dispute.case_parties.values_list("pk", flat=True)),
        **fields,
    }
    return services.schedule_session(
        actor=world.mediator.user, dispute_id=dispute.pk, data=services.SessionInput(**data)
    )


def test_a_scheduled_session_texts_the_attending_parties_and_mails_the_mediators_its_ics(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "assigned")
    absent = f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    attending = list(dispute.case_parties.exclude(pk=absent.pk).select_related("party"))
    when = timezone.make_aware(datetime.datetime(2030, 3, 5, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        session = schedule(
            people, dispute, scheduled_at=when, attendee_ids=[a.pk for a in attending]
        )

    assert sorted(phone for phone, _ in texts) == sorted(a.party.phone for a in attending)
    for _phone, message in texts:
        assert message.startswith("【枫桥】")
        assert dispute.reference in message
        assert "2030年3月5日 09:30" in message  # Beijing time, Chinese format
        assert "东湖区调解中心第一调解室" in message
    assert absent.party.phone not in [phone for phone, _ in texts]

    assert recipients() == sorted([ADDRESSES["mediator"], ADDRESSES["second_mediator"]])
    for message in mail.outbox:
        assert dispute.reference in message.subject
        [(filename, content, mimetype)] = message.attachments
        assert (filename, mimetype) == (f"session-{session.pk}.ics", "text/calendar")
        assert f"UID:session-{session.pk}@127.0.0.1" in content
        assert "DTSTART:20300305T013000Z" in content
        for attendee in attending:
            assert attendee.party.name in message.body
    assert_no_personal_numbers(dispute, everything_sent(texts))


def test_an_online_session_texts_its_link(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "assigned")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(people, dispute, place="", online_link="https://meeting.example.com/j/8461")
    assert texts and all("https://meeting.example.com/j/8461" in m for _p, m in texts)


def test_a_session_already_held_announces_nothing(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "assigned")
    with django_capture_on_commit_callbacks(execute=True):
        schedule(
            people,
            dispute,
            scheduled_at=timezone.now() - datetime.timedelta(hours=2),
            status="held",
            minutes="各方到场。",
        )
    assert texts == [] and mail.outbox == []


# --- agreement ---------------------------------------------------------------------------------


def test_an_agreement_ready_to_sign_reaches_every_party(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "mediating")
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    agent = f.CasePartyFactory(dispute=dispute, role=PartyRole.AGENT, represents=respondent)
    insurer = f.CasePartyFactory(
        dispute=dispute, party=f.OrganizationFactory(), role=PartyRole.THIRD_PARTY
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.mediator.user,
            dispute_id=dispute.pk,
            name="draft_agreement",
            data=valid_data(people, "draft_agreement", "mediating"),
        )

    phones = [
        cp.party.phone for cp in dispute.case_parties.select_related("party") if cp.party.phone
    ]
    assert sorted(phone for phone, _ in texts) == sorted(phones)
    assert "13800138000" in phones and agent.party.phone in phones
    assert insurer.party.phone == ""  # no phone, no text
    for _phone, message in texts:
        assert dispute.reference in message and people.body.name in message
    # The one party with a portal account and an address; nobody else.
    assert recipients() == [ADDRESSES["party_user"]]
    assert dispute.reference in mail.outbox[0].subject
    assert_no_personal_numbers(dispute, everything_sent(texts))


# --- referrals ---------------------------------------------------------------------------------


def test_a_litigation_referral_tells_the_court_and_its_receipt_tells_the_mediator(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "failed")
    with django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.director,
            dispute_id=dispute.pk,
            name="refer_to_court",
            data=valid_data(people, "refer_to_court", "failed"),
        )
    assert recipients() == [ADDRESSES["court_user"]]
    [message] = mail.outbox
    assert dispute.reference in message.subject and people.body.name in message.subject
    assert "/court/referrals/" in message.body

    mail.outbox.clear()
    referral = Referral.objects.get(dispute=dispute, kind=ReferralKind.LITIGATION)
    with django_capture_on_commit_callbacks(execute=True):
        court_services.take_referral_transition(
            actor=people.court_user, referral_id=referral.pk, name="receive"
        )
    assert recipients() == [ADDRESSES["mediator"]]
    assert people.court.name in mail.outbox[0].subject
    assert texts == []


def test_a_confirmation_application_tells_the_court(
    people: World, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "signed")
    with django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.mediator.user,
            dispute_id=dispute.pk,
            name="apply_confirmation",
            data=valid_data(people, "apply_confirmation", "signed"),
        )
    assert recipients() == [ADDRESSES["court_user"]]


def delegation(world: World, **fields: Any) -> court_services.DelegationInput:
    year = timezone.localdate().year
    return court_services.DelegationInput(
        kind=ReferralKind.DELEGATION,
        court=world.court,
        body=world.body,
        case_number=f"({year})赣0102民诉前调123号",
        category=Category.FINANCIAL,
        title="金融借款合同纠纷",
        delegated_on=timezone.localdate(),
        parties=[
            PartyInput(role=PartyRole.APPLICANT, kind=PartyKind.PERSON, name="王芳"),
            PartyInput(
                role=PartyRole.RESPONDENT,
                kind=PartyKind.PERSON,
                name="李娜",
                id_type="resident_id",
                id_number="11010519491231002X",
                phone="13900139000",
            ),
        ],
        **fields,
    )


def test_a_court_delegation_tells_the_bodys_clerks_and_directors(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        referral = court_services.delegate(actor=people.court_user, data=delegation(people))
    assert recipients() == sorted([ADDRESSES["clerk"], ADDRESSES["director"]])
    for message in mail.outbox:
        assert referral.dispute.reference in message.subject
        assert people.court.name in message.subject
        assert referral.case_number in message.body
        assert "11010519491231002X" not in message.body and "13900139000" not in message.body
    assert texts == []


def test_a_delegation_the_body_registers_from_paper_announces_nothing(
    people: World, django_capture_on_commit_callbacks: Any
) -> None:
    data = delegation(people)
    with django_capture_on_commit_callbacks(execute=True):
        services.register_dispute(
            actor=people.clerk,
            data=services.DisputeInput(
                category=data.category,
                channel=Channel.COURT_DELEGATED,
                body=people.body,
                title=data.title,
                received_at=data.delegated_on,
                court=people.court,
                court_case_number=data.case_number,
                parties=data.parties,
            ),
        )
    assert Referral.objects.get().state == "received"
    assert mail.outbox == []


# --- only after commit, and never at the cost of the step -------------------------------------


def test_a_refused_transition_sends_nothing(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "mediating")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Forbidden),
    ):
        services.take_transition(
            actor=people.clerk,
            dispute_id=dispute.pk,
            name="draft_agreement",
            data=valid_data(people, "draft_agreement", "mediating"),
        )
    assert callbacks == [] and texts == [] and mail.outbox == []


def test_a_rolled_back_transaction_sends_nothing(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "accepted")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.take_transition(
            actor=people.director,
            dispute_id=dispute.pk,
            name="assign",
            data=valid_data(people, "assign", "accepted"),
        )
        raise RuntimeError("something later in the same request failed")
    dispute.refresh_from_db()
    assert dispute.state == "accepted"
    assert callbacks == [] and mail.outbox == [] and texts == []


def test_without_commit_nothing_is_sent(people: World, texts: list) -> None:
    dispute = dispute_in(people, "accepted")
    services.take_transition(
        actor=people.director,
        dispute_id=dispute.pk,
        name="assign",
        data=valid_data(people, "assign", "accepted"),
    )
    # The test's transaction never commits.
    assert mail.outbox == [] and texts == []


def test_a_failing_sms_gateway_does_not_break_the_step_and_logs_masked(
    people: World,
    settings: Any,
    caplog: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.FENGQIAO_SMS_BACKEND = f"{__name__}.ExplodingSmsBackend"
    dispute = dispute_in(people, "mediating")
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.mediator.user,
            dispute_id=dispute.pk,
            name="draft_agreement",
            data=valid_data(people, "draft_agreement", "mediating"),
        )
    dispute.refresh_from_db()
    assert dispute.state == "agreed"
    assert recipients() == [ADDRESSES["party_user"]]  # mails still go out
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == dispute.case_parties.exclude(party__phone="").count()
    assert "138****8000" in caplog.text
    assert_no_personal_numbers(dispute, caplog.text)


def test_a_failing_mail_server_does_not_break_the_step_and_logs_masked(
    people: World,
    texts: list,
    settings: Any,
    caplog: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.ExplodingEmailBackend"
    dispute = dispute_in(people, "accepted")
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.director,
            dispute_id=dispute.pk,
            name="assign",
            data=valid_data(people, "assign", "accepted"),
        )
    dispute.refresh_from_db()
    assert dispute.state == "assigned"
    assert "m***@example.com" in caplog.text
    assert ADDRESSES["mediator"] not in caplog.text


def test_the_development_sms_backend_logs_no_numbers(
    people: World, settings: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FENGQIAO_SMS_BACKEND = "documents.sms.LogSmsBackend"
    dispute = dispute_in(people, "assigned")
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        schedule(people, dispute)
    assert "SMS to 138****8000" in caplog.text
    assert_no_personal_numbers(dispute, caplog.text)


def test_numbers_typed_into_free_text_are_masked(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(
        people, "assigned", title="张伟（11010519491231002X，13912345678）租赁纠纷"
    )
    with django_capture_on_commit_callbacks(execute=True):
        schedule(people, dispute, place="13912345678 联系人家中")
    sent = everything_sent(texts).replace(dispute.reference, "")
    assert "11010519491231002X" not in sent and "13912345678" not in sent
    assert "110105********002X" in sent and "139****5678" in sent
    assert (
        notifications.mask_numbers("（2026）赣0102民初456号 5000元")
        == "（2026）赣0102民初456号 5000元"
    )


# --- switches ----------------------------------------------------------------------------------


def test_notifications_can_be_turned_off(
    people: World, texts: list, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FENGQIAO_NOTIFICATIONS = False
    dispute = dispute_in(people, "assigned")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        schedule(people, dispute)
    assert callbacks == [] and texts == [] and mail.outbox == []


def test_history_replayed_with_a_past_time_announces_nothing(
    people: World, texts: list, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = dispute_in(people, "accepted")
    with django_capture_on_commit_callbacks(execute=True):
        services.take_transition(
            actor=people.director,
            dispute_id=dispute.pk,
            name="assign",
            data=valid_data(people, "assign", "accepted"),
            at=timezone.now() - datetime.timedelta(days=40),
        )
    assert mail.outbox == []


def test_users_without_an_address_or_with_an_inactive_account_get_no_mail(
    people: World, django_capture_on_commit_callbacks: Any
) -> None:
    people.clerk.email = ""
    people.clerk.save()
    people.director.is_active = False
    people.director.save()
    with django_capture_on_commit_callbacks(execute=True):
        court_services.delegate(actor=people.court_user, data=delegation(people))
    assert mail.outbox == []
