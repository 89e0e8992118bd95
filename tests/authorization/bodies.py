"""Request bodies of the authorization matrix's rows: what each endpoint is sent, per side."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import factories as f
from tests.authorization.harness import (
    ADMIN,
    BODY_STAFF,
    COURT,
    OWN,
    PARTY,
    SIGNATURE_IMAGE,
    TODAY,
    Data,
    Row,
    Scene,
    _text,
)

# --- request bodies ------------------------------------------------------------------------------


def traffic_case_form(s: Scene, side: str) -> dict[str, str]:
    """The workbench's registration form, as a browser posts it (SPEC §7.1's example)."""
    return {
        "action": "register",
        "category": "traffic",
        "channel": "police",
        "title": "两车追尾人身损害赔偿",
        "received_at": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "2",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "50",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张伟",
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "李娜",
    }


def register_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "category": "traffic",
        "channel": "police",
        "body": s.body(side).pk,
        "title": "两车追尾人身损害赔偿",
        "received_at": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张伟"},
            {"role": "respondent", "kind": "person", "name": "李娜"},
        ],
    }


def delegation_json(s: Scene, side: str) -> dict[str, Any]:
    # The court is the caller's own (left out); the side is the body it delegates to.
    return {
        "kind": "delegation",
        "body": s.body(side).pk,
        "case_number": f"({TODAY.year}){s.world.court.code}民诉前调{301 if side == OWN else 302}号",
        "dispute": {
            "category": "financial",
            "title": "金融借款合同纠纷",
            "parties": [
                {"role": "applicant", "kind": "person", "name": "王芳"},
                {"role": "respondent", "kind": "person", "name": "李强"},
            ],
        },
    }


def litigation_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "kind": "litigation",
        "dispute": s.failed(side).pk,
        "court": s.court(side).pk,
        "reason": "调解不成，当事人起诉",
    }


def third_party_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "role": "third_party",
        "kind": "organization",
        "name": "某财产保险股份有限公司南昌分公司",
        "id_type": "uscc",
        "id_number": "91360100MA35ABCDE2",
        "organization_type": "insurer",
    }


# Minutes of the own case's sessions, each with a marker: a joint session the party attended, one
# they did not, and a caucus (背对背) they attended. Who reads which (mediation/cases/minutes.py):
# the body's staff everything, the court the joint sessions, the party the joint one they
# attended.
MINUTES = {
    "当事人到场的联合调解笔录": frozenset({*BODY_STAFF, ADMIN, COURT, PARTY}),
    "当事人缺席的联合调解笔录": frozenset({*BODY_STAFF, ADMIN, COURT}),
    "背对背：最多可赔付5000元，请勿告知申请人": frozenset({*BODY_STAFF, ADMIN}),
}


def sessions_with_minutes(s: Scene) -> None:
    dispute = s.case(OWN)
    applicant = s.applicant(OWN)
    for (minutes, readers), kind, attended in zip(
        MINUTES.items(), ("joint", "joint", "caucus"), (True, False, True), strict=True
    ):
        assert readers  # every marker is read by someone
        session = f.MediationSessionFactory(
            dispute=dispute, kind=kind, status="held", minutes=minutes
        )
        if attended:
            session.attendees.add(applicant)


def minutes_read_by_role(s: Scene, row: Row, response: Any) -> None:
    text = _text(response)
    for minutes, readers in MINUTES.items():
        wanted = row.side == OWN and row.role in readers
        assert (minutes in text) == wanted, f"minutes “{minutes}” {'not ' * wanted}shown"


def session_json(s: Scene, side: str) -> dict[str, Any]:
    at = timezone.now() + datetime.timedelta(days=3)
    return {"scheduled_at": at.isoformat(), "place": "第二调解室"}


def session_form(s: Scene, side: str) -> dict[str, Any]:
    at = timezone.localtime() + datetime.timedelta(days=3)
    return {
        "scheduled_at": at.strftime("%Y-%m-%dT%H:%M"),
        "place": "第二调解室",
        "status": "scheduled",
    }


def in_person_json(s: Scene, side: str) -> dict[str, Any]:
    applicant = s.applicant(side)
    return {
        "signatory": applicant.pk,
        "method": "in_person",
        "signer": applicant.pk,
        "signer_name": applicant.party.name,
        "image": SIGNATURE_IMAGE,
    }


def in_person_form(s: Scene, side: str) -> dict[str, Any]:
    applicant = s.applicant(side)
    return {
        "signatory": applicant.pk,
        "version": 1,
        "signer": applicant.pk,
        "signer_name": applicant.party.name,
        "image": SIGNATURE_IMAGE,
    }


def online_json(s: Scene, side: str) -> dict[str, Any]:
    return {"signatory": s.applicant(side).pk, "method": "online", "code": s.code(side)}


def online_form(s: Scene, side: str) -> dict[str, Any]:
    return {"signatory": s.applicant(side).pk, "version": 1, "code": s.code(side)}


def signatory(s: Scene, side: str) -> dict[str, Any]:
    return {"signatory": s.applicant(side).pk}


def agreement_json(s: Scene, side: str) -> dict[str, Any]:
    return {"clauses": ["被申请人一次性支付申请人人民币6000元。"], "expected_version": 1}


def agreement_form(s: Scene, side: str) -> dict[str, Any]:
    return {
        "expected_version": "1",
        "agreement_date": TODAY.isoformat(),
        "facts": "两车追尾，申请人受伤。",
        "disputed_matters": "赔偿数额",
        "responsibilities": "被申请人负全责",
        "performance": "一次性转账",
        "clause": ["被申请人一次性支付申请人人民币6000元。"],
        "obligations": "0",
    }


def extend_json(s: Scene, side: str) -> dict[str, Any]:
    return {
        "expected_state": "received",
        "days": 10,
        "consenting_parties": s.case_parties(side),
        "reason": "双方同意延长",
    }


def ledger_file(s: Scene, side: str) -> dict[str, Any]:
    content = "案件编号,纠纷类型\nFQ-L-1,traffic\n".encode()
    return {"file": SimpleUploadedFile("台账.csv", content, "text/csv"), "mode": "rows"}


def reason(text: str, **extra: Any) -> Data:
    return lambda s, side: {"reason": text, **extra}


def form(**values: Any) -> Data:
    return lambda s, side: values
