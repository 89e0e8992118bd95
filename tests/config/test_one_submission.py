"""A form is done once: the same one-time token posted twice (a double click, a reload of the
answer, a second tab) does the work once and sends the second request where the first went.

Pages are driven with Django's test client; `FormClient` adds a fresh token to each post unless
the test sends its own, as it does here to post the same form twice.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from config.formtokens import FIELD, MAX_AGE, _signer
from config.models import UsedFormToken
from courts.models import ReferralLog
from mediation.cases.models import Dispute, MediationSession, TransitionLog
from mediation.ledger.models import LedgerImport
from tests.conftest import World, needs_postgresql
from tests.courts.inbox_helpers import litigation, step_url
from tests.form_tokens import FormClient, fresh_token
from tests.mediation.cases.test_concurrency_at_scale import _race, _summary
from tests.mediation.helpers import dispute_in
from tests.mediation.ledger.test_ledger import ROWS, ledger
from tests.mediation.workbench.helpers import REGISTER, html, traffic_case, web
from tests.mediation.workbench.test_agreement_pages import agreed_case

TOKEN_INPUT = re.compile(r'<input type="hidden" name="form_token" value="([^"]+)">')


class _LongAgo(signing.TimestampSigner):
    """Signs as `config.formtokens` does, dated just over the tokens' lifetime ago."""

    def timestamp(self) -> str:
        then = timezone.now() - MAX_AGE - datetime.timedelta(minutes=1)
        return signing.b62_encode(int(then.timestamp()))


def issued_long_ago(user: Any) -> str:
    fresh = fresh_token(user)
    key = _signer(user.pk).unsign(fresh)
    return _LongAgo(salt=_signer(user.pk).salt).sign(key)


def registered() -> int:
    return Dispute.objects.filter(title="两车追尾人身损害赔偿").count()


def test_the_same_registration_posted_twice_makes_one_case(world: World) -> None:
    clerk = web(world.clerk)
    data = traffic_case(**{FIELD: fresh_token(world.clerk)})

    first = clerk.post(REGISTER, data)
    second = clerk.post(REGISTER, data)

    assert first.status_code == 303
    assert registered() == 1
    # The second click lands where the first went, and is told why.
    assert second.status_code == 303 and second["Location"] == first["Location"]
    page = html(clerk.get(second["Location"]))
    assert "This form had already been submitted; it was not submitted a second time." in page


def test_a_fresh_token_registers_another_case(world: World) -> None:
    clerk = web(world.clerk)
    first = clerk.post(REGISTER, traffic_case(**{FIELD: fresh_token(world.clerk)}))
    assert first.status_code == 303
    again = clerk.post(REGISTER, traffic_case(**{FIELD: fresh_token(world.clerk)}))
    assert again.status_code == 303
    assert registered() == 2


def test_the_registration_page_carries_a_token_that_registers(world: World) -> None:
    clerk = web(world.clerk)
    token = TOKEN_INPUT.search(html(clerk.get(REGISTER)))
    assert token is not None
    assert clerk.post(REGISTER, traffic_case(**{FIELD: token.group(1)})).status_code == 303
    assert registered() == 1


@pytest.mark.parametrize(
    "token",
    [
        "",  # a tab opened before tokens existed
        "made-up",  # not one we issued
        "expired",
        "someone else's",
    ],
)
def test_a_form_without_a_good_token_is_refused_and_does_nothing(world: World, token: str) -> None:
    if token == "expired":
        token = issued_long_ago(world.clerk)
    elif token == "someone else's":
        token = fresh_token(world.director)
    answer = web(world.clerk).post(REGISTER, traffic_case(**{FIELD: token}))
    assert answer.status_code == 400
    assert "data-form-token-refused" in html(answer)
    assert "This page is out of date" in html(answer)
    assert registered() == 0
    assert not UsedFormToken.objects.exists()


def test_a_refused_form_keeps_its_token_for_the_corrected_one(world: World) -> None:
    clerk = web(world.clerk)
    token = fresh_token(world.clerk)
    wrong = clerk.post(REGISTER, traffic_case(title="", **{FIELD: token}))
    assert wrong.status_code == 400 and registered() == 0
    # A row added without JavaScript answers the form again: the token is not spent either.
    added = clerk.post(REGISTER, traffic_case(action="add_party", **{FIELD: token}))
    assert added.status_code == 200
    corrected = clerk.post(REGISTER, traffic_case(**{FIELD: token}))
    assert corrected.status_code == 303 and registered() == 1


