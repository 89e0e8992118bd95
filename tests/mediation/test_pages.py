"""The mediator workbench pages (/cases/): queue, case page and transitions, registration and the
directors' overview.

Driven with Django's test client in English, so the services' own messages can be matched. Cases
are built in any state with `dispute_in`; transitions through the pages are checked against the
database, never only against the HTML.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from documents.agreements import add_terms
from mediation.cases.models import Dispute, TransitionLog
from mediation.cases.selectors import available_transitions
from parties.models import CaseParty, Party, PartyRole
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient
from tests.mediation.helpers import dispute_in

TODAY = timezone.localdate()
QUEUE = "/cases/"
REGISTER = "/cases/new/"
OVERVIEW = "/cases/overview/"
APPLICANT_ID = "11010519491231002X"  # SPEC §7.1's example: valid check digit


@pytest.fixture(autouse=True)
def _keep_the_test_language() -> Any:
    # The English requests below activate English in this thread; later tests expect the default.
    language = translation.get_language()
    yield
    translation.activate(language)


def web(user: Any = None) -> Client:
    """A browser session (English) signed in as `user` (a User or a Mediator row)."""
    client = FormClient(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(getattr(user, "user", user))
    return client


def html(answer: Any) -> str:
    return answer.content.decode()


def listed(answer: Any) -> list[str]:
    """References of the queue's rows, in order."""
    return re.findall(r'<tr class="case[^"]*" data-case="([^"]+)"', html(answer))


def row_classes(answer: Any) -> dict[str, str]:
    return {
        ref: classes
        for classes, ref in re.findall(r'<tr class="(case[^"]*)" data-case="([^"]+)"', html(answer))
    }


def buttons(answer: Any) -> set[str]:
    """The transitions the case page offers a form for."""
    return set(re.findall(r'data-transition="([a-z_]+)"', html(answer)))


def case_url(dispute: Dispute) -> str:
    return f"{QUEUE}{dispute.pk}/"


def transition_url(dispute: Dispute, name: str) -> str:
    return f"{QUEUE}{dispute.pk}/transitions/{name}/"


def state_of(dispute: Dispute) -> str:
    return Dispute.objects.get(pk=dispute.pk).state


def case(world: World, state: str, reference: str, **overrides: Any) -> Dispute:
    return dispute_in(world, state, reference=reference, **overrides)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


# --- who may use the workbench -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(world: World) -> None:
    dispute = case(world, "registered", "FQ-A-1")
    for path in (QUEUE, case_url(dispute), REGISTER, OVERVIEW):
        answer = web().get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/accounts/login/?next=")
    answer = web().post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    assert answer.status_code == 302
    assert state_of(dispute) == "registered"


@pytest.mark.parametrize("who", ["court_user", "party_user", "analyst"])
def test_the_workbench_is_404_for_anyone_but_body_staff(world: World, who: str) -> None:
    # The party user is the applicant and the court user's court is the case's court: both may
    # see the case through the API or the court inbox, but the workbench is the body's.
    dispute = case(world, "registered", "FQ-A-1")
    client = web(getattr(world, who))
    for path in (QUEUE, case_url(dispute), REGISTER, OVERVIEW, f"{REGISTER}party-row/?index=2"):
        assert client.get(path).status_code == 404, path
    answer = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    assert answer.status_code == 404
    assert state_of(dispute) == "registered"


@pytest.mark.parametrize("who", ["clerk", "director", "mediator"])
def test_body_staff_open_the_queue_and_the_nav_links_it(world: World, who: str) -> None:
    answer = web(getattr(world, who)).get(QUEUE)
    assert answer.status_code == 200
    assert 'href="/cases/"' in html(answer)


def test_the_nav_and_home_page_show_only_the_users_areas(world: World) -> None:
    director_home = html(web(world.director).get("/"))
    assert 'data-area="workbench"' in director_home
    assert 'data-area="overview"' in director_home
    clerk_home = html(web(world.clerk).get("/"))
    assert 'data-area="workbench"' in clerk_home
    assert 'data-area="overview"' not in clerk_home
    court_home = html(web(world.court_user).get("/"))
    assert 'data-area="court"' in court_home
    assert 'data-area="workbench"' not in court_home
    assert 'href="/cases/"' not in court_home
    assert 'data-area="admin"' in html(web(world.admin).get("/"))


