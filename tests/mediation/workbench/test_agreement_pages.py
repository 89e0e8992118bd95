"""The workbench's session form, agreement editor and in-person signing pages.

Driven with Django's test client in English; what the pages do is checked in the database.
"""

from __future__ import annotations

import base64
import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from PIL import Image, ImageDraw

from documents.models import Agreement, Document, Signature
from documents.services import AgreementInput, save_agreement
from mediation.cases.models import Dispute, MediationSession
from parties.models import CaseParty, PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import dispute_in
from tests.mediation.workbench.helpers import html, web

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _keep_the_test_language() -> Any:
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture(autouse=True)
def _pki_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


def parties(dispute: Dispute) -> list[CaseParty]:
    return list(CaseParty.objects.filter(dispute=dispute).select_related("party").order_by("id"))


def day(n: int) -> str:
    return (TODAY + datetime.timedelta(days=n)).isoformat()


def editor_url(dispute: Dispute) -> str:
    return f"/cases/{dispute.pk}/agreement/"


def signing_url(dispute: Dispute) -> str:
    return f"/cases/{dispute.pk}/agreement/sign/"


def editor_data(dispute: Dispute, **overrides: Any) -> dict[str, Any]:
    """A lump sum of 6,000 and two instalments of 40,000 each: 86,000 in all."""
    applicant, respondent = parties(dispute)[:2]
    data = {
        "expected_version": "0",
        "agreement_date": TODAY.isoformat(),
        "facts": "2026年3月，双方发生交通事故。",
        "disputed_matters": "赔偿数额",
        "responsibilities": "被申请人负全责",
        "performance": "按期转账",
        "clause": ["被申请人赔偿申请人损失。", "双方再无其他争议。"],
        "obligations": "2",
        "ob0-payer": str(respondent.pk),
        "ob0-payee": str(applicant.pk),
        "ob0-schedule": "lump_sum",
        "ob0-method": "bank_transfer",
        "ob0-note": "",
        "ob0-instalments": "1",
        "ob0-in0-amount": "6000",
        "ob0-in0-due_date": day(5),
        "ob1-payer": str(respondent.pk),
        "ob1-payee": str(applicant.pk),
        "ob1-schedule": "instalments",
        "ob1-method": "cash",
        "ob1-note": "分两期",
        "ob1-instalments": "2",
        "ob1-in0-amount": "40000",
        "ob1-in0-due_date": day(10),
        "ob1-in1-amount": "40000.00",
        "ob1-in1-due_date": day(40),
    }
    data.update(overrides)
    return data


def mediating(world: World) -> Dispute:
    return dispute_in(world, "mediating", reference="FQ-AG-1")


