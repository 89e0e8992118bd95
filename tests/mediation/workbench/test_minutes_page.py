"""The minutes on the case page: who present has signed, the next one's signature taken on the
mediator's device (or their refusal noted), the drawing kept when the form is refused, and the
signed minutes linked once everyone has signed."""

from __future__ import annotations

import base64
import datetime
import io
import re

from django.utils import timezone
from PIL import Image, ImageDraw

from documents.models import MinutesSignature
from mediation.cases import services
from mediation.cases.models import MediationSession
from parties.models import PartyKind, PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import dispute_in
from tests.mediation.workbench.helpers import case_url, html, web


def _drawing() -> str:
    image = Image.new("RGBA", (240, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (110, 60), (230, 50)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


DRAWING = _drawing()


def held(world: World) -> MediationSession:
    dispute = dispute_in(world, "mediating")
    f.CasePartyFactory(
        dispute=dispute,
        party=f.PartyFactory(name="某保险公司", kind=PartyKind.ORGANIZATION),
        role=PartyRole.THIRD_PARTY,
    )
    return services.schedule_session(
        actor=world.mediator.user,
        dispute_id=dispute.pk,
        data=services.SessionInput(
            scheduled_at=timezone.now() - datetime.timedelta(hours=1),
            place="第一调解室",
            status="held",
            minutes="双方陈述事实，调解员释法明理。",
            attendee_ids=list(dispute.case_parties.order_by("id").values_list("pk", flat=True)),
        ),
    )


def minutes_url(session: MediationSession) -> str:
    return f"{case_url(session.dispute)}sessions/{session.pk}/minutes/"


def statuses(answer: object) -> dict[str, str]:
    return dict(re.findall(r'data-minutes-signer="(\w+)" data-status="(\w+)"', html(answer)))


def test_the_mediator_takes_the_signatures_one_by_one(world: World) -> None:
    session = held(world)
    applicant, respondent, insurer = session.attendees.select_related("party").order_by("id")
    client = web(world.mediator)
    page = client.get(case_url(session.dispute))
    assert set(statuses(page).values()) == {"unsigned"}
    # The form is for the first one not yet signed.
    assert f'data-sign-form="minutes-p{applicant.pk}"' in html(page)

    signed = client.post(
        minutes_url(session),
        {"signer": f"p{applicant.pk}", "signer_name": applicant.party.name, "image": DRAWING},
    )
    assert signed.status_code == 303 and signed["Location"].endswith(f"#minutes-{session.pk}")
    refused = client.post(
        minutes_url(session),
        {"signer": f"p{respondent.pk}", "refused": "on", "note": "当事人拒绝签字"},
    )
    assert refused.status_code == 303
    page = client.get(case_url(session.dispute))
    assert statuses(page)[f"p{applicant.pk}"] == "signed"
    assert statuses(page)[f"p{respondent.pk}"] == "refused" and "当事人拒绝签字" in html(page)
    assert f'data-sign-form="minutes-p{insurer.pk}"' in html(page)
    assert "data-minutes-pdf" not in html(page)

    client.post(
        minutes_url(session),
        {
            "signer": f"p{insurer.pk}",
            "signer_name": "刘海涛",
            "representative_role": "理赔经办人",
            "image": DRAWING,
        },
    )
    client.post(
        minutes_url(session),
        {
            "signer": f"m{world.mediator.pk}",
            "signer_name": world.mediator.display_name,
            "image": DRAWING,
        },
    )
    page = client.get(case_url(session.dispute))
    assert set(statuses(page).values()) == {"signed", "refused"}
    pdf = f"/api/v1/disputes/{session.dispute_id}/sessions/{session.pk}/minutes/pdf/"
    assert f'href="{pdf}" data-minutes-pdf="{session.pk}"' in html(page)
    assert 'data-sign-form="minutes-' not in html(page)


def test_a_refused_form_keeps_the_drawing_and_says_why(world: World) -> None:
    session = held(world)
    applicant = session.attendees.select_related("party").order_by("id").first()
    answer = web(world.mediator).post(
        minutes_url(session),
        {"signer": f"p{applicant.pk}", "signer_name": "别人", "image": DRAWING},
    )
    assert answer.status_code == 400
    text = html(answer)
    assert "was not recorded" in text and applicant.party.name in text
    # The drawing comes back in the form, for signature.js to draw on the pad again.
    assert DRAWING in text
    assert not MinutesSignature.objects.exists()


def test_a_person_not_present_and_a_colleague_are_refused(world: World) -> None:
    session = held(world)
    applicant = session.attendees.order_by("id").first()
    absent = web(world.mediator).post(
        minutes_url(session), {"signer": "p999999", "signer_name": "x", "image": DRAWING}
    )
    assert absent.status_code == 400 and "not present" in html(absent)
    colleague = web(world.second_mediator).post(
        minutes_url(session),
        {"signer": f"p{applicant.pk}", "signer_name": "张伟", "image": DRAWING},
    )
    assert colleague.status_code == 403
    assert not MinutesSignature.objects.exists()
