"""The whole way, as people do it, in Chromium: a new user registers and confirms the e-mail,
starts an application in Østfold, makes a validation mistake and sees the error summary with
nothing lost, uploads a file that is not a PDF and gets a clear message, invites a co-applicant
who adds a budget line, submits, gets the receipt and downloads the PDF; the secretariat asks
for more information; the applicant answers and resubmits. axe-core checks every page that any
of the three browsers loads."""

import re

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect
from pypdf import PdfReader

from soknad.models import Application
from tilskot.models import Organisation, User

from ..factories import signer_of
from ..pdfs import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Fjordlandskap-2026"
PDF_BYTES = pdf_bytes("Samarbeidsavtale")


def english(page, live_server):
    """Read the page in English, so the test does not depend on the translations' wording."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def log_in(page, live_server, email, password, next_path):
    page.goto(f"{live_server.url}/konto/logg-inn/?next={next_path}")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()


def step(page, title):
    page.get_by_role("navigation", name="Steps of the application").get_by_role(
        "link", name=re.compile(title)
    ).click()


def test_from_registration_to_resubmission(
    browse, page, live_server, world, tmp_path, settings, another_browser
):
    settings.SITE_URL = live_server.url  # links in e-mails point at the test server
    english(page, live_server)

    # 1. Register and confirm the e-mail address.
    page = browse("/konto/registrer/")
    page.locator("#id_email").fill("ingrid@halden.kommune.no")
    page.locator("#id_first_name").fill("Ingrid")
    page.locator("#id_last_name").fill("Haugen")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    link = re.search(r"http://\S+/konto/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    # Logged in: the account menu in the header bears her name.
    expect(page.locator("header .account-menu summary")).to_contain_text("Ingrid")

    # 2. Start an application in Østfold's open round.
    page.goto(f"{live_server.url}/ostfold/")
    page.get_by_role("link", name=world.ostfold_round.name).click()
    page.get_by_role("button", name="Start an application").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("The measure")

    # 3. A validation mistake: the period ends before it starts.
    page.get_by_label("Title").fill("Felles ambulant team for eldre")
    page.get_by_label("Short summary").fill("Kommune og sykehus følger opp skrøpelige eldre.")
    page.get_by_label("Description of the measure").fill("Et team som reiser hjem til pasienten.")
    page.get_by_label("Period starts").fill("2027-06-01")
    page.get_by_label("Period ends").fill("2027-01-01")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Period ends")).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value("Felles ambulant team for eldre")
    page.get_by_label("Period ends").fill("2027-12-31")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Parties and agreement")

    # 4. The parties, and an upload that is not a PDF.
    page.get_by_label("Responsible organisation").select_option(
        label="Helsefellesskapet Østfold HF"
    )
    fake = tmp_path / "avtale.pdf"
    fake.write_bytes(b"Dette er bare tekst, ikke en PDF.")
    page.get_by_label("Documented agreement between the parties").set_input_files(str(fake))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#error-summary")).to_contain_text("is not a PDF")
    expect(page.get_by_label("Responsible organisation")).to_have_value(
        page.get_by_label("Responsible organisation").input_value()
    )
    real = tmp_path / "samarbeidsavtale.pdf"
    real.write_bytes(PDF_BYTES)
    page.get_by_label("Documented agreement between the parties").set_input_files(str(real))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".documents")).to_contain_text("samarbeidsavtale.pdf")

    # 5. Invite a co-applicant, who accepts and adds a budget line.
    page.get_by_label("E-mail address of the co-applicant").fill("per@tilskot.test")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".invitations")).to_contain_text("per@tilskot.test")
    invitation = re.search(r"http://\S+/invitasjon/\S+/", mail.outbox[-1].body).group(0)
    per = another_browser()
    english(per, live_server)
    log_in(
        per,
        live_server,
        "per@tilskot.test",
        "passord-for-test",
        invitation.replace(live_server.url, ""),
    )
    per.get_by_role("button", name="Accept the invitation").click()
    step(per, "Budget")
    per.get_by_label("Year").fill("2027")
    per.get_by_label("Party").select_option(label="Helsefellesskapet Østfold HF")
    per.get_by_label("Requested from the grant (NOK)").fill("400000")
    per.get_by_label("Own contribution (NOK)").fill("100000")
    per.get_by_label("Kind of own contribution").select_option("staff")
    per.get_by_role("button", name="Save", exact=True).click()
    expect(per.locator("table.totals")).to_contain_text("400,000")
    # Required fields are marked one way, explained once; on a phone the budget's lines and
    # totals reflow: the page never scrolls sideways (WCAG 1.4.10).
    expect(per.locator("label[for=id_budget-0-year]")).to_have_text(
        re.compile(r"Year\s+\(required\)")
    )
    expect(per.get_by_text("Fields marked (required) must be filled in.")).to_have_count(1)
    for width in (375, 1280):
        per.set_viewport_size({"width": width, "height": 800})
        assert per.evaluate("document.documentElement.scrollWidth") <= width

    # Submitting binds the trust: the secretariat has confirmed Ingrid as its signer
    # (the confirming itself is in test_representation_browser.py).
    with scopes_disabled():
        signer_of(
            User.objects.get(email="ingrid@halden.kommune.no"),
            Organisation.objects.get(community=world.ostfold, kind="hospital_trust"),
        )

    # 6. The applicant fills in the rest, sees the co-applicant's line, and submits.
    step(page, "Content and plans")
    page.locator("input[name=priority_areas]").first.check()
    for label in (
        "Method",
        "User involvement",
        "Implementation plan",
        "Evaluation plan",
        "Expected benefit",
    ):
        page.get_by_label(label, exact=True).fill(f"{label}: slik gjør vi det.")
    page.get_by_role("button", name="Save and continue").click()
    for textarea in page.locator("textarea[name^=criterion_]").all():
        textarea.fill("Tiltaket treffer dette godt.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("table.totals")).to_contain_text("400,000")
    page.get_by_role("button", name="Save and continue").click()  # budget, unchanged
    page.get_by_role("button", name="Save and continue").click()  # costs and gains: none
    expect(page.get_by_role("heading", level=2)).to_have_text("Review and submit")
    expect(page.locator(".missing")).to_have_count(0)
    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The application is submitted")
    receipts = mail.outbox[-2:]  # one message per applicant
    assert sorted(m.to[0] for m in receipts) == ["ingrid@halden.kommune.no", "per@tilskot.test"]
    assert all("Felles ambulant team for eldre" in m.body for m in receipts)

    page.get_by_role("link", name="See the application and its status").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Submission 1 (PDF)").click()
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Felles ambulant team for eldre" in text
    assert "Helsefellesskapet Østfold HF" in text

    # 7. The secretariat asks for more information about the measure.
    ola = another_browser()
    english(ola, live_server)
    case_path = page.url.replace(live_server.url, "")
    log_in(ola, live_server, "ola@tilskot.test", "passord-for-test", case_path)
    ola.get_by_label("What information do you need?").fill("Hvor mange pasienter per uke?")
    ola.get_by_role("checkbox", name="The measure").check()
    ola.get_by_role("button", name="Ask for more information").click()
    expect(ola.locator("#main")).to_contain_text("More information requested")
    assert "Hvor mange pasienter per uke?" in mail.outbox[-1].body

    # 8. The applicant answers and resubmits.
    page.reload()
    page.get_by_role("link", name="Edit the application").click()
    expect(page.locator("main")).to_contain_text("Hvor mange pasienter per uke?")
    page.get_by_label("Description of the measure").fill(
        "Et team som reiser hjem til pasienten, omtrent 40 pasienter per uke."
    )
    page.get_by_role("button", name="Save", exact=True).click()
    step(page, "Review and submit")
    page.get_by_role("button", name="Resubmit the application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The application is submitted")
    with scope(community=world.ostfold):
        application = Application.objects.get(title="Felles ambulant team for eldre")
        assert application.status == Application.Status.SUBMITTED
        assert list(application.submissions.values_list("number", flat=True)) == [1, 2]
        assert "40 pasienter" in application.submissions.get(number=2).snapshot["description"]