def png() -> bytes:
    image = Image.new("RGBA", (240, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (110, 60), (230, 50)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_uri() -> str:
    return "data:image/png;base64," + base64.b64encode(png()).decode()


# --- sessions ------------------------------------------------------------------------------------


def test_the_mediator_schedules_a_session_from_the_case_page(world: World) -> None:
    dispute = dispute_in(world, "assigned", reference="FQ-S-1")
    client = web(world.mediator)
    page = html(client.get(f"/cases/{dispute.pk}/"))
    assert "data-session-form" in page
    applicant, respondent = parties(dispute)
    answer = client.post(
        f"/cases/{dispute.pk}/sessions/",
        {
            "scheduled_at": f"{day(3)}T09:30",
            "place": "调解室一",
            "attendees": [applicant.pk, respondent.pk],
            "status": "scheduled",
        },
    )
    assert answer.status_code == 303
    session = MediationSession.objects.filter(dispute=dispute).latest("id")
    assert session.place == "调解室一"
    assert set(session.attendees.all()) == {applicant, respondent}
    assert list(session.mediators.all()) == [world.mediator]
    page = html(client.get(f"/cases/{dispute.pk}/"))
    assert f"/calendar/sessions/{session.pk}.ics" in page
    assert client.get(f"/calendar/sessions/{session.pk}.ics").status_code == 200


def test_a_bad_session_answers_400_with_the_values_kept(world: World) -> None:
    dispute = dispute_in(world, "assigned", reference="FQ-S-2")
    before = MediationSession.objects.filter(dispute=dispute).count()
    answer = web(world.mediator).post(
        f"/cases/{dispute.pk}/sessions/",
        {"scheduled_at": f"{day(3)}T09:30", "minutes": "记一笔", "status": "scheduled"},
    )
    assert answer.status_code == 400
    page = html(answer)
    assert "Give a place or an online link." in page
    assert "记一笔" in page
    assert " open" in page.split('class="schedule-session"')[1][:20]
    answer = web(world.mediator).post(
        f"/cases/{dispute.pk}/sessions/", {"scheduled_at": "not a date", "place": "调解室一"}
    )
    assert answer.status_code == 400
    assert 'value="调解室一"' in html(answer)
    assert MediationSession.objects.filter(dispute=dispute).count() == before


def test_sessions_only_for_whom_the_service_allows(world: World) -> None:
    dispute = dispute_in(world, "assigned", reference="FQ-S-3")
    clerk = web(world.clerk)
    assert "data-session-form" not in html(clerk.get(f"/cases/{dispute.pk}/"))
    answer = clerk.post(
        f"/cases/{dispute.pk}/sessions/",
        {"scheduled_at": f"{day(3)}T09:30", "place": "调解室一", "status": "scheduled"},
    )
    assert answer.status_code == 403
    assert web(world.other_director).post(f"/cases/{dispute.pk}/sessions/", {}).status_code == 404


# --- the agreement editor ------------------------------------------------------------------------


def test_the_editor_saves_clauses_and_obligations_with_instalments(world: World) -> None:
    dispute = mediating(world)
    client = web(world.mediator)
    assert "data-edit-agreement" in html(client.get(f"/cases/{dispute.pk}/"))
    page = client.get(editor_url(dispute))
    assert page.status_code == 200
    answer = client.post(editor_url(dispute), editor_data(dispute))
    assert answer.status_code == 303, html(answer)
    agreement = Agreement.objects.get(dispute=dispute)
    assert agreement.version == 1
    assert agreement.clauses == ["被申请人赔偿申请人损失。", "双方再无其他争议。"]
    assert agreement.total == Decimal("86000.00")
    obligations = list(agreement.obligations.order_by("position"))
    assert [o.schedule for o in obligations] == ["lump_sum", "instalments"]
    assert [i.amount for i in obligations[1].instalments.all()] == [Decimal(40000)] * 2
    page = html(client.get(editor_url(dispute)))
    assert "¥86,000.00" in page
    assert "¥80,000.00" in page
    assert "/agreement/preview/" in page
    assert 'name="expected_version" value="1"' in page
    # The case page now offers draft_agreement.
    assert 'data-transition="draft_agreement"' in html(client.get(f"/cases/{dispute.pk}/"))


def test_bad_amounts_and_dates_answer_400_next_to_the_field(world: World) -> None:
    dispute = mediating(world)
    client = web(world.mediator)
    answer = client.post(editor_url(dispute), editor_data(dispute, **{"ob1-in1-amount": "12,x"}))
    assert answer.status_code == 400
    page = html(answer)
    assert 'value="12,x"' in page
    assert "被申请人赔偿申请人损失。" in page
    cell = page.split('name="ob1-in1-amount"')[0].rsplit("<td", 1)[1]
    assert "has-error" in cell and "errorlist" in cell
    # A date before the agreement date: the service's error, next to that instalment's date.
    answer = client.post(editor_url(dispute), editor_data(dispute, **{"ob1-in1-due_date": day(-1)}))
    assert answer.status_code == 400
    page = html(answer)
    cell = page.split('name="ob1-in1-due_date"')[0].rsplit("<td", 1)[1]
    assert "The due date cannot be before the agreement date" in cell
    assert f'value="{day(-1)}"' in page
    # Payer and payee the same.
    applicant = parties(dispute)[0]
    answer = client.post(
        editor_url(dispute),
        editor_data(dispute, **{"ob0-payer": str(applicant.pk), "ob0-payee": str(applicant.pk)}),
    )
    assert answer.status_code == 400
    assert "Payer and payee must be different parties." in html(answer)
    assert not Agreement.objects.filter(dispute=dispute, version__gt=0).exists()


def test_a_stale_version_answers_409(world: World) -> None:
    dispute = mediating(world)
    save_agreement(
        actor=world.mediator.user, dispute_id=dispute.pk, data=AgreementInput(clauses=["一"])
    )
    answer = web(world.mediator).post(editor_url(dispute), editor_data(dispute))
    assert answer.status_code == 409
    page = html(answer)
    assert "The agreement has changed: it is now version 1." in page
    assert "双方再无其他争议。" in page  # what was typed is kept
    assert Agreement.objects.get(dispute=dispute).version == 1


def test_the_editor_is_the_mediators_only(world: World) -> None:
    dispute = mediating(world)
    for who in (world.clerk, world.director, world.second_mediator):
        client = web(who)
        assert client.get(editor_url(dispute)).status_code == 403
        assert client.post(editor_url(dispute), editor_data(dispute)).status_code == 403
    assert "data-edit-agreement" not in html(web(world.director).get(f"/cases/{dispute.pk}/"))
    for who in (world.other_director, world.party_user, world.court_user):
        assert web(who).get(editor_url(dispute)).status_code == 404
    assert not Agreement.objects.filter(dispute=dispute).exists()


def test_a_closed_case_reads_its_agreement_and_refuses_a_save(world: World) -> None:
    dispute = dispute_in(world, "failed", reference="FQ-AG-9")
    client = web(world.mediator)
    page = client.get(editor_url(dispute))
    assert page.status_code == 200
    assert "data-locked" in html(page) and "data-error-status" not in html(page)
    assert client.post(editor_url(dispute), editor_data(dispute)).status_code == 409


def test_rows_are_added_and_removed_without_javascript(world: World) -> None:
    dispute = mediating(world)
    client = web(world.mediator)
    data = editor_data(dispute, action="add_clause")
    answer = client.post(editor_url(dispute), data)
    assert answer.status_code == 200
    page = html(answer)
    assert page.count('name="clause"') == 3
    assert "双方再无其他争议。" in page
    assert "errorlist" not in page

    answer = client.post(editor_url(dispute), editor_data(dispute, action="add_instalment:1"))
    page = html(answer)
    assert 'name="ob1-in2-amount"' in page
    assert 'name="ob1-instalments" value="3"' in page
    assert 'value="40000.00"' in page

    answer = client.post(editor_url(dispute), editor_data(dispute, action="add_obligation"))
    page = html(answer)
    assert 'name="ob2-payer"' in page and 'name="obligations" value="3"' in page

    answer = client.post(editor_url(dispute), editor_data(dispute, action="remove_obligation:0"))
    page = html(answer)
    assert 'name="obligations" value="1"' in page
    assert 'name="ob0-note" value="分两期"' in page

    answer = client.post(editor_url(dispute), editor_data(dispute, action="remove_instalment:1:0"))
    page = html(answer)
    assert 'name="ob1-instalments" value="1"' in page
    assert f'value="{day(40)}"' in page and f'value="{day(10)}"' not in page

    answer = client.post(editor_url(dispute), editor_data(dispute, action="remove_clause:0"))
    assert html(answer).count('name="clause"') == 1
    assert not Agreement.objects.filter(dispute=dispute).exists()  # nothing saved meanwhile

    # A blank extra row is left out when saving.
    data = editor_data(dispute, obligations="3", **{"ob2-instalments": "1"})
    data["clause"] = [*data["clause"], ""]
    assert client.post(editor_url(dispute), data).status_code == 303
    agreement = Agreement.objects.get(dispute=dispute)
    assert agreement.obligations.count() == 2 and len(agreement.clauses) == 2


# --- in-person signatures ------------------------------------------------------------------------


def agreed_case(world: World) -> Dispute:
    """A case agreed on the terms the editor saved while mediating (version 1)."""
    dispute = dispute_in(world, "mediating", reference="FQ-SG-1")
    insurer = f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="某财产保险股份有限公司", kind="organization"),
        role=PartyRole.THIRD_PARTY,
    )
    f.CasePartyFactory(
        dispute=dispute, party=f.PartyFactory(name="赵敏"), role=PartyRole.AGENT, represents=insurer
    )
    web(world.mediator).post(editor_url(dispute), editor_data(dispute))
    assert Agreement.objects.get(dispute=dispute).version == 1
    Dispute.objects.filter(pk=dispute.pk).update(state="agreed")
    dispute.refresh_from_db()
    return dispute


