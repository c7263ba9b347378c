"""The ranked recommendation: within the money available or refused with the reason, nothing
typed lost; sent once and then locked; read by the decision body."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from komite import decisions, services
from komite.models import ConflictDeclaration, Membership, Recommendation, RoundReview
from soknad.models import Application, BudgetLine
from tilskot.models import Round
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import OrganisationFactory, UserFactory
from .utils import assert_queries_do_not_grow, close_round, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(world):
    """Østfold's round, its deadline passed, with 1 000 000 kr and two complete applications
    asking 600 000 and 500 000."""
    with scope(community=world.ostfold):
        round_ = world.ostfold_round
        round_.budget = 1_000_000
        round_.save()
        org = OrganisationFactory(community=world.ostfold)
        for title, requested in (("Alfa", 600_000), ("Beta", 500_000)):
            app = Application.objects.create(
                round=round_, owner=world.kari, title=title, status=Application.Status.COMPLETE
            )
            BudgetLine.objects.create(
                application=app, year=2027, organisation=org, requested_amount=requested
            )
        RoundReview.objects.create(
            round=round_,
            opened_at=timezone.now(),
            scoring_deadline=timezone.now() + dt.timedelta(days=7),
        )
    return close_round(round_)  # the recommendation waits for the deadline


def url(round_):
    return reverse("komite:recommendation", kwargs={"community": "ostfold", "round": round_.pk})


def post(client, round_, proposals, send=False):
    with scopes_disabled():
        apps = {a.title: a.pk for a in Application.objects.filter(round=round_)}
    data = {"send" if send else "save": "1"}
    for place, (title, decision, amount, text) in enumerate(proposals, start=1):
        pk = apps[title]
        data.update(
            {
                f"order_{pk}": place,
                f"decision_{pk}": decision,
                f"amount_{pk}": amount,
                f"conditions_{pk}": text if decision == "grant" else "",
                f"reason_{pk}": text if decision == "reject" else "",
            }
        )
    return client.post(url(round_), data)


def test_over_budget_is_refused_and_nothing_typed_is_lost(world, client, round_):
    client.force_login(world.ola)
    response = post(
        client,
        round_,
        [("Alfa", "grant", "600000", "Rapport innan 2028"), ("Beta", "grant", "500000", "")],
    )
    assert response.status_code == 200
    [(_field, message)] = response.context["error_list"]
    assert "1\u202f100\u202f000\u00a0kr" in message
    assert "1\u202f000\u202f000\u00a0kr" in message
    form = response.context["form"]
    assert next(form[n].value() for n in form.fields if n.startswith("conditions_")) == (
        "Rapport innan 2028"
    )
    with scopes_disabled():
        assert not Recommendation.objects.filter(items__isnull=False).exists()


def test_within_budget_is_sent_and_locked(world, client, round_):
    client.force_login(world.ola)
    response = post(
        client,
        round_,
        [("Alfa", "grant", "600000", "Sluttrapport"), ("Beta", "reject", "", "Svakare forankring")],
        send=True,
    )
    assert response.status_code == 302
    with scope(community=world.ostfold):
        recommendation = Recommendation.objects.get()
        items = [
            (i.application.title, i.grant, i.amount, i.reason) for i in recommendation.items.all()
        ]
    assert recommendation.status == Recommendation.Status.SENT
    assert recommendation.sent_by == world.ola
    assert items == [("Alfa", True, 600000, ""), ("Beta", False, None, "Svakare forankring")]
    # Locked: a later post changes nothing.
    post(client, round_, [("Alfa", "reject", "", "x"), ("Beta", "reject", "", "y")])
    with scope(community=world.ostfold):
        assert recommendation.items.get(application__title="Alfa").grant


def test_the_reasons_for_a_partial_grant_reach_the_decision_body(world, client, round_):
    """A reason typed for a grant of less than was asked for is kept when the recommendation
    is sent, and the decision body's form starts from it (it was dropped, and asked again)."""
    client.force_login(world.ola)
    with scopes_disabled():
        alfa, beta = (Application.objects.get(title=t) for t in ("Alfa", "Beta"))
    data = {
        "send": "1",
        f"order_{alfa.pk}": 1,
        f"decision_{alfa.pk}": "grant",
        f"amount_{alfa.pk}": "400000",
        f"reason_{alfa.pk}": "Berre første prosjektår.",
        f"order_{beta.pk}": 2,
        f"decision_{beta.pk}": "reject",
        f"reason_{beta.pk}": "Svakare forankring",
    }
    assert client.post(url(round_), data).status_code == 302
    with scope(community=world.ostfold):
        (first, _second) = decisions.proposals(round_, 1)
    assert (first.application, first.amount, first.reason) == (
        alfa,
        400000,
        "Berre første prosjektår.",
    )
    ssu = UserFactory(email="ssu@tilskot.test")
    role_grant(user=ssu, community=world.ostfold, role=Role.DECISION_BODY)
    client.force_login(ssu)
    page = client.get(
        reverse("komite:decision", kwargs={"community": "ostfold", "round": round_.pk, "stage": 1})
    )
    assert "Berre første prosjektår." in page.text


