"""The decision: recorded by the decision body within the money available and with reasons
(forvaltningsloven §§ 24–25), locked once recorded, deciding the applications; in one stage or
two as the community's data says; the money left passed to an extra round."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from komite import decisions
from komite.models import Decision, Recommendation, RecommendationItem
from soknad import services
from soknad.models import Application, BudgetLine, StatusChange
from tilskot.models import Round
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import OrganisationFactory, UserFactory
from .utils import close_round

pytestmark = pytest.mark.django_db

START, END = dt.date(2027, 1, 1), dt.date(2027, 12, 31)


def recommended_round(world, community, round_):
    """``round_`` with 1 000 000 kr, Alfa (asks 600 000) and Beta (asks 500 000) complete, and
    the committee's recommendation sent after the round's deadline: grant Alfa 600 000, reject
    Beta."""
    with scope(community=community):
        round_.budget = 1_000_000
        round_.save()
        org = OrganisationFactory(community=community)
        apps = {}
        for title, requested in (("Alfa", 600_000), ("Beta", 500_000)):
            apps[title] = Application.objects.create(
                round=round_,
                owner=world.kari,
                responsible_organisation=org,
                title=title,
                status=Application.Status.COMPLETE,
                period_start=START,
                period_end=END,
            )
            BudgetLine.objects.create(
                application=apps[title], year=2027, organisation=org, requested_amount=requested
            )
        close_round(round_)  # the recommendation waited for the deadline
        recommendation = Recommendation.objects.create(
            round=round_, status=Recommendation.Status.SENT, sent_at=timezone.now()
        )
        RecommendationItem.objects.create(
            recommendation=recommendation,
            application=apps["Alfa"],
            order=1,
            grant=True,
            amount=600_000,
            conditions="Rapport innan 2028",
        )
        RecommendationItem.objects.create(
            recommendation=recommendation,
            application=apps["Beta"],
            order=2,
            grant=False,
            reason="Svakare forankring",
        )
    return apps


@pytest.fixture
def apps(world):
    return recommended_round(world, world.ostfold, world.ostfold_round)


@pytest.fixture
def ssu(world):
    user = UserFactory(email="ssu@tilskot.test")
    role_grant(user=user, community=world.ostfold, role=Role.DECISION_BODY)
    return user


def items(apps, **changes):
    """The decision as recommended for the applications in ``apps``, with ``changes`` per
    title."""
    rows = {
        "Alfa": {
            "granted": True,
            "amount": Decimal(600_000),
            "period_start": START,
            "period_end": END,
            "conditions": "Rapport innan 2028",
            "reason": "",
        },
        "Beta": {"granted": False, "amount": None, "reason": "Svakere forankring"},
    }
    for title, change in changes.items():
        rows[title].update(change)
    return [
        {"application": apps[title].pk, "order": order, **row}
        for order, (title, row) in enumerate(rows.items(), start=1)
        if title in apps
    ]


def save(world, apps, by, record=False, **changes):
    with scope(community=world.ostfold):
        return decisions.decision_save(
            round_=world.ostfold_round,
            stage=1,
            by=by,
            meeting="SSU 4/2026",
            case_reference="32/26",
            decided_on=dt.date(2026, 11, 20),
            items=items(apps, **changes),
            record=record,
        )


def test_recording_decides_the_applications_and_locks(world, apps, ssu):
    decision = save(world, apps, ssu, record=True)
    assert decision.is_final
    assert decision.is_recorded
    with scope(community=world.ostfold):
        alfa = Application.objects.get(pk=apps["Alfa"].pk)
        beta = Application.objects.get(pk=apps["Beta"].pk)
        assert alfa.status == Application.Status.GRANTED
        assert beta.status == Application.Status.NOT_GRANTED
        change = StatusChange.objects.get(application=alfa, to_status="granted")
        assert change.by == ssu
        assert "32/26" in change.message
        assert decisions.money_left(world.ostfold_round) == Decimal(400_000)
    with pytest.raises(ValidationError, match="can no longer change"):
        save(world, apps, ssu, record=True)


def test_a_meeting_and_reference_at_their_longest_are_recorded_whole(world, apps, ssu):
    """The outside test's 500 on PostgreSQL: the case log's message joined the meeting and the
    case reference into the history's 100-character change reason."""
    meeting, reference = "Møte i strategisk samarbeidsutval " + "Å" * 166, "Sak " + "Ø" * 96
    with scope(community=world.ostfold):
        decisions.decision_save(
            round_=world.ostfold_round,
            stage=1,
            by=ssu,
            meeting=meeting,
            case_reference=reference,
            decided_on=dt.date(2026, 11, 20),
            items=items(apps),
            record=True,
        )
        change = StatusChange.objects.get(application=apps["Alfa"], to_status="granted")
        history = Application.history.filter(id=apps["Alfa"].pk).first()
    assert (len(meeting), len(reference)) == (200, 100)
    assert meeting in change.message
    assert reference in change.message
    assert history.history_change_reason == "complete → granted"


