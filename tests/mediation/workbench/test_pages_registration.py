"""Registering a case on the workbench (/cases/new/): the party rows, the errors next to their
fields, agents counted across removed rows, and the htmx row endpoint.
"""

from __future__ import annotations

import re

import pytest

from mediation.cases.models import Dispute
from parties.models import CaseParty, Party
from tests.conftest import World
from tests.mediation.workbench.helpers import (
    REGISTER,
    TODAY,
    case_url,
    days,
    html,
    management,
    party,
    party_rows,
    traffic_case,
    web,
)

# --- registration --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "director"])
def test_the_registration_page_starts_with_an_applicant_and_a_respondent(
    world: World, who: str
) -> None:
    answer = web(getattr(world, who)).get(REGISTER)

    assert answer.status_code == 200
    rows = party_rows(answer)
    assert sorted(rows) == [1, 2]
    assert '<option value="applicant" selected>' in rows[1]
    assert '<option value="respondent" selected>' in rows[2]
    assert 'hx-get="/cases/new/party-row/?index=2"' in html(answer)
    assert f'value="{TODAY:%Y-%m-%d}"' in html(answer)


@pytest.mark.parametrize("who", ["mediator", "other_director"])
def test_only_the_bodys_clerks_and_directors_register(world: World, who: str) -> None:
    user = getattr(world, who)
    client = web(user)
    if who == "mediator":
        assert client.get(REGISTER).status_code == 403
        assert client.post(REGISTER, traffic_case()).status_code == 403
        assert not Dispute.objects.exists()
    else:
        # Another body's director registers for their own body, never for ours.
        assert client.post(REGISTER, traffic_case()).status_code == 303
        assert Dispute.objects.get().body == world.other_body


def test_registering_a_traffic_case_with_three_parties(world: World) -> None:
    client = web(world.clerk)

    answer = client.post(REGISTER, traffic_case())

    assert answer.status_code == 303
    dispute = Dispute.objects.get()
    assert answer["Location"] == case_url(dispute)
    assert (dispute.state, dispute.category, dispute.channel, dispute.body) == (
        "registered",
        "traffic",
        "police",
        world.body,
    )
    assert str(dispute.claimed_amount) == "86000.00"
    parties = list(dispute.case_parties.select_related("party").order_by("id"))
    assert [(cp.role, cp.party.name) for cp in parties] == [
        ("applicant", "张伟"),
        ("respondent", "李娜"),
        ("third_party", "某财产保险股份有限公司南昌分公司"),
    ]
    assert parties[2].party.organization_type == "insurer"
    followed = html(client.get(answer["Location"]))
    assert f"Dispute {dispute.reference} has been registered." in followed
    assert "¥86,000.00" in followed


def test_a_bad_id_number_is_400_and_every_row_is_kept(world: World) -> None:
    data = traffic_case(
        **{
            "parties-0-id_number": "110105194912310021",  # wrong check digit
            "parties-1-phone": "12345",
        }
    )

    answer = web(world.clerk).post(REGISTER, data)

    assert answer.status_code == 400
    rows = party_rows(answer)
    assert sorted(rows) == [1, 2, 3]
    # Every row is checked at once, as the API checks every party before registering.
    assert "check digit" in rows[1]
    assert 'id="id_parties-1-phone_error"' in rows[2] and 'value="12345"' in rows[2]
    assert 'value="110105194912310021"' in rows[1]
    assert 'value="李娜"' in rows[2]
    assert 'value="某财产保险股份有限公司南昌分公司"' in rows[3]
    assert 'value="91360100MA35ABCDE2"' in rows[3]
    assert 'value="两车追尾人身损害赔偿"' in html(answer)
    assert not Dispute.objects.exists()
    assert not Party.objects.filter(name="李娜").exists()


def test_an_agent_for_a_later_party_is_400_on_the_agents_row(world: World) -> None:
    data = traffic_case(
        **management(4),
        **party(1, role="agent", kind="person", name="赵律师", represents=3),
        **party(3, role="respondent", kind="person", name="李娜"),
    )
    data.update(
        party(
            2,
            role="respondent",
            kind="person",
            name="王强",
            id_type="",
            id_number="",
            organization_type="",
        )
    )

    answer = web(world.clerk).post(REGISTER, data)

    assert answer.status_code == 400
    rows = party_rows(answer)
    assert "listed before this party" in rows[2]
    assert 'value="3"' in rows[2]
    assert "listed before" not in rows[1] + rows[3] + rows[4]
    assert not Dispute.objects.exists()


