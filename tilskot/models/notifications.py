"""Notifications: every reminder and message Tilskot sends, recorded *before* it is sent.

The record's ``key`` is unique, so a second beat, a retried task or two workers that try to
send the same reminder find it already recorded and send nothing (see ``tilskot.messaging``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from ..roles import Role
from .rules import Community


class Notification(models.Model):
    class Kind(models.TextChoices):
        DRAFT_DEADLINE = "draft_deadline", _("Reminder: the deadline of a draft's round")
        INVITATION = "invitation", _("Invitation to be co-applicant")
        ROLE_INVITATION = "role_invitation", _("Invitation to a role in the community")
        RECEIPT = "receipt", _("Receipt for a submitted application")
        MORE_INFO = "more_info", _("More information requested")
        REJECTED = "rejected", _("Application rejected on formal grounds")
        SCORING_DEADLINE = "scoring_deadline", _("Reminder: the committee's scoring deadline")
        DECISION = "decision", _("Decision on an application")
        INVOICE_RETURNED = "invoice_returned", _("Invoice returned")
        REALLOCATION_DECIDED = "reallocation", _("Reallocation decided")
        REPAYMENT_CLAIM = "repayment_claim", _("Claim for repayment")
        REPORT_DECIDED = "report_decided", _("Final report returned or approved")
        REPORT_DUE = "report_due", _("Reminder: a final report is due")
        SIGNATURE_REQUESTED = "signature_requested", _("Asked to sign an application")
        # What waits for the community's own people (each also on their to-do page).
        APPOINTED = "appointed", _("Appointed to a round's committee")
        REVIEW_OPENED = "review_opened", _("Applications open for the committee's review")
        DECISION_AWAITED = "decision_awaited", _("A recommendation waits for the decision body")
        PAYMENT_REGISTERED = "payment_registered", _("An invoice or booking waits for approval")
        RESUBMITTED = "resubmitted", _("An application resubmitted with more information")
        REALLOCATION_REQUESTED = "reallocation_requested", _("A reallocation is requested")
        REPORT_SUBMITTED = "report_submitted", _("A final report is submitted")
        REPORT_OVERDUE = "report_overdue", _("A final report is overdue")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Sending failed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(_("e-mail address"))
    # The language it was written in: the community's, whoever's request wrote it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(community="community")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.email}"


# The kinds a person may turn off, each with the role that receives it (the notifications page
# offers a person the kinds of their roles). Legal notices to a party (a decision, a rejection,
# a receipt, a claim), what a party must answer (more information, a report due or overdue) and
# an appointment are always sent. The staff's notices of work waiting may be turned off: the
# to-do page lists the same work.
OPTIONAL_KINDS: dict[str, Role] = {
    Notification.Kind.DRAFT_DEADLINE: Role.APPLICANT,
    Notification.Kind.SCORING_DEADLINE: Role.COMMITTEE,
    Notification.Kind.REVIEW_OPENED: Role.COMMITTEE,
    Notification.Kind.DECISION_AWAITED: Role.DECISION_BODY,
    Notification.Kind.PAYMENT_REGISTERED: Role.FINANCE,
    Notification.Kind.RESUBMITTED: Role.SECRETARIAT,
    Notification.Kind.REALLOCATION_REQUESTED: Role.SECRETARIAT,
    Notification.Kind.REPORT_SUBMITTED: Role.SECRETARIAT,
}


class NotificationPreference(models.Model):
    """A person's choice to turn off an optional kind of notification (in every community)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Notification.Kind.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {'on' if self.enabled else 'off'}"
