"""What the report stage reminds people about."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from soknad.services import applicant_users
from tilskot.messaging import notify
from tilskot.models import Community, Notification
from tilskot.reminders import due_threshold, register
from utbetaling.models import Grant

from .models import FinalReport


@register
def report_due(*, community: Community, now: dt.datetime) -> int:
    """The recipients of open grants whose final report is not yet submitted, the community's
    ``reminder_days`` before it is due (the end of the due day, Norwegian time)."""
    days = community.reminder_days
    if not days:
        return 0
    recorded = 0
    today = timezone.localdate(now)
    grants = (
        Grant.objects.filter(status=Grant.Status.OPEN, period_end__lte=today)
        .exclude(
            final_report__status__in=[FinalReport.Status.SUBMITTED, FinalReport.Status.APPROVED]
        )
        .select_related("application__round__scheme__community", "application__owner")
    )
    for grant in grants:
        due = grant.report_due
        deadline = timezone.make_aware(dt.datetime.combine(due, dt.time(23, 59)))
        threshold = due_threshold(deadline=deadline, now=now, days=days)
        if threshold is None:
            continue
        recorded += len(
            notify(
                community=community,
                kind=Notification.Kind.REPORT_DUE,
                key=f"report-due:{grant.pk}:{threshold}",
                recipients=applicant_users(grant.application),
                template="rapport/emails/report_due",
                context={"grant": grant, "application": grant.application, "due": due},
                url=grant.get_absolute_url(),
            )
        )
    return recorded
