"""Decision letters: what they say (read back from the PDF), in the community's language, laid
out as a Norwegian public body writes a letter (letterhead, recipient, references, caseworker,
page numbers, signatory, copies); issued once through a Celery task with progress, packed in a
ZIP, kept on the case and announced by e-mail; file names keep æ, ø and å; page 1 rendered to
PNG as a test artefact for a person to look at."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from komite import decisions, letters
from komite.models import DecisionItem, DecisionLetter, LetterBatch
from soknad.models import Application
from tilskot.dates import add_months
from tilskot.downloads import ascii_filename, attachment
from tilskot.models import Community, Notification, Organisation

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
    # Bergen's own words (as in fixtures/reference/bergen.yaml): data, not a template.
    community.letter_grant_text = (
        "Tilskotet krev ikkje eigen revisjon: midlane inngår i den ordinære revisjonen i "
        "organisasjonen som får dei."
    )
    community.appeal_body = "Helse Vest RHF"
    community.letter_greeting = "Med helsing"
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


def letterhead(community, **fields):
    """The community's letterhead data as a hospital trust hosting the secretariat has it."""
    values = {
        "org_number": "983974724",
        "postal_address": "Postboks 1400",
        "postcode": "5021",
        "postal_place": "Bergen",
        "contact_email": "post@saman.test",
        **fields,
    }
    for name, value in values.items():
        setattr(community, name, value)
    community.full_clean()
    community.save()


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
    assert "eigen revisjon" in flat  # Bergen's own paragraph (its data)
    assert "Helse Vest RHF" in flat  # who hears the appeal (its data)
    assert "Med helsing" in flat  # its greeting
    assert "Med venleg helsing" not in flat
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


def flat_text(pdf: bytes) -> tuple[str, int]:
    text, pages = pdf_text(pdf)
    return " ".join(text.split()), pages


def in_language(language: str, message: str) -> str:
    """``message`` as the letter's language says it (the English text until it is translated)."""
    with translation.override(language):
        return gettext(message)


@pytest.fixture
def public_letter(world, bergen):
    """Bergen's grant to Alfa with everything a public body's letter carries: the letterhead,
    a recipient with an address, two partners (one with an address), the applicant's own
    reference, and a named caseworker."""
    letterhead(world.bergen)
    world.sigrid.first_name, world.sigrid.last_name = "Sigrid", "Sætre"
    world.sigrid.save()
    world.kari.first_name, world.kari.last_name = "Kari", "Nordmann"
    world.kari.save()
    with scope(community=world.bergen):
        alfa = Application.objects.get(pk=bergen["Alfa"].pk)
        unit = alfa.responsible_organisation
        unit.postal_address, unit.postcode, unit.postal_place = (
            "Jonas Lies vei 65",
            "5021",
            "Bergen",
        )
        unit.save()
        askoy = OrganisationFactory(
            community=world.bergen,
            name="Askøy kommune",
            postal_address="Postboks 323",
            postcode="5323",
            postal_place="Kleppestø",
        )
        voss = OrganisationFactory(community=world.bergen, name="Voss herad")
        alfa.partners.add(askoy, voss, unit)  # the responsible one is not a copy to itself
        alfa.applicant_reference = "2026/4471-3"
        alfa.save()
    return alfa


def letter_of(application, by, issued_on=dt.date(2026, 11, 25)) -> tuple[str, int]:
    with scopes_disabled():
        return flat_text(letters.letter_pdf(item_of(application), issued_on=issued_on, by=by))


def test_a_nynorsk_letter_has_all_a_public_body_letter_has(world, public_letter):
    """Issue 13, point 5: every item, read back from the PDF. The PDF and its page 1 are kept
    in test-results/letters/ for a person to look at."""
    with scopes_disabled():
        pdf = letters.letter_pdf(
            item_of(public_letter), issued_on=dt.date(2026, 11, 25), by=world.sigrid
        )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "bergen-offentleg-brev.pdf").write_bytes(pdf)
    render_first_page(pdf, ARTEFACTS / "bergen-offentleg-brev-side-1.png")
    flat, pages = flat_text(pdf)
    # The letterhead: name, postal address, organisation number, e-mail.
    assert "Helsefellesskapet i bergensområdet" in flat
    assert "Postboks 1400 5021 Bergen" in flat
    assert "Org.nr. 983 974 724" in flat
    assert "post@saman.test" in flat
    # The recipient with address, and copies to the partners (not to the recipient itself).
    assert "Haukeland, Medisinsk klinikk Kari Nordmann Jonas Lies vei 65 5021 Bergen" in flat
    copies = flat[flat.index(in_language("nn", "Copy to")) :]
    assert "Askøy kommune, Postboks 323, 5323 Kleppestø" in copies
    assert "Voss herad" in copies
    assert "Haukeland" not in copies
    # Our reference (the application's number, as on its case page) and theirs.
    assert f"Vår referanse {public_letter.pk}" in flat
    assert f"{in_language('nn', 'Your reference')} 2026/4471-3" in flat
    # The date, and the caseworker (who issued it) with their e-mail.
    assert f"Dato {nn_date(dt.date(2026, 11, 25))}" in flat
    assert f"{in_language('nn', 'Caseworker')} Sigrid Sætre" in flat
    assert "sigrid@tilskot.test" in flat
    # Page numbers on every page, with the total.
    assert pages >= 1
    for page in range(1, pages + 1):
        assert f"Side {page} av {pages}" in flat
    # No signatory named: approved electronically.
    assert (
        in_language("nn", "The document is approved electronically and therefore has no signature.")
        in flat
    )
    # The meeting: its name, then the full date, with a comma between.
    assert "SSU 4/2026, 20. november 2026" in flat