def test_another_bodys_case_is_404(world: World) -> None:
    theirs = case(world, "registered", "FQ-THEIRS", body=world.other_body, mediator=None)
    ours = case(world, "registered", "FQ-OURS", mediator=None)

    assert web(world.director).get(case_url(theirs)).status_code == 404
    assert web(world.other_director).get(case_url(ours)).status_code == 404
    assert "FQ-THEIRS" not in listed(web(world.director).get(QUEUE + "?tab=all"))
    assert listed(web(world.other_director).get(QUEUE + "?tab=all")) == ["FQ-THEIRS"]
    answer = web(world.other_director).post(
        transition_url(ours, "decline"), {"expected_state": "registered", "reason": "不受理"}
    )
    assert answer.status_code == 404
    assert state_of(ours) == "registered"


# --- the queue -----------------------------------------------------------------------------------


@pytest.fixture
def queue_cases(world: World) -> dict[str, Dispute]:
    """One case per kind of queue row, plus one of another body."""
    return {
        "mine": case(world, "mediating", "FQ-MINE"),
        "mine_overdue": case(
            world, "assigned", "FQ-MINE-LATE", deadline=days(-1), due_soon_on=days(-10)
        ),
        "mine_due_soon": case(
            world, "mediating", "FQ-MINE-SOON", deadline=days(3), due_soon_on=days(-1)
        ),
        "colleagues": case(world, "mediating", "FQ-COLLEAGUE", mediator=world.second_mediator),
        "new": case(world, "registered", "FQ-NEW", mediator=None, deadline=None, due_soon_on=None),
        "accepted": case(world, "accepted", "FQ-ACCEPTED", mediator=None),
        "agreed": case(world, "agreed", "FQ-AGREED", mediator=world.second_mediator),
        "closed_late": case(
            world, "closed", "FQ-CLOSED", deadline=days(-30), due_soon_on=days(-40)
        ),
        "theirs": case(
            world, "mediating", "FQ-THEIRS", body=world.other_body, mediator=world.other_mediator
        ),
    }


def medical_case(world: World) -> Dispute:
    """An unassigned medical case that differs from `queue_cases` in every filter."""
    return case(
        world,
        "registered",
        "FQ-MED",
        mediator=None,
        category="medical",
        channel="institution",
        track="administrative",
        title="术后感染赔偿",
        received_at=days(-40),
    )


def tab_count(answer: Any, tab: str) -> int | None:
    """The count a queue page shows beside a tab's name."""
    found = re.search(
        rf'data-tab="{tab}">\s*<a[^>]*>[^<]*</a> <span class="count">\((\d+)\)', html(answer)
    )
    return int(found.group(1)) if found else None


def test_a_mediators_queue_opens_on_their_own_open_cases(
    world: World, queue_cases: dict[str, Dispute]
) -> None:
    answer = web(world.mediator).get(QUEUE)

    assert answer.status_code == 200
    assert set(listed(answer)) == {"FQ-MINE", "FQ-MINE-LATE", "FQ-MINE-SOON"}
    # Sorted by deadline: the overdue one first.
    assert listed(answer) == ["FQ-MINE-LATE", "FQ-MINE-SOON", "FQ-MINE"]
    # Mediators do not distribute cases: no unassigned tab, and asking for it is bad input.
    assert 'data-tab="unassigned"' not in html(answer)
    assert web(world.mediator).get(QUEUE + "?tab=unassigned").status_code == 400


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("unassigned", {"FQ-NEW", "FQ-ACCEPTED"}),
        ("overdue", {"FQ-MINE-LATE"}),
        ("due_soon", {"FQ-MINE-SOON"}),
        ("agreed", {"FQ-AGREED"}),
        (
            "open",
            {"FQ-MINE", "FQ-MINE-LATE", "FQ-MINE-SOON", "FQ-COLLEAGUE", "FQ-NEW", "FQ-ACCEPTED"}
            | {"FQ-AGREED"},
        ),
        (
            "all",
            {"FQ-MINE", "FQ-MINE-LATE", "FQ-MINE-SOON", "FQ-COLLEAGUE", "FQ-NEW", "FQ-ACCEPTED"}
            | {"FQ-AGREED", "FQ-CLOSED"},
        ),
    ],
)
def test_queue_tabs_list_the_right_cases(
    world: World, queue_cases: dict[str, Dispute], tab: str, expected: set[str]
) -> None:
    answer = web(world.director).get(QUEUE, {"tab": tab})

    assert answer.status_code == 200
    assert set(listed(answer)) == expected
    # The tab's count agrees with its list.
    assert tab_count(answer, tab) == len(expected)


def test_a_directors_queue_opens_on_the_unassigned_cases(
    world: World, queue_cases: dict[str, Dispute]
) -> None:
    assert set(listed(web(world.clerk).get(QUEUE))) == {"FQ-NEW", "FQ-ACCEPTED"}