def test_an_agent_acts_for_an_earlier_party_counting_removed_rows(world: World) -> None:
    # Rows as shown: 1 applicant, 2 removed, 3 respondent, 4 insurer, 5 agent for row 3.
    data = {key: value for key, value in traffic_case().items() if not key.startswith("parties-")}
    data.update(
        {
            **management(5),
            **party(0, role="applicant", kind="person", name="张伟"),
            **party(1, role="respondent", kind="person", name="刘洋", DELETE="on"),
            **party(2, role="respondent", kind="person", name="李娜"),
            **party(3, role="third_party", kind="organization", name="某保险公司"),
            **party(4, role="agent", kind="person", name="赵律师", represents=3),
        }
    )

    answer = web(world.clerk).post(REGISTER, data)

    assert answer.status_code == 303, party_rows(answer)
    dispute = Dispute.objects.get()
    agent = CaseParty.objects.get(dispute=dispute, role="agent")
    assert agent.represents is not None and agent.represents.party.name == "李娜"
    assert not CaseParty.objects.filter(dispute=dispute, party__name="刘洋").exists()


def test_an_agent_for_a_removed_row_is_400(world: World) -> None:
    data = traffic_case(
        **management(4),
        **party(2, DELETE="on"),
        **party(3, role="agent", kind="person", name="赵律师", represents=3),
    )

    answer = web(world.clerk).post(REGISTER, data)

    assert answer.status_code == 400
    assert "Party 3 is not being registered." in party_rows(answer)[4]
    assert not Dispute.objects.exists()


def test_errors_of_the_parties_as_a_whole_and_of_the_court(world: World) -> None:
    no_applicant = traffic_case(**party(0, role="respondent", name="张伟"))
    answer = web(world.clerk).post(REGISTER, no_applicant)
    assert answer.status_code == 400
    assert "A dispute needs at least one applicant." in html(answer)

    delegated = traffic_case(channel="court_delegated", court=world.court.pk)
    answer = web(world.clerk).post(REGISTER, delegated)
    assert answer.status_code == 400
    assert 'class="court-fields shown"' in html(answer)
    court_fields = html(answer).split('class="court-fields shown"')[1].split("</fieldset>")[0]
    assert "A court-delegated case needs the court&#x27;s case number." in court_fields
    assert not Dispute.objects.exists()


def test_the_dispute_fields_errors_show_next_to_the_field(world: World) -> None:
    answer = web(world.clerk).post(
        REGISTER, traffic_case(received_at=str(days(3)), claimed_amount="-5")
    )

    assert answer.status_code == 400
    assert "Ensure this value is greater than or equal to 0." in html(answer)
    answer = web(world.clerk).post(REGISTER, traffic_case(received_at=str(days(3))))
    assert answer.status_code == 400
    assert "The date received cannot be in the future." in html(answer)
    assert not Dispute.objects.exists()


def test_adding_a_party_without_javascript_keeps_what_was_typed(world: World) -> None:
    data = traffic_case(action="add_party")

    answer = web(world.clerk).post(REGISTER, data)

    assert answer.status_code == 200
    rows = party_rows(answer)
    assert sorted(rows) == [1, 2, 3, 4]
    assert 'value="张伟"' in rows[1] and 'value="李娜"' in rows[2]
    assert 'name="parties-3-name"' in rows[4]
    assert 'name="parties-TOTAL_FORMS" value="4"' in html(answer)
    assert "errorlist" not in html(answer)
    assert not Dispute.objects.exists()


def test_the_htmx_row_endpoint_returns_one_more_row(world: World) -> None:
    client = web(world.clerk)

    answer = client.get(f"{REGISTER}party-row/", {"index": "3"}, headers={"HX-Request": "true"})

    assert answer.status_code == 200
    page = html(answer)
    assert 'name="parties-3-name"' in page and "Party 4" in page
    assert re.search(r'name="parties-TOTAL_FORMS" value="4"[^>]*hx-swap-oob="true"', page)
    assert 'hx-get="/cases/new/party-row/?index=4"' in page
    assert client.get(f"{REGISTER}party-row/", {"index": "x"}).status_code == 400
    assert client.get(f"{REGISTER}party-row/", {"index": "50"}).status_code == 400
