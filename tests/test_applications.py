"""The applicant's journey, through the views and services: drafts that never lose work, the
deadline in Europe/Oslo time, one submission per click, upload checks, rules from data."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from soknad import services
from soknad.models import Application, BudgetLine, Document, Submission
from soknad.rules import application_missing
from tilskot.models import ApplicationQuestion, Organisation, PriorityArea

from .factories import OrganisationFactory, UserFactory, signer_of
from .pdfs import HOSTILE, pdf_bytes, pdf_with_a_comment
from .utils import close_round

OSLO = ZoneInfo("Europe/Oslo")
pytestmark = pytest.mark.django_db

PDF_BYTES = pdf_bytes("Samarbeidsavtale")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def step_url(app, step):
    return reverse(
        "soknad:step",
        kwargs={"community": app.round.scheme.community.slug, "application": app.pk, "step": step},
    )


def complete_application(world, *, community=None, owner=None, round_=None) -> Application:
    """A draft with everything the world's scheme requires, ready to submit."""
    community = community or world.ostfold
    owner = owner or world.kari
    with scope(community=community):
        round_ = round_ or (
            world.ostfold_round if community == world.ostfold else world.bergen_round
        )
        municipality = OrganisationFactory(community=community, name="Halden")
        signer_of(owner, municipality)  # submitting binds the responsible organisation
        trust = Organisation.objects.get(kind="hospital_trust")
        app = Application.objects.create(
            round=round_,
            owner=owner,
            responsible_organisation=municipality,
            title="Felles legevakt",
            summary="Kort",
            description="Lang",
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 12, 31),
            method="m",
            user_involvement="u",
            implementation_plan="i",
            evaluation_plan="e",
            expected_benefit="b",
        )
        app.partners.set([trust])
        app.priority_areas.set(PriorityArea.objects.all()[:1])
        for criterion in round_.scheme.criteria.all():
            app.criterion_answers.create(criterion=criterion, text="Slik.")
        BudgetLine.objects.create(
            application=app,
            year=2027,
            organisation=municipality,
            requested_amount=400_000,
            own_contribution=100_000,
        )
        Document.objects.create(
            application=app,
            kind="agreement",
            original_name="avtale.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by=owner,
            file="applications/x",
        )
    return app


class TestDeadline:
    """Submitting is checked on the server, against the deadline in Europe/Oslo time."""

    @pytest.mark.parametrize(
        ("deadline", "utc_deadline"),
        [
            # Winter time (UTC+1), the day DST ends, and the day it starts (UTC+2 from 02:00).
            (
                dt.datetime(2026, 12, 1, 23, 59, tzinfo=OSLO),
                dt.datetime(2026, 12, 1, 22, 59, tzinfo=dt.UTC),
            ),
            (
                dt.datetime(2026, 10, 25, 12, 0, tzinfo=OSLO),
                dt.datetime(2026, 10, 25, 11, 0, tzinfo=dt.UTC),
            ),
            (
                dt.datetime(2027, 3, 28, 12, 0, tzinfo=OSLO),
                dt.datetime(2027, 3, 28, 10, 0, tzinfo=dt.UTC),
            ),
        ],
    )
    def test_one_second_before_and_after(self, world, deadline, utc_deadline):
        app = complete_application(world)
        with scope(community=world.ostfold):
            round_ = app.round
            round_.opens_at = dt.datetime(2026, 1, 1, tzinfo=OSLO)
            round_.closes_at = deadline
            round_.save()
            assert round_.closes_at == utc_deadline
            late = utc_deadline + dt.timedelta(seconds=1)
            with pytest.raises(services.SubmissionRefusedError) as refused:
                services.application_submit(application=app, user=world.kari, now=late)
            assert "deadline" in refused.value.messages[0]
            app.refresh_from_db()
            assert app.status == Application.Status.DRAFT
            in_time = utc_deadline - dt.timedelta(seconds=1)
            submission = services.application_submit(application=app, user=world.kari, now=in_time)
            app.refresh_from_db()
            assert app.status == Application.Status.SUBMITTED
            assert submission.submitted_at == in_time

    def test_the_answer_to_a_request_for_more_is_taken_after_the_deadline(self, world):
        """A first submission waits for no one, but the secretariat's request for more
        information after the deadline must be answerable: the application came in time, and
        the recommendation cannot be sent before it is screened (test_recommendation)."""
        app = complete_application(world)
        with scope(community=world.ostfold):
            services.application_submit(application=app, user=world.kari)
            services.application_request_more_info(
                application=app, by=world.ola, message="Legg ved avtalen.", steps=["parties"]
            )
        close_round(app.round)
        late_draft = complete_application(world)
        with scope(community=world.ostfold):
            services.application_submit(application=app, user=world.kari)
            app.refresh_from_db()
            assert app.status == Application.Status.SUBMITTED
            assert app.submissions.count() == 2
            with pytest.raises(services.SubmissionRefusedError):  # a first one stays refused
                services.application_submit(application=late_draft, user=world.kari)