def test_deadlines_are_marked_with_a_class_and_a_word(
    world: World, queue_cases: dict[str, Dispute]
) -> None:
    answer = web(world.mediator).get(QUEUE)
    classes = row_classes(answer)

    assert classes["FQ-MINE-LATE"].split() == ["case", "overdue"]
    assert classes["FQ-MINE-SOON"].split() == ["case", "due-soon"]
    assert classes["FQ-MINE"].split() == ["case"]
    rows = dict(re.findall(r'data-case="([^"]+)">(.*?)</tr>', html(answer), flags=re.S))
    assert '<span class="badge overdue">Overdue</span>' in rows["FQ-MINE-LATE"]
    assert '<span class="badge due-soon">Due soon</span>' in rows["FQ-MINE-SOON"]
    assert "badge overdue" not in rows["FQ-MINE"] and "badge due-soon" not in rows["FQ-MINE"]
    # A concluded case past its old deadline is not overdue.
    all_classes = row_classes(web(world.director).get(QUEUE, {"tab": "all"}))
    assert all_classes["FQ-CLOSED"].split() == ["case"]


def test_queue_filters(world: World, queue_cases: dict[str, Dispute]) -> None:
    medical = medical_case(world)
    insurer = f.OrganizationFactory(name="某财产保险股份有限公司南昌分公司")
    f.CasePartyFactory(dispute=medical, party=insurer, role=PartyRole.THIRD_PARTY)
    client = web(world.director)

    def refs(**params: str) -> set[str]:
        answer = client.get(QUEUE, {"tab": "all", **params})
        assert answer.status_code == 200, params
        return set(listed(answer))

    assert refs(category="medical") == {"FQ-MED"}
    assert refs(channel="institution") == {"FQ-MED"}
    assert refs(track="administrative") == {"FQ-MED"}
    assert refs(state="agreed") == {"FQ-AGREED"}
    assert refs(state="registered") == {"FQ-NEW", "FQ-MED"}
    assert refs(q="术后") == {"FQ-MED"}
    assert refs(q="fq-med") == {"FQ-MED"}
    assert refs(q="南昌分公司") == {"FQ-MED"}
    assert refs(received_to=str(days(-30))) == {"FQ-MED"}
    assert "FQ-MED" not in refs(received_from=str(days(-30)))
    assert refs(mediator=str(world.second_mediator.pk)) == {"FQ-COLLEAGUE", "FQ-AGREED"}
    assert refs(state="registered", category="traffic") == {"FQ-NEW"}
    # Filters combine with the tab.
    assert set(listed(client.get(QUEUE, {"tab": "unassigned", "category": "medical"}))) == {
        "FQ-MED"
    }


@pytest.mark.parametrize(
    ("viewer", "params", "kept"),
    [
        ("director", {}, True),
        ("director", {"category": "medical"}, True),
        ("director", {"channel": "institution", "track": "administrative"}, True),
        ("director", {"mediator": "second", "category": "traffic"}, True),
        ("director", {"state": "registered"}, False),
        ("director", {"q": "术后"}, False),
        ("director", {"received_from": "-50"}, False),
        ("admin", {}, True),
        ("admin", {"category": "traffic"}, True),
    ],
)
def test_the_all_tabs_count_is_its_lists_and_comes_from_the_kept_figures_when_it_can(
    world: World, queue_cases: dict[str, Dispute], viewer: str, params: dict[str, str], kept: bool
) -> None:
    """A body's "all" count is read from the kept figures when every filter is a slice's
    dimension (a body's whole history counted at every visit, otherwise); either way it is the
    length of the list."""
    medical_case(world)
    if params.get("mediator") == "second":
        params = {**params, "mediator": str(world.second_mediator.pk)}
    if "received_from" in params:
        params = {**params, "received_from": str(days(int(params["received_from"])))}
    client = web(world.admin if viewer == "admin" else world.director)
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(QUEUE, {"tab": "all", **params})
    assert answer.status_code == 200
    assert tab_count(answer, "all") == len(listed(answer)) > 0
    read_kept = any("mediation_figureslice" in q["sql"] for q in captured.captured_queries)
    assert read_kept == kept


def test_bad_filters_are_400_with_the_error_next_to_the_field(world: World) -> None:
    answer = web(world.director).get(QUEUE, {"received_from": "yesterday", "state": "nonsense"})

    assert answer.status_code == 400
    assert "Enter a valid date." in html(answer)
    assert 'value="yesterday"' in html(answer)
    answer = web(world.director).get(
        QUEUE, {"received_from": str(days(-1)), "received_to": str(days(-5))}
    )
    assert answer.status_code == 400
    assert "The end of the range is before its start." in html(answer)


