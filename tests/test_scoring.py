"""Scoring on the community's criteria and the round's dashboard: means, spread, rank and the
running sum against the budget; scores hidden until a member has submitted their own; members
with a conflict left out; a fixed number of queries however large the round."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from komite import selectors, services
from komite.models import Assessment, ConflictDeclaration, Membership, RoundReview, Score
from soknad.models import Application, BudgetLine
from tilskot.models import Criterion

from .factories import OrganisationFactory, UserFactory
from .utils import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    """Østfold's round (two scored criteria, 1–5) open for review, with budget 1 000 000, two
    complete applications and three members: kari, per and a third with a conflict."""
    with scope(community=world.ostfold):
        round_ = world.ostfold_round
        round_.budget = 1_000_000
        round_.save()
        criteria = list(round_.scheme.criteria.all())
        org = OrganisationFactory(community=world.ostfold)
        apps = []
        for title, requested in (("Alfa", 600_000), ("Beta", 500_000)):
            app = Application.objects.create(
                round=round_, owner=world.ola, title=title, status=Application.Status.COMPLETE
            )
            BudgetLine.objects.create(
                application=app, year=2027, organisation=org, requested_amount=requested
            )
            apps.append(app)
        RoundReview.objects.create(
            round=round_,
            opened_at=timezone.now(),
            scoring_deadline=timezone.now() + dt.timedelta(days=7),
        )
        third = UserFactory(email="tredje@tilskot.test")
        members = {}
        for user in (world.kari, world.per, third):
            members[user.email] = Membership.objects.create(
                round=round_, user=user, appointed_by=world.ola
            )
            for app in apps:
                ConflictDeclaration.objects.create(
                    application=app,
                    member=members[user.email],
                    has_conflict=(user == third and app.title == "Beta"),
                    reason="Styremedlem" if user == third else "",
                )
    return {"round": round_, "criteria": criteria, "apps": apps, "third": third}


def score(world, user, app, values, submit=True):
    with scope(community=world.ostfold):
        app = Application.objects.get(pk=app.pk)  # as a request would load it
        criteria = list(app.round.scheme.criteria.all())
        return services.assessment_save(
            application=app,
            user=user,
            submit=submit,
            scores={c.pk: (v, None, "") for c, v in zip(criteria, values, strict=True)},
        )


class TestScoring:
    def test_scores_must_lie_on_the_scale_and_all_before_submitting(self, world, setup):
        app = setup["apps"][0]
        with pytest.raises(ValidationError, match="from 1 to 5"):
            score(world, world.kari, app, [6, 3])
        with pytest.raises(ValidationError, match="before you submit"):
            score(world, world.kari, app, [4, None])
        draft = score(world, world.kari, app, [4, None], submit=False)
        assert draft.submitted_at is None
        assert score(world, world.kari, app, [4, 5]).submitted_at is not None

    def test_a_member_with_a_conflict_cannot_score(self, world, setup):
        with pytest.raises(PermissionDenied):
            score(world, setup["third"], setup["apps"][1], [3, 3])

    def test_no_changes_after_the_deadline(self, world, setup):
        with scopes_disabled():
            RoundReview.objects.update(scoring_deadline=timezone.now() - dt.timedelta(seconds=1))
        with pytest.raises(ValidationError, match="deadline"):
            score(world, world.kari, setup["apps"][0], [3, 3])

    def test_htmx_saves_in_place(self, world, client, setup):
        app = setup["apps"][0]
        client.force_login(world.kari)
        url = reverse("komite:application", kwargs={"community": "ostfold", "application": app.pk})
        c1, c2 = setup["criteria"]
        response = client.post(
            url, {f"score_{c1.pk}": "4", f"score_{c2.pk}": "2", "save": "1"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert next(t.name for t in response.templates) == "komite/_scoring.html"
        assert "<html" not in response.text
        with scopes_disabled():
            assert sorted(Score.objects.values_list("value", flat=True)) == [2, 4]
        # The swapped part keeps every control's id and name (tilskot.js puts the focus back on
        # the one that had it), and says in a status message that it saved.
        for name in (f"score_{c1.pk}", f"comment_{c1.pk}", "overall", "save", "submit"):
            assert f'name="{name}"' in response.text
        assert f'id="id_score_{c1.pk}_4"' in response.text
        status = re.search(r'<p role="status" id="save-status"[^>]*>(.*?)</p>', response.text, re.S)
        assert "Lagret" in status.group(1)  # Østfold speaks bokmål

    def test_the_scale_says_what_its_ends_mean(self, world, client, setup):
        """In the community's words (its data, set on the criteria's rules page); a criterion
        whose ends the community has not described shows only its numbers."""
        app = setup["apps"][0]
        c1, c2 = setup["criteria"]
        with scope(community=world.ostfold):
            c1.score_min_label, c1.score_max_label = "svært svak", "svært sterk"
            c1.save()
        client.force_login(world.kari)
        url = reverse("komite:application", kwargs={"community": "ostfold", "application": app.pk})
        page = client.get(url).content.decode()
        # The radio group of each criterion: its legend, then what 1 and 5 mean, tied to it.
        group = re.search(
            rf'<fieldset class="ds-fieldset" aria-describedby="id_score_{c1.pk}_helptext">'
            r"(.*?)</fieldset>",
            page,
            re.S,
        )
        assert group, "the score's radio group is described by its scale"
        description = re.search(r'<p data-field="description"[^>]*>(.*?)</p>', group.group(1))
        assert description.group(1) == "1 = svært svak, 5 = svært sterk"
        assert f'aria-describedby="id_score_{c2.pk}_helptext"' not in page
        assert page.count('class="narrow-only"') == 1  # the jump to the form on a phone
        assert '<a href="#scoring">' in page
        # The save status is on the page before any save, saying so.
        status = re.search(r'<p role="status" id="save-status"[^>]*>(.*?)</p>', page, re.S)
        assert status.group(1).strip()
        assert "Lagret." not in status.group(1)


class TestDashboard:
    def test_means_spread_rank_and_running_sum(self, world, setup):
        alfa, beta = setup["apps"]
        score(world, world.kari, alfa, [4, 5])
        score(world, world.per, alfa, [2, 5])
        score(world, setup["third"], alfa, [3, 2])
        score(world, world.kari, beta, [5, 5])
        score(world, world.per, beta, [5, 4])
        with scope(community=world.ostfold):
            rows, criteria = selectors.dashboard(round_=setup["round"], viewer=world.ola)
        by_title = {r.application.title: r for r in rows}
        c1 = criteria[0]
        assert [r.application.title for r in rows] == ["Beta", "Alfa"]
        assert (by_title["Alfa"].stats[c1.pk].mean, by_title["Alfa"].stats[c1.pk].spread) == (
            3.0,
            2,
        )
        assert by_title["Alfa"].total == 7.0
        assert by_title["Beta"].total == 9.5
        assert (by_title["Beta"].submitted, by_title["Beta"].eligible) == (2, 2)  # one conflict
        assert (by_title["Alfa"].submitted, by_title["Alfa"].eligible) == (3, 3)
        assert [r.running_requested for r in rows] == [Decimal("500000"), Decimal("1100000")]

    def test_members_see_scores_only_after_their_own(self, world, client, setup):
        alfa = setup["apps"][0]
        score(world, world.kari, alfa, [4, 5])
        url = reverse(
            "komite:dashboard", kwargs={"community": "ostfold", "round": setup["round"].pk}
        )
        client.force_login(world.per)
        rows = client.get(url).context["rows"]
        assert [r.visible for r in rows] == [False, False]
        score(world, world.per, alfa, [2, 5])
        rows = {r.application.title: r for r in client.get(url).context["rows"]}
        assert (rows["Alfa"].visible, rows["Beta"].visible) == (True, False)
        with scopes_disabled():
            world.ostfold.scores_hidden_until_own = False
            world.ostfold.save()
        rows = {r.application.title: r for r in client.get(url).context["rows"]}
        assert (rows["Alfa"].visible, rows["Beta"].visible) == (True, True)
        client.force_login(setup["third"])  # conflict on Beta: never sees it
        rows = {r.application.title: r for r in client.get(url).context["rows"]}
        assert rows["Beta"].visible is False

    def test_the_rows_read_in_the_communitys_language(self, world, client, setup):
        """The overview's rows (written in Python, komite.views._dashboard_rows): a member sees
        the scores of what they have scored, "skjult" (hidden) for the rest, in bokmål for
        Østfold; the mean with one decimal and its spread; over the money: a tag."""
        alfa = setup["apps"][0]
        score(world, world.kari, alfa, [4, 5])
        score(world, world.per, alfa, [2, 5])
        with scopes_disabled():
            setup["round"].budget = 550_000  # Alfa (600 000) alone goes over
            setup["round"].save()
        client.force_login(world.per)
        url = reverse(
            "komite:dashboard", kwargs={"community": "ostfold", "round": setup["round"].pk}
        )
        page = client.get(url).content.decode()
        body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
        alfa_row, beta_row = re.findall(r"<tr[^>]*>.*?</tr>", body, re.S)
        assert '<tr class="over-budget">' in alfa_row
        assert "Over tilgjengelige midler" in alfa_row
        cells = re.findall(r"<td>(\d,\d) <span[^>]*>\((.*?)\)</span></td>", alfa_row)
        assert cells == [("3,0", "spredning 2"), ("5,0", "spredning 0")]
        assert beta_row.count("skjult") == 2  # Beta not scored by per: hidden, in bokmål
        assert "hidden" not in body

    def test_check_criteria_count_how_many_found_them_met(self, world, setup):
        with scope(community=world.ostfold):
            scheme = setup["round"].scheme
            Criterion.objects.filter(scheme=scheme).delete()
            check = Criterion.objects.create(scheme=scheme, title="Drift", kind="check")
            app = setup["apps"][0]
            for user, met in ((world.kari, True), (world.per, False)):
                services.assessment_save(
                    application=app, user=user, submit=True, scores={check.pk: (None, met, "")}
                )
            rows, _criteria = selectors.dashboard(round_=setup["round"], viewer=world.ola)
        stats = next(r for r in rows if r.application == app).stats[check.pk]
        assert (stats.met, stats.count) == (1, 2)

    def test_strangers_get_404(self, world, client, setup):
        client.force_login(UserFactory(email="framand2@tilskot.test"))
        assert (
            client.get(
                reverse(
                    "komite:dashboard", kwargs={"community": "ostfold", "round": setup["round"].pk}
                )
            ).status_code
            == 404
        )

    def test_query_count_does_not_grow_with_the_round(self, world, client, setup):
        round_ = setup["round"]
        members = []
        with scopes_disabled():
            for i in range(10):
                members.append(
                    Membership.objects.create(
                        round=round_,
                        user=UserFactory(email=f"m{i}@tilskot.test"),
                        appointed_by=world.ola,
                    )
                )
        c1, c2 = setup["criteria"]

        def grow(n):
            with scopes_disabled():
                apps = Application.objects.bulk_create(
                    Application(
                        round=round_,
                        owner=world.ola,
                        title=f"S{i}",
                        status=Application.Status.COMPLETE,
                    )
                    for i in range(n)
                )
                assessments = Assessment.objects.bulk_create(
                    Assessment(application=a, member=m, submitted_at=timezone.now())
                    for a in apps
                    for m in members
                )
                Score.objects.bulk_create(
                    Score(assessment=s, criterion=c, value=3) for s in assessments for c in (c1, c2)
                )

        client.force_login(world.ola)
        url = reverse("komite:dashboard", kwargs={"community": "ostfold", "round": round_.pk})
        queries = assert_queries_do_not_grow(lambda: client.get(url), grow, sizes=(10, 500))
        assert queries == 12  # the pictures of the spread draw what the page has read
