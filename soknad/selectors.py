"""Reads of applications, with the loading that keeps each page at a fixed number of queries.
Call inside the community's scope (every request under /<community>/ is)."""

from __future__ import annotations

import functools
from decimal import Decimal

from django.db import connection
from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)

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
    *, pk: int, with_content: bool = True, with_case: bool = True, also: tuple[str, ...] = ()
) -> Application | None:
    """One application of the active community with everything its case view shows; without
    ``with_case`` only its content (no invitations, submissions or case log), as a committee
    member reads it; without ``with_content`` only the row with its round, scheme, community,
    owner and responsible organisation: what a permission check and a save need (the rest is
    read when used). ``also`` joins more to the row (a later stage's one-to-one relations, such
    as the committee's ``round__review``).

    The content comes as if prefetched (``application.documents.all()`` etc. read no more),
    one query per relation, each by SQL the ORM compiled once per process (``_related``): on
    the case view, building the SQL of a dozen prefetches took more time than running them."""
    try:
        application = Application.objects.select_related(
            "round__scheme__community", "owner", "responsible_organisation", *also
        ).get(pk=pk)
    except Application.DoesNotExist:
        return None
    if not with_content:
        return application
    scheme = application.round.scheme
    partners = _related(application, "partners", Organisation, "partner_in")
    _related(application, "priority_areas", PriorityArea, "applications")
    _related(application, "documents", Document)
    # The criteria and questions come once, from the scheme, not per answer.
    _related(application, "criterion_answers", CriterionAnswer)
    _related(application, "question_answers", QuestionAnswer)
    _related(scheme, "criteria", Criterion, "scheme")
    _related(scheme, "questions", ApplicationQuestion, "scheme")
    # A budget line's or cost's party is the responsible organisation or a partner: taken from
    # those, not joined again (one more query only for a party no longer among them).
    parties = {o.pk: o for o in (application.responsible_organisation, *partners) if o}
    lines = _related(application, "budget_lines", BudgetLine)
    costs = _related(application, "costs_gains", CostGain)
    missing = {row.organisation_id for row in (*lines, *costs)} - parties.keys()
    if missing:
        parties.update((o.pk, o) for o in _of(Organisation).filter(pk__in=missing))
    for row in (*lines, *costs):
        row.organisation = parties[row.organisation_id]
    if with_case:
        _related(application, "invitations", Invitation)
        _related(application, "submissions", Submission)
        prefetch_related_objects(
            [application], Prefetch("status_changes", _of(StatusChange).select_related("by"))
        )
    return application


@functools.cache
def _compiled(model, lookup: str, vendor: str) -> str:
    """The SQL of ``model``'s rows where ``lookup`` equals one parameter, in the model's
    ordering, as the ORM compiles it for this database (once per process)."""
    sql, params = _of(model).filter(**{lookup: 0}).query.sql_with_params()
    if list(params) != [0]:  # pragma: no cover -- a lookup with more than the one parameter
        raise ValueError(f"{model.__name__}.{lookup}: {params}")
    return sql


def _related(instance, name: str, model, lookup: str = "application") -> list:
    """``instance``'s rows of the relation ``name`` (``model`` where ``lookup`` is the
    instance), stored as ``prefetch_related`` stores them: ``instance.<name>.all()`` then reads
    no more, and a further ``filter`` on it still asks the database."""
    rows = list(model._base_manager.raw(_compiled(model, lookup, connection.vendor), [instance.pk]))
    field = model._meta.get_field(lookup)
    if field.many_to_one:  # each row's own link back, as a prefetch sets it
        for row in rows:
            field.set_cached_value(row, instance)
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache, queryset._prefetch_done = rows, True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset
    return rows


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


def applications_table_page(rows: QuerySet[Application]) -> QuerySet[Application]:
    """``rows`` of ``applications_table`` as the table's HTML page shows them: only the columns
    it shows (not the long texts an export or the case view reads), with the partners' and
    priority areas' names."""
    return (
        rows.select_related(None)
        .select_related("responsible_organisation")
        .only("id", "title", "status", "submitted_at", "responsible_organisation__name")
        .prefetch_related(
            Prefetch("partners", _of(Organisation).only("id", "name").order_by("name")),
            Prefetch("priority_areas", _of(PriorityArea).only("id", "name")),
        )
    )


