"""After the grant, in the browser with axe on every page: a Bergen project from a municipality
accepts the conditions (a mistyped account number is refused first), an invoice without
R-11326 is refused and a marked one registered, finance approves and pays, a reallocation is
approved, the final report is submitted, returned, resubmitted and approved, closing the grant,
and its learning points go public. A Helse Bergen unit's grant books internally instead."""

import re

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from tilskot.models import Organisation
from tilskot.roles import Role
from tilskot.services import role_grant

from ..factories import ApplicationFactory, OrganisationFactory, UserFactory, make_grant
from ..pdfs import pdf_bytes
from .test_decision_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def grants(world, tmp_path):
    community = world.bergen
    community.payment_project_number = "R-11326"
    community.internal_booking = True
    community.save()
    ane = UserFactory(email="ane@tilskot.test", first_name="Ane", last_name="Berg")
    finance = UserFactory(email="okonomi@tilskot.test", first_name="Olav", last_name="Kro")
    role_grant(user=finance, community=community, role=Role.FINANCE)
    with scopes_disabled():
        askoy = OrganisationFactory(community=community, name="Askøy kommune")
        external = make_grant(
            ApplicationFactory(
                round=world.bergen_round,
                owner=ane,
                responsible_organisation=askoy,
                title="Felles legevakt på Askøy",
            ),
            amount=200_000,
            accepted=False,
        )
        line = external.budget_lines.get()
        line.amount = 150_000
        line.save()
        external.budget_lines.create(
            year=2027, organisation=askoy, description="Opplæring", amount=50_000
        )
        with scope(community=community):
            trust = Organisation.objects.get(kind="hospital_trust")
        unit = OrganisationFactory(
            community=community,
            kind="hospital_unit",
            parent=trust,
            name="Haukeland, Medisinsk klinikk",
            municipality_number="",
        )
        internal = make_grant(
            ApplicationFactory(
                round=world.bergen_round,
                owner=ane,
                responsible_organisation=unit,
                title="Heimesjukehus for barn",
            ),
            amount=300_000,
            internal=True,
            accepted=False,
        )
    invoice = tmp_path / "faktura.pdf"
    invoice.write_bytes(pdf_bytes("a test invoice"))
    return {"external": external, "internal": internal, "invoice": invoice}


