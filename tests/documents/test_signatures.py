"""Every required signatory signs: in person on the mediator's device (drawn image, typed name)
or online with a one-time code; then the mediator signs, which fires `sign`. Bad signatures change
nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from documents.models import OneTimeCode, Signature
from mediation.cases.models import TransitionLog
from mediation.figures import kept as figures
from mediation.figures.models import FigureSlice
from tests.conftest import World, client_for
from tests.documents.conftest import Case
from tests.documents.helpers import (
    IMAGE,
    INSURER_REPRESENTATIVE,
    agreement_url,
    in_person,
    mediator_signs,
    online_code,
    put,
    sign,
    terms,
)


def test_four_signatories_sign_then_the_mediator_s_signature_fires_sign(
    world: World,
    agreed: Case,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = agreed
    version = client_for(world.mediator.user).get(agreement_url(case.dispute)).data

    # The guardian signs for the minor, the agent for the respondent, the insurer's man for it.
    assert (
        in_person(world, case, case.minor, case.guardian, version=version["version"]).status_code
        == 201
    )
    assert in_person(world, case, case.respondent, case.agent).status_code == 201
    assert (
        in_person(world, case, case.insurer, case.insurer, **INSURER_REPRESENTATIVE).status_code
        == 201
    )
    case.dispute.refresh_from_db()
    assert case.dispute.state == "agreed"

    # The last one signs online with the code sent to their phone.
    code = online_code(world, case, sms, django_capture_on_commit_callbacks)
    done = sign(
        client_for(world.party_user), case, signatory=case.online.pk, method="online", code=code
    )
    assert done.status_code == 201, done.data
    assert done.data["complete"] is True and done.data["mediator_signed"] is False
    # Every party has signed: the agreement waits for the mediator.
    case.dispute.refresh_from_db()
    assert case.dispute.state == "agreed" and case.dispute.signed_at is None

    sealed = mediator_signs(world, case)
    assert sealed.status_code == 201, sealed.data
    assert sealed.data["mediator_signed"] is True
    case.dispute.refresh_from_db()
    assert case.dispute.state == "signed" and case.dispute.signed_at is not None
    last = TransitionLog.objects.filter(dispute=case.dispute).last()
    assert (last.transition, last.actor) == ("sign", world.mediator.user)
    # Counted as a success at once, with the agreed amount (the kept figures equal a recount).
    assert figures.differences() == []
    assert FigureSlice.objects.get(key=figures.slice_key(case.dispute.slice_dims())).success == 1

    signatures = Signature.objects.filter(agreement__dispute=case.dispute).order_by("id")
    assert [(s.signatory.party.name, s.signer.party.name, s.method) for s in signatures] == [
        ("王小明", "王建国", "in_person"),
        ("李娜", "赵敏", "in_person"),
        ("某财产保险股份有限公司南昌分公司", "某财产保险股份有限公司南昌分公司", "in_person"),
        ("张伟", "张伟", "online"),
    ]
    assert len({s.text_sha256 for s in signatures}) == 1
    assert signatures[0].text_sha256 == version["sha256"]
    assert signatures[0].image.startswith(b"\x89PNG") and not signatures[3].image
    assert signatures[3].user == world.party_user and signatures[0].user == world.mediator.user
    assert all(s.ip == "127.0.0.1" for s in signatures)


def test_a_signature_on_a_superseded_version_is_refused(world: World, agreed: Case) -> None:
    case = agreed
    mediator = client_for(world.mediator.user)
    assert in_person(world, case, case.minor, case.guardian).status_code == 201
    # The terms change through `revise` (with a reason) and a new draft: a new version, and the
    # signature given to the old one stops counting.
    transitions = f"/api/v1/disputes/{case.dispute.pk}/transitions/"
    revised = mediator.post(f"{transitions}revise/", {"reason": "修改条款"}, format="json")
    assert revised.status_code == 200, revised.data
    assert put(mediator, case, terms(case, clauses=["本协议一式五份。"])).data["version"] == 2
    assert mediator.post(f"{transitions}draft_agreement/", {}, format="json").status_code == 200
    stale = in_person(world, case, case.respondent, case.agent, version=1)
    assert stale.status_code == 409
    statuses = mediator.get(agreement_url(case.dispute, "signatures/")).data
    assert not any(s["signed"] for s in statuses)
    voided = Signature.objects.get(signatory=case.minor)
    assert voided.voided_at is not None and voided.void_reason == "revised"


def test_revise_voids_the_signatures_given(world: World, agreed: Case) -> None:
    case = agreed
    in_person(world, case, case.minor, case.guardian)
    revised = client_for(world.mediator.user).post(
        f"/api/v1/disputes/{case.dispute.pk}/transitions/revise/",
        {"reason": "当事人要求修改履行期限"},
        format="json",
    )
    assert revised.status_code == 200, revised.data
    signature = Signature.objects.get(signatory=case.minor)
    assert signature.void_reason == "revised"
    assert (
        sign(
            client_for(world.mediator.user),
            case,
            signatory=case.respondent.pk,
            method="in_person",
            signer=case.agent.pk,
            signer_name="赵敏",
            image=IMAGE,
        ).status_code
        == 409
    )  # mediating: nothing to sign


def _count() -> tuple[int, int]:
    return Signature.objects.count(), OneTimeCode.objects.filter(used_at__isnull=False).count()


@pytest.mark.parametrize(
    ("who", "data", "status", "field"),
    [
        # not a signatory: the guardian signs for others, not as a signatory
        ("mediator", {"signatory": "guardian", "signer": "guardian"}, 400, "signatory"),
        # the respondent's agent cannot sign for the minor
        ("mediator", {"signatory": "minor", "signer": "agent"}, 400, "signer"),
        # the typed name must be the signer's
        (
            "mediator",
            {"signatory": "minor", "signer": "guardian", "signer_name": "王某"},
            400,
            "signer_name",
        ),
        ("mediator", {"signatory": "minor", "signer": "guardian", "image": ""}, 400, "image"),
        (
            "mediator",
            {"signatory": "minor", "signer": "guardian", "image": "bm90IGFuIGltYWdl"},
            400,
            "image",
        ),
        ("mediator", {"signatory": "minor", "signer": "guardian", "image": "@@@"}, 400, "image"),
        ("mediator", {"signatory": "minor", "signer": "guardian", "method": "fax"}, 400, "method"),
        # others may not collect signatures in person
        ("second_mediator", {"signatory": "minor", "signer": "guardian"}, 403, None),
        ("party_user", {"signatory": "minor", "signer": "guardian"}, 403, None),
        ("other_mediator", {"signatory": "minor", "signer": "guardian"}, 404, None),
        ("analyst", {"signatory": "minor", "signer": "guardian"}, 404, None),
    ],
)
def test_bad_signatures_are_refused_and_store_nothing(
    world: World, agreed: Case, who: str, data: dict[str, Any], status: int, field: str | None
) -> None:
    case = agreed
    user = {
        "mediator": world.mediator.user,
        "second_mediator": world.second_mediator.user,
        "other_mediator": world.other_mediator.user,
        "party_user": world.party_user,
        "analyst": world.analyst,
    }[who]
    party = {"minor": case.minor, "guardian": case.guardian, "agent": case.agent}
    payload = {
        "method": "in_person",
        "signer_name": party[data["signer"]].party.name,
        "image": IMAGE,
        **data,
        "signatory": party[data["signatory"]].pk,
        "signer": party[data["signer"]].pk,
    }
    before = _count()
    response = sign(client_for(user), case, **payload)
    assert response.status_code == status, response.data
    if field:
        assert field in response.data, response.data
    assert _count() == before


def test_a_second_signature_for_the_same_signatory_is_a_conflict(
    world: World, agreed: Case
) -> None:
    assert in_person(world, agreed, agreed.minor, agreed.guardian).status_code == 201
    again = in_person(world, agreed, agreed.minor, agreed.minor)
    assert again.status_code == 409
    assert Signature.objects.filter(signatory=agreed.minor).count() == 1


def test_a_20_mb_drawing_is_refused_without_harm(world: World, agreed: Case) -> None:
    huge = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(20 * 1024 * 1024)).decode()
    response = in_person(world, agreed, agreed.minor, agreed.guardian, image=huge)
    assert response.status_code in (400, 413), response.status_code
    assert not Signature.objects.exists()


def test_a_giant_image_in_few_bytes_is_refused(world: World, agreed: Case) -> None:
    # 6000×6000 of one colour compresses to a few KB: the pixel limit catches it.
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (6000, 6000), 255).save(out, format="PNG")
    image = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    response = in_person(world, agreed, agreed.minor, agreed.guardian, image=image)
    assert response.status_code == 400 and "image" in response.data


def test_online_codes_are_checked_counted_and_single_use(
    world: World,
    agreed: Case,
    sms: list[tuple[str, str]],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = agreed
    party = client_for(world.party_user)
    code = online_code(world, case, sms, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    refused = sign(party, case, signatory=case.online.pk, method="online", code=wrong)
    assert refused.status_code == 400 and "code" in refused.data
    assert OneTimeCode.objects.get(used_at__isnull=True).attempts == 1

    # Someone else cannot use it, nor sign online for a party they do not represent.
    stranger = sign(
        client_for(world.director), case, signatory=case.online.pk, method="online", code=code
    )
    assert stranger.status_code in (403, 400)
    not_mine = sign(party, case, signatory=case.minor.pk, method="online", code=code)
    assert not_mine.status_code == 400

    assert (
        sign(party, case, signatory=case.online.pk, method="online", code=code).status_code == 201
    )
    replay = sign(party, case, signatory=case.online.pk, method="online", code=code)
    assert replay.status_code == 409  # already signed; the code is spent anyway
    assert Signature.objects.filter(signatory=case.online).count() == 1


def test_too_many_wrong_codes_block_the_code(
    world: World,
    agreed: Case,
    sms: list[tuple[str, str]],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.FENGQIAO_OTP_MAX_ATTEMPTS = 2
    case = agreed
    party = client_for(world.party_user)
    code = online_code(world, case, sms, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        assert (
            sign(party, case, signatory=case.online.pk, method="online", code=wrong).status_code
            == 400
        )
    blocked = sign(party, case, signatory=case.online.pk, method="online", code=code)
    assert blocked.status_code == 400 and "code" in blocked.data
    assert not Signature.objects.exists()


def test_codes_are_only_for_parties_of_an_agreed_case(
    world: World,
    case: Case,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = agreement_url(case.dispute, "signatures/code/")
    not_yet = client_for(world.party_user).post(url, {"signatory": case.online.pk}, format="json")
    assert not_yet.status_code == 409
    assert sms == []