def test_queue_sorting(world: World) -> None:
    case(world, "mediating", "FQ-B", deadline=days(5), received_at=days(-3))
    case(world, "registered", "FQ-C", deadline=days(20), received_at=days(-1), mediator=None)
    case(world, "agreed", "FQ-A", deadline=days(10), received_at=days(-2))
    client = web(world.director)

    def order(sort: str) -> list[str]:
        return listed(client.get(QUEUE, {"tab": "all", "sort": sort}))

    assert order("reference") == ["FQ-A", "FQ-B", "FQ-C"]
    assert order("-reference") == ["FQ-C", "FQ-B", "FQ-A"]
    assert order("deadline") == ["FQ-B", "FQ-A", "FQ-C"]
    assert order("-deadline") == ["FQ-C", "FQ-A", "FQ-B"]
    assert order("received") == ["FQ-B", "FQ-A", "FQ-C"]
    assert order("-received") == ["FQ-C", "FQ-A", "FQ-B"]
    # By state in the order of the lifecycle: registered, mediating, agreed.
    assert order("state") == ["FQ-C", "FQ-B", "FQ-A"]
    assert order("-state") == ["FQ-A", "FQ-B", "FQ-C"]
    answer = client.get(QUEUE, {"tab": "all", "sort": "reference"})
    assert re.search(
        r'<th scope="col" aria-sort="ascending"><a href="\?[^"]*sort=-reference', html(answer)
    )


def test_rows_show_parties_names_but_no_personal_numbers(world: World) -> None:
    dispute = case(world, "mediating", "FQ-ROW")
    applicant = world.party
    answer = web(world.director).get(QUEUE, {"tab": "all"})

    row = re.search(r'data-case="FQ-ROW">(.*?)</tr>', html(answer), flags=re.S)
    assert row is not None
    assert applicant.name in row.group(1)
    for cp in dispute.case_parties.select_related("party"):
        assert cp.party.name in row.group(1)
        assert cp.party.id_number not in html(answer)
        assert cp.party.phone not in html(answer)


def test_the_queue_is_paginated_by_25(world: World) -> None:
    for n in range(30):
        case(world, "mediating", f"FQ-P-{n:02d}")
    client = web(world.director)

    first = client.get(QUEUE, {"tab": "all", "sort": "reference"})
    second = client.get(QUEUE, {"tab": "all", "sort": "reference", "page": "2"})

    assert len(listed(first)) == 25
    assert listed(second) == [f"FQ-P-{n:02d}" for n in range(25, 30)]
    assert "Page 2 of 2" in html(second)


def test_the_queue_costs_the_same_queries_for_more_rows(world: World) -> None:
    def queries() -> int:
        client = web(world.director)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE, {"tab": "all"}).status_code == 200
        return len(captured)

    for n in range(2):
        case(world, "mediating", f"FQ-Q-{n}")
    few = queries()
    for n in range(2, 14):
        case(world, "mediating", f"FQ-Q-{n}")
    assert queries() == few


# --- the case page -------------------------------------------------------------------------------


def test_the_case_page_shows_the_case(world: World) -> None:
    dispute = case(world, "mediating", "FQ-CASE", title="两车追尾人身损害赔偿")
    applicant = world.party
    client = web(world.director)
    answer = client.get(case_url(dispute))

    assert answer.status_code == 200
    page = html(answer)
    assert "FQ-CASE" in page and "两车追尾人身损害赔偿" in page
    assert "¥10,000.00" in page  # the factory's claimed amount
    # The body's staff see personal numbers in full.
    assert applicant.id_number in page and applicant.phone in page
    assert "第一调解室" in page  # the session's place
    assert world.mediator.display_name in page


def test_the_timeline_referrals_and_documents(world: World) -> None:
    dispute = case(world, "registered", "FQ-TL", mediator=None)
    client = web(world.clerk)
    client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    director = web(world.director)
    director.post(
        transition_url(dispute, "assign"),
        {"expected_state": "accepted", "mediator": world.mediator.pk, "track": "people"},
    )

    page = html(director.get(case_url(dispute)))

    log = page[page.index('id="log-heading"') :]
    assert "Accept" in log and "Assign" in log
    assert "Registered → Accepted" in log and "Accepted → Assigned" in log
    assert f"Mediator: {world.mediator.display_name}" in log
    # Accepted: the acceptance notice is available, from the API's PDF address.
    assert f'href="/api/v1/disputes/{dispute.pk}/documents/acceptance_notice/pdf/"' in page


def test_a_referral_of_the_case_is_listed(world: World) -> None:
    from courts import services as court_services

    dispute = case(world, "failed", "FQ-REF")
    referral = court_services.send_referral(
        actor=world.director, dispute_id=dispute.pk, kind="litigation", court=world.court
    )

    page = html(web(world.director).get(case_url(dispute)))

    assert f'href="/court/referrals/{referral.pk}/"' in page
    assert "Referral to litigation" in page and world.court.name in page


