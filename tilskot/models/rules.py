"""The tenant model: communities and the rules each one runs its grant scheme by.

Every rule a community applies lives here as data that its secretariat edits on its rules
pages, ``/<community>/regler/`` (with history), never as ``if community.slug == ...`` in code.
Every model below except ``User`` and ``Community`` itself belongs to one community and has a
*scoped* manager (django-scopes): a query runs only inside ``scope(community=...)``, which the
middleware and tenant tasks enter, so a query that forgot its community fails loudly instead of
leaking another community's rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from ..roles import Role
from ..validators import (
    validate_community_slug,
    validate_municipality_number,
    validate_org_number,
    validate_postcode,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class UserManager(DjangoUserManager):
    """People log in with their e-mail address; there is no separate user name."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


def default_reminder_days() -> list[int]:
    return [14, 3, 1]


class DayListField(models.JSONField):
    """Days before a deadline, kept as a JSON list ``[14, 3, 1]`` and typed as "14, 3, 1" in
    every form (the rules pages and the admin alike)."""

    def formfield(self, **kwargs):
        from ..forms import DayListFormField

        return super().formfield(**{"form_class": DayListFormField, **kwargs})


def postal_address_fields() -> tuple[models.CharField, models.CharField, models.CharField]:
    """A postal address as a Norwegian letter prints it: street or PO box, then postcode and
    place. Called in a model's body, so the fields take their place there."""
    return (
        models.CharField(
            _("postal address"),
            max_length=200,
            blank=True,
            help_text=_("Street address or PO box, e.g. “Postboks 1400”."),
        ),
        models.CharField(_("postcode"), max_length=4, blank=True, validators=[validate_postcode]),
        models.CharField(_("postal place"), max_length=100, blank=True),
    )


class PostalAddressLines:
    """``address_lines``: the address as it is printed, one line each; empty where none is
    given."""

    @property
    def address_lines(self) -> list[str]:
        place = f"{self.postcode} {self.postal_place}".strip()
        return [line for line in (self.postal_address.strip(), place) if line]


