"""The world the schemathesis run of API v1 (test_api_schemathesis.py) sends its requests into.

Disputes in every state with parties and sessions, agreements, referrals both ways, made
through the API; a valid body for each write operation; and hooks that swap generated ids in
paths and bodies for ids of that world, so that requests get past the first lookup.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.schemas import APIOperation, BaseSchema

from courts.models import REFERRAL_TRANSITIONS, Referral
from documents.generation import available_kinds
from documents.models import Agreement, DocumentKind
from mediation.cases.models import Dispute
from parties.models import Party, PartyRole
from tests import factories as f
from tests.conftest import World, client_for
from tests.documents.helpers import IMAGE
from tests.mediation.helpers import ALL_STATES, SPEC_TRANSITIONS, dispute_in, valid_data


@dataclass
class Seeded:
    """Ids of the seeded objects for paths and bodies, valid bodies, and the callers' tokens."""

    disputes: list[int]
    agreements: list[int]  # disputes that have an agreement
    agreed: list[int]  # disputes waiting for signatures, with an agreement or (from before) not
    documents: list[tuple[int, str]]  # (dispute, kind) of each document a case has reached
    referrals: list[int]
    parties: list[int]
    bodies: list[int]
    courts: list[int]
    mediators: list[int]
    callers: dict[str, str]  # token -> who holds it
    valid_bodies: dict[str, list[dict[str, Any]]]  # operation label -> bodies it accepts


def _agreement_terms(dispute: Dispute) -> dict[str, Any]:
    applicant = dispute.case_parties.get(role=PartyRole.APPLICANT)
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    return {
        "facts": "2026年9月1日，双方车辆在东湖区发生碰撞。",
        "disputed_matters": "赔偿数额。",
        "responsibilities": "被申请人承担全部责任。",
        "clauses": ["双方就本纠纷再无其他争议。"],
        "obligations": [
            {
                "payer": respondent.pk,
                "payee": applicant.pk,
                "amount": "5000.00",
                "due_date": (timezone.localdate() + datetime.timedelta(days=15)).isoformat(),
            }
        ],
        "performance": "以银行转账方式支付至申请人账户。",
    }


def _delegation(world: World) -> dict[str, Any]:
    return {
        "kind": "delegation",
        "body": world.body.pk,
        "case_number": "(2026)赣0102民诉前调123号",
        "dispute": {
            "category": "financial",
            "title": "金融借款合同纠纷",
            "claimed_amount": "86000.00",
            "parties": [
                {"role": "applicant", "kind": "person", "name": "王芳"},
                {"role": "respondent", "kind": "person", "name": "李娜"},
            ],
        },
    }