def test_the_agreement_status_shows_who_has_signed(world: World) -> None:
    dispute = case(world, "agreed", "FQ-AGR")
    add_terms(dispute, "被申请人一次性支付申请人人民币5000元。", actor=None)

    page = html(web(world.mediator).get(case_url(dispute)))

    assert "被申请人一次性支付申请人人民币5000元。" in page
    assert page.count("Not signed yet") == 2  # applicant and respondent


def with_agreement(dispute: Dispute) -> Dispute:
    add_terms(dispute, "被申请人一次性支付申请人人民币5000元。", actor=None)
    return dispute


# (state, who, extra setup) → exactly these buttons, and they are those of the FSM.
BUTTON_CASES = [
    ("registered", "clerk", None, {"accept", "withdraw"}),
    ("registered", "director", None, {"accept", "decline"}),
    ("registered", "mediator", None, {"withdraw"}),
    ("accepted", "director", None, {"assign"}),
    ("accepted", "clerk", None, {"withdraw"}),
    ("assigned", "director", None, {"reassign", "fail"}),
    ("assigned", "mediator", None, {"start", "fail", "withdraw"}),
    ("mediating", "mediator", None, {"fail", "withdraw"}),
    ("mediating", "mediator", with_agreement, {"draft_agreement", "fail", "withdraw"}),
    ("mediating", "director", None, {"reassign", "fail"}),
    ("mediating", "second_mediator", None, set()),
    ("agreed", "mediator", with_agreement, {"revise", "fail", "withdraw"}),
    ("signed", "mediator", None, {"apply_confirmation", "close"}),
    ("signed", "clerk", None, set()),
    ("failed", "director", None, {"refer_to_court", "close"}),
    ("closed", "director", None, set()),
]


@pytest.mark.parametrize(("state", "who", "setup", "expected"), BUTTON_CASES)
def test_the_buttons_are_exactly_the_transitions_the_user_may_take(
    world: World, state: str, who: str, setup: Any, expected: set[str]
) -> None:
    dispute = case(world, state, "FQ-BTN")
    if setup is not None:
        setup(dispute)
    user = getattr(world, who)
    user = getattr(user, "user", user)

    answer = web(user).get(case_url(dispute))

    assert answer.status_code == 200
    assert buttons(answer) == expected
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert buttons(answer) == {t.name for t in available_transitions(fresh, user)}
    if not expected:
        assert "There is nothing for you to do on this case now." in html(answer)


def test_transition_forms_carry_the_state_seen_and_guard_against_double_clicks(
    world: World,
) -> None:
    dispute = case(world, "registered", "FQ-FORM", mediator=None)
    page = html(web(world.director).get(case_url(dispute)))

    form = re.search(r'<form[^>]*data-transition="decline"[^>]*>(.*?)</form>', page, flags=re.S)
    assert form is not None
    assert 'name="expected_state" value="registered"' in form.group(1)
    assert re.search(r'<form[^>]*data-transition="decline"[^>]*hx-disabled-elt=', page)
    assert re.search(r'<label for="id_decline_reason">', form.group(1))


# --- taking transitions --------------------------------------------------------------------------


def test_accepting_redirects_to_the_case_with_a_message(world: World) -> None:
    dispute = case(world, "registered", "FQ-ACC", mediator=None)
    client = web(world.clerk)

    answer = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})

    assert answer.status_code == 303
    assert answer["Location"] == case_url(dispute)
    assert state_of(dispute) == "accepted"
    entry = TransitionLog.objects.filter(dispute=dispute, transition="accept").get()
    assert entry.actor == world.clerk
    followed = client.get(answer["Location"])
    assert "“Accept” has been recorded." in html(followed)
    assert 'data-state="accepted"' in html(followed)


def test_assigning_a_mediator(world: World) -> None:
    dispute = case(world, "accepted", "FQ-ASSIGN", mediator=None, track="")
    page = html(web(world.director).get(case_url(dispute)))
    options = re.search(
        r'<select name="mediator"[^>]*id="id_assign_mediator"[^>]*>(.*?)</select>', page, flags=re.S
    )
    assert options is not None
    assert world.mediator.display_name in options.group(1)
    assert world.other_mediator.display_name not in options.group(1)  # another body's

    answer = web(world.director).post(
        transition_url(dispute, "assign"),
        {"expected_state": "accepted", "mediator": world.second_mediator.pk, "track": "people"},
    )

    assert answer.status_code == 303
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.state, fresh.mediator_id, fresh.track) == (
        "assigned",
        world.second_mediator.pk,
        "people",
    )


