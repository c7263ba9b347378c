"""Reads of the committee's stage: the scoring dashboard of a round, and the public list of
granted projects, each at a fixed number of queries however many rows they have."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Sum

from soknad.models import Application, BudgetLine
from tilskot.models import Criterion, Organisation, Round
from tilskot.roles import Role, has_role

from .models import Assessment, ConflictDeclaration, Decision, DecisionItem, Membership, Score
from .rules import member_of

# The applications the committee assessed: complete ones, and those decided since.
ASSESSED = [
    Application.Status.COMPLETE,
    Application.Status.GRANTED,
    Application.Status.NOT_GRANTED,
]


@dataclass
class CriterionStats:
    mean: float | None = None
    spread: int | None = None  # highest minus lowest score
    met: int = 0  # for a check: how many found it met
    count: int = 0
    given: dict[int, int] = field(default_factory=dict)  # score -> how many members gave it


@dataclass
class Row:
    application: Application
    requested: Decimal
    submitted: int
    eligible: int
    visible: bool
    stats: dict[int, CriterionStats] = field(default_factory=dict)
    total: float | None = None
    rank: int | None = None
    running_requested: Decimal | None = None


def requested_amount():
    """A subquery: the amount an application requests from the grant (sum of its lines)."""
    return (
        BudgetLine.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(total=Sum("requested_amount"))
        .values("total")
    )


def dashboard(*, round_: Round, viewer) -> tuple[list[Row], list[Criterion]]:
    """Each assessed application of the round (complete, or decided since): how many members
    have scored it (of those
    without a conflict), mean and spread per criterion, total, rank, requested amount and the
    running sum of requested amounts in rank order. Scores a viewer may not see yet are left
    out of their rows (see ``rules.can_see_scores``)."""
    criteria = list(round_.scheme.criteria.all())
    applications = list(
        Application.objects.filter(round=round_, status__in=ASSESSED)
        .select_related("responsible_organisation")
        .annotate(requested=Subquery(requested_amount()))
        .order_by("title", "pk")
    )
    members = Membership.objects.filter(round=round_).count()
    conflicts = dict(
        ConflictDeclaration.objects.filter(application__round=round_, has_conflict=True)
        .values("application")
        .annotate(n=Count("pk"))
        .values_list("application", "n")
    )
    submitted = dict(
        Assessment.objects.filter(
            application__round=round_, submitted_at__isnull=False, withdrawn_at__isnull=True
        )
        .values("application")
        .annotate(n=Count("pk"))
        .values_list("application", "n")
    )
    # One row per application, criterion and score given (how many gave it): the means,
    # spreads and counts come from these, and the scoring overview's pictures draw them.
    stats: dict[int, dict[int, CriterionStats]] = {}
    for application, criterion, value, met, n in (
        Score.objects.filter(
            assessment__application__round=round_,
            assessment__submitted_at__isnull=False,
            assessment__withdrawn_at__isnull=True,  # a member disqualified since: not counted
        )
        .values_list("assessment__application", "criterion", "value", "met")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        stat = stats.setdefault(application, {}).setdefault(criterion, CriterionStats())
        stat.count += n
        if met:
            stat.met += n
        if value is not None:
            stat.given[value] = stat.given.get(value, 0) + n
    for per_criterion in stats.values():
        for stat in per_criterion.values():
            if stat.given:
                scores = sum(stat.given.values())
                stat.mean = sum(v * n for v, n in stat.given.items()) / scores
                stat.spread = max(stat.given) - min(stat.given)
    visible = _visible_to(viewer, round_, applications)
    rows = []
    scored = [c for c in criteria if c.kind == Criterion.Kind.SCORED]
    for application in applications:
        row = Row(
            application=application,
            requested=application.requested or Decimal(0),
            submitted=submitted.get(application.pk, 0),
            eligible=members - conflicts.get(application.pk, 0),
            visible=application.pk in visible,
        )
        if row.visible:
            row.stats = stats.get(application.pk, {})
            means = [row.stats[c.pk].mean for c in scored if c.pk in row.stats]
            if means and len(means) == len(scored):
                row.total = round(sum(means), 2)
        rows.append(row)
    ranked = sorted((r for r in rows if r.total is not None), key=lambda r: -r.total)
    running = Decimal(0)
    for rank, row in enumerate(ranked, start=1):
        running += row.requested
        row.rank, row.running_requested = rank, running
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.application.title))
    return rows, criteria


def _visible_to(viewer, round_: Round, applications: list[Application]) -> set[int]:
    ids = {a.pk for a in applications}
    if has_role(viewer, round_.scheme.community, Role.SECRETARIAT):
        return ids
    member = member_of(viewer, round_)
    if member is None:
        return set()
    no_conflict = set(
        ConflictDeclaration.objects.filter(member=member, has_conflict=False).values_list(
            "application", flat=True
        )
    )
    if not round_.scheme.community.scores_hidden_until_own:
        return ids & no_conflict
    own = set(
        Assessment.objects.filter(member=member, submitted_at__isnull=False).values_list(
            "application", flat=True
        )
    )
    return ids & no_conflict & own


def granted(community) -> QuerySet[DecisionItem]:
    """The community's granted projects, newest decision first: the final decision's grants,
    with what the public list and the open data show, in a fixed number of queries."""
    return (
        DecisionItem.objects.filter(
            granted=True,
            decision__status=Decision.Status.RECORDED,
            decision__stage=len(community.decision_bodies),
        )
        .select_related(
            "decision__round__scheme",
            "application__responsible_organisation",
        )
        .prefetch_related(
            Prefetch("application__partners", queryset=Organisation.objects.order_by("name"))
        )
        .order_by("-decision__decided_on", "decision__round", "order", "pk")
    )
