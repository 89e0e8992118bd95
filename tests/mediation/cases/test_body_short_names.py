"""Every body has the short name its case numbers are printed with: bodies made before it existed
get one derived from their name, bodies a ledger brings get one, and the admin asks for it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from mediation.cases.bodies import derive_short_name, free_short_name
from mediation.cases.models import MediationBody
from tests import factories as f
from tests.conftest import World
from tests.form_tokens import FormClient

migration = importlib.import_module("mediation.migrations.0019_body_short_names")


@pytest.mark.parametrize(
    ("name", "short_name"),
    [
        ("东湖区医疗纠纷人民调解委员会", "东湖医调"),
        ("南昌市东湖区百花洲街道人民调解委员会", "百花洲调"),
        ("南昌市东湖区交通警察大队", "东湖交调"),
        ("江西省南昌市西湖区教育局", "西湖校调"),
        ("东湖区扬子洲镇新洲村人民调解委员会", "新洲调"),
        ("东湖区城市管理局", "东湖调"),  # 城市 is no place
        ("南昌市东湖区人民法院特邀调解组织", "东湖特调"),
        ("江西省金融纠纷调解中心", "江西金调"),
        ("第1人民调解委员会", "第1调"),  # no place: its first two characters
    ],
)
def test_a_short_name_is_the_innermost_place_the_field_and_diao(name: str, short_name: str) -> None:
    assert derive_short_name(name) == short_name


def test_a_taken_short_name_gets_the_first_free_number() -> None:
    assert free_short_name("东湖医调", {"西湖调"}) == "东湖医调"
    assert free_short_name("东湖医调", {"东湖医调", "东湖医调2"}) == "东湖医调3"


def test_the_migration_names_every_body_without_one_and_keeps_the_others(world: World) -> None:
    MediationBody.objects.filter(pk=world.other_body.pk).update(short_name="东湖医调")
    twin = f.MediationBodyFactory(name="南昌市东湖区医疗纠纷调解委员会")
    migration.give_short_names(apps, None)
    names = dict(MediationBody.objects.values_list("pk", "short_name"))
    assert names[world.other_body.pk] == "东湖医调"  # set before: kept
    assert names[world.body.pk] == "东湖医调2"  # by pk order, after the one taken
    assert names[twin.pk] == "东湖医调3"
    assert all(names.values())
    migration.give_short_names(apps, None)  # again: nothing changes
    assert dict(MediationBody.objects.values_list("pk", "short_name")) == names


def test_the_admin_requires_a_short_name_for_a_new_body(world: World) -> None:
    client = FormClient()
    client.force_login(world.admin)
    data = {
        "name": "东湖区物业纠纷人民调解委员会",
        "kind": "peoples_committee",
        "track": "people",
        "categories": "[]",
        "default_deadline_days": "30",
        "deadline_days_by_category": "{}",
    }
    page = client.get("/admin/mediation/mediationbody/add/").content.decode()
    assert 'name="short_name"' in page and "required" in page.split('name="short_name"')[1][:200]
    refused = client.post("/admin/mediation/mediationbody/add/", {**data, "short_name": "  "})
    assert refused.status_code == 200
    assert not MediationBody.objects.filter(name=data["name"]).exists()
    MediationBody.objects.filter(pk=world.body.pk).update(short_name="东湖物调")
    taken = client.post("/admin/mediation/mediationbody/add/", {**data, "short_name": "东湖物调"})
    assert taken.status_code == 200
    assert not MediationBody.objects.filter(name=data["name"]).exists()
    done = client.post("/admin/mediation/mediationbody/add/", {**data, "short_name": "东湖 物业调"})
    assert done.status_code == 302, done.content.decode()[:2000]
    assert MediationBody.objects.get(name=data["name"]).short_name == "东湖物业调"
