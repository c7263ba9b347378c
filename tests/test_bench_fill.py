"""The benchmark fill (bench/fill): a small world, filled once for the module, whose payment
stage and final reports keep what Tilskot's services would have checked."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from django_scopes import scopes_disabled

from bench.fill import fill
from rapport.models import FinalReport, ReportAnswer, ReportSpending
from rapport.services import report_missing
from tilskot.validators import validate_account_number, validate_org_number
from utbetaling import rules
from utbetaling.models import Grant, Payment, Reallocation, RepaymentClaim
from utbetaling.services import CLAIMED

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def filled(django_db_setup, django_db_blocker, tmp_path_factory):
    """240 applications with seed 3 (about 45 grants: enough for every kind of payment and
    report), rolled back after the module's tests."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        result = fill(applications=240, seed=3, log=lambda _line: None)
        with scopes_disabled():
            yield result
        transaction.set_rollback(True)


def test_counts_cover_the_payment_stage_and_the_reports(filled):
    counts = filled["counts"]
    assert counts["Grant"] > 0
    assert counts["Payment"] > 0
    assert counts["FinalReport"] > 0
    assert counts["ReportSpending"] > 0
    assert counts["Payment"] == Payment.objects.count()


def test_nothing_is_paid_before_acceptance_and_claims_stay_within_the_grant(filled):
    claimed = defaultdict(Decimal)
    for grant_id, amount in Payment.objects.filter(status__in=CLAIMED).values_list(
        "grant_id", "amount"
    ):
        claimed[grant_id] += amount
    grants = Grant.objects.select_related("application__round__scheme__community")
    for grant in grants.filter(pk__in=Payment.objects.values("grant")):
        assert grant.accepted, grant.pk
        assert 0 < claimed[grant.pk] <= grant.amount, grant.pk
        assert grant.payments.filter(date__lte=grant.accepted_at.date()).count() == 0
    for grant in grants.filter(accepted_at__isnull=False):
        assert grant.accepted_as
        if grant.internal:
            assert grant.bank_account == ""
        else:
            validate_account_number(grant.bank_account)
    paid = dict(
        Payment.objects.filter(status=Payment.Status.PAID)
        .values("grant")
        .annotate(total=Sum("amount"))
        .values_list("grant", "total")
    )
    for claim in RepaymentClaim.objects.all():
        total = RepaymentClaim.objects.filter(grant=claim.grant).aggregate(t=Sum("amount"))["t"]
        assert 0 < total <= paid[claim.grant_id]


def test_payments_follow_the_route(filled):
    payments = Payment.objects.select_related(
        "grant__application__round__scheme__community",
        "grant__application__responsible_organisation",
    )
    kinds = set()
    for payment in payments:
        grant = payment.grant
        route = rules.payment_route(grant.application)
        assert route.internal == grant.internal
        kinds.add(payment.kind)
        if grant.internal:
            assert payment.kind == Payment.Kind.INTERNAL
            assert payment.file.name == ""
        else:
            assert payment.kind == Payment.Kind.INVOICE
            assert rules.marking_ok(payment.marking, route.project_number), payment.marking
            validate_org_number(payment.org_number)
            assert payment.file.name
        assert (payment.status == Payment.Status.REGISTERED) == (payment.decided_at is None)
        assert (payment.status == Payment.Status.PAID) == (payment.paid_on is not None)
        assert (payment.status == Payment.Status.RETURNED) == bool(payment.return_reason)
    assert kinds == {Payment.Kind.INVOICE, Payment.Kind.INTERNAL}
    assert Payment.objects.filter(grant__project_number="R-11326").exists()
    statuses = set(Payment.objects.values_list("status", flat=True))
    assert {Payment.Status.REGISTERED, Payment.Status.PAID} <= statuses


def test_reallocated_budgets_still_add_up(filled):
    for reallocation in Reallocation.objects.prefetch_related("lines__budget_line"):
        grant = reallocation.grant
        lines = {line.pk: line.amount for line in grant.budget_lines.all()}
        if reallocation.status != Reallocation.Status.APPROVED:
            lines.update({r.budget_line_id: r.amount for r in reallocation.lines.all()})
        assert sum(lines.values()) == grant.amount
    for grant in Grant.objects.all():
        assert grant.budget_lines.aggregate(t=Sum("amount"))["t"] == grant.amount


def test_reports_are_complete_past_their_draft_and_approval_closes_the_grant(filled):
    reports = FinalReport.objects.select_related("grant__application__round__scheme")
    statuses = {report.status for report in reports}
    assert FinalReport.Status.DRAFT in statuses
    assert FinalReport.Status.APPROVED in statuses
    for report in reports:
        assert report.grant.accepted
        if report.status == FinalReport.Status.DRAFT:
            assert report.submitted_at is None
            continue
        assert report_missing(report) == [], report.pk
        assert report.submitted_at is not None
        questions = set(report.grant.application.round.scheme.report_questions.all())
        assert {a.question for a in report.answers.all()} == questions
        if report.status == FinalReport.Status.APPROVED:
            assert report.grant.status == Grant.Status.CLOSED
            assert report.grant.closed_at == report.decided_at
            assert not report.grant.payments.filter(
                status__in=(Payment.Status.REGISTERED, Payment.Status.APPROVED)
            ).exists()
    approved = FinalReport.objects.filter(status=FinalReport.Status.APPROVED)
    assert Grant.objects.filter(status=Grant.Status.CLOSED).count() == approved.count()
    assert ReportSpending.objects.exists()
    assert ReportAnswer.objects.exists()  # Nord and Innlandet ask questions of their own