def seed(world: World) -> Seeded:
    """A world as the API would have made it: cases in every state, agreements, referrals."""
    disputes = [dispute_in(world, state) for state in ALL_STATES]
    # A case of another body: the director must get 404 for it, the superuser not.
    foreign = f.DisputeFactory(body=world.other_body, mediator=world.other_mediator)
    f.CasePartyFactory(dispute=foreign, role=PartyRole.APPLICANT)
    f.CasePartyFactory(dispute=foreign, role=PartyRole.RESPONDENT)
    disputes.append(foreign)

    # Agreements are written through the API, as a mediator would: one being edited, one drafted
    # and waiting for signatures.
    mediator = client_for(world.mediator.user)
    editing, drafted = dispute_in(world, "mediating"), dispute_in(world, "mediating")
    for case in (editing, drafted):
        url = f"/api/v1/disputes/{case.pk}/agreement/"
        response = mediator.put(url, _agreement_terms(case), format="json")
        assert response.status_code == 200, response.data
    step = f"/api/v1/disputes/{drafted.pk}/transitions/draft_agreement/"
    response = mediator.post(step, {}, format="json")
    assert response.status_code == 200, response.data

    # Referrals both ways, through the API: a court's delegation, a body's referral to litigation.
    delegation = client_for(world.court_user).post(
        "/api/v1/referrals/", _delegation(world), format="json"
    )
    assert delegation.status_code == 201, delegation.data
    failed = dispute_in(world, "failed")
    referred = client_for(world.director).post(
        f"/api/v1/disputes/{failed.pk}/transitions/refer_to_court/",
        {"court": world.court.pk},
        format="json",
    )
    assert referred.status_code == 200, referred.data
    ids = [d.pk for d in [*disputes, editing, drafted, failed]] + [delegation.data["dispute"]["id"]]
    # As they are now, after the steps taken through the API.
    disputes = list(Dispute.objects.filter(pk__in=ids).order_by("pk"))

    # Broad access first (a superuser, a director of the body), then the other roles, whose
    # narrower views and permissions are paths of their own through the code.
    callers = {
        "superuser": world.admin,
        "director": world.director,
        "mediator": world.mediator.user,
        "court": world.court_user,
        "party": world.party_user,
    }
    return Seeded(
        disputes=[d.pk for d in disputes],
        agreements=list(Agreement.objects.values_list("dispute_id", flat=True)),
        agreed=[d.pk for d in disputes if d.state == "agreed"],
        documents=[(d.pk, kind) for d in disputes for kind in available_kinds(d)],
        referrals=list(Referral.objects.values_list("pk", flat=True)),
        parties=list(Party.objects.values_list("pk", flat=True)),
        bodies=[world.body.pk, world.other_body.pk],
        courts=[world.court.pk, world.other_court.pk],
        mediators=[world.mediator.pk, world.second_mediator.pk, world.other_mediator.pk],
        callers={AuthToken.objects.create(user=user)[1]: who for who, user in callers.items()},
        valid_bodies=_valid_bodies(
            world, editing, drafted, Dispute.objects.get(pk=delegation.data["dispute"]["id"])
        ),
    )


def _valid_bodies(
    world: World, editing: Dispute, drafted: Dispute, delegated: Dispute
) -> dict[str, list[dict[str, Any]]]:
    """Bodies each write operation accepts (for the right case and caller): random ones are
    nearly always refused by validation, so the code behind it would hardly ever run."""
    today = timezone.localdate()
    consenting = list(delegated.case_parties.values_list("pk", flat=True))
    signatory = drafted.case_parties.get(role=PartyRole.APPLICANT).pk
    states = {name: sources for name, (sources, _target) in SPEC_TRANSITIONS.items()}
    return {
        "POST /api/v1/auth/token/": [{"username": world.admin.username, "password": "pw"}],
        "POST /api/v1/disputes/": [
            {
                "category": "traffic",
                "channel": "walk_in",
                "body": world.body.pk,
                "title": "道路交通事故损害赔偿纠纷",
                "received_at": (today - datetime.timedelta(days=1)).isoformat(),
                "parties": [
                    {"role": "applicant", "kind": "person", "name": "王芳"},
                    {"role": "respondent", "kind": "person", "name": "李娜"},
                ],
            }
        ],
        "PATCH /api/v1/disputes/{id}/": [{"title": "交通事故纠纷(更正)"}, {"facts": "补充事实"}],
        "POST /api/v1/disputes/{id}/parties/": [
            {"role": "third_party", "kind": "person", "name": "赵敏"}
        ],
        "POST /api/v1/disputes/{id}/sessions/": [
            {
                "scheduled_at": (timezone.now() + datetime.timedelta(days=2)).isoformat(),
                "place": "第二调解室",
            }
        ],
        **{
            f"POST /api/v1/disputes/{{id}}/transitions/{name}/": [
                valid_data(world, name, sorted(sources)[0])
            ]
            for name, sources in states.items()
        },
        "PUT /api/v1/disputes/{dispute_id}/agreement/": [_agreement_terms(editing)],
        "POST /api/v1/disputes/{dispute_id}/agreement/signatures/": [
            {"signatory": signatory, "method": "in_person", "image": IMAGE}
        ],
        "POST /api/v1/disputes/{dispute_id}/agreement/signatures/code/": [{"signatory": signatory}],
        "POST /api/v1/referrals/": [
            _delegation(world),
            {"kind": "litigation", "dispute": editing.pk, "court": world.court.pk},
        ],
        "POST /api/v1/referrals/{id}/transitions/receive/": [{}],
        "POST /api/v1/referrals/{id}/transitions/return_referral/": [{"reason": "不属于受理范围"}],
        "POST /api/v1/referrals/{id}/transitions/file/": [{"case_number": "(2026)赣0102民初456号"}],
        "POST /api/v1/referrals/{id}/transitions/decide/": [
            {"decision": "mediated", "reason": "调解成功"}
        ],
        "POST /api/v1/referrals/{id}/transitions/extend/": [
            {"days": 10, "consenting_parties": consenting}
        ],
    }


