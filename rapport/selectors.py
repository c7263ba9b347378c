"""Reads of the report stage: the learning points shared publicly, and the yearly status of
every granted measure for the regional health authority."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from utbetaling.models import Grant
from utbetaling.selectors import with_totals

from .models import FinalReport


def unreported_grants(now: dt.datetime) -> QuerySet[Grant]:
    """Open grants whose period has ended and whose final report is not submitted (a returned
    one included), with what ``Grant.report_due`` reads: due, overdue, or soon due."""
    return (
        Grant.objects.filter(status=Grant.Status.OPEN, period_end__lte=timezone.localdate(now))
        .exclude(
            final_report__status__in=[FinalReport.Status.SUBMITTED, FinalReport.Status.APPROVED]
        )
        .select_related("application__round__scheme__community", "application__owner")
        .order_by("pk")
    )


def shared_learning(application_ids) -> dict[int, str]:
    """Application id → learning points its recipient agreed to publish (approved reports)."""
    return dict(
        FinalReport.objects.filter(
            grant__application_id__in=application_ids,
            status=FinalReport.Status.APPROVED,
            share_learning=True,
        )
        .exclude(learning_points="")
        .values_list("grant__application_id", "learning_points")
    )


def granted_facts(application_ids) -> dict[int, dict]:
    """What the public list of granted projects shows from this stage (registered with
    ``komite.public_views.register_granted_facts``): closed, and learning points shared."""
    closed = closed_grants(application_ids)
    learning = shared_learning(application_ids)
    return {
        pk: {"closed": pk in closed, "learning": learning.get(pk, "")}
        for pk in set(application_ids)
    }


def closed_grants(application_ids) -> set[int]:
    return set(
        Grant.objects.filter(
            application_id__in=application_ids, status=Grant.Status.CLOSED
        ).values_list("application_id", flat=True)
    )


@dataclass
class StatusRow:
    grant: Grant
    report_status: str


def status_report(year: int) -> list[StatusRow]:
    """Every grant decided in ``year`` (in the request's community) with its money and the
    state of its final report: what the community reports to the regional health authority
    each November."""
    grants: QuerySet[Grant] = (
        with_totals(Grant.objects.filter(decision_item__decision__decided_on__year=year))
        .select_related(
            "application__round",
            "application__responsible_organisation",
            "final_report",
        )
        .order_by("application__round__closes_at", "application__title")
    )
    rows = []
    for grant in grants:
        try:
            report = grant.final_report
        except FinalReport.DoesNotExist:
            report = None
        rows.append(
            StatusRow(
                grant=grant,
                report_status=report.get_status_display() if report else "",
            )
        )
    return rows


def status_years() -> list[int]:
    return [
        day.year
        for day in Grant.objects.dates("decision_item__decision__decided_on", "year", "DESC")
    ]


def total(rows: list[StatusRow], attribute: str) -> Decimal:
    return sum((getattr(r.grant, attribute) for r in rows), start=Decimal(0))