def test_a_missing_reason_is_400_next_to_the_field_and_changes_nothing(world: World) -> None:
    dispute = case(world, "registered", "FQ-DECL", mediator=None)

    answer = web(world.director).post(
        transition_url(dispute, "decline"), {"expected_state": "registered", "reason": "  "}
    )

    assert answer.status_code == 400
    form = re.search(r'<form[^>]*data-transition="decline"[^>]*>(.*?)</form>', html(answer), re.S)
    assert form is not None and "A reason is required." in form.group(1)
    assert '<details class="step" open>' in html(answer)
    assert state_of(dispute) == "registered"
    assert not TransitionLog.objects.filter(dispute=dispute, transition="decline").exists()


def test_a_service_refusal_keeps_what_was_typed(world: World) -> None:
    dispute = case(world, "assigned", "FQ-REASSIGN")

    # Reassigning to the same mediator and track changes nothing: the service refuses it.
    answer = web(world.director).post(
        transition_url(dispute, "reassign"),
        {
            "expected_state": "assigned",
            "mediator": world.mediator.pk,
            "track": "people",
            "reason": "当事人申请回避",
        },
    )

    assert answer.status_code == 400
    form = re.search(r'<form[^>]*data-transition="reassign"[^>]*>(.*?)</form>', html(answer), re.S)
    assert form is not None
    assert "Reassigning must change the mediator, body or track." in form.group(1)
    assert "当事人申请回避</textarea>" in form.group(1)
    assert Dispute.objects.get(pk=dispute.pk).mediator_id == world.mediator.pk


def test_an_unknown_choice_is_400(world: World) -> None:
    dispute = case(world, "signed", "FQ-CLOSE")

    answer = web(world.mediator).post(
        transition_url(dispute, "close"), {"expected_state": "signed", "outcome": "court_decided"}
    )

    assert answer.status_code == 400  # not an outcome for a signed case
    assert state_of(dispute) == "signed"
    answer = web(world.mediator).post(
        transition_url(dispute, "close"), {"expected_state": "signed", "outcome": "performed"}
    )
    assert answer.status_code == 303
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.state, fresh.close_outcome) == ("closed", "performed")


def test_a_double_click_acts_once_and_answers_409_with_the_case_as_it_is(world: World) -> None:
    dispute = case(world, "registered", "FQ-TWICE", mediator=None)
    client = web(world.clerk)

    first = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})
    second = client.post(transition_url(dispute, "accept"), {"expected_state": "registered"})

    assert first.status_code == 303
    assert second.status_code == 409
    page = html(second)
    assert "This case has changed: it is now “Accepted”." in page
    assert f'href="{case_url(dispute)}">Reload</a>' in page
    assert 'data-state="accepted"' in page
    assert "accept" not in buttons(second)
    assert TransitionLog.objects.filter(dispute=dispute, transition="accept").count() == 1


def test_a_second_click_on_close_is_409_not_a_form_error(world: World) -> None:
    # Once closed, "close" has no outcomes to choose from: the stale click still reads as such.
    dispute = case(world, "failed", "FQ-CLOSE-TWICE")
    client = web(world.director)
    data = {"expected_state": "failed", "outcome": "no_further_action"}

    assert client.post(transition_url(dispute, "close"), data).status_code == 303
    second = client.post(transition_url(dispute, "close"), data)

    assert second.status_code == 409
    assert "This case has changed: it is now “Closed”." in html(second)
    assert TransitionLog.objects.filter(dispute=dispute, transition="close").count() == 1


def test_a_stale_page_cannot_act_on_a_moved_case(world: World) -> None:
    # The director's page still says "registered" after the clerk accepted.
    dispute = case(world, "registered", "FQ-STALE", mediator=None)
    web(world.clerk).post(transition_url(dispute, "accept"), {"expected_state": "registered"})

    answer = web(world.director).post(
        transition_url(dispute, "decline"), {"expected_state": "registered", "reason": "超出范围"}
    )

    assert answer.status_code == 409
    assert state_of(dispute) == "accepted"
    assert buttons(answer) == {"assign"}


def test_an_unmet_guard_is_409_with_the_reason(world: World) -> None:
    dispute = case(world, "assigned", "FQ-GUARD")
    dispute.sessions.all().delete()

    answer = web(world.mediator).post(
        transition_url(dispute, "start"), {"expected_state": "assigned"}
    )

    assert answer.status_code == 409
    assert "No mediation session has been scheduled or held." in html(answer)
    assert state_of(dispute) == "assigned"


def test_a_transition_the_user_may_not_take_is_403(world: World) -> None:
    dispute = case(world, "registered", "FQ-403", mediator=None)

    answer = web(world.mediator).post(
        transition_url(dispute, "decline"), {"expected_state": "registered", "reason": "不受理"}
    )

    assert answer.status_code == 403
    assert "You may not “Decline” this case." in html(answer)
    assert state_of(dispute) == "registered"