def test_a_draft_decides_nothing(world, apps, ssu):
    save(world, apps, ssu)
    with scope(community=world.ostfold):
        assert Application.objects.get(pk=apps["Alfa"].pk).status == "complete"
        assert decisions.final_decision(world.ostfold_round) is None
        assert decisions.money_left(world.ostfold_round) is None


def test_more_than_the_money_available_is_refused(world, apps, ssu):
    with pytest.raises(ValidationError) as refused:
        save(
            world,
            apps,
            ssu,
            Beta={"granted": True, "amount": Decimal(500_000), "period_start": START},
        )
    assert any("1\u202f100\u202f000\u00a0kr" in m for m in refused.value.messages)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Beta": {"reason": ""}}, "Give the reasons for not granting “Beta”"),
        ({"Alfa": {"amount": Decimal(300_000)}}, "granted less than it asks for"),
        ({"Alfa": {"amount": Decimal(700_000)}}, "grant no more than that"),
        ({"Alfa": {"amount": None}}, "Give the amount granted"),
        ({"Alfa": {"period_end": None}}, "Give the period"),
        ({"Alfa": {"period_end": dt.date(2026, 1, 1)}}, "ends before it starts"),
    ],
)
def test_each_decision_needs_what_the_law_asks(world, apps, ssu, changes, message):
    with pytest.raises(ValidationError, match=message):
        save(world, apps, ssu, **changes)


def test_a_partial_grant_with_its_reasons_is_accepted(world, apps, ssu):
    save(world, apps, ssu, Alfa={"amount": Decimal(300_000), "reason": "Berre første år."})


def test_recording_needs_the_meeting_reference_and_date(world, apps, ssu):
    with scope(community=world.ostfold), pytest.raises(ValidationError) as refused:
        decisions.decision_save(
            round_=world.ostfold_round,
            stage=1,
            by=ssu,
            meeting="",
            case_reference="",
            decided_on=timezone.localdate() + dt.timedelta(days=1),
            items=items(apps),
            record=True,
        )
    assert refused.value.messages == [
        "Name the meeting where the decision was made.",
        "Give the case reference.",
        "The date of the decision cannot be in the future.",
    ]


def test_an_application_withdrawn_after_the_recommendation_is_left_out(world, client, apps, ssu):
    """The applicant may withdraw until the decision: the body then decides on the rest, and
    its page says which one was withdrawn."""
    with scope(community=world.ostfold):
        services.application_withdraw(application=apps["Beta"], user=world.kari, reason="Nei")
    client.force_login(ssu)
    page = client.get(
        reverse(
            "komite:decision",
            kwargs={"community": "ostfold", "round": apps["Alfa"].round_id, "stage": 1},
        )
    )
    assert [a.title for a in page.context["withdrawn"]] == ["Beta"]
    assert [p.application.title for p in page.context["form"].proposals] == ["Alfa"]
    decision = save(world, {"Alfa": apps["Alfa"]}, ssu, record=True)
    with scope(community=world.ostfold):
        assert [i.application.title for i in decision.items.all()] == ["Alfa"]
        assert Application.objects.get(pk=apps["Alfa"].pk).status == "granted"
        assert Application.objects.get(pk=apps["Beta"].pk).status == "withdrawn"


def test_screening_ends_when_the_recommendation_is_sent(world, client, apps):
    """The secretariat can no longer send a recommended application back or reject it; the
    case page says why instead of offering the actions."""
    with scope(community=world.ostfold):
        with pytest.raises(ValidationError, match="can no longer be screened"):
            services.application_request_more_info(
                application=apps["Alfa"], by=world.ola, message="Meir", steps=["budget"]
            )
        assert Application.objects.get(pk=apps["Alfa"].pk).status == "complete"
    client.force_login(world.ola)
    client.cookies["django_language"] = "en"  # the message in English, whatever the catalogs
    page = client.get(apps["Alfa"].get_absolute_url())
    assert page.context["screening_forms"] == {}
    assert "can no longer be screened" in page.context["screening_closed"]
    refused = client.post(
        reverse("soknad:screen", kwargs={"community": "ostfold", "application": apps["Alfa"].pk}),
        {"action": "reject", "reject-reason": "Formelle feil"},
    )
    assert refused.status_code == 200
    assert any("can no longer be screened" in m for _a, m in refused.context["error_list"])