def test_a_spent_token_without_a_result_answers_409(world: World) -> None:
    token = fresh_token(world.clerk)
    key = _signer(world.clerk.pk).unsign(token)
    # Claimed by a submission that ended in an error: whether it wrote anything is unknown.
    UsedFormToken.objects.create(
        key=key, user=world.clerk, path=REGISTER, finished_at=timezone.now()
    )
    answer = web(world.clerk).post(REGISTER, traffic_case(**{FIELD: token}))
    assert answer.status_code == 409
    assert "This form has already been submitted." in html(answer)
    assert registered() == 0


def test_every_form_of_the_workbench_and_the_court_pages_has_its_own_token(
    world: World,
) -> None:
    assigned = dispute_in(world, "assigned", reference="FQ-TK-1")
    mediating = dispute_in(world, "mediating", reference="FQ-TK-2")
    agreed = agreed_case(world)
    mediator = web(world.mediator)
    pages = [
        (web(world.clerk), REGISTER),
        (mediator, f"/cases/{assigned.pk}/"),
        (mediator, f"/cases/{mediating.pk}/agreement/"),
        (mediator, f"/cases/{agreed.pk}/agreement/sign/"),
        (web(world.admin), "/cases/import/"),
        (web(world.court_user), f"/court/referrals/{litigation(world).pk}/"),
    ]
    for client, url in pages:
        page = html(client.get(url))
        # Every form that posts to a guarded view (all but sign-out and the language switch).
        forms = re.findall(r"<form method=\"post\".*?</form>", page, flags=re.S)
        assert forms, url
        tokens = [TOKEN_INPUT.search(form) for form in forms]
        assert all(tokens), url
        values = [t.group(1) for t in tokens if t]
        assert len(set(values)) == len(values), url


def test_a_double_clicked_step_is_taken_once_and_both_clicks_land_on_the_case(
    world: World,
) -> None:
    dispute = dispute_in(world, "registered")
    clerk = web(world.clerk)
    data = {"expected_state": "registered", FIELD: fresh_token(world.clerk)}
    url = f"/cases/{dispute.pk}/transitions/accept/"
    first, second = clerk.post(url, data), clerk.post(url, data)
    assert first.status_code == second.status_code == 303
    assert second["Location"] == first["Location"] == f"/cases/{dispute.pk}/"
    assert TransitionLog.objects.filter(dispute=dispute, transition="accept").count() == 1


def test_a_double_clicked_session_is_scheduled_once(world: World) -> None:
    dispute = dispute_in(world, "assigned", reference="FQ-TK-3")
    before = MediationSession.objects.filter(dispute=dispute).count()
    mediator = web(world.mediator)
    data = {
        "scheduled_at": (timezone.localdate() + datetime.timedelta(days=3)).isoformat() + "T09:30",
        "place": "调解室一",
        "status": "scheduled",
        FIELD: fresh_token(world.mediator),
    }
    assert mediator.post(f"/cases/{dispute.pk}/sessions/", data).status_code == 303
    assert mediator.post(f"/cases/{dispute.pk}/sessions/", data).status_code == 303
    assert MediationSession.objects.filter(dispute=dispute).count() == before + 1


def test_a_ledger_sent_twice_is_imported_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    admin = web(world.admin)
    token = fresh_token(world.admin)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            answer = admin.post(
                "/cases/import/",
                {
                    "file": SimpleUploadedFile("ledger.csv", ledger(*ROWS)),
                    "mode": "all",
                    FIELD: token,
                },
            )
        assert answer.status_code in (302, 303)
    assert LedgerImport.objects.count() == 1


def test_a_court_step_sent_twice_is_recorded_once(world: World) -> None:
    referral = litigation(world)
    court = web(world.court_user)
    data = {"expected_state": "sent", FIELD: fresh_token(world.court_user)}
    first = court.post(step_url(referral, "receive"), data)
    second = court.post(step_url(referral, "receive"), data)
    assert first.status_code == second.status_code == 303
    assert second["Location"] == first["Location"]
    assert ReferralLog.objects.filter(referral=referral, action="receive").count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_same_registration_posted_twice_at_once_makes_one_case(world: World) -> None:
    data = traffic_case(**{FIELD: fresh_token(world.clerk)})
    clients = []
    for _ in range(2):
        client = FormClient(headers={"accept-language": "en"})
        client.force_login(world.clerk)
        clients.append(client)

    went: list[str] = []

    def post(client: FormClient) -> Any:
        answer = client.post(REGISTER, data)
        went.append(answer.get("Location", ""))
        return answer

    outcomes = _race([lambda c=c: post(c) for c in clients])

    assert [o.status for o in outcomes] == [303, 303], _summary(outcomes)
    assert registered() == 1
    # Whichever came second waited for the first and was sent to the same case.
    case_url = f"/cases/{Dispute.objects.get(title='两车追尾人身损害赔偿').pk}/"
    assert went == [case_url, case_url]
    assert UsedFormToken.objects.get().result_url == case_url