def test_a_bokmal_letter_with_a_named_signatory_and_no_reference_of_theirs(world):
    apps = recommended_round(world, world.ostfold, world.ostfold_round)
    letterhead(
        world.ostfold,
        org_number="983971768",
        postal_address="Postboks 300",
        postcode="1714",
        postal_place="Grålum",
        contact_email="post@helsefellesskapet-ostfold.test",
        letter_signatory_name="Eva Fjeld",
        letter_signatory_title="Leiar av sekretariatet",
    )
    with scope(community=world.ostfold):
        decisions.decision_save(
            round_=world.ostfold_round,
            stage=1,
            by=world.ola,
            meeting="Demomøte 1",
            case_reference="12/26",
            decided_on=dt.date(2026, 11, 2),
            items=items(apps),
            record=True,
        )
    flat, pages = letter_of(apps["Alfa"], world.ola)
    assert "Helsefellesskapet Østfold" in flat
    assert "Postboks 300 1714 Grålum" in flat
    assert "983 971 768" in flat
    assert "post@helsefellesskapet-ostfold.test" in flat
    assert apps["Alfa"].responsible_organisation.name in flat
    assert f"Vår referanse {apps['Alfa'].pk}" in flat
    assert in_language("nb", "Your reference") not in flat  # the applicant gave none
    assert "ola@tilskot.test" in flat
    assert f"Side 1 av {pages}" in flat
    assert "Eva Fjeld Leiar av sekretariatet" in flat
    assert "elektronisk godkjent" not in flat
    assert in_language("nb", "The document is approved electronically") not in flat
    assert in_language("nb", "Copy to") not in flat  # no partners
    # "i møtet Demomøte 1 2. november" read as the 12th; now the name and date stand apart.
    assert "Demomøte 1, 2. november 2026" in flat


def test_the_letters_words_in_english(world, public_letter):
    """The wording of the letter's new parts (English until the lead's catalogs translate it)."""
    with scopes_disabled():
        item = item_of(public_letter)
        item.decision.round.scheme.community.language = "en"
        flat, pages = flat_text(letters.letter_pdf(item, issued_on=dt.date(2026, 11, 25), by=None))
    assert f"Our reference {public_letter.pk}" in flat
    assert "Your reference 2026/4471-3" in flat
    assert f"Page 1 of {pages}" in flat
    assert "Copy to: Askøy kommune" in flat
    assert "The document is approved electronically and therefore has no signature." in flat
    assert "in the meeting SSU 4/2026, 20 November 2026 (case 32/26)" in flat
    # Nobody has issued it yet: the community's address is the contact, and no caseworker named.
    assert "Caseworker" not in flat
    assert "E-mail post@saman.test" in flat


def test_the_letterhead_carries_the_logo_and_does_without_one(world, public_letter, tmp_path):
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (240, 80), (0, 84, 160)).save(png, format="PNG")
    world.bergen.logo.save("saman.png", ContentFile(png.getvalue()))
    with scopes_disabled():
        pdf = letters.letter_pdf(item_of(public_letter), issued_on=dt.date(2026, 11, 25))
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    world.bergen.logo.storage.delete(world.bergen.logo.name)  # gone from the disk
    with scopes_disabled():
        pdf = letters.letter_pdf(item_of(public_letter), issued_on=dt.date(2026, 11, 25))
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0
    assert "Helsefellesskapet i bergensområdet" in flat_text(pdf)[0]


def test_the_letterhead_data_is_checked(world):
    community = Community.objects.get(pk=world.bergen.pk)
    community.org_number = "983974725"  # a typing error: the check digit is wrong
    community.postcode = "502"
    community.letter_signatory_title = "Leiar"  # a title, and nobody to hold it
    with pytest.raises(ValidationError) as raised:
        community.full_clean()
    assert set(raised.value.message_dict) == {"org_number", "postcode", "letter_signatory_name"}


