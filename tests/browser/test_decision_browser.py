"""A Bergen round from committee to public list, in the browser, with axe on every page:
the secretariat appoints the committee; a member employed by Helse Bergen is flagged on the
hospital's application, declares the conflict and cannot open it; two members score; the
dashboard ranks; a recommendation over the budget is refused and one within it is sent; the SSU
grants two and rejects one; the letters are issued with progress and packed in a ZIP; the
applicant reads the nynorsk letter on the case; the granted projects are public."""

import datetime as dt
import re
import zipfile

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from soknad.models import Application, BudgetLine
from tilskot.models import Organisation
from tilskot.roles import Role
from tilskot.services import role_grant

from ..factories import OrganisationFactory, UserFactory
from ..utils import close_round, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "passord-for-test"


def log_in(page, base: str, email: str, next_path: str):
    page.goto(f"{base}/konto/logg-inn/?next={next_path}")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


@pytest.fixture
def bergen_round(world):
    """Bergen's round with 1 000 000 kr and three complete applications: the hospital's (asks
    400 000), Askøy's (500 000) and Voss' (300 000)."""
    community = world.bergen
    community.payment_project_number = "R-11326"
    community.internal_booking = True
    community.save()
    ane = UserFactory(email="ane@tilskot.test", first_name="Ane", last_name="Berg")
    with scope(community=community):
        trust = Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)
        unit = OrganisationFactory(
            community=community,
            kind=Organisation.Kind.HOSPITAL_UNIT,
            name="Haukeland, Medisinsk klinikk",
            parent=trust,
            municipality_number="",
        )
        askoy = OrganisationFactory(community=community, name="Askøy kommune")
        voss = OrganisationFactory(community=community, name="Voss herad")
        round_ = world.bergen_round
        round_.budget = 1_000_000
        round_.save()
        for title, owner, org, requested in (
            ("Heimesjukehus for barn", ane, unit, 400_000),
            ("Felles legevakt på Askøy", world.per, askoy, 500_000),
            ("Ambulant team på Voss", world.per, voss, 300_000),
        ):
            app = Application.objects.create(
                round=round_,
                owner=owner,
                responsible_organisation=org,
                title=title,
                summary=f"Samandrag: {title}.",
                status=Application.Status.COMPLETE,
                period_start=dt.date(2027, 1, 1),
                period_end=dt.date(2027, 12, 31),
            )
            app.partners.add(trust if org != unit else askoy)
            BudgetLine.objects.create(
                application=app, year=2027, organisation=org, requested_amount=requested
            )
    lise = UserFactory(email="lise@tilskot.test", first_name="Lise", last_name="Haug")
    UserFactory(email="odd@tilskot.test", first_name="Odd", last_name="Vik")
    ssu = UserFactory(email="ssu@tilskot.test", first_name="Solveig", last_name="Utne")
    role_grant(user=ssu, community=community, role=Role.DECISION_BODY)
    return {"round": round_, "trust": trust, "lise": lise}


def score_all(member, base, round_pk, *, score: str):
    """Declare no conflict on each application the member has not declared on (explaining
    where flagged), and score every criterion ``score``."""
    member.goto(f"{base}/bergen/komite/runde/{round_pk}/")
    hrefs = [a.get_attribute("href") for a in member.locator("table.review-list a").all()]
    for href in hrefs:
        member.goto(f"{base}{href}" if href.startswith("/") else href)
        if "/habilitet/" in member.url:
            member.locator("input[name=conflict][value=no]").check()
            if member.locator(".flagged").count():  # works for a partner: explains why not
                member.locator("#id_reason").fill("Eg har ingen rolle i dette tiltaket.")
            member.locator("main form button[type=submit]").click()
        expect(member).to_have_url(re.compile(r"/bergen/komite/soknad/\d+/$"))
        for fieldset in member.locator("fieldset.criterion").all():
            fieldset.locator(f"input[type=radio][value='{score}']").check()
        member.locator("form.assessment button[name=submit]").click()
        status = member.locator("#scoring [role=status]")
        expect(status).to_contain_text("Vurderinga di er send inn")


