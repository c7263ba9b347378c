"""The committee's part of ``make run``'s demo data (registered with
``tilskot.demo.register_demo``): in each community a decided round with granted projects, and
a round in review, so the committee member and the secretariat find work on their to-do pages."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from soknad.demo import demo_organisations
from soknad.models import Application, BudgetLine
from tilskot.demo import demo_email
from tilskot.models import Round, Scheme, User
from tilskot.reference import OSLO
from tilskot.roles import Role

from . import decisions, services
from .models import Recommendation, RecommendationItem

DECIDED_ROUND = "Demorunde, avgjord"
# (title, summary, requested, granted or None with the reason) for the decided demo round.
DECIDED_APPLICATIONS = [
    (
        "Felles ambulant team for skrøpelege eldre",
        "Kommunen og sjukehuset følgjer opp skrøpelege eldre heime etter utskriving.",
        600_000,
        None,
    ),
    (
        "Kombinerte stillingar for jordmødrer",
        "Jordmødrer deler stilling mellom fødeavdelinga og kommunen.",
        400_000,
        None,
    ),
    (
        "Digital heimeoppfølging av KOLS",
        "Pasientar med KOLS blir følgde opp digitalt frå sjukehuset.",
        500_000,
        "Tiltaket liknar eit prosjekt som alt får støtte; komiteen prioriterte dei andre.",
    ),
]


def _closed_round(
    scheme: Scheme, *, name: str, today: dt.date, days_ago: int, budget: int, description: str
) -> Round | None:
    """A demo round that closed ``days_ago`` days ago (opened 60 days before), or None when
    it exists already (``make run`` loads the demo again on every start)."""
    closes = today - dt.timedelta(days=days_ago)
    round_, created = Round.objects.get_or_create(
        scheme=scheme,
        name=name,
        defaults={
            "opens_at": dt.datetime.combine(closes - dt.timedelta(days=60), dt.time(0), OSLO),
            "closes_at": dt.datetime.combine(closes, dt.time(12), OSLO),
            "budget": budget,
            "max_amount": 1_500_000,
            "description": description,
        },
    )
    return round_ if created else None


def _application(
    round_: Round,
    *,
    applicant: User,
    order: int,
    title: str,
    summary: str,
    requested: int,
    status: str,
    year: int,
) -> Application:
    """A demo application submitted the day(s) before the round closed, asking ``requested``
    on one budget line for ``year``."""
    organisations = demo_organisations()  # the demo applicant signs for them
    application = Application.objects.create(
        round=round_,
        owner=applicant,
        responsible_organisation=organisations[order % len(organisations)],
        title=title,
        summary=summary,
        description=summary,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        status=status,
        submitted_at=round_.closes_at - dt.timedelta(days=order + 1),
    )
    BudgetLine.objects.create(
        application=application,
        year=year,
        organisation=application.responsible_organisation,
        requested_amount=requested,
    )
    return application


def demo_decided_round(scheme: Scheme, now: dt.datetime) -> None:
    """A closed round whose recommendation is sent and whose decision is recorded by every
    decision body of the community, so the public list of granted projects is not empty."""
    community = scheme.community
    applicant = User.objects.get(email=demo_email(Role.APPLICANT, community))
    today = timezone.localdate(now, OSLO)
    round_ = _closed_round(
        scheme,
        name=DECIDED_ROUND,
        today=today,
        days_ago=60,
        budget=1_200_000,
        description="Demo round made by `make run`; decided, letters not yet issued.",
    )
    if round_ is None:
        return
    secretariat = User.objects.get(email=demo_email(Role.SECRETARIAT, community))
    recommendation = Recommendation.objects.create(
        round=round_, status=Recommendation.Status.SENT, sent_at=now, sent_by=secretariat
    )
    for order, (title, summary, requested, reason) in enumerate(DECIDED_APPLICATIONS, 1):
        application = _application(
            round_,
            applicant=applicant,
            order=order - 1,
            title=title,
            summary=summary,
            requested=requested,
            status=Application.Status.COMPLETE,
            year=today.year + 1,
        )
        RecommendationItem.objects.create(
            recommendation=recommendation,
            application=application,
            order=order,
            grant=reason is None,
            amount=requested if reason is None else None,
            reason=reason or "",
        )
    for stage, _body in enumerate(community.decision_bodies, start=1):
        proposals = decisions.proposals(round_, stage)
        decisions.decision_save(
            round_=round_,
            stage=stage,
            by=secretariat,
            meeting=f"Demomøte {stage}",
            case_reference=f"{stage}/{today:%y}",
            decided_on=today - dt.timedelta(days=30 - stage),
            items=[
                {
                    "application": p.application.pk,
                    "order": p.order,
                    "granted": p.granted,
                    "amount": p.amount,
                    "period_start": p.period_start,
                    "period_end": p.period_end,
                    "conditions": p.conditions,
                    "reason": p.reason,
                }
                for p in proposals
            ],
            record=True,
        )


REVIEW_ROUND = "Demorunde, til vurdering"
# (title, summary, requested, status) for the round in review.
REVIEW_APPLICATIONS = [
    (
        "Felles kompetansenettverk for sjukepleiarar",
        "Sjukepleiarar i kommunen og på sjukehuset lærer saman i eit nettverk.",
        350_000,
        Application.Status.COMPLETE,
    ),
    (
        "Tryggare overgangar for barn med kronisk sjukdom",
        "Ein fast kontaktperson følgjer barnet mellom sjukehus, skule og helsestasjon.",
        450_000,
        Application.Status.COMPLETE,
    ),
    (
        "Rekruttering av legar til utkantkommunar",
        "Kombinerte stillingar gjer det lettare å rekruttere legar.",
        500_000,
        Application.Status.SUBMITTED,
    ),
]


def demo_review_round(scheme: Scheme, now: dt.datetime) -> None:
    """A closed round whose screened applications the committee member reviews (the scoring
    deadline in two weeks), with one application still to screen."""
    community = scheme.community
    applicant = User.objects.get(email=demo_email(Role.APPLICANT, community))
    secretariat = User.objects.get(email=demo_email(Role.SECRETARIAT, community))
    member = User.objects.get(email=demo_email(Role.COMMITTEE, community))
    today = timezone.localdate(now, OSLO)
    round_ = _closed_round(
        scheme,
        name=REVIEW_ROUND,
        today=today,
        days_ago=10,
        budget=1_000_000,
        description="Demo round made by `make run`; in the committee's review.",
    )
    if round_ is None:
        return
    for order, (title, summary, requested, status) in enumerate(REVIEW_APPLICATIONS):
        _application(
            round_,
            applicant=applicant,
            order=order,
            title=title,
            summary=summary,
            requested=requested,
            status=status,
            year=today.year + 1,
        )
    services.member_appoint(round_=round_, user=member, by=secretariat)
    services.review_open(
        round_=round_,
        # Two weeks on, from the real clock too: the service refuses a deadline in the past.
        scoring_deadline=dt.datetime.combine(
            timezone.localdate(max(now, timezone.now()), OSLO) + dt.timedelta(days=14),
            dt.time(12),
            OSLO,
        ),
        by=secretariat,
    )
