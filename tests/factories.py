"""factory-boy factories for the tenant model. Organisation numbers are generated with a valid
mod-11 check digit, so factories never produce data the validators would refuse."""

import datetime as dt
import random

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from tilskot import models
from tilskot.validators import org_number_check_digit

from .pdfs import pdf_bytes

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
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@tilskot.test")
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    password = factory.django.Password("passord-for-test")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """The address is confirmed (allauth's EmailAddress), as after registering; pass
        ``verified_email=False`` for one that awaits confirmation."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


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


# --- applications (documents) ---
# Models of the soknad app are named by label, so this block needs no imports of its own.


class AffiliationFactory(factory.django.DjangoModelFactory):
    """A person confirmed (by the secretariat) as signer for an organisation; ``writer=True``
    confirms them as writer, ``unverified=True`` leaves the claim unconfirmed, ``admin=True``
    makes them organisation admin. Build inside a scope (or scopes_disabled)."""

    class Meta:
        model = "soknad.Affiliation"

    class Params:
        writer = factory.Trait(capacity="writer")
        unverified = factory.Trait(
            status="unverified", capacity="writer", confirmed_via="", confirmed_at=None
        )
        admin = factory.Trait(is_admin=True)

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    status = "confirmed"
    capacity = "signer"
    confirmed_via = "secretariat"
    confirmed_at = factory.LazyFunction(timezone.now)


def signer_of(user, organisation, **traits):
    """Make ``user`` a confirmed signer for ``organisation`` (or what ``traits`` say), unless
    they already work for it."""
    from django_scopes import scopes_disabled

    from soknad.models import Affiliation

    with scopes_disabled():
        existing = Affiliation.objects.filter(user=user, organisation=organisation).first()
        return existing or AffiliationFactory(user=user, organisation=organisation, **traits)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft in a round, with a responsible organisation of the round's community, for which
    the owner is a confirmed signer (``signer=False``: the owner does not work for it)."""

    class Meta:
        model = "soknad.Application"
        skip_postgeneration_save = True

    round = factory.SubFactory(RoundFactory)
    owner = factory.SubFactory(UserFactory)
    responsible_organisation = factory.SubFactory(
        OrganisationFactory, community=factory.SelfAttribute("..round.scheme.community")
    )
    title = factory.Sequence(lambda n: f"Tiltak {n}")
    summary = "Ei kort oppsummering."
    description = "Kva tiltaket går ut på."

    @factory.post_generation
    def signer(self, create, extracted, **kwargs):
        if create and extracted is not False and self.responsible_organisation_id:
            signer_of(self.owner, self.responsible_organisation)


class DocumentFactory(factory.django.DjangoModelFactory):
    """An uploaded PDF, stored under MEDIA_ROOT (point it at tmp_path in the test)."""

    class Meta:
        model = "soknad.Document"

    class Params:
        data = factory.LazyFunction(pdf_bytes)

    application = factory.SubFactory(ApplicationFactory)
    kind = "agreement"
    file = factory.django.FileField(data=factory.SelfAttribute("..data"), filename="upload.pdf")
    original_name = factory.Sequence(lambda n: f"Samarbeidsavtale {n}.pdf")
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.data))
    uploaded_by = factory.SelfAttribute("application.owner")


class SubmissionFactory(factory.django.DjangoModelFactory):
    """Submission number 1 of a submitted application, its snapshot taken as
    ``soknad.services.snapshot`` takes it. Build inside a scope (or scopes_disabled)."""

    class Meta:
        model = "soknad.Submission"

    application = factory.SubFactory(ApplicationFactory, status="submitted")
    number = 1
    submitted_at = factory.LazyFunction(timezone.now)
    submitted_by = factory.SelfAttribute("application.owner")
    snapshot = factory.LazyAttribute(lambda o: _snapshot(o.application))


def _snapshot(application) -> dict:
    from soknad.services import snapshot

    return snapshot(application)


# --- applications (screening) ---
# Builds on ApplicationFactory above. Like it, named by label: no imports of its own.


class SubmittedApplicationFactory(ApplicationFactory):
    """An application the secretariat can screen: submitted, with a period; pass
    ``priority_areas=[...]`` and ``partners=[...]`` to set them."""

    class Meta:
        skip_postgeneration_save = True

    status = "submitted"
    submitted_at = factory.LazyFunction(timezone.now)
    period_start = dt.date(2027, 1, 1)
    period_end = dt.date(2027, 12, 31)

    @factory.post_generation
    def priority_areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.priority_areas.set(extracted)

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if create and extracted:
            self.partners.set(extracted)


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "soknad.BudgetLine"

    application = factory.SubFactory(SubmittedApplicationFactory)
    year = 2027
    organisation = factory.SelfAttribute("application.responsible_organisation")
    description = "Prosjektleiar"
    requested_amount = 100_000
    own_contribution = 50_000
    own_contribution_kind = "staff"


class CostGainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "soknad.CostGain"

    application = factory.SubFactory(SubmittedApplicationFactory)
    organisation = factory.SelfAttribute("application.responsible_organisation")
    cost_per_year = 20_000
    gain_per_year = 80_000
    description = "Færre innleggingar."


class CriterionAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "soknad.CriterionAnswer"

    application = factory.SubFactory(SubmittedApplicationFactory)
    criterion = factory.SubFactory(
        CriterionFactory, scheme=factory.SelfAttribute("..application.round.scheme")
    )
    text = factory.Sequence(lambda n: f"Svar på kriterium {n}.")


class QuestionAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "soknad.QuestionAnswer"

    application = factory.SubFactory(SubmittedApplicationFactory)
    question = factory.SubFactory(
        ApplicationQuestionFactory, scheme=factory.SelfAttribute("..application.round.scheme")
    )
    yes = True
    text = factory.Sequence(lambda n: f"Forklaring {n}.")


def make_grant(application=None, *, amount=100_000, internal=False, accepted=True, **fields):
    """A granted application's open grant (with a recorded final decision behind it and one
    budget line), as ``komite.decisions`` would leave it. Call with scopes disabled."""
    import datetime as dt

    from django.utils import timezone

    from komite.models import Decision, DecisionItem
    from utbetaling.models import Grant, GrantBudgetLine

    application = application or ApplicationFactory()
    application.status = "granted"
    application.save()
    round_ = application.round
    community = round_.scheme.community
    decision, _created = Decision.objects.get_or_create(
        round=round_,
        stage=len(community.decision_bodies),
        defaults={
            "body": community.final_decision_body,
            "meeting": "SSU 1/2026",
            "case_reference": "1/26",
            "decided_on": dt.date(2026, 11, 20),
            "status": Decision.Status.RECORDED,
            "recorded_at": timezone.now(),
        },
    )
    start, end = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
    item = DecisionItem.objects.create(
        decision=decision,
        application=application,
        order=1,
        granted=True,
        amount=amount,
        period_start=start,
        period_end=end,
    )
    grant = Grant.objects.create(
        application=application,
        decision_item=item,
        amount=amount,
        period_start=start,
        period_end=end,
        internal=internal,
        project_number=community.payment_project_number,
        accepted_at=timezone.now() if accepted else None,
        accepted_by=application.owner if accepted else None,
        accepted_as="Kommunalsjef" if accepted else "",
        bank_account="" if internal or not accepted else "12345678903",
        **fields,
    )
    GrantBudgetLine.objects.create(
        grant=grant,
        year=2027,
        organisation=application.responsible_organisation,
        description="Prosjektleiing",
        amount=amount,
    )
    return grant
