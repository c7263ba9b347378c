"""The PDF of a submission: exactly what was sent, in the community's language, only for those
who may see the application."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from soknad.models import BudgetLine, CostGain, CriterionAnswer
from soknad.pdf import submission_pdf
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import (
    ApplicationFactory,
    DocumentFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
)
from .utils import pdf_text

pytestmark = pytest.mark.django_db

# 23:59 on 1 December 2024 in Oslo (winter time, UTC+1).
SUBMITTED_AT = dt.datetime(2024, 12, 1, 22, 59, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def full_application(round_, **kwargs):
    """An application of ``round_`` with something in every part the PDF shows."""
    community = round_.scheme.community
    application = ApplicationFactory(
        round=round_,
        status="submitted",
        title="Felles legevakt for øyane",
        responsible_organisation=OrganisationFactory(
            community=community, name="Øygarden kommune", org_number="964338531"
        ),
        anchoring_name="Åse Ås",
        anchoring_title="kommunalsjef",
        method="Vi prøver ut ein ny turnus.",
        period_start=dt.date(2025, 3, 1),
        period_end=dt.date(2025, 12, 31),
        **kwargs,
    )
    application.partners.add(OrganisationFactory(community=community, name="Askøy kommune"))
    application.priority_areas.set(round_.scheme.priority_areas.all())
    criterion = round_.scheme.criteria.first()
    CriterionAnswer.objects.create(
        application=application, criterion=criterion, text="Tiltaket styrkjer samhandlinga."
    )
    for amount, own in ((1000, 500), (234, 0)):
        BudgetLine.objects.create(
            application=application,
            year=2025,
            organisation=application.responsible_organisation,
            description="Lønn",
            requested_amount=amount,
            own_contribution=own,
            own_contribution_kind="staff" if own else "",
        )
    CostGain.objects.create(
        application=application,
        organisation=application.responsible_organisation,
        cost_per_year=Decimal(10000),
        gain_per_year=Decimal(25000),
        description="Færre innleggingar.",
    )
    DocumentFactory(application=application, original_name="Samarbeidsavtale.pdf")
    return application


@pytest.fixture
def bergen_application(world):
    with scopes_disabled():
        application = full_application(world.bergen_round)
        SubmissionFactory(application=application, number=1, submitted_at=SUBMITTED_AT)
    return application


def pdf_url(application, number=1):
    return reverse(
        "soknad:pdf",
        kwargs={
            "community": application.community.slug,
            "application": application.pk,
            "number": number,
        },
    )


class TestWhoGetsThePdf:
    def test_owner_gets_the_pdf_as_an_attachment(self, client, bergen_application):
        client.force_login(bergen_application.owner)
        response = client.get(pdf_url(bergen_application))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="soknad-{bergen_application.pk}-1.pdf"'
        )
        assert response.content[:5] == b"%PDF-"
        assert "no-store" in response["Cache-Control"]

    def test_secretariat_of_the_community_gets_it(self, client, world, bergen_application):
        client.force_login(world.sigrid)
        response = client.get(pdf_url(bergen_application))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"

    def test_another_applicant_gets_404(self, client, world, bergen_application):
        other = UserFactory(email="annan@tilskot.test")
        role_grant(user=other, community=world.bergen, role=Role.APPLICANT)
        client.force_login(other)
        assert client.get(pdf_url(bergen_application)).status_code == 404

    def test_committee_member_gets_404(self, client, world, bergen_application):
        # kari sits on Bergen's committee: the committee does not read applications here.
        client.force_login(world.kari)
        assert client.get(pdf_url(bergen_application)).status_code == 404

    def test_other_communitys_secretariat_gets_404(self, client, world, bergen_application):
        client.force_login(world.ola)
        assert client.get(pdf_url(bergen_application)).status_code == 404
        # ... also through its own community's address.
        url = pdf_url(bergen_application).replace("/bergen/", "/ostfold/", 1)
        assert client.get(url).status_code == 404

    def test_a_number_never_submitted_is_404(self, client, bergen_application):
        client.force_login(bergen_application.owner)
        assert client.get(pdf_url(bergen_application, number=2)).status_code == 404

    def test_logged_out_is_sent_to_log_in(self, client, bergen_application):
        response = client.get(pdf_url(bergen_application))
        assert response.status_code == 302
        assert response["Location"] == f"/konto/logg-inn/?next={pdf_url(bergen_application)}"


class TestWhatThePdfSays:
    def test_it_holds_what_was_submitted(self, client, bergen_application):
        client.force_login(bergen_application.owner)
        text, pages = pdf_text(client.get(pdf_url(bergen_application)).content)
        with scopes_disabled():
            criterion = bergen_application.round.scheme.criteria.first()
        assert "Felles legevakt for øyane" in text
        assert "Helsefellesskapet i bergensområdet" in text
        assert "Hovudrunde bergen" in text
        assert "Øygarden kommune" in text
        assert "964 338 531" in text  # the organisation number, grouped
        assert "Askøy kommune" in text
        assert "Åse Ås" in text
        assert "Vi prøver ut ein ny turnus." in text
        assert criterion.title in text
        assert "Tiltaket styrkjer samhandlinga." in text
        assert "Færre innleggingar." in text
        assert "Samarbeidsavtale.pdf" in text
        # Norwegian amounts as rendered by the nok filter: total requested 1 000 + 234.
        assert "1 234 kr" in text
        assert "1 734 kr" in text  # with the own contribution
        assert "25 000 kr" in text
        # Europe/Oslo wall-clock time and dates in the Norwegian format.
        assert "1. desember 2024 kl. 23:59" in text
        assert "1. mars 2025 – 31. desember 2025" in text
        with translation.override("nn"):
            first_page = gettext("Page %(page)s of %(pages)s") % {"page": 1, "pages": pages}
        assert first_page in text

    def test_a_second_submission_says_it_is_number_2(self, client, bergen_application):
        with scopes_disabled():
            SubmissionFactory(application=bergen_application, number=2)
        client.force_login(bergen_application.owner)
        response = client.get(pdf_url(bergen_application, number=2))
        assert response["Content-Disposition"] == (
            f'attachment; filename="soknad-{bergen_application.pk}-2.pdf"'
        )
        text, _pages = pdf_text(response.content)
        with translation.override("nn"):
            version = gettext("Submitted version %(number)s") % {"number": 2}
        assert version in text

    def test_later_edits_do_not_change_the_pdf(self, client, bergen_application):
        with scopes_disabled():
            bergen_application.title = "Endra etter innsending"
            bergen_application.save()
        client.force_login(bergen_application.owner)
        text, _pages = pdf_text(client.get(pdf_url(bergen_application)).content)
        assert "Felles legevakt for øyane" in text
        assert "Endra etter innsending" not in text

    def test_written_in_the_communitys_language_whatever_the_reader_chose(
        self, client, bergen_application
    ):
        client.force_login(bergen_application.owner)
        client.cookies["django_language"] = "en"
        text, _pages = pdf_text(client.get(pdf_url(bergen_application)).content)
        assert "1. desember 2024 kl. 23:59" in text  # English would be "1 December 2024, 23:59"
        assert "NOK" not in text

    def test_an_application_with_little_in_it_renders(self, world):
        with scopes_disabled():
            submission = SubmissionFactory(
                application=ApplicationFactory(round=world.ostfold_round, title="Kort")
            )
        text, pages = pdf_text(submission_pdf(submission))
        assert "Kort" in text
        assert "Helsefellesskapet Østfold" in text
        with translation.override("nb"):
            last_page = gettext("Page %(page)s of %(pages)s") % {"page": pages, "pages": pages}
        assert last_page in text
