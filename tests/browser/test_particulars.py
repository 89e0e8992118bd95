"""Typing a resident ID number fills in the sex and date of birth it encodes, for the clerk to
confirm (static/js/particulars.js); a party's kind shows only the particulars it has."""

from __future__ import annotations

import datetime
import re

from playwright.sync_api import Page, expect

from mediation.cases.models import Dispute
from parties.models import Party
from tests.browser.conftest import Screenshot, sign_in
from tests.conftest import World
from tests.mediation.helpers import dispute_in


def test_typing_an_id_number_fills_sex_and_date_of_birth(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    sign_in(page, world.clerk, next_path="/cases/new/")
    expect(page).to_have_url("/cases/new/")
    row = page.locator('[data-party-row="1"]')
    expect(row.locator("[data-id-derived]")).to_be_hidden()
    page.locator('[name="parties-0-id_type"]').select_option("resident_id")
    page.locator('[name="parties-0-id_number"]').press_sequentially("11010519491231002X")
    expect(page.locator('[name="parties-0-sex"]')).to_have_value("female")
    expect(page.locator('[name="parties-0-birth_date"]')).to_have_value("1949-12-31")
    expect(row.locator("[data-id-derived]")).to_be_visible()
    # A person has no legal representative; an organization no sex.
    expect(page.locator('[name="parties-0-legal_representative"]')).to_be_hidden()
    page.locator('[name="parties-1-kind"]').select_option("organization")
    expect(page.locator('[name="parties-1-legal_representative"]')).to_be_visible()
    expect(page.locator('[name="parties-1-sex"]')).to_be_hidden()
    page.locator('[name="parties-1-kind"]').select_option("person")
    expect(page.locator('[name="parties-1-sex"]')).to_be_visible()
    screenshot("particulars-from-id")

    page.locator('[name="category"]').select_option("traffic")
    page.locator('[name="channel"]').select_option("walk_in")
    page.locator('[name="title"]').fill("邻里漏水纠纷")
    page.locator('[name="parties-0-name"]').fill("王秀英")
    page.locator('[name="parties-0-ethnicity"]').select_option("满族")
    page.locator('[name="parties-1-name"]').fill("李娜")
    page.locator("form.register .buttons button").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    record = Party.objects.get(name="王秀英")
    assert (record.sex, record.birth_date, record.ethnicity) == (
        "female",
        datetime.date(1949, 12, 31),
        "满族",
    )
    assert Dispute.objects.filter(title="邻里漏水纠纷").exists()


def test_the_party_page_fills_them_from_a_corrected_id_number(
    page: Page, world: World, screenshot: Screenshot
) -> None:
    dispute = dispute_in(world, "mediating")
    respondent = dispute.case_parties.get(role="respondent")
    sign_in(page, world.clerk, next_path=f"/cases/{dispute.pk}/")
    page.locator(f'a[href="/cases/{dispute.pk}/parties/{respondent.pk}/"]').click()
    number = page.locator('[name="id_number"]')
    number.fill("")
    number.press_sequentially("11010519800229001")
    # 17 characters are not a number yet; the 18th completes it (1980-02-29, serial 001: a man).
    expect(page.locator("[data-id-derived]")).to_be_hidden()
    number.press_sequentially("3")
    expect(page.locator('[name="birth_date"]')).to_have_value("1980-02-29")
    expect(page.locator('[name="sex"]')).to_have_value("male")
    screenshot("party-page-particulars")
