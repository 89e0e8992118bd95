"""A party's history on its page lists, beside its record's particulars, the changes of its place
in the case: its role, whom it acts for, its power of attorney — who changed them and when."""

from __future__ import annotations

import re

from parties.models import PartyRole
from tests import factories as f
from tests.conftest import World
from tests.mediation.workbench.helpers import case, case_url, html, web


def history_rows(page: str) -> list[str]:
    table = re.search(r"<table class=\"audit\" data-party-history>(.*?)</table>", page, re.S)
    assert table
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]  # after the heading
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_a_role_change_and_a_power_of_attorney_are_in_the_partys_history(world: World) -> None:
    dispute = case(world, "registered", "FQ-H-1")
    respondent = dispute.case_parties.get(role=PartyRole.RESPONDENT)
    helper = f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    url = f"{case_url(dispute)}parties/{helper.pk}/"
    client = web(world.clerk)

    before = history_rows(html(client.get(url)))
    record = helper.party
    changed = client.post(
        url,
        {
            "name": record.name,
            "id_type": record.id_type,
            "id_number": record.id_number,
            "phone": record.phone,
            "role": "agent",
            "represents": respondent.pk,
        },
    )
    assert changed.status_code == 303
    recorded = client.post(
        f"{url}power-of-attorney/",
        {"scope": ["confirmation"], "dated": "2026-11-01", "document": "授权委托书第3号"},
    )
    assert recorded.status_code == 303

    rows = history_rows(html(client.get(url)))
    assert len(rows) > len(before)
    who = world.clerk.last_name + world.clerk.first_name or world.clerk.username
    newest = rows[0]  # newest first: the power of attorney
    assert "special authority: — → Apply for judicial confirmation" in newest
    assert "power of attorney (document reference): — → 授权委托书第3号" in newest
    role_change = next(row for row in rows if "role: Third party → Agent" in row)
    assert f"represents: — → {respondent.party.name}" in role_change
    assert who in role_change and who in newest


def test_the_history_is_in_chinese_for_a_chinese_reader(world: World) -> None:
    dispute = case(world, "registered", "FQ-H-2")
    third = f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    url = f"{case_url(dispute)}parties/{third.pk}/"
    client = web(world.clerk)
    assert client.post(url, {"name": third.party.name, "role": "respondent"}).status_code == 303
    page = html(client.get(url, headers={"accept-language": "zh-hans"}))
    assert "角色: 第三人 → 被申请人" in page


def test_the_audit_page_shows_a_role_change_of_the_bodys_cases_only(world: World) -> None:
    dispute = case(world, "registered", "FQ-H-3")
    third = f.CasePartyFactory(dispute=dispute, role=PartyRole.THIRD_PARTY)
    url = f"{case_url(dispute)}parties/{third.pk}/"
    record = third.party
    data = {"name": record.name, "id_type": record.id_type, "id_number": record.id_number}
    assert web(world.clerk).post(url, {**data, "role": "respondent"}).status_code == 303

    page = html(web(world.director).get("/cases/audit/"))
    rows = re.findall(r'<tr data-what="case_party">(.*?)</tr>', page, re.S)
    row = next(r for r in rows if record.name in r)
    assert "role in the case" in row and f'href="{case_url(dispute)}"' in row
    assert "<code>role</code>: Third party → Respondent" in row
    assert 'data-what="case_party"' not in html(web(world.other_director).get("/cases/audit/"))
