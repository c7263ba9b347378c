"""A community that is none of the four, onboarded entirely on Tilskot's own pages (issue 14).

Helsefellesskapet Fjordvik is invented, bokmål, with its own hospital trust, 24 municipalities
and an inter-municipal emergency service. The platform operator creates it, imports its 25
member organisations from a CSV file (first with a bad check digit: refused, the row named,
nothing saved) and invites the first secretariat person. Nina accepts from the e-mail and sets
the rules: what an application must contain, criteria with the scale's ends in Fjordvik's
words, a question of its own, a committee seat, the letters' texts and a round. An applicant
says where she works (Nina confirms her as its signer), applies and submits; Nina screens the
application complete and appoints a member, who scores it on Fjordvik's scale; after the
deadline Nina sends the recommendation, records the decision body's decision and issues the
letters; the applicant's letter carries Fjordvik's texts.

axe checks every page every browser loads, and no request of any browser goes to ``/admin/``.
Steps are found by ids, names and data attributes, not by wording."""

import datetime as dt
import re
import zipfile
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from komite.models import Membership
from soknad.models import Affiliation, Application
from tilskot.models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    Criterion,
    Organisation,
    Round,
    Scheme,
)
from tilskot.roles import Role, has_role
from tilskot.validators import org_number_check_digit

from ..factories import UserFactory
from ..pdfs import pdf_bytes
from ..utils import close_round, pdf_text
from .test_decision_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OSLO = ZoneInfo("Europe/Oslo")
SLUG = "fjordvik"
NAME = "Helsefellesskapet Fjordvik"
TRUST = "Fjordvik sykehus HF"
DECISION_BODY = "Strategisk samarbeidsutvalg i Fjordvik"
APPEAL_BODY = "Helse Vestkyst RHF"
PROJECT_NUMBER = "FJV-2027-04"
GREETING = "Hilsen Fjordvik-sekretariatet"
GRANT_TEXT = "Fjordvik ber om at tilskuddet nevnes i all omtale."
LOW, HIGH = "svært svak", "svært sterk"
QUESTION = "Hvordan deler dere erfaringene med de andre kommunene i Fjordvik?"
TITLE = "Felles dagtilbud for eldre i Granvik"
MUNICIPALITIES = [
    "Granvik",
    "Havbakken",
    "Lysnes",
    "Storvollen",
    "Bjørkedal",
    "Eikeberg",
    "Solstrand",
    "Kvitvik",
    "Måkeøy",
    "Furuli",
    "Steinsund",
    "Lindås-Fjord",
    "Vesterhamn",
    "Austbø",
    "Nordhella",
    "Sørfjorden",
    "Tindeland",
    "Elvebakk",
    "Grønnvoll",
    "Hestnes",
    "Kråkvåg",
    "Lauvstad",
    "Rypedal",
    "Øyfjell",
]
BAD_ROW = 8  # the file's row (the header is row 1) whose check digit is wrong at first
INVITATION = re.compile(rf"http://\S+(/{SLUG}/personer/invitasjon/[0-9a-f-]+/)")


def org_numbers(count: int, start: int = 91_000_000) -> list[str]:
    """``count`` invented organisation numbers that pass the mod-11 check."""
    numbers, first_eight = [], start
    while len(numbers) < count:
        check = org_number_check_digit(str(first_eight))
        if check is not None:
            numbers.append(f"{first_eight}{check}")
        first_eight += 7
    return numbers


def wrong_check_digit(number: str) -> str:
    return number[:8] + str((int(number[8]) + 1) % 10)


def member_file(rows: list[tuple[str, str, str, str]]) -> dict:
    lines = ["navn;organisasjonsnummer;type;kommunenummer", *(";".join(row) for row in rows)]
    text = "\r\n".join(lines) + "\r\n"
    return {"name": "medlemmer-fjordvik.csv", "mimeType": "text/csv", "buffer": text.encode()}


def oslo(moment: dt.datetime) -> tuple[str, str]:
    """The date and the time of day a person in Norway types for ``moment``."""
    local = moment.astimezone(OSLO)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def save(page) -> None:
    """Save a rules page: it comes back with the success message and no error summary."""
    page.locator("#rules-form button[type=submit]").click()
    expect(page.locator(".messages .ds-alert[data-color=success]")).to_have_count(1)
    expect(page.locator("#error-summary")).to_have_count(0)


