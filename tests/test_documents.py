"""What the applicant gets back: uploaded documents served only to those who may see the
application, and the e-mails about it (receipt, invitation, more information, rejection) in the
community's language with links that work outside the site."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from soknad.models import Application, Invitation
from soknad.services import _notify
from tilskot.models import Notification
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import ApplicationFactory, DocumentFactory, SubmissionFactory, UserFactory
from .pdfs import pdf_bytes

pytestmark = pytest.mark.django_db

CONTENT = pdf_bytes("Samarbeidsavtale mellom kommunen og HF")
# 23:59 on 1 December 2024 in Oslo (winter time, UTC+1).
SUBMITTED_AT = dt.datetime(2024, 12, 1, 22, 59, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def document(world):
    with scopes_disabled():
        return DocumentFactory(
            application=ApplicationFactory(round=world.bergen_round),
            original_name="Avtale.pdf",
            data=CONTENT,
        )


def document_url(application, document) -> str:
    return reverse(
        "soknad:document",
        kwargs={
            "community": application.community.slug,
            "application": application.pk,
            "document": document.pk,
        },
    )


def download(client, url: str) -> tuple[int, bytes, dict]:
    response = client.get(url)
    # Reading the stream to the end closes the file (response.close() would also close the
    # test's database connection on PostgreSQL).
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, content, response.headers


class TestDocumentDownload:
    def test_owner_gets_the_exact_bytes_under_the_original_name(self, client, document):
        client.force_login(document.application.owner)
        status, content, headers = download(client, document_url(document.application, document))
        assert status == 200
        assert content == CONTENT
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"] == 'attachment; filename="Avtale.pdf"'
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in headers["Cache-Control"]

    def test_a_norwegian_file_name_survives(self, client, world):
        with scopes_disabled():
            document = DocumentFactory(
                application=ApplicationFactory(round=world.bergen_round),
                original_name="Avtale Øygarden–Ås.pdf",
            )
        client.force_login(document.application.owner)
        _status, _content, headers = download(client, document_url(document.application, document))
        assert headers["Content-Disposition"] == (
            "attachment; filename*=utf-8''Avtale%20%C3%98ygarden%E2%80%93%C3%85s.pdf"
        )

    def test_secretariat_of_the_community_gets_it_once_submitted(self, client, world, document):
        client.force_login(world.sigrid)
        url = document_url(document.application, document)
        assert download(client, url)[0] == 404  # a draft's files are the applicants' alone
        with scopes_disabled():
            Application.objects.filter(pk=document.application.pk).update(
                status=Application.Status.SUBMITTED, submitted_at=SUBMITTED_AT
            )
        status, content, _headers = download(client, url)
        assert (status, content) == (200, CONTENT)

    @pytest.mark.parametrize(
        ("name", "served"),
        [
            ("avtale.html", "avtale.pdf"),
            ("setup.exe", "setup.pdf"),
            ("avtale", "avtale.pdf"),
            ("..\\..\\avtale.pdf.js", "avtale.pdf.pdf"),
            ('"; x=.pdf', "_; x=.pdf"),
        ],
    )
    def test_served_as_its_checked_type_whatever_it_was_called(self, client, world, name, served):
        with scopes_disabled():
            document = DocumentFactory(
                application=ApplicationFactory(round=world.bergen_round), original_name=name
            )
        client.force_login(document.application.owner)
        _status, _content, headers = download(client, document_url(document.application, document))
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"] == f'attachment; filename="{served}"'

    def test_another_applicant_gets_404(self, client, world, document):
        other = UserFactory(email="annan@tilskot.test")
        role_grant(user=other, community=world.bergen, role=Role.APPLICANT)
        client.force_login(other)
        status, _content, _headers = download(client, document_url(document.application, document))
        assert status == 404

    def test_other_communitys_secretariat_gets_404(self, client, world, document):
        client.force_login(world.ola)
        url = document_url(document.application, document)
        assert download(client, url)[0] == 404
        assert download(client, url.replace("/bergen/", "/ostfold/", 1))[0] == 404

    def test_a_document_of_another_application_is_404(self, client, world, document):
        # The same person may see both applications, but a document is only reached through
        # the application it belongs to.
        with scopes_disabled():
            other_application = ApplicationFactory(
                round=world.bergen_round, owner=document.application.owner
            )
        client.force_login(document.application.owner)
        assert download(client, document_url(other_application, document))[0] == 404
        assert download(client, document_url(document.application, document))[0] == 200

    def test_a_file_gone_from_disk_is_404(self, client, document):
        document.file.delete(save=False)
        client.force_login(document.application.owner)
        assert download(client, document_url(document.application, document))[0] == 404

    def test_logged_out_is_sent_to_log_in(self, client, document):
        url = document_url(document.application, document)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/konto/logg-inn/?next={url}"


# --- e-mails ------------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def case_url(application) -> str:
    return reverse(
        "soknad:application",
        kwargs={"community": application.community.slug, "application": application.pk},
    )


def send(mailoutbox, capture, application, template, **context):
    """Send one e-mail the way the services do, while someone else's language is active."""
    with translation.override("en"), scope(community=application.community), capture(execute=True):
        _notify(
            kind=Notification.Kind.RECEIPT,
            key=f"test:{template}",
            recipients=["soker@tilskot.test"],
            template=template,
            application=application,
            **context,
        )
    [mail] = mailoutbox
    assert mail.to == ["soker@tilskot.test"]
    # Plain text and HTML alike.
    assert [mimetype for _content, mimetype in mail.alternatives] == ["text/html"]
    return mail


