"""What waits for people in the committee's stage (registered with ``tilskot.todo``): the
members' declarations and scores, the decision bodies' decisions, and the secretariat's
recommendation and letters."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from soknad.models import Application
from tilskot.roles import Role
from tilskot.todo import Todo

from .models import (
    Assessment,
    ConflictDeclaration,
    Decision,
    DecisionItem,
    DecisionLetter,
    Membership,
    Recommendation,
    RoundReview,
)


def committee_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """Per application open for review: declare (any conflict of interest), then score,
    before the round's scoring deadline."""
    if Role.COMMITTEE not in roles:
        return []
    memberships = {
        m.round_id: m
        for m in Membership.objects.filter(
            user=user,
            round__review__opened_at__isnull=False,
            round__review__scoring_deadline__gt=now,
        ).select_related("round__review")
    }
    if not memberships:
        return []
    # The subqueries are keyed by the scoped outer row, so they need no scope joins of their own.
    mine = {"member__user": user, "application": OuterRef("pk")}
    applications = (
        Application.objects.filter(round__in=memberships, status=Application.Status.COMPLETE)
        .annotate(
            declared=Exists(ConflictDeclaration._base_manager.filter(**mine)),
            conflict=Exists(ConflictDeclaration._base_manager.filter(**mine, has_conflict=True)),
            scored=Exists(
                Assessment._base_manager.filter(
                    **mine, submitted_at__isnull=False, withdrawn_at__isnull=True
                )
            ),
        )
        .only("title", "round")
        .order_by("pk")
    )
    found = []
    for application in applications:
        if application.conflict or application.scored:
            continue
        member = memberships[application.round_id]
        review = member.round.review
        kwargs = {"community": community.slug, "application": application.pk}
        found.append(
            Todo(
                role=Role.COMMITTEE,
                action=_("Score the application")
                if application.declared
                else _("Declare any conflict of interest"),
                subject=str(application),
                url=reverse(
                    "komite:application" if application.declared else "komite:declare",
                    kwargs=kwargs,
                ),
                since=max(review.opened_at, member.appointed_at),
                deadline=review.scoring_deadline,
            )
        )
    return found


def decision_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """The decision body records each stage of a round's decision once what it decides on
    has come: the sent recommendation, or the stage before it."""
    if Role.DECISION_BODY not in roles:
        return []
    bodies = community.decision_bodies
    sent = list(
        Recommendation.objects.filter(status=Recommendation.Status.SENT)
        .select_related("round")
        .order_by("sent_at")
    )
    if not sent:
        return []
    recorded: dict[int, list[Decision]] = {}
    for decision in Decision.objects.filter(
        round__in=[r.round_id for r in sent], status=Decision.Status.RECORDED
    ).order_by("stage"):
        recorded.setdefault(decision.round_id, []).append(decision)
    found = []
    for recommendation in sent:
        done = recorded.get(recommendation.round_id, [])
        stage = len(done) + 1
        if stage > len(bodies):
            continue
        found.append(
            Todo(
                role=Role.DECISION_BODY,
                action=_("Record the decision of %(body)s") % {"body": bodies[stage - 1]},
                subject=recommendation.round.name,
                url=reverse(
                    "komite:decision",
                    kwargs={
                        "community": community.slug,
                        "round": recommendation.round_id,
                        "stage": stage,
                    },
                ),
                since=(done[-1].recorded_at if done else None) or recommendation.sent_at,
            )
        )
    return found


def secretariat_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """After the scoring deadline and the round's deadline (``rules.waiting_for_deadline``) the
    secretariat sends the recommendation; after the final decision it issues the letters."""
    if Role.SECRETARIAT not in roles:
        return []
    found = []
    reviews = (
        RoundReview.objects.filter(
            opened_at__isnull=False, scoring_deadline__lte=now, round__closes_at__lte=now
        )
        .exclude(round__recommendation__status=Recommendation.Status.SENT)
        .select_related("round")
        .order_by("scoring_deadline")
    )
    found.extend(
        Todo(
            role=Role.SECRETARIAT,
            action=_("Write and send the recommendation"),
            subject=review.round.name,
            url=reverse(
                "komite:recommendation",
                kwargs={"community": community.slug, "round": review.round_id},
            ),
            since=max(review.scoring_deadline, review.round.closes_at),
        )
        for review in reviews
    )
    unlettered = (
        Decision.objects.filter(
            status=Decision.Status.RECORDED, stage=len(community.decision_bodies)
        )
        .filter(
            Exists(  # keyed by the scoped row: no scope joins of their own
                DecisionItem._base_manager.filter(decision=OuterRef("pk")).exclude(
                    Exists(DecisionLetter._base_manager.filter(item=OuterRef("pk")))
                )
            )
        )
        .select_related("round")
        .order_by("recorded_at")
    )
    found.extend(
        Todo(
            role=Role.SECRETARIAT,
            action=_("Issue the decision letters"),
            subject=decision.round.name,
            url=reverse(
                "komite:letters", kwargs={"community": community.slug, "round": decision.round_id}
            ),
            since=decision.recorded_at,
        )
        for decision in unlettered
    )
    return found