def test_unknown_transitions_and_get_requests(world: World) -> None:
    dispute = case(world, "agreed", "FQ-404")
    client = web(world.mediator)

    assert client.post(transition_url(dispute, "nonsense"), {}).status_code == 404
    # `sign` is fired by the last signature, never by a button.
    assert (
        client.post(transition_url(dispute, "sign"), {"expected_state": "agreed"}).status_code
        == 404
    )
    assert client.get(transition_url(dispute, "revise")).status_code == 405
    assert client.get(f"{QUEUE}999999/").status_code == 404
    assert state_of(dispute) == "agreed"


def test_recording_the_agreement(world: World) -> None:
    dispute = with_agreement(case(world, "mediating", "FQ-DRAFT"))

    answer = web(world.mediator).post(
        transition_url(dispute, "draft_agreement"), {"expected_state": "mediating", "terms": ""}
    )

    assert answer.status_code == 303
    assert state_of(dispute) == "agreed"


def test_referring_to_court_offers_the_courts(world: World) -> None:
    dispute = case(world, "failed", "FQ-SUE")
    page = html(web(world.director).get(case_url(dispute)))
    assert world.court.name in page and world.other_court.name in page

    answer = web(world.director).post(
        transition_url(dispute, "refer_to_court"),
        {"expected_state": "failed", "court": world.court.pk},
    )

    assert answer.status_code == 303
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert (fresh.state, fresh.court_id) == ("referred", world.court.pk)


# --- registration --------------------------------------------------------------------------------


def management(total: int, initial: int = 2) -> dict[str, str]:
    return {
        "parties-TOTAL_FORMS": str(total),
        "parties-INITIAL_FORMS": str(initial),
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "50",
    }


def party(index: int, **fields: Any) -> dict[str, str]:
    return {f"parties-{index}-{name}": str(value) for name, value in fields.items()}


