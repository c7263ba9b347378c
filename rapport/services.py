"""Writes of the final report: the recipient drafts (never losing work) and submits it; the
secretariat returns it with comments or approves it, which closes the grant."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from soknad.services import applicant_users
from soknad.uploads import download_name, validate_upload
from tilskot.messaging import notify, role_holders
from tilskot.models import Notification, User
from tilskot.money import nok_text
from tilskot.roles import Role
from utbetaling import rules as grant_rules
from utbetaling.models import Grant
from utbetaling.services import grant_close

from .models import FinalReport, ReportAnswer, ReportSpending


def report_for(grant: Grant) -> FinalReport:
    report, _created = FinalReport.objects.get_or_create(grant=grant)
    return report


def auditor_needed(report: FinalReport) -> bool:
    threshold = report.grant.application.round.scheme.auditor_threshold
    return threshold is not None and report.grant.amount > threshold


@transaction.atomic
def report_save(
    *,
    report: FinalReport,
    by: User,
    fields: dict,
    spending: dict[int, Decimal | None],
    answers: dict[int, str],
    auditor_file=None,
    pending: dict | None = None,
) -> FinalReport:
    """Save what the recipient wrote, valid or not yet complete; ``pending`` keeps the raw
    input of fields that did not validate (a mistyped amount), until they are saved."""
    report = FinalReport.objects.select_for_update().get(pk=report.pk)
    if not grant_rules.is_recipient(by, report.grant):
        raise PermissionDenied
    if not report.is_editable:
        raise ValidationError(_("The report has been submitted and cannot be changed now."))
    for name, value in fields.items():
        setattr(report, name, value)
    if auditor_file is not None:
        file_type = validate_upload(auditor_file)
        report.auditor_confirmation.save(
            download_name(auditor_file.name, file_type), auditor_file, save=False
        )
    report.pending_input = pending or {}
    report.save()
    lines = set(report.grant.budget_lines.values_list("pk", flat=True))
    for line_id, spent in spending.items():
        if line_id not in lines:
            raise ValidationError(_("Unknown budget line."))
        if spent is None:
            ReportSpending.objects.filter(report=report, budget_line_id=line_id).delete()
        else:
            ReportSpending.objects.update_or_create(
                report=report, budget_line_id=line_id, defaults={"spent": spent}
            )
    questions = set(
        report.grant.application.round.scheme.report_questions.values_list("pk", flat=True)
    )
    for question_id, text in answers.items():
        if question_id not in questions:
            raise ValidationError(_("Unknown question."))
        ReportAnswer.objects.update_or_create(
            report=report, question_id=question_id, defaults={"text": text}
        )
    return report


def report_missing(report: FinalReport) -> list[str]:
    """What the report still lacks before it can be submitted, in the user's words."""
    missing = []
    labels = {f.name: f.verbose_name for f in FinalReport._meta.fields}
    for name in FinalReport.TEXT_FIELDS:
        if not getattr(report, name).strip():
            missing.append(_("Fill in “%(field)s”.") % {"field": labels[name]})
    if report.continues is None:
        missing.append(_("Say whether the measure continues in ordinary operation."))
    spent = set(report.spending.values_list("budget_line_id", flat=True))
    if any(line.pk not in spent for line in report.grant.budget_lines.all()):
        missing.append(_("Give the money spent on every line of the budget."))
    answered = {a.question_id for a in report.answers.all() if a.text.strip()}
    for question in report.grant.application.round.scheme.report_questions.filter(required=True):
        if question.pk not in answered:
            missing.append(_("Answer “%(question)s”.") % {"question": question.text})
    if auditor_needed(report) and not report.auditor_confirmation:
        missing.append(
            _("The grant is above %(threshold)s: attach the auditor's confirmation.")
            % {"threshold": nok_text(report.grant.application.round.scheme.auditor_threshold)}
        )
    if report.pending_input:
        missing.append(_("Correct the fields marked with errors."))
    return missing


@transaction.atomic
def report_submit(*, report: FinalReport, by: User) -> FinalReport:
    report = FinalReport.objects.select_for_update().get(pk=report.pk)
    if not grant_rules.is_recipient(by, report.grant):
        raise PermissionDenied
    if not report.is_editable:
        raise ValidationError(_("The report has already been submitted."))
    missing = report_missing(report)
    if missing:
        raise ValidationError(missing)
    report.status = FinalReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = by
    report._change_reason = "submitted"
    report.save()
    grant = report.grant
    community = grant.application.community
    notify(  # the secretariat approves or returns it
        community=community,
        kind=Notification.Kind.REPORT_SUBMITTED,
        key=f"report-submitted:{report.pk}:{report.submitted_at.isoformat()}",
        recipients=role_holders(community, Role.SECRETARIAT, but=by),
        template="rapport/emails/report_submitted",
        context={"report": report, "grant": grant, "application": grant.application},
        url=reverse("rapport:report", kwargs={"community": community.slug, "grant": grant.pk}),
    )
    return report


def _decided(report: FinalReport, *, template: str) -> None:
    grant = report.grant
    notify(
        community=grant.application.community,
        kind=Notification.Kind.REPORT_DECIDED,
        key=f"report:{report.pk}:{report.status}:{report.decided_at.isoformat()}",
        recipients=applicant_users(grant.application),
        template=f"rapport/emails/{template}",
        context={"report": report, "grant": grant, "application": grant.application},
        url=grant.get_absolute_url(),
    )


@transaction.atomic
def report_return(*, report: FinalReport, by: User, comment: str) -> FinalReport:
    report = FinalReport.objects.select_for_update().get(pk=report.pk)
    if not grant_rules.is_secretariat(by, report.grant):
        raise PermissionDenied
    if report.status != FinalReport.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be returned."))
    if not comment.strip():
        raise ValidationError(_("Say what the recipient should change."))
    report.status = FinalReport.Status.RETURNED
    report.comment = comment.strip()
    report.decided_at = timezone.now()
    report.decided_by = by
    report._change_reason = "returned"
    report.save()
    _decided(report, template="returned")
    return report


@transaction.atomic
def report_approve(*, report: FinalReport, by: User) -> FinalReport:
    """Approve the report; this closes the grant."""
    report = FinalReport.objects.select_for_update().get(pk=report.pk)
    if not grant_rules.is_secretariat(by, report.grant):
        raise PermissionDenied
    if report.status != FinalReport.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."))
    report.status = FinalReport.Status.APPROVED
    report.decided_at = timezone.now()
    report.decided_by = by
    report._change_reason = "approved"
    report.save()
    grant_close(grant=report.grant, by=by)
    _decided(report, template="approved")
    return report
