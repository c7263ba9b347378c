"""Applications (søknad): from the applicant's first draft to the secretariat's screening.

Every model is tenant-owned and scoped (django-scopes) through the application's round. What an
application must contain is not written here: it comes from the community's scheme
(``tilskot.models.Scheme``, its criteria and questions) and is checked by
``soknad.rules.application_missing``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from tilskot.models import (
    MONEY,
    ApplicationQuestion,
    Criterion,
    Organisation,
    PriorityArea,
    Round,
)

COMMUNITY = "round__scheme__community"
VIA_APPLICATION = "application__round__scheme__community"


class Affiliation(models.Model):
    """A person works for a member organisation (their profile ties them to it).

    The tie is *unverified* until it is confirmed by an admin of that organisation, by the
    community's secretariat, or by the identity provider (Ansattporten naming the organisation).
    Once confirmed, the person is a *writer* (drafts for the organisation) or a *signer* (binds
    it: submits where it is the responsible applicant, accepts a grant, registers invoices), and
    may be one of its *organisation admins*, who confirm colleagues. Every change is in the
    history (``soknad.representation`` holds the rules and the services).
    """

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Not confirmed")
        CONFIRMED = "confirmed", _("Confirmed")

    class Capacity(models.TextChoices):
        WRITER = "writer", _("Writer")
        SIGNER = "signer", _("Signer")

    class Via(models.TextChoices):
        ORGANISATION_ADMIN = "organisation_admin", _("an organisation admin")
        SECRETARIAT = "secretariat", _("the secretariat")
        IDENTITY_PROVIDER = "identity_provider", _("the identity provider")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.UNVERIFIED,
        db_index=True,
    )
    capacity = models.CharField(
        _("acts as"), max_length=6, choices=Capacity.choices, default=Capacity.WRITER
    )
    is_admin = models.BooleanField(
        _("organisation admin"),
        default=False,
        help_text=_("Confirms colleagues who work for the same organisation."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_via = models.CharField(
        _("confirmed by way of"), max_length=20, choices=Via.choices, blank=True
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    objects = ScopedManager(community="organisation__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_affiliation"),
            # Only a confirmed person confirms others.
            models.CheckConstraint(
                condition=models.Q(is_admin=False) | models.Q(status="confirmed"),
                name="organisation_admin_is_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def is_signer(self) -> bool:
        return self.is_confirmed and self.capacity == self.Capacity.SIGNER


class Application(models.Model):
    # The free-text parts of the content step, in form order (form, snapshot and PDF use it).
    TEXT_FIELDS = (
        "method",
        "user_involvement",
        "implementation_plan",
        "evaluation_plan",
        "expected_benefit",
        "transfer_value",
        "other_funding",
    )

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        MORE_INFO = "more_info", _("More information requested")
        COMPLETE = "complete", _("Complete")
        REJECTED = "rejected", _("Rejected on formal grounds")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        GRANTED = "granted", _("Granted")
        NOT_GRANTED = "not_granted", _("Not granted")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("responsible applicant"),
    )
    responsible_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_for",
        verbose_name=_("responsible organisation"),
    )
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="partner_in", verbose_name=_("partners")
    )
    applicant_reference = models.CharField(
        _("applicant's reference"),
        max_length=100,
        blank=True,
        help_text=_(
            "Your organisation's own case number for the application, if it has one: the "
            "decision letter quotes it."
        ),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.TextField(
        _("short summary"), blank=True, help_text=_("Published if the application is granted.")
    )
    description = models.TextField(_("description of the measure"), blank=True)
    period_start = models.DateField(_("period starts"), null=True, blank=True)
    period_end = models.DateField(_("period ends"), null=True, blank=True)

    anchoring_name = models.CharField(_("anchored with (name)"), max_length=200, blank=True)
    anchoring_title = models.CharField(_("anchored with (title)"), max_length=200, blank=True)
    patient_responsibility = models.TextField(
        _("who is responsible for the patients during the measure"), blank=True
    )

    priority_areas = models.ManyToManyField(
        PriorityArea, blank=True, related_name="applications", verbose_name=_("priority areas")
    )
    method = models.TextField(_("method"), blank=True)
    user_involvement = models.TextField(_("user involvement"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    evaluation_plan = models.TextField(_("evaluation plan"), blank=True)
    expected_benefit = models.TextField(_("expected benefit"), blank=True)
    transfer_value = models.TextField(_("transfer value to other municipalities"), blank=True)
    other_funding = models.TextField(_("other funding applied for or granted"), blank=True)

    # What the applicant typed on a step that did not validate, kept until the step is saved
    # without errors, so that a failed validation never loses work (raw form data per step).
    pending_input = models.JSONField(default=dict, blank=True)
    more_info_request = models.TextField(_("information asked for"), blank=True)
    more_info_steps = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(community=COMMUNITY)
    history = HistoricalRecords(
        m2m_fields=[partners, priority_areas], excluded_fields=["pending_input"]
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["round", "status"])]
        permissions = [("coapply_application", _("Can edit the application as co-applicant"))]

    def __str__(self) -> str:
        return self.title or str(_("Untitled application"))

    def get_absolute_url(self) -> str:
        return reverse(
            "soknad:application",
            kwargs={"community": self.community.slug, "application": self.pk},
        )

    @property
    def community(self):
        return self.round.scheme.community

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.MORE_INFO)


class CriterionAnswer(models.Model):
    """The applicant's account of how the measure meets one of the community's criteria."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="criterion_answers"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("answer"), blank=True)

    objects = ScopedManager(community=VIA_APPLICATION)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="one_answer_per_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.text[:40]}"


