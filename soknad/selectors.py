"""Reads of applications, with the loading that keeps each page at a fixed number of queries.
Call inside the community's scope (every request under /<community>/ is)."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from tilskot.models import User

from .models import Application, BudgetLine, CostGain, Invitation, StatusChange


def application_get(*, pk: int, with_case: bool = True) -> Application | None:
    """One application of the active community with everything its case view shows; without
    ``with_case`` only its content (no invitations, submissions or case log), as a committee
    member reads it."""
    prefetch = [
        "partners",
        "priority_areas",
        "documents",
        # The criteria and questions come once, from the scheme (below), not per answer.
        "criterion_answers",
        "question_answers",
        Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("organisation")),
        Prefetch("costs_gains", queryset=CostGain.objects.select_related("organisation")),
        "round__scheme__criteria",
        "round__scheme__questions",
    ]
    if with_case:
        prefetch += [
            Prefetch("invitations", queryset=Invitation.objects.select_related("accepted_by")),
            "submissions",
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")),
        ]
    return (
        Application.objects.select_related(
            "round__scheme__community", "owner", "responsible_organisation"
        )
        .prefetch_related(*prefetch)
        .filter(pk=pk)
        .first()
    )


def applications_of(user: User) -> QuerySet[Application]:
    """The active community's applications where ``user`` is applicant or co-applicant."""
    return (
        Application.objects.filter(Q(owner=user) | Q(invitations__accepted_by=user))
        .distinct()
        .select_related("round", "responsible_organisation")
        .order_by("-updated_at")
    )


def _budget_sum(field: str):
    return (
        BudgetLine.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(total=Sum(field))
        .values("total")
    )


def applications_table(*, round_pk: int) -> QuerySet[Application]:
    """The round's applications (drafts excluded) for the secretariat's table, annotated with
    the totals it shows, at a fixed number of queries however many there are."""
    return (
        Application.objects.filter(round_id=round_pk)
        .exclude(status=Application.Status.DRAFT)
        .select_related("owner", "responsible_organisation")
        .annotate(
            # Subqueries, not joins: two joined to-many relations would multiply the sums.
            requested=Subquery(_budget_sum("requested_amount")),
            own_contribution=Subquery(_budget_sum("own_contribution")),
        )
        .order_by("-submitted_at", "pk")
    )