def test_the_applicant_gives_their_reference_in_the_parties_step(world, client):
    with scope(community=world.ostfold):
        app = Application.objects.create(round=world.ostfold_round, owner=world.kari)
        org = Organisation.objects.first()
    client.force_login(world.kari)
    url = reverse(
        "soknad:step", kwargs={"community": "ostfold", "application": app.pk, "step": "parties"}
    )
    form = client.get(url).content.decode()
    assert 'name="applicant_reference"' in form
    client.post(url, {"responsible_organisation": org.pk, "applicant_reference": "24/1187"})
    with scope(community=world.ostfold):
        app.refresh_from_db()
    assert app.applicant_reference == "24/1187"


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("vedtak-7-alfa.pdf", 'attachment; filename="vedtak-7-alfa.pdf"'),
        (
            "vedtak-7-små-barn-på-ørland-æ.pdf",
            'attachment; filename="vedtak-7-sma-barn-pa-orland-ae.pdf"; '
            "filename*=UTF-8''vedtak-7-sm%C3%A5-barn-p%C3%A5-%C3%B8rland-%C3%A6.pdf",
        ),
        ('a"b\\c.pdf', "attachment; filename=\"abc.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf"),
    ],
)
def test_a_download_keeps_its_norwegian_name(name, header):
    assert attachment(name) == header
    assert ascii_filename("Ærlig Øvre Åsen") == "Aerlig Ovre Asen"


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

    def test_file_names_keep_norwegian_letters(self, world, client, bergen):
        """The preview, the issued letter, the ZIP and the names inside it: æ, ø and å kept
        (RFC 6266 ``filename*``), with an ASCII name for clients that read only that."""
        with scope(community=world.bergen):
            alfa = Application.objects.get(pk=bergen["Alfa"].pk)
            alfa.title = "Heimesjukehus for små barn på Ørland"
            alfa.save()
            world.bergen_round.name = "Hovudrunde våren 2027, sjukehus og kommunar"
            world.bergen_round.save()
        name = f"vedtak-{alfa.pk}-heimesjukehus-for-små-barn-på-ørland.pdf"
        header = (
            f'attachment; filename="vedtak-{alfa.pk}-heimesjukehus-for-sma-barn-pa-orland.pdf"; '
            f"filename*=UTF-8''vedtak-{alfa.pk}-heimesjukehus-for-sm%C3%A5-barn-p%C3%A5-"
            "%C3%B8rland.pdf"
        )
        letter_url = reverse(
            "komite:letter", kwargs={"community": "bergen", "application": alfa.pk}
        )
        client.force_login(world.sigrid)
        assert client.get(letter_url)["Content-Disposition"] == header  # the preview

        self.issue(client, world)
        with scopes_disabled():
            batch = LetterBatch.objects.get()
        zip_url = reverse(
            "komite:letters_zip",
            kwargs={"community": "bergen", "round": world.bergen_round.pk, "batch": batch.pk},
        )
        response = client.get(zip_url)
        round_pk = world.bergen_round.pk
        assert response["Content-Disposition"] == (
            f'attachment; filename="vedtaksbrev-{round_pk}-hovudrunde-varen-2027-sjukehus-og.zip"; '
            f"filename*=UTF-8''vedtaksbrev-{round_pk}-hovudrunde-v%C3%A5ren-2027-sjukehus-og.zip"
        )
        with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
            assert name in archive.namelist()
            assert archive.getinfo(name).flag_bits & 0x800  # the name is marked as UTF-8

        client.force_login(world.kari)
        response = client.get(letter_url)
        assert response["Content-Disposition"] == header
        assert b"".join(response.streaming_content).startswith(b"%PDF")

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

    def fail_on_second(item, *, issued_on, by):
        calls.append(item.pk)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(item, issued_on=issued_on, by=by)

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
        letters, "letter_pdf", lambda item, issued_on, by: seen.append(item.pk) or b"%PDF-1.7 x"
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


def test_the_secretariat_edits_the_letterhead_on_its_rules_page(world, client):
    from PIL import Image

    from .test_rules_pages import read_form

    client.force_login(world.sigrid)
    url = reverse("rules_community", kwargs={"community": "bergen"})
    data = {name: values[0] for name, values in read_form(client.get(url).text).items()}
    png = io.BytesIO()
    Image.new("RGB", (120, 40), (0, 84, 160)).save(png, format="PNG")
    data.update(
        org_number="983974724",
        postal_address="Postboks 1400",
        postcode="5021",
        postal_place="Bergen",
        logo=ContentFile(png.getvalue(), name="saman.png"),
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    world.bergen.refresh_from_db()
    assert world.bergen.address_lines == ["Postboks 1400", "5021 Bergen"]
    assert world.bergen.logo.name.startswith("logo/saman")
