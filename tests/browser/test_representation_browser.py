"""Who may act for an organisation, in the browser, in Bergen (nynorsk), with axe on every page.

Siv logs in once through Ansattporten, whose authorization details name Bergen kommune: that
makes her its signer. Anne logs in through ID-porten for the first time (she gives her e-mail
address and confirms it), says on her profile that she works for Bergen kommune; her draft is
complete but she cannot submit it while her affiliation is unconfirmed, and the page says why
and who can confirm it. Ingrid, the municipality's organisation admin, finds her on the to-do
page and confirms her as writer. Anne still cannot submit: she asks Siv in one click; Siv
follows the e-mail's link, logs in through Ansattporten and submits.

New wording is not translated yet (the lead translates at the end), so the test finds things by
their place on the page (classes, ids, form actions) and by the names shown, not by wording."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from soknad.models import Affiliation, Application
from tilskot.roles import Role
from tilskot.services import role_grant

from ..factories import AffiliationFactory, OrganisationFactory, UserFactory
from ..oidc.flow import subject_for
from ..test_applications import complete_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


BERGEN_KOMMUNE = "964338531"
ANNE_PID, SIV_PID = "24048512345", "01017012345"


def log_in(page, base: str, email: str, next_path: str) -> None:
    """Ingrid, the organisation admin, logs in with e-mail and password."""
    page.goto(f"{base}/konto/logg-inn/?next={next_path}")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill("passord-for-test")
    page.locator("main form[action^='/konto/logg-inn/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def log_in_with(page, base: str, provider: str, pid: str, next_path: str, **person) -> None:
    """Through ID-porten or Ansattporten: the stand-in's own log-in page (tests/oidc/)."""
    page.goto(f"{base}/konto/logg-inn/?next={next_path}")
    page.locator(f"#provider-{provider}").click()
    page.locator("#pid").fill(pid)
    for field, value in person.items():
        page.locator(f"#{field}").fill(value)
    page.get_by_role("button", name="Logg inn").click()


