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
