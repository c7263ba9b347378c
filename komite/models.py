"""The committee (komité): who sits on it for a round, and their declarations of conflict of
interest (habilitet, forvaltningsloven § 6) for each application.

Every model is tenant-owned and scoped through the round. The committee's composition (which
seats exist and how many) is community data (``tilskot.models.CommitteeSeat``); this app records
who holds them for a round.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from soknad.models import Application
from tilskot.models import CommitteeSeat, Criterion, Organisation, Round

VIA_ROUND = "round__scheme__community"


class RoundReview(models.Model):
    """The committee's work on a round: its scoring deadline, and when the round's complete
    applications were opened for review."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="review")
    scoring_deadline = models.DateTimeField(
        _("scoring deadline"), help_text=_("Norwegian time (Europe/Oslo).")
    )
    opened_at = models.DateTimeField(_("opened for review"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(community=VIA_ROUND)

    class Meta:
        verbose_name = _("review of a round")
        verbose_name_plural = _("reviews of rounds")

    def __str__(self) -> str:
        return str(self.round)


class Membership(models.Model):
    """A person on the committee for a round, in one of the community's seats."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="committee")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="committee_memberships"
    )
    seat = models.ForeignKey(
        CommitteeSeat,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("seat"),
    )
    employer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employed by"),
        help_text=_("Applications where this organisation is a party are flagged for the member."),
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(community=VIA_ROUND)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["seat__order", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_membership_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.round})"


class ConflictDeclaration(models.Model):
    """A member's declaration for one application, made before they may see it."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="declarations")
    has_conflict = models.BooleanField(_("conflict of interest"))
    reason = models.TextField(_("reason"), blank=True)
    flagged = models.BooleanField(
        _("flagged"),
        default=False,
        help_text=_("The member works for a party of the application, so the system flagged it."),
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(community="application__round__scheme__community")

    class Meta:
        verbose_name = _("conflict of interest declaration")
        verbose_name_plural = _("conflict of interest declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "member"], name="one_declaration_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.user}: {self.application} ({self.has_conflict})"


class Assessment(models.Model):
    """One member's assessment of one application: a score (or, for a check, met or not) and a
    comment per criterion, and an overall view. Counted once submitted."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessments"
    )
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="assessments")
    overall = models.TextField(_("overall view"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(
        _("withdrawn"),
        null=True,
        blank=True,
        help_text=_("The member became a party of the application: the scores no longer count."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(community="application__round__scheme__community")

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="one_assessment"),
        ]

    def __str__(self) -> str:
        return f"{self.member.user}: {self.application}"


class Score(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    met = models.BooleanField(_("met"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedManager(community="assessment__application__round__scheme__community")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="one_score"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value if self.value is not None else self.met}"


class Recommendation(models.Model):
    """The committee's ranked recommendation (innstilling) for a round, prepared by the
    secretariat and, once sent, locked and passed to the decision body."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to the decision body")

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="recommendation")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(community=VIA_ROUND)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        return str(self.round)


class RecommendationItem(models.Model):
    """One application in the recommendation: its place, and a proposed grant (amount and
    conditions) or rejection (reason)."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="items"
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="recommendation_items"
    )
    order = models.PositiveSmallIntegerField(_("place"))
    grant = models.BooleanField(_("recommended for a grant"))
    amount = models.DecimalField(
        _("proposed amount (NOK)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    conditions = models.TextField(_("conditions"), blank=True)
    reason = models.TextField(_("reason for rejection"), blank=True)

    objects = ScopedManager(community="recommendation__round__scheme__community")

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "application"], name="one_item_per_application"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.application}"


class Decision(models.Model):
    """A decision body's decision on a round's recommendation, recorded after its meeting.

    A community decides in one stage or two (``Community.decision_bodies``): in two, the first
    body prioritises and its list goes to the second, which decides. Stage 1 starts from the
    committee's recommendation, each later stage from the stage before; the last is final, and
    only then do applicants get their letters.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECORDED = "recorded", _("Recorded")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="decisions")
    stage = models.PositiveSmallIntegerField(_("stage"))
    body = models.CharField(_("decided by"), max_length=200)
    meeting = models.CharField(_("meeting"), max_length=200, blank=True)
    case_reference = models.CharField(_("case reference"), max_length=100, blank=True)
    decided_on = models.DateField(_("date of the decision"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(community=VIA_ROUND)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["round", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["round", "stage"], name="one_decision_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.body}"

    @property
    def is_final(self) -> bool:
        return self.stage == len(self.round.scheme.community.decision_bodies)

    @property
    def is_recorded(self) -> bool:
        return self.status == self.Status.RECORDED


class DecisionItem(models.Model):
    """The decision on one application: granted (amount, period, conditions) or not (reason).
    At a stage that is not the last, “granted” means prioritised for the next body."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="decision_items"
    )
    order = models.PositiveSmallIntegerField(_("place"))
    granted = models.BooleanField(_("granted"))
    amount = models.DecimalField(
        _("amount (NOK)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    period_start = models.DateField(_("period starts"), null=True, blank=True)
    period_end = models.DateField(_("period ends"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    reason = models.TextField(_("reasons"), blank=True)

    objects = ScopedManager(community="decision__round__scheme__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision on an application")
        verbose_name_plural = _("decisions on applications")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "application"], name="one_decision_item_per_application"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.application}"


def letter_path(letter: DecisionLetter, filename: str) -> str:
    return f"vedtaksbrev/{letter.application.round_id}/{filename}"


class DecisionLetter(models.Model):
    """The decision letter an applicant received: rendered once when issued and kept as sent."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="decision_letter"
    )
    item = models.OneToOneField(DecisionItem, on_delete=models.PROTECT, related_name="letter")
    file = models.FileField(upload_to=letter_path)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager(community="application__round__scheme__community")

    class Meta:
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")

    def __str__(self) -> str:
        return str(self.application)


def batch_path(batch: LetterBatch, filename: str) -> str:
    return f"vedtaksbrev/{batch.round_id}/{filename}"


class LetterBatch(models.Model):
    """Issuing a round's decision letters and packing them in one ZIP, done by a Celery task
    whose progress (``done`` of ``total``) the secretariat's page shows."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="letter_batches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=batch_path, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(community=VIA_ROUND)

    class Meta:
        verbose_name = _("batch of decision letters")
        verbose_name_plural = _("batches of decision letters")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.round} ({self.requested_at:%Y-%m-%d %H:%M})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
