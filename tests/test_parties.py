"""A party of an application takes no part in assessing or deciding it (forvaltningsloven § 6):
its responsible applicant, whoever was invited as co-applicant, and, where the community says
so, whoever works for a party organisation. The system disqualifies them: flagged, no "no
conflict", no scores, no view of the scores; and someone who becomes a party after declaring
has the declaration turned into a conflict and the scores withdrawn, in the case log."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from komite import decisions, selectors, services
from komite.models import Assessment, ConflictDeclaration, Membership, RoundReview
from soknad import services as application_services
from soknad.models import Application, BudgetLine, Invitation
from soknad.profile import affiliation_add
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import OrganisationFactory, UserFactory
from .test_decision import items, recommended_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def bergen(world):
    """Bergen's round open for review with Alfa and Beta complete (owned by eigar), kari and tor
    on the committee, and tor's scores on both; an invitation to kari to co-apply on Alfa."""
    with scope(community=world.bergen):
        round_ = world.bergen_round
        owner = UserFactory(email="eigar@tilskot.test")
        role_grant(user=owner, community=world.bergen, role=Role.APPLICANT)
        partner = OrganisationFactory(community=world.bergen, name="Askøy kommune")
        apps = {}
        for title in ("Alfa", "Beta"):
            app = Application.objects.create(
                round=round_,
                owner=owner,
                title=title,
                status=Application.Status.COMPLETE,
                submitted_at=timezone.now(),
                responsible_organisation=OrganisationFactory(community=world.bergen),
            )
            app.partners.add(partner)
            BudgetLine.objects.create(
                application=app, year=2027, organisation=partner, requested_amount=100_000
            )
            apps[title] = app
        RoundReview.objects.create(
            round=round_,
            opened_at=timezone.now(),
            scoring_deadline=timezone.now() + dt.timedelta(days=7),
        )
        tor = UserFactory(email="tor@tilskot.test")
        for user in (world.kari, tor):
            Membership.objects.create(round=round_, user=user, appointed_by=world.sigrid)
        for app in apps.values():
            services.conflict_declare(application=app, user=tor, has_conflict=False)
            score(app, tor, 2)
        invitation = Invitation.objects.create(
            application=apps["Alfa"], email=world.kari.email, invited_by=owner
        )
    return {"apps": apps, "invitation": invitation, "tor": tor, "partner": partner}


def score(app, user, value, submit=True):
    app = Application.objects.get(pk=app.pk)
    criteria = list(app.round.scheme.criteria.all())
    return services.assessment_save(
        application=app,
        user=user,
        submit=submit,
        scores={c.pk: (value, None, "") for c in criteria},
    )


def url(name, **kwargs):
    return reverse(f"komite:{name}", kwargs={"community": "bergen", **kwargs})


def dashboard_row(world, title):
    with scope(community=world.bergen):
        rows, _criteria = selectors.dashboard(round_=world.bergen_round, viewer=world.sigrid)
    return next(r for r in rows if r.application.title == title)


def scoring_form(app, value):
    criteria = list(app.round.scheme.criteria.all())
    return {f"score_{c.pk}": str(value) for c in criteria} | {"overall": "Svært bra", "submit": "1"}


def test_a_co_applicant_cannot_declare_no_conflict_nor_score(client, world, bergen):
    """The outside test's repro: kari accepts the invitation, then declares "no" and scores 5."""
    alfa = bergen["apps"]["Alfa"]
    client.force_login(world.kari)
    accepted = client.post(
        reverse(
            "soknad:invitation", kwargs={"community": "bergen", "token": bergen["invitation"].token}
        )
    )
    assert accepted.status_code == 302
    review = client.get(url("review", round=world.bergen_round.pk))
    assert "Du er part (medsøkar): inhabil" in review.text
    declared = client.post(
        url("declare", application=alfa.pk), {"conflict": "no", "reason": "Eg er berre medsøkar"}
    )
    assert declared.status_code == 200
    assert "Du er part i denne søknaden (medsøkar), og er difor inhabil" in declared.text
    with scope(community=world.bergen):
        assert not ConflictDeclaration.objects.filter(member__user=world.kari).exists()
        assert (
            client.post(url("application", application=alfa.pk), scoring_form(alfa, 5)).status_code
            == 404
        )
        assert not Assessment.objects.filter(member__user=world.kari).exists()
    # She may record the conflict; the reason is filled in for her.
    client.post(url("declare", application=alfa.pk), {"conflict": "yes", "reason": ""})
    with scope(community=world.bergen):
        declaration = ConflictDeclaration.objects.get(member__user=world.kari)
    assert (declaration.has_conflict, declaration.flagged) == (True, True)
    assert declaration.reason == "Part i søknaden (medsøkar)."  # in the page's language
    assert dashboard_row(world, "Alfa").eligible == 1  # tor alone
    assert client.get(url("application", application=alfa.pk)).status_code == 404


def test_an_invitation_not_yet_accepted_already_makes_a_party(world, bergen):
    with scope(community=world.bergen), pytest.raises(ValidationError, match="co-applicant"):
        services.conflict_declare(
            application=bergen["apps"]["Alfa"], user=world.kari, has_conflict=False
        )


