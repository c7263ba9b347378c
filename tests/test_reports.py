"""Final reports: drafts never lose work, submission needs what the community's form asks (an
auditor's confirmation above the threshold), the secretariat returns or approves, approval
closes the grant and shared learning points go public; the status report for the regional
health authority; the report-due reminder."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from rapport import services
from rapport.models import FinalReport
from tilskot.models import ReportQuestion
from tilskot.reminders import scan_reminders
from utbetaling.models import Grant

from .factories import ApplicationFactory, make_grant
from .pdfs import pdf_bytes
from .utils import pdf_text

pytestmark = pytest.mark.django_db

COMPLETE = {
    "what_was_done": "Vi etablerte eit felles team.",
    "effect_citizens": "Færre innleggingar.",
    "effect_municipality": "Betre oversikt.",
    "effect_hospital": "Færre reinnleggingar.",
    "continuation": "Teamet held fram i drift.",
    "learning_points": "Start med felles opplæring.",
}


@pytest.fixture
def grant(world):
    with scopes_disabled():
        grant = make_grant(
            ApplicationFactory(round=world.bergen_round, owner=world.kari, title="Felles team"),
            amount=150_000,
        )
        ReportQuestion.objects.create(
            scheme=world.bergen_round.scheme, key="spreiing", text="Kven kan ta tiltaket i bruk?"
        )
    return grant


def url(grant, name="rapport:report"):
    return reverse(name, kwargs={"community": grant.application.community.slug, "grant": grant.pk})


def form_data(grant, **changes):
    with scopes_disabled():
        line = grant.budget_lines.get()
        question = ReportQuestion.objects.get(scheme=grant.application.round.scheme)
    return {
        **COMPLETE,
        "continues": "yes",
        f"spent_{line.pk}": "149000",
        f"answer_{question.pk}": "Alle kommunane i regionen.",
        "share_learning": "on",
        **changes,
    }


def report_of(grant) -> FinalReport:
    with scopes_disabled():
        return FinalReport.objects.get(grant=grant)


class TestDrafting:
    def test_a_mistyped_amount_is_kept_and_the_rest_saved(self, world, client, grant):
        client.force_login(world.kari)
        with scopes_disabled():
            line = grant.budget_lines.get()
        response = client.post(url(grant), form_data(grant, **{f"spent_{line.pk}": "149 000,-"}))
        assert response.status_code == 200
        report = report_of(grant)
        assert report.what_was_done == COMPLETE["what_was_done"]  # saved
        assert report.pending_input == {f"spent_{line.pk}": "149 000,-"}  # kept as typed
        page = client.get(url(grant)).content.decode()
        assert 'value="149 000,-"' in page  # shown again, with its error
        assert 'aria-invalid="true"' in page

    def test_submitting_needs_the_whole_form(self, world, client, grant):
        client.force_login(world.kari)
        response = client.post(url(grant), {"what_was_done": "Litt", "submit": "1"})
        assert response.status_code == 200
        assert report_of(grant).status == FinalReport.Status.DRAFT
        with scope(community=world.bergen):
            missing = services.report_missing(report_of(grant))
        assert "Say whether the measure continues in ordinary operation." in missing
        assert "Give the money spent on every line of the budget." in missing
        assert "Answer “Kven kan ta tiltaket i bruk?”." in missing

    def test_bergen_needs_no_auditor_above_the_threshold_elsewhere_it_does(self, world, grant):
        with scopes_disabled():
            report = services.report_for(grant)
            assert not services.auditor_needed(report)  # Bergen: no separate audit (data)
            scheme = grant.application.round.scheme
            scheme.auditor_threshold = Decimal(100_000)
            scheme.save()
            report = FinalReport.objects.get(pk=report.pk)
            assert services.auditor_needed(report)
            assert (
                "The grant is above 100\u202f000\u00a0kr: attach the auditor's confirmation."
                in services.report_missing(report)
            )

    def test_a_saved_amount_is_shown_as_a_person_typed_it(self, world, client, grant):
        client.force_login(world.kari)
        with scopes_disabled():
            line = grant.budget_lines.get()
        client.post(url(grant), form_data(grant, **{f"spent_{line.pk}": "149000"}))
        page = client.get(url(grant)).content.decode()
        assert 'value="149000"' in page
        assert "149000.00" not in page


class TestTheWholeWay:
    def test_submit_return_resubmit_approve_closes_and_publishes(
        self, world, client, grant, django_capture_on_commit_callbacks, mailoutbox
    ):
        client.force_login(world.kari)
        response = client.post(url(grant), {**form_data(grant), "submit": "1"})
        assert response.status_code == 302
        assert report_of(grant).status == FinalReport.Status.SUBMITTED
        client.post(url(grant), form_data(grant, what_was_done="Endra etterpå"))  # refused
        assert report_of(grant).what_was_done == COMPLETE["what_was_done"]

        client.force_login(world.sigrid)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url(grant, "rapport:decide"), {"comment": "Skriv meir om effekten."})
        report = report_of(grant)
        assert report.status == FinalReport.Status.RETURNED
        assert "Skriv meir om effekten." in mailoutbox[-1].body

        client.force_login(world.kari)
        page = client.get(url(grant)).content.decode()
        assert "Skriv meir om effekten." in page
        client.post(
            url(grant),
            {**form_data(grant, effect_citizens="Færre innleggingar, 30 %."), "submit": "1"},
        )
        assert report_of(grant).status == FinalReport.Status.SUBMITTED

        client.force_login(world.sigrid)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url(grant, "rapport:decide"), {"approve": "1"})
        assert report_of(grant).status == FinalReport.Status.APPROVED
        with scopes_disabled():
            assert Grant.objects.get(pk=grant.pk).status == Grant.Status.CLOSED

        public = client.get("/bergen/tildelt/").content.decode()
        assert "Start med felles opplæring." in public
        assert "Avslutta" in public  # nynorsk: completed

    def test_learning_points_not_shared_stay_private(self, world, client, grant):
        client.force_login(world.kari)
        data = form_data(grant)
        del data["share_learning"]
        client.post(url(grant), {**data, "submit": "1"})
        client.force_login(world.sigrid)
        client.post(url(grant, "rapport:decide"), {"approve": "1"})
        assert "Start med felles opplæring." not in client.get("/bergen/tildelt/").content.decode()

    def test_only_the_recipient_writes_and_only_the_secretariat_decides(self, world, client, grant):
        client.force_login(world.sigrid)
        assert client.post(url(grant), form_data(grant)).status_code == 404
        client.force_login(world.kari)
        assert client.post(url(grant, "rapport:decide"), {"approve": "1"}).status_code == 404
        client.force_login(world.per)
        assert client.get(url(grant)).status_code == 404

    def test_a_submitted_report_cannot_change(self, world, grant):
        with scope(community=world.bergen):
            report = services.report_for(grant)
            report.status = FinalReport.Status.SUBMITTED
            report.save()
            with pytest.raises(ValidationError, match="cannot be changed"):
                services.report_save(
                    report=report, by=world.kari, fields={}, spending={}, answers={}
                )


def test_an_auditors_confirmation_upload_is_checked(world, client, grant):
    with scopes_disabled():
        scheme = grant.application.round.scheme
        scheme.auditor_threshold = Decimal(100_000)
        scheme.save()
    client.force_login(world.kari)
    bad = SimpleUploadedFile("revisor.pdf", b"", content_type="application/pdf")
    response = client.post(url(grant), {**form_data(grant), "auditor_confirmation": bad})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    report = report_of(grant)
    assert report.what_was_done == COMPLETE["what_was_done"]  # the rest is saved all the same
    assert not report.auditor_confirmation
    good = SimpleUploadedFile("revisor.pdf", pdf_bytes("revisor"), content_type="application/pdf")
    client.post(url(grant), {**form_data(grant), "auditor_confirmation": good, "submit": "1"})
    assert report_of(grant).status == FinalReport.Status.SUBMITTED


class TestStatusReport:
    def test_excel_and_pdf_per_year(self, world, client, grant):
        client.force_login(world.sigrid)
        page = client.get(reverse("rapport:status", kwargs={"community": "bergen"}))
        assert "2026" in page.content.decode()
        response = client.get(
            reverse(
                "rapport:status_export",
                kwargs={"community": "bergen", "year": 2026, "format": "xlsx"},
            )
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.values)
        assert rows[1][0] == "Felles team"
        assert rows[1][5] == 150_000
        pdf = client.get(
            reverse(
                "rapport:status_export",
                kwargs={"community": "bergen", "year": 2026, "format": "pdf"},
            )
        )
        text, _pages = pdf_text(pdf.content)
        assert "Felles team" in text
        assert "150 000 kr" in text

    def test_only_the_secretariat_and_finance(self, world, client, grant):
        client.force_login(world.kari)
        assert client.get("/bergen/sekretariat/statusrapport/").status_code == 404


def test_the_report_due_reminder(world, grant, django_capture_on_commit_callbacks, mailoutbox):
    due = grant.report_due  # 31 March 2028
    moment = dt.datetime(due.year, due.month, due.day, 8, 0, tzinfo=dt.UTC) - dt.timedelta(days=2)
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            scan_reminders(now=moment.isoformat())
    reminders = [m for m in mailoutbox if "sluttrapport" in m.subject.lower()]
    assert [m.to for m in reminders] == [["kari@tilskot.test"]]