class Community(PostalAddressLines, models.Model):
    """A health community (helsefellesskap): one tenant of Tilskot, addressed as /<slug>/."""

    class Language(models.TextChoices):
        BOKMAL = "nb", _("Norwegian Bokmål")
        NYNORSK = "nn", _("Norwegian Nynorsk")

    slug = models.SlugField(
        _("address"),
        unique=True,
        max_length=40,
        validators=[validate_community_slug],
        help_text=_("The community's part of the web address, e.g. “bergen” in /bergen/."),
    )
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language.choices,
        default=Language.BOKMAL,
        help_text=_("The language of the community's pages, letters and e-mails."),
    )
    description = models.TextField(_("description"), blank=True)
    assessing_body = models.CharField(
        _("assessing body"),
        max_length=200,
        help_text=_("Who assesses the applications and sends the ranked recommendation."),
    )
    decision_body = models.CharField(
        _("decision body"),
        max_length=200,
        help_text=_("Who decides on the community's recommendation (usually the SSU)."),
    )
    second_decision_body = models.CharField(
        _("second decision body"),
        max_length=200,
        blank=True,
        help_text=_(
            "Leave empty where the decision body decides. Fill in where the community only "
            "prioritises and another body makes the final decision (as in Helse Nord)."
        ),
    )
    payment_project_number = models.CharField(
        _("payment project number"),
        max_length=40,
        blank=True,
        help_text=_("Invoices must be marked with it, and internal costs are booked on it."),
    )
    internal_booking = models.BooleanField(
        _("the hospital trust's units book costs internally"),
        default=False,
        help_text=_(
            "Tick where a grant to a unit of the hospital trust is booked on the project number "
            "instead of being paid against invoices (as in Bergen)."
        ),
    )
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # The letterhead of decision letters: who writes, from where, and who signs.
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        blank=True,
        validators=[validate_org_number],
        help_text=_(
            "The organisation number in the letterhead: that of the organisation that hosts the "
            "secretariat (a health community is not a legal entity of its own)."
        ),
    )
    postal_address, postcode, postal_place = postal_address_fields()
    logo = models.ImageField(
        _("logo"),
        upload_to="logo/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"])],
        help_text=_("PNG or JPEG, printed at the top of the decision letters."),
    )
    letter_signatory_name = models.CharField(
        _("signatory of the decision letters"),
        max_length=200,
        blank=True,
        help_text=_(
            "Leave empty to have the letters say they are approved electronically and have no "
            "signature."
        ),
    )
    letter_signatory_title = models.CharField(
        _("the signatory's title"), max_length=200, blank=True
    )
    scores_hidden_until_own = models.BooleanField(
        _("committee members see others' scores only after submitting their own"),
        default=True,
    )
    affiliated_are_parties = models.BooleanField(
        _("people who work for a party are parties"),
        default=False,
        help_text=_(
            "On: a person whose profile ties them to the responsible applicant or a partner is "
            "disqualified from assessing and deciding the application, like its applicants. Off: "
            "a committee member employed by a party is flagged and must explain or declare a "
            "conflict of interest."
        ),
    )
    reminder_days = DayListField(
        _("reminders, days before a deadline"),
        default=default_reminder_days,
        help_text=_("How many days before a deadline reminders are sent, e.g. “14, 3, 1”."),
    )
    # What differs between the communities' decision letters is data, never a template of its
    # own (komite.letters): who hears an appeal, the closing greeting, extra paragraphs.
    appeal_body = models.CharField(
        _("appeal body"),
        max_length=200,
        blank=True,
        help_text=_(
            "Who hears an appeal that the deciding body does not grant itself (forvaltningsloven "
            "§ 33), e.g. the regional health authority. Empty: the letters name no such body."
        ),
    )
    letter_greeting = models.CharField(
        _("closing greeting of the letters"),
        max_length=100,
        blank=True,
        help_text=_("Empty: “Kind regards” in the community's language."),
    )
    letter_grant_text = models.TextField(
        _("extra paragraphs in a grant letter"),
        blank=True,
        help_text=_(
            "Printed after the conditions of every grant, e.g. what the community asks about "
            "audit. A blank line starts a new paragraph."
        ),
    )
    letter_refusal_text = models.TextField(
        _("extra paragraphs in a refusal letter"),
        blank=True,
        help_text=_("Printed after the reasons of every refusal, e.g. where else to apply."),
    )
    letter_contact_text = models.TextField(
        _("contact paragraph of the letters"),
        blank=True,
        help_text=_(
            "Empty: the letters give the caseworker's e-mail (or the community's). Fill in to say "
            "it in the community's own words, e.g. with a telephone number."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        permissions = [(role.codename, role.label) for role in Role]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community", kwargs={"community": self.slug})

    def clean(self) -> None:
        errors = {}
        days = self.reminder_days
        if not isinstance(days, list) or not all(isinstance(d, int) and d > 0 for d in days):
            errors["reminder_days"] = _("Give whole numbers of days above 0, e.g. “14, 3, 1”.")
        if self.letter_signatory_title.strip() and not self.letter_signatory_name.strip():
            errors["letter_signatory_name"] = _("Give the name of the signatory with the title.")
        if errors:
            raise ValidationError(errors)

    @property
    def decides_in_two_stages(self) -> bool:
        return bool(self.second_decision_body)

    @property
    def decision_bodies(self) -> list[str]:
        """The bodies that decide on a round's recommendation, in order; the last decides."""
        return [
            self.decision_body,
            *([self.second_decision_body] if self.second_decision_body else []),
        ]

    @property
    def final_decision_body(self) -> str:
        return self.second_decision_body or self.decision_body


class CommunityRoleGroup(models.Model):
    """The Django group that holds one role in one community (see ``tilskot.roles``)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="community_role")

    objects = ScopedManager(community="community")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "role"], name="one_group_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.community}: {self.get_role_display()}"


class Organisation(PostalAddressLines, models.Model):
    """A member organisation of a community: a municipality, the hospital trust or one of its
    units, or another party. Applicants and partners are chosen from these."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        HOSPITAL_TRUST = "hospital_trust", _("Hospital trust")
        HOSPITAL_UNIT = "hospital_unit", _("Unit of the hospital trust")
        OTHER = "other", _("Other organisation")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="organisations")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        blank=True,
        validators=[validate_org_number],
        help_text=_("Nine digits from the Central Coordinating Register (Enhetsregisteret)."),
    )
    municipality_number = models.CharField(
        _("municipality number"),
        max_length=4,
        blank=True,
        validators=[validate_municipality_number],
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("part of"),
        help_text=_("For a unit: the hospital trust it belongs to."),
    )
    # Where decision letters to the organisation are addressed.
    postal_address, postcode, postal_place = postal_address_fields()
    membership_confirmed = models.BooleanField(
        _("membership confirmed"),
        default=True,
        help_text=_("Untick where it is not confirmed that the organisation is a member."),
    )
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where the membership is stated.")
    )

    objects = ScopedManager(community="community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "municipality_number"],
                condition=~Q(municipality_number=""),
                name="unique_municipality_per_community",
            ),
            models.UniqueConstraint(
                fields=["community", "org_number"],
                condition=~Q(org_number="") & ~Q(kind="hospital_unit"),
                name="unique_org_number_per_community",
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(kind="hospital_trust"),
                name="one_hospital_trust_per_community",
            ),
            models.CheckConstraint(
                condition=~Q(kind="municipality") | ~Q(municipality_number=""),
                name="municipality_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.MUNICIPALITY and not self.municipality_number:
            errors["municipality_number"] = _("A municipality needs its municipality number.")
        if self.kind in (self.Kind.MUNICIPALITY, self.Kind.HOSPITAL_TRUST) and not self.org_number:
            errors["org_number"] = _(
                "A municipality or hospital trust needs its organisation number."
            )
        if self.kind == self.Kind.HOSPITAL_UNIT:
            parent = self.parent
            if parent is None or parent.kind != self.Kind.HOSPITAL_TRUST:
                errors["parent"] = _("A unit must belong to the community's hospital trust.")
            elif parent.community_id != self.community_id:
                errors["parent"] = _("The hospital trust must be in the same community.")
        elif self.parent_id is not None:
            errors["parent"] = _(
                "Only a unit of the hospital trust belongs to another organisation."
            )
        if errors:
            raise ValidationError(errors)


class Scheme(models.Model):
    """A community's grant scheme (ordning) and what an application to it must contain."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="schemes")
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    who_may_apply = models.TextField(_("who may apply"), blank=True)
    requires_municipality_partner = models.BooleanField(
        _("requires a municipality as a party"), default=False
    )
    requires_hospital_partner = models.BooleanField(
        _("requires the hospital trust as a party"), default=False
    )
    requires_documented_agreement = models.BooleanField(
        _("requires a documented agreement between the parties"), default=True
    )
    requires_anchoring = models.BooleanField(
        _("requires anchoring at the leader level"),
        default=False,
        help_text=_("The applicant names the leader (and title) the application is anchored with."),
    )
    anchoring_level = models.CharField(
        _("anchoring level"),
        max_length=200,
        blank=True,
        help_text=_("E.g. “level 2 / kommunalsjef level”."),
    )
    asks_patient_responsibility = models.BooleanField(
        _("asks who is responsible for the patients"),
        default=False,
        help_text=_(
            "Where relevant, the agreement says who is responsible for the patients "
            "during the measure."
        ),
    )
    requires_own_contribution = models.BooleanField(
        _("requires the parties' own contribution"), default=True
    )
    requires_lasting_operation = models.BooleanField(
        _("requires lasting operation"),
        default=False,
        help_text=_("The measure must continue in ordinary operation after the grant."),
    )
    requires_signer = models.BooleanField(
        _("requires a signer for the responsible applicant"),
        default=True,
        help_text=_(
            "Submitting an application, accepting a grant and registering invoices bind the "
            "responsible organisation: only a person confirmed as its signer may do them."
        ),
    )
    report_due_months = models.PositiveSmallIntegerField(
        _("final report due, months after the period"),
        default=3,
        help_text=_("How many months after a grant's period ends the final report is due."),
    )
    auditor_threshold = models.DecimalField(
        _("auditor's confirmation above (NOK)"),
        null=True,
        blank=True,
        default=200_000,
        **MONEY,
        help_text=_(
            "A final report for a grant above this amount needs an auditor's confirmation. "
            "Empty: never (the grant is part of the recipient's ordinary audit)."
        ),
    )
    min_checks_met = models.PositiveSmallIntegerField(
        _("checks that must be met"),
        null=True,
        blank=True,
        help_text=_(
            "How many of the criteria of the kind “check” an application must meet "
            "(e.g. 1 for “at least one of these”). Empty: no such rule."
        ),
    )

    objects = ScopedManager(community="community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grant scheme")
        verbose_name_plural = _("grant schemes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchemeFunding(models.Model):
    """Money a scheme has received for a year, and from whom."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="fundings")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (NOK)"), **MONEY)
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = ScopedManager(community="scheme__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funding")
        verbose_name_plural = _("funding")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year"], name="one_funding_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}: {self.year}"