def test_double_submission_makes_one(world, client, django_capture_on_commit_callbacks, mailoutbox):
    app = complete_application(world)
    client.force_login(world.kari)
    url = reverse("soknad:submit", kwargs={"community": "ostfold", "application": app.pk})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
        second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    with scopes_disabled():
        assert Submission.objects.filter(application=app).count() == 1
        snapshot = Submission.objects.get(application=app).snapshot
    assert snapshot["title"] == "Felles legevakt"
    assert snapshot["totals"]["requested"] == "400000.00"
    assert [m.to for m in mailoutbox] == [[world.kari.email]]
    assert "Felles legevakt" in mailoutbox[0].body


def test_incomplete_application_is_refused_with_reasons(world, client):
    client.force_login(world.kari)
    with scope(community=world.ostfold):
        app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
    response = client.post(
        reverse("soknad:submit", kwargs={"community": "ostfold", "application": app.pk}),
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    with translation.override("nb"):  # Østfold's pages are in bokmål
        assert gettext("Give the application a title.") in texts
    assert "Gi søknaden en tittel." in texts
    with scope(community=world.ostfold):
        app.refresh_from_db()
    assert app.status == Application.Status.DRAFT


class TestDraftsNeverLoseWork:
    def test_failed_validation_saves_the_valid_fields_and_keeps_the_rest(self, world, client):
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        client.force_login(world.kari)
        response = client.post(
            step_url(app, "basics"),
            {
                "title": "Tittel",
                "summary": "Samandrag",
                "description": "",
                "period_start": "2027-06-01",
                "period_end": "2027-01-01",
            },
        )
        assert response.status_code == 200
        assert [fid for fid, _msg in response.context["error_list"]] == ["id_period_end"]
        with scope(community=world.ostfold):
            app.refresh_from_db()
        assert (app.title, app.summary, app.period_start) == (
            "Tittel",
            "Samandrag",
            dt.date(2027, 6, 1),
        )
        assert app.pending_input["basics"]["period_end"] == ["2027-01-01"]
        # Coming back later shows what was typed, with the error.
        again = client.get(step_url(app, "basics"))
        assert again.context["form"]["period_end"].value() == "2027-01-01"
        assert again.context["form"].errors["period_end"]

    def test_saving_without_errors_clears_the_kept_input(self, world, client):
        with scope(community=world.ostfold):
            app = Application.objects.create(
                round=world.ostfold_round,
                owner=world.kari,
                pending_input={"basics": {"title": ["x"]}},
            )
        client.force_login(world.kari)
        response = client.post(step_url(app, "basics"), {"title": "Ny", "save_next": "1"})
        assert response.status_code == 302
        assert response.url == step_url(app, "parties")
        with scope(community=world.ostfold):
            app.refresh_from_db()
        assert app.pending_input == {}
        assert app.title == "Ny"

    def test_input_sent_after_the_session_expired_is_shown_after_login(self, world, client):
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        response = client.post(step_url(app, "basics"), {"title": "Skrive i to timar"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        # A wrong password first, then the right one, through allauth's log-in form.
        login = response.url
        credentials = {"login": world.kari.email}
        assert client.post(login, {**credentials, "password": "feil"}).status_code == 200
        answer = client.post(login, {**credentials, "password": "passord-for-test"})
        assert answer["Location"] == step_url(app, "basics")
        page = client.get(step_url(app, "basics"))
        assert page.context["form"]["title"].value() == "Skrive i to timar"
        assert client.get(step_url(app, "basics")).context["form"]["title"].value() == ""

    def test_budget_error_keeps_the_lines_typed(self, world, client):
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
            org = Organisation.objects.first()
        client.force_login(world.kari)
        data = {
            "budget-TOTAL_FORMS": "1",
            "budget-INITIAL_FORMS": "0",
            "budget-0-year": "2027",
            "budget-0-organisation": org.pk,
            "budget-0-requested_amount": "-5",
            "budget-0-own_contribution": "10",
        }
        response = client.post(step_url(app, "budget"), data)
        assert response.status_code == 200
        assert response.context["formset"].forms[0]["year"].value() == "2027"
        with scope(community=world.ostfold):
            app.refresh_from_db()
            assert app.budget_lines.count() == 0
        assert app.pending_input["budget"]["budget-0-requested_amount"] == ["-5"]


class TestProgress:
    def done_steps(self, client, app):
        page = client.get(step_url(app, "basics"))
        return [item["key"] for item in page.context["steps"] if item["done"]]

    def test_a_new_draft_has_no_step_done_and_a_complete_one_all_but_review(self, world, client):
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        client.force_login(world.kari)
        assert self.done_steps(client, app) == []
        complete = complete_application(world, owner=world.kari)
        with scope(community=world.ostfold):
            has_costs = complete.costs_gains.exists()
        done = ["basics", "parties", "content", "criteria", "budget"]
        assert self.done_steps(client, complete) == done + (["costs"] if has_costs else [])


class TestUploads:
    def upload(self, client, app, name, content):
        return client.post(
            step_url(app, "parties"),
            {
                "agreement": SimpleUploadedFile(name, content),
                "anchoring_name": "",
            },
        )

    def test_pdf_and_docx_are_accepted(self, world, client, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        client.force_login(world.kari)
        assert self.upload(client, app, "avtale.pdf", PDF_BYTES).status_code == 302
        assert self.upload(client, app, "avtale.docx", docx_bytes()).status_code == 302
        with scope(community=world.ostfold):
            documents = list(app.documents.values_list("original_name", "content_type"))
        # A new agreement replaces the old one.
        assert documents == [
            (
                "avtale.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        ]
        # A comment's rich text (XHTML inside the PDF) is not a page a browser would run.
        assert self.upload(client, app, "kommentert.pdf", pdf_with_a_comment()).status_code == 302

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("avtale.pdf", b"this is plain text pretending to be a PDF"),
            ("bilde.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
            ("arkiv.zip", b"PK\x03\x04not really"),
            ("tom.pdf", b""),
        ],
    )
    def test_other_content_is_refused_clearly_and_the_rest_is_saved(
        self, world, client, name, content, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
            org = Organisation.objects.first()
        client.force_login(world.kari)
        response = client.post(
            step_url(app, "parties"),
            {
                "agreement": SimpleUploadedFile(name, content),
                "responsible_organisation": org.pk,
            },
        )
        assert response.status_code == 200
        assert [fid for fid, _m in response.context["error_list"]] == ["id_agreement"]
        with scope(community=world.ostfold):
            app.refresh_from_db()
            assert app.documents.count() == 0
        assert app.responsible_organisation == org

    @pytest.mark.parametrize("kind", list(HOSTILE))
    def test_a_pdf_that_could_act_on_its_own_is_refused(
        self, world, client, kind, settings, tmp_path
    ):
        """JavaScript, a launch action, an embedded file, a PDF that is also an HTML page or a
        ZIP, or one that does not parse: refused with the reason and what to do, nothing lost."""
        settings.MEDIA_ROOT = tmp_path
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        client.force_login(world.kari)
        response = self.upload(client, app, "avtale.pdf", HOSTILE[kind]())
        assert response.status_code == 200
        ((field, message),) = response.context["error_list"]
        assert field == "id_agreement"
        assert "Lagre eller skriv den ut på nytt som en vanlig PDF" in message
        with scope(community=world.ostfold):
            assert app.documents.count() == 0

    def test_a_word_file_with_macros_is_refused(self, world, client, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<w:document/>")
            z.writestr("word/vbaProject.bin", b"macro")
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        client.force_login(world.kari)
        response = self.upload(client, app, "avtale.docx", archive.getvalue())
        assert [fid for fid, _m in response.context["error_list"]] == ["id_agreement"]

    def test_too_large(self, world):
        big = SimpleUploadedFile("stor.pdf", PDF_BYTES)
        big.size = 20 * 1024 * 1024 + 1
        from soknad.uploads import validate_upload

        with pytest.raises(Exception, match="at most"):
            validate_upload(big)


class TestPermissions:
    def test_another_applicant_and_another_community_get_404(self, world, client):
        app = complete_application(world)
        other = UserFactory(email="annan@tilskot.test")
        client.force_login(other)
        assert client.get(step_url(app, "basics")).status_code == 404
        client.force_login(world.sigrid)  # Bergen's secretariat
        assert client.get(step_url(app, "basics")).status_code == 404
        bergen_url = step_url(app, "basics").replace("/ostfold/", "/bergen/")
        client.force_login(world.kari)
        assert client.get(bergen_url).status_code == 404
        assert client.get(step_url(app, "basics")).status_code == 200

    def test_co_applicant_edits_after_accepting_the_invitation(
        self, world, client, django_capture_on_commit_callbacks, mailoutbox
    ):
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        client.force_login(world.kari)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("soknad:invite", kwargs={"community": "ostfold", "application": app.pk}),
                {"email": "per@tilskot.test"},
            )
        assert mailoutbox[0].to == ["per@tilskot.test"]
        with scope(community=world.ostfold):
            token = app.invitations.get().token
        assert f"/ostfold/invitasjon/{token}/" in mailoutbox[0].body
        client.force_login(world.per)
        assert client.get(step_url(app, "basics")).status_code == 404
        accept = reverse("soknad:invitation", kwargs={"community": "ostfold", "token": token})
        assert client.post(accept).status_code == 302
        assert client.post(step_url(app, "basics"), {"title": "Per skreiv"}).status_code == 302
        with scope(community=world.ostfold):
            app.refresh_from_db()
        assert app.title == "Per skreiv"

    def test_invitation_for_someone_else_is_refused(self, world, client):
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
            invitation = app.invitations.create(email="per@tilskot.test", invited_by=world.kari)
        client.force_login(world.ola)
        response = client.post(
            reverse("soknad:invitation", kwargs={"community": "ostfold", "token": invitation.token})
        )
        assert response.status_code == 200
        assert "per@tilskot.test" in response.context["error"]


class TestRulesFromData:
    def test_a_question_added_in_data_appears_in_the_form(self, world, client):
        with scope(community=world.ostfold):
            app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
            question = ApplicationQuestion.objects.create(
                scheme=world.ostfold_round.scheme,
                key="samisk",
                text="Er tiltaket retta mot samiske pasientar?",
                answer_type="yes_no",
            )
        client.force_login(world.kari)
        page = client.get(step_url(app, "criteria"))
        assert "Er tiltaket retta mot samiske pasientar?" in page.text
        assert f"question_{question.pk}_yes" in page.context["form"].fields
        with scope(community=world.ostfold):
            assert any(m.field == f"question_{question.pk}" for m in application_missing(app))

    def test_partner_rule_comes_from_the_scheme(self, world):
        app = complete_application(world)
        with scope(community=world.ostfold):
            scheme = app.round.scheme
            app.partners.clear()
            assert not [m for m in application_missing(app) if m.field == "partners"]
            scheme.requires_hospital_partner = True
            scheme.save()
            app.round.scheme.refresh_from_db()
            app = Application.objects.get(pk=app.pk)
            assert [m.field for m in application_missing(app) if m.step == "parties"] == [
                "partners"
            ]

    def test_round_maximum(self, world):
        app = complete_application(world)
        with scope(community=world.ostfold):
            app.round.max_amount = 300_000
            app.round.save()
            app = Application.objects.get(pk=app.pk)
            assert [m.field for m in application_missing(app)] == ["budget"]


def test_owner_withdraws_from_the_case_page_and_the_log_says_so(world, client):
    app = complete_application(world)
    client.force_login(world.kari)
    case = client.get(app.get_absolute_url())
    assert case.context["can_withdraw"]
    url = reverse("soknad:withdraw", kwargs={"community": "ostfold", "application": app.pk})
    assert client.post(url, {"reason": "Ikkje finansiering"}).status_code == 302
    with scope(community=world.ostfold):
        app.refresh_from_db()
        change = app.status_changes.get()
    assert app.status == Application.Status.WITHDRAWN
    assert (change.from_status, change.to_status, change.by, change.message) == (
        "draft",
        "withdrawn",
        world.kari,
        "Ikkje finansiering",
    )
    assert not client.get(app.get_absolute_url()).context["can_withdraw"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_make_one(world):
    """Two tabs clicking "submit" at the same moment: the row lock lets one through; the other
    finds the application submitted and gets the same submission back."""
    import threading

    from django.db import connection, connections

    app = complete_application(world)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def click():
        try:
            barrier.wait()
            with scope(community=world.ostfold):
                results.append(services.application_submit(application=app, user=world.kari).pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    if connection.vendor == "sqlite":
        # SQLite's in-memory test database is not shared between threads: click in turn.
        click_threads = []
        with scope(community=world.ostfold):
            for _ in range(2):
                results.append(services.application_submit(application=app, user=world.kari).pk)
    else:
        click_threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in click_threads:
        thread.start()
    for thread in click_threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == 2
    assert len(set(results)) == 1
    with scopes_disabled():
        assert Submission.objects.filter(application=app).count() == 1


def test_the_case_log_reads_in_the_cases_language(world, client):
    """A line the system writes (a resubmission) is in the community's language, whatever
    language the person who caused it browses in (it was English on a nynorsk page)."""
    app = complete_application(world, community=world.bergen, owner=world.kari)
    with scope(community=world.bergen), translation.override("en"):
        services.application_submit(application=app, user=world.kari)
        services.application_request_more_info(
            application=app, by=world.sigrid, message="Legg ved avtalen.", steps=["parties"]
        )
        services.application_submit(application=app, user=world.kari)
        change = app.status_changes.order_by("-at", "-pk").first()
    assert (change.from_status, change.to_status) == ("more_info", "submitted")
    with translation.override("nn"):
        assert change.message == gettext("Resubmitted with more information")
    assert change.message != "Resubmitted with more information"
