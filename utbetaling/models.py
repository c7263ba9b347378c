"""Payments (utbetaling): a granted application's money, from the decision to the last krone.

A ``Grant`` is opened when the last decision body's decision is recorded (``komite.decisions``
calls ``utbetaling.services.grants_open``). Its payment route comes from the community's data
(``utbetaling.rules.payment_route``); its budget starts as the application's budget, scaled to
the amount granted, and changes only by an approved reallocation. Every model is tenant-owned,
scoped through the grant's application, and keeps its history (django-simple-history).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from komite.models import DecisionItem
from soknad.models import Application
from tilskot.dates import add_months
from tilskot.models import MONEY, Organisation
from tilskot.validators import validate_account_number, validate_org_number

VIA_GRANT = "grant__application__round__scheme__community"


class Grant(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="grant")
    decision_item = models.OneToOneField(
        DecisionItem, on_delete=models.PROTECT, related_name="grant"
    )
    amount = models.DecimalField(_("granted (NOK)"), **MONEY)
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    internal = models.BooleanField(
        _("booked internally"),
        help_text=_("Costs are booked on the project number instead of paid against invoices."),
    )
    project_number = models.CharField(_("project number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    accepted_at = models.DateTimeField(_("conditions accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_as = models.CharField(
        _("accepted as"),
        max_length=200,
        blank=True,
        help_text=_("The title or role in which the conditions were accepted."),
    )
    bank_account = models.CharField(
        _("bank account"), max_length=11, blank=True, validators=[validate_account_number]
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(community="application__round__scheme__community")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return str(self.application)

    def get_absolute_url(self) -> str:
        return reverse(
            "utbetaling:grant",
            kwargs={"community": self.application.community.slug, "grant": self.pk},
        )

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def report_due(self) -> dt.date:
        return add_months(self.period_end, self.application.round.scheme.report_due_months)


class GrantBudgetLine(models.Model):
    """A line of the grant's budget: what the money is for, per year and party."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="budget_lines")
    order = models.PositiveSmallIntegerField(default=0)
    year = models.PositiveSmallIntegerField(_("year"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("party")
    )
    description = models.CharField(_("what the money is for"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount (NOK)"), **MONEY)

    objects = ScopedManager(community=VIA_GRANT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget line of a grant")
        verbose_name_plural = _("budget lines of grants")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.organisation}: {self.description}"


def invoice_path(payment: Payment, filename: str) -> str:
    return f"faktura/{payment.grant_id}/{filename}"


class Payment(models.Model):
    """An invoice from the recipient, or an internal booking on the project number; approved
    or returned by finance, then paid."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        INTERNAL = "internal", _("Internal booking")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        PAID = "paid", _("Paid")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REGISTERED
    )
    number = models.CharField(_("invoice or voucher number"), max_length=60)
    date = models.DateField(_("invoice date"))
    amount = models.DecimalField(_("amount (NOK)"), **MONEY)
    org_number = models.CharField(
        _("organisation number of the invoicing party"),
        max_length=9,
        blank=True,
        validators=[validate_org_number],
    )
    organisation_name = models.CharField(_("invoicing organisation"), max_length=200, blank=True)
    marking = models.CharField(
        _("marking on the invoice"),
        max_length=100,
        blank=True,
        help_text=_("What the invoice is marked with, e.g. the project number."),
    )
    file = models.FileField(upload_to=invoice_path, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    objects = ScopedManager(community=VIA_GRANT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invoice or booking")
        verbose_name_plural = _("invoices and bookings")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["grant", "status"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.amount})"


class Reallocation(models.Model):
    """A request to move money between the grant's budget lines or to change its period."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="reallocations")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.TextField(_("reason"))
    period_end = models.DateField(_("new end of the period"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedManager(community=VIA_GRANT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reallocation")
        verbose_name_plural = _("reallocations")
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"{self.grant}: {self.get_status_display()}"


class ReallocationLine(models.Model):
    """The amount a budget line would have after the reallocation."""

    reallocation = models.ForeignKey(Reallocation, on_delete=models.CASCADE, related_name="lines")
    budget_line = models.ForeignKey(GrantBudgetLine, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("new amount (NOK)"), **MONEY)

    objects = ScopedManager(community="reallocation__grant__application__round__scheme__community")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reallocation", "budget_line"], name="one_line_per_reallocation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_line}: {self.amount}"


class RepaymentClaim(models.Model):
    """A claim that all or part of the grant be paid back (a decision of its own)."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="repayment_claims")
    amount = models.DecimalField(_("amount to repay (NOK)"), **MONEY)
    reason = models.TextField(_("reason"))
    due_date = models.DateField(_("due date"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(community=VIA_GRANT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("repayment claim")
        verbose_name_plural = _("repayment claims")
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return f"{self.grant}: {self.amount}"

    @property
    def is_open(self) -> bool:
        return self.settled_on is None
