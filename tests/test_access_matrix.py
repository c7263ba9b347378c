"""Who may open what: every page and download that carries a case's or a person's data, for
every kind of person in the community (and the secretariat of another community, and nobody
logged in). A cell says 200, or the refusal: 404 for an object the person may not see (never
telling it exists), 403 for a page of a role they do not hold, a log-in for the anonymous.
Every 200 to a logged-in person is ``Cache-Control: no-store``, and every download carries
the Content-Type of its checked type.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from komite.models import (
    ConflictDeclaration,
    DecisionItem,
    DecisionLetter,
    Membership,
    RoundReview,
)
from rapport.models import FinalReport
from soknad.models import Affiliation, Application, Invitation
from soknad.services import invitation_accept
from tilskot.models import RoleInvitation
from tilskot.money import nok_text
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import (
    ApplicationFactory,
    DocumentFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
    make_grant,
)
from .pdfs import pdf_bytes
from .test_tenancy import _invoice, _letters_zipped, _recommendation_sent

pytestmark = pytest.mark.django_db

PEOPLE = [
    "owner",
    "coapplicant",
    "other",
    "secretariat",
    "member",
    "decision",
    "finance",
    "foreign",
    "anonymous",
]
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def bergen(world):
    """Bergen's people in every role, and a draft, a complete application and a grant of the
    owner's, each with its files."""
    people = {
        "owner": UserFactory(email="eigar@tilskot.test"),
        "coapplicant": UserFactory(email="medsokar@tilskot.test"),
        "other": UserFactory(email="annan@tilskot.test"),
        "secretariat": world.sigrid,
        "member": UserFactory(email="komite@tilskot.test"),
        "decision": UserFactory(email="vedtak@tilskot.test"),
        "finance": UserFactory(email="okonomi@tilskot.test"),
        "foreign": world.ola,
    }
    for who, role in (
        ("owner", Role.APPLICANT),
        ("other", Role.APPLICANT),
        ("member", Role.COMMITTEE),
        ("decision", Role.DECISION_BODY),
        ("finance", Role.FINANCE),
    ):
        role_grant(user=people[who], community=world.bergen, role=role)
    round_ = world.bergen_round
    with scopes_disabled():
        draft = ApplicationFactory(round=round_, owner=people["owner"], title="Utkast")
        complete = ApplicationFactory(
            round=round_,
            owner=people["owner"],
            title="Komplett",
            status=Application.Status.COMPLETE,
            submitted_at=timezone.now(),
        )
        granted = ApplicationFactory(round=round_, owner=people["owner"], title="Innvilga")
        draft_document = DocumentFactory(application=draft)
        document = DocumentFactory(application=complete)
        SubmissionFactory(application=complete)
        grant = make_grant(granted)
        payment = _invoice(grant.pk)
        report = FinalReport.objects.create(grant=grant)
        report.auditor_confirmation.save("revisor.html", ContentFile(pdf_bytes("revisor")))
        batch = _letters_zipped(round_.pk)
        _recommendation_sent(world.bergen, {"round": round_.pk})
        RoundReview.objects.create(
            round=round_, scoring_deadline=round_.closes_at, opened_at=timezone.now()
        )
        member = Membership.objects.create(
            round=round_, user=people["member"], appointed_by=world.sigrid
        )
        ConflictDeclaration.objects.create(application=complete, member=member, has_conflict=False)
    with scope(community=world.bergen):
        for application in (draft, complete):
            invitation = Invitation.objects.create(
                application=application,
                email=people["coapplicant"].email,
                invited_by=people["owner"],
            )
            invitation_accept(invitation=invitation, user=people["coapplicant"])
        item = DecisionItem.objects.get(application=granted)
        letter = DecisionLetter(
            application=granted, item=item, issued_at=timezone.now(), issued_by=world.sigrid
        )
        letter.file.save("vedtaksbrev.pdf", ContentFile(pdf_bytes("vedtak")), save=False)
        letter.save()
        role_invitation = RoleInvitation.objects.create(
            community=world.bergen,
            role=Role.FINANCE,
            email="ny.okonomi@tilskot.test",
            invited_by=world.sigrid,
        )
    with scopes_disabled():
        foreign_invitation = RoleInvitation.objects.create(
            community=world.ostfold,
            role=Role.FINANCE,
            email="ny.okonomi@tilskot.test",
            invited_by=world.ola,
        )
    with scopes_disabled():
        # The owner confirms the people of the grant's organisation (for which they sign).
        organisation = granted.responsible_organisation
        Affiliation.objects.filter(user=people["owner"], organisation=organisation).update(
            is_admin=True
        )
        foreign_organisation = OrganisationFactory(community=world.ostfold)
    urls = {
        "draft case": f"/bergen/soknad/{draft.pk}/",
        "draft step": f"/bergen/soknad/{draft.pk}/steg/basics/",
        "draft document": f"/bergen/soknad/{draft.pk}/dokument/{draft_document.pk}/",
        "draft in the screening": f"/bergen/sekretariat/soknad/{draft.pk}/",
        "case": f"/bergen/soknad/{complete.pk}/",
        "granted case": f"/bergen/soknad/{granted.pk}/",
        "submission PDF": f"/bergen/soknad/{complete.pk}/innsendt/1.pdf",
        "document": f"/bergen/soknad/{complete.pk}/dokument/{document.pk}/",
        "application for review": f"/bergen/komite/soknad/{complete.pk}/",
        "scoring overview": f"/bergen/komite/runde/{round_.pk}/oversikt/",
        "recommendation PDF": f"/bergen/sekretariat/runde/{round_.pk}/innstilling.pdf",
        "recommendation": f"/bergen/sekretariat/runde/{round_.pk}/innstilling/",
        "decision letter": f"/bergen/soknad/{granted.pk}/vedtaksbrev.pdf",
        "letters ZIP": f"/bergen/sekretariat/runde/{round_.pk}/vedtaksbrev/{batch}.zip",
        "grant": f"/bergen/tilskot/{grant.pk}/",
        "invoice": f"/bergen/tilskot/{grant.pk}/faktura/{payment}.pdf",
        "final report": f"/bergen/tilskot/{grant.pk}/sluttrapport/",
        "auditor's confirmation": f"/bergen/tilskot/{grant.pk}/sluttrapport/revisor/",
        "finance table": "/bergen/okonomi/",
        "finance table as Excel": "/bergen/okonomi/?format=xlsx",
        "secretariat's table as Excel": (
            f"/bergen/sekretariat/runde/{round_.pk}/soknader/?format=xlsx"
        ),
        "status report": "/bergen/sekretariat/statusrapport/",
        "status report as Excel": "/bergen/sekretariat/statusrapport/2026.xlsx",
        "to-do page": "/bergen/oppgaver/",
        "organisation's people": f"/bergen/organisasjon/{organisation.pk}/",
        "another community's organisation": f"/bergen/organisasjon/{foreign_organisation.pk}/",
        "member organisations": "/bergen/sekretariat/organisasjonar/",
        "people and roles": "/bergen/personer/",
        "invitation to a role": f"/bergen/personer/invitasjon/{role_invitation.token}/",
        "another community's invitation to a role": (
            f"/bergen/personer/invitasjon/{foreign_invitation.token}/"
        ),
        # The community's rules (issue 14): the pages with no object in their address, and
        # those naming one of Bergen's (its scheme, round, organisation).
        "rules": "/bergen/regler/",
        "community rules": "/bergen/regler/fellesskap/",
        "letter texts": "/bergen/regler/brev/",
        "committee seats": "/bergen/regler/komite/",
        "criteria": f"/bergen/regler/ordning/{round_.scheme_id}/kriterium/",
        "questions": f"/bergen/regler/ordning/{round_.scheme_id}/sporsmal/",
        "rounds": f"/bergen/regler/ordning/{round_.scheme_id}/runde/",
        "round rules": f"/bergen/regler/runde/{round_.pk}/",
        "member organisation rules": f"/bergen/regler/medlemmer/{organisation.pk}/",
        "member import": "/bergen/regler/medlemmer/import/",
        "rules history": "/bergen/regler/historikk/",
        "application form preview": "/bergen/regler/soknadsskjema/",
        "letter preview": "/bergen/regler/vedtaksbrev/",
        "letter preview PDF": "/bergen/regler/vedtaksbrev/avslag.pdf",
        # Not pages of the matrix: where each person's to-do items lead.
        "draft's step": f"/bergen/soknad/{draft.pk}/",
        "scoring": f"/bergen/komite/soknad/{complete.pk}/",
    }
    return people, urls


