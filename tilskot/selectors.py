"""Reads of the tenant model, with the prefetching that keeps every page at a fixed number of
queries however much a community has."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Community, Criterion, Round, Scheme


def communities_list() -> QuerySet[Community]:
    return Community.objects.order_by("name")


@dataclass
class SchemeOverview:
    scheme: Scheme
    open_rounds: list[Round] = field(default_factory=list)
    upcoming_rounds: list[Round] = field(default_factory=list)
    closed_rounds: list[Round] = field(default_factory=list)

    @property
    def all_rounds(self) -> list[Round]:
        return [*self.open_rounds, *self.upcoming_rounds, *self.closed_rounds]

    @property
    def scored_criteria(self) -> list[Criterion]:
        return [c for c in self.scheme.criteria.all() if c.kind == Criterion.Kind.SCORED]

    @property
    def check_criteria(self) -> list[Criterion]:
        return [c for c in self.scheme.criteria.all() if c.kind == Criterion.Kind.CHECK]


def schemes_with_rules() -> QuerySet[Scheme]:
    """The active community's schemes with every rule loaded (call inside its scope)."""
    return Scheme.objects.prefetch_related(
        Prefetch("rounds", queryset=Round.objects.order_by("closes_at")),
        "criteria",
        "priority_areas",
        "questions",
        "fundings",
    )


def community_overview(*, moment: dt.datetime | None = None) -> list[SchemeOverview]:
    """The active community's schemes, each with its rounds sorted into open, upcoming and
    closed at ``moment`` (now by default)."""
    moment = moment or timezone.now()
    overviews = []
    for scheme in schemes_with_rules():
        overview = SchemeOverview(scheme=scheme)
        for round_ in scheme.rounds.all():
            status = round_.status_at(moment)
            {
                Round.Status.OPEN: overview.open_rounds,
                Round.Status.UPCOMING: overview.upcoming_rounds,
                Round.Status.CLOSED: overview.closed_rounds,
            }[status].append(round_)
        overview.closed_rounds.reverse()  # most recent first
        overviews.append(overview)
    return overviews


def round_basic(*, pk: int) -> Round | None:
    """A round of the active community with its scheme, without the scheme's rules."""
    return Round.objects.select_related("scheme__community").filter(pk=pk).first()


def round_get(*, pk: int) -> Round | None:
    """A round of the active community, or None (also for another community's round)."""
    return (
        Round.objects.select_related("scheme__community")
        .prefetch_related(
            "scheme__criteria",
            "scheme__priority_areas",
            "scheme__questions",
            "scheme__fundings",
        )
        .filter(pk=pk)
        .first()
    )