def test_nothing_to_decide_before_the_recommendation_is_sent(world, apps, ssu):
    with scopes_disabled():
        Recommendation.objects.update(status=Recommendation.Status.DRAFT)
    with pytest.raises(ValidationError, match="recommendation has not been sent"):
        save(world, apps, ssu)


def test_who_may_record(world, apps):
    with pytest.raises(PermissionDenied):
        save(world, apps, world.kari)  # an applicant
    save(world, apps, world.ola)  # the secretariat, recording the body's minutes


class TestThePage:
    def url(self, world, stage=1):
        return reverse(
            "komite:decision",
            kwargs={"community": "ostfold", "round": world.ostfold_round.pk, "stage": stage},
        )

    def post(self, client, world, apps, record=False, **changes):
        data = {
            "record" if record else "save": "1",
            "meeting": "SSU 4/2026",
            "case_reference": "32/26",
            "decided_on": "2026-11-20",
        }
        for row in items(apps, **changes):
            pk = row["application"]
            data.update(
                {
                    f"order_{pk}": row["order"],
                    f"decision_{pk}": "grant" if row["granted"] else "reject",
                    f"amount_{pk}": row.get("amount") or "",
                    f"period_start_{pk}": row.get("period_start") or "",
                    f"period_end_{pk}": row.get("period_end") or "",
                    f"conditions_{pk}": row.get("conditions", ""),
                    f"reason_{pk}": row.get("reason", ""),
                }
            )
        return client.post(self.url(world), data)

    def test_over_budget_is_refused_and_nothing_typed_is_lost(self, world, client, apps, ssu):
        client.force_login(ssu)
        response = self.post(
            client,
            world,
            apps,
            record=True,
            Beta={
                "granted": True,
                "amount": 500_000,
                "period_start": START,
                "period_end": END,
                "conditions": "Eigen evaluering",
            },
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "more than the money available" not in page  # the page speaks bokmål
        assert "mer enn de tilgjengelige midlene" in page
        assert "Eigen evaluering" in page
        assert 'value="500000"' in page
        with scopes_disabled():
            assert not Decision.objects.filter(status=Decision.Status.RECORDED).exists()

    def test_recorded_then_shown_locked(self, world, client, apps, ssu):
        client.force_login(ssu)
        response = self.post(client, world, apps, record=True)
        assert response.status_code == 302
        page = client.get(self.url(world)).content.decode()
        assert "32/26" in page
        assert 'class="decision-form' not in page  # locked: no form
        assert 'class="recorded"' in page
        # The meeting's name and its date cannot be read as one ("SSU 4/2026 2. november"):
        # the date comes in brackets after the name.
        recorded = re.search(r'<p class="recorded">(.*?)</p>', page, re.S).group(1)
        assert re.search(r"SSU 4/2026\W{0,2} \([^)]*\d{4}\)", " ".join(recorded.split()))

    def test_only_the_decision_body_and_the_secretariat(self, world, client, apps):
        client.force_login(world.kari)
        assert client.get(self.url(world)).status_code == 404
        client.force_login(world.sigrid)  # secretariat, but in Bergen
        assert client.get(self.url(world)).status_code == 404
        client.force_login(world.ola)
        assert client.get(self.url(world)).status_code == 200
        assert client.get(self.url(world, stage=2)).status_code == 404  # Østfold has one


class TestMoneyLeft:
    def test_an_extra_round_takes_the_money_left_once(self, world, apps, ssu):
        save(world, apps, ssu, record=True)
        opens = timezone.now() + dt.timedelta(days=30)
        with scope(community=world.ostfold):
            extra = decisions.extra_round_open(
                round_=world.ostfold_round,
                by=world.ola,
                name="Haustrunde",
                opens_at=opens,
                closes_at=opens + dt.timedelta(days=60),
            )
            assert extra.budget == Decimal(400_000)
            assert extra.money_from == world.ostfold_round
            assert extra.scheme == world.ostfold_round.scheme
            assert decisions.money_left(world.ostfold_round) == 0
            with pytest.raises(ValidationError, match="no money left"):
                decisions.extra_round_open(
                    round_=world.ostfold_round,
                    by=world.ola,
                    name="Ein til",
                    opens_at=opens,
                    closes_at=opens + dt.timedelta(days=60),
                )

    def test_only_the_secretariat_opens_one(self, world, apps, ssu):
        save(world, apps, ssu, record=True)
        with scope(community=world.ostfold), pytest.raises(PermissionDenied):
            decisions.extra_round_open(
                round_=world.ostfold_round,
                by=ssu,
                name="Haustrunde",
                opens_at=timezone.now(),
                closes_at=timezone.now() + dt.timedelta(days=60),
            )

    def test_the_page_opens_one(self, world, client, apps, ssu):
        save(world, apps, ssu, record=True)
        client.force_login(world.ola)
        url = reverse(
            "komite:letters", kwargs={"community": "ostfold", "round": world.ostfold_round.pk}
        )
        assert "400\u202f000\u00a0kr" in client.get(url).content.decode()
        response = client.post(
            url,
            {"name": "Haustrunde", "opens_at": "2027-08-01T08:00", "closes_at": "2027-07-01T08:00"},
        )
        assert "The deadline must come after the opening." not in response.content.decode()
        assert "Søknadsfristen må være etter at søknadsrunden åpner." in response.content.decode()
        assert "Haustrunde" in response.content.decode()  # kept
        response = client.post(
            url,
            {"name": "Haustrunde", "opens_at": "2027-08-01T08:00", "closes_at": "2027-10-01T23:59"},
        )
        assert response.status_code == 302
        with scope(community=world.ostfold):
            extra = Round.objects.get(name="Haustrunde")
        assert extra.budget == Decimal(400_000)


def test_nord_decides_in_two_stages_from_its_data_alone(world, nord):
    """The community's SSU prioritises; Helse Nord's coordination committee decides."""
    community, round_, apps, secretariat = nord
    with scope(community=community):
        first, second = community.decision_bodies
        assert decisions.proposals(round_, 2) is None  # nothing before the SSU has recorded

        def decide(stage, **changes):
            return decisions.decision_save(
                round_=round_,
                stage=stage,
                by=secretariat,
                meeting=f"Møte {stage}",
                case_reference=f"{stage}/26",
                decided_on=dt.date(2026, 11, 20),
                items=items(apps, **changes),
                record=True,
            )

        stage_1 = decide(1)
        assert stage_1.body == first
        assert not stage_1.is_final
        assert Application.objects.get(pk=apps["Alfa"].pk).status == "complete"
        assert decisions.final_decision(round_) is None
        proposals = {p.application.title: p for p in decisions.proposals(round_, 2)}
        assert proposals["Alfa"].granted
        assert proposals["Alfa"].amount == 600_000
        stage_2 = decide(2, Alfa={"amount": Decimal(500_000), "reason": "Avkorta."})
        assert stage_2.body == second
        assert "Helse Nord" in second
        assert stage_2.is_final
        assert Application.objects.get(pk=apps["Alfa"].pk).status == "granted"
        assert decisions.money_left(round_) == Decimal(500_000)


def test_the_coordination_committee_sees_what_the_ssu_prioritised(world, client, nord):
    community, round_, apps, secretariat = nord
    with scope(community=community):
        decisions.decision_save(
            round_=round_,
            stage=1,
            by=secretariat,
            meeting="SSU 1/26",
            case_reference="1/26",
            decided_on=dt.date(2026, 11, 20),
            items=items(apps, Alfa={"amount": Decimal(450_000), "reason": "Første år."}),
            record=True,
        )
        first = community.decision_bodies[0]
    client.force_login(secretariat)
    page = client.get(
        reverse(
            "komite:decision",
            kwargs={"community": community.slug, "round": round_.pk, "stage": 2},
        )
    )
    basis = [
        re.sub(r"[ \n]+", " ", p)  # the template's line breaks; the amount's spaces stay
        for p in re.findall(r'<p class="basis[^"]*">(.*?)</p>', page.text, re.S)
    ]
    assert len(basis) == 2
    assert f"{first}: plass 1, prioritert 450\u202f000\u00a0kr – Første år." in re.sub(
        "<[^>]+>", "", basis[0]
    )
    assert "ikke prioritert" in re.sub("<[^>]+>", "", basis[1])


@pytest.fixture
def nord(world):
    from tilskot.reference import REFERENCE_DIR, load_community_file

    community = load_community_file(REFERENCE_DIR / "nord.yaml").community
    secretariat = UserFactory(email="sekretariat@nord.test")
    role_grant(user=secretariat, community=community, role=Role.SECRETARIAT)
    with scope(community=community):
        round_ = Round.objects.order_by("closes_at").first()
    return community, round_, recommended_round(world, community, round_), secretariat


def test_after_the_decision_the_recommendation_and_dashboard_still_show_the_round(
    world, client, apps, ssu
):
    """Decided applications are no longer “complete”; what the committee did stays readable."""
    save(world, apps, ssu, record=True)
    client.force_login(world.ola)
    kwargs = {"community": "ostfold", "round": world.ostfold_round.pk}
    page = client.get(reverse("komite:recommendation", kwargs=kwargs)).content.decode()
    assert "Alfa" in page
    assert "Svakare forankring" in page  # the recommendation's own words
    dashboard = client.get(reverse("komite:dashboard", kwargs=kwargs)).content.decode()
    assert "Alfa" in dashboard
    assert "Beta" in dashboard