class QuestionAnswer(models.Model):
    """The answer to one of the community's own questions."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="question_answers"
    )
    question = models.ForeignKey(
        ApplicationQuestion, on_delete=models.PROTECT, related_name="answers"
    )
    yes = models.BooleanField(_("yes"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)

    objects = ScopedManager(community=VIA_APPLICATION)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="one_answer_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.text[:40]}"


class BudgetLine(models.Model):
    """One party's money in one year: what it asks from the grant and what it puts in itself."""

    class ContributionKind(models.TextChoices):
        STAFF = "staff", _("Staff")
        MONEY = "money", _("Money")
        PURCHASES = "purchases", _("Purchases")
        EQUIPMENT = "equipment", _("Equipment")
        OTHER = "other", _("Other")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="budget_lines"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2020)])
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("party")
    )
    description = models.CharField(_("what the money is for"), max_length=300, blank=True)
    requested_amount = models.DecimalField(_("requested from the grant (NOK)"), default=0, **MONEY)
    own_contribution = models.DecimalField(_("own contribution (NOK)"), default=0, **MONEY)
    own_contribution_kind = models.CharField(
        _("kind of own contribution"),
        max_length=10,
        choices=ContributionKind.choices,
        blank=True,
    )

    objects = ScopedManager(community=VIA_APPLICATION)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "pk"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return f"{self.year} {self.organisation}: {self.requested_amount}"


class CostGain(models.Model):
    """Where the cost lands and where the gain falls: one party's expected costs and savings."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="costs_gains"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("party")
    )
    cost_per_year = models.DecimalField(_("expected cost per year (NOK)"), default=0, **MONEY)
    gain_per_year = models.DecimalField(
        _("expected savings or gains per year (NOK)"), default=0, **MONEY
    )
    description = models.TextField(_("costs and gains in words"), blank=True)

    objects = ScopedManager(community=VIA_APPLICATION)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("costs and gains of a party")
        verbose_name_plural = _("costs and gains per party")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "organisation"], name="one_cost_gain_per_party"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.cost_per_year} / {self.gain_per_year}"


def document_path(document: Document, filename: str) -> str:
    # Never the user's file name on disk: it is kept in original_name for downloads.
    return f"applications/{document.application_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    """An uploaded file (the documented agreement, or another attachment), served only through
    a permission-checked view."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("Documented agreement between the parties")
        OTHER = "other", _("Other attachment")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(community=VIA_APPLICATION)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Invitation(models.Model):
    """An invitation by e-mail to edit a draft as co-applicant."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(community=VIA_APPLICATION)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.email


class StatusChange(models.Model):
    """The case log: every change of an application's status, by whom and when, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=Application.Status.choices)
    to_status = models.CharField(max_length=12, choices=Application.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    message = models.TextField(blank=True)

    objects = ScopedManager(community=VIA_APPLICATION)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Submission(models.Model):
    """A frozen copy of exactly what was submitted, with the form's wording at that moment
    (criteria and questions can change later; the submission does not)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField()

    objects = ScopedManager(community=VIA_APPLICATION)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="one_submission_number"),
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"
