"""The reference fixtures carry the four communities' real rules, and load safely."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from tilskot.models import (
    CommitteeSeat,
    Community,
    Criterion,
    Organisation,
    PriorityArea,
    Round,
    Scheme,
)
from tilskot.reference import load_community_file, reference_files

from .utils import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def reference(db):
    return {
        r.community.slug: r.community for r in (load_community_file(p) for p in reference_files())
    }


def test_four_communities_in_their_languages(reference):
    assert {slug: c.language for slug, c in reference.items()} == {
        "bergen": "nn",
        "ostfold": "nb",
        "innlandet": "nb",
        "nord": "nb",
    }


@pytest.mark.parametrize(
    ("slug", "municipalities", "unconfirmed", "trust"),
    [
        ("bergen", 18, 0, "983974724"),
        ("ostfold", 13, 1, "983971768"),  # Vestby's membership is not confirmed
        ("innlandet", 46, 46, "983971709"),  # 42 of 46 are Sykehuset Innlandet's; which is unknown
        ("nord", 24, 0, "983974899"),
    ],
)
def test_members_with_numbers(reference, slug, municipalities, unconfirmed, trust):
    with scope(community=reference[slug]):
        members = Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY)
        assert members.count() == municipalities
        assert members.filter(membership_confirmed=False).count() == unconfirmed
        assert Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST).org_number == trust
        for org in Organisation.objects.all():
            org.full_clean()  # every org and municipality number passes its check


@pytest.mark.parametrize(
    ("slug", "org_number", "address"),
    [
        ("bergen", "983974724", ["Postboks 1400", "5021 Bergen"]),
        ("ostfold", "983971768", ["Postboks 300", "1714 Grålum"]),
        ("innlandet", "983971709", ["Postboks 104", "2381 Brumunddal"]),
        ("nord", "983974899", ["Postboks 100 Langnes", "9038 Tromsø"]),
    ],
)
def test_the_letterhead_is_the_hosting_trusts(reference, slug, org_number, address):
    """The decision letters' letterhead: the hospital trust that hosts the secretariat lends its
    organisation number and postal address, which it also has as a member organisation."""
    community = reference[slug]
    community.full_clean()  # the org number passes mod 11, the postcode is four digits
    assert (community.org_number, community.address_lines) == (org_number, address)
    assert not community.letter_signatory_name  # none named: "elektronisk godkjent"
    with scope(community=community):
        trust = Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)
    assert (trust.org_number, trust.address_lines) == (org_number, address)


def test_bergen(reference):
    bergen = reference["bergen"]
    assert bergen.payment_project_number == "R-11326"
    assert not bergen.decides_in_two_stages
    with scope(community=bergen):
        seats = list(CommitteeSeat.objects.values_list("title", "count"))
        scheme = Scheme.objects.get()
        assert [c.kind for c in scheme.criteria.all()] == ["scored"] * 5
        assert scheme.requires_municipality_partner
        assert scheme.requires_hospital_partner
        assert scheme.requires_anchoring
        assert "kommunalsjef" in scheme.anchoring_level
        own_areas = PriorityArea.objects.filter(kind="community").values_list("name", flat=True)
        national = PriorityArea.objects.filter(kind="national").values_list("name", flat=True)
    assert seats[:2] == [("Leiar i områdeutval", 4), ("Nestleiar i områdeutval", 4)]
    assert sum(count for _title, count in seats) == 12
    assert "Sterkare samhandling – ein felles kultur" in own_areas
    assert any("sjukehus" in name for name in national)  # the national list, in nynorsk


def test_ostfold_round_and_money(reference):
    with scope(community=reference["ostfold"]):
        scheme = Scheme.objects.get()
        round_ = Round.objects.get()
        funding = scheme.fundings.get()
    assert not scheme.requires_municipality_partner  # encouraged, not required
    assert scheme.asks_patient_responsibility
    assert scheme.requires_lasting_operation
    # 1 December 2024 23:59 in Oslo (winter time, UTC+1).
    assert round_.closes_at == dt.datetime(2024, 12, 1, 22, 59, tzinfo=UTC)
    assert round_.budget == Decimal("9600000")
    assert round_.expected_answer == "uke 51"
    assert (funding.year, funding.amount) == (2024, Decimal("9600000"))


def test_innlandet_at_least_one_of_three(reference):
    with scope(community=reference["innlandet"]):
        scheme = Scheme.objects.get()
        checks = scheme.criteria.filter(kind=Criterion.Kind.CHECK)
        assert scheme.min_checks_met == 1
        assert checks.count() == 3
        assert scheme.questions.count() == 4
        assert scheme.fundings.get(year=2024).amount == Decimal("10700000")


def test_nord_two_stage_decision_and_deadlines(reference):
    nord = reference["nord"]
    assert nord.decides_in_two_stages
    assert "Helse Nord" in nord.final_decision_body
    with scope(community=nord):
        deadlines = list(Round.objects.values_list("closes_at", flat=True))
        questions = set(Scheme.objects.get().questions.values_list("answer_type", flat=True))
    assert deadlines[:2] == [
        dt.datetime(2025, 3, 1, 22, 59, tzinfo=UTC),  # 23:59 winter time
        dt.datetime(2025, 10, 1, 21, 59, tzinfo=UTC),  # 23:59 summer time (UTC+2)
    ]
    assert "yes_no" in questions  # Sami patients


def test_loading_again_keeps_the_secretariats_edits(reference):
    with scope(community=reference["ostfold"]):
        Round.objects.update(budget=1)
    for path in reference_files():
        assert not load_community_file(path).updated
    with scope(community=reference["ostfold"]):
        assert Round.objects.get().budget == 1
    load_community_file(next(p for p in reference_files() if p.stem == "ostfold"), update=True)
    with scope(community=reference["ostfold"]):
        assert Round.objects.get().budget == Decimal("9600000")
    with scopes_disabled():
        assert Organisation.objects.filter(community__slug="ostfold").count() == 14
    assert Community.objects.count() == 4


def test_community_page_query_count_does_not_grow(client, reference):
    from .factories import CommitteeSeatFactory, CriterionFactory, RoundFactory

    nord = reference["nord"]
    with scopes_disabled():
        scheme = Scheme.objects.get(community=nord)

    def grow(n):
        with scopes_disabled():
            RoundFactory.create_batch(n, scheme=scheme)
            CriterionFactory.create_batch(n, scheme=scheme)
            CommitteeSeatFactory.create_batch(n, community=nord)

    queries = assert_queries_do_not_grow(lambda: client.get("/nord/"), grow, sizes=(1, 10, 30))
    # community, schemes, rounds, criteria, priority areas, questions, funding, seats, trust
    assert queries == 9


def test_innlandet_page_states_the_at_least_one_rule(client, reference):
    response = client.get("/innlandet/")
    assert "En søknad må oppfylle minst 1 av disse:" in response.text
    assert "Deretter blir søknadene prioritert etter:" in response.text
    overview = response.context["schemes"][0]
    assert len(overview.check_criteria) == 3
    assert len(overview.scored_criteria) == 4


def test_nord_page_names_both_decision_bodies(client, reference):
    response = client.get("/nord/")
    assert response.context["community"].decides_in_two_stages
    assert "Prioriteres av" in response.text
    assert "Koordineringsutvalg administrert av Helse Nord" in response.text