def test_an_unconfirmed_writer_asks_a_signer_who_submits(
    browse, live_server, world, another_browser, identity_providers_live
):
    with scopes_disabled():
        municipality = OrganisationFactory(
            community=world.bergen, name="Bergen kommune", org_number=BERGEN_KOMMUNE
        )
    ingrid = UserFactory(email="ingrid@bergen.kommune.test", first_name="Ingrid", last_name="Lie")
    siv = UserFactory(email="siv@bergen.kommune.test", first_name="Siv", last_name="Berg")
    SocialAccount.objects.create(user=siv, provider="ansattporten", uid=subject_for(SIV_PID))
    with scopes_disabled():
        AffiliationFactory(user=ingrid, organisation=municipality, writer=True, admin=True)
    role_grant(user=ingrid, community=world.bergen, role=Role.APPLICANT)

    # Siv logs in through Ansattporten, which says she may act for Bergen kommune: she is its
    # signer from then on.
    signer = another_browser()
    log_in_with(
        signer,
        live_server.url,
        "ansattporten",
        SIV_PID,
        "/bergen/profil/",
        org_number=BERGEN_KOMMUNE,
        org_name="Bergen kommune",
    )
    expect(signer.locator("table.affiliations")).to_contain_text("Bergen kommune")
    with scopes_disabled():
        assert Affiliation.objects.get(user=siv).capacity == "signer"

    # Anne logs in through ID-porten for the first time: she gives her e-mail address, confirms
    # it from the e-mail, and is logged in.
    page = browse("/")
    log_in_with(
        page,
        live_server.url,
        "idporten",
        ANNE_PID,
        "/bergen/profil/",
        given_name="Anne",
        family_name="Dal",
    )
    expect(page.locator("#id_first_name")).to_have_value("Anne")
    page.locator("#id_email").fill("anne@bergen.kommune.test")
    page.locator("main form button[type=submit]").click()
    [confirm] = [m for m in mail.outbox if m.to == ["anne@bergen.kommune.test"]]
    page.goto(re.search(r"https?://\S+/konto/confirm-email/\S+/", confirm.body).group(0))
    page.locator("main form button[type=submit]").click()
    anne = SocialAccount.objects.get(provider="idporten").user
    assert anne.email == "anne@bergen.kommune.test"
    app = complete_application(world, community=world.bergen, owner=anne)
    with scopes_disabled():
        Application.objects.filter(pk=app.pk).update(responsible_organisation=municipality)
        Affiliation.objects.filter(user=anne).delete()  # she has not said where she works
    review = f"/bergen/soknad/{app.pk}/steg/review/"
    submit = "form[action$='/send/'] button[type=submit]"

    # Anne says she works for the municipality: unconfirmed, and the profile names who confirms.
    page.goto(f"{live_server.url}/bergen/profil/")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    page.locator("#id_add-organisation").select_option(label="Bergen kommune")
    page.locator("form.add-affiliation button[type=submit]").click()
    row = page.locator("table.affiliations tr.affiliation-unverified")
    expect(row).to_contain_text("Bergen kommune")
    expect(row.locator(".affiliation-confirmers")).to_contain_text("Ingrid Lie")

    # She cannot submit: the review step says why, and who signs for the municipality.
    page.goto(f"{live_server.url}{review}")
    expect(page.locator(".signing .signing-reason")).to_contain_text("Ingrid Lie")
    expect(page.locator(submit)).to_be_disabled()

    # Ingrid finds her on the to-do page and confirms her as writer.
    admin = another_browser()
    log_in(admin, live_server.url, ingrid.email, "/bergen/oppgaver/")
    people = f"/bergen/organisasjon/{municipality.pk}/"
    admin.locator(f"ol.todo-list a[href='{people}']").click()
    expect(admin).to_have_url(re.compile(re.escape(people) + "$"))
    with scopes_disabled():
        claim = Affiliation.objects.get(user=anne)
    person = admin.locator(f"#person-{claim.pk}")
    expect(person).to_have_class(re.compile("affiliation-unverified"))
    person.locator("button[value=writer]").click()
    expect(admin.locator(f"#person-{claim.pk}")).to_have_class(re.compile("affiliation-confirmed"))
    with scopes_disabled():
        claim.refresh_from_db()
    assert (claim.status, claim.capacity, claim.confirmed_by) == ("confirmed", "writer", ingrid)

    # Still not a signer: she asks Siv in one click.
    page.goto(f"{live_server.url}{review}")
    expect(page.locator(".signing .signing-reason")).to_contain_text("Siv Berg")
    expect(page.locator(submit)).to_be_disabled()
    page.locator(".signing button.ask-signer", has_text="Siv Berg").click()
    expect(page).to_have_url(re.compile(re.escape(review) + "$"))
    expect(page.get_by_role("status")).to_contain_text("Siv Berg")
    [asked] = [m for m in mail.outbox if m.to == [siv.email]]
    path = re.search(r"https?://[^/\s]+(/bergen/soknad/\d+/steg/review/)", asked.body).group(1)

    # Siv follows the e-mail's link, logs in through Ansattporten and submits.
    signer.locator("header .account-menu summary").click()  # the account menu holds log-out
    signer.locator("header form[action$='/konto/logg-ut/'] button").click()
    # Logged out here and at Ansattporten, back on the start page.
    expect(signer).to_have_url(f"{live_server.url}/")
    log_in_with(
        signer,
        live_server.url,
        "ansattporten",
        SIV_PID,
        path,
        org_number=BERGEN_KOMMUNE,
        org_name="Bergen kommune",
    )
    expect(signer).to_have_url(re.compile(re.escape(path) + "$"))
    expect(signer.locator(".signing")).to_have_count(0)
    signer.locator(submit).click()
    expect(signer).to_have_url(re.compile(rf"/bergen/soknad/{app.pk}/kvittering/1/$"))
    with scopes_disabled():
        app.refresh_from_db()
    assert app.status == Application.Status.SUBMITTED
