"""Decision letters: what they say (read back from the PDF), in the community's language; issued
once through a Celery task with progress, packed in a ZIP, kept on the case and announced by
e-mail; page 1 rendered to PNG as a test artefact for a person to look at."""

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from django_scopes import scope, scopes_disabled

from komite import decisions, letters
from komite.models import DecisionItem, DecisionLetter, LetterBatch
from tilskot.dates import add_months
from tilskot.models import Notification, Organisation

from .factories import OrganisationFactory, UserFactory
from .test_decision import items, recommended_round
from .utils import pdf_text

pytestmark = pytest.mark.django_db

ARTEFACTS = Path(settings.BASE_DIR) / "test-results" / "letters"


@pytest.fixture
def bergen(world):
    """Bergen's round decided by the SSU: Alfa (from a unit of Helse Bergen) granted 600 000,
    Beta (from a municipality) not granted."""
    community = world.bergen
    community.payment_project_number = "R-11326"
    community.internal_booking = True
    community.contact_email = "post@saman.test"
    community.save()
    apps = recommended_round(world, community, world.bergen_round)
    with scope(community=community):
        trust = Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)
        unit = OrganisationFactory(
            community=community,
            kind=Organisation.Kind.HOSPITAL_UNIT,
            name="Haukeland, Medisinsk klinikk",
            parent=trust,
            municipality_number="",
        )
        apps["Alfa"].responsible_organisation = unit
        apps["Alfa"].save()
        decisions.decision_save(
            round_=world.bergen_round,
            stage=1,
            by=world.sigrid,
            meeting="SSU 4/2026",
            case_reference="32/26",
            decided_on=dt.date(2026, 11, 20),
            items=items(apps, Beta={"reason": "Svakare forankring."}),
            record=True,
        )
    return apps


def item_of(application) -> DecisionItem:
    with scopes_disabled():
        return DecisionItem.objects.select_related(
            "decision__round__scheme__community", "application__round__scheme"
        ).get(application=application)


def nn_date(day: dt.date) -> str:
    with translation.override("nn"):
        return formats.date_format(day, "DATE_FORMAT")


def test_a_grant_letter_says_what_the_law_and_bergen_ask(bergen):
    issued_on = dt.date(2026, 11, 25)
    with scopes_disabled():
        pdf = letters.letter_pdf(item_of(bergen["Alfa"]), issued_on=issued_on)
    text, pages = pdf_text(pdf)
    flat = " ".join(text.split())
    assert pages <= 3
    assert "600 000 kr" in flat  # the amount
    assert "R-11326" in flat  # the project number the costs are booked on
    assert "fakturaer" not in flat  # a unit of Helse Bergen books internally
    assert nn_date(issued_on + dt.timedelta(weeks=3)) in flat  # the appeal deadline
    assert "forvaltningslova § 28" in flat
    assert "tre veker" not in flat
    assert "3 veker" in flat  # the weeks, from the law's number
    assert nn_date(dt.date(2028, 3, 31)) in flat  # final report: 3 months after 31.12.2027
    assert "omdisponering" in flat.lower()
    assert "betalast tilbake" in flat
    assert "eigen revisjon" in flat  # Bergen's own paragraph (its template)
    assert "post@saman.test" in flat
    assert "32/26" in flat

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTEFACTS / "bergen-vedtaksbrev-side-1.png"
    render_first_page(pdf, png)
    assert png.stat().st_size > 10_000