def applications_table_export(rows: QuerySet[Application]) -> QuerySet[Application]:
    """``rows`` of ``applications_table`` as the CSV and Excel exports write them (every column
    of the application), with their partners and priority areas."""
    return rows.prefetch_related(
        Prefetch("partners", _of(Organisation).order_by("name")),
        Prefetch("priority_areas", _of(PriorityArea)),
    )


_FIGURES_SQL = """
WITH chosen AS (SELECT id, status, responsible_organisation_id FROM {application}
                WHERE id IN ({rows})),
     money AS (SELECT application_id, SUM(requested_amount) AS requested,
                      SUM(own_contribution) AS own
               FROM {budget_line} WHERE application_id IN (SELECT id FROM chosen)
               GROUP BY application_id),
     taking_part AS (SELECT id AS application_id, responsible_organisation_id AS organisation_id
                     FROM chosen
                     UNION
                     SELECT application_id, organisation_id FROM {partners}
                     WHERE application_id IN (SELECT id FROM chosen))
SELECT 'money', '', 0, 0, SUM(requested), SUM(own) FROM money
UNION ALL
SELECT 'status', status, 0, COUNT(*), NULL, NULL FROM chosen GROUP BY status
UNION ALL
SELECT 'area', area.name, area.{order}, COUNT(named.application_id), SUM(money.requested), NULL
FROM {priority_area} area
     LEFT JOIN {priority_areas} named
          ON named.priorityarea_id = area.id AND named.application_id IN (SELECT id FROM chosen)
     LEFT JOIN money ON money.application_id = named.application_id
WHERE area.scheme_id = %s
GROUP BY area.id, area.name, area.{order}
UNION ALL
SELECT 'municipality', organisation.name, 0, COUNT(*), SUM(money.requested), NULL
FROM taking_part
     JOIN {organisation} organisation ON organisation.id = taking_part.organisation_id
     LEFT JOIN money ON money.application_id = taking_part.application_id
WHERE organisation.kind = %s
GROUP BY organisation.id, organisation.name
"""


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def applications_table_figures(rows: QuerySet[Application], *, scheme_id: int) -> dict:
    """Everything the table page counts and sums over all ``rows`` (every page of the filter),
    in ONE query: how many there are, the money they ask for and their own contribution, and
    the numbers of its three pictures (``soknad.charts``):

    - ``status``: ``(status, applications)`` for each status some row has;
    - ``area``: ``(name, order, applications, requested)`` for each priority area of the
      scheme, zeros too (an application naming two areas counts in both);
    - ``municipality``: ``(name, applications, requested)`` for each municipality taking part
      in some row, as responsible organisation or partner (an application with two counts in
      both; one that has a municipality as both counts once for it).

    Raw SQL, because the ORM cannot group the union of the responsible organisations and the
    partners: grouped per municipality with correlated subqueries it cost 49 ms at 5,000
    applications (bench ``application table``), this costs a few."""
    quote = connection.ops.quote_name
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    names = {
        "rows": sql,
        "application": quote(Application._meta.db_table),
        "budget_line": quote(BudgetLine._meta.db_table),
        "partners": quote(Application.partners.through._meta.db_table),
        "priority_areas": quote(Application.priority_areas.through._meta.db_table),
        "priority_area": quote(PriorityArea._meta.db_table),
        "organisation": quote(Organisation._meta.db_table),
        "order": quote("order"),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _FIGURES_SQL.format(**names),
            [*params, scheme_id, Organisation.Kind.MUNICIPALITY],
        )
        found = cursor.fetchall()
    figures = {"count": 0, "status": [], "area": [], "municipality": []}
    for picture, name, order, n, requested, own in found:
        if picture == "money":
            figures["requested_total"], figures["own_total"] = _money(requested), _money(own)
        elif picture == "status":
            figures["status"].append((name, n))
            figures["count"] += n
        elif picture == "area":
            figures["area"].append((name, order, n, _money(requested)))
        else:
            figures["municipality"].append((name, n, _money(requested)))
    return figures
