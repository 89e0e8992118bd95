"""The papers other than the agreement are titled by the body's kind, as 司法部's and the courts'
forms name them, and the agreement speaks of judicial confirmation only where the parties may
apply for it. PDFs really rendered and read back with pypdf."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from documents import generation
from documents.rendering import render_pdf
from mediation.cases.models import Dispute
from mediation.kernel.choices import BodyKind, Category, Channel, FamilyMatter
from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.documents.conftest import Case
from tests.documents.test_wording import text_of

CONFIRMATION_SENTENCE = "共同向有管辖权的人民法院申请司法确认"

# Acceptance notice, refusal notice, termination, oral agreement record.
TITLES = {
    BodyKind.PEOPLES_COMMITTEE: (
        "人民调解受理通知书",
        "人民调解不予受理告知书",
        "人民调解终结书",
        "人民调解口头协议登记表",
    ),
    BodyKind.ADMINISTRATIVE: (
        "行政调解受理通知书",
        "行政调解不予受理告知书",
        "行政调解终结书",
        "行政调解口头协议登记表",
    ),
    BodyKind.COURT: ("受理通知书", "不予受理告知书", "调解终结书", "口头调解协议登记表"),
    BodyKind.COURT_INVITED: ("受理通知书", "不予受理告知书", "调解终结书", "口头调解协议登记表"),
}
KINDS = ("acceptance_notice", "refusal_notice", "termination", "oral_agreement")
US = {
    BodyKind.PEOPLES_COMMITTEE: "本委员会",
    BodyKind.ADMINISTRATIVE: "本机关",
    BodyKind.COURT: "本院",
    BodyKind.COURT_INVITED: "本组织",
}


def _case_of(world: World, body_kind: str) -> Dispute:
    world.body.kind = body_kind
    world.body.name = "东湖区矛盾纠纷调解中心"  # a name that names no kind of mediation
    world.body.save()
    today = timezone.localdate()
    dispute = f.DisputeFactory(
        body=world.body,
        state="failed",
        mediator=world.mediator,
        received_at=today - datetime.timedelta(days=10),
        accepted_at=today - datetime.timedelta(days=9),
        concluded_at=today,
    )
    f.CasePartyFactory(dispute=dispute, role=PartyRole.APPLICANT)
    f.CasePartyFactory(dispute=dispute, role=PartyRole.RESPONDENT)
    return Dispute.objects.select_related("body", "mediator__user").get(pk=dispute.pk)


def _title(pdf_text: str, candidates: tuple[str, ...]) -> str:
    """The longest expected title the text starts a heading with (the titles nest)."""
    return max((t for t in candidates if t in pdf_text), key=len, default="")


@pytest.mark.parametrize("body_kind", list(TITLES))
def test_the_other_papers_are_titled_by_the_body_kind(world: World, body_kind: str) -> None:
    dispute = _case_of(world, body_kind)
    every_title = tuple(t for titles in TITLES.values() for t in titles)
    for kind, title in zip(KINDS, TITLES[body_kind], strict=True):
        context = generation.build_context(dispute, kind, "zh-hans")
        text = text_of(render_pdf(kind, context, lang="zh-hans"))
        assert _title(text, every_title) == title, (kind, text[:80])
    # The termination speaks as the body: a court's without 本委员会.
    context = generation.build_context(dispute, "termination", "zh-hans")
    text = text_of(render_pdf("termination", context, lang="zh-hans"))
    assert f"由{US[body_kind]}于" in text or US[body_kind] in text
    if body_kind != BodyKind.PEOPLES_COMMITTEE:
        assert "本委员会" not in text and "人民调解" not in text


def test_the_titles_have_their_english_too(world: World) -> None:
    dispute = _case_of(world, BodyKind.ADMINISTRATIVE)
    context = generation.build_context(dispute, "termination", "en")
    text = text_of(render_pdf("termination", context, lang="en"))
    assert "NoticeofTerminationofAdministrativeMediation" in text


@pytest.mark.parametrize(
    ("body_kind", "confirmable"),
    [
        (BodyKind.PEOPLES_COMMITTEE, True),
        (BodyKind.ADMINISTRATIVE, True),
        (BodyKind.COURT_INVITED, True),
        (BodyKind.COURT, False),
    ],
)
def test_only_a_confirmable_agreement_speaks_of_judicial_confirmation(
    world: World, agreed: Case, body_kind: str, confirmable: bool
) -> None:
    world.body.kind = body_kind
    world.body.save()
    dispute = Dispute.objects.select_related("body").get(pk=agreed.dispute.pk)
    text = text_of(generation.preview_agreement(dispute))
    assert (CONFIRMATION_SENTENCE in text) is confirmable
    assert "30日内" in text or not confirmable


@pytest.mark.parametrize(
    "fields",
    [
        {"channel": Channel.COURT_ENTRUSTED},
        {"category": Category.FAMILY, "family_matter": FamilyMatter.MARRIAGE_STATUS},
    ],
    ids=["entrusted-during-litigation", "marriage-status"],
)
def test_no_confirmation_sentence_where_the_case_cannot_be_confirmed(
    world: World, agreed: Case, fields: dict[str, Any]
) -> None:
    world.body.kind = BodyKind.COURT_INVITED
    world.body.save()
    Dispute.objects.filter(pk=agreed.dispute.pk).update(**fields)
    dispute = Dispute.objects.select_related("body").get(pk=agreed.dispute.pk)
    assert CONFIRMATION_SENTENCE not in text_of(generation.preview_agreement(dispute))