def test_from_acceptance_to_closed_grant(browse, live_server, world, another_browser, grants):
    base = live_server.url
    external = grants["external"]
    grant_path = f"/bergen/tilskot/{external.pk}/"

    # 1. The recipient accepts; a mistyped account number gets a clear error first.
    page = browse("/")
    log_in(page, base, "ane@tilskot.test", grant_path)
    page.locator("#id_accept-accepted_as").fill("Kommunalsjef")
    page.locator("#id_accept-bank_account").fill("1234.56.78904")
    page.locator("#accept-form button").click()
    expect(page.locator("#error-summary")).to_contain_text("1234.56.78904")
    expect(page.locator("#id_accept-accepted_as")).to_have_value("Kommunalsjef")  # kept
    page.locator("#id_accept-bank_account").fill("1234.56.78903")
    page.locator("#accept-form button").click()
    expect(page.locator(".grant-facts")).to_contain_text("1234.56.78903")

    # 2. An invoice without R-11326 is refused; the marked one is registered.
    def fill_invoice(number, marking):
        page.locator("#id_payment-number").fill(number)
        page.locator("#id_payment-date").fill(timezone.localdate().isoformat())
        page.locator("#id_payment-amount").fill("120000")
        page.locator("#id_payment-org_number").fill("964338442")
        page.locator("#id_payment-organisation_name").fill("Askøy kommune")
        page.locator("#id_payment-marking").fill(marking)
        page.locator("#id_payment-file").set_input_files(str(grants["invoice"]))
        page.locator("#payment-form button").click()

    fill_invoice("2027-001", "Legevakt")
    expect(page.locator("#error-summary")).to_contain_text("R-11326")
    expect(page.locator("#id_payment-number")).to_have_value("2027-001")  # kept
    fill_invoice("2027-001", "Prosjekt R-11326")
    expect(page.locator("table.payments")).to_contain_text("2027-001")

    # 3. Finance approves and pays.
    finance = another_browser()
    log_in(finance, base, "okonomi@tilskot.test", "/bergen/okonomi/")
    expect(finance.locator("table.finance")).to_contain_text("Felles legevakt på Askøy")
    finance.locator("table.finance a", has_text="Felles legevakt på Askøy").click()
    finance.locator("table.payments button", has_text="Godkjenn").click()
    expect(finance.locator("table.payments")).to_contain_text("Godkjend")
    finance.locator("table.payments input[type=date]").fill(timezone.localdate().isoformat())
    finance.locator("table.payments form.paid button").click()
    expect(finance.locator("table.payments")).to_contain_text("Utbetalt")
    expect(finance.locator("table.money .left")).to_contain_text("80\u202f000")

    # 4. A reallocation is asked for and approved.
    page.goto(f"{base}{grant_path}")
    page.locator("summary", has_text="Be om å endre").click()
    lines = external.budget_lines.model.objects
    with scopes_disabled():
        first, second = lines.filter(grant=external).order_by("pk")
    page.locator(f"#id_reallocation-line_{first.pk}").fill("130000")
    page.locator(f"#id_reallocation-line_{second.pk}").fill("70000")
    page.locator("#id_reallocation-reason").fill("Meir opplæring enn planlagt.")
    page.locator("#reallocation-form button").click()
    expect(page.locator(".reallocation")).to_contain_text("Meir opplæring")

    secretariat = another_browser()
    log_in(secretariat, base, "sigrid@tilskot.test", grant_path)
    secretariat.locator(".reallocation button[name=approve]").click()
    expect(secretariat.locator("table.budget")).to_contain_text("70\u202f000")

    # 5. The final report: submitted, returned, resubmitted, approved.
    page.goto(f"{base}{grant_path}sluttrapport/")
    texts = {
        "what_was_done": "Vi oppretta ei felles legevakt.",
        "effect_citizens": "Kortare ventetid.",
        "effect_municipality": "Færre legevaktsbesøk.",
        "effect_hospital": "Færre innleggingar.",
        "continuation": "Held fram i drift.",
        "learning_points": "Start med felles opplæring av alle tilsette.",
    }
    for name, text in texts.items():
        page.locator(f"#id_{name}").fill(text)
    page.locator("#id_continues").select_option("yes")
    page.locator(f"#id_spent_{first.pk}").fill("130000")
    page.locator(f"#id_spent_{second.pk}").fill("68000")
    page.locator("#id_share_learning").check()
    page.locator("form.report-form button[name=submit]").click()
    expect(page.locator(".report-status")).to_have_text("Sendt inn")

    secretariat.goto(f"{base}{grant_path}sluttrapport/")
    secretariat.locator("#id_comment").fill("Skriv meir om effekten for kommunen.")
    secretariat.locator("#decide-form button[name=return]").click()
    expect(secretariat.locator(".report-status")).to_have_text("Send tilbake for endringar")

    page.goto(f"{base}{grant_path}sluttrapport/")
    expect(page.locator("main")).to_contain_text("Skriv meir om effekten for kommunen.")
    page.locator("#id_effect_municipality").fill("Færre legevaktsbesøk, 20 % færre på natt.")
    page.locator("form.report-form button[name=submit]").click()
    expect(page.locator(".report-status")).to_have_text("Sendt inn")

    secretariat.goto(f"{base}{grant_path}sluttrapport/")
    secretariat.locator("#decide-form button[name=approve]").click()
    expect(secretariat.locator(".report-status")).to_have_text("Godkjend")
    secretariat.goto(f"{base}{grant_path}")
    expect(secretariat.locator("main .grant-status")).to_have_text("Avslutta")

    # 6. The learning points are public (the page needs no log-in; test_granted.py shows it).
    page.goto(f"{base}/bergen/tildelt/")
    expect(page.locator("ul.granted")).to_contain_text("Start med felles opplæring")


def test_a_helse_bergen_unit_books_internally(browse, live_server, world, grants):
    base = live_server.url
    internal = grants["internal"]
    page = browse("/")
    log_in(page, base, "ane@tilskot.test", f"/bergen/tilskot/{internal.pk}/")
    expect(page.locator(".grant-facts")).to_contain_text("kostnadsførte internt")
    expect(page.locator("#id_accept-bank_account")).to_have_count(0)  # no account needed
    page.locator("#id_accept-accepted_as").fill("Avdelingsleiar")
    page.locator("#accept-form button").click()
    page.locator("#id_payment-number").fill("BILAG-7")
    page.locator("#id_payment-date").fill(timezone.localdate().isoformat())
    page.locator("#id_payment-amount").fill("25000")
    expect(page.locator("#id_payment-file")).to_have_count(0)  # no invoice document
    page.locator("#payment-form button").click()
    expect(page.locator("table.payments")).to_contain_text("BILAG-7")
    expect(page.get_by_role("heading", name=re.compile("Interne kostnadsføringar"))).to_be_visible()
