"""Reads of the tenant model, with the prefetching that keeps every page at a fixed number of
queries however much a community has."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from .models import (
    Community,
    CommunityRoleGroup,
    Criterion,
    RoleChange,
    RoleInvitation,
    Round,
    Scheme,
    User,
)
from .roles import STAFF_ROLES, Role


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


# --- the community's own people ----------------------------------------------------------------


@dataclass
class RoleHeld:
    role: Role
    since: dt.datetime | None  # None: given before Tilskot logged it


@dataclass
class Holder:
    user: User
    roles: list[RoleHeld] = field(default_factory=list)


def role_holders_table(*, community: Community) -> list[Holder]:
    """Everyone who holds one of the community's own roles (not the applicant role, which
    everyone who applies has), with since when where the log knows it: three queries, however
    many people and roles."""
    groups = {
        link.group_id: Role(link.role)
        for link in CommunityRoleGroup.objects.filter(community=community)
        if link.role in STAFF_ROLES
    }
    since = {
        (row["user"], row["role"]): row["since"]
        for row in RoleChange.objects.filter(action=RoleChange.Action.GRANTED)
        .values("user", "role")
        .annotate(since=Max("at"))
    }
    order = list(Role)
    holders: dict[int, Holder] = {}
    for row in (
        User.groups.through.objects.filter(group_id__in=groups)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    ):
        role = groups[row.group_id]
        holder = holders.setdefault(row.user_id, Holder(user=row.user))
        holder.roles.append(RoleHeld(role=role, since=since.get((row.user_id, role.value))))
    for holder in holders.values():
        holder.roles.sort(key=lambda held: order.index(held.role))
    return list(holders.values())


def role_invitations_open() -> QuerySet[RoleInvitation]:
    """The active community's invitations neither accepted nor withdrawn (expired ones too:
    the secretariat withdraws them or sends new ones), newest first."""
    return RoleInvitation.objects.filter(
        accepted_at__isnull=True, withdrawn_at__isnull=True
    ).select_related("invited_by")


def role_changes_recent(*, limit: int = 100) -> QuerySet[RoleChange]:
    """The latest lines of the active community's log of its people, newest first."""
    return RoleChange.objects.filter(role__in=STAFF_ROLES).select_related(
        "user", "by", "invitation__invited_by"
    )[:limit]