def render_first_page(pdf: bytes, path: Path) -> None:
    """Page 1 as PNG (pypdfium2, the PDF engine of Chromium), checked not to be blank."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=1.5).to_pil()
    document.close()
    grey = image.convert("L")
    dark = sum(grey.histogram()[:128])  # pixels darker than mid-grey
    assert image.width > 800
    assert image.height > 1100
    assert dark > 5_000, "page 1 is (nearly) blank"
    image.save(path)


def test_a_refusal_gives_the_reasons_and_the_right_to_appeal(bergen):
    with scopes_disabled():
        pdf = letters.letter_pdf(item_of(bergen["Beta"]), issued_on=dt.date(2026, 11, 25))
    flat = " ".join(pdf_text(pdf)[0].split())
    assert "Svakare forankring." in flat
    assert "forvaltningslova § 28" in flat
    assert nn_date(dt.date(2026, 12, 16)) in flat
    assert "R-11326" not in flat  # nothing about payment when nothing is granted


def test_an_external_grant_is_paid_against_marked_invoices(world, bergen):
    with scopes_disabled():
        municipality = OrganisationFactory(community=world.bergen, name="Askøy kommune")
        item = item_of(bergen["Alfa"])
        item.application.responsible_organisation = municipality
        pdf = letters.letter_pdf(item, issued_on=dt.date(2026, 11, 25))
    flat = " ".join(pdf_text(pdf)[0].split())
    assert "faktura" in flat
    assert "R-11326" in flat
    assert "kontonummer" in flat  # accept the conditions and confirm the account first


def test_a_bokmal_community_gets_a_bokmal_letter(world):
    apps = recommended_round(world, world.ostfold, world.ostfold_round)
    with scope(community=world.ostfold):
        decisions.decision_save(
            round_=world.ostfold_round,
            stage=1,
            by=world.ola,
            meeting="SSU 4/2026",
            case_reference="12/26",
            decided_on=dt.date(2026, 11, 20),
            items=items(apps),
            record=True,
        )
    with scopes_disabled():
        pdf = letters.letter_pdf(item_of(apps["Alfa"]), issued_on=dt.date(2026, 11, 25))
    flat = " ".join(pdf_text(pdf)[0].split())
    assert "Du får 600 000 kr" in flat
    assert "forvaltningsloven § 28" in flat
    assert "eigen revisjon" not in flat  # Bergen's paragraph is Bergen's


def issue(client, world, on_commit):
    """The secretariat issues Bergen's letters; the task runs when the request commits."""
    client.force_login(world.sigrid)
    with on_commit(execute=True):
        return client.post(
            reverse(
                "komite:letters_issue",
                kwargs={"community": "bergen", "round": world.bergen_round.pk},
            )
        )


class TestIssuing:
    @pytest.fixture(autouse=True)
    def _on_commit(self, django_capture_on_commit_callbacks):
        self.on_commit = django_capture_on_commit_callbacks

    def issue(self, client, world):
        return issue(client, world, self.on_commit)

    def test_the_task_issues_zips_and_tells_the_applicants_once(self, world, client, bergen):
        assert self.issue(client, world).status_code == 302
        with scopes_disabled():
            batch = LetterBatch.objects.get()
            assert batch.status == LetterBatch.Status.DONE
            assert (batch.done, batch.total, batch.percent) == (2, 2, 100)
            assert DecisionLetter.objects.count() == 2
            notes = Notification.objects.filter(kind=Notification.Kind.DECISION)
            assert notes.count() == 2
        with batch.file.open("rb") as file, zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            assert len(names) == 2
            assert all(n.endswith(".pdf") for n in names)
            assert archive.read(names[0]).startswith(b"%PDF")
        assert len(mail.outbox) == 2
        assert mail.outbox[0].to == ["kari@tilskot.test"]
        assert "vedtak" in mail.outbox[0].subject.lower()  # nynorsk: "Vedtak om søknaden ..."

        page = client.get(
            reverse(
                "komite:letters", kwargs={"community": "bergen", "round": world.bergen_round.pk}
            )
        ).content.decode()
        assert 'value="100"' in page  # the progress bar, full
        zip_url = reverse(
            "komite:letters_zip",
            kwargs={"community": "bergen", "round": world.bergen_round.pk, "batch": batch.pk},
        )
        assert zip_url in page
        response = client.get(zip_url)
        assert response["Content-Type"] == "application/zip"
        b"".join(response.streaming_content)

        # Again: the same letters in a new ZIP, no second message.
        self.issue(client, world)
        with scopes_disabled():
            assert LetterBatch.objects.count() == 2
            assert DecisionLetter.objects.count() == 2
        assert len(mail.outbox) == 2

    def test_a_zip_gone_from_the_disk_says_so_and_letters_still_download(
        self, world, client, bergen
    ):
        self.issue(client, world)
        with scopes_disabled():
            batch = LetterBatch.objects.get()
            letter = DecisionLetter.objects.order_by("pk").first()
        batch.file.storage.delete(batch.file.name)
        client.cookies["django_language"] = "en"  # the message in English, whatever the catalogs
        zip_url = reverse(
            "komite:letters_zip",
            kwargs={"community": "bergen", "round": world.bergen_round.pk, "batch": batch.pk},
        )
        response = client.get(zip_url, follow=True)
        assert response.status_code == 200
        assert any("no longer on the server" in str(m) for m in response.context["messages"])
        letter_url = reverse(
            "komite:letter", kwargs={"community": "bergen", "application": letter.application_id}
        )
        pdf = client.get(letter_url)  # read to the end: the test client then closes the file
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")
        letter.file.storage.delete(letter.file.name)
        assert client.get(letter_url).status_code == 404  # logged for whoever restores it

    def test_progress_is_polled_while_the_task_runs(self, world, client, bergen):
        with scopes_disabled():
            batch = LetterBatch.objects.create(
                round=world.bergen_round,
                requested_by=world.sigrid,
                status=LetterBatch.Status.RUNNING,
                total=4,
                done=1,
            )
        client.force_login(world.sigrid)
        url = reverse("komite:letters", kwargs={"community": "bergen", "round": batch.round_id})
        page = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert page.lstrip().startswith('<div id="letter-batch"')
        assert 'hx-trigger="every 1s"' in page
        assert 'value="25"' in page
        assert "1 av 4" in page  # nynorsk: "1 av 4 brev"

    def test_the_applicant_reads_the_letter_on_the_case(self, world, client, bergen):
        alfa = bergen["Alfa"]
        letter_url = reverse(
            "komite:letter", kwargs={"community": "bergen", "application": alfa.pk}
        )
        case_url = reverse(
            "soknad:application", kwargs={"community": "bergen", "application": alfa.pk}
        )
        client.force_login(world.kari)
        assert client.get(letter_url).status_code == 404  # not issued yet
        assert letter_url not in client.get(case_url).content.decode()
        client.force_login(world.sigrid)
        preview = client.get(letter_url)
        assert preview.status_code == 200
        assert preview.content.startswith(b"%PDF")
        self.issue(client, world)

        client.force_login(world.kari)
        page = client.get(case_url).content.decode()
        assert letter_url in page
        assert "600\u202f000\u00a0kr" in page
        response = client.get(letter_url)
        assert response["Content-Type"] == "application/pdf"
        content = b"".join(response.streaming_content)
        assert "600 000 kr" in pdf_text(content)[0]

        client.force_login(UserFactory())
        assert client.get(letter_url).status_code == 404

    def test_only_the_secretariat_issues(self, world, client, bergen):
        client.force_login(world.kari)
        response = client.post(
            reverse(
                "komite:letters_issue",
                kwargs={"community": "bergen", "round": world.bergen_round.pk},
            )
        )
        assert response.status_code == 404
        with scopes_disabled():
            assert not LetterBatch.objects.exists()