def translated(language: str, msgid: str, **values) -> str:
    with translation.override(language):
        return gettext(msgid) % values


class TestEmails:
    def test_receipt_in_nynorsk_for_bergen(
        self, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        with scopes_disabled():
            application = ApplicationFactory(round=world.bergen_round, title="Felles legevakt")
            submission = SubmissionFactory(
                application=application, number=2, submitted_at=SUBMITTED_AT
            )
        mail = send(
            mailoutbox,
            django_capture_on_commit_callbacks,
            application,
            "receipt",
            submission=submission,
        )
        assert mail.subject == translated(
            "nn", "Application received: %(title)s", title="Felles legevakt"
        )
        lines = mail.body.splitlines()
        pdf_path = reverse(
            "soknad:pdf",
            kwargs={"community": "bergen", "application": application.pk, "number": 2},
        )
        assert absolute(case_url(application)) in lines
        assert absolute(pdf_path) in lines
        with translation.override("nn"):
            assert f"{gettext('Application')}: Felles legevakt" in lines
            assert f"{gettext('Round')}: Hovudrunde bergen" in lines
            # Norwegian date format and Oslo time, though English was active when it was sent.
            assert f"{gettext('Submitted')}: 1. desember 2024 kl. 23:59" in lines
            assert f"{gettext('Submission number')}: 2" in lines

    def test_invitation_in_bokmal_for_ostfold(
        self, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        inviter = UserFactory(email="inviterer@tilskot.test", first_name="Nora", last_name="Berg")
        with scopes_disabled():
            application = ApplicationFactory(
                round=world.ostfold_round, owner=inviter, title="Ambulant team"
            )
            invitation = Invitation.objects.create(
                application=application, email="ny@tilskot.test", invited_by=inviter
            )
        accept_url = reverse(
            "soknad:invitation", kwargs={"community": "ostfold", "token": invitation.token}
        )
        mail = send(
            mailoutbox,
            django_capture_on_commit_callbacks,
            application,
            "invitation",
            invitation=invitation,
            accept_url=accept_url,
            by=inviter,
        )
        assert mail.subject == translated(
            "nb",
            "%(name)s invites you to an application in %(community)s",
            name="Nora Berg",
            community="Helsefellesskapet Østfold",
        )
        lines = mail.body.splitlines()
        assert absolute(accept_url) in lines
        with translation.override("nb"):
            assert f"{gettext('Application')}: Ambulant team" in lines
        assert "Nora Berg (inviterer@tilskot.test)" in mail.body
        assert "ny@tilskot.test" in mail.body

    def test_more_info_in_nynorsk_quotes_the_message_as_written(
        self, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        message = "Budsjettet manglar eigeninnsats.\nLegg ved avtalen med Askøy & Øygarden <HF>."
        with scopes_disabled():
            application = ApplicationFactory(round=world.bergen_round, title="Felles legevakt")
        mail = send(
            mailoutbox,
            django_capture_on_commit_callbacks,
            application,
            "more_info",
            message=message,
        )
        assert mail.subject == translated(
            "nn", "More information needed: %(title)s", title="Felles legevakt"
        )
        assert message in mail.body  # not HTML-escaped: this is plain text
        with translation.override("nn"):
            open_case = f"1. {gettext('Open the case:')} {absolute(case_url(application))}"
        assert open_case in mail.body.splitlines()

    def test_rejected_in_bokmal_gives_the_reason_and_the_right_to_complain(
        self, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        reason = "Søknaden kom etter fristen, og «avtale» mangler."
        world.ostfold.contact_email = "post@helsefellesskapet-ostfold.no"
        world.ostfold.save()
        with scopes_disabled():
            application = ApplicationFactory(round=world.ostfold_round, title="Ambulant team")
        mail = send(
            mailoutbox,
            django_capture_on_commit_callbacks,
            application,
            "rejected",
            reason=reason,
        )
        assert mail.subject == translated(
            "nb", "Application rejected on formal grounds: %(title)s", title="Ambulant team"
        )
        lines = mail.body.splitlines()
        assert reason in lines
        assert absolute(case_url(application)) in lines
        # The complaint: where to send it, and the law's time limit (§ 29) and access (§ 18).
        with translation.override("nb"):
            assert f"{gettext('E-mail')}: post@helsefellesskapet-ostfold.no" in lines
        assert "§ 29" in mail.body
        assert "§ 18" in mail.body