def test_from_committee_to_public_list(browse, live_server, world, another_browser, bergen_round):
    base = live_server.url
    round_ = bergen_round["round"]
    with scope(community=world.bergen):
        apps = {a.title: a for a in Application.objects.filter(round=round_)}
    hospital = apps["Heimesjukehus for barn"]

    # 1. The secretariat appoints two members and opens the round for review.
    page = browse("/")
    log_in(page, base, "sigrid@tilskot.test", f"/bergen/sekretariat/runde/{round_.pk}/komite/")
    for email, employer in (("lise@tilskot.test", "Helse"), ("odd@tilskot.test", None)):
        page.locator("#id_email").fill(email)
        if employer:
            page.locator("#id_employer").select_option(label=bergen_round["trust"].name)
        page.locator("form.appoint button").click()
        expect(page.locator("table.members")).to_contain_text(email)
    page.locator("#id_scoring_deadline").fill("2030-01-15T12:00")
    page.locator("form.open-review button").click()
    expect(page.locator(".review-state")).to_be_visible()

    # 2. Lise works for Helse Bergen: flagged on the hospital's application, she declares the
    # conflict and cannot open it.
    lise = another_browser()
    log_in(lise, base, "lise@tilskot.test", f"/bergen/komite/runde/{round_.pk}/")
    lise.goto(f"{base}/bergen/komite/soknad/{hospital.pk}/habilitet/")
    expect(lise.locator(".flagged")).to_be_visible()
    lise.locator("input[name=conflict][value=yes]").check()
    lise.locator("#id_reason").fill("Eg er tilsett i Helse Bergen, som er part i søknaden.")
    lise.locator("main form button[type=submit]").click()
    expect(lise).to_have_url(re.compile(rf"/bergen/komite/runde/{round_.pk}/$"))
    response = lise.goto(f"{base}/bergen/komite/soknad/{hospital.pk}/")
    assert response.status == 404

    # 3. Both members score: Lise the two she may, Odd all three.
    score_all(lise, base, round_.pk, score="4")
    odd = another_browser()
    log_in(odd, base, "odd@tilskot.test", f"/bergen/komite/runde/{round_.pk}/")
    score_all(odd, base, round_.pk, score="3")

    # 4. The dashboard shows the means and the rank.
    page.goto(f"{base}/bergen/komite/runde/{round_.pk}/oversikt/")
    rows = page.locator("table.dashboard tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("Heimesjukehus for barn")  # scored 3 only, by Odd
    expect(rows.nth(2)).to_contain_text("3,0")  # nynorsk decimal comma
    expect(rows.first).to_contain_text("3,5")  # (4 + 3) / 2

    # 5. The round's deadline has passed: a recommendation over the budget is refused; one
    # within it is sent.
    close_round(round_)
    page.goto(f"{base}/bergen/sekretariat/runde/{round_.pk}/innstilling/")
    for app, amount in ((hospital, "400000"), (apps["Felles legevakt på Askøy"], "500000")):
        page.locator(f"input[name=decision_{app.pk}][value=grant]").check()
        page.locator(f"#id_amount_{app.pk}").fill(amount)
    voss = apps["Ambulant team på Voss"]
    page.locator(f"input[name=decision_{voss.pk}][value=grant]").check()
    page.locator(f"#id_amount_{voss.pk}").fill("300000")
    page.locator("form.recommendation-form button[name=send]").click()
    expect(page.locator("#error-summary")).to_contain_text("1\u202f200\u202f000")
    expect(page.locator(f"#id_amount_{voss.pk}")).to_have_value("300000")  # nothing lost
    page.locator(f"input[name=decision_{voss.pk}][value=reject]").check()
    page.locator(f"#id_amount_{voss.pk}").fill("")
    page.locator(f"#id_reason_{voss.pk}").fill("Svakare samhandling mellom nivåa enn dei andre.")
    page.locator("form.recommendation-form button[name=send]").click()
    expect(page.locator("table.recommendation")).to_contain_text("Ambulant team på Voss")

    # 6. The SSU records its decision: grants two, rejects one.
    ssu = another_browser()
    log_in(ssu, base, "ssu@tilskot.test", "/bergen/vedtak/")
    ssu.locator("table.decisions a").first.click()
    ssu.locator("#id_meeting").fill("SSU-møte 4/2026")
    ssu.locator("#id_case_reference").fill("32/26")
    ssu.locator("#id_decided_on").fill(timezone.localdate().isoformat())
    expect(ssu.locator(f"#id_amount_{hospital.pk}")).to_have_value("400000.00")  # proposed
    expect(ssu.locator(f"#id_period_start_{hospital.pk}")).to_have_value("2027-01-01")
    ssu.locator("form.decision-form button[name=record]").click()
    expect(ssu.locator("table.decision-items")).to_contain_text("Ikkje innvilga")
    expect(ssu.locator("p.recorded")).to_contain_text("900\u202f000")

    # 7. The secretariat issues the letters; the page shows the progress and the ZIP.
    page.goto(f"{base}/bergen/sekretariat/runde/{round_.pk}/vedtaksbrev/")
    expect(page.locator(".money-left")).to_contain_text("100\u202f000")
    page.locator("form[action$='/vedtaksbrev/send/'] button").click()
    expect(page.locator("#letter-progress")).to_have_attribute("value", "100")
    expect(page.locator("#letter-batch")).to_contain_text("3 av 3")
    with page.expect_download() as download:
        page.locator("#letter-batch a[href$='.zip']").click()
    assert download.value.suggested_filename == f"vedtaksbrev-{round_.pk}-hovudrunde-bergen.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        assert len(archive.namelist()) == 3
        askoy = apps["Felles legevakt på Askøy"].pk
        assert f"vedtak-{askoy}-felles-legevakt-på-askøy.pdf" in archive.namelist()  # æøå kept

    # 8. The applicant reads the nynorsk letter on the case.
    ane = another_browser()
    log_in(ane, base, "ane@tilskot.test", f"/bergen/soknad/{hospital.pk}/")
    expect(ane.locator("section.decision")).to_contain_text("400\u202f000")
    with ane.expect_download() as download:
        ane.locator("section.decision a").click()
    assert download.value.suggested_filename == f"vedtak-{hospital.pk}-heimesjukehus-for-barn.pdf"
    with open(download.value.path(), "rb") as letter:
        text, pages = pdf_text(letter.read())
    flat = " ".join(text.split())
    assert f"Vår referanse {hospital.pk}" in flat
    assert "sigrid@tilskot.test" in flat  # the caseworker: who issued the letters
    assert f"Side 1 av {pages}" in flat
    assert "Du får 400 000 kr" in flat
    assert "R-11326" in flat
    assert "Klagefristen er 3 veker" in flat
    assert "forvaltningslova § 28" in flat

    # 9. The granted projects are public.
    ane.goto(f"{base}/bergen/tildelt/")
    listed = ane.locator("ul.granted")
    expect(listed).to_contain_text("Heimesjukehus for barn")
    expect(listed).to_contain_text("Felles legevakt på Askøy")
    expect(listed).not_to_contain_text("Ambulant team på Voss")