def sign(client: Any, dispute: Dispute, signatory: CaseParty, **overrides: Any) -> Any:
    signer = overrides.pop("signer", signatory)
    data = {
        "signatory": signatory.pk,
        "version": 1,
        "signer": signer.pk,
        "signer_name": signer.party.name,
        "image": data_uri(),
    }
    data.update(overrides)
    return client.post(signing_url(dispute), data)


def test_signatures_are_recorded_in_person_until_the_case_is_signed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    dispute = agreed_case(world)
    client = web(world.mediator)
    assert "data-collect-signatures" in html(client.get(f"/cases/{dispute.pk}/"))
    page = html(client.get(signing_url(dispute)))
    assert page.count("<canvas") == 3
    assert "赵敏" in page  # the insurer's agent may sign for it
    applicant, respondent, insurer, agent = parties(dispute)

    answer = sign(client, dispute, applicant)
    assert answer.status_code == 303
    signature = Signature.objects.get(signatory=applicant)
    assert signature.method == "in_person" and bytes(signature.image).startswith(b"\x89PNG")
    assert html(client.get(signing_url(dispute))).count("<canvas") == 2

    assert sign(client, dispute, respondent).status_code == 303
    answer = sign(client, dispute, insurer, signer=agent)
    assert answer.status_code == 303
    assert Signature.objects.get(signatory=insurer).signer == agent
    # Every party has signed: the page waits for the mediator, who signs last.
    assert Dispute.objects.get(pk=dispute.pk).state == "agreed"
    page = html(client.get(signing_url(dispute)))
    assert "data-awaiting-mediator" in page and page.count("<canvas") == 1
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            signing_url(dispute),
            {
                "signatory": "mediator",
                "version": 1,
                "signer_name": world.mediator.display_name,
                "image": data_uri(),
            },
        )
    assert answer.status_code == 303
    assert Dispute.objects.get(pk=dispute.pk).state == "signed"
    assert Document.objects.filter(dispute=dispute, kind="agreement").exists()
    page = html(client.get(signing_url(dispute)))
    assert f"/api/v1/disputes/{dispute.pk}/documents/agreement/pdf/" in page
    assert "<canvas" not in page
    pdf = client.get(f"/api/v1/disputes/{dispute.pk}/documents/agreement/pdf/")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")