# Who gets what (everyone not named gets the refusal of the last column: 404 for an object,
# 403 for a role's page). The anonymous are always sent to log in.
MATRIX = {
    # A draft and its files are the applicants' alone, staff included.
    "draft case": ({"owner", "coapplicant"}, 404),
    "draft step": ({"owner", "coapplicant"}, 404),
    "draft document": ({"owner", "coapplicant"}, 404),
    "draft in the screening": (set(), 404),
    "case": ({"owner", "coapplicant", "secretariat"}, 404),
    "submission PDF": ({"owner", "coapplicant", "secretariat", "member"}, 404),
    "document": ({"owner", "coapplicant", "secretariat", "member"}, 404),
    "application for review": ({"member"}, 404),
    "scoring overview": ({"secretariat", "member"}, 404),
    "recommendation PDF": ({"secretariat", "decision"}, 404),
    "decision letter": ({"owner", "secretariat", "decision"}, 404),
    "letters ZIP": ({"secretariat"}, 404),
    "grant": ({"owner", "secretariat", "finance"}, 404),
    "invoice": ({"owner", "secretariat", "finance"}, 404),
    "final report": ({"owner", "secretariat", "finance"}, 404),
    "auditor's confirmation": ({"owner", "secretariat", "finance"}, 404),
    "finance table": ({"secretariat", "finance"}, 404),
    "finance table as Excel": ({"secretariat", "finance"}, 404),
    "secretariat's table as Excel": ({"secretariat"}, 403),
    # The yearly report to the regional health authority: the secretariat writes it, finance
    # reads it (the money is theirs); the finance table links it.
    "status report": ({"secretariat", "finance"}, 404),
    "status report as Excel": ({"secretariat", "finance"}, 404),
    # Each person's own work (what it lists is theirs alone: test below): everyone logged in
    # opens it, the secretariat of another community too, and finds nothing of Bergen's there.
    "to-do page": (set(PEOPLE) - {"anonymous"}, 404),
    # Who works for an organisation: its admins (the owner) and the community's secretariat;
    # another community's organisation is not there at all.
    "organisation's people": ({"owner", "secretariat"}, 403),
    "another community's organisation": (set(), 404),
    "member organisations": ({"secretariat"}, 403),
    # The community's people: its secretariat alone (another community's too is refused).
    "people and roles": ({"secretariat"}, 403),
    # An invitation's link (the token is the secret) opens for whoever is logged in with it;
    # it shows what it offers and to which address it went, and is accepted only by a POST.
    "invitation to a role": (set(PEOPLE) - {"anonymous"}, 404),
    # Another community's token under Bergen's address: known to nobody here.
    "another community's invitation to a role": (set(), 404),
    # The community's rules: its secretariat's (another community's secretariat is refused like
    # any other person without the role; the community itself is public, so the 403 tells
    # nothing; a rule of another community under this address is a 404: see test_tenancy).
    **{
        page: ({"secretariat"}, 403)
        for page in (
            "rules",
            "community rules",
            "letter texts",
            "committee seats",
            "criteria",
            "questions",
            "rounds",
            "round rules",
            "member organisation rules",
            "member import",
            "rules history",
            "application form preview",
            "letter preview",
            "letter preview PDF",
        )
    },
}
DOWNLOAD_TYPES = {
    "draft document": PDF,
    "submission PDF": PDF,
    "document": PDF,
    "recommendation PDF": PDF,
    "decision letter": PDF,
    "invoice": PDF,
    "auditor's confirmation": PDF,
    "letters ZIP": "application/zip",
    "letter preview PDF": PDF,
    "finance table as Excel": XLSX,
    "secretariat's table as Excel": XLSX,
    "status report as Excel": XLSX,
}


