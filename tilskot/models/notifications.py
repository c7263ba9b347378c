"""Notifications: every reminder and message Tilskot sends, recorded *before* it is sent.

The record's ``key`` is unique, so a second beat, a retried task or two workers that try to
send the same reminder find it already recorded and send nothing (see ``tilskot.messaging``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .rules import Community


class Notification(models.Model):
    class Kind(models.TextChoices):
        DRAFT_DEADLINE = "draft_deadline", _("Reminder: the deadline of a draft's round")
        INVITATION = "invitation", _("Invitation to be co-applicant")
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


# The kinds a person may turn off. Legal notices (a decision, a rejection, a receipt) and
# messages that need an answer are always sent.
OPTIONAL_KINDS = frozenset({Notification.Kind.DRAFT_DEADLINE, Notification.Kind.SCORING_DEADLINE})


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
