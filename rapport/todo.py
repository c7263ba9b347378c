"""What waits for people in the report stage (registered with ``tilskot.todo``): the
recipients' final reports once the period has ended, and the secretariat's reading of the
submitted and following up of the overdue ones."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tilskot.roles import Role
from tilskot.todo import Todo, day_start
from utbetaling.todo import grant_url, recipient_of

from .models import FinalReport
from .selectors import unreported_grants


def _report_url(community, grant) -> str:
    return reverse("rapport:report", kwargs={"community": community.slug, "grant": grant.pk})


def recipient_todos(*, user, community, roles, now) -> Iterable[Todo]:
    if Role.APPLICANT not in roles:
        return []
    mine = (
        unreported_grants(now)
        .filter(recipient_of(user))
        .select_related(None)  # what the title and the due date need
        .select_related("application__round__scheme", "final_report")
        .only(
            "period_end",
            "application__title",
            "application__round__scheme__report_due_months",
            "final_report__status",
            "final_report__decided_at",
        )
    )
    found = []
    for grant in mine:
        report = getattr(grant, "final_report", None)
        returned = report is not None and report.status == FinalReport.Status.RETURNED
        found.append(
            Todo(
                role=Role.APPLICANT,
                action=_("Correct the final report and submit it again")
                if returned
                else _("Write and submit the final report"),
                subject=str(grant.application),
                url=_report_url(community, grant),
                since=report.decided_at if returned else day_start(grant.period_end),
                deadline=grant.report_due,
            )
        )
    return found


def secretariat_todos(*, user, community, roles, now) -> Iterable[Todo]:
    if Role.SECRETARIAT not in roles:
        return []
    submitted = (
        FinalReport.objects.filter(status=FinalReport.Status.SUBMITTED)
        .select_related("grant__application")
        .only("submitted_at", "grant__application__title")
        .order_by("submitted_at")
    )
    found = [
        Todo(
            role=Role.SECRETARIAT,
            action=_("Approve or return the final report"),
            subject=str(report.grant.application),
            url=_report_url(community, report.grant),
            since=report.submitted_at,
        )
        for report in submitted
    ]
    today = timezone.localdate(now)
    for grant in (
        unreported_grants(now)
        .select_related(None)
        .select_related("application__round__scheme")
        .only("period_end", "application__title", "application__round__scheme__report_due_months")
    ):
        due = grant.report_due
        if due < today:
            found.append(
                Todo(
                    role=Role.SECRETARIAT,
                    action=_("Follow up the overdue final report"),
                    subject=str(grant.application),
                    url=grant_url(community, grant.pk),
                    since=day_start(due),
                    deadline=due,
                )
            )
    return found
