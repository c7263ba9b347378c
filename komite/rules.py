"""Who may do what in the committee's work: small named predicates, one place for each rule."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from soknad.models import Application
from soknad.rules import organisations_related, parties, party_reason
from tilskot.models import Round
from tilskot.roles import Role, has_role

from .models import (
    Assessment,
    ConflictDeclaration,
    Membership,
    Recommendation,
    RecommendationItem,
    RoundReview,
)


def can_manage_committee(user, round_: Round) -> bool:
    return has_role(user, round_.scheme.community, Role.SECRETARIAT)


MEMBERSHIPS = "_tilskot_memberships"


def member_of(user, round_: Round) -> Membership | None:
    """The user's seat on the round's committee, looked up once per request (cached on the
    user object, as roles are)."""
    if not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault(MEMBERSHIPS, {})
    if round_.pk not in cache:
        cache[round_.pk] = (
            Membership.objects.filter(round=round_, user=user).select_related("employer").first()
        )
    return cache[round_.pk]


def review_is_open(round_: Round) -> bool:
    try:
        review = round_.review
    except RoundReview.DoesNotExist:
        return False
    return review.opened_at is not None


def employed_by_a_party(member: Membership, application: Application) -> bool:
    """Flag a member employed by a party of the application (forvaltningsloven § 6)."""
    if member.employer is None:
        return False
    return any(organisations_related(member.employer, party) for party in parties(application))


def declaration(member: Membership, application: Application) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(member=member, application=application).first()


def can_review(user, application: Application) -> bool:
    """A member may open an application's review only after declaring no conflict for it, and
    only once the round is open for review and the application is complete. A party of the
    application never may, whatever was declared (``soknad.rules.party_reason``)."""
    if application.status != Application.Status.COMPLETE:
        return False
    member = member_of(user, application.round)
    if member is None or not review_is_open(application.round):
        return False
    declared = declaration(member, application)
    if declared is None or declared.has_conflict:
        return False
    return not party_reason(user, application)


def can_see_scores(user, application: Application) -> bool:
    """The secretariat always; a member without a conflict once they have submitted their own
    assessment, or at once where the community does not hide scores until then."""
    if has_role(user, application.community, Role.SECRETARIAT):
        return True
    if not can_review(user, application):
        return False
    if not application.community.scores_hidden_until_own:
        return True
    member = member_of(user, application.round)
    return Assessment.objects.filter(
        application=application, member=member, submitted_at__isnull=False
    ).exists()


def parties_among(user, applications) -> list[Application]:
    """The applications of which ``user`` is a party (so takes no part in deciding them)."""
    applications = list(applications)
    prefetch_related_objects(applications, "invitations", "partners")
    return [a for a in applications if party_reason(user, a)]


def parties_decided_by(user, round_: Round, proposals) -> list[Application]:
    """The applications before the decision body of which ``user``, recording the decision as
    a member of the body, is a party. The secretariat writes up the body's minutes and
    takes no part in the decision itself, so none for it."""
    if has_role(user, round_.scheme.community, Role.SECRETARIAT):
        return []
    applications = [p.application for p in proposals]
    for application in applications:
        application.round = round_  # the community's rules, loaded once
    return parties_among(user, applications)


def waiting_for_deadline(round_: Round) -> str:
    """Until the round's deadline applications can still come in: its recommendation and its
    decision wait, so nothing submitted in time is left out of them (and nothing comes in
    after a decision that no one could decide). The reason, or "" once the deadline has
    passed."""
    if round_.status_at(timezone.now()) == Round.Status.CLOSED:
        return ""
    deadline = date_format(timezone.localtime(round_.closes_at), "DATETIME_FORMAT")
    return _(
        "This waits for the round's deadline, %(deadline)s: until then, applications can "
        "still come in."
    ) % {"deadline": deadline}


def can_record_decision(user, round_: Round) -> bool:
    """The decision body, or the secretariat recording the body's minutes on its behalf."""
    community = round_.scheme.community
    return has_role(user, community, Role.DECISION_BODY) or has_role(
        user, community, Role.SECRETARIAT
    )


def screening_closed(application: Application) -> str:
    """Once the committee's recommendation is sent, the applications in it are the decision
    body's: the secretariat no longer asks for more or rejects them. (One screened too late for
    it can still be rejected, or completed for a later round's committee.)"""
    if application.status != Application.Status.COMPLETE:
        return ""  # only complete applications are recommended (no query for the others)
    if RecommendationItem.objects.filter(
        application=application, recommendation__status=Recommendation.Status.SENT
    ).exists():
        return _(
            "The committee's recommendation for this round is sent to the decision body, so "
            "the application can no longer be screened."
        )
    return ""


def criteria_lock(scheme) -> str:
    """Criteria and their scales lock once scoring has begun in a round of the scheme, until
    the round's final decision: a score given on one scale is never read on another. The
    reason, naming the round, or ""."""
    from .decisions import final_decision

    scored = (
        Round.objects.filter(scheme=scheme, applications__assessments__scores__isnull=False)
        .select_related("scheme__community")
        .distinct()
        .order_by("closes_at")
    )
    for round_ in scored:
        if final_decision(round_) is None:
            return _(
                "Scoring has begun in %(round)s: the criteria and their scales are locked until "
                "the round's final decision is recorded, so that every score is read on the "
                "scale it was given on."
            ) % {"round": round_.name}
    return ""


def deadline_lock(round_) -> str:
    """Once the round's recommendation is sent, its deadline does not move later: an
    application that came in then would sit in a round that nothing decides any more."""
    if round_.pk is None:
        return ""
    if Recommendation.objects.filter(round=round_, status=Recommendation.Status.SENT).exists():
        return _(
            "The committee's recommendation for this round is sent, so its deadline cannot be "
            "moved later: applications that came in after it could not be decided."
        )
    return ""
