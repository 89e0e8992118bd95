"""Journeys to a court ending: a court delegates a traffic case before filing (委派调解) and
entrusts a family case during its suit (委托调解); each goes from intake to the court's ending.

The courts work where a court's system would, through the API (`/api/v1/referrals/`); the
body's clerk, director and mediator work in the pages where the step is theirs to take at the
desk (intake answers, acceptance, assignment, the signatures drawn on the mediator's device,
the parties' joint application), the rest of the mediation through the API. Then every paper
of the case is downloaded and read back: its title and wording for the body's kind (本机关 for
the traffic police brigade, 本委员会 for the street committee), the case number, masked or full
identity as the copy's reader may see, the body's PAdES signature checked with pyHanko against
the development CA, and its `/verify/` page.

After the court's ending (confirmed; the entrustment decided "mediated", the agreement going
back for the court's 调解书 or the suit's withdrawal) everyone present signs the minutes and the
mediator closes the case on its page: the case file (调解卷宗) is made, signed and read back.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from courts.models import Referral
from mediation.cases.models import Dispute
from mediation.kernel.choices import BodyKind, Track
from tests.browser.conftest import Screenshot, sign_in
from tests.browser.court_endings_helpers import (
    CHILD_ID,
    DRIVER_ID,
    FATHER_ID,
    INJURED_ID,
    INSURER,
    INSURER_USCC,
    MOTHER_ID,
    TODAY,
    YEAR,
    an_hour_ago,
    api,
    body_with_staff,
    case_file,
    close_on_the_page,
    masked,
    ok,
    papers,
    setup_pki,
    sign_minutes,
    sign_on_device,
)
from tests.browser.test_mediator_journey import badge, open_step, sign_out
from tests.conftest import World

# --- 委派调解: a traffic case delegated before filing, to judicial confirmation ----------------


def test_a_delegated_traffic_case_goes_to_judicial_confirmation(
    page: Page, world: World, screenshot: Screenshot, settings: Any, tmp_path: Path
) -> None:
    setup_pki(settings, tmp_path)
    police = body_with_staff(
        world,
        name="南昌市公安局交通管理局东湖大队",
        kind=BodyKind.ADMINISTRATIVE,
        track=Track.ADMINISTRATIVE,
        short_name="东湖交警调",
        categories=["traffic"],
    )
    delegation_number = f"({YEAR})赣0102民诉前调318号"
    ruling_number = f"({YEAR})赣0102民特27号"

    # --- the court delegates the case through its system, with all three parties ---
    court = api(world.court_user)
    delegation = ok(
        court.post(
            "/api/v1/referrals/",
            {
                "kind": "delegation",
                "body": police.body.pk,
                "case_number": delegation_number,
                "dispute": {
                    "category": "traffic",
                    "title": "机动车交通事故责任纠纷",
                    "claimed_amount": "86000.00",
                    "facts": "被申请人驾驶赣A12345号小型轿车与申请人驾驶的电动自行车相撞，"
                    "致申请人右腿骨折；交警部门认定被申请人负主要责任。",
                    "parties": [
                        {
                            "kind": "person",
                            "role": "applicant",
                            "name": "陈晓东",
                            "id_type": "resident_id",
                            "id_number": INJURED_ID,
                            "phone": "13907910001",
                            "address": "江西省南昌市东湖区八一大道100号",
                        },
                        {
                            "kind": "person",
                            "role": "respondent",
                            "name": "赵志强",
                            "id_type": "resident_id",
                            "id_number": DRIVER_ID,
                            "phone": "13907910002",
                            "address": "江西省南昌市西湖区孺子路20号",
                        },
                        {
                            "kind": "organization",
                            "role": "third_party",
                            "name": INSURER,
                            "id_type": "uscc",
                            "id_number": INSURER_USCC,
                            "organization_type": "insurer",
                        },
                    ],
                },
            },
            format="json",
        ),
        201,
    )
    dispute = Dispute.objects.get(pk=delegation["dispute"]["id"])
    assert (dispute.channel, dispute.court, dispute.state) == (
        "court_delegated",
        world.court,
        "registered",
    )
    injured, driver, insurer = dispute.case_parties.order_by("id")
    case_path = f"/cases/{dispute.pk}/"

    # --- the clerk: the driver agrees to mediation, each party signs the rights notice, accept ---
    sign_in(page, police.clerk, next_path=case_path)
    expect(page.locator("h2")).to_contain_text(dispute.number)
    answer = page.locator(f'form[data-record-answer="{driver.pk}"]')
    answer.locator('[name="answer"]').select_option("agrees")
    answer.locator('[name="channel"]').select_option("in_person")
    answer.locator('button[type="submit"]').click()
    expect(page.locator(f'tr[data-respondent="{driver.pk}"] .badge.signed')).to_be_visible()
    for cp in (injured, driver, insurer):
        page.locator(f'li[data-rights-party="{cp.pk}"] form button').click()
        expect(page.locator(f'li[data-rights-party="{cp.pk}"] .badge.signed')).to_be_visible()
    page.locator('form[data-transition="accept"] button').click()
    expect(badge(page)).to_have_attribute("data-state", "accepted")
    sign_out(page)

    # --- the director assigns a mediator ---
    sign_in(page, police.director, next_path=case_path)
    form = open_step(page, "assign")
    form.locator('[name="mediator"]').select_option(str(police.mediator.pk))
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "assigned")
    sign_out(page)

    # --- the mediator: a joint session held with its minutes, the agreement drafted ---
    mediator = api(police.mediator.user)
    base = f"/api/v1/disputes/{dispute.pk}"
    ok(
        mediator.post(
            f"{base}/sessions/",
            {
                "scheduled_at": an_hour_ago(),
                "place": "东湖大队调解室",
                "attendees": [injured.pk, driver.pk, insurer.pk],
                "status": "held",
                "minutes": "各方陈述事故经过及损失；保险公司同意在保险限额内赔付。",
            },
            format="json",
        ),
        201,
    )
    ok(mediator.post(f"{base}/transitions/start/", {}, format="json"))
    ok(
        mediator.put(
            f"{base}/agreement/",
            {
                "disputed_matters": "医疗费、误工费及车辆损失的赔偿数额。",
                "responsibilities": "被申请人负事故主要责任，申请人负次要责任。",
                "clauses": [
                    "第三人在交强险及商业三者险限额内赔偿申请人人民币60000元。",
                    "被申请人赔偿申请人保险限额外损失人民币12000元。",
                ],
                "obligations": [
                    {
                        "payer": insurer.pk,
                        "payee": injured.pk,
                        "amount": "60000.00",
                        "due_date": str(TODAY + datetime.timedelta(days=15)),
                        "method": "insurer_direct",
                    },
                    {
                        "payer": driver.pk,
                        "payee": injured.pk,
                        "amount": "12000.00",
                        "due_date": str(TODAY + datetime.timedelta(days=30)),
                    },
                ],
            },
            format="json",
        )
    )
    ok(mediator.post(f"{base}/transitions/draft_agreement/", {}, format="json"))

    # --- everyone signs on the mediator's device, the insurer through its claims handler ---
    sign_in(page, police.mediator.user, next_path=f"{case_path}agreement/sign/")
    sign_on_device(
        page,
        [
            (injured.pk, "陈晓东", {}),
            (driver.pk, "赵志强", {}),
            (insurer.pk, "刘海涛", {"representative_role": "理赔经办人"}),
        ],
        police.mediator,
    )

    # --- both sides consent in person; the mediator applies to the delegating court ---
    page.goto(case_path)
    for cp in (injured, driver):
        page.locator(f'form[data-record-consent="{cp.pk}"] button').click()
        expect(page.locator(f'tr[data-consent-party="{cp.pk}"] form')).to_have_count(0)
    form = open_step(page, "apply_confirmation")
    form.locator('[name="court"]').select_option(str(world.court.pk))
    form.locator('button[type="submit"]').click()
    expect(badge(page)).to_have_attribute("data-state", "confirming")
    sign_out(page)

    # --- the court receives the application and confirms the agreement (民特) ---
    application = Referral.objects.get(dispute=dispute, kind="confirmation")
    sign_in(page, world.court_user, next_path=f"/court/referrals/{application.pk}/")
    page.locator('form[data-step="receive"] button').click()
    expect(page.locator("h2 .badge.state")).to_have_text("已收案")
    decide = page.locator('form[data-step="decide"]')
    decide.locator('[name="decision"]').select_option("confirmed")
    decide.locator('[name="case_number"]').fill(ruling_number)
    decide.locator('button[type="submit"]').click()
    expect(page.locator("h2 .badge.state")).to_have_text("已处理")
    expect(page.locator("main")).to_contain_text("已司法确认")
    screenshot("court-ending-delegated")

    dispute.refresh_from_db()
    assert dispute.state == "confirmed"
    assert Referral.objects.get(pk=delegation["id"]).decision == "mediated"
    application.refresh_from_db()
    assert (application.state, application.decision, application.case_number) == (
        "decided",
        "confirmed",
        ruling_number,
    )

    # --- the papers, as the mediator and the court download them (signing out of the pages
    # revoked the mediator's tokens: a new one) ---
    mine = papers(api(police.mediator.user), dispute)
    assert set(mine) == {
        ("acceptance_notice", "zh-hans"),
        ("agreement", "zh-hans"),
        ("agreement", "en"),
        ("confirmation_application", "zh-hans"),
    }
    notice = mine[("acceptance_notice", "zh-hans")][1]
    assert "受理通知书" in notice and "本机关" in notice and dispute.number in notice
    agreement = mine[("agreement", "zh-hans")][1]
    assert "行政调解协议书" in agreement and "经本机关主持调解" in agreement
    assert f"编号：{dispute.number}" in agreement
    assert masked(INJURED_ID) in agreement and INJURED_ID not in agreement
    assert "代表人：刘海涛（理赔经办人）" in agreement
    assert "（印）" not in agreement  # the drawn seal, not the unsigned placeholder
    assert "共同向有管辖权的人民法院申请司法确认" in agreement
    english = mine[("agreement", "en")][1]
    assert "AdministrativeMediationAgreement" in english and "thisauthority" in english
    # The court's copy of its application, with a new token: signing in to the pages set the
    # court user's password, which revoked the old one.
    application_text = papers(api(world.court_user), dispute)[
        ("confirmation_application", "zh-hans")
    ][1]
    assert "司法确认申请书" in application_text and "行政调解协议有效" in application_text
    assert INJURED_ID in application_text and DRIVER_ID in application_text
    assert "此致" + world.court.name in application_text
    assert INSURER not in application_text  # third parties are bound but do not apply

    # --- the minutes signed by everyone present; the mediator closes; the case file ---
    sign_minutes(api(police.mediator.user), dispute, {insurer.pk: "刘海涛"})
    close_on_the_page(page, police.mediator.user, case_path, "performed")
    text = case_file(api(police.mediator.user), dispute)
    assert "行政调解卷宗" in text and dispute.number in text
    assert "卷内目录" in text and "调解笔录（第1次）" in text and "行政调解协议书" in text
    assert ruling_number in text  # the court's confirmation, in the court linkage record
    assert INJURED_ID in text  # the body's own archive: in full
    assert (
        api(world.court_user)
        .get(f"/api/v1/disputes/{dispute.pk}/documents/case_file/pdf/")
        .status_code
        == 404
    )


# --- 委托调解: a family case entrusted during its suit, back to the trial court ------------------


def test_an_entrusted_support_case_goes_back_to_the_trial_court(
    page: Page, world: World, screenshot: Screenshot, settings: Any, tmp_path: Path
) -> None:
    setup_pki(settings, tmp_path)
    committee = body_with_staff(
        world,
        name="东湖区百花洲街道人民调解委员会",
        short_name="百花洲调",
        categories=["family"],
    )
    suit_number = f"({YEAR})赣0102民初456号"

    # --- the trial court entrusts the pending suit: a child, through her mother, v. her father ---
    court = api(world.court_user)
    entrustment = ok(
        court.post(
            "/api/v1/referrals/",
            {
                "kind": "entrustment",
                "body": committee.body.pk,
                "case_number": suit_number,
                "dispute": {
                    "category": "family",
                    "title": "抚养费纠纷",
                    "facts": "李军与王丽离婚后，李小雨随母亲生活；李军自去年起未再支付抚养费。",
                    "parties": [
                        {
                            "kind": "person",
                            "role": "applicant",
                            "name": "李小雨",
                            "id_type": "resident_id",
                            "id_number": CHILD_ID,
                        },
                        {
                            "kind": "person",
                            "role": "guardian",
                            "represents": 0,
                            "name": "王丽",
                            "id_type": "resident_id",
                            "id_number": MOTHER_ID,
                            "phone": "13907910011",
                        },
                        {
                            "kind": "person",
                            "role": "respondent",
                            "name": "李军",
                            "id_type": "resident_id",
                            "id_number": FATHER_ID,
                            "phone": "13907910012",
                        },
                    ],
                },
            },
            format="json",
        ),
        201,
    )
    dispute = Dispute.objects.get(pk=entrustment["dispute"]["id"])
    assert dispute.channel == "court_entrusted"
    assert dispute.deadline == TODAY + datetime.timedelta(days=15)
    child, mother, father = dispute.case_parties.order_by("id")
    case_path = f"/cases/{dispute.pk}/"
    base = f"/api/v1/disputes/{dispute.pk}"

    # --- intake through the API: the matter (support, not a status matter), answers, accept ---
    clerk = api(committee.clerk)
    ok(clerk.patch(base + "/", {"family_matter": "support"}, format="json"))
    ok(
        clerk.post(
            f"{base}/mediation-consents/",
            {"case_party": father.pk, "answer": "agrees", "channel": "phone"},
            format="json",
        ),
        201,
    )
    for cp in (child, father):
        ok(
            clerk.post(f"{base}/rights-acknowledgements/", {"case_party": cp.pk}, format="json"),
            201,
        )
    ok(clerk.post(f"{base}/transitions/accept/", {}, format="json"))
    ok(
        api(committee.director).post(
            f"{base}/transitions/assign/", {"mediator": committee.mediator.pk}, format="json"
        )
    )
    mediator = api(committee.mediator.user)
    ok(
        mediator.post(
            f"{base}/sessions/",
            {
                "scheduled_at": an_hour_ago(),
                "place": "百花洲街道调解室",
                "attendees": [child.pk, mother.pk, father.pk],
                "status": "held",
                "minutes": "王丽代李小雨陈述；李军承认拖欠，请求分期支付。",
            },
            format="json",
        ),
        201,
    )
    ok(mediator.post(f"{base}/transitions/start/", {}, format="json"))
    ok(
        mediator.put(
            f"{base}/agreement/",
            {
                "disputed_matters": "拖欠抚养费的数额及支付方式。",
                "clauses": ["被申请人分三期支付申请人拖欠的抚养费共计人民币36000元。"],
                "obligations": [
                    {
                        "payer": father.pk,
                        "payee": child.pk,
                        "schedule": "instalments",
                        "instalments": [
                            {
                                "amount": "12000.00",
                                "due_date": str(TODAY + datetime.timedelta(days=30 * n)),
                            }
                            for n in (1, 2, 3)
                        ],
                    }
                ],
            },
            format="json",
        )
    )
    ok(mediator.post(f"{base}/transitions/draft_agreement/", {}, format="json"))

    # --- in the pages: the mother signs for the child, the father, then the mediator ---
    sign_in(page, committee.mediator.user, next_path=f"{case_path}agreement/sign/")
    sign_on_device(
        page,
        [(child.pk, "王丽", {"signer": mother.pk}), (father.pk, "李军", {})],
        committee.mediator,
    )
    # Signing is the entrustment's ending here: it goes back to the trial court as mediated,
    # and no joint application for confirmation is offered.
    page.goto(case_path)
    expect(badge(page)).to_have_attribute("data-state", "signed")
    expect(page.locator('form[data-transition="apply_confirmation"]')).to_have_count(0)
    sign_out(page)

    sign_in(page, world.court_user, next_path=f"/court/referrals/{entrustment['id']}/")
    expect(page.locator("h2 .badge.state")).to_have_text("已处理")
    expect(page.locator("dl.fields").first).to_contain_text("调解成功")
    expect(page.locator("dl.fields").first).to_contain_text(suit_number)
    expect(page.locator("form.step")).to_have_count(0)
    screenshot("court-ending-entrusted")

    referral = Referral.objects.get(pk=entrustment["id"])
    assert (referral.state, referral.decision) == ("decided", "mediated")
    mediator = api(committee.mediator.user)  # signing out of the pages revoked the old token
    refused = mediator.post(f"{base}/transitions/apply_confirmation/", {"court": world.court.pk})
    assert refused.status_code == 409
    assert "诉中委托" in refused.content.decode()

    # --- the papers: 人民调解协议书 of 本委员会, the guardian signing for the child ---
    mine = papers(mediator, dispute)
    agreement = mine[("agreement", "zh-hans")][1]
    assert "人民调解协议书" in agreement and "经本委员会主持调解" in agreement
    assert f"编号：{dispute.number}" in agreement
    assert "法定代理人：王丽" in agreement
    assert masked(CHILD_ID) in agreement and CHILD_ID not in agreement
    assert "（印）" not in agreement
    # Its agreement goes back to the trial court: no word of applying for confirmation.
    assert "司法确认" not in agreement
    assert "People'sMediationAgreement" in mine[("agreement", "en")][1]
    notice = mine[("acceptance_notice", "zh-hans")][1]
    assert "本委员会" in notice and dispute.number in notice
    assert "在审理" in notice and suit_number in notice  # entrusted during the court's suit

    # --- the minutes signed by everyone present; the mediator closes; the case file ---
    sign_minutes(mediator, dispute, {})
    close_on_the_page(page, committee.mediator.user, case_path, "performed")
    text = case_file(api(committee.mediator.user), dispute)
    assert "人民调解卷宗" in text and dispute.number in text and suit_number in text
    assert "法定代理人" in text and "王丽" in text
