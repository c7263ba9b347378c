"""factory-boy factories for the tenant model. Organisation numbers are generated with a valid
mod-11 check digit, so factories never produce data the validators would refuse."""

import datetime as dt
import random

import factory
from django.utils import timezone

from tilskot import models
from tilskot.validators import org_number_check_digit

_rng = random.Random(20261125)


def valid_org_number() -> str:
    while True:
        first_eight = f"{_rng.randrange(80_000_000, 99_999_999):08d}"
        check = org_number_check_digit(first_eight)
        if check is not None:
            return f"{first_eight}{check}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@tilskot.test")
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    password = factory.django.Password("passord-for-test")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Community
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"fellesskap{n}")
    name = factory.Sequence(lambda n: f"Helsefellesskap {n}")
    language = "nb"
    assessing_body = "Strategisk samarbeidsutvalg"
    decision_body = "Strategisk samarbeidsutvalg"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    community = factory.SubFactory(CommunityFactory)
    kind = models.Organisation.Kind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Kommune {n}")
    org_number = factory.LazyFunction(valid_org_number)
    municipality_number = factory.Sequence(lambda n: f"46{n % 100:02d}")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Scheme

    community = factory.SubFactory(CommunityFactory)
    name = "Rekrutterings- og samhandlingstilskudd"


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Round

    scheme = factory.SubFactory(SchemeFactory)
    name = factory.Sequence(lambda n: f"Runde {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=20))
    budget = 1_000_000


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Criterion

    scheme = factory.SubFactory(SchemeFactory)
    order = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"Kriterium {n}")


class PriorityAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PriorityArea

    scheme = factory.SubFactory(SchemeFactory)
    kind = models.PriorityArea.Kind.COMMUNITY
    name = factory.Sequence(lambda n: f"Satsingsområde {n}")


class ApplicationQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ApplicationQuestion

    scheme = factory.SubFactory(SchemeFactory)
    key = factory.Sequence(lambda n: f"sporsmal-{n}")
    text = factory.Sequence(lambda n: f"Spørsmål {n}?")


class CommitteeSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CommitteeSeat

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Plass {n}")
    count = 2


class SchemeFundingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SchemeFunding

    scheme = factory.SubFactory(SchemeFactory)
    year = factory.Sequence(lambda n: 2024 + n)
    amount = 9_600_000
