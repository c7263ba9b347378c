"""Reads of applications, with the loading that keeps each page at a fixed number of queries.
Call inside the community's scope (every request under /<community>/ is)."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from tilskot.models import ApplicationQuestion, Criterion, Organisation, PriorityArea, User

from .models import (
    Application,
    BudgetLine,
    CostGain,
    CriterionAnswer,
    Document,
    Invitation,
    QuestionAnswer,
    StatusChange,
    Submission,
)


def _of(model) -> QuerySet:
    """A prefetch's rows without the community scope's filter: they are read by the id of an
    application (or scheme) that was itself read in the scope, which already keeps them in the
    community, and the scope's joins up to the community cost more than the query."""
    return model._base_manager.all()


def application_get(
    *, pk: int, with_content: bool = True, with_case: bool = True
) -> Application | None:
    """One application of the active community with everything its case view shows; without
    ``with_case`` only its content (no invitations, submissions or case log), as a committee
    member reads it; without ``with_content`` only the row with its round, scheme, community,
    owner and responsible organisation: what a permission check and a save need (the rest is
    read when used)."""
    application = Application.objects.select_related(
        "round__scheme__community", "owner", "responsible_organisation"
    ).filter(pk=pk)
    if not with_content:
        return application.first()
    prefetch = [
        Prefetch("partners", _of(Organisation)),
        Prefetch("priority_areas", _of(PriorityArea)),
        Prefetch("documents", _of(Document)),
        # The criteria and questions come once, from the scheme (below), not per answer.
        Prefetch("criterion_answers", _of(CriterionAnswer)),
        Prefetch("question_answers", _of(QuestionAnswer)),
        Prefetch("budget_lines", _of(BudgetLine).select_related("organisation")),
        Prefetch("costs_gains", _of(CostGain).select_related("organisation")),
        Prefetch("round__scheme__criteria", _of(Criterion)),
        Prefetch("round__scheme__questions", _of(ApplicationQuestion)),
    ]
    if with_case:
        prefetch += [
            Prefetch("invitations", _of(Invitation).select_related("accepted_by")),
            Prefetch("submissions", _of(Submission)),
            Prefetch("status_changes", _of(StatusChange).select_related("by")),
        ]
    return application.prefetch_related(*prefetch).first()


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