POSTED = {"draft in the screening"}  # a screening action: only ever posted


def fetch(client, url, page=""):
    response = client.post(url, {"action": "complete"}) if page in POSTED else client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("page", list(MATRIX))
def test_who_may_open_what(client, bergen, page):
    people, urls = bergen
    allowed, refusal = MATRIX[page]
    got, expected = {}, {}
    for who in PEOPLE:
        client.logout()
        if who != "anonymous":
            client.force_login(people[who])
        response = fetch(client, urls[page], page)
        got[who] = response.status_code
        expected[who] = 302 if who == "anonymous" else (200 if who in allowed else refusal)
        if response.status_code == 200:
            assert "no-store" in response["Cache-Control"], (page, who)
            if page in DOWNLOAD_TYPES:
                assert response["Content-Type"] == DOWNLOAD_TYPES[page], (page, who)
    assert got == expected


def test_the_auditors_confirmation_is_served_as_the_pdf_it_is(client, bergen):
    """Uploaded under an .html name, served as a PDF with a .pdf name."""
    people, urls = bergen
    client.force_login(people["owner"])
    response = fetch(client, urls["auditor's confirmation"])
    assert response["Content-Type"] == PDF
    assert response["Content-Disposition"].endswith('.pdf"')


def test_a_link_is_shown_only_to_whoever_may_follow_it(client, bergen):
    people, urls = bergen
    client.force_login(people["finance"])
    grant = client.get(urls["grant"]).text
    assert f'href="{urls["granted case"]}"' not in grant
    assert 'href="/bergen/sekretariat/statusrapport/"' in client.get(urls["finance table"]).text
    client.force_login(people["owner"])
    assert f'href="{urls["granted case"]}"' in client.get(urls["grant"]).text
    # The decision body reads the recommendation, not the committee's scores.
    client.force_login(people["decision"])
    assert client.get(urls["recommendation"]).status_code == 200
    assert 'href="/bergen/komite/runde/' not in client.get(urls["recommendation"]).text
    client.force_login(people["secretariat"])
    assert 'href="/bergen/komite/runde/' in client.get(urls["recommendation"]).text