def test_an_agreed_agreement_is_read_only_until_revised_with_a_reason(world: World) -> None:
    dispute = agreed_case(world)
    client = web(world.mediator)
    applicant = parties(dispute)[0]
    assert sign(client, dispute, applicant).status_code == 303
    revise_first = "take “Revise agreement” on the case with a reason first"

    page = client.get(editor_url(dispute))
    assert page.status_code == 200
    assert "data-agreement-read" in html(page) and "data-agreement-editor" not in html(page)
    assert revise_first in html(page)
    assert "被申请人赔偿申请人损失。" in html(page) and "¥86,000.00" in html(page)
    assert "data-edit-agreement" not in html(client.get(f"/cases/{dispute.pk}/"))

    changed = editor_data(dispute, expected_version="1", clause=["改过的条款。"])
    answer = client.post(editor_url(dispute), changed)
    assert answer.status_code == 409 and revise_first in html(answer)
    assert client.post(editor_url(dispute), {**changed, "action": "add_clause"}).status_code == 409
    assert Agreement.objects.get(dispute=dispute).version == 1
    assert Signature.objects.get(signatory=applicant).voided_at is None

    revised = client.post(
        f"/cases/{dispute.pk}/transitions/revise/",
        {"expected_state": "agreed", "reason": "当事人要求修改履行期限"},
    )
    assert revised.status_code == 303
    assert "data-agreement-editor" in html(client.get(editor_url(dispute)))
    assert client.post(editor_url(dispute), changed).status_code == 303
    assert Agreement.objects.get(dispute=dispute).version == 2
    assert Signature.objects.get(signatory=applicant).void_reason == "revised"