class RoundQuerySet(models.QuerySet):
    def open_at(self, moment: dt.datetime):
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)

    def upcoming_at(self, moment: dt.datetime):
        return self.filter(opens_at__gt=moment)


class Round(models.Model):
    """A call for applications (søknadsrunde) with its deadline, budget and maximum."""

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="rounds")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(
        _("deadline"), help_text=_("Date and time, Norwegian time (Europe/Oslo).")
    )
    expected_answer = models.CharField(
        _("expected answer"), max_length=200, blank=True, help_text=_("E.g. “week 51”.")
    )
    budget = models.DecimalField(_("money available (NOK)"), null=True, blank=True, **MONEY)
    max_amount = models.DecimalField(
        _("maximum per application (NOK)"), null=True, blank=True, **MONEY
    )
    money_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extra_rounds",
        verbose_name=_("money left from"),
        help_text=_("An extra round spends the money left after this round's decision."),
    )

    objects = ScopedManager(
        models.Manager.from_queryset(RoundQuerySet), community="scheme__community"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["closes_at"]
        indexes = [models.Index(fields=["scheme", "closes_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("round", kwargs={"community": self.scheme.community.slug, "round": self.pk})

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The deadline must come after the opening.")})

    def status_at(self, moment: dt.datetime | None = None) -> Status:
        moment = moment or timezone.now()
        if moment < self.opens_at:
            return self.Status.UPCOMING
        if moment < self.closes_at:
            return self.Status.OPEN
        return self.Status.CLOSED

    @property
    def status(self) -> Status:
        return self.status_at()


class Criterion(models.Model):
    """An assessment criterion, in the community's own words."""

    class Kind(models.TextChoices):
        SCORED = "scored", _("Scored on a scale")
        CHECK = "check", _("Check: met or not met")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCORED)
    score_min = models.PositiveSmallIntegerField(_("lowest score"), default=1)
    score_max = models.PositiveSmallIntegerField(_("highest score"), default=5)
    score_min_label = models.CharField(
        _("what the lowest score means"),
        max_length=100,
        blank=True,
        help_text=_("E.g. “very weak”. Shown beside the scale when members score."),
    )
    score_max_label = models.CharField(
        _("what the highest score means"),
        max_length=100,
        blank=True,
        help_text=_("E.g. “very strong”."),
    )

    objects = ScopedManager(community="scheme__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score_max__gt=models.F("score_min")), name="criterion_scale_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if (
            self.score_min is not None
            and self.score_max is not None
            and self.score_max <= self.score_min
        ):
            raise ValidationError({"score_max": _("The highest score must be above the lowest.")})

    @property
    def scale_help(self) -> str:
        """What the ends of the scale mean, as the scoring form says it ("1 = very weak,
        5 = very strong"); empty where the community has not said."""
        low, high = self.score_min_label.strip(), self.score_max_label.strip()
        if not (low or high):
            return ""
        return ", ".join(
            f"{score} = {label}" if label else str(score)
            for score, label in ((self.score_min, low), (self.score_max, high))
        )


class PriorityArea(models.Model):
    """A priority group or area an application can name: the national ones and the community's."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National priority")
        COMMUNITY = "community", _("The community's priority area")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="priority_areas")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    objects = ScopedManager(community="scheme__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("priority area")
        verbose_name_plural = _("priority areas")
        ordering = ["kind", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class ApplicationQuestion(models.Model):
    """A question of the community's own that every application to the scheme answers."""

    class AnswerType(models.TextChoices):
        TEXT = "text", _("Text")
        YES_NO = "yes_no", _("Yes or no, with an explanation")

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(_("key"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.TextField(_("help text"), blank=True)
    answer_type = models.CharField(
        _("answer type"), max_length=10, choices=AnswerType.choices, default=AnswerType.TEXT
    )
    required = models.BooleanField(_("required"), default=True)

    objects = ScopedManager(community="scheme__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application question")
        verbose_name_plural = _("application questions")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="unique_question_key"),
        ]

    def __str__(self) -> str:
        return self.text


class ReportQuestion(models.Model):
    """A question of the community's own in the final report, beside the fixed parts (what was
    done, effect, money spent, continued operation, learning points)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="report_questions")
    key = models.SlugField(_("key"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.TextField(_("help text"), blank=True)
    required = models.BooleanField(_("required"), default=True)

    objects = ScopedManager(community="scheme__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("final report question")
        verbose_name_plural = _("final report questions")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="unique_report_question_key"),
        ]

    def __str__(self) -> str:
        return self.text


class CommitteeSeat(models.Model):
    """One kind of seat on the community's assessing committee, and how many hold it."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="committee_seats"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("seat"), max_length=300)
    count = models.PositiveSmallIntegerField(_("number of seats"), default=1)

    objects = ScopedManager(community="community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee seat")
        verbose_name_plural = _("committee composition")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title
