"""Final reports (sluttrapport): what a grant's recipient reports after the period, on the
community's report form (fixed parts here, the community's own questions in
``tilskot.models.ReportQuestion``). Approval closes the grant. Tenant-owned, scoped through
the grant, with history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from tilskot.models import MONEY, ReportQuestion
from utbetaling.models import Grant, GrantBudgetLine

VIA_GRANT = "grant__application__round__scheme__community"
VIA_REPORT = "report__grant__application__round__scheme__community"


def auditor_path(report: FinalReport, filename: str) -> str:
    return f"sluttrapport/{report.grant_id}/{filename}"


class FinalReport(models.Model):
    # The free-text parts, in form order (form, page and status export use it).
    TEXT_FIELDS = (
        "what_was_done",
        "effect_citizens",
        "effect_municipality",
        "effect_hospital",
        "continuation",
        "learning_points",
    )

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="final_report")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    what_was_done = models.TextField(
        _("what was done, compared with the application"),
        blank=True,
        help_text=_("Explain any deviation from the application."),
    )
    effect_citizens = models.TextField(_("the effect for citizens and patients"), blank=True)
    effect_municipality = models.TextField(_("the effect for the municipality"), blank=True)
    effect_hospital = models.TextField(_("the effect for the hospital"), blank=True)
    continues = models.BooleanField(
        _("the measure continues in ordinary operation"), null=True, blank=True
    )
    continuation = models.TextField(_("how it continues, or why not"), blank=True)
    learning_points = models.TextField(_("learning points for others"), blank=True)
    share_learning = models.BooleanField(
        _("the learning points may be published with the granted projects"), default=False
    )
    auditor_confirmation = models.FileField(
        _("auditor's confirmation"), upload_to=auditor_path, blank=True
    )
    # What was typed in a field that did not validate, kept until it is saved (as in
    # applications: a failed validation never loses work).
    pending_input = models.JSONField(default=dict, blank=True)
    comment = models.TextField(_("the secretariat's comments"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(community=VIA_GRANT)
    history = HistoricalRecords(excluded_fields=["pending_input"])

    class Meta:
        verbose_name = _("final report")
        verbose_name_plural = _("final reports")

    def __str__(self) -> str:
        return str(self.grant)

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class ReportSpending(models.Model):
    """Money spent on a line of the grant's budget: the accounts, comparable with the budget."""

    report = models.ForeignKey(FinalReport, on_delete=models.CASCADE, related_name="spending")
    budget_line = models.ForeignKey(GrantBudgetLine, on_delete=models.PROTECT, related_name="+")
    spent = models.DecimalField(_("spent (NOK)"), **MONEY)

    objects = ScopedManager(community=VIA_REPORT)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "budget_line"], name="one_spending_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_line}: {self.spent}"


class ReportAnswer(models.Model):
    report = models.ForeignKey(FinalReport, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(ReportQuestion, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("answer"), blank=True)

    objects = ScopedManager(community=VIA_REPORT)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "question"], name="one_report_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.text[:40]}"