def test_the_to_do_page_lists_each_persons_own_work_only(client, bergen, world):
    """An application waiting to be screened is the secretariat's work: not its owner's (who
    has done their part), not another applicant's, not another community's secretariat's.
    Each item is known by its subject and its link, which do not depend on the language."""
    people, urls = bergen
    with scopes_disabled():
        submitted = ApplicationFactory(
            round=world.bergen_round,
            owner=people["owner"],
            title="Til sjekking: felles legevakt",
            status=Application.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
    work = {  # subject shown: (where it leads, whose work it is)
        # to its case page's screening, however the link is written
        "Til sjekking: felles legevakt": (f"/soknad/{submitted.pk}/", {"secretariat"}),
        "Utkast": (urls["draft's step"], {"owner", "coapplicant"}),
        "Komplett": (urls["scoring"], {"member"}),
        f"Innvilga ({nok_text(1000)})": (urls["grant"], {"finance"}),  # the invoice
    }
    got, expected = {}, {}
    for who in set(PEOPLE) - {"anonymous"}:
        client.force_login(people[who])
        page = client.get(urls["to-do page"]).text
        # Shown means both its subject and its link; a leak of either one fails.
        got[who] = {
            subject: (subject in page, url in page) for subject, (url, _whose) in work.items()
        }
        expected[who] = {
            subject: (who in whose, who in whose) for subject, (_url, whose) in work.items()
        }
    assert got == expected
    # Nor does Østfold's secretariat meet it on their own community's to-do page.
    client.force_login(people["foreign"])
    assert "Til sjekking" not in client.get("/ostfold/oppgaver/").text


def test_the_first_page_after_log_in_is_the_persons_own_to_do_page(client, bergen, world):
    """``/oppgaver/`` (LOGIN_REDIRECT_URL) sends a person with roles in one community on to its
    to-do page, the anonymous to log in; with roles in several it lists them, no-store."""
    people, urls = bergen
    got = {}
    for who in PEOPLE:
        client.logout()
        if who != "anonymous":
            client.force_login(people[who])
        response = client.get("/oppgaver/")
        got[who] = (response.status_code, response.get("Location"))
    assert got == {
        **dict.fromkeys(PEOPLE, (302, urls["to-do page"])),
        "foreign": (302, "/ostfold/oppgaver/"),
        "anonymous": (302, "/konto/logg-inn/?next=/oppgaver/"),
    }
    # No role anywhere yet: the start page, to choose a community; once invited to be
    # co-applicant, the to-do page where the invitation waits.
    client.force_login(world.per)
    assert client.get("/oppgaver/")["Location"] == "/"
    with scopes_disabled():
        ApplicationFactory(round=world.bergen_round).invitations.create(
            email=world.per.email, invited_by=world.sigrid
        )
    assert client.get("/oppgaver/")["Location"] == "/bergen/oppgaver/"
    # Kari is an applicant in Østfold and on Bergen's committee: both, each with its count.
    client.force_login(world.kari)
    response = client.get("/oppgaver/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'href="/bergen/oppgaver/"' in response.text
    assert 'href="/ostfold/oppgaver/"' in response.text
