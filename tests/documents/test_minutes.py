"""The minutes of a session (调解笔录), signed by those present (SPEC §5): who may record the
signatures, of whom, when; and the paper, issued once complete, sealed and verifiable."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from documents import storage
from documents.minutes import minutes_document, minutes_gaps
from documents.minutes_signing import MinutesSignatureInput, record_minutes_signature
from documents.models import Document, MinutesSignature
from documents.signing import verify_pdf
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from tests import factories as f
from tests.conftest import World
from tests.documents.conftest import Case, png
from tests.documents.minutes_helpers import (
    INSURER,
    MINUTES,
    REFUSAL,
    everyone_signs,
    hold_session,
    person,
    sign,
    text_of,
    the_mediator,
)


def test_everyone_present_signs_and_the_minutes_are_issued_sealed(world: World, case: Case) -> None:
    session = hold_session(world, case)
    assert minutes_gaps(session) == [
        f"第1次调解笔录：{name} 尚未签名"
        for name in ("张伟", "赵敏", case.insurer.party.name, world.mediator.display_name)
    ]
    with pytest.raises(Conflict):
        minutes_document(session, "zh-hans")

    everyone_signs(world, case, session)
    assert minutes_gaps(session) == []
    document = minutes_document(session, "zh-hans")
    pdf = storage.read(document.file)
    text = text_of(pdf)
    assert "调解笔录（第1次）" in text and "背对背" not in text
    for name in ("张伟", "赵敏", "刘海涛", "理赔经办人", world.mediator.display_name):
        assert name in text
    assert "".join(MINUTES.split()) in "".join(text.split())
    assert "拒绝签字" in text and REFUSAL in text
    assert "记录人" in text and "第一调解室" in text
    # The body's seal: a PAdES signature pyHanko validates against the body's trust root.
    check = verify_pdf(pdf)
    assert check.ok and check.covers_whole_file

    # One per session and language: asked again, the stored copy; English is its own copy.
    assert minutes_document(session, "zh-hans") == document
    english = minutes_document(session, "en")
    assert english != document and english.session == session
    assert "Minutes of a Mediation Session (Session 1)" in text_of(storage.read(english.file))
    assert Document.objects.filter(session=session).count() == 2


def test_caucus_minutes_are_marked_and_numbered_after_the_earlier_session(
    world: World, case: Case
) -> None:
    hold_session(world, case)
    caucus = hold_session(world, case, kind="caucus")
    everyone_signs(world, case, caucus)
    text = text_of(storage.read(minutes_document(caucus, "zh-hans").file))
    assert "背对背调解笔录（第2次）" in text
    assert "仅供调解组织存档" in text


def test_each_signature_records_who_where_and_what_text(world: World, case: Case) -> None:
    session = hold_session(world, case)
    result = sign(world, session, attendee=case.insurer.pk, image=png(), **INSURER)
    signature = MinutesSignature.objects.get(pk=result.signature.pk)
    assert (signature.representative_name, signature.representative_role) == (
        "刘海涛",
        "理赔经办人",
    )
    assert signature.user == world.mediator.user and bytes(signature.image).startswith(b"\x89PNG")
    assert len(signature.text_sha256) == 64 and not result.complete
    # Evidence: never changed once written.
    with pytest.raises(TypeError):
        signature.save()


def test_a_person_not_present_cannot_sign(world: World, case: Case) -> None:
    session = hold_session(world, case)
    with pytest.raises(ValidationError) as absent:
        sign(world, session, **person(case.respondent))
    assert "attendee" in absent.value.message_dict
    with pytest.raises(ValidationError) as other_mediator:
        sign(
            world,
            session,
            mediator=world.second_mediator.pk,
            signer_name=world.second_mediator.display_name,
            image=png(),
        )
    assert "mediator" in other_mediator.value.message_dict
    with pytest.raises(ValidationError):
        sign(world, session, signer_name="张伟", image=png())  # neither attendee nor mediator
    assert not MinutesSignature.objects.exists()


def test_nobody_signs_twice(world: World, case: Case) -> None:
    session = hold_session(world, case)
    sign(world, session, **person(case.online))
    with pytest.raises(Conflict):
        sign(world, session, **person(case.online))
    sign(world, session, attendee=case.agent.pk, refused=True, note=REFUSAL)
    with pytest.raises(Conflict):
        sign(world, session, **person(case.agent))
    # And the database holds it, whatever a caller does.
    with pytest.raises(IntegrityError), transaction.atomic():
        MinutesSignature.objects.create(
            session=session,
            attendee=case.online,
            signer_name="张伟",
            user=world.mediator.user,
            text_sha256="0" * 64,
        )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"refused": True, "note": "  "}, "note"),
        ({"signer_name": "张 三", "image": b""}, "signer_name"),
        ({"signer_name": "张伟", "image": b"not a png"}, "image"),
    ],
)
def test_bad_input_is_refused_with_its_field(
    world: World, case: Case, data: dict[str, Any], field: str
) -> None:
    session = hold_session(world, case)
    with pytest.raises(ValidationError) as refused:
        sign(world, session, attendee=case.online.pk, **data)
    assert field in refused.value.message_dict
    assert not MinutesSignature.objects.exists()


def test_a_mediator_signs_and_an_organisation_names_its_signer(world: World, case: Case) -> None:
    session = hold_session(world, case)
    with pytest.raises(ValidationError) as mediator_refuses:
        sign(world, session, mediator=world.mediator.pk, refused=True, note="不签")
    assert "refused" in mediator_refuses.value.message_dict
    with pytest.raises(ValidationError) as no_role:
        sign(world, session, attendee=case.insurer.pk, signer_name="刘海涛", image=png())
    assert "representative_role" in no_role.value.message_dict


def test_only_held_sessions_with_minutes_are_signed(world: World, case: Case) -> None:
    scheduled = case.dispute.sessions.get()  # the case's session, still to be held
    scheduled.attendees.add(case.online)
    with pytest.raises(Conflict):
        sign(world, scheduled, **person(case.online))
    assert minutes_gaps(scheduled) and "尚未记录" in minutes_gaps(scheduled)[0]


def test_only_the_assigned_mediator_or_a_director_records(world: World, case: Case) -> None:
    session = hold_session(world, case)
    for outsider in (world.second_mediator.user, world.clerk):
        with pytest.raises(Forbidden):
            sign(world, session, actor=outsider, **person(case.online))
    for stranger in (world.other_mediator.user, world.court_user, world.party_user):
        with pytest.raises((NotFound, Forbidden)) as refused:
            sign(world, session, actor=stranger, **person(case.online))
        # Who may not see the case (the other body's mediator) is told it does not exist.
        if stranger == world.other_mediator.user:
            assert isinstance(refused.value, NotFound)
    assert not MinutesSignature.objects.exists()
    sign(world, session, actor=world.director, **person(case.online))
    sign(world, session, **the_mediator(world))


def test_a_session_id_of_another_case_is_not_found(world: World, case: Case) -> None:
    session = hold_session(world, case)
    elsewhere = f.DisputeFactory(body=world.body, mediator=world.mediator, state="mediating")
    with pytest.raises(NotFound):
        record_minutes_signature(
            actor=world.mediator.user,
            dispute_id=elsewhere.pk,
            session_id=session.pk,
            data=MinutesSignatureInput(**person(case.online)),
        )
