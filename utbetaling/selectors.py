"""Reads of the payment stage: one grant with its money, and the finance table across a
community's grants, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from .models import Grant, Payment, RepaymentClaim

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal(0), output_field=MONEY_FIELD)
CLAIMED = [Payment.Status.REGISTERED, Payment.Status.APPROVED, Payment.Status.PAID]
APPROVED = [Payment.Status.APPROVED, Payment.Status.PAID]


@dataclass(frozen=True)
class Totals:
    granted: Decimal
    invoiced: Decimal
    approved: Decimal
    paid: Decimal

    @property
    def left(self) -> Decimal:
        """Not yet claimed by an invoice or booking."""
        return self.granted - self.invoiced


def grant_get(*, pk) -> Grant | None:
    return (
        Grant.objects.filter(pk=pk)
        .select_related(
            "application__round__scheme__community",
            "application__responsible_organisation",
            "application__owner",
            "decision_item__decision",
            "accepted_by",
        )
        .first()
    )


def _sum(statuses) -> Subquery:
    return Coalesce(
        Subquery(
            Payment.objects.filter(grant=OuterRef("pk"), status__in=statuses)
            .order_by()
            .values("grant")
            .annotate(total=Sum("amount"))
            .values("total")
        ),
        ZERO,
    )


def with_totals(grants: QuerySet[Grant]) -> QuerySet[Grant]:
    """Each grant with ``invoiced``, ``approved``, ``paid``, ``left`` and ``open_claims``."""
    return grants.annotate(
        invoiced=_sum(CLAIMED),
        approved=_sum(APPROVED),
        paid=_sum([Payment.Status.PAID]),
        open_claims=Exists(RepaymentClaim.objects.filter(grant=OuterRef("pk"), settled_on=None)),
    ).annotate(left=ExpressionWrapper(F("amount") - F("invoiced"), output_field=MONEY_FIELD))


def totals(grant: Grant) -> Totals:
    sums = grant.payments.aggregate(
        invoiced=Coalesce(Sum("amount", filter=Q(status__in=CLAIMED)), ZERO),
        approved=Coalesce(Sum("amount", filter=Q(status__in=APPROVED)), ZERO),
        paid=Coalesce(Sum("amount", filter=Q(status=Payment.Status.PAID)), ZERO),
    )
    return Totals(granted=grant.amount, **sums)


def finance_table(
    *, round_id: int | None = None, status: str = "", route: str = "", search: str = ""
) -> QuerySet[Grant]:
    """The community's grants with their money, for the finance table (inside the request's
    community scope)."""
    grants = Grant.objects.select_related(
        "application__round", "application__responsible_organisation"
    )
    if round_id:
        grants = grants.filter(application__round_id=round_id)
    if status in Grant.Status.values:
        grants = grants.filter(status=status)
    if route == "internal":
        grants = grants.filter(internal=True)
    elif route == "invoice":
        grants = grants.filter(internal=False)
    if search:
        grants = grants.filter(
            Q(application__title__icontains=search)
            | Q(application__responsible_organisation__name__icontains=search)
        )
    return with_totals(grants).order_by("application__round__closes_at", "application__title")


def table_sums(grants: QuerySet[Grant]) -> dict[str, Decimal]:
    """The totals of the table's columns, over every row the filters keep (not only a page)."""
    ids = grants.values("pk")
    money = Payment.objects.filter(grant__in=ids).aggregate(
        invoiced=Coalesce(Sum("amount", filter=Q(status__in=CLAIMED)), ZERO),
        approved=Coalesce(Sum("amount", filter=Q(status__in=APPROVED)), ZERO),
        paid=Coalesce(Sum("amount", filter=Q(status=Payment.Status.PAID)), ZERO),
    )
    granted = Grant.objects.filter(pk__in=ids).aggregate(
        granted=Coalesce(Sum("amount"), ZERO), count=Count("pk")
    )
    return {**granted, **money, "left": granted["granted"] - money["invoiced"]}