def test_signing_errors_are_shown_never_500(world: World) -> None:
    dispute = agreed_case(world)
    client = web(world.mediator)
    applicant, respondent, _insurer, agent = parties(dispute)
    answer = sign(client, dispute, applicant, signer_name="别人")
    assert answer.status_code == 400
    assert "Type the signer&#x27;s name as recorded" in html(answer)
    answer = sign(client, dispute, applicant, image="")
    assert answer.status_code == 400 and "Draw the signature." in html(answer)
    answer = sign(client, dispute, applicant, image="data:image/png;base64,@@@")
    assert answer.status_code == 400 and "not valid base64" in html(answer)
    answer = sign(client, dispute, applicant, signer=agent)
    assert answer.status_code == 400  # the insurer's agent does not sign for the applicant
    assert client.post(signing_url(dispute), {"signatory": "x"}).status_code == 400
    assert not Signature.objects.filter(agreement__dispute=dispute).exists()

    assert sign(client, dispute, applicant).status_code == 303
    answer = sign(client, dispute, applicant)
    assert answer.status_code == 409
    assert "has already signed this version" in html(answer)
    answer = sign(client, dispute, respondent, version=7)
    assert answer.status_code == 409
    assert re.search(r"superseded by version 1", html(answer))
    # Only the case's mediator collects signatures.
    assert sign(web(world.second_mediator), dispute, respondent).status_code == 403
    assert "<canvas" not in html(web(world.director).get(signing_url(dispute)))


def test_an_organisation_signs_through_its_representative_and_the_drawing_is_kept(
    world: World,
) -> None:
    dispute = agreed_case(world)
    client = web(world.mediator)
    applicant, _respondent, insurer, _agent = parties(dispute)
    page = html(client.get(signing_url(dispute)))
    assert f'id="id_s{insurer.pk}_representative_role"' in page
    assert f'id="id_s{applicant.pk}_representative_role"' not in page

    drawing = data_uri()
    # The claims handler types his own name; the capacity is left out: refused for that field,
    # and the drawing comes back in the form, for the pad to show it again.
    answer = sign(client, dispute, insurer, signer_name="刘海涛", image=drawing)
    assert answer.status_code == 400
    refused = html(answer)
    assert "e.g. 法定代表人 or 理赔经办人" in refused
    assert f'value="{drawing}"' in refused
    answer = sign(
        client,
        dispute,
        insurer,
        signer_name="刘海涛",
        representative_role="理赔经办人",
        seal_affixed="on",
        image=drawing,
    )
    assert answer.status_code == 303
    signature = Signature.objects.get(signatory=insurer)
    assert (signature.representative_name, signature.representative_role) == (
        "刘海涛",
        "理赔经办人",
    )
    assert signature.seal_affixed


def test_the_mediator_signs_last_and_only_the_assigned_one(world: World) -> None:
    dispute = agreed_case(world)
    client = web(world.mediator)
    mediator_signature = {
        "signatory": "mediator",
        "version": 1,
        "signer_name": world.mediator.display_name,
        "image": data_uri(),
    }
    early = client.post(signing_url(dispute), mediator_signature)
    assert early.status_code == 409
    assert "Every party signs before the mediator" in html(early)
    applicant, respondent, insurer, agent = parties(dispute)
    for signatory, signer in ((applicant, applicant), (respondent, respondent), (insurer, agent)):
        assert sign(client, dispute, signatory, signer=signer).status_code == 303
    other = web(world.second_mediator).post(signing_url(dispute), mediator_signature)
    assert other.status_code == 403
    typo = client.post(signing_url(dispute), {**mediator_signature, "signer_name": "别人"})
    assert typo.status_code == 400 and f'value="{data_uri()}"' in html(typo)
    assert Dispute.objects.get(pk=dispute.pk).state == "agreed"
    assert client.post(signing_url(dispute), mediator_signature).status_code == 303
    assert Dispute.objects.get(pk=dispute.pk).state == "signed"
