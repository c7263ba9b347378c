"""What the committee's stage reminds people about."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.urls import reverse

from soknad.models import Application
from tilskot.messaging import notify
from tilskot.models import Community, Notification
from tilskot.reminders import due_threshold, register

from .models import Assessment, ConflictDeclaration, Membership, RoundReview


@register
def scoring_deadline(*, community: Community, now: dt.datetime) -> int:
    """Committee members with applications still to score (not submitted, and no conflict
    declared), the community's ``reminder_days`` before the round's scoring deadline."""
    days = community.reminder_days
    if not days:
        return 0
    recorded = 0
    reviews = RoundReview.objects.filter(
        opened_at__isnull=False,
        scoring_deadline__gt=now,
        scoring_deadline__lte=now + dt.timedelta(days=max(days)),
    ).select_related("round")
    for review in reviews:
        threshold = due_threshold(deadline=review.scoring_deadline, now=now, days=days)
        if threshold is None:
            continue
        complete = Application.objects.filter(
            round=review.round, status=Application.Status.COMPLETE
        )
        for member in Membership.objects.filter(round=review.round).select_related("user"):
            left = (
                complete.exclude(
                    Exists(
                        Assessment.objects.filter(
                            application=OuterRef("pk"), member=member, submitted_at__isnull=False
                        )
                    )
                )
                .exclude(
                    Exists(
                        ConflictDeclaration.objects.filter(
                            application=OuterRef("pk"), member=member, has_conflict=True
                        )
                    )
                )
                .count()
            )
            if not left:
                continue
            recorded += len(
                notify(
                    community=community,
                    kind=Notification.Kind.SCORING_DEADLINE,
                    key=f"scoring-deadline:{member.pk}:{threshold}",
                    recipients=[member.user],
                    template="komite/emails/scoring_deadline",
                    context={
                        "round": review.round,
                        "review": review,
                        "left": left,
                        "days": threshold,
                    },
                    url=reverse(
                        "komite:review",
                        kwargs={"community": community.slug, "round": review.round.pk},
                    ),
                )
            )
    return recorded
