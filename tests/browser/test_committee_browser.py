"""The secretariat appoints a committee member and opens the round; the member, who works for a
party, is flagged, explains, and then reads the application. axe checks every page."""

import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from soknad.models import Application, BudgetLine
from tilskot.models import Organisation

from ..utils import close_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def contrast_on_white(css_colour: str) -> float:
    """WCAG contrast of an opaque ``rgb(r, g, b)`` colour against white."""
    red, green, blue = (int(v) for v in re.findall(r"\d+", css_colour)[:3])

    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (luminance + 0.05)


def test_appoint_open_declare_and_read(browse, live_server, world, another_browser):
    with scope(community=world.ostfold):
        trust = Organisation.objects.get(kind="hospital_trust")
        application = Application.objects.create(
            round=world.ostfold_round,
            owner=world.kari,
            title="Felles legevakt",
            responsible_organisation=trust,
            status=Application.Status.COMPLETE,
        )
        BudgetLine.objects.create(
            application=application, year=2027, organisation=trust, requested_amount=300_000
        )
    page = browse("/konto/logg-inn/?next=/ostfold/sekretariat/")
    page.locator("#id_login").fill("ola@tilskot.test")
    page.locator("#id_password").fill("passord-for-test")
    page.locator("main button[type=submit]").click()
    page.locator("a[href$='/komite/']").first.click()
    page.locator("#id_email").fill("per@tilskot.test")
    page.locator("#id_employer").select_option(label=trust.name)
    page.locator("form.appoint button").click()
    expect(page.locator("table.members")).to_contain_text("per@tilskot.test")
    page.locator("#id_scoring_deadline").fill("2030-01-15T12:00")
    page.locator("form.open-review button").click()
    expect(page.locator(".review-state")).to_be_visible()

    member = another_browser()
    member.goto(f"{live_server.url}/konto/logg-inn/?next=/ostfold/komite/")
    member.locator("#id_login").fill("per@tilskot.test")
    member.locator("#id_password").fill("passord-for-test")
    member.locator("main button[type=submit]").click()
    member.locator("ul.memberships a").first.click()
    member.locator("table.review-list a").first.click()
    expect(member.locator(".flagged")).to_be_visible()
    member.locator("input[name=conflict][value=no]").check()
    member.locator("main form button[type=submit]").click()
    expect(member.locator("#error-summary")).to_be_visible()
    member.locator("#id_reason").fill("Jeg jobber i en annen klinikk enn den som søker.")
    member.locator("main form button[type=submit]").click()
    expect(member).to_have_url(re.compile(r"/ostfold/komite/soknad/\d+/$"))
    expect(member.get_by_role("heading", level=1)).to_have_text("Felles legevakt")

    # On a phone the form comes after the application: a link at the top jumps to it. On a
    # wide screen the two stand side by side and the link is hidden.
    member.set_viewport_size({"width": 375, "height": 800})
    jump = member.locator("main .narrow-only a[href='#scoring']")
    expect(jump).to_be_visible()
    jump.click()
    assert member.locator("#scoring").bounding_box()["y"] < 100  # scrolled to the form
    member.set_viewport_size({"width": 1280, "height": 900})
    expect(jump).to_be_hidden()

    # The score controls' borders stand out from the page at 3:1 or more (WCAG 1.4.11).
    radio = member.locator("fieldset.criterion input[type=radio]").first
    border = radio.evaluate("(e) => getComputedStyle(e).borderTopColor")
    assert contrast_on_white(border) >= 3, border

    # Scoring in place (htmx): the page is not reloaded, the form answers where it stands,
    # the save status says so, and the focus stays on the button that saved.
    url_before = member.url
    for fieldset in member.locator("fieldset.criterion").all():
        fieldset.locator("input[type=radio][value='4']").check()
    member.locator("form.assessment button[name=submit]").click()
    expect(member.locator("#scoring [role=status]")).to_contain_text("Vurderingen din er sendt inn")
    assert member.url == url_before
    expect(member.locator("form.assessment button[name=submit]")).to_be_focused()
    member.goto(f"{live_server.url}/ostfold/komite/runde/{world.ostfold_round.pk}/oversikt/")
    expect(member.locator("table.dashboard tbody tr").first).to_contain_text("Felles legevakt")
    expect(member.locator("table.dashboard tbody tr").first).to_contain_text(
        "8,0"
    )  # bokmål decimal comma

    # The round's deadline passes; the secretariat recommends the application within the budget
    # and sends the recommendation.
    close_round(world.ostfold_round)
    page.goto(f"{live_server.url}/ostfold/sekretariat/runde/{world.ostfold_round.pk}/innstilling/")
    page.locator("input[name^=decision_][value=grant]").check()
    page.locator("input[name^=amount_]").fill("2000000")
    page.locator("form.recommendation-form button[name=send]").click()
    expect(page.locator("#error-summary")).to_be_visible()  # more than was asked for
    expect(page.locator("input[name^=amount_]")).to_have_value("2000000")
    page.locator("input[name^=amount_]").fill("300000")
    page.locator("textarea[name^=conditions_]").fill("Sluttrapport innen 1. mars 2028.")
    page.locator("form.recommendation-form button[name=send]").click()
    expect(page.locator("table.recommendation")).to_contain_text("Felles legevakt")