def traffic_case(**overrides: Any) -> dict[str, str]:
    """SPEC §7.1's example as the registration form posts it."""
    data = {
        "action": "register",
        "category": "traffic",
        "channel": "police",
        "title": "两车追尾人身损害赔偿",
        "facts": "2026年3月1日，两车在八一大道追尾，申请人受伤。",
        "claimed_amount": "86000.00",
        "received_at": str(days(-1)),
        **management(3),
        **party(
            0,
            role="applicant",
            kind="person",
            name="张伟",
            id_type="resident_id",
            id_number=APPLICANT_ID,
            phone="13800138000",
        ),
        **party(1, role="respondent", kind="person", name="李娜"),
        **party(
            2,
            role="third_party",
            kind="organization",
            name="某财产保险股份有限公司南昌分公司",
            id_type="uscc",
            id_number="91360100MA35ABCDE2",
            organization_type="insurer",
        ),
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def party_rows(answer: Any) -> dict[int, str]:
    """Each party row's HTML by the number shown."""
    parts = re.split(
        r'<fieldset class="party-row" id="party-row-\d+" data-party-row="(\d+)">', html(answer)
    )
    return {int(parts[i]): parts[i + 1].split("</fieldset>")[0] for i in range(1, len(parts), 2)}


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


# --- the directors' overview ---------------------------------------------------------------------


def test_the_overview_counts_the_bodys_cases(world: World) -> None:
    case(world, "registered", "FQ-O1", mediator=None)
    case(world, "registered", "FQ-O2", mediator=None, deadline=days(-2), due_soon_on=days(-9))
    case(world, "mediating", "FQ-O3", deadline=days(-1), due_soon_on=days(-8))
    case(world, "mediating", "FQ-O4", deadline=days(2), due_soon_on=days(-1))
    case(world, "assigned", "FQ-O5")
    case(world, "agreed", "FQ-O6", mediator=world.second_mediator, deadline=days(-5))
    case(world, "closed", "FQ-O7", deadline=days(-50))
    case(world, "mediating", "FQ-THEIRS", body=world.other_body, mediator=world.other_mediator)

    answer = web(world.director).get(OVERVIEW)

    assert answer.status_code == 200
    page = html(answer)
    state_row = r'data-state="([a-z_]+)">\s*<th scope="row">[^<]*</th>\s*'
    by_state = dict(re.findall(state_row + r'<td class="number">(?:<a [^>]*>)?(\d+)', page))
    assert by_state == {
        "registered": "2",
        "accepted": "0",
        "assigned": "1",
        "mediating": "2",
        "agreed": "1",
        "signed": "0",
        "confirming": "0",
        "confirmed": "0",
        "failed": "0",
        "referred": "0",
        "declined": "0",
        "withdrawn": "0",
        "closed": "1",
    }
    assert 'href="/cases/?tab=all&amp;state=mediating">2</a>' in page

    def load(key: str) -> list[str]:
        row = re.search(rf'data-mediator="{key}">(.*?)</tr>', page, flags=re.S)
        assert row is not None
        return re.findall(r">(\d+)<", row.group(1))

    # open, due soon, overdue
    assert load(str(world.mediator.pk)) == ["3", "1", "1"]  # O3, O4, O5 (O7 is closed)
    assert load(str(world.second_mediator.pk)) == ["1", "0", "1"]
    assert load("none") == ["2", "0", "1"]
    assert f'href="/cases/?tab=overdue&amp;mediator={world.mediator.pk}">1</a>' in page
    assert re.search(r'data-total="overdue"[^>]*><a [^>]*>Overdue <strong>3</strong>', page)
    # The link leads to a queue that lists the same cases.
    listed_overdue = listed(
        web(world.director).get(QUEUE, {"tab": "overdue", "mediator": world.mediator.pk})
    )
    assert listed_overdue == ["FQ-O3"]


@pytest.mark.parametrize("who", ["clerk", "mediator"])
def test_the_overview_is_for_directors(world: World, who: str) -> None:
    assert web(getattr(world, who)).get(OVERVIEW).status_code == 403


def test_the_overview_costs_the_same_queries_for_more_cases(world: World) -> None:
    def queries() -> int:
        client = web(world.director)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(OVERVIEW).status_code == 200
        return len(captured)

    case(world, "mediating", "FQ-V-0")
    few = queries()
    for n in range(1, 12):
        case(
            world,
            "mediating",
            f"FQ-V-{n}",
            mediator=world.second_mediator if n % 2 else world.mediator,
        )
    assert queries() == few


def test_the_pages_speak_chinese_by_default(world: World) -> None:
    client = Client()
    client.force_login(world.director)
    page = client.get(QUEUE).content.decode()
    assert 'lang="zh-hans"' in page


@pytest.mark.parametrize(
    ("who", "area"),
    [
        ("clerk", "/cases/"),
        ("mediator", "/cases/"),
        ("court_user", "/court/referrals/"),
        ("party_user", "/portal/"),
        ("analyst", "/dashboard/"),
    ],
)
def test_after_signing_in_each_role_lands_in_its_area(
    world: World, client: Any, who: str, area: str
) -> None:
    user = world.mediator.user if who == "mediator" else getattr(world, who)
    client.force_login(user)
    assert client.get("/start/")["Location"] == area


def test_a_mediator_finds_their_calendar_feed_on_the_queue(world: World, client: Any) -> None:
    client.force_login(world.mediator.user)
    page = client.get("/cases/").content.decode()
    world.mediator.refresh_from_db()
    assert f"/calendar/mediators/{world.mediator.calendar_token}.ics" in page
    client.force_login(world.clerk)
    assert 'id="calendar-feed"' not in client.get("/cases/").content.decode()


def _scheduled_session(world: World, dispute: Dispute, hours: int) -> Any:
    return f.MediationSessionFactory(
        dispute=dispute,
        status="scheduled",
        minutes="",
        scheduled_at=timezone.now() + datetime.timedelta(hours=hours),
    )


def test_after_a_session_the_mediator_records_its_minutes(world: World) -> None:
    dispute = case(world, "mediating", "FQ-MIN")
    past = _scheduled_session(world, dispute, hours=-2)
    future = _scheduled_session(world, dispute, hours=30)
    mediator = web(world.mediator)
    url = f"{case_url(dispute)}sessions/{past.pk}/"

    page = html(mediator.get(case_url(dispute)))
    assert f'data-outcome="{past.pk}"' in page and f'data-outcome="{future.pk}"' in page

    empty = mediator.post(url, {"status": "held", "minutes": "  "})
    assert empty.status_code == 400 and 'id="id_outcome' in html(empty)
    not_yet = mediator.post(
        f"{case_url(dispute)}sessions/{future.pk}/", {"status": "held", "minutes": "x"}
    )
    assert not_yet.status_code == 400
    assert web(world.clerk).post(url, {"status": "held", "minutes": "x"}).status_code == 403
    assert (
        web(world.other_director).post(url, {"status": "held", "minutes": "x"}).status_code == 404
    )

    done = mediator.post(url, {"status": "held", "minutes": "双方陈述意见，同意继续协商。"})
    assert done.status_code == 303
    past.refresh_from_db()
    assert (past.status, past.minutes) == ("held", "双方陈述意见，同意继续协商。")
    assert mediator.post(url, {"status": "cancelled"}).status_code == 409  # recorded already
    assert "双方陈述意见" in html(mediator.get(case_url(dispute)))
