"""A new applicant in a real browser: registers (first with a mistake, to see the error
summary), follows the link in the confirmation e-mail, lands logged in, and adds the organisation
they work for in Østfold, which makes them an applicant there. axe-core checks every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Fjordlandskap-2026"


def test_applicant_registers_confirms_and_joins_an_organisation(browse, live_server, world):
    page = browse("/konto/logg-inn/")
    # English, so that the test reads the same whatever the translations say.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.reload()
    page.get_by_role("link", name="Register").click()
    expect(page).to_have_url(re.compile(r"/konto/registrer/$"))

    page.locator("#id_email").fill("ingrid@halden.kommune.no")
    page.locator("#id_first_name").fill("Ingrid")
    page.locator("main button[type=submit]").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(3)  # last name and both passwords
    expect(page.locator("#id_first_name")).to_have_value("Ingrid")

    page.locator("#id_last_name").fill("Haugen")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/konto/confirm-email/$"))

    assert [message.to for message in mail.outbox] == [["ingrid@halden.kommune.no"]]
    link = re.search(r"http://\S+/konto/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)  # opening the link confirms nothing: a mail scanner may open it too
    page.locator("main form button[type=submit]").click()
    # Logged in, on the start page, which says what to do next.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("header")).to_contain_text("Ingrid")  # her account's menu

    page.get_by_role("link", name="Your profile in Helsefellesskapet Østfold").click()
    expect(page).to_have_url(re.compile(r"/ostfold/profil/$"))
    expect(page.locator(".my-roles")).to_have_count(0)
    page.locator("#id_add-organisation").select_option(label="Helsefellesskapet Østfold HF")
    page.locator("#id_add-job_title").fill("Rådgiver")
    page.locator("form.add-affiliation button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/ostfold/profil/$"))
    expect(page.locator(".my-roles")).to_have_text("Applicant")
    expect(page.locator("table.affiliations")).to_contain_text("Helsefellesskapet Østfold HF")
    expect(page.locator("table.affiliations")).to_contain_text("Rådgiver")
