"""The committee's work and the decisions: per closed round a committee of ``committee_size``
members, their declarations of conflict of interest, assessments and scores; per decided round
the sent recommendation and every decision body's recorded decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from komite.models import (
    Assessment,
    ConflictDeclaration,
    Decision,
    DecisionItem,
    Membership,
    Recommendation,
    RecommendationItem,
    RoundReview,
    Score,
)
from tilskot.models import Criterion, Organisation, Round

from .. import world as names
from .applications import ceil_to, decision_moment
from .state import BATCH, DECIDED, OPEN, Case, CommunityFill, Fill, RoundFill


def _related(a: Organisation, b: Organisation) -> bool:
    """As ``komite.rules._related``: the same organisation, or a trust and its unit."""
    return a.pk == b.pk or a.parent_id == b.pk or b.parent_id == a.pk


def _members(fill: Fill, community: CommunityFill, index: int, round_fill: RoundFill) -> None:
    pool = community.users[names.COMMITTEE]
    seats = community.seats
    for j in range(fill.committee_size):
        employer = fill.rng.choice(community.organisations) if fill.rng.random() < 0.5 else None
        round_fill.members.append(
            Membership(
                round=round_fill.round,
                user=pool[(index + j) % len(pool)],
                seat=seats[j % len(seats)] if seats else None,
                employer=employer,
                appointed_by=community.secretariat,
            )
        )


def _review(fill: Fill, community: CommunityFill, round_fill: RoundFill) -> RoundReview:
    round_ = round_fill.round
    if round_fill.kind == DECIDED:
        opened, deadline = round_.closes_at + dt.timedelta(days=7), decision_moment(round_)
    else:  # under review now: the committee scores until two weeks from now
        opened, deadline = fill.now - dt.timedelta(days=7), fill.now + dt.timedelta(days=14)
    return RoundReview(
        round=round_, scoring_deadline=deadline, opened_at=opened, opened_by=community.secretariat
    )


def _scores(fill: Fill, community: CommunityFill, case: Case, submitted: bool) -> list[tuple]:
    """(criterion, value, met, comment) per criterion; a draft assessment skips some."""
    rng = fill.rng
    result = []
    for criterion in community.criteria:
        if not submitted and rng.random() < 0.3:
            continue
        if criterion.kind == Criterion.Kind.CHECK:
            value, met = None, rng.random() < 0.3 + 0.6 * case.quality
        else:
            low, high = criterion.score_min, criterion.score_max
            guess = low + case.quality * (high - low) + rng.gauss(0, 0.8)
            value, met = max(low, min(high, round(guess))), None
        result.append((criterion, value, met, fill.text.sentence()))
    return result


def _assess_round(fill: Fill, community: CommunityFill, round_fill: RoundFill) -> dict[str, int]:
    rng = fill.rng
    declarations: list[ConflictDeclaration] = []
    planned: list[tuple[Assessment, list[tuple]]] = []
    for case in round_fill.cases:
        if not case.reviewable:
            continue
        parties = case.parties
        for member in round_fill.members:
            flagged = member.employer is not None and any(
                _related(member.employer, p) for p in parties
            )
            conflict = (flagged and rng.random() < 0.6) or rng.random() < 0.03
            reason = ""
            if conflict:
                reason = "Eg er tilsett hos ein av partane og har vore med på søknaden."
            elif flagged:
                reason = "Eg arbeider i ei anna eining og har ikkje vore med på tiltaket."
            declarations.append(
                ConflictDeclaration(
                    application=case.application,
                    member=member,
                    has_conflict=conflict,
                    reason=reason,
                    flagged=flagged,
                )
            )
            if conflict:
                continue
            if round_fill.kind == DECIDED:
                exists = submitted = True
            else:
                exists = rng.random() < 0.6
                submitted = exists and rng.random() < 0.7
            if not exists:
                continue
            assessment = Assessment(
                application=case.application,
                member=member,
                overall=fill.text.text(80, 300),
                submitted_at=(
                    min(round_fill.round.closes_at + dt.timedelta(days=20), fill.now)
                    if submitted
                    else None
                ),
            )
            planned.append((assessment, _scores(fill, community, case, submitted)))
    ConflictDeclaration.objects.bulk_create(declarations, batch_size=BATCH)
    Assessment.objects.bulk_create([a for a, _ in planned], batch_size=BATCH)
    scores = [
        Score(assessment=a, criterion=criterion, value=value, met=met, comment=comment)
        for a, rows in planned
        for criterion, value, met, comment in rows
    ]
    Score.objects.bulk_create(scores, batch_size=BATCH)
    return {"declarations": len(declarations), "assessments": len(planned), "scores": len(scores)}


def create(fill: Fill) -> None:
    """Committees, reviews, declarations, assessments and scores of every closed round."""
    committee_rounds = [
        (community, index, round_fill)
        for community in fill.communities
        for index, round_fill in enumerate(community.rounds)
        if round_fill.kind != OPEN
    ]
    for community, index, round_fill in committee_rounds:
        _members(fill, community, index, round_fill)
    Membership.objects.bulk_create(
        [m for _c, _i, r in committee_rounds for m in r.members], batch_size=BATCH
    )
    RoundReview.objects.bulk_create([_review(fill, c, r) for c, _i, r in committee_rounds])
    for community, _index, round_fill in committee_rounds:
        _assess_round(fill, community, round_fill)


def decide(fill: Fill) -> None:
    """Per decided round: the sent recommendation in rank order, each decision body's recorded
    decision (Nord decides in two stages), and a budget that the grants fit in."""
    recommendations, recommendation_items = [], []
    decisions, decision_items = [], []
    budgets: dict[int, Decimal] = {}
    for community in fill.communities:
        bodies = community.community.decision_bodies
        secretariat = community.secretariat
        for round_fill in community.rounds:
            if round_fill.kind != DECIDED:
                continue
            round_ = round_fill.round
            ranked = sorted((c for c in round_fill.cases if c.reviewable), key=lambda c: -c.quality)
            moment = decision_moment(round_)
            recommendation = Recommendation(
                round=round_,
                status=Recommendation.Status.SENT,
                sent_at=moment - dt.timedelta(days=14),
                sent_by=secretariat,
            )
            recommendations.append(recommendation)
            conditions = "Midlane skal nyttast slik det er søkt om; sluttrapport etter perioden."
            for order, case in enumerate(ranked, start=1):
                granted = case.granted is not None
                recommendation_items.append(
                    RecommendationItem(
                        recommendation=recommendation,
                        application=case.application,
                        order=order,
                        grant=granted,
                        amount=case.granted,
                        conditions=conditions if granted else "",
                        reason=case.grant_reason if not granted else "",
                    )
                )
            for stage, body in enumerate(bodies, start=1):
                decided_at = moment - dt.timedelta(days=7 * (len(bodies) - stage))
                decision = Decision(
                    round=round_,
                    stage=stage,
                    body=body,
                    meeting=f"Møte {stage}/{decided_at.year}",
                    case_reference=f"{10 + stage}/{decided_at:%y}",
                    decided_on=decided_at.date(),
                    status=Decision.Status.RECORDED,
                    recorded_at=decided_at,
                    recorded_by=secretariat,
                )
                decisions.append(decision)
                for order, case in enumerate(ranked, start=1):
                    granted = case.granted is not None
                    application = case.application
                    decision_items.append(
                        DecisionItem(
                            decision=decision,
                            application=application,
                            order=order,
                            granted=granted,
                            amount=case.granted,
                            period_start=application.period_start if granted else None,
                            period_end=application.period_end if granted else None,
                            conditions=conditions if granted else "",
                            reason=case.grant_reason,
                        )
                    )
            total = sum((c.granted for c in ranked if c.granted is not None), Decimal(0))
            budgets[round_.pk] = max(Decimal(1_000_000), ceil_to(total * Decimal("1.1"), 100_000))
    Recommendation.objects.bulk_create(recommendations)
    RecommendationItem.objects.bulk_create(recommendation_items, batch_size=BATCH)
    Decision.objects.bulk_create(decisions)
    DecisionItem.objects.bulk_create(decision_items, batch_size=BATCH)
    for community in fill.communities:
        for round_fill in community.rounds:
            round_ = round_fill.round
            if round_fill.kind == DECIDED:
                round_.budget = budgets[round_.pk]
            elif round_fill.kind != OPEN:  # under review: money for about half of what is asked
                asked = sum((c.requested for c in round_fill.cases if c.reviewable), Decimal(0))
                round_.budget = max(Decimal(1_000_000), ceil_to(asked / 2, 100_000))
    Round.objects.bulk_update(
        [r.round for c in fill.communities for r in c.rounds], ["budget"], batch_size=BATCH
    )


def grants(fill: Fill) -> None:
    """The payment stage's grants, opened for every granted item of each final decision as
    recording the decision opens them (``utbetaling.services.grants_open``)."""
    from utbetaling.services import grants_open

    final = [
        d
        for d in Decision.objects.filter(round__name__startswith="Benk: avgjord").select_related(
            "round__scheme__community"
        )
        if d.is_final
    ]
    grants_open(
        items=DecisionItem.objects.filter(decision__in=final, granted=True)
        .select_related(
            "application__round__scheme__community", "application__responsible_organisation"
        )
        .order_by("pk")
    )
