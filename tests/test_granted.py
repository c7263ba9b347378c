"""The public list of granted projects and its open data (360Giving field names); the
committee's scoring-deadline reminder; Innlandet's checks from its fixture data alone."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from komite import decisions
from komite.models import Assessment, ConflictDeclaration, Membership, RoundReview
from komite.selectors import dashboard
from komite.services import assessment_save, conflict_declare
from soknad.models import Application
from tilskot.models import Criterion, Notification, Organisation, Round, Scheme
from tilskot.reminders import scan_reminders
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import OrganisationFactory, RoundFactory, UserFactory
from .test_decision import END, START, items, recommended_round
from .utils import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def decide(world, community, round_, apps, by):
    with scope(community=community):
        decisions.decision_save(
            round_=round_,
            stage=1,
            by=by,
            meeting="SSU 4/2026",
            case_reference="32/26",
            decided_on=dt.date(2026, 11, 20),
            items=items(apps),
            record=True,
        )


@pytest.fixture
def granted(world):
    apps = recommended_round(world, world.ostfold, world.ostfold_round)
    with scope(community=world.ostfold):
        partner = OrganisationFactory(community=world.ostfold, name="Sarpsborg kommune")
        apps["Alfa"].partners.add(partner)
        apps["Alfa"].summary = "Felles team for skrøpelige eldre."
        apps["Alfa"].save()
    decide(world, world.ostfold, world.ostfold_round, apps, world.ola)
    return apps


def test_the_public_page_lists_what_was_granted(world, client, granted):
    page = client.get(reverse("komite:granted", kwargs={"community": "ostfold"})).content.decode()
    assert "Alfa" in page
    assert "Felles team for skrøpelige eldre." in page
    assert "Sarpsborg kommune" in page
    assert "600\u202f000\u00a0kr" in page
    assert "Beta" not in page  # not granted
    assert "Pågår" in page or "Ikke startet" in page  # its status, in bokmål


def test_nothing_before_the_final_decision_and_nothing_of_other_communities(world, client):
    apps = recommended_round(world, world.ostfold, world.ostfold_round)
    with scope(community=world.ostfold):
        decisions.decision_save(
            round_=world.ostfold_round,
            stage=1,
            by=world.ola,
            meeting="",
            case_reference="",
            decided_on=None,
            items=items(apps),
        )  # a draft
    assert "Alfa" not in client.get("/ostfold/tildelt/").content.decode()
    decide(world, world.ostfold, world.ostfold_round, apps, world.ola)
    assert "Alfa" in client.get("/ostfold/tildelt/").content.decode()
    assert "Alfa" not in client.get("/bergen/tildelt/").content.decode()
    assert client.get("/bergen/tildelt.json").json() == {"grants": []}


def test_open_data_as_360giving_json(world, client, granted):
    data = client.get("/ostfold/tildelt.json").json()
    (grant,) = data["grants"]
    with scopes_disabled():
        alfa = Application.objects.select_related("responsible_organisation").get(
            pk=granted["Alfa"].pk
        )
    assert grant["id"].startswith("360G-tilskot-ostfold-")
    assert grant["title"] == "Alfa"
    assert grant["description"] == "Felles team for skrøpelige eldre."
    assert grant["currency"] == "NOK"
    assert grant["amountAwarded"] == 600_000
    assert grant["awardDate"] == "2026-11-20"
    assert grant["plannedDates"] == [{"startDate": str(START), "endDate": str(END)}]
    assert grant["recipientOrganization"] == [
        {
            "id": f"NO-BRC-{alfa.responsible_organisation.org_number}",
            "name": alfa.responsible_organisation.name,
        }
    ]
    assert grant["fundingOrganization"][0]["name"] == "Helsefellesskapet Østfold"
    assert grant["grantProgramme"] == [{"title": world.ostfold_round.scheme.name}]
    assert [p["name"] for p in grant["partners"]] == ["Sarpsborg kommune"]


def test_open_data_as_360giving_csv(client, granted):
    response = client.get("/ostfold/tildelt.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["Title"] == "Alfa"
    assert row["Amount Awarded"] == "600000.00"
    assert row["Currency"] == "NOK"
    assert row["Award Date"] == "2026-11-20"
    assert row["Planned Dates:Start Date"] == str(START)
    assert row["Recipient Org:Identifier"].startswith("NO-BRC-")
    assert row["Funding Org:Name"] == "Helsefellesskapet Østfold"
    assert row["Partners"] == "Sarpsborg kommune"


def test_a_title_cannot_become_a_formula_in_the_csv(world, client, granted):
    with scopes_disabled():
        Application.objects.filter(pk=granted["Alfa"].pk).update(title="=HYPERLINK(1)")
    row = next(csv.DictReader(io.StringIO(client.get("/ostfold/tildelt.csv").content.decode())))
    assert row["Title"] == "'=HYPERLINK(1)"


def test_the_lists_do_not_grow_in_queries(world, client, granted):
    round_ = world.ostfold_round
    org = OrganisationFactory(community=world.ostfold)

    def grow(n):
        with scopes_disabled():
            extra = Round.objects.create(
                scheme=round_.scheme,
                name=f"Runde {timezone.now().timestamp()}",
                opens_at=round_.opens_at,
                closes_at=round_.closes_at,
                budget=None,
            )
            created = []
            for i in range(n):
                app = Application.objects.create(
                    round=extra,
                    owner=world.kari,
                    responsible_organisation=org,
                    title=f"T{i}",
                    status=Application.Status.COMPLETE,
                )
                app.partners.add(org)
                created.append(app)
            decision = extra.decisions.create(
                stage=1,
                body="SSU",
                decided_on=dt.date(2026, 11, 1),
                status="recorded",
                recorded_at=timezone.now(),
            )
            decision.items.bulk_create(
                decision.items.model(
                    decision=decision,
                    application=a,
                    order=i,
                    granted=True,
                    amount=1000,
                    period_start=START,
                    period_end=END,
                )
                for i, a in enumerate(created)
            )

    for name in ("komite:granted", "komite:granted_json", "komite:granted_csv"):
        url = reverse(name, kwargs={"community": "ostfold"})
        queries = assert_queries_do_not_grow(lambda url=url: client.get(url), grow, sizes=(5, 60))
        assert queries <= 6, name


class TestScoringReminder:
    @pytest.fixture
    def review(self, world):
        with scope(community=world.bergen):
            round_ = world.bergen_round
            org = OrganisationFactory(community=world.bergen)
            for title in ("Alfa", "Beta"):
                Application.objects.create(
                    round=round_,
                    owner=world.per,
                    responsible_organisation=org,
                    title=title,
                    status=Application.Status.COMPLETE,
                )
            review = RoundReview.objects.create(
                round=round_,
                opened_at=timezone.now(),
                scoring_deadline=timezone.now() + dt.timedelta(days=2, hours=12),
            )
            done = UserFactory(email="ferdig@tilskot.test")
            for user in (world.kari, done):
                Membership.objects.create(round=round_, user=user, appointed_by=world.sigrid)
            role_grant(user=done, community=world.bergen, role=Role.COMMITTEE)
        with scope(community=world.bergen):
            for application in Application.objects.filter(round=round_):
                conflict_declare(application=application, user=done, has_conflict=False)
                assessment_save(
                    application=application,
                    user=done,
                    scores={c.pk: (3, None, "") for c in round_.scheme.criteria.all()},
                    submit=True,
                )
        return review

    def test_members_with_scoring_left_are_reminded_once(
        self, world, review, django_capture_on_commit_callbacks
    ):
        for _twice in range(2):  # the second scan sends nothing again
            with django_capture_on_commit_callbacks(execute=True):
                scan_reminders()
        reminders = [m for m in mail.outbox if "vurdering" in m.subject]
        assert [m.to for m in reminders] == [["kari@tilskot.test"]]
        assert "2 søknader" in reminders[0].body  # nynorsk, Bergen's language

    def test_a_member_with_a_conflict_is_not_reminded_of_that_application(
        self, world, review, django_capture_on_commit_callbacks
    ):
        with scope(community=world.bergen):
            for application in Application.objects.filter(round=review.round):
                conflict_declare(
                    application=application, user=world.kari, has_conflict=True, reason="Leiar"
                )
        with django_capture_on_commit_callbacks(execute=True):
            scan_reminders()
        with scopes_disabled():
            assert not Notification.objects.filter(kind=Notification.Kind.SCORING_DEADLINE)
        assert not [m for m in mail.outbox if "vurdering" in m.subject]


def test_innlandet_scores_checks_from_its_fixture_data_alone(world):
    """Innlandet: at least one of three must be met, as checks, not a score."""
    from tilskot.reference import REFERENCE_DIR, load_community_file

    community = load_community_file(REFERENCE_DIR / "innlandet.yaml").community
    secretariat = UserFactory(email="sekretariat@innlandet.test")
    member = UserFactory(email="medlem@innlandet.test")
    role_grant(user=secretariat, community=community, role=Role.SECRETARIAT)
    with scope(community=community):
        scheme = Scheme.objects.get()
        round_ = RoundFactory(scheme=scheme)  # the sources give Innlandet no round yet
        checks = list(round_.scheme.criteria.filter(kind=Criterion.Kind.CHECK))
        assert len(checks) == 3
        application = Application.objects.create(
            round=round_,
            owner=UserFactory(),
            responsible_organisation=Organisation.objects.filter(kind="municipality").first(),
            title="Digital heimeoppfølging",
            status=Application.Status.COMPLETE,
        )
        Membership.objects.create(round=round_, user=member, appointed_by=secretariat)
        role_grant(user=member, community=community, role=Role.COMMITTEE)
        RoundReview.objects.create(
            round=round_,
            opened_at=timezone.now(),
            scoring_deadline=timezone.now() + dt.timedelta(days=7),
        )
        conflict_declare(application=application, user=member, has_conflict=False)
        scores = {c.pk: (None, c == checks[0], "") for c in round_.scheme.criteria.all()}
        for criterion in round_.scheme.criteria.exclude(kind=Criterion.Kind.CHECK):
            scores[criterion.pk] = (3, None, "")
        assessment_save(application=application, user=member, scores=scores, submit=True)
        assert Assessment.objects.get().submitted_at is not None
        assert not ConflictDeclaration.objects.get().has_conflict
        rows, _criteria = dashboard(round_=round_, viewer=secretariat)
    (row,) = rows
    assert [row.stats[c.pk].met for c in checks] == [1, 0, 0]
    assert row.submitted == 1