def test_a_failed_task_is_shown_and_keeps_the_letters_issued(
    world, client, bergen, monkeypatch, django_capture_on_commit_callbacks
):
    real = letters.letter_pdf
    calls = []

    def fail_on_second(item, *, issued_on):
        calls.append(item.pk)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(item, issued_on=issued_on)

    monkeypatch.setattr(letters, "letter_pdf", fail_on_second)
    issue(client, world, django_capture_on_commit_callbacks)
    with scopes_disabled():
        batch = LetterBatch.objects.get()
        assert batch.status == LetterBatch.Status.FAILED
        assert "disk full" in batch.error
        assert DecisionLetter.objects.count() == 1
    page = client.get(
        reverse("komite:letters", kwargs={"community": "bergen", "round": world.bergen_round.pk})
    ).content.decode()
    assert 'role="alert"' in page


def test_the_report_is_due_months_after_the_period(world):
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2027, 12, 31), 3) == dt.date(2028, 3, 31)


def test_a_batch_of_many_letters_streams_to_disk(world, bergen, monkeypatch):
    """The ZIP is written to a temporary file as letters come, not built in memory."""
    with scopes_disabled():
        batch = LetterBatch.objects.create(round=world.bergen_round, requested_by=world.sigrid)
    seen = []
    monkeypatch.setattr(
        letters, "letter_pdf", lambda item, issued_on: seen.append(item.pk) or b"%PDF-1.7 x"
    )
    letters.letters_issue(world.bergen.pk, batch.pk)
    with scopes_disabled():
        batch.refresh_from_db()
    assert batch.status == LetterBatch.Status.DONE
    assert len(seen) == 2
    with batch.file.open("rb") as archive:
        assert zipfile.is_zipfile(archive)
    assert batch.percent == 100
    assert batch.finished_at <= timezone.now()


def test_a_batch_whose_worker_died_does_not_block_a_new_one(
    world, client, bergen, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        stuck = LetterBatch.objects.create(round=world.bergen_round, requested_by=world.sigrid)
        LetterBatch.objects.filter(pk=stuck.pk).update(
            requested_at=timezone.now() - dt.timedelta(minutes=20)
        )
    issue(client, world, django_capture_on_commit_callbacks)
    with scopes_disabled():
        assert LetterBatch.objects.filter(status=LetterBatch.Status.DONE).count() == 1


def test_a_running_batch_is_not_started_twice(world, client, bergen):
    with scopes_disabled():
        LetterBatch.objects.create(
            round=world.bergen_round, requested_by=world.sigrid, status="running"
        )
    client.force_login(world.sigrid)
    url = reverse("komite:letters", kwargs={"community": "bergen", "round": world.bergen_round.pk})
    assert "/vedtaksbrev/send/" not in client.get(url).content.decode()  # no button
    client.post(f"{url}send/")
    with scopes_disabled():
        assert LetterBatch.objects.count() == 1