@pytest.mark.parametrize(
    ("proposals", "expected"),
    [
        ([("Alfa", "reject", "", ""), ("Beta", "reject", "", "Nei")], "reason"),
        ([("Alfa", "grant", "700000", ""), ("Beta", "reject", "", "Nei")], "no more than"),
        ([("Alfa", "grant", "", ""), ("Beta", "reject", "", "Nei")], "Propose an amount"),
    ],
)
def test_each_proposal_must_be_complete(world, client, round_, proposals, expected):
    client.force_login(world.ola)
    client.cookies["django_language"] = "en"  # the messages in English, whatever the catalogs
    response = post(client, round_, proposals)
    assert response.status_code == 200
    assert any(expected in message for _f, message in response.context["error_list"])


def test_the_decision_body_reads_and_others_get_404(world, client, round_):
    client.force_login(world.ola)
    post(
        client, round_, [("Alfa", "grant", "600000", ""), ("Beta", "reject", "", "Nei")], send=True
    )
    role_grant(user=world.per, community=world.ostfold, role=Role.DECISION_BODY)
    client.force_login(world.per)
    page = client.get(url(round_))
    assert page.status_code == 200
    assert [i.application.title for i in page.context["items"]] == ["Alfa", "Beta"]
    client.force_login(world.kari)  # an applicant
    assert client.get(url(round_)).status_code == 404


