"""Forms that keep their state: errors only after a save, a failed action back on the page it
came from with its message, a form's POST-only address sending a GET to its page, records the
case's state locks shown read-only, and labels that say what they are."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from documents.models import Agreement
from mediation.cases.models import Dispute, MediationSession
from parties.models import CaseParty
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in
from tests.mediation.workbench.helpers import html, web

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _pki_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


def _parties(dispute: Dispute) -> list[CaseParty]:
    return list(CaseParty.objects.filter(dispute=dispute).order_by("id"))


def _past_session(dispute: Dispute) -> MediationSession:
    return f.MediationSessionFactory(
        dispute=dispute, scheduled_at=timezone.now() - datetime.timedelta(hours=2)
    )


def _outcome_form(page: str, session: MediationSession) -> str:
    match = re.search(rf'<form[^>]*data-outcome="{session.pk}".*?</form>', page, re.S)
    return match.group(0) if match else ""


# --- a GET on a form's POST-only address ---------------------------------------------------------


def test_a_get_on_every_post_only_address_goes_to_its_page(world: World) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-1")
    session = dispute.sessions.get()
    applicant = _parties(dispute)[0]
    case = f"/cases/{dispute.pk}/"
    client = web(world.mediator)
    addresses = {
        f"{case}transitions/draft_agreement/": case,
        f"{case}sessions/": case,
        f"{case}sessions/{session.pk}/": case,
        f"{case}sessions/{session.pk}/minutes/": case,
        f"{case}parties/{applicant.pk}/power-of-attorney/": case,
        f"{case}parties/{applicant.pk}/remove/": f"{case}parties/{applicant.pk}/",
        f"{case}confirmation-consents/": case,
        f"{case}mediation-consents/": case,
        f"{case}rights-acknowledgements/": case,
    }
    for address, page in addresses.items():
        for method in (client.get, client.head):
            answer = method(address)
            assert answer.status_code == 302, address
            assert answer["Location"] == page, address
    # Only reading is sent on; anything else is still not allowed.
    assert client.put(f"{case}sessions/").status_code == 405
    # Someone who may not see the case is sent to a page that answers 404, as the case does.
    assert web(world.other_director).get(f"{case}sessions/", follow=True).status_code == 404


# --- failed actions: the page they came from, with the message -----------------------------------


def test_a_failed_session_record_keeps_the_case_address_and_says_why(world: World) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-2")
    session = _past_session(dispute)
    case = f"/cases/{dispute.pk}/"
    answer = web(world.mediator).post(
        f"{case}sessions/{session.pk}/",
        {"status": "held", "minutes": ""},
        headers={**HTMX, "HX-Current-URL": f"http://testserver{case}"},
    )
    assert answer.status_code == 400
    assert answer["HX-Replace-Url"] == case
    page = html(answer)
    assert "Write the minutes of the session." in page
    form = _outcome_form(page, session)
    assert 'aria-invalid="true"' in form
    assert '<option value="held" selected>' in form  # what was chosen is kept
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_failed_case_page_actions_answer_on_the_page_they_came_from(world: World) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-3")
    case = f"/cases/{dispute.pk}/"
    client = web(world.mediator)
    headers = {**HTMX, "HX-Current-URL": f"http://testserver{case}#sessions"}
    failures = [
        (f"{case}sessions/", {"scheduled_at": "not a date", "place": "调解室一"}, 400, None),
        (
            f"{case}transitions/fail/",
            {"expected_state": "agreed"},
            409,
            "This case has changed",
        ),
        (f"{case}rights-acknowledgements/", {"case_party": "0"}, 400, None),
    ]
    for address, data, status, message in failures:
        answer = client.post(address, data, headers=headers)
        assert answer.status_code == status, address
        assert answer["HX-Replace-Url"] == case, address
        page = html(answer)
        assert 'role="alert"' in page or "errorlist" in page, address
        if message:
            assert message in page
    assert dispute.sessions.count() == 1


def test_an_address_from_elsewhere_is_not_taken_up(world: World) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-4")
    case = f"/cases/{dispute.pk}/"
    answer = web(world.mediator).post(
        f"{case}sessions/",
        {"scheduled_at": "not a date"},
        headers={**HTMX, "HX-Current-URL": "https://elsewhere.example/phish/"},
    )
    assert answer.status_code == 400
    assert "HX-Replace-Url" not in answer
    # Without htmx the page is answered as before, with no header to read.
    plain = web(world.mediator).post(f"{case}sessions/", {"scheduled_at": "not a date"})
    assert plain.status_code == 400 and "HX-Replace-Url" not in plain


# --- errors only after a save --------------------------------------------------------------------


def test_an_added_obligation_row_is_not_an_error_before_a_save(world: World) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-5")
    client = web(world.mediator)
    url = f"/cases/{dispute.pk}/agreement/"
    base = {
        "expected_version": "0",
        "agreement_date": "",
        "clause": ["被申请人赔偿申请人损失。"],
        "obligations": "0",
    }
    answer = client.post(url, {**base, "action": "add_obligation"})
    assert answer.status_code == 200
    page = html(answer)
    assert 'name="ob0-payer"' in page
    assert "aria-invalid" not in page and "errorlist" not in page and "has-error" not in page
    # The payment method has its default, as a new obligation has.
    assert '<option value="bank_transfer" selected>' in page

    # A save with a filled row and an empty one: only the filled row's mistakes are shown.
    applicant, respondent = _parties(dispute)
    answer = client.post(
        url,
        {
            **base,
            "agreement_date": timezone.localdate().isoformat(),
            "obligations": "2",
            "ob0-payer": str(respondent.pk),
            "ob0-payee": str(applicant.pk),
            "ob0-schedule": "lump_sum",
            "ob0-method": "cash",
            "ob0-instalments": "1",
            "ob0-in0-amount": "abc",
            "ob0-in0-due_date": "",
            "ob1-schedule": "lump_sum",
            "ob1-method": "bank_transfer",
            "ob1-instalments": "1",
        },
    )
    assert answer.status_code == 400
    page = html(answer)
    assert 'value="abc"' in page
    amount = re.search(r'<input[^>]*name="ob0-in0-amount"[^>]*>', page)
    assert amount is not None and 'aria-invalid="true"' in amount.group(0)
    blank_row = page.split('data-obligation="1"')[1]
    assert "aria-invalid" not in blank_row and "errorlist" not in blank_row
    assert not Agreement.objects.filter(dispute=dispute, version__gt=0).exists()


# --- records the case's state locks --------------------------------------------------------------


@pytest.mark.parametrize("state", ["signed", "confirmed"])
def test_the_agreement_reads_once_signed(world: World, state: str) -> None:
    dispute = dispute_in(world, state, reference=f"FQ-KS-{state}")
    client = web(world.mediator)
    answer = client.get(f"/cases/{dispute.pk}/agreement/")
    assert answer.status_code == 200
    page = html(answer)
    main = page.split("<main", 1)[1]
    assert "data-agreement-read" in main and "data-locked" in main
    assert "<input" not in main.split("</main>")[0].split("data-agreement-read")[1]
    assert "<textarea" not in main and "Save the agreement" not in main
    assert "data-error-status" not in main
    assert f'href="/api/v1/disputes/{dispute.pk}/documents/agreement/pdf/" data-signed-pdf' in main
    # A save sent anyway is refused and changes nothing.
    refused = client.post(
        f"/cases/{dispute.pk}/agreement/", {"expected_version": "1", "clause": ["改"]}
    )
    assert refused.status_code == 409
    assert Agreement.objects.get(dispute=dispute).clauses != ["改"]


def test_a_recorded_session_is_read_not_edited(world: World) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-6")
    session = _past_session(dispute)
    client = web(world.mediator)
    recorded = client.post(
        f"/cases/{dispute.pk}/sessions/{session.pk}/", {"status": "held", "minutes": "双方到场。"}
    )
    assert recorded.status_code == 303
    page = html(client.get(f"/cases/{dispute.pk}/"))
    assert _outcome_form(page, session) == ""
    assert "双方到场。" in page


# --- labels ---------------------------------------------------------------------------------------


def test_the_session_outcome_is_labelled_as_the_sessions(world: World) -> None:
    dispute = dispute_in(world, "mediating", reference="FQ-KS-7")
    session = _past_session(dispute)
    client = FormClient(headers={"accept-language": "zh-hans"})
    client.force_login(world.mediator.user)
    form = _outcome_form(html(client.get(f"/cases/{dispute.pk}/")), session)
    assert "会议结果" in form and "举行或取消" in form
    assert "结案方式" not in form
