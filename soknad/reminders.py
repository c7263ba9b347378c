"""What the applications stage reminds people about."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch

from tilskot.messaging import notify
from tilskot.models import Community, Notification, Round
from tilskot.reminders import due_threshold, register

from .models import Application, Invitation


@register
def draft_deadline(*, community: Community, now: dt.datetime) -> int:
    """Owners and co-applicants of drafts in a round, 14, 3 and 1 days (the community's
    ``reminder_days``) before it closes. Applications already submitted get none."""
    days = community.reminder_days
    if not days:
        return 0
    recorded = 0
    horizon = now + dt.timedelta(days=max(days))
    rounds = Round.objects.open_at(now).filter(closes_at__lte=horizon)
    for round_ in rounds:
        threshold = due_threshold(deadline=round_.closes_at, now=now, days=days)
        if threshold is None:
            continue
        drafts = (
            Application.objects.filter(round=round_, status=Application.Status.DRAFT)
            .select_related("owner", "round__scheme__community")
            .prefetch_related(
                Prefetch(
                    "invitations",
                    queryset=Invitation.objects.filter(accepted_by__isnull=False).select_related(
                        "accepted_by"
                    ),
                )
            )
        )
        for application in drafts:
            people = [application.owner, *(i.accepted_by for i in application.invitations.all())]
            recorded += len(
                notify(
                    community=community,
                    kind=Notification.Kind.DRAFT_DEADLINE,
                    key=f"draft-deadline:{application.pk}:{threshold}",
                    recipients=dict.fromkeys(people),
                    template="soknad/emails/draft_deadline",
                    context={"application": application, "round": round_, "days": threshold},
                    url=application.get_absolute_url(),
                )
            )
    return recorded
