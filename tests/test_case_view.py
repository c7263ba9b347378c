"""The case view of one application: who may open it (everyone else gets the same 404), the full
content it shows, what the applicant still has to do, and a query count that does not grow with
the length of the application."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import assign_perm

from soknad import rules
from soknad.models import Document, StatusChange
from soknad.views.case import BudgetYear
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import (
    ApplicationFactory,
    BudgetLineFactory,
    CostGainFactory,
    CriterionAnswerFactory,
    DocumentFactory,
    OrganisationFactory,
    QuestionAnswerFactory,
    SubmissionFactory,
    SubmittedApplicationFactory,
    UserFactory,
    make_grant,
)
from .utils import assert_queries_do_not_grow, count_queries

pytestmark = pytest.mark.django_db


def case_url(application, community="bergen") -> str:
    return reverse(
        "soknad:application", kwargs={"community": community, "application": application.pk}
    )


def in_english(client) -> None:
    # UI strings are asserted by their English msgid, whatever the catalogs say.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def application(world, settings, tmp_path):
    """A submitted application in Bergen with something in every part."""
    settings.MEDIA_ROOT = tmp_path
    with scopes_disabled():
        scheme = world.bergen_round.scheme
        askoy = OrganisationFactory(
            community=world.bergen, name="Askøy kommune", org_number="964338531"
        )
        partner = OrganisationFactory(community=world.bergen, name="Bjørnafjorden kommune")
        app = SubmittedApplicationFactory(
            round=world.bergen_round,
            responsible_organisation=askoy,
            title="Felles legevakt",
            summary="Ei felles legevakt for tre kommunar.",
            method="Kartlegging og utprøving.",
            partners=[partner],
            priority_areas=list(scheme.priority_areas.all()),
        )
        BudgetLineFactory(application=app, year=2027, requested_amount=100_000)
        BudgetLineFactory(
            application=app,
            year=2027,
            organisation=partner,
            requested_amount=40_000,
            own_contribution=0,
        )
        BudgetLineFactory(
            application=app, year=2028, requested_amount=60_000, own_contribution=25_000
        )
        CostGainFactory(application=app, cost_per_year=20_000, gain_per_year=80_000)
        for criterion in scheme.criteria.all():
            CriterionAnswerFactory(
                application=app, criterion=criterion, text=f"Svar på {criterion.title}"
            )
        QuestionAnswerFactory(
            application=app, question__text="Er tiltaket forankra?", text="Ja, i SSU."
        )
        DocumentFactory(application=app, original_name="Samarbeidsavtale.pdf")
        SubmissionFactory(application=app, number=1)
    return app


class TestWhoMayOpenTheCase:
    def test_applicants_and_the_communitys_secretariat_only(self, client, world, application):
        co_applicant = UserFactory(email="co@tilskot.test")
        with scopes_disabled():  # as soknad.services.invitation_accept leaves it
            application.invitations.create(
                email=co_applicant.email, invited_by=application.owner, accepted_by=co_applicant
            )
        assign_perm(rules.COAPPLY, co_applicant, application)
        other_applicant = UserFactory(email="other@tilskot.test")
        role_grant(user=other_applicant, community=world.bergen, role=Role.APPLICANT)
        with scopes_disabled():
            ApplicationFactory(round=world.bergen_round, owner=other_applicant)

        people = {
            "owner": application.owner,
            "co-applicant": co_applicant,
            "secretariat": world.sigrid,
            "another applicant": other_applicant,
            "committee member": world.kari,
            "no role": world.per,
            "other community's secretariat": world.ola,
        }
        statuses = {}
        for who, user in people.items():
            client.force_login(user)
            statuses[who] = client.get(case_url(application)).status_code
        assert statuses == {
            "owner": 200,
            "co-applicant": 200,
            "secretariat": 200,
            "another applicant": 404,
            "committee member": 404,
            "no role": 404,
            "other community's secretariat": 404,
        }

    def test_another_communitys_address_is_404_even_for_its_own_secretariat(
        self, client, world, application
    ):
        client.force_login(world.ola)
        assert client.get(case_url(application, community="ostfold")).status_code == 404

    def test_logged_out_goes_to_the_log_in_page(self, client, world, application):
        response = client.get(case_url(application))
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={case_url(application)}"

    def test_an_unknown_application_is_404(self, client, world):
        client.force_login(world.sigrid)
        url = reverse("soknad:application", kwargs={"community": "bergen", "application": 99999})
        assert client.get(url).status_code == 404


class TestTheCaseShowsTheWholeApplication:
    def test_content(self, client, world, application):
        in_english(client)
        client.force_login(world.sigrid)
        response = client.get(case_url(application))
        assert response.status_code == 200
        content = response.context["content"]

        assert [(y.year, y.requested, y.own_contribution) for y in content.budget_years] == [
            (2027, Decimal(140_000), Decimal(50_000)),
            (2028, Decimal(60_000), Decimal(25_000)),
        ]
        assert content.totals == rules.BudgetTotals(Decimal(200_000), Decimal(75_000))
        assert [p.name for p in content.parties] == ["Askøy kommune", "Bjørnafjorden kommune"]
        with scopes_disabled():
            criteria = list(world.bergen_round.scheme.criteria.all())
        assert [(a.criterion, a.text) for a in content.criteria] == [
            (c, f"Svar på {c.title}") for c in criteria
        ]
        assert [(q.question.text, q.answer.text) for q in content.questions] == [
            ("Er tiltaket forankra?", "Ja, i SSU.")
        ]
        assert [d.original_name for d in content.agreements] == ["Samarbeidsavtale.pdf"]
        assert (content.cost_total, content.gain_total) == (Decimal(20_000), Decimal(80_000))

        html = response.text
        for shown in (
            "Felles legevakt",
            "Ei felles legevakt for tre kommunar.",
            "Kartlegging og utprøving.",
            "Askøy kommune",
            "(org. no. 964\u00a0338\u00a0531)",
            "Bjørnafjorden kommune",
            world.bergen_round.name,
            "NOK\u00a0140,000",  # requested in 2027
            "NOK\u00a0200,000",  # requested in all
            "NOK\u00a075,000",  # own contribution in all
            "NOK\u00a080,000",  # gains per year
            '<span class="ds-tag application-status" data-color="info">Submitted</span>',
        ):
            assert shown in html, shown
        with scopes_disabled():
            document = Document.objects.get(application=application)
        document_url = reverse(
            "soknad:document",
            kwargs={"community": "bergen", "application": application.pk, "document": document.pk},
        )
        assert f'<a href="{document_url}">Samarbeidsavtale.pdf</a>' in html
        pdf_url = reverse(
            "soknad:pdf", kwargs={"community": "bergen", "application": application.pk, "number": 1}
        )
        assert f'href="{pdf_url}"' in html

    def test_budget_year_total(self):
        year = BudgetYear(2027, [], Decimal(10), Decimal(5))
        assert year.total == Decimal(15)

    def test_the_secretariat_gets_the_screening_forms_and_the_applicant_does_not(
        self, client, world, application
    ):
        client.force_login(world.sigrid)
        secretariat = client.get(case_url(application)).context
        client.force_login(application.owner)
        applicant = client.get(case_url(application)).context
        assert (secretariat["can_screen"], applicant["can_screen"]) == (True, False)
        assert list(secretariat["screening_forms"]) == ["complete", "more_info", "reject"]
        assert applicant["screening_forms"] == {}


class TestTheApplicantSeesWhatIsMissing:
    def test_a_draft_lists_each_missing_item_linked_to_its_step(self, client, world):
        with scopes_disabled():
            draft = ApplicationFactory(round=world.bergen_round, summary="")
        client.force_login(draft.owner)
        response = client.get(case_url(draft))
        # The page is in Bergen's nynorsk, so the expected messages are too.
        with scope(community=world.bergen), translation.override("nn"):
            expected = [(m.step, m.message) for m in rules.application_missing(draft)]
        assert [(m.step, m.message) for m in response.context["missing"]] == expected
        assert expected[0] == ("basics", "Skriv eit kort samandrag.")
        assert all(m.editable for m in response.context["missing"])
        summary_step = reverse(
            "soknad:step",
            kwargs={"community": "bergen", "application": draft.pk, "step": "basics"},
        )
        assert f'<a href="{summary_step}">' in response.text

    def test_after_a_request_for_more_information_only_the_opened_steps_link(self, client, world):
        with scopes_disabled():
            app = ApplicationFactory(
                round=world.bergen_round,
                status="more_info",
                summary="",
                more_info_request="Legg ved avtalen.",
                more_info_steps=["parties"],
            )
        client.force_login(app.owner)
        response = client.get(case_url(app))
        editable = {m.step for m in response.context["missing"] if m.editable}
        assert editable == {"parties"}
        assert response.context["edit_step"] == "parties"
        assert "Legg ved avtalen." in response.text

    def test_nothing_to_do_once_submitted(self, client, world, application):
        client.force_login(application.owner)
        response = client.get(case_url(application))
        assert (response.context["missing"], response.context["edit_step"]) == ([], "")


def test_the_case_log_shows_who_changed_what_when(client, world, application):
    in_english(client)
    with scopes_disabled():
        change = StatusChange.objects.create(
            application=application,
            from_status="submitted",
            to_status="complete",
            by=world.sigrid,
            at=application.submitted_at,
            message="Alt er med.",
        )
    client.force_login(application.owner)
    response = client.get(case_url(application))
    assert response.context["status_changes"] == [change]
    row = response.text.split('<table class="ds-table status-log')[1]
    for shown in ("Submitted", "Complete", str(world.sigrid), "Alt er med."):
        assert shown in row, shown


def test_query_count_does_not_grow_with_the_application(client, world, application):
    client.force_login(world.sigrid)

    def grow(n):
        with scopes_disabled():
            for _i in range(n):
                partner = OrganisationFactory(community=world.bergen)
                application.partners.add(partner)
                BudgetLineFactory(application=application, organisation=partner)
                CostGainFactory(application=application, organisation=partner)
                StatusChange.objects.create(
                    application=application,
                    from_status="submitted",
                    to_status="submitted",
                    by=world.sigrid,
                    at=application.submitted_at,
                )

    queries = assert_queries_do_not_grow(lambda: client.get(case_url(application)), grow)
    assert queries == 18  # issue 7: at most 20 for one application's case view


def test_a_granted_case_with_its_letter_and_grant_stays_within_20_queries(
    client, world, application
):
    with scopes_disabled():
        make_grant(application)
    for user in (world.sigrid, application.owner):
        client.force_login(user)
        client.get(case_url(application))  # content types cached, as in a running server
        queries, response = count_queries(lambda: client.get(case_url(application)))
        assert response.status_code == 200
        assert queries <= 20, user


def test_a_budget_line_of_an_organisation_no_longer_a_party_still_shows_it(
    client, world, application
):
    """The case view takes a budget line's party from the parties it has read; one that is no
    longer among them (a partner removed after the line was written) is read for it."""
    with scopes_disabled():
        former = OrganisationFactory(community=world.bergen, name="Tidlegare partnar")
        BudgetLineFactory(application=application, organisation=former)
    client.force_login(world.sigrid)
    response = client.get(case_url(application))
    budget = response.text.split('<table class="ds-table budget"')[1].split("</table>")[0]
    assert "Tidlegare partnar" in budget