def test_the_responsible_applicant_on_the_committee_is_disqualified(world, bergen):
    owner = bergen["apps"]["Beta"].owner
    with scope(community=world.bergen):
        Membership.objects.create(round=world.bergen_round, user=owner, appointed_by=world.sigrid)
        beta = Application.objects.get(pk=bergen["apps"]["Beta"].pk)
        with pytest.raises(ValidationError, match="responsible applicant"):
            services.conflict_declare(application=beta, user=owner, has_conflict=False)


def test_becoming_a_party_after_declaring_withdraws_the_scores(client, world, bergen):
    alfa, beta = bergen["apps"]["Alfa"], bergen["apps"]["Beta"]
    with scope(community=world.bergen):
        Invitation.objects.filter(pk=bergen["invitation"].pk).update(email="ein.annan@tilskot.test")
        for app in (alfa, beta):
            services.conflict_declare(application=app, user=world.kari, has_conflict=False)
            score(app, world.kari, 5)
    assert dashboard_row(world, "Alfa").stats  # both members count: mean 3.5
    assert {s.mean for s in dashboard_row(world, "Alfa").stats.values()} == {3.5}

    with scope(community=world.bergen):  # now she is invited and accepts
        invitation = Invitation.objects.create(
            application=alfa, email=world.kari.email, invited_by=alfa.owner
        )
        application_services.invitation_accept(invitation=invitation, user=world.kari)
        declaration = ConflictDeclaration.objects.get(member__user=world.kari, application=alfa)
        assessment = Assessment.objects.get(member__user=world.kari, application=alfa)
        log = list(alfa.status_changes.all())
        untouched = ConflictDeclaration.objects.get(member__user=world.kari, application=beta)
    assert (declaration.has_conflict, declaration.flagged) == (True, True)
    assert assessment.withdrawn_at is not None
    assert untouched.has_conflict is False  # Beta is not hers
    assert [(c.from_status, c.to_status, c.by) for c in log] == [
        ("complete", "complete", world.kari)
    ]
    # The note is in Bergen's language, whoever's request wrote it.
    assert log[0].message.startswith(f"{world.kari} vart part i søknaden (medsøkar) og er inhabil")
    row = dashboard_row(world, "Alfa")
    assert {s.mean for s in row.stats.values()} == {2.0}  # tor's alone
    assert (row.submitted, row.eligible) == (1, 1)
    assert {s.mean for s in dashboard_row(world, "Beta").stats.values()} == {3.5}

    client.force_login(world.kari)
    with scope(community=world.bergen):
        form = scoring_form(alfa, 5)
    assert client.post(url("application", application=alfa.pk), form).status_code == 404
    overview = client.get(url("dashboard", round=world.bergen_round.pk))
    with scope(community=world.bergen):
        assert not next(r for r in overview.context["rows"] if r.application == alfa).visible


class TestWorkingForAParty:
    """Where the community says so, a person who works for a party is one."""

    def test_an_affiliation_added_later_disqualifies(self, world, bergen):
        world.bergen.affiliated_are_parties = True
        world.bergen.save()
        alfa = bergen["apps"]["Alfa"]
        with scope(community=world.bergen):
            Invitation.objects.all().delete()
            services.conflict_declare(application=alfa, user=world.kari, has_conflict=False)
            score(alfa, world.kari, 5)
        affiliation_add(user=world.kari, organisation=bergen["partner"])
        with scope(community=world.bergen):
            declaration = ConflictDeclaration.objects.get(member__user=world.kari, application=alfa)
            assert declaration.has_conflict
            assert Assessment.objects.get(member__user=world.kari, application=alfa).withdrawn_at
            assert "Askøy kommune" in alfa.status_changes.get().message

    def test_without_the_rule_it_is_only_flagged_through_the_employer(self, world, bergen):
        alfa = bergen["apps"]["Alfa"]
        with scope(community=world.bergen):
            Invitation.objects.all().delete()
        affiliation_add(user=world.kari, organisation=bergen["partner"])
        with scope(community=world.bergen):
            services.conflict_declare(application=alfa, user=world.kari, has_conflict=False)
            assert ConflictDeclaration.objects.get(member__user=world.kari).has_conflict is False


class TestTheDecisionBody:
    @pytest.fixture
    def apps(self, world):
        return recommended_round(world, world.ostfold, world.ostfold_round)

    def test_a_member_who_is_a_party_cannot_record_it_but_the_secretariat_can(
        self, client, world, apps
    ):
        member = UserFactory(email="ssu@tilskot.test")
        role_grant(user=member, community=world.ostfold, role=Role.DECISION_BODY)
        with scope(community=world.ostfold):
            Invitation.objects.create(
                application=apps["Beta"], email=member.email, invited_by=world.ola
            )
        kwargs = {
            "round_": world.ostfold_round,
            "stage": 1,
            "meeting": "SSU 1/2027",
            "case_reference": "27/1",
            "decided_on": timezone.localdate(),
            "items": items(apps),
        }
        with scope(community=world.ostfold):
            with pytest.raises(ValidationError, match="You are a party of “Beta”"):
                decisions.decision_save(by=member, **kwargs)
            assert decisions.decision_save(by=world.ola, **kwargs).items.count() == 2
        client.force_login(member)
        page = client.get(
            reverse(
                "komite:decision",
                kwargs={"community": "ostfold", "round": world.ostfold_round.pk, "stage": 1},
            )
        )
        assert "Du er part i “Beta”, og tar derfor ikke del i dette vedtaket" in page.text
