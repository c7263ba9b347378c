"""A visitor in a real browser: the start page, each community's page in its language, the
language switcher, logging in as the secretariat. axe-core checks every page loaded."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_reads_the_communities_in_their_languages(browse, world):
    page = browse("/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    page.get_by_role("link", name="Helsefellesskapet i bergensområdet").click()
    expect(page).to_have_url(re.compile(r"/bergen/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.get_by_role("heading", level=1)).to_have_text("Helsefellesskapet i bergensområdet")
    expect(page.locator(".round-card")).to_have_count(1)

    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Bytt språk").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Open and upcoming rounds")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/bergen/$"))

    page.goto(page.url.replace("/bergen/", "/ostfold/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice sticks


def test_skip_link_moves_focus_to_the_main_content(browse, world):
    page = browse("/ostfold/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=re.compile("hovedinnhold|main content"))
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))


def test_secretariat_logs_in_and_sees_its_page(browse, world):
    page = browse("/bergen/sekretariat/")
    expect(page).to_have_url(re.compile(r"/konto/logg-inn/"))
    page.locator("#id_login").fill("sigrid@tilskot.test")
    page.locator("#id_password").fill("feil-passord")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_login")).to_have_value("sigrid@tilskot.test")
    page.locator("#id_password").fill("passord-for-test")
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/bergen/sekretariat/$"))
    expect(page.get_by_role("table")).to_contain_text(world.bergen_round.name)


def test_every_reference_community_page_passes_axe(browse, db):
    """The four communities with their real rules (fixtures/reference), each page and each
    round page loaded in Chromium; axe checks every one."""
    call_command("load_reference", verbosity=0)
    for slug in ("bergen", "ostfold", "innlandet", "nord"):
        page = browse(f"/{slug}/")
        expect(page.locator("h1")).to_have_attribute("lang", "nn" if slug == "bergen" else "nb")
        expect(page.get_by_role("heading", level=2).first).to_be_visible()
        for link in page.locator("ul.closed-rounds a").all()[:1]:
            link.click()
            expect(page.locator(".round-facts")).to_be_visible()
    page = browse("/tilgjengelighet/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilgjengelighetserklæring")
