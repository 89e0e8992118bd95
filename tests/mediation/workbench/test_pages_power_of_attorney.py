"""An agent's special power of attorney (特别授权) recorded on the case page, where the agents are
listed: by the body's clerks and directors and the case's mediator, through the same service as
the API; a refusal shows the case page again with the message and what was typed."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from mediation.cases.models import Dispute
from parties.models import CaseParty, PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.helpers import dispute_in
from tests.mediation.workbench.helpers import case_url, html, web


def with_agent(world: World, state: str = "mediating") -> tuple[Dispute, CaseParty]:
    dispute = dispute_in(world, state)
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    agent = f.CasePartyFactory(dispute=dispute, role=PartyRole.AGENT, represents=respondent)
    return dispute, agent


def poa_url(dispute: Dispute, agent: CaseParty) -> str:
    return f"{case_url(dispute)}parties/{agent.pk}/power-of-attorney/"


def agent_row(answer: object, agent: CaseParty) -> str:
    found = re.search(
        rf'<li data-agent="{agent.pk}">(.*?)(?=<li data-agent=|</section>)', html(answer), re.S
    )
    assert found, "no row for the agent"
    return found.group(1)


def test_the_mediator_records_the_power_of_attorney_on_the_case_page(world: World) -> None:
    dispute, agent = with_agent(world)
    page = web(world.mediator).get(case_url(dispute))
    row = agent_row(page, agent)
    assert "No special authority on record" in row
    assert f'action="{poa_url(dispute, agent)}"' in row
    assert 'name="scope" value="confirmation"' in row

    answer = web(world.mediator).post(
        poa_url(dispute, agent),
        {"scope": ["sign", "confirmation"], "dated": "2026-11-01", "document": "授权委托书第7号"},
    )
    assert answer.status_code == 303
    agent.refresh_from_db()
    assert agent.authority_scope == ["sign", "confirmation"]
    assert agent.authority_date == datetime.date(2026, 11, 1)
    assert agent.authority_document == "授权委托书第7号"

    row = agent_row(web(world.mediator).get(case_url(dispute)), agent)
    assert "Sign the mediation agreement、Apply for judicial confirmation" in row
    assert "授权委托书第7号, 2026-11-01" in row


def test_a_refused_power_of_attorney_keeps_what_was_typed(world: World) -> None:
    dispute, agent = with_agent(world)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    answer = web(world.clerk).post(
        poa_url(dispute, agent), {"scope": ["confirmation"], "dated": future, "document": "委托书"}
    )
    assert answer.status_code == 400
    row = agent_row(answer, agent)
    assert "<details open>" in row
    assert "The power of attorney cannot be dated in the future." in row
    assert f'value="{future}"' in row and 'value="委托书"' in row
    assert re.search(r'value="confirmation"[^>]*checked', row)
    # The paper missing: the service's error next to its field, nothing written.
    answer = web(world.clerk).post(
        poa_url(dispute, agent), {"scope": ["confirmation"], "dated": "2026-11-01"}
    )
    assert answer.status_code == 400
    assert "Name the power of attorney" in agent_row(answer, agent)
    agent.refresh_from_db()
    assert agent.authority_scope == [] and agent.authority_date is None


def test_an_unknown_scope_is_a_field_error_not_a_crash(world: World) -> None:
    dispute, agent = with_agent(world)
    answer = web(world.director).post(
        poa_url(dispute, agent), {"scope": ["everything"], "dated": "2026-11-01", "document": "x"}
    )
    assert answer.status_code == 400
    assert "Select a valid choice" in agent_row(answer, agent)


def test_ticking_nothing_withdraws_the_special_authority(world: World) -> None:
    dispute, agent = with_agent(world)
    CaseParty.objects.filter(pk=agent.pk).update(
        authority_scope=["confirmation"],
        authority_date=datetime.date(2026, 11, 1),
        authority_document="委托书",
    )
    answer = web(world.mediator).post(poa_url(dispute, agent), {"document": "委托书"})
    assert answer.status_code == 303
    agent.refresh_from_db()
    assert (agent.authority_scope, agent.authority_date, agent.authority_document) == ([], None, "")


def test_who_may_record_it(world: World) -> None:
    dispute, agent = with_agent(world)
    data = {"scope": ["confirmation"], "dated": "2026-11-01", "document": "委托书"}
    # Another mediator of the body sees the case but is not its mediator: no form, and 403.
    page = web(world.second_mediator).get(case_url(dispute))
    assert "No special authority on record" in agent_row(page, agent)
    assert "data-power-of-attorney=" not in html(page)
    refused = web(world.second_mediator).post(poa_url(dispute, agent), data)
    assert refused.status_code == 403
    assert "Only the body&#x27;s clerk or director or the case&#x27;s mediator" in html(refused)
    # Another body's staff do not see the case at all.
    assert web(world.other_director).post(poa_url(dispute, agent), data).status_code == 404
    # A principal has no power of attorney to record; another case's agent is not this case's.
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    answer = web(world.clerk).post(poa_url(dispute, respondent), data)
    assert answer.status_code == 400
    assert "A power of attorney is recorded for an agent acting for a party." in html(answer)
    _other, stranger = with_agent(world)
    assert web(world.clerk).post(poa_url(dispute, stranger), data).status_code == 404
    agent.refresh_from_db()
    assert agent.authority_scope == []