def real_path_parameters(operation: APIOperation, seeded: Seeded) -> list[dict[str, Any]]:
    """Path parameters naming objects of the seeded world, for the operation."""
    path = operation.path
    wanted = set(re.findall(r"{(\w+)}", path))
    if wanted == {"dispute_id", "kind"}:
        # Documents the cases have reached, and some they have not (404).
        return [{"dispute_id": d, "kind": k} for d, k in seeded.documents] + [
            {"dispute_id": d, "kind": k} for d in seeded.disputes[:3] for k in DocumentKind.values
        ]
    if wanted == {"party_id"}:
        return [{"party_id": p} for p in seeded.parties]
    if wanted == {"dispute_id"}:
        # Agreement and signature endpoints answer 404 or 409 for most cases: favour the cases
        # with an agreement and those waiting for signatures.
        favoured = (seeded.agreements + seeded.agreed) * 3
        return [{"dispute_id": d} for d in favoured + seeded.disputes]
    pools: dict[str, tuple[list[int], list[str]]] = {
        "/api/v1/referrals/": (seeded.referrals, list(REFERRAL_TRANSITIONS)),
        "/api/v1/disputes/": (seeded.disputes, list(SPEC_TRANSITIONS)),
        "/api/v1/bodies/": (seeded.bodies, []),
        "/api/v1/courts/": (seeded.courts, []),
        "/api/v1/mediators/": (seeded.mediators, []),
    }
    for prefix, (ids, names) in pools.items():
        if path.startswith(prefix):
            if "name" in wanted:
                return [{"id": i, "name": n} for i in ids for n in names]
            return [{"id": i} for i in ids]
    return []


ID_PARAMETERS = {"id", "dispute_id", "party_id"}
# Fields of request bodies that hold the id of a seeded object, and where to find those ids.
BODY_IDS = {"body": "bodies", "court": "courts", "mediator": "mediators", "dispute": "disputes"}


def install_real_ids(schema: BaseSchema, seeded: Seeded) -> None:
    """Half of the time, generated ids in paths and bodies are swapped for ids of the seeded
    world. Values of the wrong type (the negative mode's) are left as generated."""

    def flatmap_path_parameters(context: Any, path_parameters: Any) -> Any:
        if not isinstance(path_parameters, dict):  # the negative mode may leave them out
            return st.just(path_parameters)
        real = real_path_parameters(context.operation, seeded)
        # An id of the wrong type stays (the negative mode's); a name next to it may be real.
        kept = {k for k, v in path_parameters.items() if k in ID_PARAMETERS and type(v) is not int}
        if not real or kept == set(path_parameters):
            return st.just(path_parameters)
        chosen = st.sampled_from(real).map(
            lambda c: {**path_parameters, **{k: v for k, v in c.items() if k not in kept}}
        )
        return st.one_of(st.just(path_parameters), chosen)

    def flatmap_body(context: Any, body: Any) -> Any:
        if not isinstance(body, dict):
            return st.just(body)
        fields = {
            name: st.sampled_from(getattr(seeded, pool))
            for name, pool in BODY_IDS.items()
            if type(body.get(name)) is int
        }
        if not fields:
            return st.just(body)
        chosen = st.fixed_dictionaries(fields).map(lambda c: {**body, **c})
        return st.one_of(st.just(body), chosen)

    schema.hooks.register_hook_with_name(flatmap_path_parameters, "flatmap_path_parameters")
    schema.hooks.register_hook_with_name(flatmap_body, "flatmap_body")