def test_the_recommendation_shows_the_scores_the_ranking_uses(world, client, round_):
    """Each application's mean per criterion and its total (the sum of the means, as the
    ranking counts it), in the form and in the sent table."""
    with scope(community=world.ostfold):
        criteria = list(round_.scheme.criteria.filter(kind="scored"))
        apps = {a.title: a for a in Application.objects.filter(round=round_)}
        other = UserFactory(email="medlem@tilskot.test")  # kari owns the applications
        for user, values in ((other, (4, 5)), (world.per, (3, 2))):
            member = Membership.objects.create(round=round_, user=user, appointed_by=world.ola)
            for app in apps.values():
                ConflictDeclaration.objects.create(
                    application=app, member=member, has_conflict=False
                )
                services.assessment_save(
                    application=app,
                    user=user,
                    submit=True,
                    scores={c.pk: (v, None, "") for c, v in zip(criteria, values, strict=False)},
                )
    assert len(criteria) == 2
    client.force_login(world.ola)
    page = client.get(url(round_)).content.decode()
    assert "3,50" in page  # Alfa's mean on both criteria: (4 + 3) / 2 and (5 + 2) / 2
    assert "7,00" in page  # the total
    post(
        client, round_, [("Alfa", "grant", "600000", ""), ("Beta", "reject", "", "Nei")], send=True
    )
    page = client.get(url(round_)).content.decode()
    table = re.search(r'<table class="ds-table recommendation".*?</table>', page, re.S).group(0)
    for criterion in criteria:
        assert criterion.title in table  # the criterion's whole name heads its column
    alfa_row = re.search(r"<tr>\s*<td>1</td>.*?</tr>", table, re.S).group(0)
    cells = [" ".join(c.split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", alfa_row, re.S)]
    assert cells[1:3] == ["3,50", "3,50"]
    assert "<strong>7,00</strong>" in cells[3]


def test_the_sent_recommendation_reads_in_the_same_queries_for_2_and_40_items(
    world, client, round_
):
    """The sent list names each application from the rows already read (it once read each
    item's application again)."""
    client.force_login(world.ola)
    post(
        client, round_, [("Alfa", "grant", "600000", ""), ("Beta", "reject", "", "Nei")], send=True
    )

    def grow(count):
        with scope(community=world.ostfold):
            recommendation = Recommendation.objects.get(round=round_)
            start = recommendation.items.count()
            for k in range(count):
                app = Application.objects.create(
                    round=round_, owner=world.kari, title=f"Ekstra {k}", status="complete"
                )
                recommendation.items.create(
                    application=app, order=start + k + 1, grant=False, reason="Nei"
                )

    queries = assert_queries_do_not_grow(lambda: client.get(url(round_)), grow, sizes=(0, 38))
    assert queries <= 15


def test_the_sent_recommendation_as_pdf(world, client, round_):
    client.force_login(world.ola)
    pdf_url = reverse(
        "komite:recommendation_pdf", kwargs={"community": "ostfold", "round": round_.pk}
    )
    assert client.get(pdf_url).status_code == 404  # nothing sent yet
    post(
        client,
        round_,
        [
            ("Alfa", "grant", "600000", "Sluttrapport innen 2028"),
            ("Beta", "reject", "", "Svakere forankring"),
        ],
        send=True,
    )
    response = client.get(pdf_url)
    assert response["Content-Type"] == "application/pdf"
    text, _pages = pdf_text(response.content)
    for expected in (
        "Alfa",
        "Beta",
        "600 000",
        "Sluttrapport innen 2028",
        "Svakere forankring",
        "1 000 000",
    ):
        assert expected in text
    client.force_login(world.kari)
    assert client.get(pdf_url).status_code == 404


def test_the_sent_table_and_the_overview_escape_what_people_typed(world, client, round_):
    """The rows written in Python (komite.views._sent_rows, _dashboard_rows) escape titles and
    texts as a template would, and keep the line breaks of a reason."""
    with scopes_disabled():
        Application.objects.filter(round=round_, title="Alfa").update(title="Alfa <i>&</i>")
        Application.objects.filter(round=round_, title="Beta").update(title="Beta")
    client.force_login(world.ola)
    reason = "<script>alert(1)</script>\nAndre linje"
    with scopes_disabled():
        apps = {a.title: a.pk for a in Application.objects.filter(round=round_)}
    data = {"send": "1"}
    for place, (title, decision, amount, conditions, why) in enumerate(
        (("Alfa <i>&</i>", "grant", "600000", "", ""), ("Beta", "reject", "", "", reason)),
        start=1,
    ):
        pk = apps[title]
        data.update(
            {
                f"order_{pk}": place,
                f"decision_{pk}": decision,
                f"amount_{pk}": amount,
                f"conditions_{pk}": conditions,
                f"reason_{pk}": why,
            }
        )
    assert client.post(url(round_), data).status_code == 302
    page = client.get(url(round_)).content.decode()
    table = re.search(r'<table class="ds-table recommendation".*?</table>', page, re.S).group(0)
    assert '<th scope="row">Alfa &lt;i&gt;&amp;&lt;/i&gt;</th>' in table
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Andre linje" in table
    assert "<script>" not in page
    dashboard = client.get(
        reverse("komite:dashboard", kwargs={"community": "ostfold", "round": round_.pk})
    ).content.decode()
    assert '<th scope="row">Alfa &lt;i&gt;&amp;&lt;/i&gt;</th>' in dashboard
    assert "<i>&</i>" not in dashboard


def test_the_recommendation_and_the_decision_wait_for_the_rounds_deadline(world, client, round_):
    """Until the deadline applications can still come in: the page says what it waits for
    (in the community's language) instead of a form, a post changes nothing, and neither the
    recommendation nor the decision can be saved."""
    with scopes_disabled():
        Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now() + dt.timedelta(days=2))
    round_.refresh_from_db()
    client.force_login(world.ola)
    page = client.get(url(round_))
    assert page.context["waiting"].startswith("Dette venter på fristen for søknadsrunden")
    assert page.context["form"] is None
    assert 'name="send"' not in page.text
    response = post(
        client, round_, [("Alfa", "grant", "600000", ""), ("Beta", "reject", "", "Nei")], send=True
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert not Recommendation.objects.filter(round=round_).exists()
    with scope(community=world.ostfold), translation.override("nb"):
        with pytest.raises(ValidationError, match="venter på fristen"):
            services.recommendation_save(round_=round_, by=world.ola, items=[], send=True)
        with pytest.raises(ValidationError, match="venter på fristen"):
            decisions.decision_save(
                round_=round_,
                stage=1,
                by=world.ola,
                meeting="Møte",
                case_reference="1/1",
                decided_on=None,
                items=[],
            )


def test_the_recommendation_is_sent_only_when_every_application_is_screened(world, client, round_):
    """One still being screened, or waiting for the applicant's answer, could never be decided
    once the recommendation is sent: sending is refused, naming it, and what was typed stays."""
    with scope(community=world.ostfold):
        waiting = Application.objects.create(
            round=round_, owner=world.kari, title="Gamma", status=Application.Status.MORE_INFO
        )
    client.force_login(world.ola)
    proposals = [("Alfa", "grant", "600000", ""), ("Beta", "reject", "", "Nei")]
    response = post(client, round_, proposals, send=True)
    assert response.status_code == 200
    [(_field, message)] = response.context["error_list"]
    assert "«Gamma»" in message or "“Gamma”" in message
    assert 'value="600000"' in response.text  # nothing typed is lost
    with scopes_disabled():
        assert not Recommendation.objects.filter(status=Recommendation.Status.SENT).exists()
        Application.objects.filter(pk=waiting.pk).update(status=Application.Status.REJECTED)
    assert post(client, round_, proposals, send=True).status_code == 302
