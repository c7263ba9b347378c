"""What the report stage reminds people about."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from soknad.services import applicant_users
from tilskot.messaging import notify, role_holders
from tilskot.models import Community, Notification
from tilskot.reminders import due_threshold, register
from tilskot.roles import Role

from .selectors import unreported_grants


@register
def report_due(*, community: Community, now: dt.datetime) -> int:
    """The recipients of open grants whose final report is not yet submitted, the community's
    ``reminder_days`` before it is due (the end of the due day, Norwegian time)."""
    days = community.reminder_days
    if not days:
        return 0
    recorded = 0
    for grant in unreported_grants(now):
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


@register
def report_overdue(*, community: Community, now: dt.datetime) -> int:
    """Once a final report is overdue (its due day has passed, Norwegian time), the recipients
    are told, and the secretariat, which follows it up: once each."""
    today = timezone.localdate(now)
    overdue = [grant for grant in unreported_grants(now) if grant.report_due < today]
    if not overdue:
        return 0
    told = {  # grants already told about: rendering their messages again only to skip them costs
        int(key.split(":")[1])
        for key in Notification.objects.filter(kind=Notification.Kind.REPORT_OVERDUE).values_list(
            "key", flat=True
        )
    }
    recorded = 0
    secretariat = role_holders(community, Role.SECRETARIAT)
    for grant in overdue:
        if grant.pk in told:
            continue
        due = grant.report_due
        for key, recipients, for_secretariat in (
            (f"report-overdue:{grant.pk}", applicant_users(grant.application), False),
            (f"report-overdue:{grant.pk}:secretariat", secretariat, True),
        ):
            recorded += len(
                notify(
                    community=community,
                    kind=Notification.Kind.REPORT_OVERDUE,
                    key=key,
                    recipients=recipients,
                    template="rapport/emails/report_overdue",
                    context={
                        "grant": grant,
                        "application": grant.application,
                        "due": due,
                        "for_secretariat": for_secretariat,
                    },
                    url=grant.get_absolute_url(),
                )
            )
    return recorded