def test_a_new_community_from_onboarding_to_decision_letter(
    browse, page, live_server, world, another_browser, settings
):
    settings.SITE_URL = live_server.url  # links in e-mails point at the test server
    base = live_server.url
    requested: list[str] = []

    def watched(page):
        page.context.on("request", lambda request: requested.append(urlsplit(request.url).path))
        return page

    def other_browser():
        return watched(another_browser())

    trust_number, community_number, *member_numbers = org_numbers(27)
    members = [
        (f"{name} kommune", number, "kommune", f"40{i:02d}")
        for i, (name, number) in enumerate(zip(MUNICIPALITIES, member_numbers[:24], strict=True), 1)
    ]
    members.append(("Fjordvik interkommunale legevakt IKS", member_numbers[24], "annen", ""))
    assert len(members) == 25
    nina = UserFactory(email="nina@fjordvik.test", first_name="Nina", last_name="Sand")
    tone = UserFactory(email="tone@granvik.kommune.test", first_name="Tone", last_name="Lie")
    eirik = UserFactory(email="eirik@fjordvik.test", first_name="Eirik", last_name="Dahl")

    # 1. The operator creates the community, in bokmål.
    watched(page)
    page = browse("/")
    log_in(page, base, world.admin.email, "/drift/")
    page.locator("#new-community").click()
    expect(page).to_have_url(re.compile(r"/drift/ny/$"))
    for name, value in {
        "name": NAME,
        "slug": SLUG,
        "description": "Kommunene i Fjordvik og Fjordvik sykehus HF samarbeider om helsetjenester.",
        "postal_address": "Postboks 12",
        "postcode": "4650",
        "postal_place": "Fjordvik",
        "contact_email": "post@fjordvik.test",
        "org_number": community_number,
        "assessing_body": "Søknadsutvalget i Fjordvik",
        "decision_body": DECISION_BODY,
        "appeal_body": APPEAL_BODY,
        "payment_project_number": PROJECT_NUMBER,
        "reminder_days": "14, 3, 1",
        "hospital_trust_name": TRUST,
        "hospital_trust_org_number": trust_number,
        "units": "Klinikk for psykisk helse\nMedisinsk klinikk",
        "scheme_name": "Samhandlingstilskudd Fjordvik",
    }.items():
        page.locator(f"#id_{name}").fill(value)
    page.locator("#id_language").select_option("nb")
    page.locator("#id_payment_route_0").check()  # paid against invoices
    page.locator("#id_national_priorities_0").check()  # the national priority areas: yes
    page.locator("#community-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{SLUG}/regler/medlemmer/import/$"))
    with scopes_disabled():
        community = Community.objects.get(slug=SLUG)
        scheme = Scheme.objects.get(community=community)
        trust = Organisation.objects.get(community=community, kind="hospital_trust")
    assert (community.language, community.internal_booking) == ("nb", False)
    assert community.reminder_days == [14, 3, 1]
    assert trust.org_number == trust_number

    # 2. The member list with one bad check digit: refused, the row named, nothing saved.
    bad = list(members)
    name, number, kind, municipality = bad[BAD_ROW - 2]
    bad[BAD_ROW - 2] = (name, wrong_check_digit(number), kind, municipality)
    page.locator("#id_file").set_input_files(files=[member_file(bad)])
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("table.import-errors tbody tr")).to_have_count(1)
    expect(page.locator(f"table.import-errors tr[data-line='{BAD_ROW}']")).to_contain_text(name)
    expect(page.locator("#import-button")).to_have_count(0)
    with scopes_disabled():
        assert Organisation.objects.filter(community=community).count() == 3  # trust, 2 units

    # 3. The corrected file: every row shown, then imported.
    page.locator("#id_file").set_input_files(files=[member_file(members)])
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("table.import-preview tr[data-action='add']")).to_have_count(25)
    page.locator("#import-button").click()
    expect(page).to_have_url(re.compile(rf"/{SLUG}/personer/\?role=secretariat$"))
    with scopes_disabled():
        imported = Organisation.objects.filter(
            community=community, org_number__in=[row[1] for row in members]
        )
        assert imported.count() == 25
        assert imported.filter(kind="municipality").count() == 24
        assert Organisation.objects.filter(community=community).count() == 28
        granvik = Organisation.objects.get(community=community, municipality_number="4001")

    # 4. The operator invites the first secretariat person.
    expect(page.locator("#id_role")).to_have_value(Role.SECRETARIAT.value)
    page.locator("#id_email").fill(nina.email)
    page.locator("#invite-form button[type=submit]").click()
    expect(page.locator(f'table.role-invitations tr[data-email="{nina.email}"]')).to_have_count(1)
    [invitation] = [message for message in mail.outbox if message.to == [nina.email]]
    link = INVITATION.search(invitation.body).group(1)

    # 5. Nina opens the link in her own browser, logs in and accepts.
    secretariat = other_browser()
    log_in(secretariat, base, nina.email, link)
    secretariat.locator("#accept-role").click()
    expect(secretariat).to_have_url(re.compile(rf"/{SLUG}/oppgaver/$"))
    assert has_role(nina, community, Role.SECRETARIAT)

    def rules_page(path: str):
        secretariat.goto(f"{base}/{SLUG}/regler/{path}")
        expect(secretariat.locator("h1")).to_be_visible()
        return secretariat

    # 6. Nina sets the rules, from the rules' index. What an application must contain:
    rules_page("")
    rules = rules_page(f"ordning/{scheme.pk}/")
    rules.locator("#id_purpose").fill("Bedre samhandling mellom kommunene og sykehuset.")
    rules.locator("#id_requires_municipality_partner").check()
    rules.locator("#id_requires_hospital_partner").check()
    save(rules)
    # The criteria, each with what the ends of its scale mean:
    rules = rules_page(f"ordning/{scheme.pk}/kriterium/")
    for row, title in enumerate(("Samhandling mellom nivåene", "Nytte for pasientene")):
        rules.locator(f"#id_rows-{row}-title").fill(title)
        rules.locator(f"#id_rows-{row}-kind").select_option("scored")
        rules.locator(f"#id_rows-{row}-score_min").fill("1")
        rules.locator(f"#id_rows-{row}-score_max").fill("5")
        rules.locator(f"#id_rows-{row}-score_min_label").fill(LOW)
        rules.locator(f"#id_rows-{row}-score_max_label").fill(HIGH)
    save(rules)
    # A question of Fjordvik's own:
    rules = rules_page(f"ordning/{scheme.pk}/sporsmal/")
    rules.locator("#id_rows-0-text").fill(QUESTION)
    rules.locator("#id_rows-0-answer_type").select_option("text")
    rules.locator("#id_rows-0-required").check()
    save(rules)
    # The committee's seats:
    rules = rules_page("komite/")
    rules.locator("#id_rows-0-title").fill("Representant for kommunene")
    rules.locator("#id_rows-0-count").fill("2")
    save(rules)
    # The letters' texts:
    rules = rules_page("brev/")
    rules.locator("#id_letter_greeting").fill(GREETING)
    rules.locator("#id_letter_grant_text").fill(GRANT_TEXT)
    save(rules)
    # A round, open from an hour ago until tomorrow:
    rules = rules_page(f"ordning/{scheme.pk}/runde/ny/")
    now = dt.datetime.now(dt.UTC)
    rules.locator("#id_name").fill("Hovedrunde 2027")
    for field, moment in (
        ("opens_at", now - dt.timedelta(hours=1)),
        ("closes_at", now + dt.timedelta(days=1)),
    ):
        day, time = oslo(moment)
        rules.locator(f"#id_{field}_0").fill(day)
        rules.locator(f"#id_{field}_1").fill(time)
    rules.locator("#id_budget").fill("1000000")
    rules.locator("#id_max_amount").fill("500000")
    rules.locator("#rules-form button[type=submit]").click()
    expect(rules).to_have_url(re.compile(rf"/{SLUG}/regler/ordning/{scheme.pk}/runde/$"))
    expect(rules.locator("table.rules-rounds")).to_contain_text("Hovedrunde 2027")
    with scopes_disabled():
        scheme.refresh_from_db()
        assert scheme.requires_municipality_partner
        assert scheme.requires_hospital_partner
        criteria = list(Criterion.objects.filter(scheme=scheme))
        assert [(c.score_min_label, c.score_max_label) for c in criteria] == [(LOW, HIGH)] * 2
        question = ApplicationQuestion.objects.get(scheme=scheme)
        seat = CommitteeSeat.objects.get(community=community)
        round_ = Round.objects.get(scheme=scheme)
        community.refresh_from_db()
    assert (community.letter_greeting, community.letter_grant_text) == (GREETING, GRANT_TEXT)
    assert (round_.budget, round_.max_amount) == (1_000_000, 500_000)

    # 7. Tone says on her profile that she works for Granvik kommune; Nina confirms her as
    # its signer on the organisation's page.
    applicant = other_browser()
    log_in(applicant, base, tone.email, f"/{SLUG}/profil/")
    applicant.locator("#id_add-organisation").select_option(str(granvik.pk))
    applicant.locator("form.add-affiliation button[type=submit]").click()
    expect(applicant.locator("table.affiliations")).to_contain_text("Granvik kommune")
    with scopes_disabled():
        affiliation = Affiliation.objects.get(user=tone, organisation=granvik)
    secretariat.goto(f"{base}/{SLUG}/organisasjon/{granvik.pk}/")
    secretariat.locator(f"#person-{affiliation.pk} button[value=signer]").first.click()
    expect(secretariat.locator(f"#person-{affiliation.pk}")).to_have_class(
        re.compile("affiliation-confirmed")
    )
    with scopes_disabled():
        affiliation.refresh_from_db()
    assert (affiliation.capacity, affiliation.confirmed_by) == ("signer", nina)

    # 8. Tone starts an application in the round and fills in every step.
    applicant.goto(f"{base}/{SLUG}/runde/{round_.pk}/")
    applicant.locator("form[action$='/ny-soknad/'] button[type=submit]").click()
    expect(applicant).to_have_url(re.compile(r"/steg/basics/$"))
    applicant.locator("#id_title").fill(TITLE)
    applicant.locator("#id_summary").fill("Kommunen og sykehuset gir eldre et felles dagtilbud.")
    applicant.locator("#id_description").fill("Et dagtilbud med lege og sykepleier to dager i uka.")
    applicant.locator("#id_period_start").fill("2027-01-01")
    applicant.locator("#id_period_end").fill("2027-12-31")
    applicant.locator("button[name=save_next]").click()
    expect(applicant).to_have_url(re.compile(r"/steg/parties/$"))
    applicant.locator("#id_responsible_organisation").select_option(str(granvik.pk))
    applicant.locator(f"input[name=partners][value='{trust.pk}']").check()
    applicant.locator("#id_applicant_reference").fill("GK-2027-14")
    applicant.locator("#id_agreement").set_input_files(
        files=[
            {
                "name": "samarbeidsavtale.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes("Samarbeidsavtale Granvik og Fjordvik sykehus"),
            }
        ]
    )
    applicant.locator("button[name=save]").click()
    expect(applicant.locator(".documents")).to_contain_text("samarbeidsavtale.pdf")
    applicant.locator("button[name=save_next]").click()
    expect(applicant).to_have_url(re.compile(r"/steg/content/$"))
    applicant.locator("input[name=priority_areas]").first.check()
    for field in (
        "method",
        "user_involvement",
        "implementation_plan",
        "evaluation_plan",
        "expected_benefit",
    ):
        applicant.locator(f"#id_{field}").fill(f"{field}: slik gjør vi det i Granvik.")
    applicant.locator("button[name=save_next]").click()
    expect(applicant).to_have_url(re.compile(r"/steg/criteria/$"))
    for criterion in criteria:
        applicant.locator(f"#id_criterion_{criterion.pk}").fill("Tiltaket treffer dette godt.")
    applicant.locator(f"#id_question_{question.pk}").fill("Vi holder et erfaringsseminar.")
    applicant.locator("button[name=save_next]").click()
    expect(applicant).to_have_url(re.compile(r"/steg/budget/$"))
    applicant.locator("#id_budget-0-year").fill("2027")
    applicant.locator("#id_budget-0-organisation").select_option(str(granvik.pk))
    applicant.locator("#id_budget-0-requested_amount").fill("400000")
    applicant.locator("#id_budget-0-own_contribution").fill("100000")
    applicant.locator("#id_budget-0-own_contribution_kind").select_option("staff")
    applicant.locator("button[name=save_next]").click()
    expect(applicant).to_have_url(re.compile(r"/steg/costs/$"))
    applicant.locator("button[name=save_next]").click()  # costs and gains: none
    expect(applicant).to_have_url(re.compile(r"/steg/review/$"))
    expect(applicant.locator(".missing")).to_have_count(0)
    applicant.locator("form[action$='/send/'] button[type=submit]").click()
    expect(applicant).to_have_url(re.compile(r"/kvittering/1/$"))
    with scopes_disabled():
        application = Application.objects.get(round=round_)
    assert (application.title, application.status) == (TITLE, Application.Status.SUBMITTED)
    assert any(tone.email in m.to and TITLE in m.body for m in mail.outbox)
    case = f"/{SLUG}/soknad/{application.pk}/"

    # 9. Nina screens it complete, appoints Eirik to the seat and opens the review.
    secretariat.goto(f"{base}{case}")
    secretariat.locator("#complete-form button[type=submit]").click()
    expect(secretariat.locator(".messages .ds-alert[data-color=success]")).to_have_count(1)
    expect(secretariat.locator("#complete-form")).to_have_count(0)
    with scopes_disabled():
        application.refresh_from_db()
    assert application.status == Application.Status.COMPLETE
    secretariat.goto(f"{base}/{SLUG}/sekretariat/runde/{round_.pk}/komite/")
    secretariat.locator("#id_email").fill(eirik.email)
    secretariat.locator("#id_seat").select_option(str(seat.pk))
    secretariat.locator("form.appoint button[type=submit]").click()
    expect(secretariat.locator("table.members")).to_contain_text(eirik.email)
    deadline = dt.datetime.now(OSLO) + dt.timedelta(days=3)
    secretariat.locator("#id_scoring_deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    secretariat.locator("form.open-review button[type=submit]").click()
    expect(secretariat.locator(".review-state")).to_be_visible()
    with scopes_disabled():
        assert Membership.objects.get(round=round_, user=eirik).seat == seat

    # 10. Eirik declares no conflict and scores on Fjordvik's scale, whose ends he reads.
    member = other_browser()
    log_in(member, base, eirik.email, f"/{SLUG}/komite/runde/{round_.pk}/")
    member.locator("table.review-list a").first.click()
    expect(member).to_have_url(re.compile(rf"/komite/soknad/{application.pk}/habilitet/$"))
    member.locator("input[name=conflict][value=no]").check()
    member.locator("main form button[type=submit]").click()
    expect(member).to_have_url(re.compile(rf"/{SLUG}/komite/soknad/{application.pk}/$"))
    for criterion, score in zip(criteria, ("4", "5"), strict=True):
        fieldset = member.locator(f"#criterion-{criterion.pk}")
        expect(fieldset).to_contain_text(f"1 = {LOW}")
        expect(fieldset).to_contain_text(f"5 = {HIGH}")
        fieldset.locator(f"input[type=radio][value='{score}']").check()
    member.locator("form.assessment button[name=submit]").click()
    expect(member.locator("#scoring p.submitted")).to_be_visible()

    # 11. The round's deadline passes (time, not a person): Nina sends the recommendation.
    close_round(round_)
    secretariat.goto(f"{base}/{SLUG}/sekretariat/runde/{round_.pk}/innstilling/")
    secretariat.locator(f"input[name=decision_{application.pk}][value=grant]").check()
    secretariat.locator(f"#id_amount_{application.pk}").fill("400000")
    secretariat.locator("form.recommendation-form button[name=send]").click()
    expect(secretariat.locator("table.recommendation")).to_contain_text(TITLE)

    # 12. Nina records the decision body's decision on its behalf.
    secretariat.goto(f"{base}/{SLUG}/vedtak/")
    expect(secretariat.locator("table.decisions")).to_contain_text(DECISION_BODY)
    secretariat.locator("table.decisions a").first.click()
    secretariat.locator("#id_meeting").fill("SSU-møte 1/2027")
    secretariat.locator("#id_case_reference").fill("7/27")
    secretariat.locator("#id_decided_on").fill(dt.datetime.now(OSLO).date().isoformat())
    expect(secretariat.locator(f"#id_amount_{application.pk}")).to_have_value("400000.00")
    secretariat.locator("form.decision-form button[name=record]").click()
    expect(secretariat.locator("p.recorded")).to_contain_text("400\u202f000")

    # 13. Nina issues the letters: the progress, and the ZIP with the one letter.
    secretariat.goto(f"{base}/{SLUG}/sekretariat/runde/{round_.pk}/vedtaksbrev/")
    secretariat.locator("form[action$='/vedtaksbrev/send/'] button").click()
    expect(secretariat.locator("#letter-progress")).to_have_attribute("value", "100")
    with secretariat.expect_download() as download:
        secretariat.locator("#letter-batch a[href$='.zip']").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert len(archive.namelist()) == 1

    # 14. Tone reads the letter on the case: Fjordvik's own words, from its data.
    applicant.goto(f"{base}{case}")
    expect(applicant.locator("section.decision")).to_contain_text("400\u202f000")
    with applicant.expect_download() as download:
        applicant.locator("section.decision a").click()
    with open(download.value.path(), "rb") as letter:
        text, _pages = pdf_text(letter.read())
    flat = " ".join(text.split())
    for expected in (NAME, GREETING, GRANT_TEXT, APPEAL_BODY, PROJECT_NUMBER, DECISION_BODY):
        assert expected in flat, expected
    assert "Granvik kommune" in flat  # the responsible organisation, addressed
    assert "Du får 400 000 kr" in flat  # bokmål
    assert f"går klagen til {APPEAL_BODY}" in flat  # who hears the appeal, said in bokmål
    assert "Med vennlig hilsen" not in flat  # the greeting is Fjordvik's own

    # 15. Nothing any browser asked for was Django's admin.
    assert "/" in requested  # the first page, before anyone logged in
    assert f"/{SLUG}/soknad/{application.pk}/vedtaksbrev.pdf" in requested  # every browser
    assert not [path for path in requested if path.startswith("/admin/")]
